"""A value the supervisor types to decide a sync conflict (``carebook conflicts resolve ID --keep
value --value V``, the desktop conflicts view): checked and made canonical with the same rules as
an ordinary edit, so a decision can store nothing that ``carebook children update --set
FIELD=VALUE`` would refuse.

* a child's field goes through :func:`carebook.model.services.children.clean_child_input` (labels
  such as 黄色 become codes, lengths, dates, the ID number agreeing with the date of birth, a name
  that cannot be cleared — exactly what :func:`~carebook.model.services.children.update_child`
  checks);
* a family member's or visit's field through its :class:`~carebook.model.child_fields.FieldSpec`
  (:data:`~carebook.model.child_fields.MEMBER_FIELDS`,
  :data:`~carebook.model.services.visits.VISIT_FIELDS`);
* any other column by its type: an enumeration's label or code, a date, text within the column's
  length.

The result is the JSON value (:func:`carebook.model.jsonvalues.to_json_value`) the conflict
layer writes (:func:`carebook.sync.conflicts.resolve_conflict`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Session

from carebook.model.child_fields import CHILD_FIELDS, MEMBER_FIELDS, FieldSpec
from carebook.model.jsonvalues import to_json_value
from carebook.model.schema import TRACKED
from carebook.model.validation import clean_date, clean_text


def clean_decided_value(session: Session, entity: str, record_id: str, field: str, value: Any, *,
                        today: dt.date | None = None) -> Any:
    """Return the canonical JSON value of ``value`` for column ``field`` of record
    ``entity``/``record_id`` (see the module docstring). A string typed on the command line may
    be JSON (``'"张三"'``) or plain text; both arrive here already decoded.

    Raises:
        ValidationError: the value breaks the field's rule (the one-line message names the field).
    """
    today = today or dt.date.today()
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # typed 3 for a grade or a phone number: text, as ``--set`` reads it
    if entity == "child" and field in CHILD_FIELDS:
        from carebook.model.children import Child
        from carebook.model.services.children import clean_child_input

        cleaned = clean_child_input({field: value}, today=today, existing=session.get(Child, record_id),
                                    partial=True).child.get(field)
        return to_json_value(_not_none(CHILD_FIELDS[field], cleaned))
    spec = _spec(entity, field)
    if spec is not None:
        return to_json_value(spec.clean(value, today=today, field=field))
    return to_json_value(_by_column(entity, field, value, today))


def checked_decision_value(session: Session, ref: str, value: Any, *, today: dt.date | None = None) -> Any:
    """The value typed to decide conflict ``ref`` (id or prefix) with ``keep="value"``, checked
    by :func:`clean_decided_value` for its record and field (the command line and the desktop
    conflicts view both call this before :func:`carebook.sync.conflicts.resolve_conflict`).
    Conflicts that take no typed value are returned unchanged for ``resolve_conflict`` to refuse.

    Raises:
        NotFoundError: no such conflict.
        ValidationError: the value breaks the field's rule.
    """
    from carebook.sync.conflicts import find_conflict

    row = find_conflict(session, ref)
    if row.kind != "concurrent_edit" or row.status == "resolved" or row.field is None:
        return value
    return clean_decided_value(session, row.entity, row.record_id, row.field, value, today=today)


def _spec(entity: str, field: str) -> FieldSpec | None:
    if entity == "family_member":
        return MEMBER_FIELDS.get(field)
    if entity == "visit":
        from carebook.model.services.visits import VISIT_FIELDS

        return VISIT_FIELDS.get(field)
    return None


def _not_none(spec: FieldSpec, cleaned: Any) -> Any:
    """A cleared yes/no or list field is stored as no / empty, as ``update_child`` does."""
    if cleaned is None and spec.kind == "bool":
        return False
    if cleaned is None and spec.kind == "enum_list":
        return []
    return cleaned


def _by_column(entity: str, field: str, value: Any, today: dt.date) -> Any:
    from carebook.model.types import CodeType

    cls = TRACKED.get(entity)
    table = getattr(cls, "__table__", None)
    if table is None or field not in table.c or not isinstance(value, str):
        return value
    column_type = table.c[field].type
    if isinstance(column_type, CodeType):
        text = clean_text(value, field=field)
        return None if text is None else column_type.enum_cls.parse(text, field)
    if isinstance(column_type, Date):
        return clean_date(value, field, today=today, allow_future=True)
    if isinstance(column_type, String):
        return clean_text(value, max_length=column_type.length or 4000, field=field)
    return value


def conflict_subjects(session: Session, records: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """Whose file each conflict is about, for the supervisor: ``(entity, record_id)`` → (the
    child's name, the village's name). A child's own record, or a record of a child (a family
    member, a visit: anything with ``child_id``). A child's file held back from the register (its
    ID number taken: the duplicate review) is named from its insert in the change log. Records of
    nobody's file (staff, units) and other records not in the register are left out."""
    from carebook.model.children import Child
    from carebook.model.organisation import OrgUnit

    found: dict[tuple[str, str], tuple[str, str]] = {}
    for entity, record_id in records:
        cls = TRACKED.get(entity)
        if cls is None:
            continue
        record = session.get(cls, record_id)
        child_id = record_id if entity == "child" else getattr(record, "child_id", None)
        child = session.get(Child, child_id) if record is not None and child_id else None
        if child is None:
            held = _held_child(session, record_id) if entity == "child" and record is None else None
            if held is not None:
                village = session.get(OrgUnit, held.get("village_id")) if held.get("village_id") else None
                found[(entity, record_id)] = (str(held.get("name") or ""), village.name if village is not None else "")
            continue
        village = session.get(OrgUnit, child.village_id)
        found[(entity, record_id)] = (child.name or "", village.name if village is not None else "")
    return found


def _held_child(session: Session, record_id: str) -> dict[str, Any] | None:
    """The inserted values of a child's file that the log holds but the register does not (a
    file held back), or ``None``."""
    from carebook.model.changelog import ChangeLogEntry

    text = session.scalar(select(ChangeLogEntry.new_value).where(
        ChangeLogEntry.entity == "child", ChangeLogEntry.record_id == record_id, ChangeLogEntry.op == "insert",
    ).order_by(ChangeLogEntry.seq).limit(1))
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None

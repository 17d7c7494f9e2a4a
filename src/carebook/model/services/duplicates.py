"""Merging two files of one child, and marking a reviewed pair (重复档案合并, issue 6 item 3).

:func:`merge_children` keeps one file (``keep``) and closes the other (``drop``), all through
recorded writes, so sync carries the result to both villages:

1. a ``drop`` file parked at merge because its ID number is taken (see
   :mod:`carebook.model.queries.duplicates`) is first brought into the register from the
   change log, its ID number cleared by a recorded change (the ID number stays with ``keep``);
   its parked family members, visits and other records come with it;
2. ``drop``'s visits, assistance, entrustments, mandatory reports, referrals and attachments move
   to ``keep`` (their ``child_id`` changes); a family member moves too, unless ``keep`` already
   has a member in the same role (father, mother, entrusted guardian…), whose empty fields are
   then filled from ``drop``'s member;
3. ``keep``'s empty fields are filled from ``drop`` (never its village or closing fields);
4. ``drop`` is closed with reason ``other`` (DOMAIN.md has no closing reason for a duplicate) and
   the note ``合并到 <name>（<id>） / merged into <id>``; its ID number is cleared.

The pair is remembered as reviewed (``merged``) in the township's local setting, like
:func:`mark_not_duplicate`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.attachments import Attachment
from carebook.model.changelog import ChangeLogEntry
from carebook.model.child_fields import MEMBER_ROLES
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.enums import ClosingReason
from carebook.model.errors import NotFoundError, StateError
from carebook.model.queries.duplicates import REVIEWED_KEY, pair_key, reviewed_pairs
from carebook.model.recording import ChangeRecorder, WriteResult, changes_of
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.services.children import find_child, member_for_role
from carebook.model.services.derived import members_of, refresh_child
from carebook.model.settings import load_settings
from carebook.model.sync_state import SyncParked
from carebook.model.visits import Visit

#: Records of a child's file that move with a merge (family members are handled apart).
_MOVING: tuple[type[Any], ...] = (AssistanceRecord, Visit, Entrustment, MandatoryReport, Referral, Attachment)
_SUB_CLASSES: tuple[type[Any], ...] = (*_MOVING, FamilyMember)
_SUB_TABLES: dict[str, type[Any]] = {c.__tablename__: c for c in _SUB_CLASSES}
#: Child columns never copied from ``drop`` to ``keep``.
_NOT_FILLED = frozenset({"id", "village_id", "closed_reason", "closed_on", "closed_note", "transferred_to",
                         "created_at", "updated_at", "version"})


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def _recorder(session: Session) -> ChangeRecorder:
    recorder = session.info.get("recorder")
    if not isinstance(recorder, ChangeRecorder):
        raise RuntimeError("merge_children needs a recorded session (Register.writing)")
    return recorder


def _folded(session: Session, entity: str, record_id: str) -> dict[str, Any] | None:
    """A record's values from its change-log rows (insert, then updates in stamp order)."""
    rows = list(session.execute(
        select(ChangeLogEntry.op, ChangeLogEntry.field, ChangeLogEntry.new_value, ChangeLogEntry.hlc)
        .where(ChangeLogEntry.entity == entity, ChangeLogEntry.record_id == record_id)))
    rows.sort(key=lambda r: r.hlc)
    state: dict[str, Any] | None = None
    for op, field, new_value, _hlc in rows:
        if op == "insert" and new_value:
            state = {**(state or {}), **json.loads(new_value)}
        elif op == "update" and field and state is not None:
            state[field] = json.loads(new_value) if new_value is not None else None
        elif op == "delete":
            return None
    return state


def _materialise(session: Session, cls: type[Any], state: dict[str, Any]) -> None:
    """Insert a record known only from the change log (Core: not a new change)."""
    from sqlalchemy import Date, Numeric

    from carebook.model.base import UTCDateTime, utc_now

    mapper = inspect(cls)
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key not in state:
            continue
        value = state[attr.key]
        if value is not None:
            if isinstance(column.type, UTCDateTime):
                value = dt.datetime.fromisoformat(value)
            elif isinstance(column.type, Date):
                value = dt.date.fromisoformat(value)
            elif isinstance(column.type, Numeric):
                from decimal import Decimal

                value = Decimal(str(value))
        values[attr.key] = value
    now = utc_now()
    values.setdefault("created_at", now)
    values["updated_at"] = now
    values["version"] = 1
    for key in ("income_sources", "assessed_categories", "categories"):
        if key in {a.key for a in mapper.column_attrs} and values.get(key) is None:
            values[key] = []
    session.execute(insert(cls.__table__).values(**values))


def _unpark(session: Session, drop_id: str) -> None:
    """Bring a ``drop`` file parked for its taken ID number into the register (step 1)."""
    state = _folded(session, "child", drop_id)
    if state is None:
        raise NotFoundError(f"名册中找不到“{drop_id}”", f"no child '{drop_id}' in the register")
    recorder = _recorder(session)
    number = state.get("id_number")
    state["id_number"] = None
    _materialise(session, Child, state)
    if number is not None:
        session.add(ChangeLogEntry(**recorder.entry(session, "child", drop_id, "update", "id_number", number, None)))
        recorder.persist_counters(session)
    parked = list(session.execute(select(SyncParked.entity, SyncParked.record_id)))
    session.execute(delete(SyncParked).where(SyncParked.entity == "child", SyncParked.record_id == drop_id))
    for entity, rid in parked:
        cls = _SUB_TABLES.get(entity)
        if cls is None:
            continue
        sub = _folded(session, entity, rid)
        if sub is None or sub.get("child_id") != drop_id:
            continue
        _materialise(session, cls, sub)
        session.execute(delete(SyncParked).where(SyncParked.entity == entity, SyncParked.record_id == rid))
    session.flush()


def merge_children(session: Session, keep_id: str, drop_id: str, *, today: dt.date | None = None) -> WriteResult:
    """Merge the file ``drop_id`` into ``keep_id`` (see the module docstring), in a recorded session.

    Args:
        keep_id, drop_id: record ids or ID numbers (a parked ``drop`` by record id).

    Returns:
        ``keep``'s id and every recorded change.

    Raises:
        NotFoundError: either file is not in the register (nor parked).
        StateError: the same file twice, or either file is closed.
    """
    today = today or dt.date.today()
    keep = find_child(session, keep_id)
    ref = (drop_id or "").strip()
    if session.get(Child, ref) is None and session.get(SyncParked, ("child", ref)) is not None:
        _unpark(session, ref)
    drop = find_child(session, ref)
    _settle_conflicts(session, keep.id, drop.id)
    if keep.id == drop.id:
        raise StateError("不能把档案合并到它自己", "a file cannot be merged into itself")
    for child in (keep, drop):
        if child.closed_reason is not None:
            raise StateError(f"“{child.name}”的档案已销档，不能合并", f"{child.name}'s file is closed; it cannot be merged")
    # Family members: move, or fill the member keep already has in that role.
    keep_members = members_of(session, keep.id)
    for member in members_of(session, drop.id):
        role = next((r for r in MEMBER_ROLES if member_for_role([member], r) is member), None)
        existing = member_for_role(keep_members, role) if role is not None else None
        if existing is None:
            member.child_id = keep.id
            keep_members.append(member)
            continue
        for attr in inspect(FamilyMember).column_attrs:
            key = attr.key
            if key in ("id", "child_id", "created_at", "updated_at", "version"):
                continue
            if _empty(getattr(existing, key)) and not _empty(getattr(member, key)):
                setattr(existing, key, getattr(member, key))
    for cls in _MOVING:
        for record in session.scalars(select(cls).where(cls.child_id == drop.id)):
            record.child_id = keep.id
    # The child's fields. The ID number moves last: it is unique.
    number = drop.id_number
    if number is not None:
        drop.id_number = None
        session.flush()
    skip: frozenset[str] = getattr(Child, "untracked_columns", frozenset())
    for attr in inspect(Child).column_attrs:
        key = attr.key
        if key in _NOT_FILLED or key in skip:
            continue
        value = number if key == "id_number" else getattr(drop, key)
        if _empty(getattr(keep, key)) and not _empty(value):
            setattr(keep, key, value)
    drop.closed_reason = ClosingReason.OTHER
    drop.closed_on = today
    drop.closed_note = f"合并到 {keep.name}（{keep.id}） / merged into {keep.id}"
    session.flush()
    settings = load_settings(session)
    refresh_child(session, keep, settings, today)
    refresh_child(session, drop, settings, today)
    _remember(session, keep.id, drop.id, "merged")
    session.flush()
    return WriteResult(keep.id, changes_of(session))


def _settle_conflicts(session: Session, keep_id: str, drop_id: str, *, review: str = "merged",
                      note: str | None = None) -> int:
    """Mark the open ``duplicate_key`` conflicts of the pair (either file's record id)
    resolved by the duplicate review: ``review`` (``merged`` or ``not_duplicate``) is kept in
    the decision, ``note`` (default: merged into ``keep_id``) with it. Returns how many."""
    from carebook.model.base import utc_now
    from carebook.model.sync_state import SyncConflict

    recorder = session.info.get("recorder")
    actor = recorder.actor if isinstance(recorder, ChangeRecorder) else ""
    settled = 0
    for row in session.scalars(select(SyncConflict).where(
            SyncConflict.kind == "duplicate_key", SyncConflict.status == "open",
            SyncConflict.record_id.in_([keep_id, drop_id]))):
        row.status = "resolved"
        row.decision = json.dumps({"keep": "current", "value": None, "review": review}, sort_keys=True)
        row.resolved_by = actor[:60]
        row.resolved_at = utc_now()
        row.note = note or f"合并到 {keep_id} / merged into {keep_id}"
        settled += 1
    return settled


def _remember(session: Session, a: str, b: str, verdict: str) -> None:
    reviewed = reviewed_pairs(session)
    reviewed[pair_key(a, b)] = verdict
    settings_store.set_value(session, REVIEWED_KEY, reviewed)


def mark_not_duplicate(session: Session, a_id: str, b_id: str) -> None:
    """Remember that the files ``a_id`` and ``b_id`` (record ids) are two children, so the pair
    no longer shows in :func:`carebook.model.queries.duplicates.find_duplicates`. A local
    setting of this township (not synced). The pair's open ``duplicate_key`` conflicts are
    marked resolved (decision ``review: not_duplicate``); a file held because its ID number is
    taken stays held until a village corrects one of the two ID numbers (the correction
    arrives by sync and the held file then comes in by itself).

    Raises:
        NotFoundError: neither a file nor a parked file has that id.
        StateError: the same id twice.
    """
    ids = [(x or "").strip() for x in (a_id, b_id)]
    if ids[0] == ids[1]:
        raise StateError("请给出两个不同的档案", "give two different files")
    for rid in ids:
        if session.get(Child, rid) is None and session.get(SyncParked, ("child", rid)) is None:
            raise NotFoundError(f"名册中找不到编号为“{rid}”的档案", f"no file with record id '{rid}'")
    _remember(session, ids[0], ids[1], "not_duplicate")
    _settle_conflicts(session, ids[0], ids[1], review="not_duplicate",
                      note="不是同一儿童：其中一个身份证号需由村更正 / two children: one ID number must be corrected")

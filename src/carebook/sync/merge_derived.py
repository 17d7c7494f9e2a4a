"""Recomputing the derived columns of many children after a merge, in batches.

The derived columns (categories, search keys, last visit and next visit due) are never synced:
each installation recomputes them with the model's own rules
(:func:`carebook.model.services.derived.derived_values`).

Two ways, same rules, same values:

* :func:`derived_of_new_children`: children the merge *inserts*, whose family members,
  assistance records and visits can only be rows the same merge inserts (a row already in the
  register cannot refer to a child that is not): their derived columns are computed from the rows
  about to be written, read the way the database would give them back (each value through its
  column type's bind then result processing), and written with the insert itself;
* :func:`refresh_children`: every other affected child, read back from the register after the
  writes (:func:`carebook.model.services.derived.derived_rows`: one query per table per batch
  of children) and written with one ``executemany``.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.services.derived import CHILD_INPUT_COLUMNS, derived_rows, derived_values
from carebook.model.settings import RegisterSettings
from carebook.model.visits import Visit
from carebook.sync.aggregates import table_of
from carebook.sync.fastwrite import update_rows

_CHILD = table_of(Child)
_DERIVED = ["categories", "search_initials", "id_number_rev", "last_visit_date", "next_visit_due"]
#: Columns of a family member that :func:`derived_values` reads (as ``derived_rows`` selects them).
_MEMBER_COLUMNS = ("id", "child_id", "relation", "status", "away_since", "is_entrusted_guardian")

#: Per table, the tracked columns the derived columns of a child depend on (``None``: any).
DERIVED_INPUTS: dict[str, frozenset[str] | None] = {
    "child": frozenset({
        "name", "id_number", "date_of_birth", "registration_type", "has_household_registration",
        "parents_unknown", "in_institution", "health_status", "serious_illness", "schooling_stage",
        "guardianship_quality", "improper_guardianship", "family_poverty", "assessed_categories", "key_child",
        "risk_colour",
    }),
    "family_member": frozenset({"relation", "status", "away_since", "is_entrusted_guardian", "child_id"}),
    "assistance_record": None,
    "visit": frozenset({"visit_date", "next_visit_date", "child_id"}),
}


def refresh_children(session: Session, child_ids: Iterable[str], settings: RegisterSettings, today: dt.date) -> int:
    """Recompute the derived columns of the children ``child_ids`` (those that exist); returns
    how many were refreshed. Writes without the ORM, so no change is recorded (the columns are
    untracked) and ``updated_at``/``version`` stay as they are."""
    rows = derived_rows(session, child_ids, settings, today)
    update_rows(session, _CHILD, _DERIVED, rows)
    return len(rows)


_Reader = Callable[[Any], Any]
_READERS: dict[tuple[str, str, str], _Reader | None] = {}


def _reader(dialect: Dialect, table: Table, column: str) -> _Reader | None:
    """The value ``column`` of ``table`` would be read back as after writing ``value`` (its
    type's bind processing, then its result processing), remembered by value (codes, dates and
    flags repeat across rows; a list by its items, returned as a fresh list); ``None`` stays
    ``None``. ``None`` instead of a function when the type processes nothing (the value is read
    back as written)."""
    key = (dialect.name, table.name, column)
    if key in _READERS:
        return _READERS[key]
    col_type = table.c[column].type
    bind = col_type.bind_processor(dialect)
    result = col_type.result_processor(dialect, None)
    if bind is None and result is None:
        _READERS[key] = None
        return None
    seen: dict[Any, Any] = {}

    def roundtrip(value: Any) -> Any:
        stored = bind(value) if bind is not None else value
        return result(stored) if result is not None and stored is not None else stored

    def run(value: Any) -> Any:
        if value is None:
            return None
        memo = (list, tuple(value)) if isinstance(value, list) else (type(value), value)
        try:
            out = seen[memo]
        except KeyError:
            out = seen[memo] = roundtrip(value)
        except TypeError:  # unhashable items: not remembered
            return roundtrip(value)
        return list(out) if isinstance(out, list) else out

    _READERS[key] = run
    return run


_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def _row_type(columns: tuple[str, ...]) -> Any:
    """A named tuple type with fields ``columns`` (made once per set of columns)."""
    made = _ROW_TYPES.get(columns)
    if made is None:
        made = _ROW_TYPES[columns] = namedtuple("_Row", columns)
    return made


class _Reading:
    """Reads insert rows of ``table`` as the objects with attributes ``columns`` that reading them
    back from the database would give (a missing column is ``None``): named tuples of those
    columns."""

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]) -> None:
        readers = [(c, _reader(dialect, table, c)) for c in columns]
        self.columns = list(columns)
        self.index = [i for i, (_c, read) in enumerate(readers) if read is not None]
        self.readers = [read for _c, read in readers if read is not None]
        self.make: Callable[[Iterable[Any]], Any] = _row_type(tuple(self.columns))._make
        self.pick = itemgetter(*self.columns) if len(self.columns) > 1 else None

    def _values(self, row: Mapping[str, Any]) -> list[Any]:
        """The row's values of ``columns``, in order (a missing key is ``None``)."""
        if self.pick is not None:
            try:
                return list(self.pick(row))
            except KeyError:
                pass
        get = row.get
        return [get(c) for c in self.columns]

    def all(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The rows read back, converted a column at a time: each distinct value of a column once
        (codes, flags and the instant of one transaction repeat across rows); a column holding
        lists gets each row its own list."""
        picked = [self._values(row) for row in rows]
        if not picked or not self.index:
            return [self.make(values) for values in picked]
        columns: list[Any] = list(zip(*picked, strict=True))
        for read, i in zip(self.readers, self.index, strict=True):
            columns[i] = _read_column(read, columns[i])
        return [self.make(values) for values in zip(*columns, strict=True)]


def _read_column(read: _Reader, values: Sequence[Any]) -> list[Any]:
    """``[read(v) for v in values]``, calling ``read`` once per distinct value when the values
    are hashable and no list is among them (``read`` gives a fresh list each call)."""
    if list in set(map(type, values)):
        return [read(v) for v in values]
    try:
        mapping = {v: read(v) for v in set(values)}
    except TypeError:  # unhashable values
        return [read(v) for v in values]
    return [mapping[v] for v in values]


def _member_order(member: Any) -> tuple[str, str]:
    """The order of :func:`carebook.model.services.derived.members_of` (relation code, NULL
    first; then id), as ``derived_rows`` sorts members."""
    return (member.relation.code if member.relation else "", member.id)


def derived_of_new_children(
    dialect: Dialect, rows_of: Mapping[str, Sequence[dict[str, Any]]], settings: RegisterSettings,
    today: dt.date, exclude: set[str],
) -> dict[str, dict[str, Any]]:
    """The derived columns of the children inserted by a merge, computed from the rows about to be
    inserted: ``rows_of`` maps a table name to its insert rows (dicts by column name, Python
    values as written, each with ``id``; a child row also with ``created_at``). Children in
    ``exclude`` (one that an update of an existing sub-record now points at) are left out: the
    caller refreshes them from the register after the writes.

    Returns ``{child id: {column: value}}`` for the derived columns (those of
    :func:`carebook.model.services.derived.derived_values`), exactly as
    :func:`refresh_children` would compute them after the rows were written: the same rules on
    the same values (each read as the database gives it back), members in the same order, the
    same latest visit (greatest visit date, then latest ``created_at``)."""
    new_children = [r for r in rows_of.get("child", ()) if r["id"] not in exclude]
    if not new_children:
        return {}
    wanted = {r["id"] for r in new_children}
    member_t, assist_t, visit_t = table_of(FamilyMember), table_of(AssistanceRecord), table_of(Visit)
    members: dict[str, list[Any]] = {}
    read_member = _Reading(dialect, member_t, _MEMBER_COLUMNS)
    for member in read_member.all([r for r in rows_of.get("family_member", ()) if r.get("child_id") in wanted]):
        members.setdefault(member.child_id, []).append(member)
    kinds: dict[str, list[Any]] = {}
    read_kind = _Reading(dialect, assist_t, ("kind",))
    kind_rows = [r for r in rows_of.get("assistance_record", ()) if r.get("child_id") in wanted]
    for cid, record in zip([r["child_id"] for r in kind_rows], read_kind.all(kind_rows), strict=True):
        kinds.setdefault(cid, []).append(record.kind)
    last: dict[str, tuple[Any, Any, Any]] = {}
    read_visit = _Reading(dialect, visit_t, ("visit_date", "next_visit_date", "created_at"))
    visit_rows = [r for r in rows_of.get("visit", ()) if r.get("child_id") in wanted]
    for cid, visit in zip([r["child_id"] for r in visit_rows], read_visit.all(visit_rows), strict=True):
        seen = last.get(cid)
        if seen is None or (visit.visit_date, visit.created_at) > (seen[0], seen[2]):
            last[cid] = (visit.visit_date, visit.next_visit_date, visit.created_at)
    out: dict[str, dict[str, Any]] = {}
    read_child = _Reading(dialect, _CHILD, CHILD_INPUT_COLUMNS)
    for child in read_child.all(new_children):
        latest = last.get(child.id)
        out[child.id] = derived_values(child, sorted(members.get(child.id, []), key=_member_order),
                                       kinds.get(child.id, ()), (latest[0], latest[1]) if latest else None,
                                       settings, today)
    return out

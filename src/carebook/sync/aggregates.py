"""Record groups (aggregates) for sync: a child's file with its family members, visits,
assistance, entrustments, reports, referrals and attachments; a staff member with their
trainings; an organisation unit on its own.

Sync decides three things per group rather than per row: what an installation had already seen
when it made a change (causal context), whether an edit crossed a close, and which village a
change is routed to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, select, text
from sqlalchemy.orm import Session

from carebook.model.schema import TRACKED

#: Sub-record table -> (root table, column holding the root's id).
PARENT_COLUMN: dict[str, tuple[str, str]] = {
    "family_member": ("child", "child_id"),
    "assistance_record": ("child", "child_id"),
    "visit": ("child", "child_id"),
    "entrustment": ("child", "child_id"),
    "mandatory_report": ("child", "child_id"),
    "referral": ("child", "child_id"),
    "attachment": ("child", "child_id"),
    "training_record": ("staff", "staff_id"),
}

#: Root table -> its sub-record tables.
CHILDREN_OF: dict[str, list[str]] = {}
for _sub, (_root, _col) in PARENT_COLUMN.items():
    CHILDREN_OF.setdefault(_root, []).append(_sub)

RecordKey = tuple[str, str]


def table_of(cls: Any) -> Table:
    """The Core :class:`~sqlalchemy.Table` of a mapped class."""
    return cast(Table, cls.__table__)
CHUNK = 500
#: The ``IN`` list of a chunk: an expanding parameter ``part``, so the statement is compiled once
#: (SQLAlchemy builds no expression per value).
IN_PART: BindParameter[Any] = bindparam("part", expanding=True)


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """``items`` in slices of ``size`` (SQLite limits bound parameters)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def resolve_aggregates(
    session: Session, keys: Iterable[RecordKey], snapshots: Mapping[RecordKey, Any] | None = None,
) -> dict[RecordKey, RecordKey]:
    """The root ``(table, id)`` of each record ``(table, id)``.

    ``snapshots`` may give the insert snapshot (a dict, or JSON text) of records not yet in their table;
    otherwise the table, then the change log's insert row is read. A record whose root cannot be
    found (or an attachment of no child) is its own root.
    """
    result: dict[RecordKey, RecordKey] = {}
    pending: dict[str, set[str]] = {}
    for key in keys:
        if key in result:
            continue
        entity, record_id = key
        parent = PARENT_COLUMN.get(entity)
        if parent is None:
            result[key] = key
            continue
        snap = snapshots.get(key) if snapshots else None
        if snap:
            root_id = (json.loads(snap) if isinstance(snap, str) else snap).get(parent[1])
            result[key] = (parent[0], root_id) if root_id else key
            continue
        pending.setdefault(entity, set()).add(record_id)
    for entity, ids in pending.items():
        root_table, column = PARENT_COLUMN[entity]
        table = table_of(TRACKED[entity])
        missing = set(ids)
        for part in chunks(sorted(ids)):
            for rid, root_id in session.execute(select(table.c.id, table.c[column]).where(table.c.id.in_(IN_PART)),
                                                    {"part": part}):
                result[(entity, rid)] = (root_table, root_id) if root_id else (entity, rid)
                missing.discard(rid)
        for part in chunks(sorted(missing)):
            rows = session.execute(
                text("SELECT record_id, new_value FROM change_log WHERE entity = :e AND op = 'insert' "
                     "AND record_id IN (" + ",".join(f":r{i}" for i in range(len(part))) + ")"),
                {"e": entity, **{f"r{i}": r for i, r in enumerate(part)}},
            )
            for rid, snap in rows:
                root_id = json.loads(snap).get(column) if snap else None
                if root_id:
                    result[(entity, rid)] = (root_table, root_id)
        for rid in ids:
            result.setdefault((entity, rid), (entity, rid))
    return result


def aggregate_records(session: Session, roots: Iterable[RecordKey]) -> dict[RecordKey, set[RecordKey]]:
    """Every record of each root's group that is in the register (the root itself included)."""
    by_table: dict[str, set[str]] = {}
    result: dict[RecordKey, set[RecordKey]] = {}
    for root in roots:
        result[root] = {root}
        by_table.setdefault(root[0], set()).add(root[1])
    for root_table, ids in by_table.items():
        for sub in CHILDREN_OF.get(root_table, []):
            table = table_of(TRACKED[sub])
            column = PARENT_COLUMN[sub][1]
            for part in chunks(sorted(ids)):
                for rid, root_id in session.execute(
                        select(table.c.id, table.c[column]).where(table.c[column].in_(IN_PART)), {"part": part}):
                    result[(root_table, root_id)].add((sub, rid))
    return result

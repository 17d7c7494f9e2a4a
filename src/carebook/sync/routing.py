"""Which changes go to which peer (issue 5 item 7).

* A village sends the township only the changes it made itself.
* The township (or county) sends a county everything it has except what came from that county.
* The township sends a village only what concerns it and did not come from it:
  - every organisation unit (names and codes are not personal data);
  - the village's own children's files (child, family members, visits, assistance,
    entrustments, reports, referrals, attachments), including the supervisor's corrections and
    conflict decisions, which are ordinary changes on those records;
  - the village's own staff and their trainings, and the township's own staff (the supervisors
    whose names appear on visits and decisions in the village's files);
  - for a child transferred *to* the village (its ``village_id`` changed to the village), the
    whole history of the file, so the new village gets the complete record;
  - for a child transferred *away*, the change of ``village_id`` itself, and the closing of the
    file that the transfer recorded just before it in the same transaction
    (:func:`carebook.model.services.transfer.transfer_child`), so the old village keeps a closed
    file saying where the child went (nothing later). When the village may not hold the file
    (it has acknowledged nothing yet: a replaced PC's restore bundle; or the child arrived and
    left within the changes sent), the whole history of the file up to the transfer (the
    child, its family members, visits …, as they were when it left), so the closed file comes
    back whole and nothing waits for an insert never sent;
  - for a record moved to one of the village's children by a merge of duplicate files
    (its ``child_id`` changed), the whole history of that record.

Routing looks at the records' current state in the sender's register.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from carebook.model.children import Child
from carebook.model.organisation import unit_id_for_code
from carebook.model.staff import Staff
from carebook.sync.aggregates import (
    PARENT_COLUMN,
    RecordKey,
    aggregate_records,
    chunks,
    resolve_aggregates,
    table_of,
)
from carebook.sync.changes import Change, log_rows_of_records

#: Fields of a child's closing that a transfer sets in the old village (see
#: :mod:`carebook.model.services.transfer`).
TRANSFER_CLOSE_FIELDS = frozenset({"closed_reason", "closed_on", "closed_note", "transferred_to"})


@dataclass
class RoutingFacts:
    """What routing needs to know about a set of rows, read once for every peer: each record's
    group root, each child's current village and each staff member's unit and covered units."""

    roots: dict[RecordKey, RecordKey]
    child_village: dict[str, Any]
    staff_unit: dict[str, Any]
    staff_cover: dict[str, Any]


def routing_facts(session: Session, rows: Sequence[Change]) -> RoutingFacts:
    """Read the :class:`RoutingFacts` of ``rows``."""
    snaps = {c.record: c.snapshot() for c in rows if c.op == "insert"}
    roots = resolve_aggregates(session, {c.record for c in rows if c.entity != "org_unit"}, snaps)
    moved = {c.record for c in rows if c.op == "update" and c.field is not None
             and c.field == PARENT_COLUMN.get(c.entity, ("", ""))[1]}
    if moved:  # moved to another child (a merge): the register's row, not the insert, says where
        roots.update(resolve_aggregates(session, moved))
    child_village = _current(session, table_of(Child), "village_id", {r[1] for r in roots.values() if r[0] == "child"})
    for c in rows:
        if c.entity == "child" and c.op == "insert" and c.record_id not in child_village and c.new_value:
            child_village[c.record_id] = c.snapshot().get("village_id")
    staff_ids = {r[1] for r in roots.values() if r[0] == "staff"}
    return RoutingFacts(roots, child_village, _current(session, table_of(Staff), "org_unit_id", staff_ids),
                        _current(session, table_of(Staff), "covered_org_ids", staff_ids))


def route_changes(
    session: Session, rows: Sequence[Change], *, my_id: str, my_role: str, peer_id: str, peer_role: str,
    peer_code: str, my_unit_id: str | None = None, facts: RoutingFacts | None = None, fresh: bool = False,
) -> list[Change]:
    """The changes among ``rows`` (local log order) that the peer should receive, plus, for a
    child transferred to a village, the rest of that child's history; in log order, no
    duplicates. ``my_unit_id`` is the sender's own organisation unit (its staff go to every
    village). ``facts`` (from :func:`routing_facts` over these rows or more) saves reading them
    again for each peer. ``fresh``: the peer has acknowledged nothing yet (a replaced PC's restore
    bundle, or a village's first return bundle), so for a child transferred away from it the
    village gets the file's whole history up to the transfer (its closed file, see the module
    docstring), not only the transfer's close."""
    if my_role == "village":
        return [c for c in rows if c.origin == my_id]
    rows = [c for c in rows if c.origin != peer_id]
    if peer_role != "village":
        return list(rows)
    facts = facts or routing_facts(session, rows)
    unit = unit_id_for_code(peer_code)
    unit_json = json.dumps(unit)
    arriving: set[str] = set()
    moved_in: set[RecordKey] = set()
    # a transfer's close of the file in the old village (same transaction, before the move)
    leaving = {(c.record_id, c.tx_id): c.origin_seq for c in rows
               if c.entity == "child" and c.field == "village_id" and c.old_value == unit_json}
    out: list[Change] = []
    for c in rows:
        if c.entity == "org_unit":
            out.append(c)
            continue
        root = facts.roots.get(c.record, c.record)
        if root[0] == "child":
            if facts.child_village.get(root[1]) == unit:
                out.append(c)
                if c.entity == "child" and c.field == "village_id" and c.new_value == unit_json:
                    arriving.add(root[1])
                elif c.field is not None and c.field == PARENT_COLUMN.get(c.entity, ("", ""))[1]:
                    moved_in.add(c.record)  # a record merged into one of the village's children
            elif c.entity == "child" and (
                    (c.field == "village_id" and c.old_value == unit_json)
                    or (c.field in TRANSFER_CLOSE_FIELDS and c.origin_seq < leaving.get((c.record_id, c.tx_id), 0))):
                out.append(c)
        elif root[0] == "staff" and (facts.staff_unit.get(root[1]) in (unit, my_unit_id)
                                     or unit in (facts.staff_cover.get(root[1]) or [])):
            out.append(c)
    if arriving or moved_in:
        out = _with_history(session, out, [("child", cid) for cid in arriving] + sorted(moved_in), peer_id)
    # children that left the village, when the village may not hold their file: a fresh peer (a
    # replaced PC), or a child that arrived and left within these rows
    came = {c.record_id for c in rows if c.entity == "child" and c.field == "village_id" and c.new_value == unit_json}
    departed: dict[str, int] = {}
    for c in rows:
        if (c.entity == "child" and c.field == "village_id" and c.old_value == unit_json
                and facts.child_village.get(c.record_id) != unit and (fresh or c.record_id in came)):
            departed[c.record_id] = max(c.seq, departed.get(c.record_id, 0))
    if departed:
        out = _with_history(session, out, [("child", cid) for cid in sorted(departed)], peer_id, upto=departed)
    return out


def _current(session: Session, table: Table, column: str, ids: set[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in chunks(sorted(ids)):
        for rid, value in session.execute(select(table.c.id, table.c[column]).where(table.c.id.in_(part))):
            found[rid] = value
    return found


def _with_history(session: Session, out: list[Change], roots: list[RecordKey], peer_id: str,
                  upto: dict[str, int] | None = None) -> list[Change]:
    """``out`` plus the log rows of every record of the ``roots``' groups not from the peer (when
    ``upto`` is given, of a child's group only those at log positions up to ``upto[child id]``)."""
    groups = aggregate_records(session, roots)
    last = {rec: upto[root[1]] for root, recs in groups.items() for rec in recs} if upto is not None else {}
    records = {rec for recs in groups.values() for rec in recs}
    have = {c.key for c in out}
    extra = [c for c in log_rows_of_records(session, records) if c.origin != peer_id and c.key not in have
             and (upto is None or c.seq <= last[c.record])]
    merged = out + extra
    merged.sort(key=lambda c: c.seq)
    return merged

"""Who may change what: the check of a received bundle's changes against the sender's authority
(数据权限校验, issue 5 item 6 and 7).

A village's signature proves who sent a bundle, not that the village may change what it carries.
Before anything is applied, the township checks every change from a village, record group by
record group (:mod:`carebook.sync.aggregates`), against the register's state plus the bundle's own
inserts:

* a **child's file** (the child, family members, assistance, visits, entrustments, mandatory
  reports, referrals, attachments) may be changed only if the child belongs to the sending village:
  its ``village_id`` in the register, or, for a child not yet here, in the bundle's (or the log's)
  insert of it. A village never changes ``village_id`` itself (only the township transfers a
  child), and never moves a record to a child of another village;
* a **staff member** (and their trainings) only if on the village's own unit;
* an **organisation unit** only the village's own (its set-up also inserts its township's unit,
  whose id and code are fixed; that insert is accepted);
* settings, keys and sync bookkeeping never travel at all.

One exception keeps honest villages moving: a change made *before the village knew* that the
child had left it (its causal context had not seen the township's change of ``village_id`` away
from the village, or the township's move of that record to another child) is accepted: it is a
late edit, concurrent with the transfer, and is routed to the child's new village like any other
change. A record that a merge of duplicate files moved from one of the village's children to
another village's child stays changeable by the village (it still holds it under its closed file,
and routing does not send it the move); its changes go on to the record's new village. A change
made after the village had received the transfer is not accepted; and once the village
has acknowledged receiving the transfer (``sync_peer.acked_to`` covers its position), no context
claim is believed: a forged context cannot reopen the window.

Changes already in the register (a bundle re-sending what was acknowledged late) are not judged
again. A bundle with any unauthorised change is refused whole
(:class:`UnauthorisedChangesError`), naming the child (or record) and its village: a village's
own program never writes such changes, so they come from a forged or damaged register, and
applying the rest would leave the village's later changes depending on refused ones. Nothing
is applied and the bundle is not acknowledged; see ``docs/security.md`` for what the village
does next.

The village checks the township's bundles too (the township is trusted; a sanity check): a
change to a child's file is applied only if the child is, or is becoming, the village's (its
``village_id`` is the village's here, in the bundle's insert, or in a change of ``village_id``
in the bundle to or from the village).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.staff import Staff
from carebook.sync.aggregates import PARENT_COLUMN, RecordKey, resolve_aggregates, table_of
from carebook.sync.causality import has_seen
from carebook.sync.changes import Change, change_from_row, logged_stamps
from carebook.sync.errors import BundleError
from carebook.sync.fastwrite import select_in

_LOG = table_of(ChangeLogEntry)
#: How many refused records an error message names.
NAMED = 3


@dataclass(frozen=True)
class Refusal:
    """One record a sender may not change: table and id, the child's (or record's) name and the
    village it belongs to (names for the message; empty when unknown), and why (``other_village``,
    ``village_id`` changed by a village, ``other_unit``)."""

    entity: str
    record_id: str
    name: str
    village: str
    reason: str


class UnauthorisedChangesError(BundleError):
    """A bundle changes records its sender may not change (越权修改): refused whole."""

    def __init__(self, sender_name: str, refusals: Sequence[Refusal]) -> None:
        self.sender_name = sender_name
        self.refusals = list(refusals)
        named_zh = "、".join(_zh(r) for r in self.refusals[:NAMED])
        named_en = "; ".join(_en(r) for r in self.refusals[:NAMED])
        more = len(self.refusals) - NAMED
        more_zh = f"等{len(self.refusals)}条记录" if more > 0 else ""
        more_en = f" and {more} more" if more > 0 else ""
        super().__init__(
            f"来自{sender_name}的同步包修改了不属于该村的档案：{named_zh}{more_zh}。已拒绝导入整个同步包，"
            "没有改动任何数据。该村电脑上的数据可能被改动或损坏：请督导员与该村儿童主任核实；"
            "如确认该电脑不可信，请为该村重新登记（carebook enrol create）并用恢复包把名册还给该村。",
            f"The bundle from {sender_name} changes records that are not that village's: {named_en}{more_en}. "
            "The whole bundle was refused and nothing was imported. The village PC's register may have "
            "been altered or damaged: the supervisor should check with the village's child director and, "
            "if the PC cannot be trusted, re-enrol the village and give its register back with a restore bundle.",
        )


def _zh(r: Refusal) -> str:
    what = {"child": "儿童", "staff": "工作人员", "org_unit": "单位"}.get(r.entity, "记录")
    where = f"（属于{r.village}）" if r.village else ""
    if r.reason == "village_id":
        return f"{what}“{r.name}”的所属村{where}"
    return f"{what}“{r.name or r.record_id[:8]}”{where}"


def _en(r: Refusal) -> str:
    where = f" (of {r.village})" if r.village else ""
    if r.reason == "village_id":
        return f"the village of {r.entity} '{r.name}'{where}"
    return f"{r.entity} '{r.name or r.record_id[:8]}'{where}"


# --------------------------------------------------------------------------- facts


def _new_changes(session: Session, changes: Sequence[Change]) -> list[Change]:
    """The changes not already in the local log."""
    by_origin: dict[str, set[int]] = {}
    for c in changes:
        by_origin.setdefault(c.origin, set()).add(c.origin_seq)
    have: set[tuple[str, int]] = set()
    for origin, seqs in by_origin.items():
        have.update((origin, s) for s, _hlc in logged_stamps(session, origin, min(seqs), max(seqs)) if s in seqs)
    return [c for c in changes if c.key not in have]


def _column_of(session: Session, table: Any, column: str, ids: set[str]) -> dict[str, Any]:
    return dict(select_in(session, table, ["id", column], "id", ids))


def _logged_inserts(session: Session, entity: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Insert snapshots in the local log of records not in their table (parked ones)."""
    found: dict[str, dict[str, Any]] = {}
    for rid, value in select_in(session, _LOG, ["record_id", "new_value"], "record_id", ids,
                                equal=[("entity", entity), ("op", "insert")]):
        if value:
            found[rid] = json.loads(value)
    return found


class _Owners:
    """The owning unit of child and staff records: register state, then the log's inserts of
    parked records, then the bundle's inserts."""

    def __init__(self, session: Session, changes: Sequence[Change]) -> None:
        self.session = session
        self.snaps: dict[RecordKey, dict[str, Any]] = {
            c.record: c.snapshot() for c in changes if c.op == "insert" and c.new_value}
        self.roots = resolve_aggregates(session, {c.record for c in changes if c.entity != "org_unit"}, self.snaps)
        child_ids = {r[1] for r in self.roots.values() if r[0] == "child"}
        child_ids |= {json.loads(c.new_value) for c in changes
                      if c.op == "update" and c.field == PARENT_COLUMN.get(c.entity, ("", ""))[1]
                      and PARENT_COLUMN[c.entity][0] == "child" and c.new_value not in (None, "null")}
        staff_ids = {r[1] for r in self.roots.values() if r[0] == "staff"}
        children = table_of(Child)
        self.child_village = _column_of(session, children, "village_id", child_ids)
        self.child_name: dict[str, Any] = {}  # names are read only for a refusal's message
        self._fill("child", child_ids, self.child_village, "village_id")
        staff = table_of(Staff)
        self.staff_unit = _column_of(session, staff, "org_unit_id", staff_ids)
        self.staff_name: dict[str, Any] = {}
        self._fill("staff", staff_ids, self.staff_unit, "org_unit_id")
        self.unit_names = {u: n for u, n in session.execute(select(OrgUnit.id, OrgUnit.name))}
        for (entity, rid), snap in self.snaps.items():
            if entity == "org_unit":
                self.unit_names.setdefault(rid, snap.get("name") or "")

    def _fill(self, entity: str, ids: set[str], owners: dict[str, Any], column: str) -> None:
        names = self.child_name if entity == "child" else self.staff_name
        missing = {i for i in ids if i not in owners}
        logged = _logged_inserts(self.session, entity, missing) if missing else {}
        for rid in missing:
            snap = logged.get(rid) or self.snaps.get((entity, rid))
            if snap is not None:
                owners[rid] = snap.get(column)
                names[rid] = snap.get("name") or ""

    def _name(self, entity: str, rid: str) -> str:
        names = self.child_name if entity == "child" else self.staff_name
        if rid not in names:
            names.update(_column_of(self.session, table_of(Child if entity == "child" else Staff), "name", {rid}))
        return str(names.get(rid) or "")

    def refusal(self, c: Change, root: RecordKey, reason: str) -> Refusal:
        if root[0] == "child":
            return Refusal(root[0], root[1], self._name("child", root[1]),
                           self.unit_names.get(str(self.child_village.get(root[1])), ""), reason)
        if root[0] == "staff":
            return Refusal(root[0], root[1], self._name("staff", root[1]),
                           self.unit_names.get(str(self.staff_unit.get(root[1])), ""), reason)
        return Refusal(c.entity, c.record_id, self.unit_names.get(c.record_id, ""), "", reason)


def _moves_away(session: Session, records: set[RecordKey], unit_json: str) -> dict[RecordKey, list[Change]]:
    """Per record: the changes here that took it away from the village (``village_id`` of a child
    changed from ``unit_json``, or a sub-record's ``child_id`` changed)."""
    out: dict[RecordKey, list[Change]] = {}
    by_entity: dict[str, list[str]] = {}
    for entity, rid in records:
        by_entity.setdefault(entity, []).append(rid)
    from carebook.sync.changes import _LOG_NAMES  # the log's columns, in change_from_row order

    for entity, ids in by_entity.items():
        field = "village_id" if entity == "child" else PARENT_COLUMN.get(entity, ("", ""))[1]
        if not field:
            continue
        for row in select_in(session, _LOG, _LOG_NAMES, "record_id", ids,
                             equal=[("entity", entity), ("op", "update"), ("field", field)]):
            change = change_from_row(row)
            if entity != "child" or change.old_value == unit_json:
                out.setdefault(change.record, []).append(change)
    return out


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


# --------------------------------------------------------------------------- the checks


def village_refusals(session: Session, changes: Sequence[Change], *, village_code: str,
                     township_unit_id: str | None, acked_to: int = 0) -> list[Refusal]:
    """The records among ``changes`` (from the village with division code ``village_code``) that
    the village may not change (see the module docstring); empty when all are authorised.

    ``township_unit_id`` is the receiving township's own unit (its insert by the village's
    set-up is accepted). ``acked_to`` is how far the village has acknowledged this township's
    log (:class:`~carebook.model.sync_state.SyncPeer`): a move the village has acknowledged
    receiving cannot have been unknown to it, whatever a change's context claims. Reads the
    register; writes nothing."""
    new = _new_changes(session, changes)
    if not new:
        return []
    unit = unit_id_for_code(village_code)
    unit_json = json.dumps(unit)
    owners = _Owners(session, new)
    suspects: list[tuple[Change, RecordKey, str]] = []
    for c in new:
        if c.entity == "org_unit":
            if c.record_id == unit or (c.op == "insert" and c.record_id == township_unit_id):
                continue
            suspects.append((c, c.record, "other_unit"))
            continue
        root = owners.roots.get(c.record, c.record)
        if root[0] == "child":
            if c.entity == "child" and c.op == "update" and c.field == "village_id":
                suspects.append((c, root, "village_id"))
                continue
            parent_field = PARENT_COLUMN.get(c.entity, ("", ""))[1]
            if c.op == "update" and parent_field and c.field == parent_field and c.new_value not in (None, "null"):
                target = json.loads(c.new_value)
                if owners.child_village.get(target) != unit:
                    suspects.append((c, ("child", target), "other_village"))
                    continue
            if owners.child_village.get(root[1]) != unit:
                suspects.append((c, root, "other_village"))
        elif root[0] == "staff" and owners.staff_unit.get(root[1]) != unit:
            suspects.append((c, root, "other_unit"))
    if not suspects:
        return []
    # Late edits: made before the village had received the move away.
    moves = _moves_away(session, {k for c, root, _r in suspects for k in (c.record, root)}, unit_json)
    old_children = {_loads(m.old_value) for (entity, _rid), ms in moves.items() if entity != "child" for m in ms}
    old_village = _column_of(session, table_of(Child), "village_id", {i for i in old_children if i})
    refused: dict[RecordKey, Refusal] = {}
    for c, root, reason in suspects:
        if reason == "other_village":
            taken = moves.get(root, []) + moves.get(c.record, [])
            if any(not has_seen(c, m) and m.seq > acked_to for m in taken):
                continue
            if any(old_village.get(_loads(m.old_value)) == unit for m in moves.get(c.record, [])
                   if c.entity != "child"):
                continue  # merged away from the village's child: it still holds it; edits follow
        refused.setdefault(root, owners.refusal(c, root, reason))
    return list(refused.values())


def check_village_bundle(session: Session, changes: Sequence[Change], *, sender_name: str, village_code: str,
                         township_unit_id: str | None, acked_to: int = 0) -> None:
    """Raise :class:`UnauthorisedChangesError` if a village's bundle changes records that are not
    the village's (see :func:`village_refusals`)."""
    refusals = village_refusals(session, changes, village_code=village_code, township_unit_id=township_unit_id,
                                acked_to=acked_to)
    if refusals:
        raise UnauthorisedChangesError(sender_name, refusals)


class ForeignRecordsError(BundleError):
    """A township bundle carries another village's children (不属于本村的档案): refused whole."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        named_zh = "、".join(_zh(r) for r in self.refusals[:NAMED])
        named_en = "; ".join(_en(r) for r in self.refusals[:NAMED])
        super().__init__(
            f"乡镇发来的同步包里含有不属于本村的儿童档案：{named_zh}。已拒绝导入，没有改动任何数据。"
            "请联系乡镇督导员和技术支持。",
            f"The township's bundle carries children's files of another village: {named_en}. It was "
            "refused and nothing was imported. Contact the supervisor and support.",
        )


def township_refusals(session: Session, changes: Sequence[Change], *, my_unit_id: str) -> list[Refusal]:
    """At a village: the child records among the township's ``changes`` that routing would not
    have sent this village (see the module docstring)."""
    new = _new_changes(session, changes)
    if not new:
        return []
    unit_json = json.dumps(my_unit_id)
    owners = _Owners(session, new)
    latest: dict[RecordKey, Change] = {}  # records moved to another child (a merge): where to
    for c in new:
        if (c.op == "update" and c.field is not None and c.field == PARENT_COLUMN.get(c.entity, ("", ""))[1]
                and c.new_value not in (None, "null")
                and (c.record not in latest or c.hlc > latest[c.record].hlc)):
            latest[c.record] = c
    for record, c in latest.items():
        owners.roots[record] = (PARENT_COLUMN[c.entity][0], json.loads(c.new_value or "null"))
    mine: set[str] = set()
    for c in new:
        if c.entity == "child" and c.op == "update" and c.field == "village_id" and unit_json in (
                c.old_value, c.new_value):
            mine.add(c.record_id)
    refused: dict[RecordKey, Refusal] = {}
    for c in new:
        root = owners.roots.get(c.record, c.record)
        if root[0] != "child" or root[1] in mine:
            continue
        if owners.child_village.get(root[1]) != my_unit_id:
            refused.setdefault(root, owners.refusal(c, root, "other_village"))
    return list(refused.values())


def check_township_bundle(session: Session, changes: Sequence[Change], *, my_unit_id: str) -> None:
    """Raise :class:`ForeignRecordsError` if the township's bundle carries children of another
    village (see :func:`township_refusals`)."""
    refusals = township_refusals(session, changes, my_unit_id=my_unit_id)
    if refusals:
        raise ForeignRecordsError(refusals)


def check_authority(session: Session, changes: Sequence[Change], *, me: Any, sender: Any) -> None:
    """The import's check (``me``: this :class:`~carebook.model.installation.Installation`;
    ``sender``: the bundle's :class:`~carebook.sync.peers.Peer`): a township checks a village's
    bundle, a village the township's.

    Raises:
        UnauthorisedChangesError, ForeignRecordsError: see the module docstring.
    """
    if sender.role == "village" and me.role.code != "village":
        from carebook.model.sync_state import SyncPeer

        row = session.get(SyncPeer, sender.installation_id)
        check_village_bundle(session, changes, sender_name=sender.name, village_code=sender.code,
                             township_unit_id=me.org_unit_id, acked_to=row.acked_to if row is not None else 0)
    elif sender.role == "township" and me.role.code == "village":
        check_township_bundle(session, changes, my_unit_id=me.org_unit_id)

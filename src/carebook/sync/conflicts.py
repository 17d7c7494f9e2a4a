"""Sync conflicts (同步冲突): detection during a merge, listing and resolution for the supervisor.

Two kinds are detected (issue 5 item 7; rules of "seen" in :mod:`carebook.sync.causality`):

* ``concurrent_edit``: the same field of the same record set to different values by two
  installations, neither having seen the other's change. The merge keeps the value with the
  later stamp; the conflict keeps both.
* ``edit_on_closed``: a child's file (or one of its records) edited or added to on one
  installation while another closed the file, neither having seen the other. Both changes are
  applied; the supervisor decides whether to reopen.
* ``duplicate_key``: a record arrived whose unique value (a child's ID number, a document
  number) another record already holds — typically the same child registered in two villages.
  The arriving record waits (parked) until one of the two is corrected; both records are kept.

Each conflict is stored once per pair of changes (its id is derived from the pair), so importing
the same bundles again, or in another order, finds the same conflicts.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carebook.model.base import utc_now
from carebook.model.errors import CarebookError, NotFoundError
from carebook.model.jsonvalues import loads
from carebook.model.schema import TRACKED
from carebook.model.sync_state import SyncConflict
from carebook.sync.aggregates import RecordKey, aggregate_records, chunks, resolve_aggregates, table_of
from carebook.sync.causality import concurrent
from carebook.sync.changes import Change, local_contexts, log_rows_of_records, stored_contexts

CLOSE_FIELDS = frozenset({"closed_reason", "closed_on", "closed_note", "transferred_to"})
_NAMESPACE = uuid.UUID("0b7e3c1e-58a4-4c0f-8d0e-3f5a2c9d7b64")


def _is_close(c: Change) -> bool:
    return c.entity == "child" and c.op == "update" and c.field == "closed_reason" and c.new_value not in (None, "null")


def _is_edit(c: Change) -> bool:
    if c.op == "update":
        return not (c.entity == "child" and c.field in CLOSE_FIELDS)
    return c.op == "insert" and c.entity != "child"


def conflict_id(kind: str, a: Change, b: Change) -> str:
    """The id of the conflict between changes ``a`` and ``b`` (UUID version 5 of the pair)."""
    x, y = sorted([a, b], key=lambda c: c.hlc)
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{x.origin}:{x.origin_seq}:{y.origin}:{y.origin_seq}"))


def detect_conflicts(session: Session, new: Sequence[Change], by_record: dict[RecordKey, list[Change]], *, me: str) -> int:
    """Record the conflicts that the ``new`` changes make with changes already here or with each
    other; returns how many new conflicts were stored. ``by_record`` holds every change of the
    touched records, contexts filled."""
    found: dict[str, tuple[str, Change, Change]] = {}
    new_keys = {(c.origin, c.origin_seq) for c in new}
    for n in new:
        if n.op != "update" or not n.field:
            continue
        for v in by_record.get(n.record, []):
            if (v is n or v.op != "update" or v.field != n.field or v.origin == n.origin
                    or v.new_value == n.new_value or not concurrent(n, v)):
                continue
            found.setdefault(conflict_id("concurrent_edit", n, v), ("concurrent_edit", n, v))
    _close_conflicts(session, new, new_keys, me, found)
    if not found:
        return 0
    ids = list(found)
    existing: set[str] = set()
    for part in chunks(ids):
        existing.update(r for (r,) in session.execute(select(SyncConflict.id).where(SyncConflict.id.in_(part))))
    now = utc_now()
    rows = []
    for cid, (kind, x, y) in found.items():
        if cid in existing:
            continue
        a, b = sorted([x, y], key=lambda c: c.hlc)
        rows.append({
            "id": cid, "kind": kind, "entity": (a if kind == "concurrent_edit" else (b if _is_close(b) else a)).entity,
            "record_id": (b if _is_close(b) else a).record_id if kind == "edit_on_closed" else a.record_id,
            "field": a.field if kind == "concurrent_edit" else "closed_reason",
            "a_origin": a.origin, "a_origin_seq": a.origin_seq, "a_hlc": a.hlc, "a_field": a.field or a.entity,
            "a_value": a.new_value, "a_actor": a.actor[:60],
            "b_origin": b.origin, "b_origin_seq": b.origin_seq, "b_hlc": b.hlc, "b_field": b.field or b.entity,
            "b_value": b.new_value, "b_actor": b.actor[:60],
            "winner": "b" if kind == "concurrent_edit" else "=", "status": "open", "detected_at": now,
        })
    if rows:
        session.execute(table_of(SyncConflict).insert(), rows)
    return len(rows)


def record_duplicates(session: Session, duplicates: dict[RecordKey, tuple[str, RecordKey]],
                      by_record: dict[RecordKey, list[Change]]) -> int:
    """Record a ``duplicate_key`` conflict for each record parked because its unique value
    (``column``) is held by another record: the holder's insert against the parked record's.
    Returns how many new conflicts were stored."""
    holders = [other for _col, other in duplicates.values()]
    inserts = {c.record: c for c in log_rows_of_records(session, holders) if c.op == "insert"}
    for changes in by_record.values():
        for c in changes:
            if c.op == "insert":
                inserts.setdefault(c.record, c)
    rows: list[dict[str, Any]] = []
    now = utc_now()
    for key, (column, other) in duplicates.items():
        mine, theirs = inserts.get(key), inserts.get(other)
        if mine is None or theirs is None:
            continue
        a, b = sorted([theirs, mine], key=lambda c: c.hlc)
        cid = conflict_id("duplicate_key", a, b)
        if session.get(SyncConflict, cid) is not None or any(r["id"] == cid for r in rows):
            continue
        rows.append({
            "id": cid, "kind": "duplicate_key", "entity": key[0], "record_id": key[1], "field": column,
            "a_origin": a.origin, "a_origin_seq": a.origin_seq, "a_hlc": a.hlc, "a_field": column,
            "a_value": a.new_value, "a_actor": a.actor[:60], "b_origin": b.origin, "b_origin_seq": b.origin_seq,
            "b_hlc": b.hlc, "b_field": column, "b_value": b.new_value, "b_actor": b.actor[:60],
            "winner": "a" if a is theirs else "b", "status": "open", "detected_at": now,
        })
    if rows:
        session.execute(table_of(SyncConflict).insert(), rows)
    return len(rows)


def _close_conflicts(
    session: Session, new: Sequence[Change], new_keys: set[tuple[str, int]], me: str,
    found: dict[str, tuple[str, Change, Change]],
) -> None:
    closed: set[str] = {c.record_id for c in new if _is_close(c)}
    closed.update(r for (r,) in session.execute(text("SELECT id FROM child WHERE closed_reason IS NOT NULL")))
    if not closed:
        return
    snaps = {c.record: c.snapshot() for c in new if c.op == "insert"}
    roots = resolve_aggregates(session, {c.record for c in new}, snaps)
    if not any(r[0] == "child" and r[1] in closed for r in roots.values()):
        return
    groups = aggregate_records(session, [("child", r) for r in closed])
    for record, root in roots.items():
        if root[0] == "child" and root[1] in closed:
            groups[root].add(record)
    records = {rec for recs in groups.values() for rec in recs}
    history = [c for c in log_rows_of_records(session, records) if c.key not in new_keys]
    stored = stored_contexts(session, [c.key for c in history if c.origin != me])
    for c in history:
        if c.origin != me:
            c.ctx = stored.get(c.key, {})
    local_contexts(session, me, [c for c in history if c.origin == me])
    history += [c for c in new if c.record in records]
    for root, recs in groups.items():
        rows = [c for c in history if c.record in recs]
        closes = [c for c in rows if _is_close(c) and c.record == root]
        for close in closes:
            for edit in rows:
                if not _is_edit(edit) or edit.origin == close.origin:
                    continue
                if close.key not in new_keys and edit.key not in new_keys:
                    continue
                if concurrent(close, edit):
                    found.setdefault(conflict_id("edit_on_closed", edit, close), ("edit_on_closed", edit, close))


# --------------------------------------------------------------------------- supervisor's view


@dataclass(frozen=True)
class ConflictView:
    """冲突 (for the supervisor): one conflict as the supervisor sees it: both changes (field, value as JSON-compatible
    data, who, the stamp), which one the merge kept (``winner``: ``a``, ``b`` or ``=`` when
    both were applied), status and decision."""

    id: str
    kind: str
    entity: str
    record_id: str
    field: str | None
    a_field: str | None
    a_value: Any
    a_actor: str
    a_hlc: str
    a_origin: str
    a_origin_seq: int
    b_field: str | None
    b_value: Any
    b_actor: str
    b_hlc: str
    b_origin: str
    b_origin_seq: int
    winner: str
    status: str
    detected_at: dt.datetime
    decision: Any
    resolved_by: str | None
    resolved_at: dt.datetime | None
    note: str | None
    a_summary: dict[str, Any] | None = None
    b_summary: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (instants ISO 8601; ``a_summary``/``b_summary``: see
        :func:`duplicate_summary`, ``None`` for other kinds)."""
        out = dict(self.__dict__)
        out["detected_at"] = self.detected_at.isoformat()
        out["resolved_at"] = self.resolved_at.isoformat() if self.resolved_at else None
        return out


#: Where duplicates are settled (the words of ``conflicts list`` and ``conflicts resolve``).
DUPLICATE_REVIEW_HINT = (
    "请在重复档案审核中处理：carebook township duplicates（合并 merge-children、转移 transfer，"
    "或 not-duplicate 标记为两个儿童），或乡镇端的“重复档案”页面；处理后这个冲突会自动结清",
    "settle it in the duplicate review: carebook township duplicates (merge-children, transfer, or "
    "not-duplicate for two children), or the township's Duplicates page; the conflict is then settled",
)


def duplicate_summary(session: Session, entity: str, value: Any, holder: bool) -> dict[str, Any]:
    """A readable summary of one side of a ``duplicate_key`` conflict (its record's insert
    ``value``). For a child's file: ``name``, ``id_number``, ``date_of_birth`` (ISO),
    ``village_code``, ``village_name`` and ``status`` (``in_register`` for the file holding the
    ID number, ``held`` for the file parked for the duplicate review); for another record its
    unique values and ``status``."""
    from carebook.model.organisation import OrgUnit

    data = value if isinstance(value, dict) else {}
    status = "in_register" if holder else "held"
    if entity != "child":
        return {"status": status, **{k: data.get(k) for k in ("document_no", "code") if k in data}}
    unit = session.get(OrgUnit, data.get("village_id")) if data.get("village_id") else None
    return {"name": data.get("name"), "id_number": data.get("id_number"), "date_of_birth": data.get("date_of_birth"),
            "village_code": unit.code if unit else None, "village_name": unit.name if unit else None,
            "status": status}


def duplicate_summary_text(side: dict[str, Any]) -> str:
    """One side of a duplicate (:func:`duplicate_summary`) in words, current language: in the
    register or held for review; name, ID number, village (code), date of birth."""
    from carebook.model.i18n import msg

    held = side.get("status") != "in_register"
    label = msg("暂缓（待审核）", "held for review") if held else msg("在册", "in the register")
    if "name" not in side:
        values = "  ".join(f"{k}={v}" for k, v in side.items() if k != "status")
        return msg(f"{label}：{values}", f"{label}: {values}")
    village = f"{side.get('village_name') or '-'}（{side.get('village_code') or '-'}）"
    born = side.get("date_of_birth") or "-"
    return msg(f"{label}：{side.get('name') or '-'}  身份证号 {side.get('id_number') or '-'}  {village}  出生日期 {born}",
               f"{label}: {side.get('name') or '-'}  ID {side.get('id_number') or '-'}  {village}  born {born}")


def _view(row: SyncConflict) -> ConflictView:
    return ConflictView(
        row.id, row.kind, row.entity, row.record_id, row.field, row.a_field, loads(row.a_value), row.a_actor,
        row.a_hlc, row.a_origin, row.a_origin_seq, row.b_field, loads(row.b_value), row.b_actor, row.b_hlc,
        row.b_origin, row.b_origin_seq, row.winner, row.status, row.detected_at, loads(row.decision), row.resolved_by, row.resolved_at, row.note,
    )


def list_conflicts(session: Session, *, status: str | None = "open") -> list[ConflictView]:
    """Conflicts, oldest first; ``status`` ``open``, ``resolved`` or ``None`` for all. A
    ``duplicate_key`` conflict carries a readable summary of each side (:func:`duplicate_summary`)."""
    from dataclasses import replace

    stmt = select(SyncConflict).order_by(SyncConflict.detected_at, SyncConflict.id)
    if status is not None:
        stmt = stmt.where(SyncConflict.status == status)
    out = []
    for row in session.scalars(stmt):
        view = _view(row)
        if view.kind == "duplicate_key":
            view = replace(view, a_summary=duplicate_summary(session, view.entity, view.a_value, view.winner == "a"),
                           b_summary=duplicate_summary(session, view.entity, view.b_value, view.winner == "b"))
        out.append(view)
    return out


def find_conflict(session: Session, ref: str) -> SyncConflict:
    """A conflict by id or unique id prefix (at least 4 characters).

    Raises:
        NotFoundError: none, or the prefix is ambiguous.
    """
    ref = (ref or "").strip().lower()
    rows = list(session.scalars(select(SyncConflict).where(SyncConflict.id.like(f"{ref}%")))) if len(ref) >= 4 else []
    if len(rows) != 1:
        raise NotFoundError(f"找不到编号为“{ref}”的冲突（请用 carebook conflicts list 查看编号）",
                            f"no single conflict with id '{ref}' (see carebook conflicts list)")
    return rows[0]


def resolve_conflict(session: Session, ref: str, *, keep: str, actor: str, value: Any = None,
                     note: str | None = None) -> ConflictView:
    """Decide a conflict in a session with a change recorder (``Register.writing``).

    ``keep``: ``a`` or ``b`` (that change's value), ``value`` (the given ``value``, as JSON-
    compatible data), or ``current`` (accept what the merge kept). For a ``concurrent_edit`` the
    decided value is written to the field as a recorded change, so it travels to the villages as
    the supervisor's correction and wins there (it has seen both). For ``edit_on_closed`` only
    ``current`` is accepted (reopen the file with the usual command if needed). A
    ``duplicate_key`` conflict is settled by the duplicate review (merge, transfer then merge, or
    not-duplicate: :mod:`carebook.model.services.duplicates`), which marks it resolved; here only
    ``current`` is accepted (the held file stays held for that review), any other choice is
    refused saying where to go.

    Raises:
        NotFoundError: no such conflict.
        CarebookError: already resolved, or a choice that does not fit the conflict.
    """
    row = find_conflict(session, ref)
    if row.status == "resolved":
        raise CarebookError("这个冲突已经处理过了", "this conflict is already resolved")
    if keep not in ("a", "b", "value", "current"):
        raise CarebookError("请选择 a、b、value 或 current", "choose a, b, value or current")
    if row.kind == "duplicate_key" and keep != "current":
        raise CarebookError("身份证号相同的重复档案不能在这里选 a、b 或 value；" + DUPLICATE_REVIEW_HINT[0],
                            "a duplicate cannot be decided here with a, b or value: " + DUPLICATE_REVIEW_HINT[1])
    if row.kind != "concurrent_edit" and keep != "current":
        raise CarebookError("这类冲突只能确认（current）；如需恢复档案，请用重新开档功能",
                            "this kind of conflict can only be accepted (current); reopen the file if needed")
    decided: Any = None
    if row.kind == "concurrent_edit" and keep != "current":
        decided = loads(row.a_value) if keep == "a" else loads(row.b_value) if keep == "b" else value
        cls = TRACKED[row.entity]
        obj = session.get(cls, row.record_id)
        if obj is None or row.field is None:
            raise NotFoundError("冲突涉及的记录不在名册中", "the record of this conflict is not in the register")
        from carebook.sync.merge import columns_of

        setattr(obj, row.field, columns_of(row.entity).to_python({row.field: decided})[row.field])
        session.flush()
    row.status = "resolved"
    row.decision = json.dumps({"keep": keep, "value": decided}, ensure_ascii=False, sort_keys=True)
    row.resolved_by = actor[:60]
    row.resolved_at = utc_now()
    row.note = note
    session.flush()
    return _view(row)

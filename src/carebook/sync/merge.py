"""Applying changes received from another installation: idempotent, order-independent,
field-level last-writer-wins (see :mod:`carebook.sync.causality`), all in the caller's
transaction.

:func:`apply_changes`:

1. drops changes already here (same ``(origin, origin_seq)``): applying twice is a no-op;
2. stores the new ones in the change log with their origin, sequence number, stamp and author
   (and their causal context in ``sync_change_context``);
3. recomputes every touched record from *all* its changes (local and received), so the result
   does not depend on arrival order, and writes only what differs (Core, batched);
4. parks a record that cannot be written yet — its insert has not arrived, it refers to a record
   that has not arrived, or a unique value (ID number, division code) is taken by another
   record — and retries parked records at every import; unique values that existing records give
   up in the same merge are freed before new records are inserted (:func:`_release_unique`), and
   a database refusal nobody foresaw reaches the user as :class:`MergeRefusedError`;
5. records conflicts for the supervisor (:mod:`carebook.sync.conflicts`);
6. advances the local hybrid logical clock past the received stamps, refusing stamps too far
   ahead of this PC's clock (:class:`carebook.model.clock.ClockDriftWarning`);
7. recomputes derived columns of the touched children (:mod:`carebook.sync.merge_derived`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, Numeric, delete, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.base import UTCDateTime, utc_now
from carebook.model.changelog import ChangeLogEntry
from carebook.model.clock import ClockDriftWarning, HybridClock, Stamp
from carebook.model.recording import HLC_KEY
from carebook.model.schema import TRACKED, metadata
from carebook.model.settings import RegisterSettings, load_settings
from carebook.model.sync_state import SyncChangeContext, SyncParked
from carebook.sync.aggregates import PARENT_COLUMN, RecordKey, resolve_aggregates, table_of
from carebook.sync.causality import pick_winner
from carebook.sync.changes import Change, local_contexts, log_rows_of_records, logged_stamps, stored_contexts
from carebook.sync.conflicts import detect_conflicts, record_duplicates
from carebook.sync.errors import BundleError
from carebook.sync.fastwrite import insert_rows, insert_tuples, select_in, update_rows
from carebook.sync.merge_derived import DERIVED_INPUTS, derived_of_new_children, refresh_children

_LOG = table_of(ChangeLogEntry)
#: The ``change_log`` columns a received change is stored with (as :meth:`Change.log_row`).
_LOG_INSERT = ("origin", "origin_seq", "hlc", "entity", "record_id", "op", "field", "old_value", "new_value",
               "actor", "at_utc", "tx_id")
_DELETE = object()


@dataclass
class MergeResult:
    """合并结果: what :func:`apply_changes` did: changes stored (``applied``) and skipped as already here
    (``duplicates``); records inserted, updated and deleted; records parked (waiting for
    missing changes, or colliding on a unique value) after this merge; conflicts recorded;
    children whose derived columns were recomputed; and, when a stamp came from a PC clock
    more than the allowed drift ahead, by how many milliseconds (else ``None``)."""

    applied: int = 0
    duplicates: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    parked: int = 0
    conflicts: int = 0
    children_refreshed: int = 0
    clock_ahead_ms: int | None = None
    touched: dict[str, int] = field(default_factory=dict)
    duplicate_keys: dict[RecordKey, tuple[str, RecordKey]] = field(default_factory=dict)


# --------------------------------------------------------------------------- column values


class _Columns:
    """Per table: tracked columns, converters from JSON values, defaults, keys."""

    def __init__(self, entity: str) -> None:
        cls = TRACKED[entity]
        self.table = table_of(cls)
        skip: frozenset[str] = getattr(cls, "untracked_columns", frozenset())
        mapper = inspect(cls)
        self.tracked = [a.key for a in mapper.column_attrs if a.key not in skip]
        self.convert: dict[str, Any] = {}
        self.defaults: dict[str, Any] = {}
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if isinstance(column.type, UTCDateTime):
                self.convert[attr.key] = _to_datetime
            elif isinstance(column.type, Date):
                self.convert[attr.key] = _to_date
            elif isinstance(column.type, Numeric) and column.type.asdecimal:
                self.convert[attr.key] = _to_decimal
            default = column.default
            if default is not None and getattr(default, "is_scalar", False):
                self.defaults[attr.key] = default.arg
            elif default is not None and getattr(default, "is_callable", False) and attr.key not in (
                    "id", "created_at", "updated_at"):
                self.defaults[attr.key] = default.arg(None)
            else:
                self.defaults[attr.key] = None
        self.convert_items = list(self.convert.items())
        self.tracked_set = frozenset(self.tracked)
        self.template = {k: v for k, v in self.defaults.items() if not isinstance(v, list)}
        self.list_defaults = [k for k, v in self.defaults.items() if isinstance(v, list)]
        self.foreign = [(fk.parent.name, fk.column.table.name) for fk in self.table.foreign_keys]
        self.unique = [c.name for c in self.table.columns if c.unique and not c.primary_key]

    def to_python(self, values: dict[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for key, conv in self.convert_items:
            value = out.get(key)
            if value is not None:
                out[key] = conv(value)
        return out


def _to_datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _to_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value)


def _to_decimal(value: Any) -> Decimal:
    return Decimal(str(value))


_COLUMNS: dict[str, _Columns] = {}


def columns_of(entity: str) -> _Columns:
    """Column information of a tracked table (cached)."""
    if entity not in _COLUMNS:
        _COLUMNS[entity] = _Columns(entity)
    return _COLUMNS[entity]


# --------------------------------------------------------------------------- desired state


def desired_state(entity: str, history: Sequence[Change],
                  only: set[str] | None = None) -> dict[str, Any] | object | None:
    """The record as its changes decide it: a dict of tracked JSON values, :data:`_DELETE`
    when a deletion (tombstone) is among them, or ``None`` when no insert has arrived yet.

    With ``only``, the dict may hold just the fields in ``only`` (those the merge compares with
    an existing record): the same values as the full state for those fields, without parsing
    insert snapshots that cannot matter."""
    if len(history) == 1:  # the usual case, decided as below without the general steps
        lone = history[0]
        if lone.op == "delete":
            return _DELETE
        if lone.op != "insert" or not lone.new_value:
            return None
        snap = lone.snapshot()
        info = columns_of(entity)
        if snap.keys() <= info.tracked_set:
            return dict(snap)
        return {k: snap[k] for k in info.tracked if k in snap}
    if any(c.op == "delete" for c in history):
        return _DELETE
    inserts = [c for c in history if c.op == "insert" and c.new_value]
    if not inserts:
        return None
    info = columns_of(entity)
    cols = info.tracked
    if only is not None and len(history) > 1:
        partial = _single_origin_fields(info, history, only)
        if partial is not None:
            return partial
    if len(history) == 1:  # a lone insert (most of a first bundle): its snapshot is the record
        snap = history[0].snapshot()
        if snap.keys() <= info.tracked_set:
            return dict(snap)
        return {k: snap[k] for k in cols if k in snap}
    origins = {c.origin for c in history}
    if len(origins) == 1:
        ordered = sorted(history, key=lambda c: c.origin_seq)
        state: dict[str, Any] = {}
        for c in ordered:
            if c.op == "insert" and c.new_value:
                state.update(c.snapshot())
            elif c.op == "update" and c.field in cols:
                state[c.field] = json.loads(c.new_value) if c.new_value is not None else None
        return {k: state.get(k) for k in cols if k in state}
    snaps = [(c, c.snapshot()) for c in inserts]
    updates: dict[str, list[Change]] = {}
    for c in history:
        if c.op == "update" and c.field:
            updates.setdefault(c.field, []).append(c)
    state = {}
    # the winner depends on the competing changes only, and most fields have the same ones (every
    # insert, no update): decided once per set of changes (n inserts: n * n comparisons each)
    winners: dict[tuple[int, ...], int] = {}
    for col in cols:
        candidates: list[tuple[Any, Any]] = [(c, ("snap", snap[col])) for c, snap in snaps if col in snap]
        candidates += [(c, ("text", c.new_value)) for c in updates.get(col, [])]
        if not candidates:
            continue
        competing = tuple([id(c) for c, _value in candidates])
        at = winners.get(competing)
        if at is None:
            winner = pick_winner(candidates)[0]
            at = winners[competing] = next(i for i, (c, _value) in enumerate(candidates) if c is winner)
        kind, value = candidates[at][1]
        state[col] = value if kind == "snap" else (json.loads(value) if value is not None else None)
    return state


def _single_origin_fields(info: _Columns, history: Sequence[Change], only: set[str]) -> dict[str, Any] | None:
    """The values of the tracked fields ``only`` when every change of ``history`` comes from one
    origin (else ``None``): per field, the last change by origin sequence number that sets it
    (an update of the field, or an insert whose snapshot holds it), as in :func:`desired_state`."""
    first = history[0].origin
    if any(c.origin != first for c in history):
        return None
    wanted = only & info.tracked_set
    latest: dict[str, Change] = {}
    newest_insert = 0
    for c in history:
        if c.op == "update":
            if c.field in wanted and (c.field not in latest or c.origin_seq > latest[c.field].origin_seq):
                latest[c.field] = c
        elif c.op == "insert" and c.new_value:
            newest_insert = max(newest_insert, c.origin_seq)
    state: dict[str, Any] = {}
    for name in wanted:
        update_change = latest.get(name)
        if update_change is not None and update_change.origin_seq > newest_insert:
            state[name] = json.loads(update_change.new_value) if update_change.new_value is not None else None
            continue
        best: tuple[int, Any] | None = None
        for c in history:
            if c.op == "insert" and c.new_value and name in c.snapshot() and (
                    best is None or c.origin_seq > best[0]):
                best = (c.origin_seq, c.snapshot()[name])
        if update_change is not None and (best is None or update_change.origin_seq > best[0]):
            state[name] = json.loads(update_change.new_value) if update_change.new_value is not None else None
        elif best is not None:
            state[name] = best[1]
    return state


# --------------------------------------------------------------------------- apply


class SequenceReusedError(BundleError):
    """A change arrives under an (origin, sequence number) already used here for a different
    change: the sending PC was restored from a backup or copied (序号重复)."""

    def __init__(self, origin: str, seq: int) -> None:
        self.origin = origin
        self.seq = seq
        super().__init__(
            "这个同步包里的变更编号与以前收到的不同变更重复：发送方的电脑可能从备份恢复过或被复制过。"
            "为避免覆盖数据，已拒绝导入，没有改动任何数据。请督导员为该电脑重新登记，并联系技术支持。",
            "A change in this bundle reuses the number of a different change received before: the "
            "sending PC was probably restored from a backup or copied. Nothing was imported, so "
            "nothing is overwritten. Re-enrol that PC and contact support.",
        )


class MergeRefusedError(BundleError):
    """The database refused to write what a bundle's changes decide (合并被拒绝): a constraint the
    merge's own checks did not foresee. The import was rolled back, nothing changed; raised by
    the command line and the app (:func:`refused_merge`) in place of the database error, as a last
    resort: the merge parks foreseeable collisions itself."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            "这个同步包里的变更与本机已有的数据冲突，数据库拒绝写入。已撤销这个包的导入，没有改动任何数据"
            f"（之前导入的包不受影响）。请把这个同步包和本提示发给技术支持。（{detail}）",
            "The changes in this bundle clash with data on this PC and the database refused to write "
            "them. This bundle's import was undone and nothing changed (bundles imported before it "
            f"stay imported). Send the bundle and this message to support. ({detail})",
        )


def refused_merge(error: BaseException) -> MergeRefusedError:
    """The user's error for a database constraint failure (``sqlalchemy.exc.IntegrityError``)
    raised while importing a bundle: the database's one-line reason, without SQL or values."""
    orig = getattr(error, "orig", None)
    lines = str(orig if orig is not None else error).splitlines()
    return MergeRefusedError((lines[0] if lines else type(error).__name__)[:200])


@contextlib.contextmanager
def merge_refusals() -> Iterator[None]:
    """Around a bundle import (the command line, the app): a database constraint failure
    (``sqlalchemy.exc.IntegrityError``, the import's transaction already rolled back) leaves as
    :class:`MergeRefusedError` (see :func:`refused_merge`), never as a traceback. A last resort:
    the merge parks the collisions it foresees."""
    try:
        yield
    except IntegrityError as exc:
        raise refused_merge(exc) from None


def _existing_keys(session: Session, changes: Sequence[Change]) -> set[tuple[str, int]]:
    """The ``(origin, origin_seq)`` of ``changes`` already in the log.

    Raises:
        SequenceReusedError: one of them is here with another stamp (a different change).
    """
    by_origin: dict[str, dict[int, str]] = {}
    for c in changes:
        by_origin.setdefault(c.origin, {})[c.origin_seq] = c.hlc
    found: set[tuple[str, int]] = set()
    for origin, stamps in by_origin.items():
        for seq, hlc in logged_stamps(session, origin, min(stamps), max(stamps)):
            if seq in stamps:
                if stamps[seq] != hlc:
                    raise SequenceReusedError(origin, seq)
                found.add((origin, seq))
    return found


def _observe_clock(session: Session, me: str, changes: Sequence[Change], result: MergeResult) -> None:
    last = settings_store.get_value(session, HLC_KEY)
    clock = HybridClock(me, Stamp.parse(last) if last else None)
    before = clock.last
    newest: dict[str, str] = {}
    for c in changes:
        if c.hlc > newest.get(c.origin, ""):
            newest[c.origin] = c.hlc
    for stamp_text in newest.values():
        try:
            clock.observe(Stamp.parse(stamp_text))
        except ClockDriftWarning as warning:
            result.clock_ahead_ms = max(result.clock_ahead_ms or 0, warning.ahead_ms)
        except ValueError:
            continue
    if clock.last != before:
        settings_store.set_value(session, HLC_KEY, clock.last.text())


def apply_changes(
    session: Session, changes: Sequence[Change], *, me: str, record_conflicts: bool,
    today: dt.date | None = None, settings: RegisterSettings | None = None,
) -> MergeResult:
    """Apply received ``changes`` in the caller's transaction (see the module docstring).

    Args:
        me: this installation's id (its own changes are recognised by it).
        record_conflicts: record conflicts (the township and county do; villages leave them
            to the supervisor).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database refused a write; the caller rolls back.
    """
    if session.get_bind().dialect.name != "sqlite":
        return _apply(session, changes, me=me, record_conflicts=record_conflicts, today=today, settings=settings)
    # A bundle's rows land at random places of the UUID indexes: with SQLite's default 2 MB page
    # cache most of them would spill to the WAL and be read back (and decrypted) in the same
    # transaction. The cache grows for the merge only (memory is taken as pages are used).
    connection = session.connection()
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{MERGE_CACHE_KIB}")
    try:
        return _apply(session, changes, me=me, record_conflicts=record_conflicts, today=today, settings=settings)
    finally:
        # after a Ctrl-C or a refused write the connection awaits the caller's rollback
        with contextlib.suppress(Exception):  # best effort: never hide the error being raised
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


#: SQLite page cache during a merge, in KiB (64 MiB: a bundle of 10,000 children fits).
MERGE_CACHE_KIB = 65_536


def _apply(
    session: Session, changes: Sequence[Change], *, me: str, record_conflicts: bool,
    today: dt.date | None, settings: RegisterSettings | None,
) -> MergeResult:
    session.info["apply_remote"] = True
    today = today or dt.date.today()
    settings = settings or load_settings(session)
    result = MergeResult()
    known = _existing_keys(session, changes) if changes else set()
    new: list[Change] = []
    seen: set[tuple[str, int]] = set()
    for c in changes:
        key = (c.origin, c.origin_seq)
        if key in known or key in seen or c.entity not in TRACKED:
            result.duplicates += 1
            continue
        seen.add(key)
        new.append(c)
    parked_before = {(e, r) for e, r in session.execute(select(SyncParked.entity, SyncParked.record_id))}
    touched: set[RecordKey] = {(c.entity, c.record_id) for c in new} | parked_before
    if not new and not parked_before:
        return result
    history = log_rows_of_records(session, touched)
    by_record: dict[RecordKey, list[Change]] = {}
    for c in history:
        by_record.setdefault((c.entity, c.record_id), []).append(c)
    for c in new:
        by_record.setdefault((c.entity, c.record_id), []).append(c)
    multi = [k for k, rows in by_record.items() if len(rows) > 1 and len({c.origin for c in rows}) > 1]
    if multi:
        old_rows = [c for k in multi for c in by_record[k] if c.seq]
        stored = stored_contexts(session, [c.key for c in old_rows if c.origin != me])
        for c in old_rows:
            if c.origin != me:
                c.ctx = stored.get(c.key, {})
        local_contexts(session, me, [c for c in old_rows if c.origin == me])
    if record_conflicts and new:
        result.conflicts = detect_conflicts(session, new, by_record, me=me)
    if new:
        insert_tuples(session, _LOG, _LOG_INSERT, [
            (c.origin, c.origin_seq, c.hlc, c.entity, c.record_id, c.op, c.field, c.old_value, c.new_value,
             c.actor, c.at_utc, c.tx_id) for c in new])
        contexts = [{"origin": c.origin, "origin_seq": c.origin_seq, "context": json.dumps(c.ctx, sort_keys=True)}
                    for c in new if c.ctx]
        if contexts:
            session.execute(insert(table_of(SyncChangeContext)), contexts)
        result.applied = len(new)
        _observe_clock(session, me, new, result)
    fields: dict[RecordKey, set[str] | None] = {key: None for key in parked_before}
    for c in new:
        record = (c.entity, c.record_id)
        if c.op != "update" or not c.field:
            fields[record] = None
        elif record not in fields or fields[record] is not None:
            fields.setdefault(record, set()).add(c.field)  # type: ignore[union-attr]
    derived_done: set[RecordKey] = set()
    written = _materialise(session, by_record, touched, parked_before, result, fields,
                           settings=settings, today=today, derived_done=derived_done)
    if record_conflicts and result.duplicate_keys:
        result.conflicts += record_duplicates(session, result.duplicate_keys, by_record)
    child_ids = _affected_children(session, [w for w in written if w[0] not in derived_done], by_record)
    result.children_refreshed = sum(1 for key in derived_done if key[0] == "child")
    if child_ids:
        result.children_refreshed += refresh_children(session, child_ids, settings, today)
    return result


def _affected_children(session: Session, written: list[tuple[RecordKey, set[str] | None]],
                       by_record: dict[RecordKey, list[Change]]) -> set[str]:
    """Children whose derived columns may have changed: those whose record or sub-records were
    inserted, deleted, or updated in a column the derived values depend on."""
    ids: set[str] = set()
    relevant: list[RecordKey] = []
    for key, cols in written:
        if key[0] not in DERIVED_INPUTS:
            continue
        inputs = DERIVED_INPUTS[key[0]]
        if cols is None or inputs is None or cols & inputs:
            relevant.append(key)
    subs: list[RecordKey] = []
    snaps: dict[RecordKey, Any] = {}
    for key in relevant:
        if key[0] == "child":
            ids.add(key[1])
        elif PARENT_COLUMN.get(key[0], ("",))[0] == "child":
            subs.append(key)
            inserts = [c.snapshot() for c in by_record.get(key, []) if c.op == "insert"]
            if inserts:
                snaps[key] = inserts[0]
    if subs:
        for root in resolve_aggregates(session, subs, snaps).values():
            if root[0] == "child":
                ids.add(root[1])
    return ids


def _materialise(
    session: Session, by_record: dict[RecordKey, list[Change]], touched: set[RecordKey],
    parked_before: set[RecordKey], result: MergeResult, fields: dict[RecordKey, set[str] | None],
    *, settings: RegisterSettings, today: dt.date, derived_done: set[RecordKey],
) -> list[tuple[RecordKey, set[str] | None]]:
    """Write what the changes decide for each touched record. ``fields`` says, per record that
    may exist already, which fields the new changes touch (``None``: all); the other fields of an
    existing record already hold their winning values. The derived columns of the children
    inserted here are computed from the rows being inserted and written with them
    (:func:`carebook.sync.merge_derived.derived_of_new_children`): the keys of those children
    and of the sub-records inserted with them are added to ``derived_done`` (nothing of theirs
    is left to refresh)."""
    desired: dict[RecordKey, Any] = {}
    waiting: dict[RecordKey, str] = {}
    partial: set[RecordKey] = set()
    for key in touched:
        only = fields.get(key)
        history = by_record.get(key, [])
        state: Any
        if len(history) == 1 and history[0].op == "insert" and history[0].new_value:
            # a lone insert (most of a first bundle), as desired_state decides it: its snapshot
            # (not copied: it is only read, and to_python below copies it)
            snap = history[0].snapshot()
            info = columns_of(key[0])
            state = snap if snap.keys() <= info.tracked_set else {k: snap[k] for k in info.tracked if k in snap}
        else:
            state = desired_state(key[0], history, only)
        if state is None:
            waiting[key] = "missing_insert"
        else:
            desired[key] = state
            if only is not None:
                partial.add(key)
    current: dict[RecordKey, Any] = {}
    by_entity: dict[str, list[str]] = {}
    for entity, rid in desired:
        by_entity.setdefault(entity, []).append(rid)
    for entity, ids in by_entity.items():
        table = columns_of(entity).table
        names = set(table.c.keys())
        wanted: set[str] = {"id"}
        for rid in ids:
            touched_fields = fields.get((entity, rid))
            if touched_fields is None:
                wanted = names
                break
            wanted |= touched_fields & names
        selected = [c.key for c in table.columns if c.key in wanted]
        at = selected.index("id")
        for row in select_in(session, table, selected, "id", ids):
            current[(entity, row[at])] = dict(zip(selected, row, strict=True))
    for key in partial:
        if key not in current and desired[key] is not _DELETE:  # not here after all: needs every field
            desired[key] = desired_state(key[0], by_record[key])
    inserts: dict[RecordKey, dict[str, Any]] = {}
    updates: dict[RecordKey, dict[str, Any]] = {}
    deletes: list[RecordKey] = []
    for key, state in desired.items():
        cur = current.get(key)
        if state is _DELETE:
            if cur is not None:
                deletes.append(key)
            continue
        info = columns_of(key[0])
        values = info.to_python(state)
        if cur is None:
            inserts[key] = values
            continue
        only = fields.get(key)
        diff = {k: v for k, v in values.items()
                if k != "id" and (only is None or k in only) and not _same(cur[k], v)}
        if diff:
            updates[key] = diff
    deleting = set(deletes)
    while True:  # parking one record may break another's reference or unique release: to a fixpoint
        before = len(waiting)
        _check_unique(session, inserts, updates, waiting, result.duplicate_keys, deleting)
        _check_references(session, inserts, updates, waiting)
        if len(waiting) == before:
            break
    now = utc_now()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
    order = [t.name for t in metadata.sorted_tables if t.name in TRACKED]
    inserts_of: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for (ent, rid), values in inserts.items():
        inserts_of.setdefault(ent, []).append((rid, values))
    rows_of: dict[str, list[dict[str, Any]]] = {}
    for entity in order:
        info = columns_of(entity)
        rows = []
        template, list_defaults = info.template, info.list_defaults
        # in id order: the primary-key B-tree fills page by page
        for rid, values in sorted(inserts_of.get(entity, []), key=itemgetter(0)):
            record = {**template, **values}
            for k in list_defaults:
                if k not in values:
                    record[k] = []
            history = by_record[(entity, rid)]
            created = history[0].at_utc if len(history) == 1 and history[0].op == "insert" else _created_at(history)
            record["id"], record["created_at"], record["updated_at"], record["version"] = rid, created or now, now, 1
            rows.append(record)
        if rows:
            rows_of[entity] = rows
    if "child" in rows_of:
        # an update of an existing sub-record may move it to a new child: that child is read back
        pointed = {diff["child_id"] for (entity, _rid), diff in updates.items()
                   if PARENT_COLUMN.get(entity, ("",))[0] == "child" and diff.get("child_id")}
        derived = derived_of_new_children(session.get_bind().dialect, rows_of, settings, today, pointed)
        for record in rows_of["child"]:
            computed = derived.get(record["id"])
            if computed is not None:
                record.update(computed)
                derived_done.add(("child", record["id"]))
        for entity, (parent, column) in PARENT_COLUMN.items():
            if parent == "child":
                derived_done.update((entity, r["id"]) for r in rows_of.get(entity, ()) if r.get(column) in derived)
    _release_unique(session, current, updates, deletes)
    for entity, rows in rows_of.items():
        insert_rows(session, columns_of(entity).table, rows)
        result.inserted += len(rows)
    groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    for (entity, rid), diff in updates.items():
        groups.setdefault((entity, tuple(sorted(diff))), []).append({"id": rid, **diff})
    for (entity, cols), params in groups.items():
        update_rows(session, columns_of(entity).table, cols, params, updated_at=now, bump_version=True)
        result.updated += len(params)
    for entity, rid in deletes:
        table = columns_of(entity).table
        session.execute(delete(table).where(table.c.id == rid))
        result.deleted += 1
    parked_table = table_of(SyncParked)
    done = [k for k in parked_before if k not in waiting]
    for key in done:
        session.execute(delete(parked_table).where(parked_table.c.entity == key[0], parked_table.c.record_id == key[1]))
    fresh = [{"entity": k[0], "record_id": k[1], "reason": r, "since": now}
             for k, r in waiting.items() if k not in parked_before]
    if fresh:
        session.execute(insert(parked_table), fresh)
    result.parked = len(waiting)
    for entity, count in Counter(key[0] for key in chain(inserts, updates, deletes)).items():
        result.touched[entity] = result.touched.get(entity, 0) + count
    written: list[tuple[RecordKey, set[str] | None]] = [(k, None) for k in inserts]
    written += [(k, set(d)) for k, d in updates.items()]
    written += [(k, None) for k in deletes]
    return written


def _created_at(history: list[Change]) -> dt.datetime | None:
    if len(history) == 1:
        return history[0].at_utc if history[0].op == "insert" else None
    inserts = [c.at_utc for c in history if c.op == "insert"]
    return min(inserts) if inserts else None


def _same(current: Any, wanted: Any) -> bool:
    if current is None or wanted is None:
        return current is None and wanted is None
    if isinstance(current, Decimal) or isinstance(wanted, Decimal):
        try:
            return Decimal(str(current)) == Decimal(str(wanted))
        except ArithmeticError:
            return False
    if isinstance(current, dt.datetime) and isinstance(wanted, dt.datetime):
        return current == wanted
    return bool(current == wanted)


def _check_references(
    session: Session, inserts: dict[RecordKey, dict[str, Any]], updates: dict[RecordKey, dict[str, Any]],
    waiting: dict[RecordKey, str],
) -> None:
    """Park inserts and updates that refer to records neither here nor arriving now."""
    foreign = {entity: columns_of(entity).foreign for entity in {k[0] for k in inserts} | {k[0] for k in updates}}
    # the values each (entity, column) refers to, gathered a column at a time
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for source in (inserts, updates):
        for key, values in source.items():
            by_entity.setdefault(key[0], []).append(values)
    inserted: dict[str, set[str]] = {}
    for entity, rid in inserts:
        inserted.setdefault(entity, set()).add(rid)
    referred: dict[str, set[Any]] = {}
    for entity, pairs in foreign.items():
        rows = by_entity.get(entity, ())
        for col, target in pairs:
            found = {value for values in rows if (value := values.get(col))}
            if found:
                referred.setdefault(target, set()).update(found)
    present: dict[str, set[str]] = {}
    for target, ids in referred.items():
        needed = ids - inserted.get(target, set())  # (a record inserted here is not in its table)
        present[target] = {r for (r,) in select_in(session, metadata.tables[target], ["id"], "id", needed)} \
            if needed else set()
    if not any(ids - present[target] - inserted.get(target, set()) for target, ids in referred.items()):
        return  # every referred record is here or arriving: nothing to park
    # only records referring to something not here can be parked: passes over those, in the
    # order of the records (inserts, then updates), until a pass parks nothing
    absent = {target: ids - present[target] for target, ids in referred.items()}  # inserted here, or missing
    suspects: list[tuple[dict[RecordKey, dict[str, Any]], RecordKey, list[tuple[str, Any]]]] = []
    for source in (inserts, updates):
        for key, values in source.items():
            refs = foreign[key[0]]
            if any((value := values.get(col)) and value in absent[target] for col, target in refs):
                suspects.append((source, key, [(target, values[col]) for col, target in refs if values.get(col)]))
    changed = bool(suspects)
    while changed:
        changed = False
        for source, key, pairs in suspects:
            if key not in source:
                continue
            for target, value in pairs:
                if value not in present.get(target, ()) and (target, value) not in inserts:
                    del source[key]
                    waiting[key] = "missing_reference"
                    changed = True
                    break


def _check_unique(
    session: Session, inserts: dict[RecordKey, dict[str, Any]], updates: dict[RecordKey, dict[str, Any]],
    waiting: dict[RecordKey, str], duplicates: dict[RecordKey, tuple[str, RecordKey]],
    deleting: set[RecordKey] | frozenset[RecordKey] = frozenset(),
) -> None:
    """Park records whose unique value (ID number, division code, document number) is held by
    another record (here, or arriving in this merge: inserts and updates are compared with each
    other, the first by record id keeps the value). A value counts as free when its holder's
    update in this merge moves it away, or (nullable columns) its holder is being deleted: the
    merge releases such values before it inserts (:func:`_release_unique`). Each parked record is
    added to ``waiting`` (``duplicate_key``) and to ``duplicates`` as ``(column, holder key)``."""
    wanted: dict[tuple[str, str], dict[Any, list[RecordKey]]] = {}
    for source in (inserts, updates):
        for key, values in source.items():
            for col in columns_of(key[0]).unique:
                if values.get(col) is not None:
                    wanted.setdefault((key[0], col), {}).setdefault(values[col], []).append(key)
    for (entity, col), by_value in wanted.items():
        table = columns_of(entity).table
        nullable = bool(table.c[col].nullable)
        holders: dict[Any, str] = {}
        for rid, value in select_in(session, table, ["id", col], col, by_value):
            holders[value] = rid
        for value, keys in by_value.items():
            keys.sort()
            holder = holders.get(value)
            moving_away = holder is not None and (
                ((entity, holder) in updates and updates[(entity, holder)].get(col, value) != value)
                or (nullable and (entity, holder) in deleting))
            for i, key in enumerate(keys):
                taken = (holder is not None and holder != key[1] and not moving_away) or i > 0
                source = inserts if key in inserts else updates
                if taken and key in source:  # (a record with two unique values may be parked already)
                    del source[key]
                    waiting[key] = "duplicate_key"
                    other = holder if holder is not None and holder != key[1] and not moving_away else keys[0][1]
                    duplicates[key] = (col, (entity, other))


def _release_unique(
    session: Session, current: dict[RecordKey, Any], updates: dict[RecordKey, dict[str, Any]],
    deletes: list[RecordKey],
) -> None:
    """Before the inserts: free the unique values (ID number, division code, document number)
    that existing records give up in this merge, so a record inserted with such a value does
    not collide with the row still holding it (e.g. the township transfers a child's file to a
    village and merges that village's own file of the same child into it: the bundle inserts the
    file with the ID number and clears the ID number of the village's file).

    A nullable column is set to NULL first (its final value is written with the other updates;
    values swapped between records pass too); a NOT NULL column gets its final value. Records
    being deleted give up nullable unique values the same way. Neither ``version`` nor
    ``updated_at`` changes here (the updates that follow set them once)."""
    groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    for (entity, rid), diff in updates.items():
        cur = current.get((entity, rid))
        if cur is None:
            continue
        table = columns_of(entity).table
        release = {col: (None if table.c[col].nullable else diff[col]) for col in columns_of(entity).unique
                   if col in diff and col in cur and cur[col] is not None}
        if release:
            groups.setdefault((entity, tuple(sorted(release))), []).append({"id": rid, **release})
    for entity, rid in deletes:
        cur = current.get((entity, rid))
        table = columns_of(entity).table
        release = {col: None for col in columns_of(entity).unique
                   if table.c[col].nullable and cur is not None and col in cur and cur[col] is not None}
        if release:
            groups.setdefault((entity, tuple(sorted(release))), []).append({"id": rid, **release})
    for (entity, cols), params in groups.items():
        update_rows(session, columns_of(entity).table, cols, params)

"""Change capture: the change-log rows a peer has not acknowledged, their causal contexts, and
the payload bytes a bundle carries (change records and attachment files).

A change is one ``change_log`` row, identified everywhere by ``(origin, origin_seq)``. Its
*context* says what its origin had already received on the same record group (see
:mod:`carebook.sync.aggregates`) when it made the change: ``{origin id: highest origin_seq
seen}`` over the other origins' changes to that group. Merge uses it to tell an edit made after
seeing another (it wins) from two edits made without seeing each other (a conflict; the later
HLC stamp wins). Contexts of local changes are computed from the local log order (positions
``change_log.seq``), whose order never changes (a village restored from an older backup moves its
unacknowledged rows up, in order: :mod:`carebook.sync.restore`); contexts of received changes
are stored as they came.

Payload layout (version 1), inside the encrypted bundle::

    b"CBPAYLOAD1\\n"  u64 big-endian length of the JSON document  JSON  attachment bytes...

The JSON document (UTF-8, compact) is ``{"v": 1, "origins": [...], "actors": [...],
"txs": [...], "changes": [[origin index, origin_seq, hlc without node, entity, record_id, op,
field, old_value JSON text, new_value JSON text, actor index, at_utc, tx index, context], ...],
"attachments": [{"sha256": hex, "size": n}, ...]}``; the attachment bytes follow in that order.
The HLC node of a change is always its origin, so it is not repeated. See
``docs/bundle-format.md`` ("Payload").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import json.scanner
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import Session

from carebook.model.changelog import ChangeLogEntry
from carebook.model.errors import CarebookError
from carebook.model.sync_state import SyncChangeContext
from carebook.sync.aggregates import (
    RecordKey,
    aggregate_records,
    resolve_aggregates,
    table_of,
)
from carebook.sync.errors import PayloadCorruptError
from carebook.sync.fastwrite import driver_rows, select_in

if TYPE_CHECKING:
    from carebook.model.attachment_store import AttachmentStore

PAYLOAD_MAGIC = b"CBPAYLOAD1\n"
PAYLOAD_VERSION = 1
_LOG = table_of(ChangeLogEntry)
_LOG_COLUMNS = (
    _LOG.c.seq, _LOG.c.origin, _LOG.c.origin_seq, _LOG.c.hlc, _LOG.c.entity, _LOG.c.record_id, _LOG.c.op,
    _LOG.c.field, _LOG.c.old_value, _LOG.c.new_value, _LOG.c.actor, _LOG.c.at_utc, _LOG.c.tx_id,
)
_LOG_NAMES = [c.name for c in _LOG_COLUMNS]


_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # (typeshed: the C scanner json.loads runs)


def _parse_json(text: str) -> Any:
    """``json.loads(text)``, the same value or the same error, without its two whitespace
    matches and Python calls around the scanner (an import parses one snapshot per insert)."""
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError):  # not JSON at its start (or leading blanks): json says why
        return json.loads(text)
    return value if end == len(text) else json.loads(text)  # (trailing blanks or data: likewise)


@dataclass(slots=True)
class Change:
    """变更: one change record as carried between installations.

    ``hlc`` is the full stamp text; ``old_value``/``new_value`` are JSON text (``None`` where
    the log has none); ``at_utc`` an aware UTC instant; ``ctx`` the causal context (empty when
    the origin had seen nothing from others on this record group); ``seq`` the local log
    position where known (``0`` for a change not in the local log).
    """

    origin: str
    origin_seq: int
    hlc: str
    entity: str
    record_id: str
    op: str
    field: str | None
    old_value: str | None
    new_value: str | None
    actor: str
    at_utc: dt.datetime
    tx_id: str
    ctx: dict[str, int] = dc_field(default_factory=dict)
    seq: int = 0
    snap: dict[str, Any] | None = None

    def snapshot(self) -> dict[str, Any]:
        """The inserted record (``new_value`` parsed once; empty for other operations).

        Raises:
            json.JSONDecodeError: ``new_value`` is not JSON.
        """
        if self.snap is None:
            self.snap = _parse_json(self.new_value) if self.op == "insert" and self.new_value else {}
        return self.snap

    @property
    def key(self) -> tuple[str, int]:
        """``(origin, origin_seq)``: the change's identity everywhere."""
        return (self.origin, self.origin_seq)

    @property
    def record(self) -> RecordKey:
        """``(entity, record_id)``."""
        return (self.entity, self.record_id)

    def log_row(self) -> dict[str, Any]:
        """The ``change_log`` row (without the local position) for a Core insert."""
        return {
            "origin": self.origin, "origin_seq": self.origin_seq, "hlc": self.hlc, "entity": self.entity,
            "record_id": self.record_id, "op": self.op, "field": self.field, "old_value": self.old_value,
            "new_value": self.new_value, "actor": self.actor, "at_utc": self.at_utc, "tx_id": self.tx_id,
        }


def change_from_row(row: Sequence[Any]) -> Change:
    """A :class:`Change` from a row of :data:`_LOG_COLUMNS` (position first)."""
    return Change(row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11],
                  row[12], {}, row[0])


_STAMPS_SQL = 'SELECT "origin_seq", "hlc" FROM "change_log" WHERE "origin" = ? AND "origin_seq" BETWEEN ? AND ?'


def logged_stamps(session: Session, origin: str, low: int, high: int) -> list[tuple[int, str]]:
    """``(origin_seq, hlc)`` of the changes of ``origin`` numbered ``low`` to ``high`` that the
    local log holds: one range read on the log's unique ``(origin, origin_seq)`` index. On
    SQLite read through the driver (a bundle sent again carries tens of thousands of changes
    the log holds, and the import looks them up three times: the authority check, the restore
    check and the merge)."""
    if session.get_bind().dialect.name == "sqlite":
        return driver_rows(session, _STAMPS_SQL, (origin, low, high))
    rows = session.execute(select(_LOG.c.origin_seq, _LOG.c.hlc).where(
        _LOG.c.origin == origin, _LOG.c.origin_seq >= low, _LOG.c.origin_seq <= high))
    return [(int(seq), str(hlc)) for seq, hlc in rows]


def last_position(session: Session) -> int:
    """The highest position in the local change log (0 when empty)."""
    return int(session.scalar(select(func.max(_LOG.c.seq))) or 0)


def log_rows_after(session: Session, after: int, upto: int) -> list[Change]:
    """Local log rows at positions ``after < seq <= upto``, in order."""
    rows = session.execute(select(*_LOG_COLUMNS).where(_LOG.c.seq > after, _LOG.c.seq <= upto).order_by(_LOG.c.seq))
    return [change_from_row(r) for r in rows]


def log_rows_of_records(session: Session, records: Iterable[RecordKey]) -> list[Change]:
    """Every local log row of the given records, in log order."""
    by_entity: dict[str, list[str]] = {}
    for entity, record_id in set(records):
        by_entity.setdefault(entity, []).append(record_id)
    out: list[Change] = []
    for entity, ids in by_entity.items():
        out.extend(change_from_row(r) for r in select_in(session, _LOG, _LOG_NAMES, "record_id", ids,
                                                         equal=[("entity", entity)]))
    out.sort(key=lambda c: c.seq)
    return out


def stored_contexts(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], dict[str, int]]:
    """Stored contexts of received changes, by ``(origin, origin_seq)`` (absent: empty). One
    query per :data:`CONTEXT_CHUNK` keys, whatever the number of origins (a township merging
    the record of its own unit, which every village's set-up inserts, looks up one change of
    each village)."""
    pairs = sorted(set(keys))
    table = table_of(SyncChangeContext)
    out: dict[tuple[str, int], dict[str, int]] = {}
    for start in range(0, len(pairs), CONTEXT_CHUNK):
        part = pairs[start:start + CONTEXT_CHUNK]
        rows = session.execute(select(table.c.origin, table.c.origin_seq, table.c.context)
                               .where(tuple_(table.c.origin, table.c.origin_seq).in_(part)))
        for o, s, ctx in rows:
            out[(o, s)] = json.loads(ctx)
    return out


#: Keys per query of :func:`stored_contexts` (two parameters each).
CONTEXT_CHUNK = 400


def local_contexts(session: Session, me: str, local: list[Change]) -> None:
    """Fill ``ctx`` of the local changes ``local`` (origin ``me``, positions known) from the
    local log: for each, the highest origin sequence number of every other origin among the
    changes of its record group that precede it in the log. An own change this PC lost and got
    back from its township (after a restore from an older backup, :mod:`carebook.sync.restore`)
    keeps the context it came back with (stored like a received change's)."""
    if not local:
        return
    _contexts_from_log(session, me, local)
    table = table_of(SyncChangeContext)
    kept: dict[int, str] = {s: ctx for s, ctx in session.execute(
        select(table.c.origin_seq, table.c.context).where(table.c.origin == me))}
    if kept:
        for c in local:
            if c.origin_seq in kept:
                c.ctx = json.loads(kept[c.origin_seq])


def _contexts_from_log(session: Session, me: str, local: list[Change]) -> None:
    # how many changes came from elsewhere, counted no further than needed to compare with
    # len(local) (the log grows with every import; a full count was a scan of it per merge)
    upto = select(literal(1)).select_from(_LOG).where(_LOG.c.origin != me).limit(len(local)).subquery()
    foreign_total = int(session.scalar(select(func.count()).select_from(upto)) or 0)
    if foreign_total == 0:
        return
    if foreign_total < len(local):
        foreign = session.execute(select(_LOG.c.entity, _LOG.c.record_id).where(_LOG.c.origin != me).distinct())
        foreign_keys = [(e, r) for e, r in foreign]
        roots = set(resolve_aggregates(session, foreign_keys).values())
        members = aggregate_records(session, roots)
        record_root = {rec: root for root, recs in members.items() for rec in recs}
        for key in foreign_keys:
            record_root.setdefault(key, key)
        wanted = [c for c in local if c.record in record_root]
    else:
        snaps = {c.record: c.snapshot() for c in local if c.op == "insert"}
        record_root = resolve_aggregates(session, {c.record for c in local}, snaps)
        wanted = local
        members = aggregate_records(session, set(record_root.values()))
        for root, recs in members.items():
            for rec in recs:
                record_root.setdefault(rec, root)
    if not wanted:
        return
    roots = {record_root[c.record] for c in wanted}
    records = [rec for rec, root in record_root.items() if root in roots]
    history = log_rows_of_records(session, records)
    seen: dict[RecordKey, dict[str, int]] = {}
    ctx_at: dict[int, dict[str, int]] = {}
    want_seq = {c.seq for c in wanted}
    for row in history:
        root = record_root.get(row.record, row.record)
        running = seen.setdefault(root, {})
        if row.origin == me:
            if row.seq in want_seq and running:
                ctx_at[row.seq] = dict(running)
        elif running.get(row.origin, 0) < row.origin_seq:
            running[row.origin] = row.origin_seq
    for c in wanted:
        c.ctx = ctx_at.get(c.seq, {})


# --------------------------------------------------------------------------- payload


@dataclass
class Payload:
    """同步包内容: what a bundle carries inside its encryption: change records and attachment files
    (SHA-256 hex -> bytes)."""

    changes: list[Change]
    attachments: dict[str, bytes] = dc_field(default_factory=dict)


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_payload(payload: Payload) -> bytes:
    """The payload bytes (see the module docstring)."""
    origins: dict[str, int] = {}
    actors: dict[str, int] = {}
    txs: dict[str, int] = {}
    rows: list[list[Any]] = []
    for c in payload.changes:
        oi = origins.setdefault(c.origin, len(origins))
        ai = actors.setdefault(c.actor, len(actors))
        ti = txs.setdefault(c.tx_id, len(txs))
        hlc = c.hlc.rsplit(".", 1)[0] if c.hlc.endswith("." + c.origin) else c.hlc
        rows.append([oi, c.origin_seq, hlc, c.entity, c.record_id, c.op, c.field, c.old_value, c.new_value,
                     ai, _at_text(c.at_utc), ti, c.ctx or None])
    names = sorted(payload.attachments)
    doc = {
        "v": PAYLOAD_VERSION, "origins": list(origins), "actors": list(actors), "txs": list(txs),
        "changes": rows, "attachments": [{"sha256": n, "size": len(payload.attachments[n])} for n in names],
    }
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"".join([PAYLOAD_MAGIC, struct.pack(">Q", len(body)), body, *(payload.attachments[n] for n in names)])


def decode_payload(data: bytes) -> Payload:
    """Parse payload bytes.

    Raises:
        PayloadCorruptError: not a version-1 payload, malformed JSON or records, or an
            attachment whose SHA-256 differs from its name.
    """
    try:
        if not data.startswith(PAYLOAD_MAGIC):
            raise ValueError("payload magic")
        start = len(PAYLOAD_MAGIC) + 8
        (length,) = struct.unpack_from(">Q", data, len(PAYLOAD_MAGIC))
        doc = json.loads(data[start:start + length].decode("utf-8"))
        if doc.get("v") != PAYLOAD_VERSION:
            raise ValueError("payload version")
        origins, actors, txs = doc["origins"], doc["actors"], doc["txs"]
        changes: list[Change] = []
        instants: dict[str, dt.datetime] = {}  # the changes of one transaction share their instant
        for oi, seq, hlc, entity, rid, op, fld, old, new, ai, at, ti, ctx in doc["changes"]:
            origin = origins[oi]
            if not isinstance(seq, int) or seq < 1 or op not in ("insert", "update", "delete"):
                raise ValueError("change record")
            full = hlc if hlc.count(".") >= 2 else f"{hlc}.{origin}"
            instant = instants.get(at)
            if instant is None:
                instant = instants[at] = dt.datetime.fromisoformat(at)
            changes.append(Change(origin, seq, full, entity, rid, op, fld, old, new, actors[ai], instant, txs[ti],
                                  {str(k): int(v) for k, v in ctx.items()} if ctx else {}))
        attachments: dict[str, bytes] = {}
        offset = start + length
        for item in doc["attachments"]:
            blob = data[offset:offset + int(item["size"])]
            offset += int(item["size"])
            if len(blob) != int(item["size"]) or hashlib.sha256(blob).hexdigest() != item["sha256"]:
                raise ValueError("attachment")
            attachments[item["sha256"]] = blob
        if offset != len(data):
            raise ValueError("trailing bytes")
    except (ValueError, KeyError, TypeError, IndexError, struct.error, UnicodeDecodeError, AttributeError) as exc:
        raise PayloadCorruptError(f"payload: {str(exc)[:60]}") from exc
    return Payload(changes, attachments)


# --------------------------------------------------------------------------- attachments


def attachment_path(attachments_dir: Path, sha256: str) -> Path:
    """Where earlier versions kept the clear bytes of an attachment: ``<dir>/<sha256[:2]>/<sha256>``
    (files are now sealed: see :class:`carebook.model.attachment_store.AttachmentStore`)."""
    return attachments_dir / sha256[:2] / sha256


def collect_attachments(changes: Iterable[Change], store: AttachmentStore | None) -> dict[str, bytes]:
    """The decrypted files of the attachments inserted by ``changes`` that are in ``store``
    (SHA-256 hex -> plaintext bytes; the bundle payload is HPKE-encrypted); missing or damaged
    files are skipped (the record still travels)."""
    found: dict[str, bytes] = {}
    if store is None:
        return found
    for c in changes:
        if c.entity != "attachment" or c.op != "insert" or not c.new_value:
            continue
        sha = c.snapshot().get("sha256")
        if not sha or sha in found or not store.has(sha):
            continue
        with contextlib.suppress(CarebookError, OSError):
            found[sha] = store.get(sha)
    return found


def store_attachments(attachments: dict[str, bytes], store: AttachmentStore | None) -> int:
    """Seal received attachment files into ``store`` (content-addressed, so storing one twice
    is harmless); returns how many were new. Each is written to a temporary name, fsynced and
    renamed."""
    if store is None:
        return 0
    written = 0
    for sha, data in attachments.items():
        if store.has(sha):
            continue
        store.put(data, sha256=sha)
        written += 1
    return written

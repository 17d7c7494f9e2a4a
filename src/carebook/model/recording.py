"""Recording every write in the change log, in the same transaction.

A :class:`ChangeRecorder` is attached to a session (``session.info["recorder"]``). Before each
flush it inspects new, changed and deleted records of tracked classes (those with
``__tracked__ = True``), fills in ids and defaults, bumps ``version``, and appends
:class:`~carebook.model.changelog.ChangeLogEntry` rows stamped with the actor, the time, the
origin installation, the next origin sequence number and a hybrid logical clock stamp.

A flush that would change tracked records in a session without a recorder raises
:class:`UnrecordedWriteError`: no write escapes the log. Sync applies remote changes with
``session.info["apply_remote"] = True`` and writes their log rows itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, attributes

from carebook.model import settings as settings_store
from carebook.model.base import new_id, utc_now
from carebook.model.changelog import ChangeLogEntry
from carebook.model.clock import HybridClock, Stamp
from carebook.model.jsonvalues import dumps, to_json_value

HLC_KEY = "hlc_last"
SEQ_KEY = "origin_seq"


class UnrecordedWriteError(RuntimeError):
    """A tracked record was written outside the services (no recorder on the session). A bug."""


@dataclass(frozen=True)
class FieldChange:
    """One recorded change: ``op`` is ``insert``, ``update`` or ``delete``; for updates
    ``field`` names the column and ``old``/``new`` are JSON-compatible values; for inserts
    ``new`` is the whole record as a dict."""

    entity: str
    record_id: str
    op: str
    field: str | None
    old: Any
    new: Any


@dataclass
class WriteResult:
    """What a write service changed: the main record's id and every recorded change.

    Views use it to decide what to refresh (``touches("child")``)."""

    record_id: str | None = None
    changes: list[FieldChange] = field(default_factory=list)

    def touches(self, entity: str) -> bool:
        """True if any change concerns table ``entity``."""
        return any(c.entity == entity for c in self.changes)

    def fields(self, entity: str | None = None) -> list[str]:
        """Names of the updated fields (optionally of one table)."""
        return [c.field for c in self.changes if c.field and (entity is None or c.entity == entity)]


def tracked_columns(obj: Any) -> list[str]:
    """Attribute names of the columns of ``obj`` that the change log records."""
    mapper = inspect(type(obj))
    skip: frozenset[str] = getattr(type(obj), "untracked_columns", frozenset())
    return [a.key for a in mapper.column_attrs if a.key not in skip]


def snapshot(obj: Any) -> dict[str, Any]:
    """The tracked columns of ``obj`` as a JSON-compatible dict."""
    return {key: to_json_value(getattr(obj, key)) for key in tracked_columns(obj)}


def apply_defaults(obj: Any) -> None:
    """Fill ``id`` and column defaults of a new record now, so the log holds its real values."""
    mapper = inspect(type(obj))
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if getattr(obj, attr.key) is not None or column.default is None:
            continue
        default = column.default
        if getattr(default, "is_scalar", False):
            setattr(obj, attr.key, default.arg)
        elif getattr(default, "is_callable", False):
            setattr(obj, attr.key, default.arg(None))
    if getattr(obj, "id", "") is None:
        obj.id = new_id()


class ChangeRecorder:
    """Stamps and records the changes of one session.

    Args:
        installation_id: the origin installation (UUID text).
        actor: the person writing (shown in history).
    """

    def __init__(self, installation_id: str, actor: str) -> None:
        self.installation_id = installation_id
        self.actor = actor
        self.tx_id = str(uuid.uuid4())
        self.changes: list[FieldChange] = []
        self._clock: HybridClock | None = None
        self._next_seq: int | None = None

    def _prepare(self, session: Session) -> None:
        if self._clock is None:
            with session.no_autoflush:
                last = settings_store.get_value(session, HLC_KEY)
                self._next_seq = int(settings_store.get_value(session, SEQ_KEY, 0)) + 1
            self._clock = HybridClock(self.installation_id, Stamp.parse(last) if last else None)

    def entry(
        self, session: Session, entity: str, record_id: str, op: str, field_name: str | None,
        old: Any, new: Any, *, at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Stamp one change and return the ``change_log`` row as a dict (not yet added).

        Used by the flush hook and by bulk paths that insert with Core ``executemany``."""
        self._prepare(session)
        assert self._clock is not None and self._next_seq is not None
        stamp = self._clock.now()
        seq = self._next_seq
        self._next_seq += 1
        self.changes.append(FieldChange(entity, record_id, op, field_name, old, new))
        return {
            "origin": self.installation_id, "origin_seq": seq, "hlc": stamp.text(), "entity": entity,
            "record_id": record_id, "op": op, "field": field_name,
            "old_value": None if op == "insert" else dumps(old),
            "new_value": None if op == "delete" else dumps(new),
            "actor": self.actor, "at_utc": at or utc_now(), "tx_id": self.tx_id,
        }

    def record_inserts(
        self, session: Session, entity: str, records: Sequence[tuple[str, dict[str, Any]]],
    ) -> list[tuple[int, str]]:
        """Stamp one ``insert`` change per ``(record_id, whole record as JSON values)`` of table
        ``entity``, remember them as changes of this session (as :meth:`entry` does), and return
        each one's ``(origin_seq, HLC stamp text)`` in order.

        For bulk paths that write their ``change_log`` rows themselves (the ``new_value`` JSON
        text made in one pass, rows inserted with one ``executemany``); call
        :meth:`persist_counters` afterwards, in the same transaction."""
        self._prepare(session)
        assert self._clock is not None and self._next_seq is not None
        now, seq, changes = self._clock.now, self._next_seq, self.changes
        out: list[tuple[int, str]] = []
        for record_id, values in records:
            out.append((seq, now().text()))
            changes.append(FieldChange(entity, record_id, "insert", None, None, values))
            seq += 1
        self._next_seq = seq
        return out

    def persist_counters(self, session: Session) -> None:
        """Store the clock and sequence counter (called at each flush)."""
        if self._clock is not None and self._next_seq is not None:
            settings_store.set_value(session, HLC_KEY, self._clock.last.text())
            settings_store.set_value(session, SEQ_KEY, self._next_seq - 1)

    def record_flush(self, session: Session) -> None:
        """Record the pending changes of tracked records in ``session`` (the flush hook)."""
        rows: list[dict[str, Any]] = []
        now = utc_now()
        for obj in list(session.new):
            if not getattr(type(obj), "__tracked__", False):
                continue
            apply_defaults(obj)
            obj.created_at = obj.created_at or now
            obj.updated_at = now
            obj.version = 1
            rows.append(self.entry(session, obj.__tablename__, obj.id, "insert", None, None, snapshot(obj), at=now))
        for obj in list(session.dirty):
            if not getattr(type(obj), "__tracked__", False) or not session.is_modified(obj):
                continue
            changed = False
            for key in tracked_columns(obj):
                history = attributes.get_history(obj, key)
                if not history.added and not history.deleted:
                    continue
                old = to_json_value(history.deleted[0]) if history.deleted else None
                new = to_json_value(history.added[0]) if history.added else None
                if old == new:
                    continue
                rows.append(self.entry(session, obj.__tablename__, obj.id, "update", key, old, new, at=now))
                changed = True
            if changed:
                obj.version = (obj.version or 0) + 1
                obj.updated_at = now
        for obj in list(session.deleted):
            if getattr(type(obj), "__tracked__", False):
                rows.append(self.entry(session, obj.__tablename__, obj.id, "delete", None, snapshot(obj), None, at=now))
        for row in rows:
            session.add(ChangeLogEntry(**row))
        if rows:
            self.persist_counters(session)


def attach_recorder(session: Session, installation_id: str, actor: str) -> ChangeRecorder:
    """Attach a new recorder to ``session`` and return it."""
    recorder = ChangeRecorder(installation_id, actor)
    session.info["recorder"] = recorder
    return recorder


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    recorder: ChangeRecorder | None = session.info.get("recorder")
    if recorder is not None:
        recorder.record_flush(session)
        return
    if session.info.get("apply_remote") or session.info.get("no_recording"):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(type(obj), "__tracked__", False) and (obj in session.new or session.is_modified(obj)):
            raise UnrecordedWriteError(
                f"{type(obj).__name__} written without a change recorder: go through a service"
            )


def changes_of(session: Session) -> list[FieldChange]:
    """The changes recorded in ``session`` so far."""
    recorder: ChangeRecorder | None = session.info.get("recorder")
    return list(recorder.changes) if recorder else []


def values_of(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict copy of ``mapping`` (helper for services)."""
    return dict(mapping)

"""Sync bookkeeping tables: per-peer acknowledgement counters, what was received, contexts,
parked records, imported bundles and conflicts (pinned keys and issued enrolments live in the
trust store, :mod:`carebook.sync.trust_store`).

None of these tables is tracked (they are per installation, never sent as changes). The sync
layer (:mod:`carebook.sync`) reads and writes them; the model only declares them so that
Alembic manages them with the rest of the register.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, UTCDateTime


class SyncPeer(Base):
    """对端同步计数: the acknowledgement counters of a pinned peer, with a copy of its role,
    division code, name and public keys (raw 32 bytes in hex) for status screens. ``acked_to`` is the highest position of *this*
    installation's change log that the peer has acknowledged receiving without a gap (it only
    grows); ``received_to`` is the highest position of the *peer's* log received here without a
    gap (what we acknowledge to it).
    """

    __tablename__ = "sync_peer"

    installation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(100))
    signing_public_key: Mapped[str] = mapped_column(String(64))
    encryption_public_key: Mapped[str] = mapped_column(String(64))
    pinned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    enrolment_id: Mapped[str | None] = mapped_column(String(36), default=None)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    acked_to: Mapped[int] = mapped_column(Integer, default=0)
    received_to: Mapped[int] = mapped_column(Integer, default=0)
    last_export_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_import_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class SyncReceivedRange(Base):
    """已收到的区间: a range ``[seq_from, seq_to]`` of a sender's change-log positions covered
    by bundles imported here (ranges of one sender never overlap; adjacent ones are merged)."""

    __tablename__ = "sync_received_range"

    sender_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq_from: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq_to: Mapped[int] = mapped_column(Integer)


class SyncImport(Base):
    """已导入的同步包: one bundle imported here (by bundle id), with what it did."""

    __tablename__ = "sync_import"

    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(36), index=True)
    seq_from: Mapped[int | None] = mapped_column(Integer, default=None)
    seq_to: Mapped[int | None] = mapped_column(Integer, default=None)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)


class SyncChangeContext(Base):
    """变更的因果上下文: for a change received from elsewhere, what its origin had already
    received on the same record group when it made it (JSON object: origin id -> highest origin
    sequence number seen). Only non-empty contexts are stored."""

    __tablename__ = "sync_change_context"

    origin: Mapped[str] = mapped_column(String(36), primary_key=True)
    origin_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    context: Mapped[str] = mapped_column(Text)


class SyncParked(Base):
    """暂缓的记录: a record whose changes arrived but cannot be applied yet (its insert, or a
    record it refers to, has not arrived; or a unique value collides). Retried at each import."""

    __tablename__ = "sync_parked"

    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SyncConflict(Base):
    """同步冲突: two changes made without either side having seen the other — the same field
    edited on two installations (``kind="concurrent_edit"``), or a record edited while another
    installation closed it (``kind="edit_on_closed"``), or a unique value taken twice
    (``kind="duplicate_key"``). Both values are kept (JSON text) with who/when; ``winner`` says
    which one the merge kept (``a`` or ``b``). The supervisor resolves it (``status``
    ``open`` -> ``resolved``) by keeping one value or entering another (``decision``, JSON).
    """

    __tablename__ = "sync_conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str | None] = mapped_column(String(60), default=None)
    a_origin: Mapped[str] = mapped_column(String(36))
    a_origin_seq: Mapped[int] = mapped_column(Integer)
    a_hlc: Mapped[str] = mapped_column(String(64))
    a_field: Mapped[str | None] = mapped_column(String(60), default=None)
    a_value: Mapped[str | None] = mapped_column(Text, default=None)
    a_actor: Mapped[str] = mapped_column(String(60))
    b_origin: Mapped[str] = mapped_column(String(36))
    b_origin_seq: Mapped[int] = mapped_column(Integer)
    b_hlc: Mapped[str] = mapped_column(String(64))
    b_field: Mapped[str | None] = mapped_column(String(60), default=None)
    b_value: Mapped[str | None] = mapped_column(Text, default=None)
    b_actor: Mapped[str] = mapped_column(String(60))
    winner: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(10), default="open")
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(Text, default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(60), default=None)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        UniqueConstraint("a_origin", "a_origin_seq", "b_origin", "b_origin_seq", name="uq_sync_conflict_pair"),
        Index("ix_sync_conflict_status", "status"),
        Index("ix_sync_conflict_record", "entity", "record_id"),
    )

"""The change log: one row per recorded write, the source of history, audit and sync.

An insert is one row with ``op="insert"``, ``field=None`` and the whole record as JSON in
``new_value``; an update is one row per changed field with its old and new value. Rows are
stamped with who, when (UTC), the origin installation, its per-installation sequence number and
a hybrid logical clock stamp (see :mod:`carebook.model.clock`), so field-level
last-writer-wins can be decided anywhere.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, UTCDateTime


class ChangeLogEntry(Base):
    """变更记录: one recorded change of one field (or one whole inserted record).

    Columns: ``seq`` (local order), ``origin`` (installation id that made the change),
    ``origin_seq`` (that installation's sequence number, 1, 2, …), ``hlc`` (sortable text),
    ``entity`` (table name), ``record_id``, ``op`` (``insert`` | ``update`` | ``delete``),
    ``field`` (``None`` for insert/delete), ``old_value`` / ``new_value`` (JSON text), ``actor``
    (the person's name), ``at_utc``, ``tx_id`` (groups the rows of one service call).
    """

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(36))
    origin_seq: Mapped[int] = mapped_column(Integer)
    hlc: Mapped[str] = mapped_column(String(64))  # 13+1+4+1+36 = 55 characters; PostgreSQL enforces it
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8))
    field: Mapped[str | None] = mapped_column(String(60), default=None)
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)
    actor: Mapped[str] = mapped_column(String(60))
    at_utc: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    tx_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (
        UniqueConstraint("origin", "origin_seq", name="uq_change_log_origin_seq"),
        Index("ix_change_log_record", "entity", "record_id"),
    )


class Setting(Base):
    """设置: one local setting (key and JSON value). Settings belong to an installation and are
    not synced; see :class:`carebook.model.settings.RegisterSettings`."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

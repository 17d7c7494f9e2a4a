"""The declarative base, column types and the record mixin shared by every mapped class.

Every record has a UUID (text, so it survives sync between installations and PostgreSQL alike),
UTC creation and update instants, and a version counter that increments on each write. Records
are never hard-deleted by users: children are closed with a reason.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A new record id: a random UUID (RFC 9562 version 4) as 36-character text."""
    return str(uuid.uuid4())


def utc_now() -> dt.datetime:
    """The current instant, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant stored in UTC and read back timezone-aware.

    Naive datetimes are refused (they hide a time zone bug); aware ones are converted to UTC.
    SQLite keeps them as ISO text, PostgreSQL as ``timestamp with time zone``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry a time zone")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        instant: dt.datetime = value
        if instant.tzinfo is None:
            return instant.replace(tzinfo=dt.UTC)
        result: dt.datetime = instant.astimezone(dt.UTC)
        return result


class Base(DeclarativeBase):
    """The declarative base of the register; its metadata holds every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RecordMixin:
    """Columns every synced record has: ``id`` (UUID text), ``created_at``, ``updated_at``
    (UTC instants) and ``version`` (1 on insert, +1 on each write)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    #: Columns the change log does not record (bookkeeping, derived search keys).
    untracked_columns: frozenset[str] = frozenset({"created_at", "updated_at", "version"})

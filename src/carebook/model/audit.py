"""Access audit: opening a mandatory report is itself recorded (查阅记录).

A mandatory report (强制报告) names who reported abuse; reading it is logged in the local table
``audit_event`` (who, when, which installation, what was opened). The table is local and append
only: it is not synced and not part of the change log (reading changes no record), and no
service edits or deletes its rows. The history of *changes* is the change log
(:func:`carebook.model.queries.children.child_history`).

Use :func:`open_report` from a write transaction (``register.write(open_report, report_id)``):
it returns the whole report, confidential reporter included, and writes the event in the same
transaction, so a report is never shown without its event being stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from carebook.model.base import Base, UTCDateTime, new_id, utc_now
from carebook.model.errors import NotFoundError
from carebook.model.jsonvalues import to_json_value
from carebook.model.recording import ChangeRecorder, tracked_columns
from carebook.model.reports import MandatoryReport


class AuditEvent(Base):
    """查阅记录: one access to a sensitive record. Columns: ``id`` (UUID text), ``at_utc``,
    ``actor`` (the person's name), ``installation_id``, ``action`` (``open_report``),
    ``entity`` and ``record_id`` (what was opened)."""

    __tablename__ = "audit_event"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at_utc: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor: Mapped[str] = mapped_column(String(60))
    installation_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_audit_event_record", "entity", "record_id"),)


@dataclass(frozen=True)
class AuditRow:
    """One audit event as plain data (for the app's history view and printing)."""

    at_utc: dt.datetime
    actor: str
    installation_id: str
    action: str
    entity: str
    record_id: str


def record_access(session: Session, action: str, entity: str, record_id: str, *, actor: str | None = None,
                  installation_id: str | None = None) -> AuditEvent:
    """Append an audit event in the caller's transaction. ``actor`` and ``installation_id``
    default to those of the session's change recorder (``Register.writing``)."""
    recorder: ChangeRecorder | None = session.info.get("recorder")
    event = AuditEvent(
        id=new_id(), at_utc=utc_now(), action=action, entity=entity, record_id=record_id,
        actor=actor if actor is not None else (recorder.actor if recorder else ""),
        installation_id=installation_id if installation_id is not None else (recorder.installation_id if recorder else ""),
    )
    session.add(event)
    return event


def open_report(session: Session, report_id: str, *, actor: str | None = None) -> dict[str, Any]:
    """Return every recorded field of the mandatory report ``report_id`` (JSON values, the
    reporter included) and log the access as an ``open_report`` event in the same transaction.

    Raises:
        NotFoundError: no such report (nothing is logged).
    """
    report = session.get(MandatoryReport, report_id)
    if report is None:
        raise NotFoundError(f"找不到强制报告记录 {report_id}", f"No mandatory report {report_id}")
    record_access(session, "open_report", MandatoryReport.__tablename__, report_id, actor=actor)
    values = {key: to_json_value(getattr(report, key)) for key in tracked_columns(report)}
    values["id"] = report.id
    return values


def audit_events(session: Session, *, entity: str | None = None, record_id: str | None = None) -> list[AuditRow]:
    """Audit events, oldest first, optionally of one record."""
    query = select(AuditEvent).order_by(AuditEvent.at_utc, AuditEvent.id)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if record_id is not None:
        query = query.where(AuditEvent.record_id == record_id)
    return [AuditRow(e.at_utc, e.actor, e.installation_id, e.action, e.entity, e.record_id)
            for e in session.scalars(query)]

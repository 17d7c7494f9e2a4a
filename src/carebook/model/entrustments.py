"""Entrustment-guardianship confirmations (委托监护确认书) and their lifecycle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin, UTCDateTime
from carebook.model.enums import EntrustmentReason, EntrustmentStatus
from carebook.model.types import CodeType


class Entrustment(RecordMixin, Base):
    """委托监护确认书: parents who work away entrust a capable adult with the care of the child
    (Minors Protection Law 2020, arts. 22-23).

    ``status`` stores the written states (drafted, printed, signed, renewed, cancelled);
    *expiring* and *expired* follow from ``period_to`` and the settings, see
    :func:`carebook.model.services.entrustments.effective_status`. ``document_no`` is printed in
    the footer and the QR code so a signed scan can be matched back.
    """

    __tablename__ = "entrustment"
    __tracked__ = True

    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    document_no: Mapped[str] = mapped_column(String(40), unique=True)
    reason: Mapped[EntrustmentReason] = mapped_column(CodeType(EntrustmentReason))
    guardian_id: Mapped[str | None] = mapped_column(ForeignKey("family_member.id"), default=None)
    parent_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[EntrustmentStatus] = mapped_column(CodeType(EntrustmentStatus), default=EntrustmentStatus.DRAFTED)
    printed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    signed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    signatories: Mapped[list[str]] = mapped_column(JSON, default=list)
    scan_attachment_id: Mapped[str | None] = mapped_column(ForeignKey("attachment.id"), default=None)
    renews_id: Mapped[str | None] = mapped_column(ForeignKey("entrustment.id"), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)

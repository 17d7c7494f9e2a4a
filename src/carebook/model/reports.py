"""Mandatory reports (强制报告) to the police, and referrals (转介) to other agencies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin, UTCDateTime
from carebook.model.enums import ReferralAgency, ReferralStatus, ReportStatus
from carebook.model.types import CodeType


class MandatoryReport(RecordMixin, Base):
    """强制报告: a situation the village committee must report to the police at once (2020
    nine-department opinion). ``situations`` holds :class:`~carebook.model.enums.ReportSituation`
    codes. The reporter's identity is confidential: it is shown only to those who open the
    report, and opening a report is itself logged."""

    __tablename__ = "mandatory_report"
    __tracked__ = True

    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    situations: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    reporter_name: Mapped[str | None] = mapped_column(String(40), default=None)
    police_station: Mapped[str | None] = mapped_column(String(100), default=None)
    officer: Mapped[str | None] = mapped_column(String(40), default=None)
    case_number: Mapped[str | None] = mapped_column(String(60), default=None)
    actions: Mapped[str | None] = mapped_column(Text, default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[ReportStatus] = mapped_column(CodeType(ReportStatus), default=ReportStatus.OPEN)


class Referral(RecordMixin, Base):
    """转介: a referral of a child to an agency (education, police, civil affairs, disabled
    persons' federation, justice, youth league 12355, women's federation, social
    organisations), with status and outcome."""

    __tablename__ = "referral"
    __tracked__ = True

    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    report_id: Mapped[str | None] = mapped_column(ForeignKey("mandatory_report.id"), default=None)
    agency: Mapped[ReferralAgency] = mapped_column(CodeType(ReferralAgency))
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    referred_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    status: Mapped[ReferralStatus] = mapped_column(CodeType(ReferralStatus), default=ReferralStatus.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)

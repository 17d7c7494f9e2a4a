"""Use cases of mandatory reports (强制报告) and referrals (转介)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.base import utc_now
from carebook.model.children import Child
from carebook.model.enums import ReferralAgency, ReferralStatus, ReportSituation, ReportStatus
from carebook.model.errors import NotFoundError, ValidationError
from carebook.model.recording import WriteResult, changes_of
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.services.children import find_child
from carebook.model.validation import clean_date, clean_name, clean_text

_REPORT_TEXT = ("description", "police_station", "officer", "case_number", "actions", "outcome")


def _instant(value: Any, field: str, now: dt.datetime) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        instant = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    elif isinstance(value, dt.date):
        instant = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    else:
        try:
            instant = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationError.single(field, "时间应写成 年-月-日 时:分", "a time must be YYYY-MM-DD HH:MM") from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=dt.UTC)
    if instant > now + dt.timedelta(minutes=5):
        raise ValidationError.single(field, "时间不能晚于现在，请检查电脑时钟", "the time cannot be in the future")
    return instant


def _apply_report_values(report: MandatoryReport, values: Mapping[str, Any], now: dt.datetime) -> None:
    for key, raw in values.items():
        if key == "situations":
            items = raw if isinstance(raw, list | tuple) else [p for p in str(raw or "").replace("、", ",").split(",")]
            report.situations = [ReportSituation.parse(str(i).strip(), "situations").code for i in items if str(i).strip()]
        elif key in ("found_at", "reported_at"):
            setattr(report, key, _instant(raw, key, now))
        elif key == "reporter_name":
            report.reporter_name = clean_name(raw, key)
        elif key == "status":
            report.status = ReportStatus.parse(raw, key)
        elif key in _REPORT_TEXT:
            setattr(report, key, clean_text(raw, max_length=4000, field=key))
        else:
            raise ValidationError.single(key, f"强制报告没有“{key}”这一项", f"a report has no field '{key}'")


def create_report(session: Session, child_ref: str, values: Mapping[str, Any]) -> WriteResult:
    """Record a mandatory report for a child: ``situations`` (at least one
    :class:`~carebook.model.enums.ReportSituation`), ``found_at`` (default now), optionally
    ``reported_at``, ``reporter_name`` (confidential), ``police_station``, ``officer``,
    ``case_number``, ``description``, ``actions``, ``outcome``, ``status``.

    Raises:
        NotFoundError: no such child.
        ValidationError: no situation, unknown situation, times in the future.
    """
    now = utc_now()
    child = find_child(session, child_ref)
    report = MandatoryReport(child_id=child.id, found_at=now, status=ReportStatus.OPEN, situations=[])
    _apply_report_values(report, values, now)
    if not report.situations:
        raise ValidationError.single("situations", "请至少选择一种需要报告的情形", "choose at least one situation")
    if report.reported_at and report.status is ReportStatus.OPEN:
        report.status = ReportStatus.REPORTED
    session.add(report)
    session.flush()
    return WriteResult(report.id, changes_of(session))


def update_report(session: Session, report_id: str, values: Mapping[str, Any]) -> WriteResult:
    """Change fields of a report (see :func:`create_report`).

    Raises:
        NotFoundError: no such report.
        ValidationError: a bad field.
    """
    report = session.get(MandatoryReport, report_id)
    if report is None:
        raise NotFoundError("找不到这条强制报告记录", "no such mandatory report")
    _apply_report_values(report, values, utc_now())
    session.flush()
    return WriteResult(report.id, changes_of(session))


def create_referral(
    session: Session, child_ref: str, *, agency: ReferralAgency | str, reason: str | None = None,
    referred_on: dt.date | str | None = None, report_id: str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Refer a child to an agency.

    Raises:
        NotFoundError: no such child or report.
        ValidationError: unknown agency or a future date.
    """
    today = today or dt.date.today()
    child = find_child(session, child_ref)
    if report_id and session.get(MandatoryReport, report_id) is None:
        raise NotFoundError("找不到对应的强制报告", "no such mandatory report")
    on = clean_date(referred_on, "referred_on", today=today, label_zh="转介日期", label_en="referral date")
    referral = Referral(child_id=child.id, report_id=report_id, agency=ReferralAgency.parse(agency, "agency"),
                        reason=clean_text(reason, max_length=4000, field="reason"), referred_on=on,
                        status=ReferralStatus.REFERRED if on else ReferralStatus.OPEN)
    session.add(referral)
    session.flush()
    return WriteResult(referral.id, changes_of(session))


def update_referral(
    session: Session, referral_id: str, *, status: ReferralStatus | str | None = None,
    outcome: str | None = None, closed_on: dt.date | str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Change a referral's status, outcome or closing date.

    Raises:
        NotFoundError: no such referral.
        ValidationError: unknown status or a future date.
    """
    today = today or dt.date.today()
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFoundError("找不到这条转介记录", "no such referral")
    if status is not None:
        referral.status = ReferralStatus.parse(status, "status")
    if outcome is not None:
        referral.outcome = clean_text(outcome, max_length=4000, field="outcome")
    if closed_on is not None:
        referral.closed_on = clean_date(closed_on, "closed_on", today=today)
    session.flush()
    return WriteResult(referral.id, changes_of(session))


@dataclass(frozen=True)
class ReportRow:
    """A mandatory report as listed (without the confidential reporter)."""

    id: str
    child_id: str
    child_name: str
    situations: tuple[str, ...]
    found_at: dt.datetime
    reported_at: dt.datetime | None
    police_station: str | None
    case_number: str | None
    status: str


@dataclass(frozen=True)
class ReferralRow:
    """A referral as listed."""

    id: str
    child_id: str
    child_name: str
    agency: str
    referred_on: dt.date | None
    status: str
    outcome: str | None


def report_rows(session: Session, *, open_only: bool = False, child_id: str | None = None) -> list[ReportRow]:
    """Mandatory reports, newest first (the reporter's name is not included)."""
    stmt = select(MandatoryReport, Child.name).join(Child, Child.id == MandatoryReport.child_id)
    if open_only:
        stmt = stmt.where(MandatoryReport.status != ReportStatus.CLOSED)
    if child_id:
        stmt = stmt.where(MandatoryReport.child_id == child_id)
    return [ReportRow(r.id, r.child_id, name, tuple(r.situations or ()), r.found_at, r.reported_at,
                      r.police_station, r.case_number, r.status.code)
            for r, name in session.execute(stmt.order_by(MandatoryReport.found_at.desc()))]


def referral_rows(session: Session, *, open_only: bool = False, child_id: str | None = None) -> list[ReferralRow]:
    """Referrals, newest first."""
    stmt = select(Referral, Child.name).join(Child, Child.id == Referral.child_id)
    if open_only:
        stmt = stmt.where(Referral.status.not_in([ReferralStatus.DONE, ReferralStatus.DECLINED]))
    if child_id:
        stmt = stmt.where(Referral.child_id == child_id)
    return [ReferralRow(r.id, r.child_id, name, r.agency.code, r.referred_on, r.status.code, r.outcome)
            for r, name in session.execute(stmt.order_by(Referral.created_at.desc()))]

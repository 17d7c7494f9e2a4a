"""Read queries for the desktop app's lists: the records of one child's file (assistance,
entrustments, reports and referrals, attachments), the open reports and referrals, the
register rows, the actor's name and the sync status line.

Plain frozen dataclasses out; codes, not enum objects, except where a label is precomputed.
Written for the desktop (issue 3); other callers are welcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.attachments import Attachment
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.enums import EntrustmentStatus, ReferralStatus, ReportStatus
from carebook.model.i18n import msg
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.settings import load_settings


@dataclass(frozen=True)
class AssistanceLine:
    """One assistance record: kind code, start and end month (YYYY-MM), yuan per month."""

    id: str
    kind: str
    start_month: str | None
    end_month: str | None
    amount_yuan: Decimal | None
    notes: str | None


@dataclass(frozen=True)
class EntrustmentLine:
    """One entrustment confirmation: guardian's name, period, effective status code
    (``expiring``/``expired`` computed from the period and the settings)."""

    id: str
    child_id: str
    child_name: str
    document_no: str
    guardian_name: str | None
    period_from: dt.date
    period_to: dt.date
    status: str


@dataclass(frozen=True)
class ReportLine:
    """A mandatory report or a referral, as one line: kind label, date, to whom, status label."""

    id: str
    child_id: str
    child_name: str
    kind_label: str
    day: dt.date | None
    to: str
    status_label: str
    open: bool


@dataclass(frozen=True)
class AttachmentLine:
    """An attachment: file name, what it belongs to (label), when it was added."""

    id: str
    filename: str
    owner_label: str
    added: dt.datetime | None


@dataclass(frozen=True)
class ChildRecords:
    """The list records of one child's file."""

    assistance: list[AssistanceLine]
    entrustments: list[EntrustmentLine]
    reports: list[ReportLine]
    attachments: list[AttachmentLine]


def effective_entrustment_status(e: Entrustment, today: dt.date, expiring_days: int) -> str:
    """The status code shown: a signed or renewed confirmation becomes ``expiring`` within
    ``expiring_days`` of its end and ``expired`` after it (DOMAIN.md, issue 4)."""
    status = e.status
    if status in (EntrustmentStatus.SIGNED, EntrustmentStatus.RENEWED):
        if e.period_to < today:
            return EntrustmentStatus.EXPIRED.code
        if e.period_to <= today + dt.timedelta(days=expiring_days):
            return EntrustmentStatus.EXPIRING.code
    return status.code


def _entrustment_lines(session: Session, stmt: Any, today: dt.date) -> list[EntrustmentLine]:
    from carebook.model.services.entrustments import guardian_names_as_printed

    days = load_settings(session).entrustment_expiring_days
    found: list[tuple[Any, str, str | None]] = [(e, c, g) for e, c, g in session.execute(stmt)]
    printed = guardian_names_as_printed(session, [r[0] for r in found])
    out = []
    for e, child_name, guardian_name in found:
        out.append(EntrustmentLine(e.id, e.child_id, child_name, e.document_no, printed.get(e.id, guardian_name),
                                   e.period_from, e.period_to, effective_entrustment_status(e, today, days)))
    return out


def _entrustment_select() -> Any:
    return (select(Entrustment, Child.name, FamilyMember.name)
            .join(Child, Child.id == Entrustment.child_id)
            .outerjoin(FamilyMember, FamilyMember.id == Entrustment.guardian_id))


def _report_lines(session: Session, child_id: str | None) -> list[ReportLine]:
    out: list[ReportLine] = []
    reports = select(MandatoryReport, Child.name).join(Child, Child.id == MandatoryReport.child_id)
    referrals = select(Referral, Child.name).join(Child, Child.id == Referral.child_id)
    if child_id is not None:
        reports = reports.where(MandatoryReport.child_id == child_id)
        referrals = referrals.where(Referral.child_id == child_id)
    for r, name in session.execute(reports.order_by(MandatoryReport.found_at.desc())):
        day = (r.reported_at or r.found_at).date() if (r.reported_at or r.found_at) else None
        out.append(ReportLine(r.id, r.child_id, name, msg("强制报告", "mandatory report"), day,
                              r.police_station or "", r.status.label, r.status is not ReportStatus.CLOSED))
    for f, name in session.execute(referrals.order_by(Referral.referred_on.desc())):
        out.append(ReportLine(f.id, f.child_id, name, msg("转介", "referral"), f.referred_on, f.agency.label,
                              f.status.label,
                              f.status not in (ReferralStatus.DONE, ReferralStatus.DECLINED)))
    return out


def child_records(session: Session, child_id: str, *, today: dt.date | None = None) -> ChildRecords:
    """The assistance, entrustments, reports and referrals, and attachments of one child."""
    today = today or dt.date.today()
    assistance = [
        AssistanceLine(a.id, a.kind.code, a.start_month, a.end_month, a.amount_yuan, a.notes)
        for a in session.scalars(select(AssistanceRecord).where(AssistanceRecord.child_id == child_id)
                                 .order_by(AssistanceRecord.start_month, AssistanceRecord.id))
    ]
    entrustments = _entrustment_lines(
        session, _entrustment_select().where(Entrustment.child_id == child_id)
        .order_by(Entrustment.period_from.desc()), today)
    owners = {"visit": msg("走访记录", "visit"), "entrustment": msg("委托监护确认书", "entrustment"),
              "child": msg("儿童档案", "child file"), "mandatory_report": msg("强制报告", "report")}
    attachments = [
        AttachmentLine(a.id, a.filename, owners.get(a.owner_entity, a.owner_entity), a.created_at)
        for a in session.scalars(select(Attachment).where(Attachment.child_id == child_id)
                                 .order_by(Attachment.created_at))
    ]
    return ChildRecords(assistance, entrustments, _report_lines(session, child_id), attachments)


def open_reports(session: Session) -> list[ReportLine]:
    """Mandatory reports not closed and referrals not done or declined, for every child."""
    return [r for r in _report_lines(session, None) if r.open]


def actor_name(session: Session) -> str | None:
    """The name recorded as the author of changes on this PC (the child director)."""
    from carebook.model.installation import ACTOR_KEY

    value = settings_store.get_value(session, ACTOR_KEY)
    return str(value) if value else None


def sync_status(session: Session, installation_id: str) -> tuple[str | None, int]:
    """For the status bar: the last bundle exchanged with a peer (text such as
    ``2026-11-29 10:05 导出给 幸福镇``; None when none yet) and the number of changes made here
    that no active peer has acknowledged (change-log positions after the smallest
    ``SyncPeer.acked_to``; all local changes before the first exchange)."""
    from sqlalchemy import func

    from carebook.model.changelog import ChangeLogEntry
    from carebook.model.sync_state import SyncPeer

    peers = list(session.scalars(select(SyncPeer).where(SyncPeer.retired.is_(False))))
    acked = min((p.acked_to for p in peers), default=0)
    pending = int(session.scalar(select(func.count()).select_from(ChangeLogEntry).where(
        ChangeLogEntry.origin == installation_id, ChangeLogEntry.seq > acked)) or 0)
    events: list[tuple[dt.datetime, str]] = []
    for p in peers:
        if p.last_export_at:
            events.append((p.last_export_at, msg(f"导出给 {p.name}", f"sent to {p.name}")))
        if p.last_import_at:
            events.append((p.last_import_at, msg(f"收到 {p.name}", f"received from {p.name}")))
    if not events:
        return None, pending
    when, what = max(events)
    local = when.astimezone() if when.tzinfo else when
    return f"{local:%Y-%m-%d %H:%M} {what}", pending


def register_rows(session: Session, ids: list[str], *, today: dt.date | None = None) -> list[Any]:
    """The register rows (:class:`~carebook.model.queries.rows.ChildRow`) of ``ids``, in that
    order: the same rows as :func:`carebook.model.queries.children.child_rows`, read with one
    column query per 500 ids instead of loading ORM objects (about 5x less Python work, which
    the desktop's worker shares the interpreter lock for with the GUI thread)."""
    from sqlalchemy import and_
    from sqlalchemy.orm import aliased

    from carebook.model.organisation import OrgUnit
    from carebook.model.queries.rows import ChildRow
    from carebook.model.validation import age_on

    if not ids:
        return []
    today = today or dt.date.today()
    guardian = aliased(FamilyMember)
    found: dict[str, ChildRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = (
            select(Child.id, Child.name, Child.sex, Child.date_of_birth, Child.id_number, OrgUnit.code,
                   OrgUnit.name, Child.categories, Child.risk_colour, guardian.name, Child.last_visit_date,
                   Child.next_visit_due, Child.closed_reason)
            .join(OrgUnit, OrgUnit.id == Child.village_id)
            .outerjoin(guardian, and_(guardian.child_id == Child.id, guardian.is_entrusted_guardian.is_(True)))
            .where(Child.id.in_(chunk))
        )
        for (cid, name, sex, born, number, vcode, vname, cats, risk, gname, last, due,
             closed) in session.execute(stmt):
            if cid in found:
                continue
            categories = tuple(cats or ())
            found[cid] = ChildRow(
                id=cid, name=name, sex=sex.code, date_of_birth=born, age=age_on(born, today), id_number=number,
                village_code=vcode, village_name=vname, categories=categories,
                risk_colour=risk.code if risk else None, key_child="key_child" in categories,
                guardian_name=gname, last_visit_date=last, next_visit_due=due,
                overdue=bool(closed is None and due and due < today), closed=closed is not None,
                closed_reason=closed.code if closed else None,
            )
    return [found[i] for i in ids if i in found]

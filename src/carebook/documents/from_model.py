"""Fill the forms' plain data (:mod:`carebook.documents.form_data`) from the register.

Every builder takes an open SQLAlchemy ``Session`` (read only: nothing is written) and a child
reference (record id or ID number, any accepted spelling), and returns frozen dataclasses with
display text in Chinese (forms are printed in Chinese whatever the interface language). Lookups
go through the model's services (``find_child``, ``members_of``, ``get_entrustment``).

Raises (all builders): :class:`carebook.model.errors.NotFoundError` for an unknown child,
visit, report or confirmation; :class:`~carebook.model.errors.ValidationError` when a form
cannot be filled (e.g. no entrusted guardian recorded).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.documents import child_file, entrustment, visit_sheet
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import (
    AssistanceItem,
    ChildFileData,
    ChildSummary,
    DocumentKind,
    DocumentRef,
    EntrustmentFormData,
    EntrustmentReason,
    FollowUp,
    PersonInfo,
    Referral,
    ReportRecordData,
    RosterData,
    RosterRow,
    VisitRecord,
    VisitSheetData,
)
from carebook.documents.report_record import SITUATION_TEXT
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.enums import (
    AssistanceType,
    Category,
    EntrustmentStatus,
    GuardianshipQuality,
    HealthStatus,
    IncomeSource,
    ReferralAgency,
    ReferralStatus,
    ReportStatus,
    RiskColour,
    SchoolingStage,
    Sex,
    StaffRole,
    VisitMethod,
)
from carebook.model.errors import NotFoundError, ValidationError
from carebook.model.ethnic import ethnic_group_name
from carebook.model.organisation import OrgUnit
from carebook.model.queries.rows import ChildRow
from carebook.model.register import Register
from carebook.model.reports import MandatoryReport
from carebook.model.reports import Referral as ModelReferral
from carebook.model.services.children import find_child
from carebook.model.services.derived import members_of
from carebook.model.services.entrustments import (
    EntrustmentExpiredError,
    NoEntrustmentError,
    SignedEntrustmentChangedError,
    changed_since_signing,
    effective_status,
    get_entrustment,
    printed_date,
    reason_from_facts,
)
from carebook.model.settings import load_settings
from carebook.model.staff import Staff
from carebook.model.visits import Visit

# A parent who cannot care for the child (无监护能力) for the confirmation's 委托事由: ill,
# disabled, detained, missing, dead, guardianship revoked or deported (DOMAIN.md). At home,
# divorced and not caring, unknown or not recorded give no reason.
_METHODS = {VisitMethod.HOME: "入户", VisitMethod.PHONE: "电话", VisitMethod.SCHOOL: "学校"}


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _org_chain(session: Session, unit_id: str | None) -> list[OrgUnit]:
    """The org unit and its parents, nearest first (village, township, county, …)."""
    out: list[OrgUnit] = []
    while unit_id and len(out) < 6:
        unit = session.get(OrgUnit, unit_id)
        if unit is None:
            break
        out.append(unit)
        unit_id = unit.parent_id
    return out


def committee_name(village: str) -> str:
    """``向阳村`` -> ``向阳村村民委员会``; ``东风社区`` -> ``东风社区居民委员会``."""
    if not village or village.endswith("委员会"):
        return village
    return village + ("居民委员会" if village.endswith(("社区", "居委会")) else "村民委员会")


def child_director(session: Session, village_id: str | None, on: dt.date | None = None) -> Staff | None:
    """The child director (儿童主任) in office for a village on a date (default today), if any."""
    if not village_id:
        return None
    on = on or dt.date.today()
    staff = session.scalars(
        select(Staff).where(Staff.role == StaffRole.CHILD_DIRECTOR).order_by(Staff.appointed_on.desc())
    )
    for s in staff:
        if s.org_unit_id != village_id and village_id not in (s.covered_org_ids or []):
            continue
        if s.ended_on is not None and s.ended_on < on:
            continue
        return s
    return None


def child_summary(session: Session, child: Child) -> ChildSummary:
    """The child's identity block."""
    chain = _org_chain(session, child.village_id)
    names = [u.name for u in chain]
    school = " ".join(x for x in (child.school_name, child.school_grade) if x)
    if not school and child.schooling_stage is not None:
        school = SchoolingStage(child.schooling_stage).zh
    return ChildSummary(
        record_id=child.id,
        name=child.name,
        sex=child.sex.zh if child.sex else "",
        date_of_birth=child.date_of_birth,
        id_number=_s(child.id_number),
        ethnic_group=ethnic_group_name(child.ethnic_group),
        registered_address=_s(child.registered_address),
        current_address=_s(child.current_address or child.registered_address),
        school=school,
        categories=tuple(Category(c).zh for c in child.categories or ()),
        village=names[0] if names else "",
        township=names[1] if len(names) > 1 else "",
        county=names[2] if len(names) > 2 else "",
    )


def person(member: FamilyMember) -> PersonInfo:
    """A family member as printed."""
    return PersonInfo(
        name=_s(member.name),
        relation=member.relation.zh if member.relation else "",
        id_number=_s(member.id_number),
        phone=_s(member.phone),
        address=_s(member.address),
        workplace=_s(member.work_place),
        status=member.status.zh if member.status else "",
        date_of_birth=member.date_of_birth,
        health=_s(member.health),
    )


def _parents(members: Sequence[FamilyMember]) -> tuple[PersonInfo, ...]:
    return tuple(
        person(m) for m in members if m.relation.is_parent and not m.is_entrusted_guardian and m.name
    )


def _form_reason(members: Sequence[FamilyMember]) -> EntrustmentReason | None:
    """The reason box to tick: :func:`~carebook.model.services.entrustments.reason_from_facts`
    of the parents' recorded situation, or None (every box left empty)."""
    reason = reason_from_facts(members)
    return None if reason is None else EntrustmentReason(reason.code)


def _guardian(members: Sequence[FamilyMember]) -> FamilyMember | None:
    return next((m for m in members if m.is_entrusted_guardian), None)




def latest_entrustment(session: Session, child_id: str) -> Entrustment | None:
    """The child's most recent confirmation that is not cancelled, or None."""
    return session.scalars(
        select(Entrustment)
        .where(Entrustment.child_id == child_id, Entrustment.status != EntrustmentStatus.CANCELLED)
        .order_by(Entrustment.period_from.desc(), Entrustment.created_at.desc())
    ).first()


def entrustment_data(
    session: Session,
    child_ref: str | None = None,
    *,
    entrustment_ref: str | None = None,
    today: dt.date | None = None,
) -> EntrustmentFormData:
    """The confirmation of a child (its latest one not cancelled), or the one given by record
    id or document number. The document id printed is the confirmation's ``document_no``.

    A printed or signed confirmation prints what was printed or nothing: when what it shows
    changed after it was printed (:func:`~carebook.model.services.entrustments.changed_since_signing`),
    it is refused, as is one whose period has ended.

    Raises:
        NotFoundError: unknown child, or the child has no confirmation yet (draft one first).
        ValidationError: the confirmation's entrusted guardian is missing.
        SignedEntrustmentChangedError: printed or signed, and its content changed since (draft a
            new one).
        EntrustmentExpiredError: its period has ended (draft a renewal).
    """
    today = today or dt.date.today()
    if entrustment_ref:
        ent = get_entrustment(session, entrustment_ref)
        child = find_child(session, ent.child_id)
    else:
        child = find_child(session, child_ref or "")
        found = latest_entrustment(session, child.id)
        if found is None:
            raise NoEntrustmentError(child.name)
        ent = found
    members = members_of(session, child.id)
    by_id = {m.id: m for m in members}
    guardian = by_id.get(ent.guardian_id or "") or _guardian(members)
    if guardian is None or not guardian.name:
        raise ValidationError.single(
            "guardian.name", "请先在档案中填写受委托监护人", "record the entrusted guardian first"
        )
    if effective_status(ent, today, load_settings(session)) is EntrustmentStatus.EXPIRED:
        raise EntrustmentExpiredError(ent.document_no, ent.period_to)
    parent_members = [by_id[i] for i in ent.parent_ids if i in by_id]
    changed = changed_since_signing(session, ent, by_id.get(ent.guardian_id or ""), parent_members)
    if changed:  # (QA: the same number printed with another guardian than the one who signed)
        raise SignedEntrustmentChangedError(ent.document_no, printed_date(ent), changed,
                                            signed=ent.status is EntrustmentStatus.SIGNED)
    parents = tuple(person(m) for m in parent_members) or _parents(members)
    director = child_director(session, child.village_id, today)
    summary = child_summary(session, child)
    return EntrustmentFormData(
        ref=DocumentRef(DocumentKind.ENTRUSTMENT, ent.document_no, child.id, ent.version, today),
        child=summary,
        parents=parents,
        guardian=person(guardian),
        # the reason the facts give now, not the one guessed at drafting (issue: a false 委托事由)
        reason=_form_reason(members),  # the facts at print time, never a guess
        period_from=ent.period_from,
        period_to=ent.period_to,
        reason_note="",
        village_committee=committee_name(summary.village),
        child_director=director.name if director else "",
        child_director_phone=_s(director.phone) if director else "",
    )


def is_key_child(child: Child) -> bool:
    """重点儿童 as the register means it: the category computed from the facts
    (:func:`carebook.model.categories.compute_categories`, which counts the director's own
    marking among them), or that marking itself. The forms' 是/否 boxes follow this, so they
    agree with the 儿童类别 printed beside them."""
    return bool(child.key_child) or any(Category(c) is Category.KEY_CHILD for c in child.categories or ())


def visit_record(visit: Visit, *, key_child: bool = False) -> VisitRecord:
    """A recorded visit as printed. ``key_child``: the child is already a key child
    (:func:`is_key_child`): 列为重点儿童 is then ticked 是 even if this visit did not mark it."""
    at: dt.date | None = visit.visit_date  # the day alone when no time was recorded (never "00:00")
    if visit.visit_date and visit.visit_time and ":" in visit.visit_time:
        h, m = visit.visit_time.split(":", 1)
        at = dt.datetime(visit.visit_date.year, visit.visit_date.month, visit.visit_date.day, int(h or 0), int(m or 0))
    return VisitRecord(
        visited_at=at,
        method=_METHODS.get(VisitMethod(visit.method), "其他") if visit.method else "",
        place=_s(visit.place),
        visitors=_s(visit.visitor_name),
        interviewee=_s(visit.interviewee_name),
        interviewee_relation=visit.interviewee_relation.zh if visit.interviewee_relation else "",
        last_parent_contact=f"{visit.last_parent_contact:%Y年%m月%d日}" if visit.last_parent_contact else "",
        living_conditions=_s(visit.living_conditions),
        family_situation=_s(visit.family_situation),
        guardianship=_s(visit.guardianship_situation),
        mental_state=_s(visit.mental_state),
        schooling=_s(visit.schooling_situation),
        health=_s(visit.health_situation),
        guardian_opinion=_s(visit.guardian_opinion),
        actions=_s(visit.actions),
        suggested_help=_s(visit.suggested_help),
        mark_key_child=bool(visit.mark_key_child) or key_child,
        next_visit_on=visit.next_visit_date,
    )


def visit_sheet_data(
    session: Session, child_ref: str, visit_ref: str | None = None, *, today: dt.date | None = None
) -> VisitSheetData:
    """The visit sheet of a child: filled from ``visit_ref`` (a visit record id of this child),
    or blank for field use (a fresh document id each time).

    Raises:
        NotFoundError: unknown child, or no such visit of this child.
    """
    today = today or dt.date.today()
    child = find_child(session, child_ref)
    members = members_of(session, child.id)
    record = None
    if visit_ref:
        visit = session.get(Visit, visit_ref)
        if visit is None or visit.child_id != child.id:
            raise NotFoundError(
                f"找不到“{child.name}”的走访记录“{visit_ref}”", f"no visit '{visit_ref}' of {child.name}"
            )
        record = visit_record(visit, key_child=is_key_child(child))
        ref = DocumentRef(DocumentKind.VISIT_SHEET, visit.id, child.id, visit.version, today)
    else:
        ref = DocumentRef(DocumentKind.VISIT_SHEET, str(uuid.uuid4()), child.id, child.version, today)
    guardian = _guardian(members)
    director = child_director(session, child.village_id, today)
    return VisitSheetData(
        ref=ref,
        child=child_summary(session, child),
        guardian=person(guardian) if guardian else None,
        parents=_parents(members),
        visit=record,
        child_director=director.name if director else "",
    )


def _month(text: str | None) -> str:
    if not text or len(text) < 7:
        return _s(text)
    return f"{int(text[:4])}年{int(text[5:7])}月"


#: The longest visit summary the child file's 近期走访 table prints, in characters (a row of a
#: table cannot run over a page; the whole visit is on its own visit sheet).
SUMMARY_CHARS = 150


def _summary_text(text: str) -> str:
    """``text`` cut to :data:`SUMMARY_CHARS` characters, ending in "……" when cut."""
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "……"


def child_file_data(session: Session, child_ref: str, *, today: dt.date | None = None) -> ChildFileData:
    """The child file cover and summary. The document id is the child's record id.

    Raises:
        NotFoundError: unknown child.
    """
    today = today or dt.date.today()
    child = find_child(session, child_ref)
    members = members_of(session, child.id)
    guardian = _guardian(members)
    grandparents = tuple(
        person(m) for m in members if m.relation.is_grandparent and not m.is_entrusted_guardian
    )
    assistance = tuple(
        AssistanceItem(
            AssistanceType(a.kind).zh,
            _month(a.start_month),
            f"{a.amount_yuan}元/月" if a.amount_yuan is not None else "",
        )
        for a in session.scalars(
            select(AssistanceRecord)
            .where(AssistanceRecord.child_id == child.id)
            .order_by(AssistanceRecord.start_month)
        )
    )
    visits = session.scalars(
        select(Visit).where(Visit.child_id == child.id).order_by(Visit.visit_date.desc()).limit(6)
    )
    recent = tuple(
        (v.visit_date, _s(v.visitor_name), _summary_text(_s(v.outcome or v.guardianship_situation or v.actions)))
        for v in visits
    )
    ent = latest_entrustment(session, child.id)
    ent_text = ""
    if ent is not None:
        status = effective_status(ent, today, load_settings(session))
        ent_text = f"{status.zh}（{ent.period_from:%Y年%m月%d日}至{ent.period_to:%Y年%m月%d日}，编号 {ent.document_no}）"
    disability = ""
    if child.disability_category is not None:
        grade = f"{child.disability_grade.zh}" if child.disability_grade else ""
        disability = f"{child.disability_category.zh}{grade} {_s(child.disability_certificate)}".strip()
    health = HealthStatus(child.health_status).zh if child.health_status else ""
    if child.illness_name:
        health = f"{health}（{child.illness_name}）" if health else child.illness_name
    director = child_director(session, child.village_id, today)
    summary = child_summary(session, child)
    return ChildFileData(
        ref=DocumentRef(DocumentKind.CHILD_FILE, child.id, child.id, child.version, today),
        child=summary,
        parents=_parents(members),
        guardian=person(guardian) if guardian else None,
        grandparents=grandparents,
        lives_with=_s(child.living_with),
        guardianship_assessment=GuardianshipQuality(child.guardianship_quality).zh
        if child.guardianship_quality
        else "",
        health=health,
        disability=disability,
        risk_colour=RiskColour(child.risk_colour).zh if child.risk_colour else "",
        key_child=is_key_child(child),
        income_sources=tuple(IncomeSource(s).zh for s in child.income_sources or ()),
        assistance=assistance,
        service_plan=_s(child.service_plan),
        entrustment_status=ent_text or "无",
        recent_visits=recent,
        opened_on=child.created_at.date() if child.created_at else None,
        child_director=director.name if director else "",
        file_number=f"{summary.village}-{child.id[:8].upper()}",
    )


def report_record_data(
    session: Session, report_ref: str, *, today: dt.date | None = None
) -> ReportRecordData:
    """A mandatory report record by its record id (the document id).

    Raises:
        NotFoundError: no such report.
    """
    today = today or dt.date.today()
    report = session.get(MandatoryReport, report_ref)
    if report is None:
        raise NotFoundError(f"找不到强制报告记录“{report_ref}”", f"no mandatory report '{report_ref}'")
    child = find_child(session, report.child_id)
    referrals = session.scalars(select(ModelReferral).where(ModelReferral.report_id == report.id))
    follow = [FollowUp(None, report.actions)] if report.actions else []
    local = {
        "found_at": report.found_at.astimezone() if report.found_at else None,
        "reported_at": report.reported_at.astimezone() if report.reported_at else None,
    }
    return ReportRecordData(
        ref=DocumentRef(DocumentKind.REPORT_RECORD, report.id, child.id, report.version, today),
        child=child_summary(session, child),
        situations=tuple(SITUATION_TEXT.get(s, s) for s in report.situations or ()),
        found_at=local["found_at"].replace(tzinfo=None) if local["found_at"] else None,
        reported_at=local["reported_at"].replace(tzinfo=None) if local["reported_at"] else None,
        reporter=_s(report.reporter_name),
        police_station=_s(report.police_station),
        officer=_s(report.officer),
        receipt_number=_s(report.case_number),
        description=_s(report.description),
        follow_ups=tuple(follow),
        referrals=tuple(
            Referral(ReferralAgency(r.agency).zh, _s(r.reason), ReferralStatus(r.status).zh, _s(r.outcome))
            for r in referrals
        ),
        outcome=_s(report.outcome) or ReportStatus(report.status).zh,
    )


def roster_contacts(session: Session, child_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """联系电话 and 住址 of each child on a roster: the entrusted guardian's phone, and the
    child's current address, else the registered address. ``{child id: (phone, address)}``."""
    out: dict[str, tuple[str, str]] = {}
    ids = list(dict.fromkeys(child_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        phones: dict[str, str] = {}
        for child_id, phone in session.execute(
            select(FamilyMember.child_id, FamilyMember.phone)
            .where(FamilyMember.child_id.in_(chunk), FamilyMember.is_entrusted_guardian.is_(True))
            .order_by(FamilyMember.id)
        ):
            if phone and child_id not in phones:
                phones[child_id] = phone
        for child_id, current, registered in session.execute(
            select(Child.id, Child.current_address, Child.registered_address).where(Child.id.in_(chunk))
        ):
            out[child_id] = (phones.get(child_id, ""), _s(current or registered))
    return out


def roster_data(
    rows: Sequence[ChildRow],
    *,
    township: str,
    prepared_by: str = "",
    today: dt.date | None = None,
    contacts: Mapping[str, tuple[str, str]] | None = None,
) -> RosterData:
    """The township roster from register rows (``Register.list_children``), in their order.

    ``contacts`` fills 联系电话 and 住址: pass ``reg.read(roster_contacts, [r.id for r in rows])``
    (:func:`roster_contacts`); without it both columns are empty. The document id is fresh each
    time (a roster is a snapshot, not a record).
    """
    today = today or dt.date.today()
    contacts = contacts or {}
    out = []
    for r in rows:
        phone, address = contacts.get(r.id, ("", ""))
        out.append(
            RosterRow(
                village=r.village_name,
                name=r.name,
                sex=Sex(r.sex).zh if r.sex else "",
                date_of_birth=r.date_of_birth,
                id_number=_s(r.id_number),
                categories="、".join(Category(c).zh for c in r.categories),
                guardian=_s(r.guardian_name),
                guardian_phone=phone,
                address=address,
                last_visit=r.last_visit_date,
                risk_colour=RiskColour(r.risk_colour).zh if r.risk_colour else "",
                note="重点儿童" if r.key_child else "",
            )
        )
    ref = DocumentRef(DocumentKind.ROSTER, str(uuid.uuid4()), "", 0, today)
    return RosterData(ref=ref, township=township, rows=tuple(out), prepared_by=prepared_by)


def render_form(
    reg: Register,
    kind: DocumentKind | str,
    child_ref: str,
    *,
    visit_ref: str | None = None,
    fonts: FontSet | None = None,
) -> bytes:
    """Render one child's form straight from the register (for previews and batch printing).

    Args:
        reg: the open register (read only here; marking a confirmation printed is the caller's
            choice: ``reg.write(services.entrustments.mark_printed, document_id)``).
        kind: ``entrustment``, ``visit_sheet`` (blank, or filled from ``visit_ref``) or
            ``child_file``.
        child_ref: the child's record id or ID number.

    Returns:
        The PDF bytes.

    Raises:
        NotFoundError, ValidationError: as the builders; FontError, MissingGlyphError: as the
            forms; ValueError: another ``kind``.
    """
    kind = DocumentKind(kind)
    today = reg.today()
    if kind is DocumentKind.ENTRUSTMENT:
        data = reg.read(entrustment_data, child_ref, today=today)
        return entrustment.render_entrustment(data, fonts)
    if kind is DocumentKind.VISIT_SHEET:
        sheet = reg.read(visit_sheet_data, child_ref, visit_ref, today=today)
        return visit_sheet.render_visit_sheet(sheet, fonts)
    if kind is DocumentKind.CHILD_FILE:
        cf = reg.read(child_file_data, child_ref, today=today)
        return child_file.render_child_file(cf, fonts)
    raise ValueError(f"render_form does not print {kind.value} for one child")

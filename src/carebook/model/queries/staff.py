"""Read queries of the staff registry: the roster, training records and warnings, and the
assessment of each child director (visits done, overdue, open reports).

Training rule: 陕西咸人社民发〔2020〕56号 "各新城人社民政局负责儿童主任业务培训，每年不少于一次" and
陕民发〔2019〕52号 "每年至少轮训一次": a director in office without a training record in the
current calendar year is warned about.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, Table, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from carebook.model.children import Child
from carebook.model.enums import ReferralStatus, ReportStatus, StaffRole
from carebook.model.organisation import OrgUnit
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.staff import Staff, TrainingRecord
from carebook.model.visits import Visit


@dataclass(frozen=True)
class StaffRow:
    """One person on the staff roster (实名制花名册); enums as codes. ``unit_*`` is the village
    (director) or township (supervisor) served; ``covered`` lists further villages as
    ``(code, name)``; ``in_office`` is on the day of the query."""

    id: str
    role: str
    name: str
    sex: str | None
    ethnic_group: str | None
    id_number: str | None
    date_of_birth: dt.date | None
    political_status: str | None
    education: str | None
    phone: str | None
    employer: str | None
    employment_type: str | None
    government_purchased: bool
    unit_code: str | None
    unit_name: str | None
    covered: tuple[tuple[str, str], ...]
    appointed_on: dt.date | None
    ended_on: dt.date | None
    in_office: bool
    last_training: dt.date | None
    trainings_this_year: int
    notes: str | None
    version: int

    def to_json(self) -> dict[str, Any]:
        """The ``staff list --json`` object (documented in docs/cli.md)."""
        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id, "role": self.role, "name": self.name, "sex": self.sex, "ethnic_group": self.ethnic_group,
            "id_number": self.id_number, "date_of_birth": iso(self.date_of_birth),
            "political_status": self.political_status, "education": self.education, "phone": self.phone,
            "employer": self.employer, "employment_type": self.employment_type,
            "government_purchased": self.government_purchased, "unit_code": self.unit_code,
            "unit_name": self.unit_name, "covered": [{"code": c, "name": n} for c, n in self.covered],
            "appointed_on": iso(self.appointed_on), "ended_on": iso(self.ended_on), "in_office": self.in_office,
            "last_training": iso(self.last_training), "trainings_this_year": self.trainings_this_year,
            "notes": self.notes, "version": self.version,
        }


@dataclass(frozen=True)
class TrainingRow:
    """One training record of one person."""

    id: str
    staff_id: str
    staff_name: str
    held_on: dt.date
    topic: str
    organiser: str | None
    hours: float | None


@dataclass(frozen=True)
class TrainingWarning:
    """A director in office with no training this calendar year; ``last_training`` is the
    latest one ever recorded (or ``None``)."""

    staff_id: str
    name: str
    unit_name: str | None
    last_training: dt.date | None


@dataclass(frozen=True)
class DirectorAssessment:
    """考核: one child director for one month: villages served, open files there, visits done
    in the month (``visits_done``), files whose next visit is overdue today, open mandatory
    reports and open referrals of children there."""

    staff_id: str
    name: str
    villages: tuple[str, ...]
    children: int
    visits_done: int
    overdue: int
    open_reports: int
    open_referrals: int


def in_office(appointed_on: dt.date | None, ended_on: dt.date | None, on: dt.date) -> bool:
    """True when a term from ``appointed_on`` through ``ended_on`` covers ``on`` (an unknown
    appointment date counts as in office)."""
    return (appointed_on is None or appointed_on <= on) and (ended_on is None or ended_on >= on)


def _units(session: Session) -> dict[str, tuple[str, str]]:
    return {i: (c, n) for i, c, n in session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name))}


def staff_roster(
    session: Session, *, today: dt.date | None = None, role: StaffRole | str | None = None,
    include_ended: bool = False,
) -> list[StaffRow]:
    """The staff roster: supervisors first, then directors, by unit code and name. Without
    ``include_ended`` only people in office today (or appointed later) are listed."""
    today = today or dt.date.today()
    units = _units(session)
    stmt = select(Staff)
    if role is not None:
        stmt = stmt.where(Staff.role == StaffRole.parse(role, "role"))
    trainings: dict[str, list[dt.date]] = defaultdict(list)
    for staff_id, held_on in session.execute(select(TrainingRecord.staff_id, TrainingRecord.held_on)):
        trainings[staff_id].append(held_on)
    rows: list[StaffRow] = []
    for s in session.scalars(stmt):
        active = in_office(s.appointed_on, s.ended_on, today)
        if not include_ended and s.ended_on is not None and s.ended_on < today:
            continue
        unit = units.get(s.org_unit_id or "")
        dates = trainings.get(s.id, [])
        rows.append(StaffRow(
            id=s.id, role=s.role.code, name=s.name, sex=s.sex.code if s.sex else None, ethnic_group=s.ethnic_group,
            id_number=s.id_number, date_of_birth=s.date_of_birth,
            political_status=s.political_status.code if s.political_status else None,
            education=s.education.code if s.education else None, phone=s.phone, employer=s.employer,
            employment_type=s.employment_type.code if s.employment_type else None,
            government_purchased=bool(s.government_purchased), unit_code=unit[0] if unit else None,
            unit_name=unit[1] if unit else None,
            covered=tuple(units[c] for c in (s.covered_org_ids or []) if c in units),
            appointed_on=s.appointed_on, ended_on=s.ended_on, in_office=active,
            last_training=max(dates) if dates else None,
            trainings_this_year=sum(1 for d in dates if d.year == today.year), notes=s.notes, version=s.version,
        ))
    rows.sort(key=lambda r: (r.role != StaffRole.CHILD_SUPERVISOR.code, r.unit_code or "", r.name))
    return rows


def training_records(session: Session, staff_id: str | None = None) -> list[TrainingRow]:
    """Training records (of one person, or everyone), newest first."""
    stmt = (select(TrainingRecord, Staff.name).join(Staff, Staff.id == TrainingRecord.staff_id)
            .order_by(TrainingRecord.held_on.desc(), Staff.name))
    if staff_id:
        stmt = stmt.where(TrainingRecord.staff_id == staff_id)
    return [TrainingRow(t.id, t.staff_id, name, t.held_on, t.topic, t.organiser, t.hours)
            for t, name in session.execute(stmt)]


def training_warnings(
    session: Session, *, today: dt.date | None = None, roles: tuple[StaffRole, ...] = (StaffRole.CHILD_DIRECTOR,),
) -> list[TrainingWarning]:
    """People of ``roles`` (default: child directors) in office today with no training held in
    today's calendar year, by unit and name (see the module docstring for the rule)."""
    today = today or dt.date.today()
    return [TrainingWarning(r.id, r.name, r.unit_name, r.last_training)
            for r in staff_roster(session, today=today)
            if r.in_office and StaffRole(r.role) in roles and r.trainings_this_year == 0]


def month_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month of ``today``."""
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


@dataclass
class ActivityCounts:
    """What the assessment counts, per village id: open files, overdue files, visits this month
    (by the visitor's staff id, and by ``(visitor name, village)`` for visits without one), open
    mandatory reports and open referrals. Filled by :func:`activity_counts` or by the township
    overview from its own scan of the register."""

    children: Counter[str] = field(default_factory=Counter)
    overdue: Counter[str] = field(default_factory=Counter)
    visits: Counter[str] = field(default_factory=Counter)
    visits_by_staff: Counter[str] = field(default_factory=Counter)
    visits_by_name: Counter[tuple[str, str]] = field(default_factory=Counter)
    reports: Counter[str] = field(default_factory=Counter)
    referrals: Counter[str] = field(default_factory=Counter)


def month_visits(session: Session, first: dt.date, last: dt.date) -> list[tuple[str, str | None, str | None]]:
    """``(child id, visitor staff id, visitor name)`` of every visit dated ``first``..``last``.

    On SQLite a date range alone makes the planner scan the wide visit rows; the
    ``(child_id, visit_date)`` index covers the range test, so the rows are found by their rowids
    picked from the index first (about 5x faster at 30,000 visits, measured with
    ``bench/bench_overview.py``). Other databases get the plain query."""
    stmt = select(Visit.child_id, Visit.visitor_staff_id, Visit.visitor_name)
    if session.get_bind().dialect.name == "sqlite":
        inner = table_of_visit().alias("month_visit")
        picked: Select[Any] = select(literal_column("month_visit.rowid")).select_from(inner).where(
            inner.c.visit_date >= first, inner.c.visit_date <= last)
        stmt = stmt.where(literal_column("visit.rowid").in_(picked))
    else:
        stmt = stmt.where(Visit.visit_date >= first, Visit.visit_date <= last)
    return [(c, sid, name) for c, sid, name in session.execute(stmt)]


def table_of_visit() -> Table:
    """The Core table of :class:`~carebook.model.visits.Visit`."""
    table = Visit.__table__
    assert isinstance(table, Table)
    return table


def open_case_children(session: Session) -> tuple[list[str], list[str]]:
    """Child ids of open mandatory reports (not closed) and of open referrals (not done or
    declined), one entry per report or referral."""
    reports = list(session.scalars(select(MandatoryReport.child_id).where(MandatoryReport.status != ReportStatus.CLOSED)))
    referrals = list(session.scalars(select(Referral.child_id).where(
        Referral.status.not_in([ReferralStatus.DONE, ReferralStatus.DECLINED]))))
    return reports, referrals


def add_case_counts(
    counts: ActivityCounts, child_village: dict[str, str], visits: list[tuple[str, str | None, str | None]],
    reports: list[str], referrals: list[str],
) -> None:
    """Count ``visits``, ``reports`` and ``referrals`` (as returned by :func:`month_visits` and
    :func:`open_case_children`) per village into ``counts``; ``child_village`` maps child id to
    village id (children not in it are skipped)."""
    for child_id, staff_id, name in visits:
        village = child_village.get(child_id)
        if village is None:
            continue
        counts.visits[village] += 1
        if staff_id:
            counts.visits_by_staff[staff_id] += 1
        elif name:
            counts.visits_by_name[(name, village)] += 1
    counts.reports.update(child_village[c] for c in reports if c in child_village)
    counts.referrals.update(child_village[c] for c in referrals if c in child_village)


def activity_counts(session: Session, *, today: dt.date) -> ActivityCounts:
    """The :class:`ActivityCounts` of the register on ``today`` (visits of today's month)."""
    first, last = month_bounds(today)
    counts = ActivityCounts()
    child_village: dict[str, str] = {}
    iso_today = today.isoformat()
    for cid, village, closed, due in session.execute(
            select(Child.id, Child.village_id, type_coerce(Child.closed_reason, String),
                   type_coerce(Child.next_visit_due, String))):
        child_village[cid] = village
        if closed is None:
            counts.children[village] += 1
            if due is not None and iso_date(due) < iso_today:
                counts.overdue[village] += 1
    add_case_counts(counts, child_village, month_visits(session, first, last), *open_case_children(session))
    return counts


def iso_date(value: object) -> str:
    """A date column read as text: SQLite gives ``YYYY-MM-DD`` text, other databases a date."""
    return value if isinstance(value, str) else value.isoformat()  # type: ignore[attr-defined]


def assess_directors(session: Session, counts: ActivityCounts, *, today: dt.date) -> list[DirectorAssessment]:
    """The assessment of every child director in office at some point of today's month, from
    ``counts`` (see :func:`director_assessment` for the rules)."""
    first, last = month_bounds(today)
    units = _units(session)
    directors = [s for s in session.scalars(select(Staff).where(Staff.role == StaffRole.CHILD_DIRECTOR))
                 if (s.appointed_on is None or s.appointed_on <= last) and (s.ended_on is None or s.ended_on >= first)]
    out: list[DirectorAssessment] = []
    for d in directors:
        villages = list(dict.fromkeys(v for v in [d.org_unit_id, *(d.covered_org_ids or [])] if v))
        out.append(DirectorAssessment(
            staff_id=d.id, name=d.name, villages=tuple(units[v][1] if v in units else v for v in villages),
            children=sum(counts.children[v] for v in villages),
            visits_done=counts.visits_by_staff[d.id] + sum(counts.visits_by_name[(d.name, v)] for v in villages),
            overdue=sum(counts.overdue[v] for v in villages),
            open_reports=sum(counts.reports[v] for v in villages),
            open_referrals=sum(counts.referrals[v] for v in villages),
        ))
    out.sort(key=lambda a: (a.villages, a.name))
    return out


def director_assessment(session: Session, *, today: dt.date | None = None) -> list[DirectorAssessment]:
    """The assessment of every child director in office at some point of today's month.

    A visit counts for a director when its ``visitor_staff_id`` is theirs, or, for a visit with
    no staff id, when its ``visitor_name`` is the director's name and the child lives in one of
    their villages. Overdue: open files in their villages whose next visit was due before today.
    Open reports: mandatory reports not closed; open referrals: not done or declined (of any
    child of their villages).
    """
    today = today or dt.date.today()
    return assess_directors(session, activity_counts(session, today=today), today=today)

"""The demo workspace: a township (幸福镇) with three villages and synthetic children.

Built through the same services a person uses, so the demo exercises the change log, the
category rules and the entrustment lifecycle: children with families and guardians, visits over
the past year (some overdue), entrustment confirmations in every state (missing, drafted,
printed, signed, expiring, expired), and a few mandatory reports with referrals. Everything is
invented (:mod:`carebook.model.synthetic`).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.children import Child
from carebook.model.enums import OrgLevel, ReferralAgency, ReportSituation, Role
from carebook.model.installation import add_org_unit
from carebook.model.register import Register
from carebook.model.services import entrustments as ent
from carebook.model.services import reports as rep
from carebook.model.services.bulk import import_children, insert_visits
from carebook.model.services.children import clean_child_input
from carebook.model.services.derived import propose_next_visit, refresh_children
from carebook.model.settings import load_settings
from carebook.model.synthetic import synthetic_children_by_village, synthetic_visits

TOWNSHIP = ("610402100", "幸福镇")
VILLAGES = (("610402100200", "东湾村"), ("610402100201", "西沟村"), ("610402100202", "南庄村"))
SUPERVISOR = "周明华"
DIRECTOR = "李秀英"


def build_demo(reg: Register, *, children: int = 300, seed: int = 20261129, today: dt.date | None = None) -> None:
    """Fill an empty, uninitialised register with the demo township.

    Raises:
        CarebookError: the register is already set up.
    """
    today = today or reg.today()
    rng = random.Random(seed)
    reg.initialise(role=Role.TOWNSHIP, org_code=TOWNSHIP[0], org_name=TOWNSHIP[1],
                   parent_code="610402", parent_name="渭城区", actor=SUPERVISOR)
    village_ids: dict[str, str] = {}
    with reg.writing(SUPERVISOR) as session:
        for code, name in VILLAGES:
            village_ids[code] = add_org_unit(session, level=OrgLevel.VILLAGE, code=code, name=name,
                                             parent_code=TOWNSHIP[0])
    grouped = synthetic_children_by_village(children, seed=seed, village_codes=[c for c, _ in VILLAGES], today=today)
    with reg.writing(DIRECTOR) as session:
        for code, items in grouped.items():
            inputs = [clean_child_input(v, today=today) for v in items]
            import_children(session, inputs, village_id=village_ids[code], today=today)
    ids = reg.child_ids()
    visited = [i for i in ids if rng.random() < 0.9]
    with reg.writing(DIRECTOR) as session:
        visits = synthetic_visits(visited, per_child=2, seed=seed, today=today, visitor_name=DIRECTOR)
        _plan_by_frequency(session, visits, today)
        insert_visits(session, visits, today=today)
        refresh_children(session, visited, load_settings(session), today)
    _entrustments(reg, rng, today)
    _reports(reg, rng, today)


def _plan_by_frequency(session: Session, visits: list[dict[str, Any]], today: dt.date) -> None:
    """Give each synthetic visit the next visit date a director would have been proposed: the
    visit date plus the interval of the child's categories and risk colour (settings), as
    :func:`carebook.model.services.visits.record_visit` does; a red child is due 15 days after
    its visit, not 90."""
    settings = load_settings(session)
    facts = {cid: (list(cats or []), risk.code if risk else None) for cid, cats, risk in session.execute(
        select(Child.id, Child.categories, Child.risk_colour))}
    for visit in visits:
        categories, risk = facts.get(visit["child_id"], ([], None))
        visit["next_visit_date"] = propose_next_visit(categories, risk, visit["visit_date"], today, settings)


def _entrustments(reg: Register, rng: random.Random, today: dt.date) -> None:
    overview = reg.entrustment_overview()
    with reg.writing(DIRECTOR) as session:
        for child_id, _name in overview.missing:
            roll = rng.random()
            if roll < 0.12:
                continue  # parents away, no confirmation yet: listed as missing
            start = today - dt.timedelta(days=rng.randrange(30, 330))
            if roll < 0.2:
                start = today - dt.timedelta(days=rng.randrange(370, 420))  # will show as expired
            elif roll < 0.28:
                start = today - dt.timedelta(days=rng.randrange(340, 360))  # expiring within 30 days
            try:
                result = ent.draft_entrustment(session, child_id, period_from=start, today=today)
            except Exception:  # e.g. no guardian recorded: such a child stays listed as missing
                continue
            doc = result.record_id or ""
            if roll < 0.92:  # printed on the first day of the period (signed on it or later)
                ent.mark_printed(session, doc, printed_at=dt.datetime.combine(start, dt.time(9)).astimezone())
            if roll < 0.85:
                signed = min(today, start + dt.timedelta(days=rng.randrange(0, 10)))
                ent.mark_signed(session, doc, signed_on=signed,
                                signatories=["父亲", "母亲", "受委托监护人", DIRECTOR], today=today)


def _reports(reg: Register, rng: random.Random, today: dt.date) -> None:
    ids = reg.child_ids()
    chosen = rng.sample(ids, k=min(4, len(ids)))
    situations = [ReportSituation.ABANDONMENT, ReportSituation.ABUSE_INJURIES, ReportSituation.ALONE_UNDER_16,
                  ReportSituation.GUARDIAN_INCAPABLE]
    now = dt.datetime.now(dt.UTC)
    with reg.writing(DIRECTOR) as session:
        for n, (child_id, situation) in enumerate(zip(chosen, situations, strict=False)):
            found = now - dt.timedelta(days=rng.randrange(5, 120))
            values = {"situations": [situation.code], "found_at": found, "description": "走访中发现，已向派出所报告",
                      "reporter_name": DIRECTOR, "police_station": "幸福镇派出所"}
            if n < 3:
                values.update(reported_at=found + dt.timedelta(hours=2), case_number=f"XF{today:%Y}{100 + n}")
            report = rep.create_report(session, child_id, values)
            agency = (ReferralAgency.CIVIL_AFFAIRS, ReferralAgency.EDUCATION, ReferralAgency.YOUTH_LEAGUE_12355)[n % 3]
            rep.create_referral(session, child_id, agency=agency, reason="需要救助和跟进",
                                referred_on=found.date() + dt.timedelta(days=1), report_id=report.record_id,
                                today=today)

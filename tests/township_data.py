"""A township register for the township tests and the overview benchmark: villages, synthetic
children imported on the bulk path, visits, mandatory reports, referrals, entrustments in every
state and a few closed files. All personal data is synthetic."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select

from carebook.model.children import Child, FamilyMember
from carebook.model.enums import OrgLevel
from carebook.model.installation import add_org_unit
from carebook.model.register import Register
from carebook.model.services import entrustments as ent
from carebook.model.services import reports
from carebook.model.services.bulk import import_children, insert_visits
from carebook.model.services.children import clean_child_input, close_child
from carebook.model.services.derived import members_of
from carebook.model.synthetic import synthetic_children_by_village, synthetic_visits

TOWNSHIP_CODE = "610402100"


def village_codes(n: int) -> list[str]:
    """Division codes of ``n`` villages of the township."""
    return [f"{TOWNSHIP_CODE}{201 + i:03d}" for i in range(n)]


@dataclass
class Township:
    """What :func:`build_township` made: village ids by code, child ids by village id, and the
    ids touched by reports, referrals, entrustments and closing."""

    villages: dict[str, str]
    children: dict[str, list[str]]
    closed: list[str] = field(default_factory=list)
    reports_open: list[str] = field(default_factory=list)
    referrals_open: list[str] = field(default_factory=list)


def build_township(
    reg: Register, today: dt.date, *, villages: int = 3, children: int = 90, seed: int = 7,
    extras: bool = True, visits_per_child: int = 2,
) -> Township:
    """Fill ``reg`` with ``villages`` villages holding ``children`` children in all (bulk path),
    visits, and (``extras``) reports, referrals, entrustments and closed files."""
    codes = village_codes(villages)
    with reg.writing() as s:
        ids = {c: add_org_unit(s, level=OrgLevel.VILLAGE, code=c, name=f"第{i + 1}村", parent_code=TOWNSHIP_CODE)
               for i, c in enumerate(codes)}
    by_village = synthetic_children_by_village(children, seed=seed, village_codes=codes, today=today)
    created: dict[str, list[str]] = {}
    with reg.writing() as s:
        for code, rows in by_village.items():
            inputs = [clean_child_input(r, today=today) for r in rows]
            created[ids[code]] = import_children(s, inputs, village_id=ids[code], today=today).created
    all_ids = [c for v in created.values() for c in v]
    with reg.writing() as s:
        insert_visits(s, synthetic_visits(all_ids, per_child=visits_per_child, seed=seed, today=today,
                                          visitor_name="李秀英"), today=today)
    town = Township(ids, created)
    if not extras:
        return town
    rng = random.Random(seed)
    with reg.writing() as s:
        for kids in created.values():
            chosen = rng.sample(kids, 4)
            r1 = reports.create_report(s, chosen[0], {"situations": ["abandonment"]}).record_id
            r2 = reports.create_report(s, chosen[1], {"situations": ["begging"]}).record_id
            reports.update_report(s, str(r2), {"status": "closed"})
            town.reports_open.append(chosen[0])
            reports.create_referral(s, chosen[0], agency="education", report_id=r1, today=today)
            done = reports.create_referral(s, chosen[1], agency="police", today=today).record_id
            reports.update_referral(s, str(done), status="done", today=today)
            town.referrals_open.append(chosen[0])
            close_child(s, chosen[2], "moved", today=today)
            town.closed.append(chosen[2])
        # Entrustments: signed (one year), expiring (ends in 10 days), expired (ended last month).
        with_guardian = list(s.scalars(
            select(Child.id).join(FamilyMember, FamilyMember.child_id == Child.id)
            .where(FamilyMember.is_entrusted_guardian.is_(True), Child.closed_reason.is_(None))
            .order_by(Child.id)))
        # only where the parents' situation gives a reason (draft_entrustment refuses the others)
        with_reason = [cid for cid in with_guardian if ent.reason_from_facts(members_of(s, cid)) is not None]
        for k, cid in enumerate(with_reason[:9]):
            start, end = [(today - dt.timedelta(days=30), today + dt.timedelta(days=330)),
                          (today - dt.timedelta(days=355), today + dt.timedelta(days=10)),
                          (today - dt.timedelta(days=400), today - dt.timedelta(days=35))][k % 3]
            eid = ent.draft_entrustment(s, cid, period_from=start, period_to=end, today=today).record_id
            ent.mark_printed(s, str(eid), printed_at=dt.datetime.combine(min(start, today), dt.time(9)).astimezone())
            ent.mark_signed(s, str(eid), signed_on=min(start, today), signatories=["张建国"], today=today)
    return town

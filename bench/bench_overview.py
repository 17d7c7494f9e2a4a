"""Benchmark of the township overview (乡镇总览) refresh: 30 villages, 15,000 children.

Builds a township register (real SQLCipher-encrypted file in a temporary directory) with
``--villages`` villages (default 30) and ``--children`` synthetic children (default 15,000)
imported on the bulk path (:func:`carebook.model.services.bulk.import_children`), two visits per
child (:func:`~carebook.model.services.bulk.insert_visits`), a mandatory report and a referral
per village, signed entrustment confirmations for one child in twenty and a few closed files;
then times :func:`carebook.model.queries.overview.township_overview` (the whole refresh: per
village categories, age bands, sex, visits this month, overdue, reports, referrals,
entrustments, sync state, and the director assessment).

Baselines measured in the same run:

* *floor*: one plain scan of the child columns the overview needs (``SELECT village_id, sex,
  date_of_birth, categories, closed_reason, next_visit_due FROM child``) — reading the data at all;
* *naive*: the same numbers computed from ORM objects (every ``Child`` loaded, one query per
  village for visits, reports and referrals), the way a first version would do it.

Target (issue 6): refresh <= 1 s. Figures are printed, never asserted.

Usage: ``.venv/bin/python bench/bench_overview.py [--villages 30] [--children 15000] [--repeats 7]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from carebook.model import keys
from carebook.model.children import Child, FamilyMember
from carebook.model.db import create_database
from carebook.model.enums import OrgLevel, ReferralStatus, ReportStatus
from carebook.model.installation import add_org_unit
from carebook.model.queries.overview import age_band, township_overview
from carebook.model.register import Register
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.services import entrustments as ent
from carebook.model.services import reports
from carebook.model.services.bulk import import_children, insert_visits
from carebook.model.services.children import clean_child_input, close_child
from carebook.model.services.derived import members_of
from carebook.model.services.staff import add_staff
from carebook.model.synthetic import synthetic_children_by_village, synthetic_visits
from carebook.model.validation import age_on
from carebook.model.visits import Visit

TODAY = dt.date(2026, 6, 15)
TOWNSHIP = "610402100"
PASSPHRASE = "benchmark passphrase"


def _median(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def build(reg: Register, villages: int, children: int) -> float:
    """Fill the register; returns the seconds it took."""
    start = time.perf_counter()
    reg.initialise(role="township", org_code=TOWNSHIP, org_name="幸福镇", actor="周督导")
    codes = [f"{TOWNSHIP}{201 + i:03d}" for i in range(villages)]
    with reg.writing() as s:
        ids = {c: add_org_unit(s, level=OrgLevel.VILLAGE, code=c, name=f"第{i + 1}村", parent_code=TOWNSHIP)
               for i, c in enumerate(codes)}
        for i, c in enumerate(codes):
            add_staff(s, {"role": "director", "name": f"主任{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{'子丑寅卯'[i // 10 % 4]}",
                          "unit": c, "appointed_on": "2020-01-01"}, today=TODAY)
    grouped = synthetic_children_by_village(children, seed=1, village_codes=codes, today=TODAY)
    created: dict[str, list[str]] = {}
    with reg.writing() as s:
        for code, rows in grouped.items():
            created[code] = import_children(s, [clean_child_input(r, today=TODAY) for r in rows],
                                            village_id=ids[code], today=TODAY).created
    everyone = [c for v in created.values() for c in v]
    with reg.writing() as s:
        insert_visits(s, synthetic_visits(everyone, per_child=2, seed=2, today=TODAY), today=TODAY)
    rng = random.Random(3)
    with reg.writing() as s:
        for kids in created.values():
            a, b, c = rng.sample(kids, 3)
            rid = reports.create_report(s, a, {"situations": ["abandonment"]}).record_id
            reports.create_referral(s, a, agency="education", report_id=rid, today=TODAY)
            reports.create_referral(s, b, agency="police", today=TODAY)
            close_child(s, c, "moved", today=TODAY)
        guarded = list(s.scalars(select(FamilyMember.child_id).join(Child, Child.id == FamilyMember.child_id).where(
            FamilyMember.is_entrusted_guardian.is_(True), Child.closed_reason.is_(None))))
        # a confirmation only where the parents' situation gives a reason (draft_entrustment refuses others)
        guarded = [cid for cid in guarded if ent.reason_from_facts(members_of(s, cid)) is not None]
        for k, cid in enumerate(guarded[::20]):
            end = TODAY + dt.timedelta(days=[300, 10, -20][k % 3])
            begins = end - dt.timedelta(days=364)
            eid = str(ent.draft_entrustment(s, cid, period_from=begins, period_to=end, today=TODAY).record_id)
            printed = min(TODAY, begins)  # printed on the period's first day, signed the same day
            ent.mark_printed(s, eid, printed_at=dt.datetime.combine(printed, dt.time(9)).astimezone())
            ent.mark_signed(s, eid, signed_on=printed, signatories=["张建国"], today=TODAY)
    return time.perf_counter() - start


def floor(s: Session) -> int:
    """The plain scan of the child columns the overview needs."""
    return len(s.execute(text("SELECT village_id, sex, date_of_birth, categories, closed_reason, next_visit_due "
                              "FROM child")).all())


def naive(s: Session) -> dict[str, Counter[str]]:
    """The per-village numbers from ORM objects and per-village queries."""
    first = TODAY.replace(day=1)
    out: dict[str, Counter[str]] = {}
    for child in s.scalars(select(Child)):
        c = out.setdefault(child.village_id, Counter())
        if child.closed_reason is not None:
            continue
        c["children"] += 1
        c[age_band(age_on(child.date_of_birth, TODAY))] += 1
        c["sex" + child.sex.code] += 1
        for cat in child.categories:
            c[cat] += 1
        if child.next_visit_due is not None and child.next_visit_due < TODAY:
            c["overdue"] += 1
    for village, c in out.items():
        kids = select(Child.id).where(Child.village_id == village)
        c["visits"] = len(s.scalars(select(Visit).where(Visit.child_id.in_(kids), Visit.visit_date >= first,
                                                        Visit.visit_date <= TODAY)).all())
        c["reports"] = len(s.scalars(select(MandatoryReport).where(MandatoryReport.child_id.in_(kids),
                                                                   MandatoryReport.status != ReportStatus.CLOSED)).all())
        c["referrals"] = len(s.scalars(select(Referral).where(
            Referral.child_id.in_(kids), Referral.status.not_in([ReferralStatus.DONE, ReferralStatus.DECLINED]))).all())
    ent.entrustment_overview(s, today=TODAY)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--children", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    keys.SCRYPT_N = 2**14  # set-up speed only; the register is encrypted all the same
    with tempfile.TemporaryDirectory(prefix="carebook-bench-overview-") as tmp:
        data_dir = Path(tmp) / "township"
        db = create_database(data_dir, passphrase=PASSPHRASE, use_keyring=False)
        reg = Register(db.sessionmaker, data_dir=data_dir, today=lambda: TODAY, close=db.close)
        try:
            built = build(reg, args.villages, args.children)
            print(f"built {args.villages} villages, {args.children} children (2 visits each) in {built:.1f} s "
                  f"(encrypted SQLCipher register, {sys.platform})")
            reg.read(township_overview, today=TODAY)  # warm the page cache once
            t_overview, overview = _median(lambda: reg.read(township_overview, today=TODAY), args.repeats)
            t_floor, rows = _median(lambda: reg.read(floor), args.repeats)
            t_naive, counts = _median(lambda: reg.read(naive), max(3, args.repeats // 2))
        finally:
            reg.close()
    assert overview.totals.children == sum(c["children"] for c in counts.values())
    print(f"overview refresh:  {t_overview * 1000:8.1f} ms median of {args.repeats}  (target <= 1000 ms)")
    print(f"  floor (one scan of {rows} child rows): {t_floor * 1000:8.1f} ms  -> overview is {t_overview / t_floor:.1f}x")
    print(f"  naive (ORM objects, queries per village): {t_naive * 1000:8.1f} ms  -> overview is "
          f"{t_naive / t_overview:.1f}x faster")
    print(f"  villages {len(overview.villages)}, open files {overview.totals.children}, overdue "
          f"{overview.totals.overdue}, visits this month {overview.totals.visits_this_month}, directors "
          f"{len(overview.directors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The township overview (乡镇总览) on real registers: hand-built cases with known numbers, an
independent recount over a bulk-imported township, and the sync end-to-end world (a township and
three villages exchanging bundles: the township's numbers per village equal each village's own,
with last bundle, gaps and conflicts). The Qt overview page is the UI engineer's."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.allowances import allowance_ledger
from carebook.model.children import Child
from carebook.model.enums import OrgLevel
from carebook.model.installation import add_org_unit
from carebook.model.queries.overview import SyncInfo, age_band, township_overview
from carebook.model.register import Register
from carebook.model.services import entrustments as ent
from carebook.model.services import reports
from carebook.model.services.children import close_child, register_child
from carebook.model.services.staff import add_staff
from carebook.model.services.visits import record_visit
from carebook.model.validation import age_on
from carebook.model.visits import Visit
from carebook.sync.conflicts import list_conflicts, resolve_conflict
from carebook.sync.exchange import export_bundles, import_bundles
from carebook.sync.trust_store import load_pending_enrolments
from model_helpers import TOWNSHIP_CODE, VILLAGE_CODE, both_away, child_values, years_before
from sync_world import SyncWorld, build_world
from township_data import build_township

WEST = "610402100202"
GUARDIAN = {"guardian.name": "张桂兰", "guardian.relation": "62", "guardian.phone": "13900001111"}


def test_age_bands() -> None:
    assert [age_band(a) for a in (0, 5, 6, 13, 14, 17, 18)] == ["0-5", "0-5", "6-13", "6-13", "14-17", "14-17", "18+"]


def test_hand_built_villages(register: Register, today: dt.date) -> None:
    first_of_month = today.replace(day=1)

    def setup(s: Session) -> dict[str, str]:
        west = add_org_unit(s, level=OrgLevel.VILLAGE, code=WEST, name="西湾村", parent_code=TOWNSHIP_CODE)
        sid = add_staff(s, {"role": "director", "name": "李秀英", "unit": VILLAGE_CODE, "appointed_on": "2020-01-01"},
                        today=today).record_id

        def child(name: str, birth: dt.date, male: bool, seq: int, village: str | None = None, **extra: object) -> str:
            values = child_values(name, birth, male=male, seq=seq, **extra)
            return str(register_child(s, values, village_id=village, today=today).record_id)

        ids = {
            "a": child("张小明", years_before(today, 5), True, 11, **both_away(today), **GUARDIAN),
            "b": child("张小红", years_before(today, 6), False, 12, key_child=True, **both_away(today)),
            "c": child("赵小刚", years_before(today, 14, days=-1), True, 13),
            "d": child("钱小丽", years_before(today, 14), False, 14, assessed_categories="in_difficulty"),
            "e": child("孙小虎", years_before(today, 17), True, 15, key_child=True),
            "f": child("周小英", years_before(today, 10), False, 16, **both_away(today)),
            "g": child("吴小芳", years_before(today, 10), False, 17, village=west, **both_away(today), **GUARDIAN),
            "sid": str(sid),
        }
        close_child(s, ids["f"], "moved", today=today)
        record_visit(s, ids["a"], {"visit_date": today}, today=today, visitor_staff_id=sid)
        record_visit(s, ids["c"], {"visit_date": first_of_month - dt.timedelta(days=2),
                                   "next_visit_date": today - dt.timedelta(days=1)}, today=today)
        reports.create_report(s, ids["b"], {"situations": ["abandonment"]})
        closed = reports.create_report(s, ids["d"], {"situations": ["begging"]}).record_id
        reports.update_report(s, str(closed), {"status": "closed"})
        reports.create_referral(s, ids["e"], agency="civil_affairs", today=today)
        for cid, start, end in ((ids["a"], today - dt.timedelta(days=10), today + dt.timedelta(days=355)),
                                (ids["g"], today - dt.timedelta(days=400), today - dt.timedelta(days=40))):
            eid = str(ent.draft_entrustment(s, cid, period_from=start, period_to=end, today=today).record_id)
            ent.mark_printed(s, eid, printed_at=dt.datetime.combine(start, dt.time(9)).astimezone())
            ent.mark_signed(s, eid, signed_on=start, signatories=["张建国"], today=today)
        return ids

    ids = register.write(setup)
    o = register.read(township_overview, today=today)
    assert [v.code for v in o.villages] == [VILLAGE_CODE, WEST]
    east, west = o.villages
    assert east.children == 5 and west.children == 1 and o.totals.children == 6
    assert east.by_category == {"left_behind": 2, "in_difficulty": 1, "de_facto_unsupported": 0, "orphan": 0,
                                "key_child": 2}
    assert east.by_age_band == {"0-5": 1, "6-13": 2, "14-17": 2, "18+": 0}
    assert east.by_sex == {"1": 3, "2": 2}
    assert east.by_category_band_sex == {
        ("in_difficulty", "14-17", "2"): 1, ("key_child", "14-17", "1"): 1, ("key_child", "6-13", "2"): 1,
        ("left_behind", "0-5", "1"): 1, ("left_behind", "6-13", "2"): 1, ("none", "6-13", "1"): 1,
    }
    assert (east.visits_this_month, east.overdue, east.open_reports, east.open_referrals) == (1, 1, 1, 1)
    # a: signed for a year; b: parents away, nothing signed; f: closed, not counted.
    assert (east.entrustments_missing, east.entrustments_expiring, east.entrustments_expired) == (1, 0, 0)
    # g: the only confirmation ended 40 days ago: expired, and so missing a valid one.
    assert (west.entrustments_missing, west.entrustments_expiring, west.entrustments_expired) == (1, 0, 1)
    assert west.by_category["left_behind"] == 1 and west.by_sex == {"1": 0, "2": 1}
    assert o.totals.by_category["left_behind"] == 3 and o.totals.open_reports == 1
    assert east.sync is None and west.sync is None  # no sync peers pinned here
    assert o.month == f"{today:%Y-%m}"
    (director,) = o.directors
    assert (director.name, director.staff_id, director.visits_done, director.overdue, director.open_reports) == (
        "李秀英", ids["sid"], 1, 1, 1)


def check_against_recount(register: Register, today: dt.date) -> None:
    """The overview of ``register`` (a township built by :func:`build_township` with 150
    children) against a plain recount from ORM objects and the entrustments page's lists."""
    o = register.read(township_overview, today=today)
    first_of_month = today.replace(day=1)

    def recount(s: Session) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for child in s.scalars(select(Child)):
            c = out.setdefault(child.village_id, Counter())
            if child.closed_reason is not None:
                continue
            c["children"] += 1
            c["band " + age_band(age_on(child.date_of_birth, today))] += 1
            c["sex " + child.sex.code] += 1
            for cat in child.categories:
                c["cat " + cat] += 1
            if child.next_visit_due is not None and child.next_visit_due < today:
                c["overdue"] += 1
        for visit, village in s.execute(select(Visit, Child.village_id).join(Child, Child.id == Visit.child_id)):
            if first_of_month <= visit.visit_date <= today:
                out[village]["visits"] += 1
        return out

    expected = register.read(recount)
    assert sum(v.children for v in o.villages) == 150 - 3 == o.totals.children
    for v in o.villages:
        e = expected[v.village_id]
        assert v.children == e["children"]
        assert v.by_age_band == {b: e["band " + b] for b in v.by_age_band}
        assert v.by_sex == {k: e["sex " + k] for k in v.by_sex}
        assert v.by_category == {k: e["cat " + k] for k in v.by_category}
        assert sum(n for (cat, _b, _s), n in v.by_category_band_sex.items() if cat == "left_behind") == \
            e["cat left_behind"]
        assert (v.overdue, v.visits_this_month) == (e["overdue"], e["visits"])
        assert (v.open_reports, v.open_referrals) == (1, 1)
    assert o.totals.entrustments_expiring == 3 and o.totals.entrustments_expired == 3
    # The same lists as the entrustments page (restricted to open files).
    overview = register.read(ent.entrustment_overview, today=today)
    open_ids = register.read(lambda s: set(s.scalars(select(Child.id).where(Child.closed_reason.is_(None)))))
    assert o.totals.entrustments_missing == len(overview.missing) > 0
    assert o.totals.entrustments_expiring == len([r for r in overview.expiring if r.child_id in open_ids])
    assert o.totals.entrustments_expired == len([r for r in overview.expired if r.child_id in open_ids])


def test_numbers_match_an_independent_recount(register: Register, today: dt.date) -> None:
    build_township(register, today, villages=3, children=150, seed=11)
    check_against_recount(register, today)


def test_overview_on_postgresql(tmp_path: Path, today: dt.date) -> None:
    """The same checks on a PostgreSQL register (dates, codes and JSON come back typed there)."""
    from carebook.model.db_url import open_database_url
    from pg_server import fresh_database_url

    db = open_database_url(fresh_database_url())
    reg = Register(db.sessionmaker, data_dir=tmp_path / "pg", today=lambda: today, close=db.close)
    try:
        reg.initialise(role="village", org_code=VILLAGE_CODE, org_name="东湾村", parent_code=TOWNSHIP_CODE,
                       parent_name="幸福镇", actor="李秀英")
        build_township(reg, today, villages=3, children=150, seed=11)
        reg.write(add_staff, {"role": "director", "name": "李秀英", "unit": VILLAGE_CODE, "appointed_on": "2020-01-01"},
                  today=today)
        check_against_recount(reg, today)
        (director,) = reg.read(township_overview, today=today).directors
        assert director.visits_done == reg.read(township_overview, today=today).villages[0].visits_this_month
        ledger = reg.read(allowance_ledger, "2021-01", "2021-12")
        assert [(p.name, p.months, str(p.amount)) for p in ledger.people] == [("李秀英", 12, "2400.00")]
    finally:
        reg.close()


def sync_round(world: SyncWorld) -> None:
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


def test_township_overview_over_the_sync_world(tmp_path: Path) -> None:
    world = build_world(tmp_path, 3)
    try:
        today = world.today
        for i, village in enumerate(world.villages):
            world.import_ledger(village, 6 + 4 * i, seed=100 + i)
        first = world.villages[0].register.child_ids()[0]
        world.villages[0].register.record_visit(first, {"visit_date": today, "visitor_name": "李秀英"})
        # Enrolled villages that have sent nothing are listed (from the issued enrolments).
        enrolled = world.township.register.read(
            lambda s: [(p.village_code, p.village_name) for p in load_pending_enrolments(s)])
        before = world.township.register.read(township_overview, today=today, expected_villages=enrolled)
        assert [(v.name, v.children) for v in before.villages] == [("第1村", 0), ("第2村", 0), ("第3村", 0)]
        assert all(v.sync == SyncInfo(None, 0, 0) for v in before.villages)
        sync_round(world)
        town = world.township.register.read(township_overview, today=today, expected_villages=enrolled)
        assert [v.children for v in town.villages] == [6, 10, 14] and town.totals.children == 30
        for village, seen in zip(world.villages, town.villages, strict=True):
            own = village.register.read(township_overview, today=today)
            mine = next(v for v in own.villages if v.code == seen.code)
            assert (seen.code, seen.children, seen.by_category, seen.by_age_band, seen.by_sex) == (
                mine.code, mine.children, mine.by_category, mine.by_age_band, mine.by_sex)
            assert seen.by_category_band_sex == mine.by_category_band_sex
            assert (seen.visits_this_month, seen.overdue, seen.entrustments_missing) == (
                mine.visits_this_month, mine.overdue, mine.entrustments_missing)
            assert seen.sync is not None and seen.sync.last_bundle_at is not None
            assert (seen.sync.gaps, seen.sync.pending_conflicts) == (0, 0)
            assert mine.sync is None  # a village sees its township, not itself
        assert town.villages[0].visits_this_month >= 1
        # A concurrent edit of the same field is a conflict pending for that village.
        village = world.villages[1]
        cid = village.register.child_ids()[0]
        village.register.update_child(cid, {"notes": "村里写的"})
        world.township.register.update_child(cid, {"notes": "乡镇写的"})
        sync_round(world)
        town = world.township.register.read(township_overview, today=today)
        assert [v.sync.pending_conflicts for v in town.villages if v.sync] == [0, 1, 0]
        (conflict,) = world.township.register.read(list_conflicts)
        with world.township.register.writing() as session:
            resolve_conflict(session, conflict.id[:8], keep="a", actor="周督导")
        town = world.township.register.read(township_overview, today=today)
        assert [v.sync.pending_conflicts for v in town.villages if v.sync] == [0, 0, 0]
    finally:
        world.close()

"""Merge rules on real registers: conflicts, causality beating a wrong clock, edits against a
close, order independence with parked records, idempotence (issue 5 item 7)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from carebook.model import clock as clock_module
from carebook.model.queries.sync_status import sync_status
from carebook.sync.changes import last_position, log_rows_after
from carebook.sync.conflicts import list_conflicts, resolve_conflict
from carebook.sync.exchange import SyncSite, export_bundles, import_bundles, setup_installation
from carebook.sync.merge import apply_changes
from sync_world import SyncWorld, build_world, create_site, tracked_state


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[SyncWorld]:
    """A township and one village that share five children (one full round done)."""
    world = build_world(tmp_path, 1)
    try:
        world.import_ledger(world.villages[0], 5, seed=7)
        sync_round(world)
        yield world
    finally:
        world.close()


def sync_round(world: SyncWorld) -> list[int]:
    """Villages -> township, then township -> villages; returns conflicts recorded per import."""
    conflicts = []
    for village in world.villages:
        for result in import_bundles(world.township, world.export(village), backup=False):
            conflicts.append(result.merge.conflicts)
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)
    return conflicts


def _field(site: SyncSite, child_id: str, name: str) -> object:
    return site.register.child_detail(child_id).fields[name]


def test_concurrent_edits_converge_and_are_recorded_once(pair: SyncWorld) -> None:
    village, town = pair.villages[0], pair.township
    cid = village.register.child_ids()[0]
    village.register.update_child(cid, {"notes": "村里写的"})
    town.register.update_child(cid, {"notes": "乡镇写的"})
    assert sync_round(pair) == [1]
    assert _field(village, cid, "notes") == _field(town, cid, "notes") == "村里写的" or \
        _field(village, cid, "notes") == _field(town, cid, "notes") == "乡镇写的"
    conflicts = town.register.read(list_conflicts)
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.kind == "concurrent_edit" and c.field == "notes"
    assert {c.a_value, c.b_value} == {"村里写的", "乡镇写的"}
    assert sync_round(pair) == [0]
    assert len(town.register.read(list_conflicts)) == 1
    # the supervisor keeps the older value; it reaches the village as a correction
    loser = c.a_value
    with town.register.writing() as session:
        resolve_conflict(session, c.id[:8], keep="a", actor="周督导")
    sync_round(pair)
    assert _field(village, cid, "notes") == _field(town, cid, "notes") == loser
    assert town.register.read(list_conflicts) == []
    assert town.register.read(sync_status).open_conflicts == 0


def test_sequential_edits_are_no_conflict(pair: SyncWorld) -> None:
    village, town = pair.villages[0], pair.township
    cid = village.register.child_ids()[1]
    village.register.update_child(cid, {"school_name": "一小"})
    sync_round(pair)
    town.register.update_child(cid, {"school_name": "二小"})
    sync_round(pair)
    village.register.update_child(cid, {"school_name": "三小"})
    assert sync_round(pair) == [0]
    assert _field(town, cid, "school_name") == _field(village, cid, "school_name") == "三小"
    assert town.register.read(list_conflicts) == []


def test_correction_after_seeing_beats_a_clock_years_ahead(pair: SyncWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    village, town = pair.villages[0], pair.township
    cid = village.register.child_ids()[2]
    real = time.time_ns
    with monkeypatch.context() as mp:
        mp.setattr(clock_module.time, "time_ns", lambda: real() + 3 * 365 * 86_400 * 10**9)
        village.register.update_child(cid, {"living_with": "祖父母（时钟错误）"})
    results = import_bundles(town, pair.export(village), backup=False)
    assert results[0].merge.clock_ahead_ms is not None and results[0].merge.clock_ahead_ms > 86_400_000
    town.register.update_child(cid, {"living_with": "祖父母"})
    sync_round(pair)
    assert _field(town, cid, "living_with") == _field(village, cid, "living_with") == "祖父母"
    assert town.register.read(list_conflicts) == []


def test_edit_against_a_close_is_a_conflict(pair: SyncWorld) -> None:
    village, town = pair.villages[0], pair.township
    cid = village.register.child_ids()[3]
    town.register.close_child(cid, "moved", note="随父母迁居")
    village.register.record_visit(cid, {"visit_date": pair.today, "visitor_name": "村儿童主任"})
    village.register.update_child(cid, {"notes": "走访后补充"})
    sync_round(pair)
    kinds = sorted(c.kind for c in town.register.read(list_conflicts))
    assert kinds == ["edit_on_closed", "edit_on_closed"]
    assert village.register.child_detail(cid).closed and town.register.child_detail(cid).closed
    assert _field(town, cid, "notes") == "走访后补充"


def test_any_order_of_changes_gives_the_same_register(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        ids = world.import_ledger(village, 6, seed=11)
        for cid in ids[:3]:
            village.register.record_visit(cid, {"visit_date": world.today, "visitor_name": "甲"})
            village.register.update_child(cid, {"risk_colour": "red"})
        with village.register.reading() as session:
            changes = log_rows_after(session, 0, last_position(session))
        me = village.installation().id
        expected = tracked_state(village)
        for seed in (1, 2):
            town = create_site(tmp_path / f"town{seed}")
            try:
                setup_installation(town, role="township", org_code="610402100", org_name="幸福镇")
                shuffled = list(changes)
                random.Random(seed).shuffle(shuffled)
                chunks = [shuffled[i:i + 7] for i in range(0, len(shuffled), 7)]
                parked_seen = 0
                town_id = town.installation().id
                for chunk in chunks + chunks[:2]:  # and a few twice
                    with town.register.sessions() as session, session.begin():
                        parked_seen = max(parked_seen, apply_changes(session, chunk, me=town_id,
                                                                     record_conflicts=True).parked)
                assert parked_seen > 0, "some records had to wait for their insert or their child"
                got = tracked_state(town)
                assert {k: v for k, v in got.items() if k in expected} == expected
                assert town.register.read(sync_status).parked_records == 0
                assert me not in (town_id, "")
            finally:
                town.close()
    finally:
        world.close()


def test_dates_and_lists_survive_the_trip(pair: SyncWorld) -> None:
    village, town = pair.villages[0], pair.township
    cid = village.register.child_ids()[4]
    village.register.update_child(cid, {"assessed_categories": ["in_difficulty"], "father.away_since": "2024-03-01"})
    sync_round(pair)
    here, there = village.register.child_detail(cid), town.register.child_detail(cid)
    assert here.fields == there.fields and here.categories == there.categories
    assert isinstance(there.fields["date_of_birth"], dt.date)


def test_same_child_registered_in_two_villages_waits_and_is_a_conflict(tmp_path: Path) -> None:
    from carebook.model.idnumber import id_number_check_character
    from carebook.model.services.bulk import import_children
    from carebook.model.services.children import clean_child_input
    from sync_world import synthetic_ledger

    world = build_world(tmp_path, 2)
    try:
        rows = synthetic_ledger(2, seed=9, today=world.today)
        for v in world.villages:
            with v.register.writing() as session:
                import_children(session, [clean_child_input(r, today=world.today) for r in rows], today=world.today)
        results = [import_bundles(world.township, world.export(v), backup=False)[0] for v in world.villages]
        assert results[1].merge.parked == 6  # two children and their parents wait
        conflicts = [c for c in world.township.register.read(list_conflicts) if c.kind == "duplicate_key"]
        assert len(conflicts) == 2 and {c.field for c in conflicts} == {"id_number"}
        assert import_bundles(world.township, world.export(world.villages[1]), backup=False)[0].merge.conflicts == 0
        # the second village corrects one ID number: that child and its parents arrive
        second = world.villages[1]
        cid = second.register.child_ids()[0]
        number = second.register.child_detail(cid).fields["id_number"]
        fixed = number[:14] + f"{(int(number[14:17]) + 2) % 1000:03d}"
        fixed += id_number_check_character(fixed)
        second.register.update_child(cid, {"id_number": fixed})
        result = import_bundles(world.township, world.export(second), backup=False)[0]
        assert result.merge.parked == 3
        assert world.township.register.child_detail(fixed).id == cid
    finally:
        world.close()


def test_gaps_in_a_senders_log_are_reported_until_filled(pair: SyncWorld) -> None:
    from carebook.sync.peer_store import add_received_range, received_summary

    with pair.township.register.sessions() as session, session.begin():
        sender = "00000000-0000-4000-8000-00000000abcd"
        assert add_received_range(session, sender, 5, 9) == (0, [(1, 4)])
        assert add_received_range(session, sender, 1, 3) == (3, [(4, 4)])
        assert add_received_range(session, sender, 12, 15) == (3, [(4, 4), (10, 11)])
        assert add_received_range(session, sender, 4, 11) == (15, [])
        assert received_summary(session, sender) == (15, [])
        session.rollback()


def test_supervisor_visit_reaches_the_village_with_the_supervisor(pair: SyncWorld) -> None:
    from carebook.model.enums import StaffRole
    from carebook.model.staff import Staff
    from carebook.model.visits import Visit

    village, town = pair.villages[0], pair.township
    cid = village.register.child_ids()[0]
    with town.register.writing() as session:
        supervisor = Staff(role=StaffRole.CHILD_SUPERVISOR, name="周督导", org_unit_id=town.installation().org_unit_id)
        session.add(supervisor)
        session.flush()
        session.add(Visit(child_id=cid, visit_date=pair.today, visitor_name="周督导", visitor_staff_id=supervisor.id))
    sync_round(pair)
    mine = tracked_state(village)
    assert any(k[0] == "visit" and v["visitor_staff_id"] for k, v in mine.items())
    assert village.register.read(sync_status).parked_records == 0
    assert village.register.child_rows([cid])[0].last_visit_date == pair.today

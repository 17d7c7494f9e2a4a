"""Duplicate review at the township (issue 6 item 3) on real registers and bundles
(tests/sync_world.py): the same child registered by two villages (same ID number: the township's
merge parks the second file), close names with the same date of birth, a child who moved (a
transfer, not a duplicate); merging through recorded writes reaches both villages; a pair marked
as not duplicates stops showing. Also the ``carebook township ...`` commands in a subprocess.
Synthetic people only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from carebook.model.children import Child
from carebook.model.queries.duplicates import (
    SAME_ID_NUMBER,
    SIMILAR_NAME,
    TRANSFER,
    find_duplicates,
    names_close,
)
from carebook.model.services.duplicates import mark_not_duplicate, merge_children
from carebook.model.sync_state import SyncConflict, SyncParked
from carebook.model.visits import Visit
from carebook.sync.exchange import export_bundles, import_bundles
from model_helpers import child_values, years_before
from sync_world import PASSPHRASE, SyncWorld, sync_world, tracked_state

__all__ = ["sync_world"]


def _returns(world: SyncWorld) -> None:
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


def _upload(world: SyncWorld) -> None:
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)


def test_names_close() -> None:
    assert names_close("张小明", "张小明") == "same_name"
    assert names_close("张小明", "张晓明") == "pinyin"
    assert names_close("张小明", "张大明") == "one_character"
    assert names_close("张小明", "李大明") is None
    assert names_close("张小明", "张小明明") is None


def test_same_child_in_two_villages_is_found_merged_and_reaches_both(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 8)
    keep = first.register.register_child(child_values("王小明", birth, seq=11)).record_id
    drop = second.register.register_child(child_values("王晓明", birth, seq=11, school_name="二村小学",
                                                       father__name="王建军")).record_id
    assert keep and drop
    second.register.record_visit(drop, {"visit_date": world.today, "visitor_name": "二村主任"})
    _upload(world)
    with world.township.register.reading() as session:
        found = find_duplicates(session)
        assert session.get(Child, drop) is None  # parked: its ID number is taken
    assert len(found) == 1
    pair = found[0]
    assert pair.kind == SAME_ID_NUMBER and not pair.same_village
    assert (pair.a.id, pair.a.status, pair.b.id, pair.b.status) == (keep, "open", drop, "parked")
    assert (pair.a.village_name, pair.b.village_name) == ("第1村", "第2村")
    with world.township.register.writing() as session:
        merge_children(session, keep, drop, today=world.today)
    with world.township.register.reading() as session:
        assert find_duplicates(session) == []
        kept, dropped = session.get(Child, keep), session.get(Child, drop)
        assert kept is not None and dropped is not None
        assert kept.school_name == "二村小学" and kept.id_number is not None
        assert dropped.closed_reason is not None and dropped.closed_reason.code == "other"
        assert keep in (dropped.closed_note or "") and dropped.id_number is None
        assert session.scalars(select(Visit.child_id).where(Visit.visitor_name == "二村主任")).all() == [keep]
        assert session.scalar(select(SyncParked).where(SyncParked.record_id == drop)) is None
        assert all(c.status == "resolved" for c in session.scalars(
            select(SyncConflict).where(SyncConflict.kind == "duplicate_key")))
    _returns(world)
    town = tracked_state(world.township)
    # the first village gets the merged file: the moved visit with its history, the filled field
    one = tracked_state(first)
    assert one[("child", keep)] == town[("child", keep)]
    moved = [k for k, v in one.items() if k[0] == "visit" and v["child_id"] == keep]
    assert len(moved) == 1 and one[moved[0]] == town[moved[0]]
    # the second village keeps a closed file saying where it went
    two = tracked_state(second)[("child", drop)]
    assert two["closed_reason"] == "other" and keep in two["closed_note"] and two["id_number"] is None
    # both villages' next bundles import cleanly (nothing refused, nothing left parked); the second
    # village still holds the father under its closed file, and its correction reaches the first
    first.register.update_child(keep, {"school_name": "一村小学"})
    second.register.update_child(drop, {"father.phone": "13800000000"})
    _upload(world)
    with world.township.register.reading() as session:
        assert session.scalars(select(SyncParked)).all() == []
    _returns(world)
    fathers = [v for k, v in tracked_state(first).items() if k[0] == "family_member" and v["child_id"] == keep]
    assert [(f["name"], f["phone"]) for f in fathers] == [("王建军", "13800000000")]


def test_close_names_same_birth_in_one_village_and_not_duplicate(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 6)
    a = first.register.register_child(child_values("张小明", birth, seq=21)).record_id
    b = first.register.register_child(child_values("张晓明", birth, seq=22)).record_id
    c = second.register.register_child(child_values("李秀英", birth, male=False, seq=23)).record_id
    d = second.register.register_child(child_values("李秀芳", birth, male=False, seq=24)).record_id
    assert a and b and c and d
    _upload(world)
    with world.township.register.reading() as session:
        found = {frozenset((p.a.id, p.b.id)): p for p in find_duplicates(session)}
    assert set(found) == {frozenset((a, b)), frozenset((c, d))}
    assert found[frozenset((a, b))].kind == SIMILAR_NAME and found[frozenset((a, b))].match == "pinyin"
    assert found[frozenset((a, b))].same_village
    assert found[frozenset((c, d))].match == "one_character"
    with world.township.register.writing() as session:
        mark_not_duplicate(session, c, d)
    with world.township.register.reading() as session:
        assert [frozenset((p.a.id, p.b.id)) for p in find_duplicates(session)] == [frozenset((a, b))]
        assert len(find_duplicates(session, include_reviewed=True)) == 2
    with world.township.register.writing() as session:
        merge_children(session, a, b, today=world.today)
    _returns(world)
    one = tracked_state(first)
    assert one[("child", b)]["closed_reason"] == "other"
    assert one[("child", a)] == tracked_state(world.township)[("child", a)]


def test_a_child_who_moved_is_a_transfer_not_a_duplicate(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 10)
    old = first.register.register_child(child_values("赵子涵", birth, seq=31)).record_id
    assert old
    first.register.close_child(old, "moved", note="随父母迁往第2村")
    with first.register.writing() as session:
        session.get(Child, old).transferred_to = second.installation().org_code  # type: ignore[union-attr]
    new = second.register.register_child(child_values("赵子涵", birth, seq=32)).record_id
    _upload(world)
    with world.township.register.reading() as session:
        found = find_duplicates(session)
    assert len(found) == 1 and found[0].kind == TRANSFER
    assert {found[0].a.id, found[0].b.id} == {old, new}
    # the supervisor's action: transfer the old file to the new village, then merge the new one in
    from carebook.model.services.transfer import transfer_child

    with world.township.register.writing() as session:
        transfer_child(session, old, second.installation().org_code, reason="随父母迁居", today=world.today)
        merge_children(session, old, new, today=world.today)
    _returns(world)
    two = tracked_state(second)
    assert two[("child", old)] == tracked_state(world.township)[("child", old)]
    assert two[("child", old)]["closed_reason"] is None and two[("child", new)]["closed_reason"] == "other"
    assert tracked_state(first)[("child", old)]["transferred_to"] == second.installation().org_code
    with world.township.register.reading() as session:
        assert find_duplicates(session) == []


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAREBOOK_PASSPHRASE": PASSPHRASE, "CAREBOOK_KEYRING": "off"}
    return subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=180)


def test_township_commands(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 9)
    keep = first.register.register_child(child_values("孙浩然", birth, seq=41)).record_id
    drop = second.register.register_child(child_values("孙浩然", birth, seq=41)).record_id
    other = first.register.register_child(child_values("孙欣怡", birth, male=False, seq=42)).record_id
    assert keep and drop and other
    _upload(world)
    town = world.township.db.paths.root
    world.township.close()
    listed = _cli(town, "township", "duplicates", "--json")
    assert listed.returncode == 0, listed.stderr
    pairs = json.loads(listed.stdout)["candidates"]
    assert [(p["kind"], p["a"]["id"], p["b"]["id"], p["b"]["status"]) for p in pairs] == [
        (SAME_ID_NUMBER, keep, drop, "parked")]
    merged = _cli(town, "township", "merge-children", keep, drop, "--json")
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["keep"] == keep
    moved = _cli(town, "township", "transfer", other, "--to-village", second.installation().org_code,
                 "--reason", "随母亲迁居", "--json")
    assert moved.returncode == 0, moved.stderr
    out = json.loads(moved.stdout)
    assert (out["child"], out["from_village"], out["to_village"]) == (
        other, first.installation().org_code, second.installation().org_code)
    again = _cli(town, "township", "transfer", other, "--to-village", second.installation().org_code,
                 "--reason", "再转一次")
    assert again.returncode != 0 and "Traceback" not in again.stderr and "已经在" in again.stderr + again.stdout
    empty = _cli(town, "township", "duplicates")
    assert empty.returncode == 0 and "没有发现" in empty.stdout
    bad = _cli(town, "township", "not-duplicate", keep, keep)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_township_messages_name_the_children(sync_world: SyncWorld) -> None:
    """The merge and transfer messages name the children (name and ID number, or date of birth
    when there is none), not by record id."""
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 9)
    keep = first.register.register_child(child_values("蔡涵", birth, seq=51)).record_id
    drop = second.register.register_child(child_values("蔡涵", birth, seq=51)).record_id
    other = first.register.register_child(child_values("蔡欣怡", birth, male=False, seq=52)).record_id
    assert keep and drop and other
    _upload(world)
    town = world.township.db.paths.root
    world.township.close()
    listed = json.loads(_cli(town, "township", "duplicates", "--json").stdout)["candidates"]
    number = listed[0]["a"]["id_number"]
    assert number and listed[0]["b"]["id"] == drop
    merged = _cli(town, "township", "merge-children", keep, drop)
    assert merged.returncode == 0, merged.stderr
    # the parked DROP has no ID number of its own once merged: its date of birth names it
    assert f"已合并：蔡涵（{birth.isoformat()}） 并入 蔡涵（{number}）" in merged.stdout, merged.stdout
    assert keep not in merged.stdout and drop not in merged.stdout
    moved = _cli(town, "township", "transfer", other, "--to-village", second.installation().org_code,
                 "--reason", "随母亲迁居")
    assert moved.returncode == 0, moved.stderr
    assert "已把蔡欣怡（" in moved.stdout and "从第1村转到第2村" in moved.stdout, moved.stdout
    assert other not in moved.stdout
    labelled = _cli(town, "township", "transfer", other, "--to-village", first.installation().org_code,
                    "--reason", "回原村", "--json")
    assert labelled.returncode == 0, labelled.stderr
    assert json.loads(labelled.stdout)["child_label"].startswith("蔡欣怡（")

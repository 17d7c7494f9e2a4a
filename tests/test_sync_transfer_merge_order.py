"""A village's return bundle after the township's "transfer, then merge" of two files with the same
ID number (tests/sync_world.py, real registers and bundles): the bundle both inserts the
transferred file (holding the ID number) and clears the ID number of the village's own file, so
the merge must release the value before inserting; and a genuine collision is parked as a
``duplicate_key`` conflict, never a database error. Synthetic people only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

from carebook.model.children import Child
from carebook.model.services.duplicates import merge_children
from carebook.model.services.transfer import transfer_child
from carebook.model.sync_state import SyncConflict, SyncParked
from carebook.sync.exchange import SyncSite, export_bundles, import_bundles
from model_helpers import child_values, years_before
from sync_world import PASSPHRASE, SyncWorld, content_hash, sync_world, tracked_state

__all__ = ["sync_world"]


def _upload(world: SyncWorld) -> None:
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)


def _returns(world: SyncWorld) -> None:
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


def test_transfer_then_merge_same_id_number_reaches_the_new_village(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 9)
    moved = first.register.register_child(child_values("尹家", birth, seq=51)).record_id
    own = second.register.register_child(child_values("测试重家", birth, seq=51)).record_id
    assert moved and own
    _upload(world)
    with world.township.register.reading() as session:
        assert session.get(Child, own) is None  # parked: its ID number is taken
        number = session.get(Child, moved).id_number  # type: ignore[union-attr]
    with world.township.register.writing() as session:
        transfer_child(session, moved, second.installation().org_code, reason="搬家", today=world.today)
    with world.township.register.writing() as session:
        merge_children(session, moved, own, today=world.today)
    _returns(world)  # raised IntegrityError (UNIQUE child.id_number) at the second village before
    town = tracked_state(world.township)
    two = tracked_state(second)
    assert two[("child", moved)] == town[("child", moved)]
    assert two[("child", own)] == town[("child", own)]
    assert two[("child", moved)]["id_number"] == number and two[("child", own)]["id_number"] is None
    assert two[("child", own)]["closed_reason"] == "other"
    with second.register.reading() as session:
        assert session.scalars(select(SyncParked)).all() == []
    # the next round trips import cleanly both ways
    second.register.update_child(moved, {"school_name": "二村小学"})
    _upload(world)
    _returns(world)
    assert tracked_state(second)[("child", moved)] == tracked_state(world.township)[("child", moved)]
    assert tracked_state(second)[("child", moved)]["school_name"] == "二村小学"


def open_site_at(root: Path) -> SyncSite:
    """Reopen a site's register (passphrase, no keyring)."""
    return SyncSite.open(root, passphrase=PASSPHRASE)


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAREBOOK_PASSPHRASE": PASSPHRASE, "CAREBOOK_KEYRING": "off"}
    return subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=180)


def test_a_database_refusal_in_the_merge_is_a_message_and_changes_nothing(sync_world: SyncWorld) -> None:
    """Last resort: a write the merge did not foresee is refused by the database (here a trigger
    standing for any constraint): ``bundle import`` says so in words, exits 1, changes nothing."""
    world = sync_world
    first, second, _third = world.villages
    child = second.register.register_child(child_values("钱小军", years_before(world.today, 7), seq=61)).record_id
    assert child
    _upload(world)
    with world.township.register.writing() as session:  # the return bundle inserts the file at the first village
        transfer_child(session, child, first.installation().org_code, reason="搬家", today=world.today)
    folder = world.stick / "refused"
    folder.mkdir()
    paths = [p for r in export_bundles(world.township, folder)
             if r.peer_code == first.installation().org_code for p in r.paths]
    assert paths
    with first.register.writing() as session:
        session.execute(text("CREATE TRIGGER refuse_child BEFORE INSERT ON child "
                             "BEGIN SELECT RAISE(ABORT, 'synthetic refusal'); END"))
    before = content_hash(first)
    root = first.db.paths.root
    first.close()
    out = _cli(root, "bundle", "import", "--no-backup", *map(str, paths))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and "没有改动任何数据" in out.stderr and "synthetic refusal" in out.stderr
    again = open_site_at(root)
    try:
        assert content_hash(again) == before
    finally:
        again.close()


def test_a_genuine_collision_at_the_village_is_parked_and_reaches_the_township_as_a_conflict(
        sync_world: SyncWorld) -> None:
    """The township transfers a file to a village that meanwhile registered its own file of the
    same child (same ID number, not yet sent): the village parks the incoming file (no error);
    its own file, once uploaded, is parked at the township as a duplicate_key conflict."""
    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 8)
    moved = second.register.register_child(child_values("孙小梅", birth, male=False, seq=71)).record_id
    assert moved
    _upload(world)
    with world.township.register.writing() as session:
        transfer_child(session, moved, first.installation().org_code, reason="随母亲迁居", today=world.today)
    own = first.register.register_child(child_values("孙晓梅", birth, male=False, seq=71)).record_id
    assert own
    _returns(world)
    with first.register.reading() as session:
        assert session.get(Child, moved) is None and session.get(Child, own) is not None
        parked = session.scalars(select(SyncParked).where(SyncParked.record_id == moved)).all()
        assert [p.reason for p in parked] == ["duplicate_key"]
    _upload(world)
    with world.township.register.reading() as session:
        assert session.get(Child, own) is None and session.get(Child, moved) is not None
        assert [p.reason for p in session.scalars(select(SyncParked).where(SyncParked.record_id == own))] == [
            "duplicate_key"]
        kinds = [c.kind for c in session.scalars(select(SyncConflict).where(SyncConflict.status == "open"))]
        assert "duplicate_key" in kinds
    # the supervisor merges the village's file into the transferred one: both registers converge
    with world.township.register.writing() as session:
        merge_children(session, moved, own, today=world.today)
    _returns(world)
    town, one = tracked_state(world.township), tracked_state(first)
    assert one[("child", moved)] == town[("child", moved)] and one[("child", own)] == town[("child", own)]
    assert one[("child", own)]["id_number"] is None
    with first.register.reading() as session:
        assert session.scalars(select(SyncParked)).all() == []

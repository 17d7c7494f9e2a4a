"""Several bundles imported at once (the township's stick): one transaction, a savepoint per
bundle, one backup (carebook.sync.bundle_import.ImportBatch), on real encrypted registers.

What must hold: a refused bundle changes nothing and the others are imported (or, without
``keep_going``, those before it stay imported), also when the database refuses it half-way
through its writes; the same bundle twice is imported once; Ctrl-C or a process killed midway
leaves the register exactly as before and a rerun completes; a commit the database refuses (a
deferred foreign key) does not keep the good bundles out; one backup per import.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from carebook.model.organisation import unit_id_for_code
from carebook.model.queries.sync_status import unsent_change_count
from carebook.sync import merge
from carebook.sync.errors import TruncatedBundleError
from carebook.sync.exchange import import_bundles, import_bundles_skipping
from carebook.sync.merge import MergeRefusedError
from sync_world import (
    PASSPHRASE,
    SyncWorld,
    build_world,
    content_hash,
    kill_at_marker,
    tracked_state,
    village_code,
)


def _stick_with_three(world: SyncWorld, tmp_path: Path) -> list[Path]:
    """Each of the three villages registers 4 children and exports; the bundles are gathered
    in one folder (the township's stick), in village order."""
    folder = tmp_path / "township-stick"
    folder.mkdir()
    out = []
    for i, village in enumerate(world.villages):
        world.import_ledger(village, 4, seed=40 + i)
        (bundle,) = world.export(village)
        out.append(Path(shutil.copy2(bundle, folder / bundle.name)))
    return out


def _children_of(world: SyncWorld, i: int) -> int:
    unit = unit_id_for_code(village_code(i))
    state = tracked_state(world.township)
    return sum(1 for (entity, _rid), row in state.items() if entity == "child" and row["village_id"] == unit)


def _on_second_village_members(world: SyncWorld, when: str, action: str) -> None:
    """A trigger in the township's register, ``when`` (BEFORE/AFTER) a family member of a child
    of the second village is inserted, doing ``action``: a database refusal the merge cannot
    foresee, for that village's bundle only."""
    second = unit_id_for_code(village_code(1))
    with world.township.register.sessions() as session, session.begin():
        session.execute(text(
            f"CREATE TRIGGER test_second_village {when} INSERT ON family_member WHEN "
            f"(SELECT village_id FROM child WHERE id = NEW.child_id) = '{second}' BEGIN {action}; END"))


def test_a_folder_is_imported_after_one_backup(tmp_path: Path) -> None:
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        outcome = import_bundles_skipping(world.township, bundles, keep_going=True)
        assert [r.merge.inserted > 0 and not r.already_imported for r in outcome.results] == [True] * 3
        assert not outcome.refused and not outcome.skipped
        backups = sorted(world.township.db.paths.backups.iterdir())
        assert len(backups) == 1, backups
        assert {r.backup for r in outcome.results} == {backups[0]}
        assert [_children_of(world, i) for i in range(3)] == [4, 4, 4]
        again = import_bundles_skipping(world.township, bundles, keep_going=True)
        assert [r.already_imported for r in again.results] == [True] * 3
        assert len(list(world.township.db.paths.backups.iterdir())) == 1  # nothing to apply: no backup
    finally:
        world.close()


def test_the_same_bundle_twice_in_one_folder_is_applied_once(tmp_path: Path) -> None:
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        copy = Path(shutil.copy2(bundles[1], bundles[1].with_name("copy-of-second.cbk")))
        results = import_bundles(world.township, [*bundles, copy], backup=False)
        assert len(results) == 4
        assert results[3].bundle_id == results[1].bundle_id and results[3].already_imported
        assert results[3].merge.applied == 0 and results[1].merge.applied > 0
        assert [_children_of(world, i) for i in range(3)] == [4, 4, 4]
    finally:
        world.close()


def test_a_refusal_keeps_the_bundles_before_it_and_only_those(tmp_path: Path) -> None:
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        data = bundles[1].read_bytes()
        bundles[1].write_bytes(data[: len(data) // 2])
        with pytest.raises(TruncatedBundleError):
            import_bundles(world.township, bundles, backup=False)
        assert [_children_of(world, i) for i in range(3)] == [4, 0, 0]
        outcome = import_bundles_skipping(world.township, bundles, backup=False, keep_going=True)
        assert [p.name for f in outcome.refused for p in f.paths] == [bundles[1].name]
        assert [_children_of(world, i) for i in range(3)] == [4, 0, 4]
    finally:
        world.close()


def test_ctrl_c_midway_keeps_nothing_of_the_batch_and_a_rerun_completes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (KeyboardInterrupt) while the third bundle is applied: the two applied before it
    are rolled back too (the command then says 已中断，数据没有改动, which must be true)."""
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        before = content_hash(world.township)
        original = merge._materialise
        calls: list[int] = []

        def interrupted(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return original(*args, **kwargs)

        monkeypatch.setattr(merge, "_materialise", interrupted)
        with pytest.raises(KeyboardInterrupt):
            import_bundles(world.township, bundles, backup=False)
        assert content_hash(world.township) == before
        monkeypatch.setattr(merge, "_materialise", original)
        results = import_bundles(world.township, bundles, backup=False)
        assert [r.already_imported for r in results] == [False] * 3
        assert [_children_of(world, i) for i in range(3)] == [4, 4, 4]
    finally:
        world.close()


def test_a_bundle_the_database_refuses_midway_is_rolled_back_alone(tmp_path: Path) -> None:
    """The second village's bundle fails while its rows are being written (a trigger refuses its
    family members after its children went in): its savepoint is rolled back (no child of it
    stays), it is refused with the database's reason, and the bundles around it are imported
    after one backup."""
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        _on_second_village_members(world, "BEFORE", "SELECT RAISE(ABORT, 'refused by a test trigger')")
        outcome = import_bundles_skipping(world.township, bundles, keep_going=True)
        assert [f.paths for f in outcome.refused] == [[bundles[1]]]
        assert isinstance(outcome.refused[0].error, MergeRefusedError)
        assert "refused by a test trigger" in outcome.refused[0].error.message_en
        assert [_children_of(world, i) for i in range(3)] == [4, 0, 4]
        assert len(list(world.township.db.paths.backups.iterdir())) == 1
    finally:
        world.close()


_KILL_SCRIPT = """
import sys, time
from pathlib import Path
import carebook.sync.merge as merge
from carebook.sync.exchange import SyncSite, import_bundles
original = merge._materialise
calls = []
def slow(*args, **kwargs):
    result = original(*args, **kwargs)
    calls.append(1)
    if len(calls) == 2:  # the first bundle is applied (in its savepoint), the second half-way
        Path(sys.argv[2]).write_text("in the middle")
        time.sleep(60)
    return result
merge._materialise = slow
site = SyncSite.open(Path(sys.argv[1]), passphrase=sys.argv[3])
import_bundles(site, [Path(p) for p in sys.argv[4:]], backup=False)
"""


def test_killed_folder_import_leaves_register_as_before_and_rerun_completes(tmp_path: Path) -> None:
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        before = content_hash(world.township)
        world.township.close()
        marker = tmp_path / "marker"
        kill_at_marker([_KILL_SCRIPT, str(tmp_path / "township"), str(marker), PASSPHRASE, *map(str, bundles)], marker)
        from carebook.sync.exchange import SyncSite

        world.township = SyncSite.open(tmp_path / "township", passphrase=PASSPHRASE)
        assert content_hash(world.township) == before  # the first bundle too: one transaction
        results = import_bundles(world.township, bundles, backup=False)
        assert [r.already_imported for r in results] == [False] * 3
        assert [_children_of(world, i) for i in range(3)] == [4, 4, 4]
    finally:
        world.close()


def test_a_commit_refused_by_the_database_keeps_only_that_bundle_out(tmp_path: Path) -> None:
    """A deferred foreign key fails the batch's commit (here: a trigger that the merge cannot
    foresee points the second village's family members at no child). The batch is rolled back
    and the bundles are imported again one transaction each, after the same one backup: the
    second is refused with the database's reason, the others are imported."""
    world = build_world(tmp_path, 3)
    try:
        bundles = _stick_with_three(world, tmp_path)
        _on_second_village_members(world, "AFTER", "UPDATE family_member SET child_id = 'no-such-child' WHERE id = NEW.id")
        outcome = import_bundles_skipping(world.township, bundles, keep_going=True)
        assert len(outcome.results) == 2 and [f.paths for f in outcome.refused] == [[bundles[1]]]
        backups = list(world.township.db.paths.backups.iterdir())
        assert len(backups) == 1 and {r.backup for r in outcome.results} == {backups[0]}
        assert isinstance(outcome.refused[0].error, MergeRefusedError)
        assert "FOREIGN KEY" in outcome.refused[0].error.message_en.upper()
        assert [_children_of(world, i) for i in range(3)] == [4, 0, 4]
    finally:
        world.close()


def test_a_village_imports_two_return_bundles_in_one_folder(tmp_path: Path) -> None:
    """A village's stick holds two return bundles of its township, the newer first (the
    township exported again after a correction): in one transaction, the newer applies the
    correction and acknowledges the village's changes, the older one adds nothing; the village
    ends with every change acknowledged and the township's values."""
    world = build_world(tmp_path, 1)
    try:
        village, town = world.villages[0], world.township
        world.import_ledger(village, 3, seed=90)
        world.deliver(town, world.export(village))
        older = world.export(town)
        cid = village.register.child_ids()[0]
        town.register.update_child(cid, {"notes": "乡镇督导员更正"})
        newer = world.export(town)
        folder = tmp_path / "village-stick"
        folder.mkdir()
        files = [Path(shutil.copy2(p, folder / f"{tag}-{p.name}")) for tag, paths in (("a", newer), ("b", older))
                 for p in paths]
        results = import_bundles(village, files, backup=False)
        assert [r.already_imported for r in results] == [False, False]
        assert results[0].merge.applied > 0 and results[1].merge.applied == 0
        assert tracked_state(village)[("child", cid)]["notes"] == "乡镇督导员更正"
        assert village.register.read(unsent_change_count) == 0
        mine, theirs = tracked_state(village), tracked_state(town)
        assert all(theirs[key] == value for key, value in mine.items() if key in theirs)
    finally:
        world.close()

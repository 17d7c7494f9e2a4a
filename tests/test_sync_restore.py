"""Giving a village back its register (sync/restore.py), on real encrypted registers and real
bundles through a folder standing for the USB stick:

* a village PC is lost (data folder deleted); the township re-enrols the village on a new PC; the
  new PC gets every record of the village back, field for field, with its history; normal sync
  continues; a bundle from the old (retired) PC is refused with its own message;
* a village restored from an older backup: it learns from the township what it lost, renumbers
  what it did after the restore, takes its lost changes back; nothing lost or overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from carebook.cli.main import main
from carebook.model import keys
from carebook.model.backups import restore_backup, take_backup
from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child
from carebook.model.organisation import unit_id_for_code
from carebook.model.queries.sync_status import unsent_change_count
from carebook.sync.errors import SenderRetiredError
from carebook.sync.exchange import SyncSite, export_bundles, import_bundle, import_bundles
from carebook.sync.restore import (
    BEHIND_KEY,
    RESEND_KEY,
    NothingToReplaceError,
    SenderRestoredError,
    create_replacement_enrolment_file,
)
from sync_world import (
    PASSPHRASE,
    SyncWorld,
    build_world,
    content_hash,
    create_site,
    setup_village_from_enrolment,
    tracked_state,
    village_code,
)


def _log(site: SyncSite, record_id: str | None = None) -> set[tuple[str, int, str, str, str | None, str | None]]:
    """The change log as ``(origin, origin_seq, hlc, op, field, new_value)`` (of one record)."""
    with site.register.reading() as session:
        query = select(ChangeLogEntry.origin, ChangeLogEntry.origin_seq, ChangeLogEntry.hlc, ChangeLogEntry.op,
                       ChangeLogEntry.field, ChangeLogEntry.new_value)
        if record_id is not None:
            query = query.where(ChangeLogEntry.record_id == record_id)
        return {tuple(r) for r in session.execute(query)}  # type: ignore[misc]


def _children_of(site: SyncSite, code: str) -> set[str]:
    with site.register.reading() as session:
        return set(session.scalars(select(Child.id).where(Child.village_id == unit_id_for_code(code))))


def _setting(site: SyncSite, key: str) -> Any:
    from carebook.model.settings import get_value

    return site.register.read(lambda s: get_value(s, key))


def _same_shared_records(a: SyncSite, b: SyncSite) -> None:
    left, right = tracked_state(a), tracked_state(b)
    shared = set(left) & set(right)
    assert shared
    assert {k: left[k] for k in shared} == {k: right[k] for k in shared}


def _enrol_all(world: SyncWorld) -> None:
    for village in world.villages:
        world.deliver(world.township, world.export(village))
    for village in world.villages:
        world.deliver(village, _bundles_for(world, village))


# --------------------------------------------------------------------------- a replaced PC


def test_a_lost_village_pc_is_replaced_and_gets_its_whole_register_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world(tmp_path, 2)
    try:
        _enrol_all(world)
        old = world.villages[0]
        kids = world.import_ledger(old, 3, seed=71)
        world.import_ledger(world.villages[1], 2, seed=72)
        old.register.update_child(kids[0], {"notes": "第一次走访后补记"})
        for village in world.villages:
            world.deliver(world.township, world.export(village))
        world.township.register.update_child(kids[0], {"current_address": "督导员更正的地址"})
        world.deliver(old, _bundles_for(world, old))
        old.register.update_child(kids[1], {"notes": "换电脑前的最后一次修改"})
        world.deliver(world.township, world.export(old))
        old_id = old.installation().id
        # the stolen PC keeps a bundle it will try to send later
        old.register.update_child(kids[2], {"notes": "被盗电脑上的修改"})
        stolen = tmp_path / "stolen"
        stolen.mkdir()
        stolen_bundle = [p for r in export_bundles(old, stolen) for p in r.paths]
        before_township = {k: v for k, v in tracked_state(world.township).items()
                           if k[0] == "child" and k[1] in set(kids)}
        history_before = _log(world.township, kids[0])

        # the PC is lost: its data folder is gone (the sync world keeps keys behind a passphrase,
        # so there is no keyring entry to lose)
        old.close()
        shutil.rmtree(tmp_path / "village0")

        with pytest.raises(NothingToReplaceError):
            create_replacement_enrolment_file(world.township, village_code="610402100299", village_name="无此村",
                                              out=world.stick)
        made = create_replacement_enrolment_file(world.township, village_code=village_code(0),
                                                 village_name="第1村", out=tmp_path / "enrol-new.cbe")
        assert [p.installation_id for p in made.retired] == [old_id] and made.enrolment.replacement
        # from now on the old PC is refused, with its own message, and nothing changes
        before = content_hash(world.township)
        with pytest.raises(SenderRetiredError) as refused:
            import_bundles(world.township, stolen_bundle, backup=False)
        assert "更换" in refused.value.message_zh and "replaced" in refused.value.message_en
        assert content_hash(world.township) == before

        new = create_site(tmp_path / "village0-new")
        world.villages[0] = new
        setup_village_from_enrolment(new, made.path, actor="新电脑儿童主任")
        assert new.installation().id != old_id
        first = import_bundles(world.township, world.export(new), backup=False)[0]
        assert first.newly_enrolled
        restore_files = world.export(world.township)
        assert len(restore_files) == 2  # one per active village
        mine = [p for p in restore_files if _addressed_to(world, p, new)]
        restored = import_bundles(new, mine, backup=False)[0]
        assert restored.restore and restored.restored_children == 3
        assert restored.to_json()["restore"] and restored.to_json()["restored_children"] == 3

        # every record of the village, field for field, and nothing of the other village
        after = {k: v for k, v in tracked_state(new).items() if k[0] == "child"}
        assert after == before_township
        assert _children_of(new, village_code(1)) == set()
        _same_shared_records(new, world.township)
        # the history came with it: the old PC's changes and the supervisor's correction
        history = _log(new, kids[0])
        assert history == history_before
        assert {o for o, *_ in history} >= {old_id, world.township.installation().id}
        monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
        monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
        assert main(["--data-dir", str(tmp_path / "village0-new"), "history", kids[0], "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert any(e["field"] == "notes" and e["new"] == "第一次走访后补记" and e["origin"] == old_id for e in shown)
        assert any(e["field"] == "current_address" and e["new"] == "督导员更正的地址" for e in shown)

        # normal sync continues: new edits go up, nothing is sent twice or lost
        new.register.update_child(kids[1], {"notes": "新电脑上的修改"})
        up = import_bundles(world.township, world.export(new), backup=False)[0]
        assert up.merge.applied >= 1 and up.merge.conflicts == 0
        assert tracked_state(world.township)[("child", kids[1])]["notes"] == "新电脑上的修改"
        world.deliver(new, _bundles_for(world, new))
        assert new.register.read(unsent_change_count) == 0
        _same_shared_records(new, world.township)
        again = import_bundles(new, _bundles_for(world, new), backup=False)[0]
        assert not again.restore and again.merge.applied == 0
        # the stolen PC's bundle stays refused after all this
        with pytest.raises(SenderRetiredError):
            import_bundles(world.township, stolen_bundle, backup=False)
    finally:
        world.close()


def _addressed_to(world: SyncWorld, path: Path, site: SyncSite) -> bool:
    from carebook.sync.bundle_files import inspect_bundle

    return inspect_bundle(path).header.recipient_installation_id == site.installation().id


def _bundles_for(world: SyncWorld, site: SyncSite) -> list[Path]:
    return [p for p in world.export(world.township) if _addressed_to(world, p, site)]


def test_replacement_through_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CAREBOOK_KEYRING", "0")
    town, village, new, stick = (tmp_path / n for n in ("town", "village", "new", "stick"))
    stick.mkdir()

    def run(*args: str) -> Any:
        code = main([*args])
        out = capsys.readouterr().out
        assert code == 0, out
        return json.loads(out) if "--json" in args else out

    run("--data-dir", str(town), "init", "--role", "township", "--org-code", "610402100", "--org-name", "幸福镇")
    assert main(["--data-dir", str(town), "enrol", "create", "--village-code", "610402100201",
                 "--village-name", "东湾村", "--out", str(stick), "--no-code", "--replace"]) == 1
    assert "无需" in capsys.readouterr().err
    run("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name", "东湾村",
        "--out", str(stick), "--no-code", "--json")
    run("--data-dir", str(village), "init", "--enrolment", str(stick / "enrol-610402100201.cbe"), "--json")
    site = SyncSite.open(village, passphrase=PASSPHRASE)
    try:
        SyncWorld(site, [], stick, dt.date.today()).import_ledger(site, 4, seed=5)
    finally:
        site.close()
    up = run("--data-dir", str(village), "bundle", "export", "--to", str(stick), "--json")
    run("--data-dir", str(town), "bundle", "import", up[0]["files"][0], "--json")
    (stick / "enrol-610402100201.cbe").unlink()
    made = run("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name",
               "东湾村", "--out", str(stick), "--no-code", "--replace", "--json")
    assert made["replacement"] and len(made["retired"]) == 1 and made["file"].endswith("enrol-610402100201.cbe")
    listed = run("--data-dir", str(town), "enrol", "list", "--json")
    assert [p["retired"] for p in listed["peers"]] == [True]
    assert any(e["replaces"] == made["retired"] for e in listed["enrolments"])
    run("--data-dir", str(new), "init", "--enrolment", made["file"], "--json")
    first = run("--data-dir", str(new), "bundle", "export", "--to", str(stick), "--json")
    assert run("--data-dir", str(town), "bundle", "import", first[0]["files"][0], "--json")[0]["newly_enrolled"]
    back = tmp_path / "back"
    back.mkdir()
    ret = run("--data-dir", str(town), "bundle", "export", "--to", str(back), "--json")
    got = run("--data-dir", str(new), "bundle", "import", *ret[0]["files"], "--json")
    assert got[0]["restore"] and got[0]["restored_children"] == 4
    text = run("--data-dir", str(new), "bundle", "import", *ret[0]["files"])
    assert "以前已经导入过" in text
    assert main(["--data-dir", str(town), "bundle", "import", up[0]["files"][0]]) == 1
    assert "更换" in capsys.readouterr().err


# --------------------------------------------------------------------------- restored from a backup


@pytest.mark.parametrize("return_first", [False, True], ids=["village-exports-first", "return-bundle-first"])
def test_a_village_restored_from_an_older_backup_loses_and_overwrites_nothing(
        tmp_path: Path, return_first: bool) -> None:
    world = build_world(tmp_path, 1)
    try:
        _enrol_all(world)
        village = world.villages[0]
        me = village.installation().id
        kids = world.import_ledger(village, 3, seed=81)
        world.deliver(world.township, world.export(village))            # bundle 1
        world.deliver(village, _bundles_for(world, village))
        village.register.update_child(kids[0], {"notes": "第二包"})
        world.deliver(world.township, world.export(village))            # bundle 2
        backup = take_backup(village.db)                                 # the backup, before bundle 3
        village.register.update_child(kids[1], {"notes": "第三包：恢复后会丢失"})
        village.register.update_child(kids[0], {"current_address": "第三包的地址"})
        lost = world.import_ledger(village, 1, seed=82)
        world.deliver(world.township, world.export(village))            # bundle 3
        lost_changes = {c for c in _log(world.township) if c[0] == me} - _log_at_backup(village, backup, tmp_path)

        village.close()
        restore_backup(backup, tmp_path / "village0", passphrase=PASSPHRASE)
        village = world.villages[0] = SyncSite.open(tmp_path / "village0", passphrase=PASSPHRASE)
        assert lost[0] not in _children_of(village, village_code(0))
        restored_top = max(s for o, s, *_ in _log(village) if o == me)
        # work goes on after the restore: the same field as a lost change, and another one
        village.register.update_child(kids[0], {"current_address": "恢复后的地址"})
        village.register.update_child(kids[2], {"notes": "恢复后的新记录"})
        after_restore = {c for c in _log(village) if c[0] == me and c[1] > restored_top}
        assert len(after_restore) == 2

        if return_first:
            first = import_bundles(village, _bundles_for(world, village), backup=False)[0]
            assert first.own.behind and 1 <= first.own.missing <= len(lost_changes)  # a lower bound
            assert _setting(village, BEHIND_KEY) is not None
        before = content_hash(world.township, skip=("setting",))
        with pytest.raises(SenderRestoredError) as refused:
            import_bundles(world.township, world.export(village), backup=False)
        assert "备份恢复" in refused.value.message_zh
        assert content_hash(world.township, skip=("setting",)) == before   # nothing imported
        assert me in _setting(world.township, RESEND_KEY)

        repaired = import_bundles(village, _bundles_for(world, village), backup=False)[0]
        assert repaired.own.recovered == len(lost_changes) and repaired.own.renumbered == 2
        assert not repaired.own.behind and _setting(village, BEHIND_KEY) is None
        assert lost[0] in _children_of(village, village_code(0))
        up = import_bundles(world.township, world.export(village), backup=False)[0]
        assert up.merge.applied == 2 and up.merge.conflicts == 0 and not up.gaps
        assert me not in (_setting(world.township, RESEND_KEY) or {})
        world.deliver(village, _bundles_for(world, village))

        # nothing lost: both logs hold every change of the village, the lost ones under their own
        # numbers and the ones made after the restore under new numbers; the states converge
        mine_here = {c for c in _log(village) if c[0] == me}
        mine_there = {c for c in _log(world.township) if c[0] == me}
        assert mine_here == mine_there and lost_changes <= mine_here
        assert {(h, op, f, v) for _o, _s, h, op, f, v in after_restore} <= {(h, op, f, v) for _o, _s, h, op, f, v
                                                                           in mine_here}
        assert len({s for _o, s, *_ in mine_here}) == len(mine_here)
        assert tracked_state(village) == tracked_state(world.township)
        state = tracked_state(village)
        assert state[("child", kids[1])]["notes"] == "第三包：恢复后会丢失"
        assert state[("child", kids[0])]["current_address"] == "恢复后的地址"  # the later edit, same PC
        assert any(f == "current_address" and v == json.dumps("第三包的地址", ensure_ascii=False)
                   for *_x, f, v in _log(village, kids[0]))                 # the lost value stays in history
        assert village.register.read(unsent_change_count) == 0
        # and the next round is ordinary
        village.register.update_child(kids[1], {"notes": "之后的普通修改"})
        again = import_bundles(world.township, world.export(village), backup=False)[0]
        assert again.merge.applied == 1 and again.merge.duplicates == 0
        normal = import_bundles(village, _bundles_for(world, village), backup=False)[0]
        assert normal.own.recovered == normal.own.renumbered == normal.own.moved == 0
        assert tracked_state(village) == tracked_state(world.township)
    finally:
        world.close()


def _log_at_backup(village: SyncSite, backup: Path, tmp_path: Path) -> set[Any]:
    """The village's change log as the backup holds it (restored into a scratch folder)."""
    scratch = tmp_path / "scratch"
    restore_backup(backup, scratch, passphrase=PASSPHRASE)
    site = SyncSite.open(scratch, passphrase=PASSPHRASE)
    try:
        return _log(site)
    finally:
        site.close()
        shutil.rmtree(scratch)


def test_a_village_restored_without_new_work_gets_its_lost_changes_back(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        _enrol_all(world)
        village = world.villages[0]
        kids = world.import_ledger(village, 2, seed=91)
        world.deliver(world.township, world.export(village))
        village.close()
        shutil.copytree(tmp_path / "village0", tmp_path / "saved")
        village = world.villages[0] = SyncSite.open(tmp_path / "village0", passphrase=PASSPHRASE)
        village.register.update_child(kids[0], {"notes": "会丢失的修改"})
        world.deliver(world.township, world.export(village))
        village.close()
        shutil.rmtree(tmp_path / "village0")
        shutil.copytree(tmp_path / "saved", tmp_path / "village0")
        village = world.villages[0] = SyncSite.open(tmp_path / "village0", passphrase=PASSPHRASE)
        told = import_bundles(village, _bundles_for(world, village), backup=False)[0]
        assert told.own.behind and told.own.missing == 1
        asked = import_bundles(world.township, world.export(village), backup=False)[0]   # carries the request
        assert asked.merge.applied == 0
        back = import_bundles(village, _bundles_for(world, village), backup=False)[0]
        assert back.own.recovered == 1 and not back.own.behind
        assert tracked_state(village)[("child", kids[0])]["notes"] == "会丢失的修改"
        village.register.update_child(kids[1], {"notes": "恢复后的第一个修改"})
        up = import_bundles(world.township, world.export(village), backup=False)[0]
        assert up.merge.applied == 1
        world.deliver(village, _bundles_for(world, village))
        assert tracked_state(village) == tracked_state(world.township)
        assert village.installation().id not in (_setting(world.township, RESEND_KEY) or {})
    finally:
        world.close()


def test_import_bundle_single_file_api_reports_restore(tmp_path: Path) -> None:
    """``import_bundle`` (one bundle) says it is a restore and how many children came back."""
    world = build_world(tmp_path, 1)
    try:
        _enrol_all(world)
        village = world.villages[0]
        world.import_ledger(village, 2, seed=95)
        world.deliver(world.township, world.export(village))
        village.close()
        shutil.rmtree(tmp_path / "village0")
        made = create_replacement_enrolment_file(world.township, village_code=village_code(0), village_name="第1村",
                                                 out=world.stick / "replace.cbe")
        new = world.villages[0] = create_site(tmp_path / "new")
        setup_village_from_enrolment(new, made.path)
        world.deliver(world.township, world.export(new))
        files = world.export(world.township)
        result = import_bundle(new, files, backup=True)
        assert result.restore and result.restored_children == 2 and result.backup is not None
    finally:
        world.close()


# --------------------------------------------------------------------------- transferred away, then replaced


def test_a_replaced_pc_gets_back_the_files_the_township_transferred_away(tmp_path: Path) -> None:
    """The closed "已转往" files of children transferred away come back with the restore bundle,
    whole (child, family, visits up to the transfer), nothing is left waiting, the village still
    may not edit them, and the whole township stick is imported as a folder."""
    from carebook.model.services.transfer import transfer_child

    world = build_world(tmp_path, 2)
    try:
        _enrol_all(world)
        old, other = world.villages
        kids = world.import_ledger(old, 5, seed=81)
        world.import_ledger(other, 2, seed=82)
        for village in world.villages:
            world.deliver(world.township, world.export(village))
        with world.township.register.writing() as session:
            for kid in kids[:2]:
                transfer_child(session, kid, village_code(1), reason="随父母迁居", today=world.today)
        stick = world.export(world.township)
        world.deliver(old, [p for p in stick if _addressed_to(world, p, old)])
        world.deliver(other, [p for p in stick if _addressed_to(world, p, other)])
        kept = {k: v for k, v in tracked_state(old).items() if k[0] != "org_unit"}
        assert kept[("child", kids[0])]["closed_reason"] == "moved"
        old.close()
        shutil.rmtree(tmp_path / "village0")

        made = create_replacement_enrolment_file(world.township, village_code=village_code(0),
                                                 village_name="第1村", out=tmp_path / "enrol-new.cbe")
        new = create_site(tmp_path / "village0-new")
        world.villages[0] = new
        setup_village_from_enrolment(new, made.path, actor="新电脑儿童主任")
        world.deliver(world.township, world.export(new))
        folder = world.export(world.township)[0].parent
        assert len(list(folder.iterdir())) == 2
        results, skipped = import_folder(new, folder)
        assert [s.recipient_code for s in skipped] == [village_code(1)]
        restored = results[0]
        assert restored.restore and restored.restored_children == 5
        assert restored.held.waiting == 0
        back = {k: v for k, v in tracked_state(new).items() if k[0] != "org_unit"}
        for key, value in kept.items():
            if key[0] != "staff":
                assert back.get(key) == value, key
        # nothing waits on later imports either
        new.register.update_child(kids[2], {"notes": "新电脑上的修改"})
        world.deliver(world.township, world.export(new))
        again, _ = import_folder(new, world.export(world.township)[0].parent)
        assert again[0].held.waiting == 0 and not again[0].restore
        # the village still may not edit a child that left it (the file is the new village's)
        from carebook.model.transfer_guard import TransferredAwayError

        with pytest.raises(TransferredAwayError):
            new.register.update_child(kids[0], {"notes": "转走以后的修改"})
        assert back[("child", kids[0])]["village_id"] == unit_id_for_code(village_code(1))
    finally:
        world.close()


def import_folder(site: SyncSite, folder: Path) -> tuple[list[Any], list[Any]]:
    """Import every bundle in ``folder`` as ``bundle import FOLDER`` does (skipping those for
    another installation)."""
    from carebook.sync.exchange import import_bundles_skipping

    outcome = import_bundles_skipping(site, sorted(folder.iterdir()), backup=False)
    return outcome.results, outcome.skipped

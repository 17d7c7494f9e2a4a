"""Files held at the township because another village's file has the same ID number (issue 6
item 3, QA): the import result says they went to the duplicate review (not "waiting for changes"),
in the command line's text and JSON and on the sync page; ``conflicts list`` shows both files
readably and points to the review; ``conflicts resolve`` refuses a/b/value for them; merge,
transfer-then-merge and not-duplicate settle the conflict. Real registers and bundles
(tests/sync_world.py), the CLI in a subprocess. Synthetic people only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from carebook.model.sync_state import SyncConflict
from carebook.sync.exchange import import_bundles
from model_helpers import child_values, years_before
from sync_world import PASSPHRASE, SyncWorld, sync_world

__all__ = ["sync_world"]

DUPLICATE_NOTE = ("份档案与其他村的档案身份证号相同，已放入重复档案待审核"
                  "（carebook township duplicates，或乡镇端的“重复档案”页面）")


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAREBOOK_PASSPHRASE": PASSPHRASE, "CAREBOOK_KEYRING": "off"}
    return subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=180)


def _same_child_in_every_village(world: SyncWorld) -> list[str]:
    birth = years_before(world.today, 8)
    ids = []
    for n, village in enumerate(world.villages):
        cid = village.register.register_child(child_values(
            ["王小明", "王晓明", "王小鸣"][n], birth, seq=11, father__name="王建" + "国军民"[n],
            mother__name="李秀" + "英兰芳"[n])).record_id
        assert cid
        village.register.record_visit(cid, {"visit_date": world.today, "visitor_name": "一二三"[n] + "村主任"})
        ids.append(cid)
    return ids


def test_import_says_duplicates_went_to_the_review_and_conflicts_read_well(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, third = world.villages
    keep, held, held2 = _same_child_in_every_village(world)
    [r1] = import_bundles(world.township, world.export(first), backup=False)
    assert r1.held.duplicate_files == 0 and r1.to_json()["duplicate_files"] == 0
    second_files = world.export(second)
    third_files = world.export(third)
    town = world.township.db.paths.root
    world.township.close()

    # text: the duplicate note, and no "waiting for changes" for the held file and its records
    out = _cli(town, "bundle", "import", "--no-backup", *map(str, second_files))
    assert out.returncode == 0, out.stderr
    assert f"1 {DUPLICATE_NOTE}" in out.stdout
    assert "等待尚未收到" not in out.stdout
    # JSON: new keys beside the old ones (parked still counts every record held)
    js = _cli(town, "bundle", "import", "--no-backup", "--json", *map(str, third_files))
    assert js.returncode == 0, js.stderr
    [result] = json.loads(js.stdout)
    assert (result["duplicate_files"], result["waiting_records"], result["duplicate_numbers"]) == (1, 0, 0)
    assert result["parked"] >= 2 * 4  # two files, each with father, mother and a visit

    # conflicts list: readable, pointing to the duplicate review
    listed = _cli(town, "conflicts", "list")
    assert listed.returncode == 0, listed.stderr
    assert "{" not in listed.stdout  # no raw record JSON
    assert listed.stdout.count("在册：王小明") == 2 and "暂缓（待审核）：王晓明" in listed.stdout
    assert "第1村（610402100201）" in listed.stdout and "第2村（610402100202）" in listed.stdout
    assert "出生日期 " + years_before(world.today, 8).isoformat() in listed.stdout
    assert "carebook township duplicates" in listed.stdout
    data = json.loads(_cli(town, "conflicts", "list", "--json").stdout)
    assert len(data) == 2 and all(c["kind"] == "duplicate_key" for c in data)
    sides = {c["record_id"]: (c["a_summary"], c["b_summary"]) for c in data}
    assert set(sides) == {held, held2}
    for a, b in sides.values():
        holder, parked = (a, b) if a["status"] == "in_register" else (b, a)
        assert holder["name"] == "王小明" and holder["village_name"] == "第1村" and parked["status"] == "held"
        assert holder["id_number"] == parked["id_number"]
        # the held file is named by its own name, not a short record id (UUIDv7 ids share their start)
        assert next(c for c in data if c["record_id"] in (held, held2) and (c["a_summary"], c["b_summary"]) == (a, b))[
            "child_name"] == parked["name"]
    assert "儿童 " + held[:8] not in listed.stdout

    # resolve: a, b or value refused with where to go; nothing changed
    conflict = next(c["id"] for c in data if c["record_id"] == held)
    bad = _cli(town, "conflicts", "resolve", conflict[:8], "--keep", "a")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "重复档案" in bad.stderr + bad.stdout and "township duplicates" in bad.stderr + bad.stdout
    assert len(json.loads(_cli(town, "conflicts", "list", "--json").stdout)) == 2

    # merge settles its pair's conflict; not-duplicate settles the other
    merged = _cli(town, "township", "merge-children", keep, held)
    assert merged.returncode == 0, merged.stderr
    left = json.loads(_cli(town, "conflicts", "list", "--json").stdout)
    assert [c["record_id"] for c in left] == [held2]
    two = _cli(town, "township", "not-duplicate", keep, held2)
    assert two.returncode == 0, two.stderr
    assert json.loads(_cli(town, "conflicts", "list", "--json").stdout) == []
    decided = {c["record_id"]: c for c in json.loads(_cli(town, "conflicts", "list", "--all", "--json").stdout)}
    assert decided[held]["status"] == decided[held2]["status"] == "resolved"
    assert decided[held2]["decision"]["review"] == "not_duplicate"
    assert decided[held]["decision"]["review"] == "merged"


def test_sync_page_line_and_transfer_then_merge_settle(sync_world: SyncWorld) -> None:
    from carebook.model.services.duplicates import merge_children
    from carebook.model.services.transfer import transfer_child
    from carebook.ui.sync.ops import _import_line, load_conflicts, load_overview

    world = sync_world
    first, second, _third = world.villages
    birth = years_before(world.today, 10)
    old = first.register.register_child(child_values("赵子涵", birth, seq=31, father__name="赵刚")).record_id
    new = second.register.register_child(child_values("赵子涵", birth, seq=31, father__name="赵刚")).record_id
    assert old and new
    import_bundles(world.township, world.export(first), backup=False)
    [result] = import_bundles(world.township, world.export(second), backup=False)
    line = _import_line("x.cbk", result)
    assert any(n.startswith(f"1 {DUPLICATE_NOTE}") for n in line.notes), line.notes
    assert not any("等待尚未收到" in n for n in line.notes)
    # the sync page's status does not count the held file and its father as waiting for changes
    assert load_overview(world.township.register).parked == 0
    # the conflicts screen shows both files readably, A/B/value not offered
    [shown] = load_conflicts(world.township.register)
    assert shown.kind == "duplicate_key" and not shown.decidable and shown.child == "赵子涵"
    texts = sorted([shown.a_text, shown.b_text])
    assert texts[0].startswith("在册：赵子涵") and texts[1].startswith("暂缓（待审核）：赵子涵")
    assert "第2村（610402100202）" in texts[1] and "{" not in "".join(texts)
    # the child moved: transfer the old file to the new village, merge the held one into it
    with world.township.register.writing() as session:
        transfer_child(session, old, second.installation().org_code, reason="随父母迁居", today=world.today)
        assert session.scalar(select(SyncConflict.status).where(SyncConflict.record_id == new)) == "open"
        merge_children(session, old, new, today=world.today)
    with world.township.register.reading() as session:
        assert session.scalars(select(SyncConflict.status)).all() == ["resolved"]

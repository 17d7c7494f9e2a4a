"""The township's stick as a folder (``bundle import FOLDER`` at a village): on real encrypted
registers and real bundles, through the command line.

The township's export writes one bundle per village into one folder, each file named for its
addressee (``…-to<village code>.cbk``); a village importing the folder imports its own bundle and
skips the others with a note naming the village they are for; a single file of another village is
refused with a message saying so; names without the addressee (older exports) still import.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carebook.cli.main import main
from carebook.model import keys
from carebook.sync.bundle_files import bundle_file_name, inspect_bundle, recipient_code_of_name
from carebook.sync.exchange import export_bundles
from sync_world import PASSPHRASE, build_world, village_code


def test_a_village_imports_the_township_stick_folder_and_skips_the_other_villages_bundles(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    world = build_world(tmp_path, 3)
    try:
        for village in world.villages:
            world.deliver(world.township, world.export(village))
        world.import_ledger(world.villages[1], 2, seed=91)
        world.deliver(world.township, world.export(world.villages[1]))
        r1 = tmp_path / "r1"
        r1.mkdir()
        written = export_bundles(world.township, r1)
        ids = {v.installation().id: v for v in world.villages}
        for result in written:
            path = result.paths[0]
            recipient = ids[inspect_bundle(path).header.recipient_installation_id]
            assert recipient_code_of_name(path.name) == recipient.installation().org_code == result.peer_code
            assert path.name.isascii() and len(path.name) <= 64 and path.name.startswith("cb-610402100-")
        for village in world.villages:
            village.close()

        # the second village: imports only its own bundle, skips the two others with a note
        assert main(["--data-dir", str(tmp_path / "village1"), "bundle", "import", str(r1)]) == 0
        out = capsys.readouterr().out
        assert out.count("已跳过") == 2
        assert f"这个同步包是发给 第1村（{village_code(0)}） 的，已跳过" in out
        assert f"这个同步包是发给 第3村（{village_code(2)}） 的，已跳过" in out
        assert "已导入" in out
        # --json: the imported bundle as before, the skipped ones as extra items
        assert main(["--data-dir", str(tmp_path / "village0"), "bundle", "import", str(r1), "--json"]) == 0
        items = json.loads(capsys.readouterr().out)
        assert [i["skipped"] for i in items] == [False, True, True]
        assert items[0]["sender_code"] == "610402100" and not items[0]["already_imported"]
        assert {i["recipient_code"] for i in items[1:]} == {village_code(1), village_code(2)}
        assert all("已跳过" in i["message"] for i in items[1:])

        # an older name (no addressee) still imports
        mine = next(r.paths[0] for r in written if r.peer_code == village_code(2))
        old_name = tmp_path / "old" / mine.name.replace(f"-to{village_code(2)}", "")
        old_name.parent.mkdir()
        old_name.write_bytes(mine.read_bytes())
        assert recipient_code_of_name(old_name.name) is None
        assert main(["--data-dir", str(tmp_path / "village2"), "bundle", "import", str(old_name), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["applied"] >= 0
        # one file of another village, given alone: refused, saying whose it is, nothing changed
        other = next(r.paths[0] for r in written if r.peer_code == village_code(1))
        assert main(["--data-dir", str(tmp_path / "village2"), "bundle", "import", str(other)]) == 1
        err = capsys.readouterr().err
        assert f"发给 第2村（{village_code(1)}） 的" in err and "不是发给本村这台电脑" in err
        assert "另一个乡镇" not in err
        # a folder holding only other villages' bundles: refused the same way
        only = tmp_path / "only"
        only.mkdir()
        for r in written:
            if r.peer_code != village_code(2):
                (only / r.paths[0].name).write_bytes(r.paths[0].read_bytes())
        assert main(["--data-dir", str(tmp_path / "village2"), "bundle", "import", str(only)]) == 1
        assert "不是发给本村这台电脑" in capsys.readouterr().err
        # the township given back its own bundle for a village: take it to that village
        world.township.close()
        assert main(["--data-dir", str(tmp_path / "township"), "bundle", "import", str(other)]) == 1
        err = capsys.readouterr().err
        assert f"第2村（{village_code(1)}）" in err and "乡镇导出给村的同步包" in err and "带到那个村的电脑" in err
        # a village given a village's bundle for the township: give it to the supervisor
        up = tmp_path / "up"
        up.mkdir()
        assert main(["--data-dir", str(tmp_path / "village0"), "bundle", "export", "--to", str(up)]) == 0
        capsys.readouterr()
        [mine_up] = list(up.glob("*.cbk"))
        assert main(["--data-dir", str(tmp_path / "village1"), "bundle", "import", str(mine_up)]) == 1
        err = capsys.readouterr().err
        assert "村里导出给乡镇的同步包" in err and "交给乡镇儿童督导员" in err

    finally:
        world.township.close()


def test_bundle_file_name_with_and_without_the_addressee() -> None:
    from carebook.sync.atomic_files import is_fat_safe_name
    from sync_helpers import make_world, seal_from_village

    header = seal_from_village(make_world()).header
    plain = bundle_file_name(header)
    named = bundle_file_name(header, recipient_code="610402100201")
    assert named == plain.replace(".cbk", "-to610402100201.cbk")
    assert recipient_code_of_name(named) == "610402100201" and recipient_code_of_name(plain) is None
    assert recipient_code_of_name(named.replace(".cbk", ".part002.cbk")) == "610402100201"
    huge = header.__class__(**{**header.__dict__, "seq_from": 10**15, "seq_to": 10**16})
    for name in (bundle_file_name(huge, recipient_code="610402100201"), named):
        assert is_fat_safe_name(name) and is_fat_safe_name(name.replace(".cbk", ".part999.cbk"))

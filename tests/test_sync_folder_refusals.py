"""A folder import with a damaged bundle among good ones (``bundle import FOLDER``), on real
encrypted registers through the command line: the damaged file is named and refused (nothing of
it imported), the good ones are imported, the exit code is 1; ``--json`` lists the refused one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carebook.cli.main import main
from carebook.model import keys
from sync_world import PASSPHRASE, build_world


def test_a_damaged_bundle_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    world = build_world(tmp_path, 2)
    try:
        world.import_ledger(world.villages[0], 2, seed=5)
        world.import_ledger(world.villages[1], 2, seed=6)
        good = world.export(world.villages[0])
        bad = world.export(world.villages[1])
    finally:
        world.close()
    stick = tmp_path / "folder"
    stick.mkdir()
    for path in good:
        (stick / path.name).write_bytes(path.read_bytes())
    damaged = stick / ("a-" + bad[0].name)  # sorted first: it is met before the good one
    damaged.write_bytes(bad[0].read_bytes()[: bad[0].stat().st_size // 2])
    township = str(tmp_path / "township")

    assert main(["--data-dir", township, "bundle", "import", str(stick)]) == 1
    captured = capsys.readouterr()
    assert "已导入" in captured.out  # the good bundle
    assert damaged.name in captured.err and "未导入" in captured.err and "其余的已导入" in captured.err
    assert "Traceback" not in captured.err

    # again, as JSON: the good one is now 'imported before', the damaged one refused again
    assert main(["--data-dir", township, "bundle", "import", str(stick), "--json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert [(i["skipped"], i.get("refused", False)) for i in items] == [(False, False), (False, True)]
    assert items[0]["already_imported"] and damaged.name in items[1]["message"]

    # every bundle of the folder damaged: each is named, none imported (exit 1); --json lists both
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / damaged.name).write_bytes(damaged.read_bytes())
    flipped = bytearray(good[0].read_bytes())
    flipped[len(flipped) // 2] ^= 0xFF
    (broken / ("b-" + good[0].name)).write_bytes(bytes(flipped))
    assert main(["--data-dir", township, "bundle", "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert damaged.name in err and "b-" + good[0].name in err and "都没有导入" in err and "其余" not in err
    assert main(["--data-dir", township, "bundle", "import", str(broken), "--json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert [i.get("refused") for i in items] == [True, True]

    # only the damaged bundle: refused as before (exit 1, its own message)
    only = tmp_path / "only"
    only.mkdir()
    (only / damaged.name).write_bytes(damaged.read_bytes())
    assert main(["--data-dir", township, "bundle", "import", str(only)]) == 1
    assert "不完整" in capsys.readouterr().err

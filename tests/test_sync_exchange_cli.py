"""The sync commands on real data directories: init --enrolment, bundle export/import, conflicts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from carebook.cli.main import main
from carebook.model import keys
from carebook.model.queries.sync_status import unsent_change_count
from carebook.sync.exchange import SyncSite
from sync_world import PASSPHRASE, SyncWorld


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out) if "--json" in args else out


def test_village_and_township_through_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CAREBOOK_KEYRING", "0")
    town, village, stick, back = (tmp_path / n for n in ("town", "village", "stick", "back"))
    stick.mkdir()
    back.mkdir()
    _run(capsys, "--data-dir", str(town), "init", "--role", "township", "--org-code", "610402100",
         "--org-name", "幸福镇", "--json")
    _run(capsys, "--data-dir", str(town), "enrol", "create", "--village-code", "610402100201",
         "--village-name", "东湾村", "--out", str(stick), "--no-code", "--json")
    made = _run(capsys, "--data-dir", str(village), "init", "--enrolment", str(stick / "enrol-610402100201.cbe"),
                "--actor", "李秀英", "--json")
    assert made["org_code"] == "610402100201" and made["role"] == "village"
    site = SyncSite.open(village, passphrase=PASSPHRASE)
    try:
        world = SyncWorld(site, [], stick, dt.date.today())
        world.import_ledger(site, 4, seed=3)
        unsent = site.register.read(unsent_change_count)
    finally:
        site.close()
    exported = _run(capsys, "--data-dir", str(village), "bundle", "export", "--to", str(stick), "--json")
    assert len(exported) == 1 and exported[0]["changes"] == unsent
    file = exported[0]["files"][0]
    first = _run(capsys, "--data-dir", str(town), "bundle", "import", file, "--json")
    assert first[0]["applied"] == unsent and first[0]["newly_enrolled"] and first[0]["backup"]
    again = _run(capsys, "--data-dir", str(town), "bundle", "import", file, "--json")
    assert again[0]["already_imported"]
    text = _run(capsys, "--data-dir", str(town), "bundle", "import", file)
    assert "以前已经导入过" in text
    returned = _run(capsys, "--data-dir", str(town), "bundle", "export", "--to", str(back), "--json")
    assert returned[0]["peer_code"] == "610402100201"
    _run(capsys, "--data-dir", str(village), "bundle", "import", *returned[0]["files"], "--json")
    site = SyncSite.open(village, passphrase=PASSPHRASE)
    try:
        assert site.register.read(unsent_change_count) == 0
    finally:
        site.close()
    assert _run(capsys, "--data-dir", str(town), "conflicts", "list", "--json") == []
    assert main(["--data-dir", str(town), "conflicts", "resolve", "deadbeef", "--keep", "a"]) == 1
    assert main(["--data-dir", str(town), "bundle", "import", str(tmp_path / "missing.cbk")]) == 1
    assert "不" in capsys.readouterr().err


def test_init_with_a_sealed_enrolment_needs_its_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CAREBOOK_KEYRING", "0")
    from carebook.sync import enrolment as enrolment_module

    monkeypatch.setattr(enrolment_module, "SCRYPT_N", 2**12)
    town, village = tmp_path / "town", tmp_path / "village"
    _run(capsys, "--data-dir", str(town), "init", "--role", "township", "--org-code", "610402100",
         "--org-name", "幸福镇", "--json")
    made = _run(capsys, "--data-dir", str(town), "enrol", "create", "--village-code", "610402100202",
                "--village-name", "西湾村", "--out", str(tmp_path), "--json")
    file = made["file"]
    assert main(["--data-dir", str(village), "init", "--enrolment", file]) == 1
    assert "登记码" in capsys.readouterr().err
    assert not (village / "carebook.db").exists()
    done = _run(capsys, "--data-dir", str(village), "init", "--enrolment", file, "--enrolment-code", made["code"],
                "--json")
    assert done["org_name"] == "西湾村" and len(done["fingerprint"].split()) == 6

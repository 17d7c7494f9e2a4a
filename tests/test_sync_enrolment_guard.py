"""A village has one working PC: an ordinary enrolment file never retires it (only 更换电脑,
``enrol create --replace``, does), on real encrypted registers and real bundles through a folder
standing for the USB stick.

* ``enrol create`` (and the desktop's check) refuses an ordinary file for a village with an active
  PC, and a code enrolled under another name; a refused or failed ``enrol create`` records nothing;
* at pin time, a second PC started from an ordinary file (made before the first PC was pinned) is
  refused with its own message and nothing changes: the working PC stays active and its next
  bundles are imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from carebook.cli.main import main
from carebook.model import keys
from carebook.sync.enrolment import (
    SecondVillagePcError,
    VillageAlreadyEnrolledError,
    VillageNameMismatchError,
    make_enrolment_proof,
    verify_enrolment_proof,
)
from carebook.sync.enrolment_issue import check_new_enrolment, issue_enrolment_file
from carebook.sync.exchange import import_bundles
from carebook.sync.identity import InstallationKeys
from carebook.sync.trust_store import load_peers, load_pending_enrolments
from sync_helpers import NOW, make_world
from sync_world import (
    PASSPHRASE,
    SyncWorld,
    build_world,
    create_site,
    setup_village_from_enrolment,
    village_code,
)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CAREBOOK_KEYRING", "0")

    def run(*args: str, rc: int = 0) -> Any:
        code = main([*args])
        captured = capsys.readouterr()
        assert code == rc, captured
        if rc:
            return captured.err
        return json.loads(captured.out) if "--json" in args else captured.out

    return run


def _enrolled_township(cli: Any, tmp_path: Path) -> tuple[Path, Path, Path, list[Any]]:
    """A township whose village 东湾村 (610402100201) is enrolled and pinned; returns the township
    and village data folders, the stick and the village's first bundle files."""
    town, village, stick = tmp_path / "town", tmp_path / "village", tmp_path / "stick"
    stick.mkdir()
    cli("--data-dir", str(town), "init", "--role", "township", "--org-code", "610402100", "--org-name", "幸福镇")
    cli("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name", "东湾村",
        "--out", str(stick), "--no-code", "--json")
    cli("--data-dir", str(village), "init", "--enrolment", str(stick / "enrol-610402100201.cbe"), "--json")
    (stick / "enrol-610402100201.cbe").unlink()
    up = cli("--data-dir", str(village), "bundle", "export", "--to", str(stick), "--json")
    assert cli("--data-dir", str(town), "bundle", "import", up[0]["files"][0], "--json")[0]["newly_enrolled"]
    return town, village, stick, up


def test_enrol_create_refuses_a_second_pc_for_an_enrolled_village(cli: Any, tmp_path: Path) -> None:
    town, _village, stick, _up = _enrolled_township(cli, tmp_path)
    before = cli("--data-dir", str(town), "enrol", "list", "--json")
    err = cli("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name",
              "东湾村", "--out", str(stick), "--no-code", rc=1)
    assert "已经有一台登记在用的电脑" in err and "--replace" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (stick / "enrol-610402100201.cbe").exists()
    assert cli("--data-dir", str(town), "enrol", "list", "--json") == before  # nothing recorded

    # a code enrolled under another name: refused naming the enrolled name (also with --replace)
    for extra in ((), ("--replace",)):
        err = cli("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name",
                  "东湾二村", "--out", str(stick), "--no-code", *extra, rc=1)
        assert "东湾村" in err and "东湾二村" in err and "Traceback" not in err
    assert cli("--data-dir", str(town), "enrol", "list", "--json") == before
    assert list(stick.glob("*.cbe")) == []

    # the way out still works: a replacement file retires the old PC
    made = cli("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name",
               "东湾村", "--out", str(stick), "--no-code", "--replace", "--json")
    assert made["replacement"] and len(made["retired"]) == 1


def test_a_failed_enrol_create_records_nothing(cli: Any, tmp_path: Path) -> None:
    town, stick = tmp_path / "town", tmp_path / "stick"
    stick.mkdir()
    cli("--data-dir", str(town), "init", "--role", "township", "--org-code", "610402100", "--org-name", "幸福镇")
    (stick / "enrol-610402100202.cbe").write_bytes(b"another file\n")
    err = cli("--data-dir", str(town), "enrol", "create", "--village-code", "610402100202", "--village-name", "西沟村",
              "--out", str(stick), rc=1)
    assert "同名但内容不同" in err and "Traceback" not in err
    assert (stick / "enrol-610402100202.cbe").read_bytes() == b"another file\n"
    assert cli("--data-dir", str(town), "enrol", "list", "--json")["enrolments"] == []
    assert "待使用" not in cli("--data-dir", str(town), "enrol", "list")


def test_a_second_pc_from_an_ordinary_file_does_not_retire_the_working_pc(tmp_path: Path) -> None:
    world: SyncWorld = build_world(tmp_path / "w", 1)
    try:
        first = world.villages[0]
        # a second ordinary file made before the first PC was pinned (allowed then: no PC in use)
        second_file = issue_enrolment_file(world.township, village_code=village_code(0), village_name="第1村",
                                           out=world.stick / "second.cbe").path
        world.import_ledger(first, 3, seed=41)
        world.deliver(world.township, world.export(first))  # the first PC is pinned
        with pytest.raises(VillageAlreadyEnrolledError):  # now no further ordinary file
            check_new_enrolment(world.township, village_code(0), "第1村")

        other = create_site(tmp_path / "other-pc")
        world.villages.append(other)
        setup_village_from_enrolment(other, second_file)
        world.import_ledger(other, 2, seed=42)
        with world.township.register.reading() as session:
            peers_before, pending_before = load_peers(session), load_pending_enrolments(session)
        with pytest.raises(SecondVillagePcError) as refused:
            import_bundles(world.township, world.export(other), backup=False)
        assert "已有一台登记在用的电脑" in refused.value.message_zh and "更换电脑重新登记" in refused.value.message_zh
        with world.township.register.reading() as session:
            assert load_peers(session) == peers_before  # the working PC is still active
            assert load_pending_enrolments(session) == pending_before  # the second file is still unused

        # the working PC's next bundle is imported as usual
        world.import_ledger(first, 2, seed=43)
        results = import_bundles(world.township, world.export(first), backup=False)
        assert results and results[0].merge.inserted > 0
    finally:
        world.close()


def test_a_second_pc_is_refused_through_the_command_line(cli: Any, tmp_path: Path) -> None:
    town, stick = tmp_path / "town", tmp_path / "stick"
    stick.mkdir()
    cli("--data-dir", str(town), "init", "--role", "township", "--org-code", "610402100", "--org-name", "幸福镇")
    for name in ("a.cbe", "b.cbe"):  # two files before either was used
        cli("--data-dir", str(town), "enrol", "create", "--village-code", "610402100201", "--village-name", "东湾村",
            "--out", str(stick / name), "--no-code", "--json")
    bundles = {}
    for pc, name in (("pc-a", "a.cbe"), ("pc-b", "b.cbe")):
        cli("--data-dir", str(tmp_path / pc), "init", "--enrolment", str(stick / name), "--json")
        out = stick / pc
        out.mkdir()
        bundles[pc] = cli("--data-dir", str(tmp_path / pc), "bundle", "export", "--to", str(out), "--json")
    cli("--data-dir", str(town), "bundle", "import", bundles["pc-a"][0]["files"][0], "--json")
    err = cli("--data-dir", str(town), "bundle", "import", bundles["pc-b"][0]["files"][0], rc=1)
    assert "已有一台登记在用的电脑" in err and "Traceback" not in err
    listed = cli("--data-dir", str(town), "enrol", "list", "--json")
    assert [p["retired"] for p in listed["peers"]] == [False]
    assert sorted(bool(e["used_at"]) for e in listed["enrolments"]) == [False, True]
    assert "已停用" not in cli("--data-dir", str(town), "enrol", "list")


def test_pin_time_rule_spares_replacements_and_the_same_pc() -> None:
    world = make_world()
    proof = make_enrolment_proof(world.enrolment, world.village)
    working = world.village_as_peer.__class__(**{**world.village_as_peer.__dict__,
                                                 "installation_id": "5f0c7d4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f",
                                                 "code": world.enrolment.village_code})
    ordinary = world.enrolment.pending()
    with pytest.raises(SecondVillagePcError):
        verify_enrolment_proof(proof, [ordinary], bundle_created_at=NOW, pinned=[working])
    assert verify_enrolment_proof(proof, [ordinary], bundle_created_at=NOW, pinned=[working.retire()]) == ordinary
    replacement = ordinary.__class__(**{**ordinary.__dict__, "replacement": True})
    assert verify_enrolment_proof(proof, [replacement], bundle_created_at=NOW, pinned=[working]) == replacement
    assert ordinary.__class__.from_json_obj(json.loads(json.dumps(replacement.to_json_obj()))) == replacement
    other = make_enrolment_proof(world.enrolment, InstallationKeys.generate())
    assert verify_enrolment_proof(other, [ordinary], bundle_created_at=NOW, pinned=[]) == ordinary
    with pytest.raises(VillageNameMismatchError):
        from carebook.sync.enrolment import check_enrolment_request

        check_enrolment_request([working.retire()], working.code, "别的村", replacement=True)

"""``carebook enrol create|list`` and ``carebook bundle inspect`` on a real encrypted register."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carebook.cli.main import main
from carebook.model.db import open_database
from carebook.sync.bundle_files import write_bundle
from carebook.sync.bundle_format import seal_bundle
from carebook.sync.enrolment import (
    make_enrolment_proof,
    read_enrolment_file,
    township_peer,
    verify_enrolment_proof,
    village_peer,
)
from carebook.sync.identity import InstallationKeys, load_installation_keys
from carebook.sync.trust_store import load_pending_enrolments, pin_peer


@pytest.fixture
def township_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", "correct horse battery")
    data = tmp_path / "township"
    assert main(["--data-dir", str(data), "init", "--role", "township", "--org-code", "330102001",
                 "--org-name", "西湖街道"]) == 0  # fmt: skip
    return data


def _json_out(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    value = json.loads(out)
    assert isinstance(value, dict)
    return value


def test_enrol_then_inspect_the_first_bundle(
    township_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    capsys.readouterr()
    assert main(["--data-dir", str(township_dir), "enrol", "create", "--village-code", "330102001203",
                 "--village-name", "翠苑一村", "--out", str(stick), "--json"]) == 0  # fmt: skip
    created = _json_out(capsys)
    assert created["file"] == str(stick / "enrol-330102001203.cbe")
    code = created["code"]
    assert isinstance(code, str)

    # the village starts from the file with the code read out by phone
    enrolment = read_enrolment_file(stick / "enrol-330102001203.cbe", code)
    assert township_peer(enrolment).fingerprint == created["township_fingerprint"]
    village = InstallationKeys.generate()
    sealed = seal_bundle(
        b"first changes",
        sender=village,
        sender_code="330102001203",
        recipient=township_peer(enrolment),
        seq_from=1,
        seq_to=3,
        counts={"changes": 3},
        schema_version="0001_initial",
        acks={},
        enrolment=make_enrolment_proof(enrolment, village),
    )
    bundle = write_bundle(stick, sealed, signer=village.public()).paths[0]

    assert main(["--data-dir", str(township_dir), "bundle", "inspect", str(bundle), "--json"]) == 0
    inspected = _json_out(capsys)
    assert inspected["signature"] == "valid_enrolment_key"

    # the township's import (change layer) would pin the village; do it here through the store
    db = open_database(township_dir)
    try:
        with db.sessionmaker() as session, session.begin():
            pending = load_pending_enrolments(session)
            proof = sealed.header.enrolment
            assert proof is not None
            match = verify_enrolment_proof(proof, pending, bundle_created_at=sealed.header.created_at)
            pin_peer(session, village_peer(proof, match))
        township_keys = load_installation_keys(db.keystore)
    finally:
        db.close()
    assert township_keys.public().fingerprint == created["township_fingerprint"]

    assert main(["--data-dir", str(township_dir), "bundle", "inspect", str(bundle)]) == 0
    text = capsys.readouterr().out
    assert "翠苑一村（330102001203）" in text and "有效" in text

    damaged = stick / "damaged.cbk"
    data = bytearray(bundle.read_bytes())
    data[-5] ^= 0x40
    damaged.write_bytes(bytes(data))
    assert main(["--data-dir", str(township_dir), "bundle", "inspect", str(damaged)]) == 1
    assert "签名无效" in capsys.readouterr().err

    assert main(["--data-dir", str(township_dir), "enrol", "list", "--json"]) == 0
    listing = _json_out(capsys)
    assert listing["own_fingerprint"] == created["township_fingerprint"]
    assert "secret" not in json.dumps(listing)


def test_inspect_works_without_a_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sender, recipient = InstallationKeys.generate(), InstallationKeys.generate()
    sealed = seal_bundle(
        b"x",
        sender=sender,
        sender_code="330102001203",
        recipient=recipient.public(),
        seq_from=None,
        seq_to=None,
        counts={},
        schema_version="1",
        acks={"seen": 4},
    )
    path = write_bundle(tmp_path, sealed, signer=sender.public()).paths[0]
    assert path.name.startswith("cb-330102001203-ack-")
    assert main(["--data-dir", str(tmp_path / "none"), "--lang", "en", "bundle", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "cannot check: sender not enrolled here" in out
    assert "acknowledgements only" in out


def test_village_cannot_enrol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", "correct horse battery")
    data = tmp_path / "village"
    assert main(["--data-dir", str(data), "init", "--role", "village", "--org-code", "330102001203",
                 "--org-name", "翠苑一村", "--parent-code", "330102001", "--parent-name", "西湖街道"]) == 0  # fmt: skip
    code = main(["--data-dir", str(data), "enrol", "create", "--village-code", "330102001204",
                 "--village-name", "翠苑二村", "--out", str(tmp_path)])  # fmt: skip
    assert code == 1
    assert "只有乡镇" in capsys.readouterr().err
    assert not (tmp_path / "enrol-330102001204.cbe").exists()


def test_inspect_of_several_files_shows_the_readable_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file that cannot be read among several is named on stderr (in words for inspecting, not
    importing) and the others are shown; exit 1. ``--json`` lists it with its ``error``."""
    sender, recipient = InstallationKeys.generate(), InstallationKeys.generate()
    sealed = seal_bundle(b"x", sender=sender, sender_code="330102001203", recipient=recipient.public(),
                         seq_from=None, seq_to=None, counts={}, schema_version="1", acks={"seen": 4})
    good = write_bundle(tmp_path, sealed, signer=sender.public()).paths[0]
    text = tmp_path / "notes.cbk"
    text.write_text("这不是同步包", encoding="utf-8")
    args = ["--data-dir", str(tmp_path / "none"), "bundle", "inspect", str(good), str(text)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "发送方" in captured.out  # the good bundle's header was printed
    assert captured.err.startswith(f"无法查看 {text.name}：") and "不是 Carebook 同步包" in captured.err
    assert "导入" not in captured.err
    assert main([*args, "--json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert [sorted(item) for item in items][1] == ["error", "files"]
    assert "330102001203" in json.dumps(items[0]["header"]["sender"]) and items[1]["files"] == [str(text)]

"""Attachments at rest: sealed with AES-256-GCM under the register's attachment key, under names
that do not reveal their hash; tampering is detected; clear files of earlier versions are sealed
at open (idempotent, crash-safe); the key survives a key rotation; backups carry the sealed files,
a restore on a new PC brings them back byte for byte; ``carebook check`` names what is missing
or damaged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from carebook.cli.main import main
from carebook.model import backups, keys
from carebook.model.attachment_store import (
    MAGIC,
    AttachmentDamaged,
    AttachmentMissing,
    AttachmentStore,
    add_attachment,
    read_attachment,
)
from carebook.model.attachments import Attachment
from carebook.model.backups import (
    ATTACHMENT_POOL,
    attachments_file_of,
    copy_backup,
    list_backups,
    load_attachment_list,
    prune_backups,
    restore_backup,
    take_backup,
)
from carebook.model.db import Database, open_database
from carebook.model.recovery import rotate_database_key, set_recovery_key
from carebook.model.register import Register
from protect_helpers import CHILD_NAME, PASSPHRASE, do_work, new_database

ID_NUMBER = "610402201503050011"


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.delenv("CAREBOOK_PASSPHRASE", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)


def scan_bytes(tag: str = "") -> bytes:
    """A synthetic 'scan': a PDF header and the child's name and ID number in the clear."""
    return f"%PDF-1.4\n委托监护确认书 {CHILD_NAME} {ID_NUMBER} {tag}\n".encode() * 40


def attach(db: Database, tmp_path: Path, name: str, data: bytes) -> str:
    """Attach ``data`` as file ``name`` to the first child; returns the attachment id."""
    reg = Register(db.sessionmaker, data_dir=db.paths.root)
    child_id = reg.child_ids()[0]
    source = tmp_path / name
    source.write_bytes(data)
    result = reg.write(add_attachment, db.paths.attachments, source, owner_entity="child", owner_id=child_id,
                       child_id=child_id)
    source.unlink()
    return str(result.record_id)


def read_back(db: Database, attachment_id: str) -> bytes:
    reg = Register(db.sessionmaker, data_dir=db.paths.root)
    return reg.read(read_attachment, db.paths.attachments, attachment_id).data


def store_of(db: Database) -> AttachmentStore:
    with db.sessionmaker() as session:
        return AttachmentStore.of(session, db.paths.attachments, create=False)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_sealed_round_trip_names_hide_the_hash_and_tampering_is_refused(tmp_path: Path) -> None:
    db = new_database(tmp_path / "data")
    try:
        do_work(db, n=1)
        data = scan_bytes()
        sha = hashlib.sha256(data).hexdigest()
        first = attach(db, tmp_path, "确认书.pdf", data)
        second = attach(db, tmp_path, "other.pdf", scan_bytes("other"))
        assert read_back(db, first) == data
        stored = files_under(db.paths.attachments)
        assert len(stored) == 2
        for path in stored:
            raw = path.read_bytes()
            assert raw.startswith(MAGIC) and CHILD_NAME.encode() not in raw and ID_NUMBER.encode() not in raw
            assert sha not in str(path)  # the name does not reveal the plaintext hash
        store = store_of(db)
        path = store.path_of(sha)
        assert path.relative_to(db.paths.attachments).parts[0] == "sealed"
        # the same content is stored once
        attach(db, tmp_path, "copy.pdf", data)
        assert len(files_under(db.paths.attachments)) == 2
        # one flipped bit in the ciphertext
        original = path.read_bytes()
        flipped = bytearray(original)
        flipped[-20] ^= 0x01
        path.write_bytes(bytes(flipped))
        with pytest.raises(AttachmentDamaged, match=r"确认书\.pdf"):
            read_back(db, first)
        # another file put in its place (valid ciphertext, wrong binding)
        other_sha = hashlib.sha256(scan_bytes("other")).hexdigest()
        path.write_bytes(store.path_of(other_sha).read_bytes())
        with pytest.raises(AttachmentDamaged):
            store.get(sha)
        path.unlink()
        with pytest.raises(AttachmentMissing):
            read_back(db, first)
        path.write_bytes(original)
        assert read_back(db, first) == data and read_back(db, second) == scan_bytes("other")
    finally:
        db.close()


def test_clear_files_of_earlier_versions_are_sealed_at_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    db = new_database(data_dir)
    do_work(db, n=1)
    reg = Register(db.sessionmaker, data_dir=data_dir)
    child_id = reg.child_ids()[0]
    contents = [scan_bytes(str(i)) for i in range(3)]
    for i, content in enumerate(contents):  # what an earlier version left: clear files by hash
        sha = hashlib.sha256(content).hexdigest()
        clear = db.paths.attachments / sha[:2] / sha
        clear.parent.mkdir(parents=True, exist_ok=True)
        clear.write_bytes(content)
        with reg.writing() as session:
            session.add(Attachment(child_id=child_id, owner_entity="child", owner_id=child_id, sha256=sha,
                                   filename=f"old-{i}.pdf", media_type="application/pdf", size=len(content)))
    (db.paths.attachments / sha[:2] / ".tmp-half-written").write_bytes(contents[0][:50])
    # a crash after sealing one file but before deleting its clear copy
    with db.sessionmaker() as session, session.begin():
        store = AttachmentStore.of(session, db.paths.attachments)
    store.put(contents[0])
    db.close()
    assert any(CHILD_NAME.encode() in p.read_bytes() for p in files_under(data_dir / "attachments"))

    db = open_database(data_dir, passphrase=PASSPHRASE)
    try:
        assert all(CHILD_NAME.encode() not in p.read_bytes() for p in files_under(data_dir / "attachments"))
        assert [p.parent.name for p in (data_dir / "attachments").iterdir()] == ["attachments"]  # only sealed/
        store = store_of(db)
        for content in contents:
            assert store.get(hashlib.sha256(content).hexdigest()) == content
        before = sorted((p, p.read_bytes()) for p in files_under(data_dir / "attachments"))
    finally:
        db.close()
    open_database(data_dir, passphrase=PASSPHRASE).close()  # idempotent: nothing changes the second time
    assert sorted((p, p.read_bytes()) for p in files_under(data_dir / "attachments")) == before


def test_the_key_survives_a_database_key_rotation(tmp_path: Path) -> None:
    db = new_database(tmp_path / "data")
    do_work(db, n=1)
    attachment_id = attach(db, tmp_path, "scan.jpg", b"\xff\xd8\xff" + scan_bytes())
    keystore = db.keystore
    db.close()
    rotate_database_key(tmp_path / "data", keystore, passphrase=PASSPHRASE)
    db = open_database(tmp_path / "data", passphrase=PASSPHRASE)
    try:
        assert read_back(db, attachment_id) == b"\xff\xd8\xff" + scan_bytes()
    finally:
        db.close()


def test_backup_lose_the_pc_restore_from_the_stick(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    db = new_database(data_dir)
    do_work(db, n=2)
    recovery_key = set_recovery_key(db.keystore)
    scans = {attach(db, tmp_path, f"scan-{i}.pdf", scan_bytes(str(i))): scan_bytes(str(i)) for i in range(3)}
    backup = take_backup(db)
    assert attachments_file_of(backup).exists() and len(load_attachment_list(backup)) == 3
    stick = tmp_path / "stick"
    copied = copy_backup(backup, db.keystore, stick)
    assert len(files_under(stick / ATTACHMENT_POOL)) == 3 and attachments_file_of(copied).exists()
    db.close()
    for path in [*files_under(stick), *files_under(data_dir / "backups")]:
        assert CHILD_NAME.encode() not in path.read_bytes() and ID_NUMBER.encode() not in path.read_bytes()

    shutil.rmtree(data_dir)  # the PC is lost
    new_pc = tmp_path / "new-pc"
    result = restore_backup(copied, new_pc, recovery_key=recovery_key, new_passphrase="new pc passphrase")
    assert result.attachments.copied == 3 and not result.attachments.missing and not result.attachments.damaged
    db = open_database(new_pc, passphrase="new pc passphrase")
    try:
        for attachment_id, content in scans.items():
            assert read_back(db, attachment_id) == content  # byte for byte
    finally:
        db.close()


def test_restore_reports_attachments_whose_files_are_not_in_the_backup(tmp_path: Path) -> None:
    db = new_database(tmp_path / "data")
    do_work(db, n=1)
    attach(db, tmp_path, "扫描件.pdf", scan_bytes())
    backup = take_backup(db)
    db.close()
    stick = tmp_path / "stick"
    stick.mkdir()
    for path in (backup, backups.key_file_of(backup)):  # the attachment list and files left behind
        shutil.copy(path, stick / path.name)
    result = restore_backup(stick / backup.name, tmp_path / "new-pc", passphrase=PASSPHRASE)
    assert result.attachments.missing == ["扫描件.pdf"]


def test_rotation_keeps_backups_and_their_files_consistent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backups, "POOL_GRACE", backups.dt.timedelta(0))
    db = new_database(tmp_path / "data")
    do_work(db, n=1)
    try:
        start = backups.dt.datetime(2026, 3, 1, 8, tzinfo=backups.dt.UTC)
        for i in range(4):
            attach(db, tmp_path, f"scan-{i}.pdf", scan_bytes(str(i)))
            take_backup(db, now=start + backups.dt.timedelta(hours=i))
        first_file = store_of(db).path_of(hashlib.sha256(scan_bytes("0")).hexdigest())
        first_file.unlink()  # a file that only the oldest backups still hold
        take_backup(db, now=start + backups.dt.timedelta(hours=5))
        directory = tmp_path / "data" / "backups"
        assert len(files_under(directory / ATTACHMENT_POOL)) == 4
        prune_backups(directory, {"manual": 1})
        kept = list_backups(directory)
        assert len(kept) == 1
        listed = {name for b in kept for name, _size in load_attachment_list(b.path)}
        pool = {f"{p.parent.name}/{p.name}" for p in files_under(directory / ATTACHMENT_POOL)}
        assert pool == listed and len(listed) == 3  # unlisted files pruned, listed ones all there
        assert sorted(p.name for p in directory.glob("*.attachments.json")) == sorted(
            attachments_file_of(b.path).name for b in kept)
    finally:
        db.close()


def test_check_names_missing_and_damaged_attachments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    db = new_database(data_dir)
    do_work(db, n=1)
    attach(db, tmp_path, "监护人签字.pdf", scan_bytes("a"))
    attach(db, tmp_path, "户口本.png", b"\x89PNG\r\n\x1a\n" + scan_bytes("b"))
    store = store_of(db)
    db.close()
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data_dir), "backup", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["attachments"] == 2
    assert main(["--data-dir", str(data_dir), "check", "--json"]) == 0
    ok = json.loads(capsys.readouterr().out)
    assert ok["counts"]["attachments"] == 2 and "attachments" in ok["checks"]
    store.path_of(hashlib.sha256(scan_bytes("a")).hexdigest()).unlink()
    damaged = store.path_of(hashlib.sha256(b"\x89PNG\r\n\x1a\n" + scan_bytes("b")).hexdigest())
    raw = bytearray(damaged.read_bytes())
    raw[30] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    assert main(["--data-dir", str(data_dir), "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    messages = [p["message_zh"] for p in report["problems"] if p["check"] == "attachments"]
    assert any("监护人签字.pdf" in m and CHILD_NAME in m and "不见了" in m for m in messages)
    assert any("户口本.png" in m and "损坏" in m for m in messages)
    assert main(["--data-dir", str(data_dir), "check"]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out and "监护人签字.pdf" in out


def test_kill_while_copying_attachment_files_leaves_no_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL of ``carebook backup`` after the database copy, in the middle of copying the
    attachment files: no backup under a final name, ``check`` passes, a rerun completes and its
    restore brings the scans back."""
    import signal

    from test_crash import kill_midway

    if not hasattr(signal, "SIGKILL"):
        pytest.skip("POSIX SIGKILL")
    data_dir = tmp_path / "data"
    db = new_database(data_dir)
    do_work(db, n=1)
    ids = {attach(db, tmp_path, f"scan-{i}.pdf", scan_bytes(str(i))): scan_bytes(str(i)) for i in range(3)}
    db.close()
    kill_midway(tmp_path, "carebook.model.backups._copy_file", ["--data-dir", str(data_dir), "backup"], PASSPHRASE)
    assert list_backups(data_dir / "backups") == []
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data_dir), "check"]) == 0
    assert main(["--data-dir", str(data_dir), "backup"]) == 0
    [backup] = list_backups(data_dir / "backups")
    restored = tmp_path / "restored"
    result = restore_backup(backup.path, restored, passphrase=PASSPHRASE)
    assert result.attachments.copied == 3
    db = open_database(restored, passphrase=PASSPHRASE)
    try:
        assert {i: read_back(db, i) for i in ids} == ids
    finally:
        db.close()

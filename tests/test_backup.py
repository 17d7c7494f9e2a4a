"""Backups: taken with key files, rotated, copied to a stick, restored (also through the CLI)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from carebook.cli.main import main
from carebook.model import keys
from carebook.model.backups import (
    RETENTION,
    RestoreError,
    backup_if_due,
    copy_backup,
    key_file_of,
    kind_of,
    list_backups,
    prune_backups,
    restore_backup,
    take_backup,
)
from carebook.model.db import BackupError
from protect_helpers import PASSPHRASE, digest_of, do_work, new_database, table_digest


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.delenv("CAREBOOK_PASSPHRASE", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)


def test_backup_is_verified_encrypted_and_has_a_key_file(tmp_path: Path) -> None:
    db = new_database(tmp_path / "data")
    do_work(db)
    path = take_backup(db)
    db.close()
    assert path.parent == tmp_path / "data" / "backups" and path.name.startswith("manual-carebook-")
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    doc = json.loads(key_file_of(path).read_text())
    assert doc["kind"] == "carebook-backup-keys" and [w["kind"] for w in doc["keyinfo"]["wraps"]] == ["passphrase"]
    [info] = list_backups(tmp_path / "data" / "backups")
    assert info.kind == "manual" and info.has_key_file and info.size == path.stat().st_size


def test_daily_backup_once_a_day_and_rotation(tmp_path: Path) -> None:
    db = new_database(tmp_path / "data")
    start = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    try:
        assert backup_if_due(db, now=start) is not None
        assert backup_if_due(db, now=start + dt.timedelta(hours=23)) is None
        for day in range(1, RETENTION["daily"] + 3):
            assert backup_if_due(db, now=start + dt.timedelta(days=day)) is not None
    finally:
        db.close()
    daily = [b for b in list_backups(tmp_path / "data" / "backups") if b.kind == "daily"]
    assert len(daily) == RETENTION["daily"]
    assert daily[0].taken_at == start + dt.timedelta(days=RETENTION["daily"] + 2)
    assert all(key_file_of(b.path).exists() for b in daily)
    leftovers = {p.name for p in (tmp_path / "data" / "backups").iterdir()}
    assert leftovers == {b.path.name for b in daily} | {key_file_of(b.path).name for b in daily}


def test_kinds_and_pruning_keep_unknown_files(tmp_path: Path) -> None:
    assert kind_of("before-import-carebook-20260101T000000Z.db") == "before-import"
    assert kind_of("carebook-20260101T000000Z-before-0002-from-0001.db") == "migration"
    assert kind_of("carebook-20260101T000000Z.db") == "manual"
    for i in range(5):
        (tmp_path / f"before-import-carebook-2026010{i + 1}T000000Z.db").write_bytes(b"x")
    (tmp_path / "something-else.db").write_bytes(b"x")
    removed = prune_backups(tmp_path, {"before-import": 2})
    assert sorted(p.name for p in removed) == [f"before-import-carebook-2026010{i}T000000Z.db" for i in (1, 2, 3)]
    assert (tmp_path / "something-else.db").exists()


def test_copy_to_stick_restore_with_passphrase_and_replace(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    backup = take_backup(db)
    before = table_digest(db)
    copied = copy_backup(backup, db.keystore, tmp_path / "stick")
    with pytest.raises(BackupError):  # never overwrites
        copy_backup(backup, db.keystore, tmp_path / "stick")
    do_work(db, n=1, start=5)  # work after the backup
    after = table_digest(db)
    db.close()
    assert [p.name for p in (tmp_path / "stick").iterdir() if p.name.startswith(".")] == []
    result = restore_backup(copied, data, passphrase=PASSPHRASE)
    assert result.replaced_dir is not None and (result.replaced_dir / "carebook.db").exists()
    assert digest_of(data, passphrase=PASSPHRASE) == before
    # the replaced register is intact in its folder
    replaced = tmp_path / "replaced"
    replaced.mkdir()
    for name in ("carebook.db", "keyinfo.json"):
        (replaced / name).write_bytes((result.replaced_dir / name).read_bytes())
    assert digest_of(replaced, passphrase=PASSPHRASE) == after


def test_refusals_change_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    backup = take_backup(db)
    before = table_digest(db)
    db.close()
    other = new_database(tmp_path / "other")
    foreign = take_backup(other)
    other.close()
    key_file_of(foreign).unlink()
    with pytest.raises(RestoreError):  # another register's backup without its key file
        restore_backup(foreign, data, passphrase=PASSPHRASE)
    with pytest.raises(keys.WrongKeyError):
        restore_backup(backup, data, passphrase="not the passphrase")
    damaged = tmp_path / "damaged.db"
    raw = bytearray(backup.read_bytes())
    raw[8192:12288] = b"\x00" * 4096
    damaged.write_bytes(bytes(raw))
    key_file_of(damaged).write_bytes(key_file_of(backup).read_bytes())
    with pytest.raises(RestoreError):
        restore_backup(damaged, data, passphrase=PASSPHRASE)
    with pytest.raises(RestoreError):
        restore_backup(tmp_path / "missing.db", data, passphrase=PASSPHRASE)
    truncated = tmp_path / "truncated.db"  # a copy that stopped halfway (a pulled stick)
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    key_file_of(truncated).write_bytes(key_file_of(backup).read_bytes())
    with pytest.raises(RestoreError) as refused:
        restore_backup(truncated, data, passphrase=PASSPHRASE)
    assert "已损坏或不完整" in refused.value.message_zh and "malformed" not in refused.value.message_zh
    with pytest.raises(RestoreError) as refused:  # QA: a damaged backup said so, but not what to do
        restore_backup(damaged, data, passphrase=PASSPHRASE)
    assert "请换一个备份文件" in refused.value.message_zh and "数据没有改动" in refused.value.message_zh
    with pytest.raises(RestoreError) as refused:  # QA: "找不到备份文件 stick" for a folder
        restore_backup(tmp_path, data, passphrase=PASSPHRASE)
    assert "是一个文件夹" in refused.value.message_zh
    from carebook.model.recovery import format_recovery_key, generate_recovery_key

    with pytest.raises(RestoreError) as refused:  # QA: told to print a recovery sheet instead
        restore_backup(backup, data, recovery_key=format_recovery_key(generate_recovery_key()))
    assert "没有设置恢复密钥" in refused.value.message_zh and "去掉 --recovery-key" in refused.value.message_zh
    assert digest_of(data, passphrase=PASSPHRASE) == before
    assert not [p for p in data.iterdir() if p.name.startswith("replaced-")]


def test_cli_backup_restore_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    before = table_digest(db)
    db.close()
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)

    def cli(*args: str, code: int = 0, data_dir: Path = data) -> str:
        capsys.readouterr()
        assert main(["--data-dir", str(data_dir), *args]) == code
        return capsys.readouterr().out

    (tmp_path / "stick").mkdir()
    out = json.loads(cli("backup", "--to", str(tmp_path / "stick"), "--json"))
    assert Path(out["copy"]).exists() and out["has_recovery_key"] is False
    assert json.loads(cli("backup", "--list", "--json"))[0]["path"] == out["backup"]
    assert json.loads(cli("check", "--json"))["ok"] is True
    cli("restore", out["copy"], code=1)  # a register is there: --replace needed
    restored = json.loads(cli("restore", out["copy"], "--replace", "--json"))
    assert restored["replaced"] and digest_of(data, passphrase=PASSPHRASE) == before
    sheet = json.loads(cli("recovery-sheet", "--out", str(tmp_path / "sheet.pdf"), "--json"))
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")
    rekeyed = json.loads(cli("rekey", "--json"))
    assert Path(rekeyed["backup"]).exists()
    assert digest_of(data, passphrase=PASSPHRASE) == before
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("CAREBOOK_NEW_PASSPHRASE", "fresh pc passphrase")
    cli("restore", rekeyed["backup"], "--recovery-key", sheet["recovery_key"], "--json", data_dir=fresh)
    assert digest_of(fresh, passphrase="fresh pc passphrase") == before
    assert json.loads(cli("recover", "--json", data_dir=data))["status"] == "healthy"


def test_cli_check_on_a_damaged_file_exits_1_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    db.close()
    with open(data / "carebook.db", "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xff" * 8192)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data), "check"]) == 1
    out = capsys.readouterr()
    assert "[open]" in out.out and "carebook recover" in out.out and "Traceback" not in out.out + out.err


def test_cli_backup_to_a_folder_that_does_not_exist_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``backup --to stick`` with no folder ``stick`` (a USB stick not plugged in) exits 1 with a
    message in the user's words, takes no backup and creates no local folder; a file is refused too."""
    data = tmp_path / "data"
    new_database(data).close()
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(tmp_path)
    assert main(["--data-dir", str(data), "backup", "--to", "stick"]) == 1
    out = capsys.readouterr()
    assert "找不到文件夹 stick" in out.err + out.out and "请插好 U 盘" in out.err + out.out
    assert "已复制到" not in out.out and "Traceback" not in out.out + out.err
    assert not (tmp_path / "stick").exists()
    assert main(["--data-dir", str(data), "backup", "--list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # no backup taken
    (tmp_path / "a-file").write_text("x")
    assert main(["--data-dir", str(data), "backup", "--to", str(tmp_path / "a-file")]) == 1
    assert "不是文件夹" in "".join(capsys.readouterr())
    (tmp_path / "stick").mkdir()
    assert main(["--data-dir", str(data), "backup", "--to", "stick"]) == 0
    assert "已复制到：stick" in capsys.readouterr().out

"""App lock (PIN/password hash, idle timer, lockout) and the data-location check (removable and
network drives refused or put on the rollback journal), on real registers and real mount tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.model import app_lock
from carebook.model import settings as settings_store
from carebook.model.app_lock import (
    IdleTimer,
    app_lock_config,
    clear_app_lock,
    lockout_seconds,
    set_app_lock,
    set_idle_minutes,
    verify_app_lock,
)
from carebook.model.db import open_database
from carebook.model.errors import ValidationError
from carebook.model.location import (
    LOCAL,
    NETWORK,
    REMOVABLE,
    UnsafeLocationError,
    check_data_location,
    classify,
    disk_of,
    linux_kind,
    windows_kind,
)
from carebook.model.register import Register
from model_helpers import PASSPHRASE

MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
/dev/sdb1 /media/li/KINGSTON vfat rw,nosuid 0 0
/dev/sdc1 /media/li/USB\\040DISK exfat rw 0 0
//nas/share /mnt/share cifs rw 0 0
nas:/export /mnt/nfs nfs4 rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


def test_pin_and_password(register: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_lock, "SCRYPT_N", 2**12)
    assert app_lock_config(register) is None and verify_app_lock(register, "anything")
    with pytest.raises(ValidationError):
        set_app_lock(register, "123")
    with pytest.raises(ValidationError):
        set_app_lock(register, "abc")
    with pytest.raises(ValidationError):
        set_app_lock(register, "1234", idle_minutes=0)
    assert app_lock_config(register) is None
    assert set_app_lock(register, "２０２６", idle_minutes=5).kind == "pin"  # full-width digits
    assert verify_app_lock(register, "2026") and not verify_app_lock(register, "2027")
    stored = str(register.read(settings_store.get_value, "app_lock"))
    assert "2026" not in stored
    set_idle_minutes(register, 15)
    assert app_lock_config(register) == app_lock.AppLockConfig("pin", 15)
    set_app_lock(register, "门前大桥下游过鸭", idle_minutes=3)
    assert app_lock_config(register) == app_lock.AppLockConfig("password", 3)
    assert verify_app_lock(register, "门前大桥下游过鸭") and not verify_app_lock(register, "2026")
    clear_app_lock(register)
    assert app_lock_config(register) is None


def test_wrong_attempts_survive_closing_the_register_and_a_right_one_clears_them(
        register: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count of wrong attempts at the lock screen and the time of the last one are kept in
    the encrypted register file: closing and reopening it (quitting the app) keeps the wait."""
    monkeypatch.setattr(app_lock, "SCRYPT_N", 2**12)
    set_app_lock(register, "2468")
    t = 1_800_000_000.0
    for n in (1, 2, 3):
        result = app_lock.attempt_unlock(register, "1111", now=t + n)
        assert (result.ok, result.checked, result.failures) == (False, True, n)
    assert result.wait_seconds == 30
    register.close()

    data_dir = register.data_dir
    db = open_database(data_dir, passphrase=PASSPHRASE)
    reopened = Register(db.sessionmaker, data_dir=data_dir, close=db.close)
    try:
        assert app_lock.lockout_state(reopened, now=t + 13) == app_lock.LockoutState(3, 20.0)
        early = app_lock.attempt_unlock(reopened, "2468", now=t + 13)  # the right PIN, but too early
        assert (early.ok, early.checked, early.failures, early.wait_seconds) == (False, False, 3, 20.0)
        late = app_lock.attempt_unlock(reopened, "1111", now=t + 33)  # the wait is over: a fourth wrong one
        assert (late.ok, late.failures, late.wait_seconds) == (False, 4, 60.0)
        # The PC clock put back a day: the stored time lies in the future, the wait counts from now.
        back = t - 86_400
        assert app_lock.lockout_state(reopened, now=back) == app_lock.LockoutState(4, 60.0)
        assert not app_lock.attempt_unlock(reopened, "2468", now=back + 59).checked
        assert app_lock.lockout_state(reopened, now=back + 60) == app_lock.LockoutState(4, 0.0)
        assert app_lock.attempt_unlock(reopened, "2468", now=back + 60).ok
        assert app_lock.lockout_state(reopened, now=back + 61) == app_lock.LockoutState(0, 0.0)
    finally:
        reopened.close()
    db = open_database(data_dir, passphrase=PASSPHRASE)
    again = Register(db.sessionmaker, data_dir=data_dir, close=db.close)
    try:  # the reset was stored too
        assert app_lock.lockout_state(again, now=t + 100) == app_lock.LockoutState(0, 0.0)
        app_lock.attempt_unlock(again, "1111", now=t + 101)
        set_app_lock(again, "13579")  # a new PIN (set with the current one) counts afresh
        assert app_lock.lockout_state(again, now=t + 102).failures == 0
    finally:
        again.close()


def test_idle_timer_and_lockout() -> None:
    now = [1000.0]
    timer = IdleTimer(5, clock=lambda: now[0])
    now[0] += 299
    assert not timer.should_lock()
    timer.touch()
    now[0] += 299
    assert not timer.should_lock()
    now[0] += 1
    assert timer.should_lock()
    assert [lockout_seconds(n) for n in (0, 2, 3, 4, 10)] == [0, 0, 30, 60, 900]


def test_linux_classification(tmp_path: Path) -> None:
    sys_block = tmp_path / "sys_block"
    for disk, removable in (("sda", "0"), ("sdb", "1"), ("sdc", "0")):
        (sys_block / disk).mkdir(parents=True)
        (sys_block / disk / "removable").write_text(removable + "\n")
    usb_bus = tmp_path / "devices" / "pci0000:00" / "usb2" / "2-1" / "sdc"
    usb_bus.mkdir(parents=True)
    (usb_bus / "removable").write_text("0\n")
    (sys_block / "sdc" / "removable").unlink()
    (sys_block / "sdc").rmdir()
    (sys_block / "sdc").symlink_to(usb_bus)
    assert linux_kind(Path("/home/li/.local/share/Carebook"), MOUNTS, sys_block) == LOCAL
    assert linux_kind(Path("/media/li/KINGSTON/Carebook"), MOUNTS, sys_block) == REMOVABLE
    assert linux_kind(Path("/media/li/USB DISK/data"), MOUNTS, sys_block) == REMOVABLE  # USB hard disk
    assert linux_kind(Path("/mnt/share/carebook"), MOUNTS, sys_block) == NETWORK
    assert linux_kind(Path("/mnt/nfs"), MOUNTS, sys_block) == NETWORK
    assert linux_kind(Path("/tmp/x"), MOUNTS, sys_block) == LOCAL
    assert [disk_of(d) for d in ("/dev/sdb1", "/dev/mmcblk0p1", "/dev/nvme0n1p2", "tmpfs")] == \
        ["sdb", "mmcblk0", "nvme0n1", None]
    assert classify(tmp_path) in (LOCAL, "unknown")  # this test machine's temporary folder


def test_windows_classification() -> None:
    types = {"C:\\": 3, "E:\\": 2, "Z:\\": 4, "D:\\": 5}
    assert windows_kind("C:\\Users\\li\\AppData\\Local\\Carebook", types.__getitem__) == LOCAL
    assert windows_kind("E:\\Carebook", types.__getitem__) == REMOVABLE
    assert windows_kind("Z:\\Carebook", types.__getitem__) == NETWORK
    assert windows_kind("D:\\", types.__getitem__) == REMOVABLE
    assert windows_kind("\\\\server\\share\\Carebook", types.__getitem__) == NETWORK


def test_refusal_or_fallback(tmp_path: Path) -> None:
    assert check_data_location(tmp_path, kind=LOCAL).journal_mode == "wal"
    with pytest.raises(UnsafeLocationError) as info:
        check_data_location(tmp_path, kind=REMOVABLE)
    assert "U盘" in info.value.message_zh and "本机硬盘" in info.value.message_zh
    with pytest.raises(UnsafeLocationError) as info:
        check_data_location(tmp_path, kind=NETWORK)
    assert "网络" in info.value.message_zh
    verdict = check_data_location(tmp_path, kind=NETWORK, allow_fallback=True)
    assert verdict.journal_mode == "delete" and "回滚日志" in verdict.warning


def test_database_on_a_stick_is_refused_and_a_share_gets_the_rollback_journal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from carebook.model import keys, location
    from carebook.model.db import create_database, open_database

    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.setattr(location, "classify", lambda _path: REMOVABLE)
    with pytest.raises(UnsafeLocationError):
        create_database(tmp_path / "stick", passphrase="synthetic passphrase")
    assert not (tmp_path / "stick").exists()
    monkeypatch.setattr(location, "classify", lambda _path: NETWORK)
    db = create_database(tmp_path / "share", passphrase="synthetic passphrase")
    try:
        assert "回滚日志" in db.location_warning or "rollback" in db.location_warning
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    finally:
        db.close()
    monkeypatch.setattr(location, "classify", lambda _path: LOCAL)
    db = open_database(tmp_path / "share", passphrase="synthetic passphrase")
    try:
        assert db.location_warning == ""
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.close()

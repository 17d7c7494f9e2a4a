"""Where the register may live: not on a removable or network drive (数据位置检查).

SQLite's WAL needs shared memory that network file systems do not provide, and a register on a
USB stick is lost with the stick and corrupted when it is pulled out mid-write. So the data
directory is classified before the register is created or opened:

* Windows: ``GetDriveTypeW`` on the drive's root (``DRIVE_REMOVABLE`` = 2, ``DRIVE_REMOTE`` = 4,
  ``DRIVE_CDROM`` = 5); a UNC path (``\\\\server\\share``) is a network drive. A USB *hard disk*
  reports ``DRIVE_FIXED`` and is not detected.
* Linux: the longest ``/proc/mounts`` entry containing the directory; a network file system
  type (nfs, cifs, smb3, sshfs, 9p, …) is a network drive; a device whose
  ``/sys/block/<disk>/removable`` is ``1`` or whose ``/sys/block/<disk>`` lies under a USB bus
  is removable.

:func:`check_data_location` refuses with :class:`UnsafeLocationError` (Chinese first, saying what
to do), or, when the caller allows it, returns ``journal_mode="delete"`` with a warning: the
rollback journal works without shared memory, so a register that must stay on a network share
is at least not corrupted by WAL. The pure helpers take their inputs as arguments for tests.
The logic mirrors ``carebook.sync.atomic_files`` (which finds sticks to export to); the model
layer may not import sync, so the few lines are kept here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from carebook.model.errors import CarebookError
from carebook.model.i18n import msg

LOCAL, REMOVABLE, NETWORK, UNKNOWN = "local", "removable", "network", "unknown"

NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "sshfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs",
    "fuse.glusterfs", "davfs", "fuse.davfs2", "fuse.rclone", "lustre", "ncpfs", "virtiofs", "fuse.s3fs",
})
"""File system types that are network (or host-shared) file systems."""

DRIVE_REMOVABLE, DRIVE_FIXED, DRIVE_REMOTE, DRIVE_CDROM = 2, 3, 4, 5


class UnsafeLocationError(CarebookError):
    """The data directory is on a removable or network drive; nothing was created or opened."""


@dataclass(frozen=True)
class LocationVerdict:
    """The classification of a data directory: ``kind`` (local / removable / network /
    unknown), the ``journal_mode`` to use (``"wal"`` or ``"delete"``), and a ``warning``
    (current language) when the fallback was taken."""

    kind: str
    journal_mode: str = "wal"
    warning: str = ""


def _unescape(field: str) -> str:
    """``/proc/mounts`` writes space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def parse_mounts(text: str) -> list[tuple[str, str, str]]:
    """(device, mount point, file system type) of each line of ``/proc/mounts``."""
    entries = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            entries.append((_unescape(parts[0]), _unescape(parts[1]), parts[2]))
    return entries


def disk_of(device: str) -> str | None:
    """The ``/sys/block`` name of a partition device: ``/dev/sdb1`` → ``sdb``,
    ``/dev/mmcblk0p1`` → ``mmcblk0``, ``/dev/nvme0n1p2`` → ``nvme0n1``; ``None`` for others."""
    if not device.startswith("/dev/"):
        return None
    name = device[5:]
    if name.startswith(("mmcblk", "nvme", "loop")) and "p" in name[4:]:
        head, _, tail = name.rpartition("p")
        return head if tail.isdigit() and head else name
    return name.rstrip("0123456789") or None


def linux_kind(path: Path, mounts_text: str, sys_block: Path = Path("/sys/block")) -> str:
    """Classify ``path`` on Linux from the text of ``/proc/mounts`` and ``sys_block``."""
    target = str(path)
    best: tuple[str, str, str] | None = None
    for device, point, fstype in parse_mounts(mounts_text):
        inside = target == point or target.startswith(point.rstrip("/") + "/") or point == "/"
        if inside and (best is None or len(point) > len(best[1])):
            best = (device, point, fstype)
    if best is None:
        return UNKNOWN
    device, _point, fstype = best
    if fstype in NETWORK_FS or device.startswith("//") or (":" in device and fstype.startswith("nfs")):
        return NETWORK
    disk = disk_of(device)
    if disk is None:
        return LOCAL
    flag = sys_block / disk / "removable"
    try:
        if flag.read_text().strip() == "1":
            return REMOVABLE
    except OSError:
        pass
    try:
        if "/usb" in os.path.realpath(sys_block / disk):
            return REMOVABLE
    except OSError:
        pass
    return LOCAL


def windows_kind(path: str, drive_type: Callable[[str], int]) -> str:
    """Classify a Windows path with ``drive_type(root)`` (``GetDriveTypeW``)."""
    win = PureWindowsPath(path)
    if str(win).startswith("\\\\") or win.drive.startswith("\\\\"):
        return NETWORK
    if not win.drive:
        return UNKNOWN
    kind = drive_type(win.drive + "\\")
    if kind in (DRIVE_REMOVABLE, DRIVE_CDROM):
        return REMOVABLE
    if kind == DRIVE_REMOTE:
        return NETWORK
    return LOCAL if kind == DRIVE_FIXED else UNKNOWN


def _get_drive_type(root: str) -> int:  # pragma: no cover - Windows only
    import ctypes

    windll = getattr(ctypes, "windll")  # noqa: B009  (absent on Linux, for mypy)
    return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def classify(path: Path) -> str:
    """Classify ``path`` on this machine (``unknown`` where it cannot be told)."""
    path = Path(os.path.abspath(path))
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return windows_kind(str(existing), _get_drive_type)
    if sys.platform.startswith("linux"):
        try:
            mounts = Path("/proc/mounts").read_text()
        except OSError:
            return UNKNOWN
        return linux_kind(Path(os.path.realpath(existing)), mounts)
    return UNKNOWN


def check_data_location(data_dir: Path, *, allow_fallback: bool = False, kind: str | None = None) -> LocationVerdict:
    """Check that ``data_dir`` may hold the register.

    Returns a verdict with ``journal_mode="wal"`` on a local (or unknown) drive. On a removable
    or network drive: raises :class:`UnsafeLocationError`, or with ``allow_fallback`` returns
    ``journal_mode="delete"`` and a warning. ``kind`` overrides the detection (tests).
    """
    found = kind if kind is not None else classify(data_dir)
    if found in (LOCAL, UNKNOWN):
        return LocationVerdict(found)
    if found == REMOVABLE:
        zh = (f"数据目录 {data_dir} 在U盘或移动硬盘上。数据库不能放在可移动磁盘上：拔出时会损坏，丢失时数据也会丢失。"
              "请把数据目录放在电脑本机硬盘上（默认位置即可），U盘只用来放备份和同步文件。")
        en = (f"The data directory {data_dir} is on a removable drive. The register must not live on a USB stick: "
              "pulling it out corrupts the database and losing it loses the data. Keep the data directory on the "
              "PC's own disk (the default) and use sticks only for backups and bundles.")
    else:
        zh = (f"数据目录 {data_dir} 在网络共享盘上。网络盘不支持数据库所需的共享内存，多人同时使用会损坏数据。"
              "请把数据目录放在电脑本机硬盘上。")
        en = (f"The data directory {data_dir} is on a network drive, which lacks the shared memory the database needs; "
              "use from several PCs corrupts it. Keep the data directory on the PC's own disk.")
    if not allow_fallback:
        raise UnsafeLocationError(zh, en)
    return LocationVerdict(found, "delete", msg(
        "警告：" + zh + "（已改用回滚日志模式，速度较慢，且只能由一台电脑使用。）",
        "Warning: " + en + " (Falling back to the rollback journal: slower, and one PC at a time only.)"))


def journal_for(data_dir: Path, *, creating: bool, kind: str | None = None) -> LocationVerdict:
    """The verdict :mod:`carebook.model.db` applies: creating a register on a removable drive
    is refused (:class:`UnsafeLocationError`); a network drive, or opening an existing register
    found on a removable one, falls back to the rollback journal with a warning (an existing
    register is never locked out)."""
    found = kind if kind is not None else classify(data_dir)
    if creating and found == REMOVABLE:
        return check_data_location(data_dir, kind=found)
    return check_data_location(data_dir, allow_fallback=True, kind=found)

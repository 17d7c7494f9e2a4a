"""Writing files to USB sticks so that a file under its final name is always whole and verified.

Rules (DESIGN.md "Sync"; issue 5 item 5):

* check the free space first, with a margin, and write nothing when it is short;
* write under a temporary name in the target folder, flush and ``fsync`` the file, rename it to
  the final name (atomic on one file system), ``fsync`` the folder (POSIX; Windows has no folder
  fsync, its rename is journaled by NTFS and FAT writes are flushed by the file fsync);
* read the file back — with the page cache dropped first where the OS allows it
  (``posix_fadvise(DONTNEED)``), so the bytes come from the stick — and compare SHA-256 before
  reporting success; a file that fails is deleted;
* names are ASCII, at most 64 characters, and valid on FAT32 and exFAT (and Windows);
* no file may exceed FAT32's limit of 4 GiB − 1 bytes (callers split larger ones).

Also here: discovery of removable drives on Windows and Linux, as pure functions over their
inputs so that tests can feed them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from carebook.model.errors import os_error_text
from carebook.model.i18n import msg
from carebook.sync.errors import (
    InsufficientSpaceError,
    ReadBackFailedError,
    TargetExistsError,
    UnsafeFileNameError,
    WriteFailedError,
)

#: Largest file FAT32 can hold: 4 GiB − 1 bytes.
FAT32_MAX_FILE_SIZE = 2**32 - 1
MAX_NAME_LENGTH = 64
TEMP_PREFIX = "cbtmp-"
_CHUNK = 8 * 1024 * 1024

FreeSpace = Callable[[Path], int]
Verify = Callable[[Path, bytes], None]

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def is_fat_safe_name(name: str) -> bool:
    """True when ``name`` is 1–64 ASCII characters from ``A–Z a–z 0–9 . _ -``, starts with a letter
    or digit, does not end with a dot, and its stem is not a reserved DOS device name (CON, NUL,
    COM1 …). Such names are valid unchanged on FAT32 (long names), exFAT, NTFS and Linux."""
    if not (1 <= len(name) <= MAX_NAME_LENGTH) or not _SAFE_NAME.match(name) or name.endswith("."):
        return False
    return name.split(".", 1)[0].upper() not in _RESERVED


def check_fat_safe_name(name: str) -> None:
    """Raise UnsafeFileNameError unless :func:`is_fat_safe_name`."""
    if not is_fat_safe_name(name):
        raise UnsafeFileNameError(name)


def safe_name_component(text: str, max_length: int = 16, fallback: str = "x") -> str:
    """Reduce ``text`` to ASCII letters and digits (others dropped), cut to ``max_length``;
    ``fallback`` when nothing is left (e.g. a Chinese-only name)."""
    kept = "".join(c for c in text if c.isascii() and c.isalnum())[:max_length]
    return kept or fallback


def default_free_space(directory: Path) -> int:
    """Free bytes on the drive holding ``directory`` (``shutil.disk_usage``)."""
    return shutil.disk_usage(directory).free


def space_margin(size: int) -> int:
    """Safety margin kept free beyond ``size`` bytes: 1 MiB + 2 % (cluster slack, FAT updates)."""
    return 1024 * 1024 + size // 50


def check_free_space(directory: Path, size: int, free_space: FreeSpace = default_free_space) -> None:
    """Raise InsufficientSpaceError unless ``directory``'s drive has ``size`` + margin bytes free."""
    needed = size + space_margin(size)
    try:
        free = free_space(directory)
    except OSError as exc:
        raise WriteFailedError(msg(*os_error_text(exc))) from exc
    if free < needed:
        raise InsufficientSpaceError(needed=needed, free=free)


def fsync_directory(directory: Path) -> None:
    """``fsync`` a folder so a rename in it is durable (POSIX only; a no-op on Windows)."""
    if sys.platform == "win32":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_back(path: Path) -> bytes:
    """Read a file, asking the OS first to drop its cached pages (Linux ``posix_fadvise``) so
    the bytes are re-read from the device where possible."""
    with open(path, "rb") as handle:
        if hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        return handle.read()


def write_files_atomically(
    directory: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    free_space: FreeSpace = default_free_space,
    verify: Verify | None = None,
) -> list[Path]:
    """Write ``files`` (name, content) into ``directory`` all-or-nothing; return the final paths.

    Order: names checked (UnsafeFileNameError, TargetExistsError when a *different* file already
    has a final name; an identical one is accepted, so re-exporting is harmless); free space for
    all of them checked (InsufficientSpaceError); each written to a temporary name, fsynced,
    renamed; the folder fsynced; each read back and compared by SHA-256 (ReadBackFailedError),
    then passed to ``verify(path, bytes_read)`` if given (which raises to refuse it). On any
    failure every temporary file and every final file written by this call is removed, so no
    partial or unverified file is left under a final name. OS errors become WriteFailedError.
    Files larger than FAT32 allows are refused with ValueError (split them first).
    """
    for name, data in files:
        check_fat_safe_name(name)
        if len(data) > FAT32_MAX_FILE_SIZE:
            raise ValueError(f"{name} is larger than FAT32 allows; split it into parts")
    if len({name.lower() for name, _ in files}) != len(files):
        raise ValueError("duplicate file names (FAT32 and exFAT ignore case)")
    if not directory.is_dir():
        raise WriteFailedError(f"not a folder: {directory}")
    pending: list[tuple[str, bytes]] = []
    for name, data in files:
        final = directory / name
        if final.exists():
            if _same_content(final, data):
                continue
            raise TargetExistsError(name)
        pending.append((name, data))
    check_free_space(directory, sum(len(d) for _, d in pending), free_space)

    written: list[Path] = []
    try:
        for name, data in pending:
            written.append(_write_one(directory, name, data))
        fsync_directory(directory)
        for (name, data), path in zip(pending, written, strict=True):
            got = read_back(path)
            if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
                raise ReadBackFailedError(f"{name}: {len(got)} bytes read, {len(data)} written")
            if verify is not None:
                verify(path, got)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            fsync_directory(directory)
        raise
    return [directory / name for name, _ in files]


def _write_one(directory: Path, name: str, data: bytes) -> Path:
    final = directory / name
    temp = directory / f"{TEMP_PREFIX}{secrets.token_hex(6)}.tmp"
    try:
        with open(temp, "xb") as handle:
            view = memoryview(data)
            for start in range(0, len(data), _CHUNK):
                handle.write(view[start : start + _CHUNK])
            handle.flush()
            os.fsync(handle.fileno())
        if final.exists():  # appeared meanwhile: never overwrite
            raise TargetExistsError(name)
        os.replace(temp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise WriteFailedError(f"{name}: {msg(*os_error_text(exc))}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return final


def _same_content(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return hashlib.sha256(read_back(path)).digest() == hashlib.sha256(data).digest()
    except OSError:
        return False


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete temporary files left in ``directory`` by an interrupted write; return them."""
    removed = []
    for path in directory.glob(f"{TEMP_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


# --- removable drives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovableDrive:
    """A mounted removable drive (U 盘): where to write (``path``), a label to show, its file
    system type ("vfat", "exfat", … on Linux; empty on Windows)."""

    path: Path
    label: str
    fs_type: str = ""


@dataclass(frozen=True)
class MountEntry:
    """One line of ``/proc/mounts`` (fstab(5) fields 1–3), octal escapes decoded."""

    device: str
    mount_point: str
    fs_type: str


_PSEUDO_FS = {
    "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "pstore",
    "debugfs", "tracefs", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "binfmt_misc",
    "overlay", "squashfs", "ramfs", "bpf", "nsfs", "efivarfs", "rpc_pipefs", "selinuxfs",
}  # fmt: skip
_OCTAL = re.compile(r"\\([0-7]{3})")
_PARTITION = re.compile(r"^(?P<base>(?:mmcblk|nvme\d+n|loop)\d+)p\d+$|^(?P<sd>(?:sd|hd|vd|xvd)[a-z]+)\d*$")


def parse_proc_mounts(text: str) -> list[MountEntry]:
    """Parse the text of ``/proc/mounts`` (or ``/proc/self/mounts``); malformed lines skipped."""
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        device, mount_point, fs_type = (_OCTAL.sub(lambda m: chr(int(m.group(1), 8)), f) for f in fields[:3])
        entries.append(MountEntry(device, mount_point, fs_type))
    return entries


def block_base_name(device: str) -> str | None:
    """Name of the whole disk under ``/sys/block`` for a partition device, e.g. ``/dev/sdb1`` →
    ``sdb``, ``/dev/mmcblk0p1`` → ``mmcblk0``, ``/dev/nvme0n1p2`` → ``nvme0n1``; None otherwise."""
    if not device.startswith("/dev/"):
        return None
    name = device[5:]
    match = _PARTITION.match(name)
    if match:
        return match.group("base") or match.group("sd")
    if re.fullmatch(r"(?:mmcblk\d+|nvme\d+n\d+)", name):
        return name
    return None


def sys_block_removable(base_name: str, sys_block: Path = Path("/sys/block")) -> bool:
    """True when ``/sys/block/<base_name>/removable`` reads ``1``."""
    try:
        return (sys_block / base_name / "removable").read_text().strip() == "1"
    except OSError:
        return False


def linux_removable_drives(
    mounts_text: str,
    *,
    is_removable: Callable[[str], bool] = sys_block_removable,
    media_roots: Iterable[str] = ("/media/", "/run/media/"),
) -> list[RemovableDrive]:
    """Removable drives among the mounts in ``mounts_text`` (``/proc/mounts``).

    A real (non-pseudo) file system counts when its disk's ``/sys/block/*/removable`` flag is set
    (``is_removable(base_name)``) or when it is mounted under a desktop's automount folder
    (``/media/…``, ``/run/media/…``: udisks puts USB sticks there, including the many that report
    ``removable = 0``). Ordered as mounted; each mount point once.
    """
    roots = tuple(media_roots)
    seen: set[str] = set()
    drives = []
    for entry in parse_proc_mounts(mounts_text):
        if entry.fs_type in _PSEUDO_FS or entry.mount_point in seen:
            continue
        base = block_base_name(entry.device)
        under_media = entry.mount_point.startswith(roots)
        if (base is not None and is_removable(base)) or (under_media and entry.device.startswith("/dev/")):
            seen.add(entry.mount_point)
            label = Path(entry.mount_point).name or entry.device
            drives.append(RemovableDrive(Path(entry.mount_point), label, entry.fs_type))
    return drives


DRIVE_REMOVABLE = 2  # GetDriveTypeW result for a removable drive (USB stick, card reader)


def windows_removable_drives(drive_mask: int, drive_type: Callable[[str], int]) -> list[RemovableDrive]:
    """Removable drives from ``GetLogicalDrives()``'s bit mask (bit 0 = A:) and
    ``GetDriveTypeW(root)`` (== DRIVE_REMOVABLE, 2); A: and B: (floppies) skipped."""
    drives = []
    for index in range(2, 26):
        if drive_mask & (1 << index):
            root = f"{chr(ord('A') + index)}:\\"
            if drive_type(root) == DRIVE_REMOVABLE:
                drives.append(RemovableDrive(Path(root), root[:2]))
    return drives


def find_removable_drives() -> list[RemovableDrive]:
    """Removable drives mounted now, on Windows or Linux (an empty list elsewhere or on error)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        return windows_removable_drives(
            int(kernel32.GetLogicalDrives()), lambda r: int(kernel32.GetDriveTypeW(r))
        )
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return linux_removable_drives(text)
    return []

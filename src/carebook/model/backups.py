"""Rotating encrypted backups, copies to a USB stick, and restore (备份与恢复).

A backup is the pair

* ``<kind>-carebook-<UTC stamp>.db`` — a verified SQLCipher copy of the register (SQLite
  online backup API, see :func:`carebook.model.db.backup_database`), encrypted with the
  database key of the moment, and
* ``<same name>.keys.json`` — its **key file**: the ``keyinfo.json`` wraps of that key and the
  encrypted small secrets (``secrets.json``), no secret in the clear. Without it a backup is
  opened with the current data directory's key (same PC, key not rotated since).

and, when the register has attachments, ``<same name>.attachments.json`` — its **attachment
list**: the sealed attachment files (:mod:`carebook.model.attachment_store`) the backup holds,
copied as they are (still encrypted, under the attachment key kept *inside* the backed-up
database) into ``carebook-attachments/`` beside the backups. That folder is shared by the
backups of one directory (a scan is stored once, not once per daily backup); pruning deletes a
file there once no remaining backup lists it. A backup is written as ``<name>.db.pending``
and renamed to its final name only after its attachment files and list are in place.

Kinds (the file-name prefix) and how many of each the rotation keeps (:data:`RETENTION`):
``daily`` (taken by :func:`backup_if_due`), ``manual`` (``carebook backup``), ``before-import``
(taken by sync before each bundle import), ``before-relay-pull``, ``rekey``, ``restore`` (the
register a restore replaced), and the pre-migration backups of :mod:`carebook.model.db`
(``carebook-<stamp>-before-<rev>-from-<rev>.db``, kind ``migration``).

Copies to another directory (``carebook backup --to E:\\``, a USB stick) get a *portable*
key file: only the recovery wrap is kept when the register has a recovery key, so whoever
finds the stick cannot try passwords against it; without a recovery key the passphrase wrap
is kept (and the stick is as strong as the passphrase). Copies are written to a temporary
name, fsynced, renamed and read back.

Restore (:func:`restore_backup`) opens the backup with the recovery key or the passphrase,
checks it (``PRAGMA quick_check``, known schema), moves the current register aside into
``<data_dir>/replaced-<stamp>/`` (never deleted), copies the backup in and writes new key
files for this PC (keyring and/or passphrase, recovery wrap kept).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook.model import migrations
from carebook.model.command_name import CLI
from carebook.model.db import (
    BackupError,
    Database,
    _backup_file,  # the storage engineer's verified SQLite-backup copy
    connect_sqlcipher,
)
from carebook.model.errors import CarebookError, os_error_text
from carebook.model.keys import (
    KeyInfo,
    KeyInfoError,
    Keystore,
    WrongKeyError,
    keyring_backend_usable,
    unlock_keystore,
    write_file_atomic,
)
from carebook.model.paths import DataPaths
from carebook.model.recovery import (
    PENDING_DIRNAME,
    NoRecoveryKey,
    RecoveryKeyError,
    _move_pending,
    _prepare_keystore,
    has_recovery_key,
    unwrap_with_recovery_key,
)

KEY_FILE_SUFFIX = ".keys.json"
KEY_FILE_FORMAT = 1
ATTACHMENTS_SUFFIX = ".attachments.json"
ATTACHMENT_POOL = "carebook-attachments"
"""Folder beside the backups holding their sealed attachment files (``xx/<name>``)."""
POOL_GRACE = dt.timedelta(hours=1)
"""Pool files and attachment lists younger than this are never pruned (a backup in progress)."""
_POOL_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")

RETENTION: dict[str, int] = {
    "daily": 14,
    "manual": 20,
    "before-import": 10,
    "before-relay-pull": 5,
    "rekey": 3,
    "restore": 3,
    "migration": 3,
}
"""How many backups of each kind the rotation keeps (newest first); other files are kept."""

DAILY_INTERVAL = dt.timedelta(hours=24)

_STAMP = re.compile(r"(\d{8}T\d{6}Z)")
_KINDS = ("before-relay-pull", "before-import", "daily", "manual", "rekey", "restore")


class RestoreError(CarebookError):
    """A backup cannot be restored (unreadable, wrong key, newer schema). Nothing changed."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file in a directory: ``path`` (the ``.db``), ``kind``, ``taken_at`` (UTC,
    from the name, else the file time), ``size`` in bytes, and whether a key file is beside
    it."""

    path: Path
    kind: str
    taken_at: dt.datetime
    size: int
    has_key_file: bool

    def to_json(self) -> dict[str, Any]:
        """JSON shape: ``{"path", "kind", "taken_at" (ISO 8601 UTC), "size", "has_key_file"}``."""
        return {"path": str(self.path), "kind": self.kind, "taken_at": self.taken_at.isoformat(),
                "size": self.size, "has_key_file": self.has_key_file}


def key_file_of(backup: Path) -> Path:
    """The key file beside ``backup``: ``<name>.keys.json``."""
    return backup.with_name(backup.name + KEY_FILE_SUFFIX)


def attachments_file_of(backup: Path) -> Path:
    """The attachment list beside ``backup``: ``<name>.attachments.json``."""
    return backup.with_name(backup.name + ATTACHMENTS_SUFFIX)


def _utc_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def kind_of(name: str) -> str:
    """The kind of a backup from its file name (see the module docstring); ``"other"`` when
    unknown."""
    for kind in _KINDS:
        if name.startswith(kind + "-"):
            return kind
    if name.startswith("carebook-") and "-before-" in name:
        return "migration"
    if name.startswith("carebook-"):
        return "manual"
    return "other"


def _taken_at(path: Path) -> dt.datetime:
    match = _STAMP.search(path.name)
    if match:
        return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def list_backups(directory: Path) -> list[BackupInfo]:
    """The backups (``*.db``) in ``directory``, newest first; ``[]`` when it does not exist."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.db"):
        if not path.is_file():
            continue
        found.append(BackupInfo(path=path, kind=kind_of(path.name), taken_at=_taken_at(path),
                                size=path.stat().st_size, has_key_file=key_file_of(path).exists()))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


# --------------------------------------------------------------------------- key files


def _secrets_doc(paths: DataPaths) -> Any:
    try:
        return json.loads(paths.secrets.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def key_file_document(keystore: Keystore, backup: Path, *, portable: bool = False) -> dict[str, Any]:
    """The key file of ``backup`` made with ``keystore``.

    Shape: ``{"format": 1, "kind": "carebook-backup-keys", "keyinfo": {installation_id,
    fingerprint, created_at, wraps}, "secrets": <secrets.json document or null>,
    "database_sha256": hex}``. With ``portable`` and a recovery wrap, only the recovery wrap is
    kept (no passphrase to guess, no keyring reference)."""
    wraps = list(keystore.info.wraps)
    if portable and has_recovery_key(keystore.info):
        wraps = [w for w in wraps if w.get("kind") == "recovery"]
    elif portable:
        wraps = [w for w in wraps if w.get("kind") != "keyring"] or wraps
    return {
        "format": KEY_FILE_FORMAT,
        "kind": "carebook-backup-keys",
        "keyinfo": {"installation_id": keystore.info.installation_id, "fingerprint": keystore.info.fingerprint,
                    "created_at": keystore.info.created_at, "wraps": wraps},
        "secrets": _secrets_doc(keystore.paths),
        "database_sha256": _sha256(backup),
    }


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    write_file_atomic(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def load_key_file(backup: Path) -> tuple[KeyInfo, Any] | None:
    """Return (key info, secrets document) from the key file beside ``backup``, or ``None``
    when there is none. Raises :class:`KeyInfoError` when it is damaged."""
    path = key_file_of(backup)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
        if doc.get("format") != KEY_FILE_FORMAT:
            raise ValueError("format")
        k = doc["keyinfo"]
        info = KeyInfo(installation_id=str(k["installation_id"]), fingerprint=str(k["fingerprint"]),
                       created_at=str(k.get("created_at", "")), wraps=[dict(w) for w in k["wraps"]])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyInfoError(
            f"备份的密钥文件 {path} 已损坏或无法识别。", f"The backup's key file {path} is damaged or unknown."
        ) from exc
    return info, doc.get("secrets")


# --------------------------------------------------------------------------- taking backups


def _new_name(directory: Path, kind: str, now: dt.datetime | None = None) -> Path:
    base = f"{kind}-carebook-{_utc_stamp(now)}"
    candidate = directory / f"{base}.db"
    counter = 1
    # A ``.pending`` file is the unfinished backup of a killed run (same second): its name is
    # taken too, so the new backup never collides with it.
    while candidate.exists() or candidate.with_name(candidate.name + ".pending").exists():
        counter += 1
        candidate = directory / f"{base}-{counter}.db"
    return candidate


def take_backup_of_closed(paths: DataPaths, keystore: Keystore, *, kind: str = "manual",
                          now: dt.datetime | None = None) -> Path:
    """Back up the register of ``paths`` into ``paths.backups`` with its key file and its
    sealed attachment files (see the module docstring), and rotate.

    Works whether or not the register is open elsewhere (SQLite backup API). Returns the
    ``.db`` path. Raises :class:`BackupError`."""
    paths.backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = _new_name(paths.backups, kind, now)
    pending = final.with_name(final.name + ".pending")
    _backup_file(paths.database, keystore.database_key, pending)
    try:
        doc = copy_attachment_files(paths.attachments, paths.backups)
        if doc is not None:
            _write_json(attachments_file_of(final), doc)
        if final.exists():
            raise FileExistsError(str(final))
        os.replace(pending, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            pending.unlink()
        raise BackupError(
            f"无法写入备份 {final}：{exc}。请检查磁盘空间和权限。",
            f"Could not write the backup {final}: {exc}. Check disk space and permissions.",
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            pending.unlink()
        raise
    _write_json(key_file_of(final), key_file_document(keystore, final))
    prune_backups(paths.backups)
    return final


# --------------------------------------------------------------------------- attachments


def _sealed_files(attachments_dir: Path) -> list[tuple[str, Path, int]]:
    """(``xx/name``, path, size) of every sealed attachment file."""
    from carebook.model.attachment_store import AttachmentStore

    store = AttachmentStore(attachments_dir, None)
    return [(blob.relative.split("/", 1)[1], attachments_dir / blob.relative, blob.size)
            for blob in store.sealed_files()]


def _copy_file(source: Path, dest: Path) -> None:
    """Copy ``source`` to ``dest`` (replacing a different file there): temporary name, fsync,
    rename, read back."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".carebook-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        if _sha256(Path(tmp)) != _sha256(source):
            raise OSError("read-back differs")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _same_file(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and a.stat().st_size == b.stat().st_size and _sha256(a) == _sha256(b)


def copy_attachment_files(attachments_dir: Path, directory: Path) -> dict[str, Any] | None:
    """Copy every sealed attachment file of ``attachments_dir`` into ``directory``'s pool
    (:data:`ATTACHMENT_POOL`; a file already there with the same name and size is kept and
    touched) and return the attachment list document, or ``None`` when there is no file.

    Shape: ``{"format": 1, "kind": "carebook-backup-attachments", "pool": "carebook-attachments",
    "files": [{"name": "xx/<64 hex>", "size": bytes}], "bytes": total}``. Raises OSError."""
    files = _sealed_files(attachments_dir)
    if not files:
        return None
    pool = directory / ATTACHMENT_POOL
    for name, source, size in files:
        target = pool / name
        if target.is_file() and target.stat().st_size == size:
            os.utime(target)  # in use again: keep it out of a concurrent prune's reach
            continue
        _copy_file(source, target)
    return {"format": 1, "kind": "carebook-backup-attachments", "pool": ATTACHMENT_POOL,
            "files": [{"name": name, "size": size} for name, _source, size in files],
            "bytes": sum(size for _n, _s, size in files)}


def load_attachment_list(backup: Path) -> list[tuple[str, int]]:
    """The (``xx/name``, size) of the attachment files listed beside ``backup``; ``[]`` when it
    has no list. Raises :class:`RestoreError` when the list is damaged."""
    path = attachments_file_of(backup)
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
        if doc.get("format") != 1 or doc.get("pool") != ATTACHMENT_POOL:
            raise ValueError("format")
        entries = [(str(f["name"]), int(f["size"])) for f in doc["files"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RestoreError(f"备份的附件清单 {path.name} 已损坏。", f"The backup's attachment list {path.name} is damaged.") from exc
    if not all(_POOL_NAME.match(name) for name, _size in entries):
        raise RestoreError(f"备份的附件清单 {path.name} 已损坏。", f"The backup's attachment list {path.name} is damaged.")
    return entries


def _prune_pool(directory: Path) -> int:
    """Delete pool files no backup of ``directory`` lists (older than :data:`POOL_GRACE`) and
    attachment lists whose backup is gone; return how many files were deleted."""
    pool = directory / ATTACHMENT_POOL
    if not pool.is_dir():
        return 0
    limit = dt.datetime.now(dt.UTC).timestamp() - POOL_GRACE.total_seconds()
    wanted: set[str] = set()
    removed = 0
    for listing in directory.glob("*" + ATTACHMENTS_SUFFIX):
        backup = listing.with_name(listing.name[: -len(ATTACHMENTS_SUFFIX)])
        young = listing.stat().st_mtime > limit
        if not backup.exists() and not young:
            listing.unlink(missing_ok=True)
            continue
        try:
            wanted |= {name for name, _size in load_attachment_list(backup)}
        except RestoreError:
            return 0  # a list we cannot read: delete nothing
    for sub in pool.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            if f"{sub.name}/{path.name}" in wanted or path.stat().st_mtime > limit:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        with contextlib.suppress(OSError):
            sub.rmdir()
    return removed


def _attachment_key_of(backup: Path, key: bytes) -> tuple[bytes | None, list[tuple[str, str]]]:
    """The attachment key inside the backed-up database and its attachments' (sha256,
    file name)."""
    from carebook.model.attachment_store import KEY_SETTING, key_from_setting

    conn = connect_sqlcipher(backup, key)
    try:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (KEY_SETTING,)).fetchone()
        records = [(str(r[0]), str(r[1])) for r in conn.execute("SELECT sha256, filename FROM attachment")]
    finally:
        conn.close()
    return (key_from_setting(json.loads(row[0])) if row else None), records


@dataclass(frozen=True)
class AttachmentRestore:
    """What restoring a backup's attachment files did: ``copied`` into the data directory,
    ``present`` (already there and sound), and the file names of attachments whose file is
    neither in the backup nor on this PC (``missing``) or fails its check (``damaged``)."""

    copied: int = 0
    present: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)


def restore_attachment_files(backup: Path, key: bytes, attachments_dir: Path) -> AttachmentRestore:
    """Bring the attachment files of ``backup`` (opened with database ``key``) back into
    ``attachments_dir``: each listed file is checked with the attachment key inside the backup
    (AES-GCM tag and plaintext SHA-256) and copied in (temporary name, fsync, rename) unless a
    sound copy is already there. Nothing is deleted. Raises :class:`RestoreError` (damaged
    list), OSError."""
    from carebook.model.attachment_store import AttachmentStore

    listed = load_attachment_list(backup)
    attachment_key, records = _attachment_key_of(backup, key)
    if attachment_key is None:
        return AttachmentRestore(missing=sorted({name for _sha, name in records}))
    store = AttachmentStore(attachments_dir, attachment_key)
    pool = backup.parent / ATTACHMENT_POOL
    in_pool = {name for name, _size in listed}
    copied = present = 0
    missing: list[str] = []
    damaged: list[str] = []
    for sha, filename in sorted(set(records)):
        target = store.path_of(sha)
        try:
            store.get(sha)
            present += 1
            continue
        except CarebookError:
            pass
        name = store.name_of(sha)
        source = pool / name[:2] / name
        if f"{name[:2]}/{name}" not in in_pool or not source.is_file():
            missing.append(filename)
            continue
        try:
            store.read_sealed(source, sha)
        except CarebookError:
            damaged.append(filename)
            continue
        _copy_file(source, target)
        copied += 1
    return AttachmentRestore(copied, present, missing, damaged)


def take_backup(db: Database, *, kind: str = "manual", now: dt.datetime | None = None) -> Path:
    """Back up the open register ``db`` into ``<data_dir>/backups`` (with key file) and rotate
    (see :data:`RETENTION`). Returns the ``.db`` path. Raises :class:`BackupError`."""
    return take_backup_of_closed(db.paths, db.keystore, kind=kind, now=now)


def backup_if_due(db: Database, *, now: dt.datetime | None = None,
                  interval: dt.timedelta = DAILY_INTERVAL) -> Path | None:
    """Take a ``daily`` backup when the newest one is older than ``interval`` (or there is
    none); return its path, else ``None``. Call at start-up and, say, hourly."""
    return daily_backup(db.paths, db.keystore, now=now, interval=interval)


def daily_backup(data_dir: Path | DataPaths, keystore: Keystore, *, now: dt.datetime | None = None,
                 interval: dt.timedelta = DAILY_INTERVAL) -> Path | None:
    """:func:`backup_if_due` for callers holding a data directory and an unlocked keystore
    (the desktop: ``daily_backup(register.data_dir, register.keystore)``). Raises BackupError."""
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    now = now or dt.datetime.now(dt.UTC)
    daily = [b for b in list_backups(paths.backups) if b.kind == "daily"]
    if daily and now - daily[0].taken_at < interval:
        return None
    return take_backup_of_closed(paths, keystore, kind="daily", now=now)


def prune_backups(directory: Path, retention: dict[str, int] | None = None) -> list[Path]:
    """Delete the backups beyond the retention count of their kind (oldest first) with their
    key files; return the deleted ``.db`` paths. Kinds not in the policy are never deleted."""
    policy = RETENTION if retention is None else retention
    removed: list[Path] = []
    by_kind: dict[str, list[BackupInfo]] = {}
    for info in list_backups(directory):
        by_kind.setdefault(info.kind, []).append(info)
    for kind, items in by_kind.items():
        keep = policy.get(kind)
        if keep is None:
            continue
        for info in items[max(keep, 1):]:
            with contextlib.suppress(FileNotFoundError):
                info.path.unlink()
            with contextlib.suppress(FileNotFoundError):
                key_file_of(info.path).unlink()
            with contextlib.suppress(FileNotFoundError):
                attachments_file_of(info.path).unlink()
            removed.append(info.path)
    # Unfinished backups of killed runs (``.db.pending``) older than an hour: never complete.
    for stale in directory.glob("*.db.pending"):
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
    with contextlib.suppress(OSError):
        _prune_pool(directory)
    return removed


def add_missing_key_files(directory: Path, keystore: Keystore) -> list[Path]:
    """Write a key file beside each backup in ``directory`` that has none and opens with
    ``keystore``'s key (pre-migration and before-import backups), so they stay restorable
    after the key is rotated. Returns the backups given a key file."""
    done = []
    for info in list_backups(directory):
        if info.has_key_file:
            continue
        try:
            connect_sqlcipher(info.path, keystore.database_key).close()
        except Exception:  # another key, or not a database: leave it alone
            continue
        _write_json(key_file_of(info.path), key_file_document(keystore, info.path))
        done.append(info.path)
    return done


def _copy_verified(source: Path, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".carebook-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        if _sha256(Path(tmp)) != _sha256(source):
            raise OSError("read-back differs")
        if dest.exists():
            raise FileExistsError(str(dest))
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def copy_backup(backup: Path, keystore: Keystore, directory: Path) -> Path:
    """Copy ``backup``, its sealed attachment files (into ``<directory>/carebook-attachments``)
    with their list, and a portable key file into ``directory`` (a USB stick): free space
    checked, temporary name, fsync, rename, read back. Returns the copied ``.db`` path.

    ``keystore`` is the current one; when ``backup`` has a key file, that file is made
    portable instead. Raises :class:`BackupError` (no space, unwritable, exists)."""
    directory = Path(directory)
    dest = directory / backup.name
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if dest.exists() or key_file_of(dest).exists():
            raise FileExistsError(str(dest))
        listed = load_attachment_list(backup)
        pool, stick_pool = backup.parent / ATTACHMENT_POOL, directory / ATTACHMENT_POOL
        needed = sum(size for name, size in listed if not (stick_pool / name).is_file())
        free = shutil.disk_usage(directory).free
        if free < backup.stat().st_size + needed + (1 << 20):
            raise OSError(errno.ENOSPC, f"not enough free space: {free} bytes free, "
                                        f"{backup.stat().st_size + needed + (1 << 20)} bytes needed")
        for name, _size in listed:  # sealed files first, then the list, then the database
            if not _same_file(pool / name, stick_pool / name):
                _copy_file(pool / name, stick_pool / name)
        if listed:
            _write_json(attachments_file_of(dest), json.loads(attachments_file_of(backup).read_bytes()))
        stored = load_key_file(backup)
        if stored is not None:
            info, secrets_doc = stored
            holder = Keystore(DataPaths(directory), info, b"", mode="backup")
            doc = key_file_document(holder, backup, portable=True) | {"secrets": secrets_doc}
        else:
            doc = key_file_document(keystore, backup, portable=True)
        _copy_verified(backup, dest)
        _write_json(key_file_of(dest), doc)
    except (OSError, KeyInfoError, RestoreError) as exc:
        why_zh, why_en = os_error_text(exc) if isinstance(exc, OSError) and exc.errno else (str(exc), str(exc))
        raise BackupError(
            f"无法把备份复制到 {directory}：{why_zh}。请检查U盘是否插好、空间是否足够。",
            f"Could not copy the backup to {directory}: {why_en}. Check the USB stick and its free space.",
        ) from exc
    return dest


# --------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore_backup` did: the restored ``database``, where the replaced
    register went (``replaced_dir``, ``None`` when there was none), the schema revision of the
    backup, whether new key files were written for this PC, and what became of the backup's
    attachment files (:class:`AttachmentRestore`)."""

    database: Path
    replaced_dir: Path | None
    schema_revision: str | None
    new_keys: bool
    attachments: AttachmentRestore = field(default_factory=AttachmentRestore)


def key_for_backup(backup: Path, paths: DataPaths, *, recovery_key: str | None = None,
                   passphrase: str | None = None, ask_passphrase: Callable[[], str | None] | None = None) -> bytes:
    """Return the database key that opens ``backup``: from its key file (recovery key, this
    PC's keyring, or the passphrase / ``$CAREBOOK_PASSPHRASE`` / ``ask_passphrase``), else from
    the data directory's own key information. Raises the errors of :func:`restore_backup`."""
    return _key_for_backup(backup, paths, recovery_key=recovery_key, passphrase=passphrase,
                           ask_passphrase=ask_passphrase)[0]


def _key_for_backup(backup: Path, paths: DataPaths, *, recovery_key: str | None, passphrase: str | None,
                    ask_passphrase: Callable[[], str | None] | None) -> tuple[bytes, KeyInfo | None, Any]:
    stored = load_key_file(backup)
    if stored is not None:
        info, secrets_doc = stored
        if recovery_key:
            try:
                return unwrap_with_recovery_key(info, recovery_key), info, secrets_doc
            except NoRecoveryKey:
                raise RestoreError(
                    f"备份 {backup.name} 没有设置恢复密钥，不能用恢复密钥打开。请去掉 --recovery-key，"
                    "用这台电脑建立数据库时设的密码恢复。数据没有改动。",
                    f"The backup {backup.name} has no recovery key, so a recovery key cannot open it. "
                    "Leave out --recovery-key and restore with the passphrase set when the register was "
                    "created. Nothing was changed.",
                ) from None
        if all(w.get("kind") == "recovery" for w in info.wraps):
            raise RecoveryKeyError(
                f"备份副本 {backup.name} 只能用恢复密钥打开。请输入恢复单上的恢复密钥。",
                f"The backup copy {backup.name} opens only with the recovery key. Type the key from the "
                "recovery sheet.",
            )
        with tempfile.TemporaryDirectory(prefix="carebook-restore-") as tmp:
            _write_json(Path(tmp) / "keyinfo.json", json.loads(info.to_json()))
            keystore = unlock_keystore(Path(tmp), passphrase=passphrase, ask_passphrase=ask_passphrase)
            return keystore.database_key, info, secrets_doc
    if not paths.keyinfo.exists():
        raise RestoreError(
            f"备份 {backup.name} 旁边没有密钥文件（{key_file_of(backup).name}），本机也没有密钥信息，无法打开。"
            "请同时复制备份文件和它的 .keys.json 文件。",
            f"The backup {backup.name} has no key file ({key_file_of(backup).name}) beside it and "
            "this PC has no key information. Copy the backup together with its .keys.json file.",
        )
    if recovery_key:
        from carebook.model.recovery import unlock_with_recovery_key

        return unlock_with_recovery_key(paths, recovery_key).database_key, None, None
    keystore = unlock_keystore(paths, passphrase=passphrase, ask_passphrase=ask_passphrase)
    return keystore.database_key, None, None


def verify_backup(backup: Path, key: bytes) -> str | None:
    """Open ``backup`` with ``key``, run ``PRAGMA quick_check`` and return its schema revision.

    Raises :class:`RestoreError` when it does not open, is damaged, or comes from a newer
    Carebook."""
    try:
        conn = connect_sqlcipher(backup, key)
    except WrongKeyError:
        raise RestoreError(
            f"备份 {backup.name} 无法用这个密钥打开（不是这个数据库的备份，或已损坏）。",
            f"The backup {backup.name} does not open with this key (another database's backup, or damaged).",
        ) from None
    except OSError as exc:
        zh, en = os_error_text(exc)
        raise RestoreError(f"无法读取备份 {backup.name}：{zh}", f"Cannot read the backup {backup.name}: {en}") from exc
    except Exception as exc:  # SQLite's own refusal of a damaged or truncated file
        raise RestoreError(
            f"备份 {backup.name} 已损坏或不完整（也许没有复制完）：请换一个备份文件。数据没有改动。",
            f"The backup {backup.name} is damaged or incomplete (perhaps not copied to the end): "
            "choose another backup. Nothing was changed.",
        ) from exc
    try:
        result = conn.execute("PRAGMA quick_check").fetchall()
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revisions = ([str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
                     if "alembic_version" in names else [])
    except Exception as exc:
        raise RestoreError(f"备份 {backup.name} 已损坏：请换一个备份文件。数据没有改动。",
                           f"The backup {backup.name} is damaged ({exc}): choose another backup. "
                           "Nothing was changed.") from exc
    finally:
        conn.close()
    if result != [("ok",)]:
        raise RestoreError(f"备份 {backup.name} 已损坏（完整性检查未通过）：请换一个备份文件。数据没有改动。",
                           f"The backup {backup.name} is damaged (integrity check failed): choose another "
                           "backup. Nothing was changed.")
    if not revisions:
        raise RestoreError(f"{backup.name} 不是 Carebook 数据库备份。", f"{backup.name} is not a Carebook backup.")
    unknown = migrations.unknown_revisions(revisions)
    if unknown:
        raise RestoreError(
            f"备份 {backup.name} 来自更新版本的 Carebook，请先更新 Carebook。",
            f"The backup {backup.name} comes from a newer Carebook; update Carebook first.",
        )
    return revisions[0]


def move_register_aside(paths: DataPaths, label: str = "replaced") -> Path | None:
    """Move ``carebook.db`` (with ``-wal``/``-shm``) and copies of the key files into
    ``<data_dir>/<label>-<UTC stamp>/``; return that directory (``None`` when there is no
    register). Nothing is deleted."""
    if not paths.database.exists():
        return None
    target = paths.root / f"{label}-{_utc_stamp()}"
    counter = 1
    while target.exists():
        counter += 1
        target = paths.root / f"{label}-{_utc_stamp()}-{counter}"
    target.mkdir(mode=0o700, parents=True)
    for suffix in ("-wal", "-shm", "-journal", ""):
        source = Path(str(paths.database) + suffix)
        if source.exists():
            os.replace(source, target / source.name)
    for source in (paths.keyinfo, paths.secrets):
        if source.exists():
            shutil.copy2(source, target / source.name)
    return target


def restore_backup(
    backup: Path,
    data_dir: Path | DataPaths,
    *,
    recovery_key: str | None = None,
    passphrase: str | None = None,
    new_passphrase: str | None = None,
    use_keyring: bool | None = None,
    ask_passphrase: Callable[[], str | None] | None = None,
) -> RestoreResult:
    """Restore ``backup`` into ``data_dir`` (the register must be closed).

    The key comes from the backup's key file (recovery key, or its passphrase wrap via
    ``passphrase`` / ``$CAREBOOK_PASSPHRASE`` / the keyring of this PC), else from the data
    directory's own ``keyinfo.json``. New key files for this PC wrap the same key: keyring when
    it works (``use_keyring``), ``new_passphrase`` (default: ``passphrase``), and the recovery
    wrap. The current register, if any, is moved into ``<data_dir>/replaced-<stamp>/``.

    Raises:
        RestoreError: no usable key file, wrong key, damaged or newer backup (nothing changed).
        RecoveryKeyError / WrongKeyError / PassphraseRequired: the key could not be opened.
    """
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    backup = Path(backup)
    if backup.is_dir():
        raise RestoreError(
            f"{backup} 是一个文件夹，不是备份文件。请指定其中的备份文件（carebook-….db），"
            f"可以用 {CLI} backup --list 查看本机的备份。",
            f"{backup} is a folder, not a backup file. Name the backup file in it (carebook-….db); "
            f"'{CLI} backup --list' lists this PC's backups.")
    if not backup.is_file():
        raise RestoreError(f"找不到备份文件 {backup}。", f"No backup file {backup}.")
    key, info, secrets_doc = _key_for_backup(backup, paths, recovery_key=recovery_key, passphrase=passphrase,
                                             ask_passphrase=ask_passphrase)
    revision = verify_backup(backup, key)
    paths.ensure_dirs()
    try:  # sealed files first: harmless if the rest fails, and there when the register opens
        attachments = restore_attachment_files(backup, key, paths.attachments)
    except OSError as exc:
        raise RestoreError(f"无法恢复附件文件：{exc}。请检查磁盘空间。",
                           f"Could not restore the attachment files: {exc}. Check the free disk space.") from exc
    pending = paths.root / PENDING_DIRNAME
    shutil.rmtree(pending, ignore_errors=True)
    new_keys = info is not None
    if info is not None:
        with tempfile.TemporaryDirectory(prefix="carebook-restore-") as tmp:
            old_paths = DataPaths(Path(tmp))
            if secrets_doc is not None:
                _write_json(old_paths.secrets, secrets_doc)
            old = Keystore(old_paths, info, key, mode="backup")
            keyring_wanted = keyring_backend_usable() if use_keyring is None else use_keyring
            chosen = new_passphrase or passphrase or os.environ.get("CAREBOOK_PASSPHRASE") or None
            _prepare_keystore(old, pending, key, passphrase=chosen, use_keyring=keyring_wanted)
    replaced = move_register_aside(paths, "replaced")
    part = paths.database.with_name(paths.database.name + ".restore-part")
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    _copy_verified(backup, part)
    os.replace(part, paths.database)
    os.chmod(paths.database, 0o600)
    if new_keys:
        _move_pending(pending, paths)
    return RestoreResult(database=paths.database, replaced_dir=replaced, schema_revision=revision,
                         new_keys=new_keys, attachments=attachments)

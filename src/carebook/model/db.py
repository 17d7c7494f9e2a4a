"""Opening, creating and backing up the encrypted register (数据库).

The register is one SQLCipher 4 file, ``<data_dir>/carebook.db`` (see
:mod:`carebook.model.paths`), keyed with the raw 32-byte key of :mod:`carebook.model.keys`
(``PRAGMA key = "x'<64 hex>'"``: no PBKDF2 cost per connection). Every connection gets
``PRAGMA foreign_keys=ON``, ``journal_mode=WAL``, ``synchronous=FULL``, a 32 MB page cache (:data:`PAGE_CACHE_KIB`) and a busy timeout, and
SQLAlchemy emits ``BEGIN`` itself so that DDL, savepoints and reads are transactional (the
recipe of SQLAlchemy's SQLite documentation, "Enabling Non-Legacy SQLite Transactional Modes").

On opening, the schema revision is read with reads only. A revision this Carebook does not
know (written by a newer Carebook) is refused with :class:`NewerSchemaError` before anything
is written. An older one is upgraded with Alembic (:mod:`carebook.model.migrations`) after a
verified backup (SQLite online backup API) into ``<data_dir>/backups/``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import URL, Engine, create_engine, event, orm
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from carebook.model import migrations
from carebook.model.command_name import CLI
from carebook.model.errors import CarebookError, os_error_text
from carebook.model.keys import (
    Keystore,
    WrongKeyError,
    create_keystore,
    forget_keystore,
    unlock_keystore,
)
from carebook.model.paths import DataPaths

BUSY_TIMEOUT_MS = 10_000
"""How long a connection waits for another writer before ``database is locked`` (ms)."""

_SQLITE_NOTADB = 26

PAGE_CACHE_KIB = 32_768
"""Page cache of each connection (KiB, allocated as pages are used). SQLite's default, 2 MB,
holds 500 pages: a search that fetches a few hundred children at 100,000 read and decrypted
about 1,500 pages again on every keystroke (26 ms of CPU; 8 ms with this cache, measured in
``bench/bench_register.py``)."""

BEGIN_OPTION = migrations.BEGIN_OPTION
"""Execution option naming the statement that starts a transaction (``"BEGIN"`` or
``"BEGIN IMMEDIATE"``), e.g. ``engine.execution_options(carebook_begin="BEGIN IMMEDIATE")``."""


# --------------------------------------------------------------------------- parameters

#: Binding ``None`` (SQL NULL): sqlcipher3's parameter binding "adapts" every value that is not
#: exactly an int, float, str or bytearray (PEP 246 protocol of the DB-API module), and for ``None``
#: that means two failed attribute lookups, each raising and formatting an ``AttributeError``. With
#: an adapter registered for ``NoneType`` the lookup ends at the adapter table: inserting the child
#: rows of a 20,000-child import (46 columns, a third of them NULL) took 0.89 s before and 0.24 s
#: after (``bench/README.md``). ``{}.get`` is a C callable returning ``None`` for any key.
sqlcipher.register_adapter(type(None), dict[Any, None]().get)

# --------------------------------------------------------------------------- errors


class DatabaseNotFound(CarebookError):
    """There is no register in the data directory (and creation was not asked for)."""

    def __init__(self, path: Path) -> None:
        moved = sorted(path.parent.glob("damaged-*")) if path.parent.is_dir() else []
        if moved:  # ``recover`` moved a damaged register aside: init would start an empty one
            super().__init__(
                f"在 {path.parent} 没有数据库：损坏的数据库已被移到 {moved[-1]}（没有删除）。"
                f"请用 {CLI} restore 从备份恢复（U盘上的备份也可以），不要重新 init；"
                "没有备份时请联系技术支持从损坏的文件中抢救数据。",
                f"No database in {path.parent}: the damaged one was moved to {moved[-1]} (not deleted). "
                f"Restore a backup with '{CLI} restore' (one on a USB stick will do) rather than init "
                "again; without a backup, ask support to rescue data from the damaged file.",
            )
            return
        super().__init__(
            f"在 {path.parent} 没有找到 Carebook 数据库。"
            f"请先运行 {CLI} init 建立，或用 --data-dir 指定正确的数据目录。",
            f"No Carebook database in {path.parent}. Run '{CLI} init' first, or give the "
            "right data directory with --data-dir.",
        )


class DatabaseExists(CarebookError):
    """Refusing to create a register where one (or its key information) already exists."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} 已经存在，不会覆盖。如需新建，请换一个数据目录（--data-dir）。",
            f"{path} already exists and will not be overwritten. Use another data directory "
            "(--data-dir) for a new one.",
        )


class NewerSchemaError(CarebookError):
    """The register was written by a newer Carebook (unknown schema revision). Nothing was
    changed."""

    def __init__(self, revisions: list[str]) -> None:
        self.revisions = revisions
        shown = ", ".join(revisions)
        super().__init__(
            f"这个数据库由更新版本的 Carebook 建立（结构版本 {shown}），当前版本无法打开。"
            "请先更新 Carebook；数据没有任何改动。",
            f"This database was written by a newer Carebook (schema {shown}) and this version "
            "cannot open it. Update Carebook first; nothing was changed.",
        )


class NotACarebookDatabase(CarebookError):
    """The file opens with the key but holds tables and no Carebook schema revision."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} 不是 Carebook 数据库（没有结构版本信息），不会改动它。",
            f"{path} is not a Carebook database (no schema revision); it was left untouched.",
        )


class DatabaseUnreadable(CarebookError):
    """The key matches ``keyinfo.json`` but does not open the database file: the file is
    damaged or belongs to another installation."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"数据库文件 {path} 无法用本机密钥打开：文件可能已损坏，"
            "或与密钥信息不属于同一个安装。请从备份恢复。",
            f"The database file {path} does not open with this installation's key: it is "
            "damaged or belongs to another installation. Restore from a backup.",
        )


class DatabaseBusy(CarebookError):
    """Another program holds the database's write lock for longer than the busy timeout."""

    def __init__(self) -> None:
        super().__init__(
            "数据库正被另一个 Carebook 程序使用（例如正在导入或升级）。请稍后重试，或关闭其他 Carebook 窗口。",
            "The database is busy in another Carebook program (an import or upgrade, perhaps). "
            "Try again shortly, or close the other Carebook windows.",
        )


class DamagedDatabaseError(DatabaseUnreadable):
    """The register file is damaged (损坏): SQLite reports ``SQLITE_CORRUPT`` ("database disk
    image is malformed") or the file no longer decrypts. A subclass of
    :class:`DatabaseUnreadable`, so whoever handles that (``carebook check``, the desktop's
    start-up recovery) handles this. Nothing was written; ``carebook recover`` moves the file
    aside and offers the newest backup."""

    def __init__(self, path: Path) -> None:
        CarebookError.__init__(
            self,
            f"数据库文件 {path} 已损坏，无法读取（可能是断电或磁盘故障）。数据没有任何改动。"
            f"请运行 {CLI} recover：它会把损坏的文件移到一旁保留，并提供最新的备份来恢复。",
            f"The database file {path} is damaged and cannot be read (a power cut or a disk "
            f"fault, perhaps). Nothing was changed. Run '{CLI} recover': it moves the damaged "
            "file aside, keeps it, and offers the newest backup.",
        )


class DatabaseCannotOpen(CarebookError):
    """The register file cannot be opened or written for a reason outside the file (无法打开):
    no permission, a read-only folder or drive, a full disk, an I/O error. Not damage: the file
    may be sound. Nothing was written."""

    def __init__(self, path: Path, reason_zh: str, reason_en: str) -> None:
        self.path = path
        super().__init__(
            f"无法打开数据库文件 {path}：{reason_zh}。数据没有任何改动。",
            f"Cannot open the database file {path}: {reason_en}. Nothing was changed.",
        )


# SQLite primary result codes (https://www.sqlite.org/rescode.html)
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 3, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_AUTH = 13, 14, 23
_NO_ACCESS = ("Carebook 需要能写入数据目录（它旁边的 -wal、-shm 文件也要写）。请检查文件夹的权限和是否只读"
              "（只读U盘、光盘、只读共享文件夹），或把数据目录复制到可写的位置后用 --data-dir 指定",
              "Carebook must be able to write in the data directory (its -wal and -shm files sit "
              "beside it). Check the folder's permissions and whether it is read-only (a locked "
              "USB stick, a CD, a read-only share), or copy the data directory somewhere writable "
              "and name it with --data-dir")


def database_error(exc: BaseException, path: Path) -> CarebookError | None:
    """The user's error for a SQLite error met while opening or using the register at ``path``.

    ``exc`` is a ``sqlcipher3`` error or a SQLAlchemy ``DBAPIError`` wrapping one (``.orig``).
    Returns :class:`DamagedDatabaseError` (``SQLITE_CORRUPT``, ``SQLITE_NOTADB``),
    :class:`DatabaseBusy` (locked / busy), :class:`DatabaseCannotOpen` (``SQLITE_CANTOPEN``,
    ``SQLITE_READONLY``, ``SQLITE_PERM``, ``SQLITE_AUTH``, ``SQLITE_FULL``, ``SQLITE_IOERR``),
    or ``None`` for anything else (a bug, not the file). Codes: SQLite's result codes
    (https://www.sqlite.org/rescode.html); the text is checked too, as some builds leave the
    code unset.
    """
    orig = getattr(exc, "orig", None)
    if orig is not None:
        exc = orig
    if not isinstance(exc, sqlcipher.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text_ = str(exc).lower()
    if _is_busy(exc):
        return DatabaseBusy()
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text_ or "not a database" in text_:
        return DamagedDatabaseError(path)
    if primary == _SQLITE_FULL or "disk is full" in text_:
        return DatabaseCannotOpen(path, "磁盘已满，请先腾出空间", "the disk is full; free some space first")
    if primary in (_SQLITE_CANTOPEN, _SQLITE_READONLY, _SQLITE_PERM, _SQLITE_AUTH) \
            or "unable to open" in text_ or "readonly" in text_:
        return DatabaseCannotOpen(path, *_NO_ACCESS)
    if primary == _SQLITE_IOERR or "disk i/o" in text_:
        return DatabaseCannotOpen(path, f"读写磁盘出错（磁盘或U盘可能有故障）。请运行 {CLI} check 检查",
                                  "a disk read/write error (the disk or USB stick may be failing). "
                                  f"Run '{CLI} check'")
    return None


def _is_busy(exc: BaseException) -> bool:
    text_ = str(exc).lower()
    return "database is locked" in text_ or "database is busy" in text_


class BackupError(CarebookError):
    """A backup could not be written or did not verify (``detail``: SQLite's own report, for
    support, when there is one)."""

    detail: str = ""


# --------------------------------------------------------------------------- connections


def connect_sqlcipher(path: Path, key: bytes) -> Any:
    """Open ``path`` with SQLCipher, set the raw key and check it, with reads only.

    Returns a ``sqlcipher3.dbapi2.Connection`` in autocommit mode (``isolation_level=None``),
    usable from any thread (``check_same_thread=False``), with ``busy_timeout`` set. A missing
    file is created empty by SQLite: callers check existence first.

    Raises:
        WrongKeyError: the key does not open the file (``SQLITE_NOTADB``); nothing was written.
    """
    conn = sqlcipher.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # no decryption noise on stderr
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlcipher.DatabaseError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_NOTADB:
            raise WrongKeyError() from None
        raise
    except BaseException:
        conn.close()
        raise
    return conn


def _read_revisions(conn: Any) -> tuple[list[str], bool]:
    """Return (revisions in alembic_version, whether any table exists), with reads only."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" not in names:
        return [], bool(names)
    revisions = [str(row[0]) for row in conn.execute("SELECT version_num FROM alembic_version")]
    return revisions, True


def _make_engine(path: Path, key: bytes, journal_mode: str = "wal") -> Engine:
    def creator() -> Any:
        conn = connect_sqlcipher(path, key)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA journal_mode = {journal_mode.upper()}").fetchone()  # see model.location
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        return conn

    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        module=sqlcipher,
        creator=creator,
        poolclass=QueuePool,
        pool_size=5,
        max_overflow=5,
    )

    event.listen(engine, "begin", migrations.begin_sqlite_transaction)  # see module docstring
    return engine


# --------------------------------------------------------------------------- database


@dataclass
class Database:
    """An open register (登记册数据库).

    ``engine`` is a SQLAlchemy :class:`~sqlalchemy.Engine` over SQLCipher; ``sessionmaker``
    makes ORM sessions (``expire_on_commit=False``) whose transactions start with a deferred
    ``BEGIN``; ``write_sessionmaker`` makes sessions that start with ``BEGIN IMMEDIATE``
    (take the write lock first, waiting up to :data:`BUSY_TIMEOUT_MS`, so a write
    transaction never fails half-way because another process wrote meanwhile — use it for
    writes). ``keystore`` holds the unlocked key and the small-secret API
    (:meth:`Keystore.store_secret`). ``schema_revision`` is the revision after opening;
    ``pre_migration_backup`` the backup taken before upgrading, if any. Call :meth:`close`
    (or use ``with``) when done.
    """

    paths: DataPaths
    keystore: Keystore
    engine: Engine
    sessionmaker: orm.sessionmaker[Session]
    write_sessionmaker: orm.sessionmaker[Session]
    schema_revision: str | None = None
    pre_migration_backup: Path | None = None
    #: set when the data directory is on a network/removable drive (see carebook.model.location)
    location_warning: str = ""
    _closed: bool = field(default=False, repr=False)

    @property
    def path(self) -> Path:
        """The database file, ``<data_dir>/carebook.db``."""
        return self.paths.database

    def close(self) -> None:
        """Close every pooled connection (the last one checkpoints and removes the WAL)."""
        if not self._closed:
            self.engine.dispose()
            self._closed = True

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _paths(data_dir: Path | str | DataPaths | None) -> DataPaths:
    if isinstance(data_dir, DataPaths):
        return data_dir
    return DataPaths.resolve(data_dir)


def _database(paths: DataPaths, keystore: Keystore, engine: Engine, revision: str | None) -> Database:
    return Database(
        paths=paths,
        keystore=keystore,
        engine=engine,
        sessionmaker=sessionmaker(bind=engine, expire_on_commit=False),
        write_sessionmaker=sessionmaker(
            bind=engine.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"}), expire_on_commit=False
        ),
        schema_revision=revision,
    )


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def create_database(
    data_dir: Path | str | DataPaths | None,
    *,
    passphrase: str | None = None,
    ask_passphrase: Callable[[], str | None] | None = None,
    use_keyring: bool | None = None,
) -> Database:
    """Create a new, empty register at the newest schema in ``data_dir``.

    A new random key is made (:func:`carebook.model.keys.create_keystore`: keyring when it
    works, else the passphrase). Nothing existing is ever overwritten.

    Raises:
        DatabaseExists: ``carebook.db`` or ``keyinfo.json`` already exists.
        UnsafeLocationError: ``data_dir`` is on a removable drive (see
            :mod:`carebook.model.location`; a network drive gets the rollback journal and
            ``Database.location_warning``).
        PassphraseRequired / PassphraseTooShort: see :mod:`carebook.model.keys`.
    """
    paths = _paths(data_dir)
    from carebook.model.location import journal_for

    location = journal_for(paths.root, creating=True)  # refuses a removable drive
    for existing in (paths.database, paths.keyinfo):
        if existing.exists():
            raise DatabaseExists(existing)
    paths.ensure_dirs()
    keystore = create_keystore(
        paths, passphrase=passphrase, ask_passphrase=ask_passphrase, use_keyring=use_keyring
    )
    try:
        paths.database.open("xb").close()  # exclusive: never overwrite a racing creation
    except BaseException as exc:
        forget_keystore(keystore)
        if isinstance(exc, FileExistsError):
            raise DatabaseExists(paths.database) from None
        raise
    engine: Engine | None = None
    try:
        os.chmod(paths.database, 0o600)  # SQLite gives -wal/-shm the same permissions
        engine = _make_engine(paths.database, keystore.database_key, location.journal_mode)
        with engine.connect() as conn:
            migrations.upgrade(conn)
            revision = migrations.current_revision(conn)
            conn.rollback()
    except BaseException:
        if engine is not None:
            engine.dispose()
        _remove_database_files(paths.database)
        forget_keystore(keystore)
        raise
    db = _database(paths, keystore, engine, revision)
    db.location_warning = location.warning
    return db


def open_database(
    data_dir: Path | str | DataPaths | None,
    *,
    passphrase: str | None = None,
    create: bool = False,
    ask_passphrase: Callable[[], str | None] | None = None,
    migrate: bool = True,
) -> Database:
    """Open the register in ``data_dir`` (``None``: ``$CAREBOOK_DATA_DIR`` or the platform
    default), upgrading its schema when ``migrate`` is true.

    Args:
        passphrase: used when the key is not in the keyring; else ``$CAREBOOK_PASSPHRASE``,
            else ``ask_passphrase()``.
        create: create a new register (:func:`create_database`) when none exists.
        migrate: upgrade an older schema to the newest (after a backup into ``backups/``).
            With ``False`` the schema is left as found (still refused if newer).

    Raises:
        DatabaseNotFound: no ``carebook.db`` and ``create`` is false.
        PassphraseRequired, WrongKeyError, KeyringUnavailable, KeyMissingFromKeyring,
        KeyInfoError: the key could not be recovered (see :mod:`carebook.model.keys`);
            nothing on disk was changed.
        NewerSchemaError: the database comes from a newer Carebook; nothing was changed.
        NotACarebookDatabase: tables but no schema revision; nothing was changed.
        DatabaseUnreadable: the key does not open the file (damaged / mismatched).
        DamagedDatabaseError: the file is damaged (a :class:`DatabaseUnreadable`).
        DatabaseCannotOpen: no permission, read-only folder, full disk, I/O error
            (:func:`database_error`); nothing was written.
        BackupError: the pre-migration backup failed; the database was not migrated.
    """
    paths = _paths(data_dir)
    if not paths.database.exists():
        if create:
            return create_database(paths, passphrase=passphrase, ask_passphrase=ask_passphrase)
        raise DatabaseNotFound(paths.database)
    keystore = unlock_keystore(paths, passphrase=passphrase, ask_passphrase=ask_passphrase)
    key = keystore.database_key

    try:
        probe = connect_sqlcipher(paths.database, key)
    except WrongKeyError:
        raise DatabaseUnreadable(paths.database) from None
    except sqlcipher.Error as exc:
        raise (database_error(exc, paths.database) or exc) from exc
    try:
        revisions, has_tables = _read_revisions(probe)
    except sqlcipher.Error as exc:
        raise (database_error(exc, paths.database) or exc) from exc
    finally:
        probe.close()
    unknown = migrations.unknown_revisions(revisions)
    if unknown:
        raise NewerSchemaError(unknown)
    if not revisions and has_tables:
        raise NotACarebookDatabase(paths.database)

    head = migrations.head_revision()
    current = revisions[0] if len(revisions) == 1 else None
    backup: Path | None = None
    needs_upgrade = migrate and revisions != ([head] if head else [])
    if needs_upgrade and revisions:
        paths.ensure_dirs()
        backup = _backup_file(paths.database, key, _pre_migration_name(paths, revisions, head))
    from carebook.model.location import journal_for

    location = journal_for(paths.root, creating=False)
    engine = _make_engine(paths.database, key, location.journal_mode)
    try:
        with engine.connect() as conn:
            if needs_upgrade:
                migrations.upgrade(conn)
            current = migrations.current_revision(conn)
            conn.rollback()
    except (sqlcipher.Error, DBAPIError) as exc:
        engine.dispose()
        raise (database_error(exc, paths.database) or exc) from exc
    except BaseException:
        engine.dispose()
        raise
    db = _database(paths, keystore, engine, current)
    from carebook.model.attachment_store import prepare_store

    prepare_store(db.sessionmaker, paths.attachments)  # seal clear attachment files of earlier versions
    db.pre_migration_backup = backup
    db.location_warning = location.warning
    return db


# --------------------------------------------------------------------------- backups


def _utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _pre_migration_name(paths: DataPaths, revisions: list[str], head: str | None) -> Path:
    # a random tail keeps two programs upgrading at the same second apart
    base = f"carebook-{_utc_stamp()}-before-{head or 'none'}-from-{'+'.join(revisions)}"
    candidate = paths.backups / f"{base}-{secrets.token_hex(2)}.db"
    while candidate.exists():
        candidate = paths.backups / f"{base}-{secrets.token_hex(2)}.db"
    return candidate


def default_backup_name() -> str:
    """Return an ASCII file name for a backup taken now: ``carebook-<UTC stamp>.db``."""
    return f"carebook-{_utc_stamp()}.db"


def _fsync_file(path: Path) -> None:
    with open(path, "r+b") as handle:  # Windows' _commit needs a writable handle
        os.fsync(handle.fileno())


def _backup_file(source: Path, key: bytes, dest: Path) -> Path:
    """Copy ``source`` into ``dest`` with the SQLite backup API, keyed with the same key,
    in rollback-journal mode, verified with ``PRAGMA quick_check`` before being renamed into
    place. Never overwrites ``dest``."""
    if dest.exists():
        raise BackupError(f"备份文件 {dest} 已存在，不会覆盖。", f"Backup file {dest} already exists.")
    partial = dest.with_name(f"{dest.name}.{secrets.token_hex(4)}.part")  # private to this call
    _remove_database_files(partial)
    try:
        src = connect_sqlcipher(source, key)
        try:
            dst = connect_sqlcipher(partial, key)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE").fetchone()
            finally:
                dst.close()
        finally:
            src.close()
        check = connect_sqlcipher(partial, key)
        try:
            result = check.execute("PRAGMA quick_check").fetchall()
        finally:
            check.close()
        if result != [("ok",)]:
            # the copy is as damaged as the register it was read from (SQLite's report is for support,
            # one line only): what the user needs is the next step
            first = str(result[0][0]).strip().splitlines()[-1][:120] if result and result[0] else ""
            raise _damaged_source(dest, first)
        _fsync_file(partial)
        if dest.exists():
            raise BackupError(f"备份文件 {dest} 已存在，不会覆盖。", f"Backup file {dest} already exists.")
        os.replace(partial, dest)
    except (OSError, sqlcipher.Error, WrongKeyError) as exc:
        _remove_database_files(partial)
        if isinstance(database_error(exc, source), DamagedDatabaseError):
            raise _damaged_source(dest, str(exc)[:120]) from exc
        why_zh, why_en = os_error_text(exc) if isinstance(exc, OSError) else (str(exc), str(exc))
        raise BackupError(
            f"无法写入备份 {dest}：{why_zh}。请检查磁盘空间和权限。",
            f"Could not write the backup {dest}: {why_en}. Check disk space and permissions.",
        ) from exc
    except BaseException:
        _remove_database_files(partial)
        raise
    return dest


def _damaged_source(dest: Path, detail: str) -> BackupError:
    """The backup error when the register being backed up is itself damaged: what to do first
    (SQLite's report, ``detail``, is kept on the error for support, not shown)."""
    error = BackupError(
        f"没有做成备份 {dest.name}：数据库文件本身已损坏。数据库没有改动。"
        f"请先运行 {CLI} recover（把损坏的文件移开，从最近的好备份恢复），再做备份；{CLI} check 可以查看详情。",
        f"No backup {dest.name} was made: the database file itself is damaged. The database was not "
        f"changed. Run '{CLI} recover' first (moves the damaged file aside and restores the newest good "
        f"backup), then back up again; '{CLI} check' shows the details.",
    )
    error.detail = detail
    return error


def backup_database(db: Database, dest: Path) -> Path:
    """Write a verified, encrypted copy of the open register and return its path.

    Args:
        db: an open register.
        dest: a file path, or an existing directory (the file is then named
            :func:`default_backup_name`). An existing file is never overwritten.

    The copy is a consistent snapshot (SQLite online backup API, including committed WAL
    content), keyed with the same key, in rollback-journal mode so it is one self-contained
    file, and checked with ``PRAGMA quick_check`` before being renamed into place.

    Raises:
        BackupError: ``dest`` exists, cannot be written, or the copy does not verify.
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / default_backup_name()
    return _backup_file(db.path, db.keystore.database_key, dest)


def open_backup(path: Path, keystore: Keystore) -> Any:
    """Open a backup file read-write with ``keystore``'s key and return the raw SQLCipher
    connection (for verification and restore tools). Raises :class:`WrongKeyError`."""
    return connect_sqlcipher(Path(path), keystore.database_key)

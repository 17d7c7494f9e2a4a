"""Opening a register on a database server given by URL (a county or large township on
PostgreSQL: ``carebook --database-url postgresql+psycopg://user@host/carebook ...``).

The same mapped classes and the same Alembic revisions as the SQLCipher file
(:mod:`carebook.model.db`) are used: :func:`open_database_url` creates the engine, refuses a
schema written by a newer Carebook, upgrades an older one in one transaction (PostgreSQL DDL is
transactional) and returns a :class:`UrlDatabase` whose ``sessionmaker`` a
:class:`~carebook.model.register.Register` takes.

Encryption at rest on a server is the server's business (disk encryption, ``pg_hba.conf`` and TLS
to the server): the URL names how to reach it, and its password should come from ``~/.pgpass`` or
``PGPASSWORD`` rather than the command line. Only PostgreSQL (driver ``psycopg``, version 3) is
supported; SQLite registers are opened from a data directory instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, orm, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from carebook.model import migrations
from carebook.model.errors import CarebookError
from carebook.model.keys import Keystore, create_keystore, unlock_keystore
from carebook.model.paths import DataPaths

SUPPORTED_DRIVERS = frozenset({"postgresql+psycopg"})
"""URL schemes accepted by :func:`open_database_url` (SQLAlchemy dialect+driver)."""


class DatabaseUrlError(CarebookError):
    """The ``--database-url`` is malformed, names an unsupported database, or the server cannot
    be reached (the message never repeats the password)."""


class NewerServerSchemaError(CarebookError):
    """The server's register was written by a newer Carebook; nothing was changed."""

    def __init__(self, revisions: list[str]) -> None:
        super().__init__(
            f"服务器上的数据库来自更新版本的 Carebook（{', '.join(revisions)}），请先升级本程序。数据库没有改动。",
            f"The server's register comes from a newer Carebook ({', '.join(revisions)}); upgrade "
            "this program first. Nothing was changed.",
        )


@dataclass
class UrlDatabase:
    """A register on a database server (服务器数据库).

    ``engine`` is the SQLAlchemy engine; ``sessionmaker`` makes ORM sessions
    (``expire_on_commit=False``, like :class:`carebook.model.db.Database`);
    ``write_sessionmaker`` is the same (PostgreSQL needs no ``BEGIN IMMEDIATE``: row locks and
    MVCC serialise writers). ``schema_revision`` is the revision after opening. ``url`` is the
    URL with the password masked. ``paths`` and ``keystore`` are the local data directory that
    keeps this installation's keys and attachments (the sync keys never go to the server), when
    one was given. Call :meth:`close` when done.
    """

    engine: Engine
    sessionmaker: orm.sessionmaker[Session]
    write_sessionmaker: orm.sessionmaker[Session]
    schema_revision: str | None
    url: str
    paths: DataPaths | None = None
    keystore: Keystore | None = None
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        """Close every pooled connection."""
        if not self._closed:
            self.engine.dispose()
            self._closed = True

    def __enter__(self) -> UrlDatabase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def create_url_engine(url: str) -> Engine:
    """Create (without connecting) an engine for ``url``.

    Raises:
        DatabaseUrlError: malformed URL, a scheme other than ``postgresql+psycopg``, or the
            driver is not installed (``pip install carebook[county]``).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            "数据库地址格式不对，应写成 postgresql+psycopg://用户@主机/数据库名",
            "The database URL is malformed; write postgresql+psycopg://user@host/dbname",
        ) from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise DatabaseUrlError(
            f"不支持的数据库类型 {parsed.drivername}：只支持 postgresql+psycopg://。"
            "SQLite 数据库请用 --data-dir 打开。",
            f"Unsupported database {parsed.drivername}: only postgresql+psycopg:// is supported. "
            "Open a SQLite register with --data-dir.",
        )
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
    except (NoSuchModuleError, ModuleNotFoundError):
        raise DatabaseUrlError(
            "没有安装 PostgreSQL 驱动：请安装 carebook[county]（psycopg）。",
            "The PostgreSQL driver is not installed: install carebook[county] (psycopg).",
        ) from None


def open_database_url(
    url: str, *, migrate: bool = True, data_dir: Path | DataPaths | None = None,
    passphrase: str | None = None, ask_passphrase: Callable[[], str | None] | None = None,
    create_keys: bool = False, use_keyring: bool | None = None,
) -> UrlDatabase:
    """Open the register at ``url`` (e.g. ``postgresql+psycopg://carebook@/carebook?host=/run/postgresql``),
    creating its tables in an empty database and upgrading an older schema when ``migrate``.

    The database itself must exist (``createdb carebook``); an empty one gets the newest schema
    through the same Alembic revisions as SQLite, in one transaction.

    ``data_dir`` (optional) is the local folder for this installation's key store (sync keys,
    secrets) and attachments: its key store is unlocked (``keyinfo.json`` present) or, with
    ``create_keys``, created (keyring, else ``passphrase``) — see :mod:`carebook.model.keys`.

    Raises:
        DatabaseUrlError: see :func:`create_url_engine`; or the server refused the connection.
        NewerServerSchemaError: the schema comes from a newer Carebook (nothing changed).
    """
    paths: DataPaths | None = None
    keystore: Keystore | None = None
    if data_dir is not None:
        paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
        if paths.keyinfo.exists():
            keystore = unlock_keystore(paths, passphrase=passphrase, ask_passphrase=ask_passphrase)
        elif create_keys:
            keystore = create_keystore(paths, passphrase=passphrase, ask_passphrase=ask_passphrase,
                                       use_keyring=use_keyring)  # fmt: skip
    engine = create_url_engine(url)
    try:
        with engine.connect() as conn:
            revisions = _revisions(conn)
            conn.rollback()
            unknown = migrations.unknown_revisions(revisions)
            if unknown:
                raise NewerServerSchemaError(unknown)
            head = migrations.head_revision()
            if migrate and revisions != ([head] if head else []):
                _upgrade_once(conn)
            current = migrations.current_revision(conn)
            conn.rollback()
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise DatabaseUrlError(
            f"无法连接数据库 {_masked(url)}：{reason}。请检查地址、用户和服务器是否在运行。",
            f"Cannot use the database {_masked(url)}: {reason}. Check the URL, the user and that "
            "the server is running.",
        ) from None
    except BaseException:
        engine.dispose()
        raise
    return UrlDatabase(
        engine=engine,
        sessionmaker=sessionmaker(bind=engine, expire_on_commit=False),
        write_sessionmaker=sessionmaker(bind=engine, expire_on_commit=False),
        schema_revision=current,
        url=_masked(url),
        paths=paths,
        keystore=keystore,
    )


MIGRATION_LOCK_KEY = 0x43415245424F4F4B  # "CAREBOOK": the advisory lock taken while migrating
"""PostgreSQL advisory lock key held while upgrading, so two Carebooks opening one fresh or
older database at the same moment migrate it once, one after the other."""


def _upgrade_once(conn: Connection) -> None:
    """Upgrade under a session-level advisory lock, re-reading the revision once it is held
    (another process may have upgraded meanwhile)."""
    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    conn.commit()
    try:
        head = migrations.head_revision()
        revisions = _revisions(conn)
        conn.rollback()
        unknown = migrations.unknown_revisions(revisions)
        if unknown:
            raise NewerServerSchemaError(unknown)
        if revisions != ([head] if head else []):
            migrations.upgrade(conn)
    finally:
        conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()


def _revisions(conn: Connection) -> list[str]:
    if not inspect(conn).has_table("alembic_version"):
        return []
    return [str(row[0]) for row in conn.execute(text("SELECT version_num FROM alembic_version"))]


__all__ = [
    "MIGRATION_LOCK_KEY",
    "SUPPORTED_DRIVERS",
    "DatabaseUrlError",
    "NewerServerSchemaError",
    "UrlDatabase",
    "create_url_engine",
    "open_database_url",
]

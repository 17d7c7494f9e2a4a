# mypy: disable-error-code="no-untyped-call"
"""The encrypted register on disk: SQLCipher files, keys, wrong passphrases, backups (real files)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
import sqlcipher3.dbapi2
from keyring.backends import fail
from sqlalchemy import text

from carebook.model import db as dbmod
from carebook.model import keys, migrations
from carebook.model.db import (
    BackupError,
    DatabaseExists,
    DatabaseNotFound,
    DatabaseUnreadable,
    backup_database,
    connect_sqlcipher,
    create_database,
    open_database,
)
from carebook.model.keys import PassphraseRequired, WrongKeyError
from carebook.model.paths import DataPaths, resolve_data_dir
from keyring_helpers import MemoryKeyring

PASSPHRASE = "correct horse battery"



@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fast scrypt, no environment leaking in, and a failing keyring unless a test sets one."""
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    for name in (keys.PASSPHRASE_ENV, keys.KEYRING_ENV, "CAREBOOK_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def add_rows(database: dbmod.Database, *names: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, name TEXT)"))
        for name in names:
            conn.execute(text("INSERT INTO probe (name) VALUES (:n)"), {"n": name})


def read_rows(database: dbmod.Database) -> list[str]:
    with database.engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT name FROM probe ORDER BY id"))]


def test_database_file_is_encrypted_and_reopens(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        assert database.path == tmp_path / "carebook.db"
        add_rows(database, "张思远", "李小红")
    raw = (tmp_path / "carebook.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3\x00")
    assert "张思远".encode() not in raw
    plain = sqlite3.connect(tmp_path / "carebook.db")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
            plain.execute("SELECT name FROM sqlite_master").fetchall()
    finally:
        plain.close()
    with open_database(tmp_path, passphrase=PASSPHRASE) as again:
        assert read_rows(again) == ["张思远", "李小红"]


def test_wrong_passphrase_changes_nothing(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        add_rows(database, "王五")
    before = snapshot(tmp_path)
    with pytest.raises(WrongKeyError) as info:
        open_database(tmp_path, passphrase="correct horse battery staple")
    assert "密码不正确" in info.value.message_zh
    assert snapshot(tmp_path) == before


def test_wrong_raw_key_is_refused_by_sqlcipher_and_changes_nothing(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        add_rows(database, "王五")
    before = snapshot(tmp_path)
    with pytest.raises(WrongKeyError):
        connect_sqlcipher(tmp_path / "carebook.db", os.urandom(32))
    assert snapshot(tmp_path) == before


def test_keyring_mode_needs_no_passphrase_and_keeps_no_key_on_disk(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    with create_database(tmp_path) as database:
        assert database.keystore.mode == "keyring"
        key = database.keystore.database_key
        add_rows(database, "赵六")
    assert len(backend.store) == 1
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert key not in content and key.hex().encode() not in content, path
    with open_database(tmp_path) as again:
        assert read_rows(again) == ["赵六"]


def test_no_keyring_falls_back_to_passphrase_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    with create_database(tmp_path) as database:
        assert database.keystore.mode == "passphrase"
    with open_database(tmp_path) as again:
        assert again.keystore.mode == "passphrase"
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    with pytest.raises(PassphraseRequired):
        open_database(tmp_path)
    with open_database(tmp_path, ask_passphrase=lambda: PASSPHRASE) as asked:
        assert asked.schema_revision is not None


def test_no_keyring_and_no_passphrase_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "data"
    with pytest.raises(PassphraseRequired):
        create_database(target)
    assert not (target / "carebook.db").exists()
    assert not (target / "keyinfo.json").exists()


def test_existing_register_is_never_overwritten(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        add_rows(database, "孙七")
    before = snapshot(tmp_path)
    with pytest.raises(DatabaseExists):
        create_database(tmp_path, passphrase="another passphrase")
    assert snapshot(tmp_path) == before
    # key information without its database is not overwritten either
    (tmp_path / "carebook.db").rename(tmp_path / "moved.db")
    with pytest.raises(DatabaseExists):
        create_database(tmp_path, passphrase="another passphrase")


def test_open_missing_or_create(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFound, match="carebook init"):
        open_database(tmp_path / "none", passphrase=PASSPHRASE)
    assert not (tmp_path / "none" / "carebook.db").exists()
    with open_database(tmp_path / "new", passphrase=PASSPHRASE, create=True) as database:
        assert database.schema_revision is not None
    with open_database(tmp_path / "new", passphrase=PASSPHRASE, create=True) as again:
        assert again.keystore.installation_id == database.keystore.installation_id


def test_connection_pragmas_and_transactions(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        with database.sessionmaker() as session:
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert session.execute(text("PRAGMA busy_timeout")).scalar() == dbmod.BUSY_TIMEOUT_MS
            assert session.execute(text("PRAGMA cipher_version")).scalar()
        # DDL and DML roll back together (SQLAlchemy emits BEGIN itself)
        with database.engine.connect() as conn:
            conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
            conn.execute(text("INSERT INTO scratch VALUES (1)"))
            conn.rollback()
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'scratch'")).all()
            assert tables == []
        # foreign keys are enforced
        with database.engine.connect() as conn:
            conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            conn.execute(text("CREATE TABLE kid (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id))"))
            conn.commit()
            with pytest.raises(Exception, match="FOREIGN KEY"):
                conn.execute(text("INSERT INTO kid (p) VALUES (42)"))
            conn.rollback()


def test_connections_work_from_several_threads(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        add_rows(database)
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(10):
                    with database.sessionmaker.begin() as session:
                        session.execute(text("INSERT INTO probe (name) VALUES (:n)"), {"n": f"{n}-{i}"})
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(read_rows(database)) == 40


def test_backup_is_encrypted_verified_and_opens_with_the_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with create_database(data, passphrase=PASSPHRASE) as database:
        add_rows(database, "周八", "吴九")
        target = backup_database(database, tmp_path)  # a directory: named by the clock
        assert target.parent == tmp_path and target.name.startswith("carebook-")
        assert target.name.isascii()
        with pytest.raises(BackupError):
            backup_database(database, target)  # never overwritten
        key = database.keystore.database_key
    raw = target.read_bytes()
    assert not raw.startswith(b"SQLite format 3\x00") and "周八".encode() not in raw
    assert not Path(str(target) + "-wal").exists()
    conn = connect_sqlcipher(target, key)
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM probe ORDER BY id")] == ["周八", "吴九"]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        conn.close()
    with pytest.raises(WrongKeyError):
        connect_sqlcipher(target, os.urandom(32))


def test_damaged_database_file_is_reported(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE):
        pass
    plain = sqlite3.connect(tmp_path / "carebook.db.tmp")
    plain.execute("CREATE TABLE x (y)")
    plain.commit()
    plain.close()
    os.replace(tmp_path / "carebook.db.tmp", tmp_path / "carebook.db")
    before = snapshot(tmp_path)
    with pytest.raises(DatabaseUnreadable):
        open_database(tmp_path, passphrase=PASSPHRASE)
    assert snapshot(tmp_path) == before


def test_data_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("CAREBOOK_DATA_DIR")
    assert resolve_data_dir(None).name == "Carebook"
    paths = DataPaths(tmp_path)
    assert paths.database == tmp_path / "carebook.db"
    assert paths.backups == tmp_path / "backups"
    assert paths.attachments == tmp_path / "attachments"
    paths.ensure_dirs()
    assert paths.backups.is_dir() and paths.attachments.is_dir()


def test_environment_data_dir_is_used_by_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_DATA_DIR", str(tmp_path))
    with open_database(None, passphrase=PASSPHRASE, create=True) as database:
        assert database.path == tmp_path / "carebook.db"
    assert (tmp_path / "carebook.db").exists()


def test_write_sessions_take_the_write_lock_first(tmp_path: Path) -> None:
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        add_rows(database)
        key = database.keystore.database_key
        other = connect_sqlcipher(database.path, key)
        try:
            other.execute("PRAGMA busy_timeout = 0")
            with database.write_sessionmaker() as session, session.begin():
                session.execute(text("SELECT count(*) FROM probe"))
                with pytest.raises(sqlcipher3.dbapi2.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            with database.sessionmaker() as session, session.begin():
                session.execute(text("SELECT count(*) FROM probe"))
                other.execute("BEGIN IMMEDIATE")  # a deferred reader does not hold the lock
                other.execute("ROLLBACK")
        finally:
            other.close()


def test_failed_creation_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)

    def broken_upgrade(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(migrations, "upgrade", broken_upgrade)
    with pytest.raises(OSError, match="disk full"):
        create_database(tmp_path)
    assert not (tmp_path / "carebook.db").exists()
    assert not (tmp_path / "keyinfo.json").exists()
    assert backend.store == {}


def test_none_parameters_are_stored_as_sql_null(tmp_path: Path) -> None:
    """``None`` goes through the adapter registered in ``carebook.model.db`` (for speed) and must
    still be stored as SQL NULL, by ``executemany`` and ``execute`` alike, never as text."""
    with create_database(tmp_path, passphrase=PASSPHRASE) as database:
        raw = database.engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.execute("CREATE TABLE probe_null (a TEXT, b INTEGER, c BLOB)")
            conn.executemany("INSERT INTO probe_null VALUES (?, ?, ?)", [(None, 1, None), ("x", None, b"\x00")])
            conn.execute("INSERT INTO probe_null VALUES (?, ?, ?)", (None, None, None))
            kinds = conn.execute("SELECT typeof(a), typeof(b), typeof(c) FROM probe_null ORDER BY rowid").fetchall()
            assert kinds == [("null", "integer", "null"), ("text", "null", "blob"), ("null", "null", "null")]
            assert conn.execute("SELECT count(*) FROM probe_null WHERE a IS ?", (None,)).fetchone() == (2,)
        finally:
            raw.close()
        assert sqlcipher3.dbapi2.adapters.get((type(None), sqlcipher3.dbapi2.PrepareProtocol)) is not None


def test_messages_name_the_command_line_the_user_has(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed Windows program's command line is ``carebook-cli.exe`` (``Carebook.exe`` is
    the desktop app, and Windows file names ignore case): messages telling the user what to run
    name it; from source and on Linux it is ``carebook``."""
    import importlib
    import sys

    from carebook.model import command_name

    assert command_name.CLI == "carebook"
    assert "请运行 carebook recover" in dbmod.DamagedDatabaseError(Path("x/carebook.db")).message
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    try:
        frozen = importlib.reload(command_name)
        assert frozen.CLI == "carebook-cli"
    finally:
        monkeypatch.undo()
        importlib.reload(command_name)

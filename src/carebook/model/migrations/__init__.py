"""Schema migrations of the register (Alembic, run programmatically).

The revisions live in ``versions/`` inside the package (shipped with it), oldest first:
``0001_initial`` creates the first schema. No ``alembic.ini`` is used at run time.

To add a revision after changing the mapped classes in :mod:`carebook.model.schema`::

    .venv/bin/python -m carebook.model.migrations revision -m "add foo to children" --rev-id 0002_foo

which autogenerates it against an empty database upgraded to the current head (review it, then
run the tests: ``tests/test_migrations.py`` fails while the models and the migrations differ).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, MetaData, create_engine, event, inspect, text
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:  # Alembic costs ~0.4 s to import: only migrations and tools load it
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent
"""Directory holding ``env.py``, ``script.py.mako`` and ``versions/``."""

VERSION_LOCATIONS: list[Path] = [MIGRATIONS_DIR / "versions"]
"""Directories searched for revisions. Carebook ships one; tests append a directory of
throw-away revisions to exercise upgrades and newer-schema refusal."""


BEGIN_OPTION = "carebook_begin"
"""SQLAlchemy execution option read by Carebook's SQLite ``begin`` hook: the statement that
starts a transaction, ``"BEGIN"`` (default, deferred) or ``"BEGIN IMMEDIATE"`` (take the write
lock at once, so a writer never fails half-way with ``SQLITE_BUSY``)."""

BEGIN_STATEMENTS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"})


def begin_sqlite_transaction(conn: Connection) -> None:
    """SQLAlchemy ``begin`` event hook for SQLite connections in ``isolation_level=None``
    mode: emit the ``BEGIN`` chosen by :data:`BEGIN_OPTION` (SQLAlchemy's documented recipe
    for transactional DDL and savepoints on pysqlite)."""
    statement = str(conn.get_execution_options().get(BEGIN_OPTION, "BEGIN"))
    if statement not in BEGIN_STATEMENTS:
        raise ValueError(f"unsupported {BEGIN_OPTION}: {statement!r}")
    conn.exec_driver_sql(statement)


class ForeignKeyViolation(RuntimeError):
    """A migration left rows whose foreign keys point nowhere (a bug in the migration)."""


def target_metadata() -> MetaData | None:
    """Return ``Base.metadata`` with every table registered, or ``None`` before the schema
    module exists."""
    try:
        import carebook.model.schema  # noqa: F401  (registers the tables)
    except ModuleNotFoundError as exc:
        if exc.name in {"carebook.model.schema", "carebook.model.base"}:
            return None
        raise
    from carebook.model.base import Base

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic ``Config`` pointing at this package; ``connection`` (if given) is
    handed to ``env.py`` through ``config.attributes["connection"]``."""
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolates "%": escape it in paths
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s")  # versions/0002_add_foo.py
    locations = os.pathsep.join(str(p) for p in VERSION_LOCATIONS)
    config.set_main_option("version_locations", locations.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    """Return the Alembic script directory of Carebook's revisions."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


_ASSIGNMENT = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]+)?=\s*(.+?)\s*(?:#.*)?$", re.MULTILINE
)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def revision_graph() -> dict[str, tuple[str, ...]]:
    """Every known revision id with the ids it revises (its ``down_revision``), read from the
    revision files' top-level ``revision = "…"`` / ``down_revision = …`` lines without importing
    Alembic, so opening a register whose schema is current costs no Alembic import (start-up
    time). A regular expression rather than ``ast``: ``ast.parse`` is not safe in several
    threads at once on CPython 3.11. ``tests/test_migrations.py`` checks this reading agrees with
    Alembic's own."""
    graph: dict[str, tuple[str, ...]] = {}
    for location in VERSION_LOCATIONS:
        for path in sorted(location.glob("*.py")):
            values: dict[str, str] = {
                m.group(1): m.group(2) for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))
            }
            revision = _QUOTED.findall(values.get("revision", ""))
            if len(revision) == 1:
                graph[revision[0]] = tuple(_QUOTED.findall(values.get("down_revision", "")))
    return graph


def head_revision() -> str | None:
    """Return the newest revision this Carebook knows (``None`` if there is none).

    Raises:
        RuntimeError: the revisions have several heads (a merge revision is missing).
    """
    graph = revision_graph()
    revised = {down for downs in graph.values() for down in downs}
    heads = [rev for rev in graph if rev not in revised]
    if len(heads) > 1:
        raise RuntimeError(f"several migration heads: {sorted(heads)}")
    return heads[0] if heads else None


def revisions_oldest_first() -> list[str]:
    """Return every known revision id, oldest first."""
    return [script.revision for script in reversed(list(script_directory().walk_revisions()))]


def is_known_revision(revision: str) -> bool:
    """Return whether ``revision`` is one of this Carebook's revisions (``False`` for one
    written by a newer Carebook)."""
    return revision in revision_graph()


def unknown_revisions(revisions: Iterable[str]) -> list[str]:
    """Return those of ``revisions`` that this Carebook does not know."""
    return [rev for rev in revisions if not is_known_revision(rev)]


def current_revision(connection: Connection) -> str | None:
    """Return the revision recorded in the database's ``alembic_version`` (``None`` if none).

    Raises:
        RuntimeError: the table records several revisions (branches Carebook never makes).
    """
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    if len(rows) > 1:
        raise RuntimeError(f"several schema revisions recorded: {rows}")
    return rows[0] if rows else None


def upgrade(connection: Connection, target: str = "head") -> None:
    """Upgrade the database behind ``connection`` to ``target``, all revisions in ONE
    transaction (SQLite DDL is transactional once BEGIN is emitted, see
    :mod:`carebook.model.db`).

    ``connection`` must not be inside a transaction. On SQLite, foreign keys are switched off
    while batch migrations rebuild tables (as SQLite's ALTER TABLE documentation requires),
    checked with ``PRAGMA foreign_key_check`` before commit, and switched on again.

    Raises:
        ForeignKeyViolation: the migrated data breaks a foreign key (nothing is committed).
    """
    if connection.in_transaction():
        raise RuntimeError("upgrade() needs a connection outside any transaction")
    sqlite = connection.dialect.name == "sqlite"
    dbapi = connection.connection.dbapi_connection
    if sqlite and dbapi is not None:
        dbapi.execute("PRAGMA foreign_keys=OFF")
    previous_begin = connection.get_execution_options().get(BEGIN_OPTION, "BEGIN")
    connection.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"})  # one migrator at a time
    from alembic import command

    try:
        with connection.begin():
            command.upgrade(alembic_config(connection), target)
            if sqlite:
                bad = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
                if bad:
                    raise ForeignKeyViolation(f"migration to {target} broke foreign keys: {bad[:5]}")
    finally:
        connection.execution_options(**{BEGIN_OPTION: previous_begin})
        if sqlite and dbapi is not None:
            dbapi.execute("PRAGMA foreign_keys=ON")


def _memory_engine_at_head() -> tuple[Connection, object]:
    engine = create_engine("sqlite://", poolclass=StaticPool)

    @event.listens_for(engine, "connect")
    def _no_legacy_tx(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

    event.listen(engine, "begin", begin_sqlite_transaction)
    connection = engine.connect()
    upgrade(connection)
    return connection, engine


def make_revision(message: str, rev_id: str, *, version_path: Path | None = None) -> Path:
    """Autogenerate a new revision (developer tool) against an in-memory database upgraded to
    the current head, and return the new file's path (``<version_path>/<rev_id>.py``;
    default: the package's ``versions/``). Review the result before committing."""
    from alembic import command

    connection, _engine = _memory_engine_at_head()
    target_dir = version_path if version_path is not None else MIGRATIONS_DIR / "versions"
    try:
        with connection.begin():
            config = alembic_config(connection)
            script = command.revision(
                config, message=message, autogenerate=True, rev_id=rev_id, version_path=str(target_dir)
            )
    finally:
        connection.close()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic produced no single revision")
    path = Path(script.path)
    for args in (["format", "--quiet"], ["check", "--fix", "--quiet"]):  # house style, if ruff is here
        subprocess.run([sys.executable, "-m", "ruff", *args, str(path)], check=False)
    return path


def main(argv: list[str] | None = None) -> int:
    """Developer command line: ``revision -m MESSAGE --rev-id ID`` or ``heads``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m carebook.model.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a new revision from the models")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--rev-id", required=True, help="e.g. 0002_add_foo")
    sub.add_parser("heads", help="print the head revision")
    args = parser.parse_args(argv)
    if args.cmd == "revision":
        print(make_revision(args.message, args.rev_id))
    else:
        print(head_revision())
    return 0


__all__ = [
    "BEGIN_OPTION",
    "BEGIN_STATEMENTS",
    "MIGRATIONS_DIR",
    "VERSION_LOCATIONS",
    "ForeignKeyViolation",
    "alembic_config",
    "begin_sqlite_transaction",
    "current_revision",
    "head_revision",
    "is_known_revision",
    "main",
    "make_revision",
    "revisions_oldest_first",
    "script_directory",
    "target_metadata",
    "unknown_revisions",
    "upgrade",
]

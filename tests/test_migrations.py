# mypy: disable-error-code="no-untyped-call"
"""Schema migrations on real SQLCipher files: from empty, from every earlier revision, the backup
taken before upgrading, atomic failure, refusal of a newer schema, and models == migrations."""

from __future__ import annotations

import hashlib
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from keyring.backends import fail
from sqlalchemy import text

from carebook.model import db as dbmod
from carebook.model import keys, migrations
from carebook.model.db import NewerSchemaError, connect_sqlcipher, open_database
from carebook.model.keys import create_keystore
from carebook.model.paths import DataPaths

PASSPHRASE = "correct horse battery"

# Synthetic rows written at a revision before upgrading. Keyed by the first revision where the
# statements are valid; a revision uses the newest seed at or before it. Add an entry when a
# migration makes the previous seed invalid.
_ORG_INSERT = (
    "INSERT INTO org_unit (id, level, code, name, parent_id, created_at, updated_at, version) "
    "VALUES (:id, :level, :code, :name, :parent, '2026-01-02 03:04:05.000000', "
    "'2026-01-02 03:04:05.000000', 1)"
)
_ORG_ROWS: list[dict[str, object]] = [
    {
        "id": "00000000-0000-4000-8000-000000000001",
        "level": "township",
        "code": "421002001000",
        "name": "测试镇",
        "parent": None,
    },
    {
        "id": "00000000-0000-4000-8000-000000000002",
        "level": "village",
        "code": "421002001201",
        "name": "东风村",
        "parent": "00000000-0000-4000-8000-000000000001",
    },
]
_NO_PARAMS: dict[str, object] = {}
SEEDS: dict[str, list[tuple[str, dict[str, object]]]] = {
    "0001_initial": [
        *((_ORG_INSERT, row) for row in _ORG_ROWS),
        ("INSERT INTO setting (key, value) VALUES ('test.seed', '\"保留\"')", _NO_PARAMS),
    ],
}
SEED_CHECK = "SELECT name FROM org_unit ORDER BY code"
SEED_EXPECTED = ["测试镇", "东风村"]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    for name in (keys.PASSPHRASE_ENV, keys.KEYRING_ENV, "CAREBOOK_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def seed_for(revision: str) -> list[tuple[str, dict[str, object]]]:
    order = migrations.revisions_oldest_first()
    usable = [rev for rev in order[: order.index(revision) + 1] if rev in SEEDS]
    assert usable, f"no seed rows for revision {revision}: add one to SEEDS"
    return SEEDS[usable[-1]]


def create_at(data: Path, revision: str) -> None:
    """Make a register at ``revision`` (as an older Carebook would have left it), with rows."""
    paths = DataPaths(data)
    paths.ensure_dirs()
    store = create_keystore(paths, passphrase=PASSPHRASE)
    paths.database.touch()
    engine = dbmod._make_engine(paths.database, store.database_key)
    try:
        with engine.connect() as conn:
            migrations.upgrade(conn, revision)
        with engine.begin() as conn:
            for sql, params in seed_for(revision):
                conn.execute(text(sql), params)
    finally:
        engine.dispose()


@pytest.fixture
def extra_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory of throw-away revisions searched after Carebook's own."""
    directory = tmp_path / "extra_versions"
    directory.mkdir()
    monkeypatch.setattr(migrations, "VERSION_LOCATIONS", [*migrations.VERSION_LOCATIONS, directory])
    return directory


def write_revision(directory: Path, revision: str, down: str | None, body: str) -> None:
    """Write a throw-away revision whose ``upgrade()`` runs ``body``."""
    lines = [
        f'"""Test revision {revision}."""',
        "import sqlalchemy as sa",
        "from alembic import op",
        "",
        f"revision = {revision!r}",
        f"down_revision = {down!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        "def upgrade() -> None:",
        textwrap.indent(textwrap.dedent(body).strip("\n"), "    "),
        "",
        "",
        "def downgrade() -> None:",
        "    pass",
        "",
    ]
    (directory / f"{revision}.py").write_text("\n".join(lines), encoding="utf-8")


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    with dbmod.create_database(tmp_path, passphrase=PASSPHRASE) as database:
        assert database.schema_revision == migrations.head_revision()
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            metadata = migrations.target_metadata()
            assert metadata is not None
            differences = compare_metadata(context, metadata)
    assert differences == [], (
        "The mapped classes differ from the migrations. Add a revision: "
        ".venv/bin/python -m carebook.model.migrations revision -m 'what changed' --rev-id 000N_name"
    )


def test_upgrade_from_an_empty_database_creates_every_table(tmp_path: Path) -> None:
    with dbmod.create_database(tmp_path, passphrase=PASSPHRASE) as database:
        with database.engine.connect() as conn:
            tables = {
                row[0] for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            }
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
                migrations.head_revision()
            ]
        metadata = migrations.target_metadata()
        assert metadata is not None
        assert set(metadata.tables) <= tables
        assert database.pre_migration_backup is None  # nothing to back up in a new register


@pytest.mark.parametrize("revision", migrations.revisions_oldest_first())
def test_upgrade_from_each_revision_keeps_rows(tmp_path: Path, revision: str) -> None:
    create_at(tmp_path, revision)
    with open_database(tmp_path, passphrase=PASSPHRASE) as database:
        assert database.schema_revision == migrations.head_revision()
        with database.engine.connect() as conn:
            assert conn.execute(text(SEED_CHECK)).scalars().all() == SEED_EXPECTED
        if revision != migrations.head_revision():
            backup = database.pre_migration_backup
            assert backup is not None and backup.parent == tmp_path / "backups"
            old = connect_sqlcipher(backup, database.keystore.database_key)
            try:
                assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(revision,)]
            finally:
                old.close()


def test_upgrade_takes_a_verified_backup_first(tmp_path: Path, extra_revisions: Path) -> None:
    head = migrations.head_revision()
    assert head is not None
    create_at(tmp_path, head)
    # a realistic next revision: rebuild a table that others reference (batch mode), add a table
    write_revision(
        extra_revisions,
        "9001_test_rebuild",
        head,
        """
        with op.batch_alter_table("org_unit", recreate="always") as batch:
            batch.add_column(sa.Column("probe_note", sa.Text(), nullable=True))
        op.create_table("test_probe", sa.Column("id", sa.Integer(), primary_key=True))
        op.execute("UPDATE org_unit SET probe_note = 'migrated'")
        """,
    )
    with open_database(tmp_path, passphrase=PASSPHRASE) as database:
        assert database.schema_revision == "9001_test_rebuild"
        with database.engine.connect() as conn:
            assert conn.execute(text(SEED_CHECK)).scalars().all() == SEED_EXPECTED
            assert set(conn.execute(text("SELECT probe_note FROM org_unit")).scalars()) == {"migrated"}
            village_parent = conn.execute(
                text("SELECT parent_id FROM org_unit WHERE level = 'village'")
            ).scalar_one()
            assert village_parent == "00000000-0000-4000-8000-000000000001"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        backup = database.pre_migration_backup
        assert backup is not None
        assert backup.parent == tmp_path / "backups" and backup.name.isascii()
        assert not backup.read_bytes().startswith(b"SQLite format 3\x00")
        old = connect_sqlcipher(backup, database.keystore.database_key)
        try:
            assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
            assert [r[0] for r in old.execute(SEED_CHECK)] == SEED_EXPECTED
            assert old.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        finally:
            old.close()


def test_failed_migration_changes_nothing_but_leaves_a_backup(tmp_path: Path, extra_revisions: Path) -> None:
    head = migrations.head_revision()
    assert head is not None
    create_at(tmp_path, head)
    write_revision(
        extra_revisions,
        "9001_test_broken",
        head,
        """
        op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
        op.execute("DELETE FROM org_unit WHERE level = 'village'")
        raise RuntimeError("migration bug")
        """,
    )
    with pytest.raises(RuntimeError, match="migration bug"):
        open_database(tmp_path, passphrase=PASSPHRASE)
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1
    with open_database(tmp_path, passphrase=PASSPHRASE, migrate=False) as database:
        assert database.schema_revision == head
        with database.engine.connect() as conn:
            assert conn.execute(text(SEED_CHECK)).scalars().all() == SEED_EXPECTED
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'half_done'")).all()
            assert names == []


def test_newer_schema_is_refused_untouched(
    tmp_path: Path, extra_revisions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = migrations.head_revision()
    assert head is not None
    create_at(tmp_path, head)
    # a newer Carebook upgrades the register ...
    write_revision(
        extra_revisions,
        "9001_from_the_future",
        head,
        'op.create_table("future", sa.Column("id", sa.Integer(), primary_key=True))\n',
    )
    open_database(tmp_path, passphrase=PASSPHRASE).close()
    # ... and this (older) Carebook, which does not know that revision, opens it
    monkeypatch.setattr(migrations, "VERSION_LOCATIONS", [migrations.MIGRATIONS_DIR / "versions"])
    before = snapshot(tmp_path)
    for migrate in (True, False):
        with pytest.raises(NewerSchemaError) as info:
            open_database(tmp_path, passphrase=PASSPHRASE, migrate=migrate)
        assert "更新" in info.value.message_zh and "9001_from_the_future" in info.value.message_zh
        assert "Update Carebook" in info.value.message_en
    assert snapshot(tmp_path) == before


def test_revision_tool_finds_nothing_to_add_when_models_match(extra_revisions: Path) -> None:
    path = migrations.make_revision("nothing changed", "9001_noop", version_path=extra_revisions)
    assert path == extra_revisions / "9001_noop.py"
    source = path.read_text(encoding="utf-8")
    previous = migrations.revisions_oldest_first()[-2]
    assert migrations.script_directory().get_revision("9001_noop").down_revision == previous
    upgrade_body = source.split("def upgrade() -> None:")[1].split("def downgrade")[0]
    assert "op." not in upgrade_body, "models differ from the migrations: add a revision"
    assert migrations.head_revision() == "9001_noop"


def test_migration_blocked_by_another_writer_is_a_clear_error(
    tmp_path: Path, extra_revisions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = migrations.head_revision()
    assert head is not None
    create_at(tmp_path, head)
    write_revision(
        extra_revisions, "9001_test_next", head, 'op.execute("UPDATE setting SET value = value")\n'
    )
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 50)
    key = keys.unlock_keystore(tmp_path, passphrase=PASSPHRASE).database_key
    writer = connect_sqlcipher(tmp_path / "carebook.db", key)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(dbmod.DatabaseBusy) as info:
            open_database(tmp_path, passphrase=PASSPHRASE)
        assert "另一个 Carebook" in info.value.message_zh
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    with open_database(tmp_path, passphrase=PASSPHRASE) as database:
        assert database.schema_revision == "9001_test_next"


def test_two_programs_upgrading_at_once_migrate_once(tmp_path: Path) -> None:
    oldest = migrations.revisions_oldest_first()[0]
    if oldest == migrations.head_revision():
        pytest.skip("only one revision: nothing to upgrade")
    create_at(tmp_path, oldest)
    results: list[str | None] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def open_it() -> None:
        try:
            start.wait()
            with open_database(tmp_path, passphrase=PASSPHRASE) as database:
                results.append(database.schema_revision)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [migrations.head_revision()] * 2
    with open_database(tmp_path, passphrase=PASSPHRASE) as database, database.engine.connect() as conn:
        assert conn.execute(text(SEED_CHECK)).scalars().all() == SEED_EXPECTED
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_light_revision_graph_agrees_with_alembic() -> None:
    """The start-up path reads revision ids without Alembic (``revision_graph``); it must see
    exactly what Alembic sees: the same revisions, each with the same parents, and the same head."""
    from carebook.model import migrations as m

    script = m.script_directory()
    alembic_graph = {
        s.revision: tuple(
            [s.down_revision] if isinstance(s.down_revision, str) else list(s.down_revision or ())
        )
        for s in script.walk_revisions()
    }
    assert m.revision_graph() == alembic_graph
    assert m.head_revision() == script.get_current_head()


def test_opening_a_current_register_does_not_import_alembic(tmp_path: Path) -> None:
    """Start-up time: Alembic (~0.4 s to import) is loaded only when a migration is due."""
    import subprocess
    import sys

    from carebook.model.db import create_database

    db = create_database(tmp_path / "d", passphrase="synthetic passphrase", use_keyring=False)
    db.close()
    code = (
        "import sys; from carebook.model.db import open_database; "
        f"d = open_database({str(tmp_path / 'd')!r}, passphrase='synthetic passphrase'); d.close(); "
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "CAREBOOK_KEYRING": "off"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_0004_recomputes_search_keys_with_the_surname_reading(tmp_path: Path) -> None:
    """A register left by a Carebook before 0004 (same schema, keys without the surname's other
    readings): after the upgrade ``zengzicheng`` finds 曾子诚 and ``shanjingjing`` finds 单静晶."""
    import datetime as dt

    from carebook.model.idnumber import id_number_check_character
    from carebook.model.register import Register

    today = dt.date(2026, 6, 1)
    with dbmod.create_database(tmp_path, passphrase=PASSPHRASE, use_keyring=False) as database:
        reg = Register(database.sessionmaker, data_dir=tmp_path, today=lambda: today)
        reg.initialise(role="village", org_code="421002001201", org_name="东风村",
                       parent_code="421002001", parent_name="测试镇")
        for name, body in (("曾子诚", "42100220150505001"), ("单静晶", "42100220140304002")):
            reg.register_child({"name": name, "id_number": body + id_number_check_character(body)})
        assert [r.name for r in reg.search("zengzicheng")] == ["曾子诚"]
        with database.engine.begin() as conn:  # as 0003 left them
            conn.execute(text("UPDATE child SET search_initials = CASE name "
                              "WHEN '曾子诚' THEN ' cengzicheng czc zzc ' ELSE ' danjingjing cjj djj sjj ' END"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0003_audit_event'"))
        assert reg.search("zengzicheng") == []
    with open_database(tmp_path, passphrase=PASSPHRASE) as database:
        assert database.schema_revision == migrations.head_revision()
        reg = Register(database.sessionmaker, data_dir=tmp_path, today=lambda: today)
        assert [r.name for r in reg.search("zengzicheng")] == ["曾子诚"]
        assert [r.name for r in reg.search("cengzicheng")] == ["曾子诚"]
        assert [r.name for r in reg.search("shanjingjing")] == ["单静晶"]
        assert [r.name for r in reg.search("djj")] == ["单静晶"]

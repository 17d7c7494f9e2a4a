"""``carebook check`` on real registers: sound ones pass (also after sync), each kind of damage
is found by its own check, and a damaged file at start-up is moved aside with a backup offered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from carebook.model import keys
from carebook.model.backups import restore_backup, take_backup
from carebook.model.db import Database, connect_sqlcipher, open_database
from carebook.model.integrity import check_register, recover_from_damage
from protect_helpers import PASSPHRASE, digest_of, do_work, new_database, table_digest


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = new_database(tmp_path / "data")
    do_work(database)
    yield database
    database.close()


def _raw(db: Database, sql: str, *, foreign_keys: bool = True) -> None:
    """Write behind the services' back (what a bug or a hand-edited file would do)."""
    conn = connect_sqlcipher(db.path, db.keystore.database_key)
    try:
        if not foreign_keys:
            conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(sql)
    finally:
        conn.close()


def _problems(db: Database) -> dict[str, list[object]]:
    report = check_register(db.sessionmaker)
    return {p.check: p.details for p in report.problems}


def test_sound_register_passes(db: Database) -> None:
    report = check_register(db.sessionmaker)
    assert report.ok, report.to_json()
    assert report.checks == ["integrity", "foreign_keys", "log_sequence", "log_inserts", "log_values"]
    assert report.counts["records"] > 3 and report.counts["change_log"] == report.counts["local_changes"]


def test_value_written_behind_the_log(db: Database) -> None:
    _raw(db, "UPDATE child SET risk_colour = 'red' WHERE name = '欧阳思远'")
    problems = _problems(db)
    assert list(problems) == ["log_values"]
    [detail] = problems["log_values"]
    assert detail == {"entity": "child", "record_id": detail["record_id"], "field": "risk_colour",  # type: ignore[index]
                      "logged": "yellow", "stored": "red"}


def test_record_without_insert_entry(db: Database) -> None:
    _raw(db, "DELETE FROM change_log WHERE entity = 'visit' AND op = 'insert'")
    problems = _problems(db)
    assert "log_inserts" in problems and problems["log_inserts"][0]["entity"] == "visit"  # type: ignore[index]


def test_gap_and_counter_behind(db: Database) -> None:
    _raw(db, "DELETE FROM change_log WHERE op = 'update' AND field = 'risk_colour'")
    _raw(db, "UPDATE setting SET value = '1' WHERE key = 'origin_seq'")
    problems = _problems(db)
    assert "log_sequence" in problems and len(problems["log_sequence"]) == 1
    report = check_register(db.sessionmaker)
    assert sum(1 for p in report.problems if p.check == "log_sequence") == 2  # gap, counter behind


def test_dangling_reference(db: Database) -> None:
    _raw(db, "UPDATE visit SET child_id = '00000000-0000-4000-8000-00000000dead'", foreign_keys=False)
    problems = _problems(db)
    assert problems["foreign_keys"][0]["table"] == "visit"  # type: ignore[index]


def test_damaged_file_is_moved_aside_and_latest_backup_offered(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    backup = take_backup(db)
    before = table_digest(db)
    db.close()
    assert recover_from_damage(data).status == "healthy"
    with open(data / "carebook.db", "r+b") as handle:  # a bad sector in the middle of the file
        handle.seek(4096 * 5)
        handle.write(b"\x00" * 4096 * 4)
    offer = recover_from_damage(data)
    assert offer.status == "damaged" and offer.moved_to is not None and offer.latest == backup
    assert (offer.moved_to / "carebook.db").exists() and not (data / "carebook.db").exists()
    assert recover_from_damage(data).status == "missing"  # no loop: the bad file is out of the way
    restore_backup(offer.latest, data)
    assert digest_of(data) == before
    reopened = open_database(data)
    try:
        assert check_register(reopened.sessionmaker).ok
    finally:
        reopened.close()


def test_registers_after_sync_pass(tmp_path: Path) -> None:
    from sync_world import build_world

    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 6, seed=11)
        world.deliver(world.township, world.export(village))
        world.deliver(village, world.export(world.township))
        for site in world.sites():
            report = check_register(site.db.sessionmaker)
            assert report.ok, report.to_json()
        with world.township.db.sessionmaker() as session:
            assert session.scalar(text("SELECT count(*) FROM child")) == 6
    finally:
        world.close()


def test_damage_that_breaks_reading_is_reported_not_raised(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db, n=6)
    db.close()
    size = (data / "carebook.db").stat().st_size
    with open(data / "carebook.db", "r+b") as handle:  # damage the last pages (table data)
        handle.seek(size - 4096 * 4)
        handle.write(b"\x5a" * 4096 * 4)
    reopened = open_database(data)
    try:
        report = check_register(reopened.sessionmaker)
    finally:
        reopened.close()
    assert not report.ok and report.problems[0].check == "integrity"


def test_a_busy_database_is_never_moved_aside(tmp_path: Path) -> None:
    from carebook.model.db import DatabaseBusy

    data = tmp_path / "data"
    db = new_database(data)
    db.close()
    holder = connect_sqlcipher(data / "carebook.db", keys.unlock_keystore(data).database_key)
    holder.execute("PRAGMA journal_mode = DELETE").fetchone()
    holder.execute("BEGIN EXCLUSIVE")  # another Carebook in the middle of a write
    try:
        import carebook.model.db as dbmod

        original = dbmod.BUSY_TIMEOUT_MS
        dbmod.BUSY_TIMEOUT_MS = 50
        try:
            with pytest.raises(DatabaseBusy):
                recover_from_damage(data)
        finally:
            dbmod.BUSY_TIMEOUT_MS = original
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (data / "carebook.db").exists() and not [p for p in data.iterdir() if p.name.startswith("damaged-")]

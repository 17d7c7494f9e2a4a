"""What a merge stores, byte for byte, on real encrypted registers: the township's copy of a
village's records and change-log rows holds exactly the text (and SQLite storage class) the
village's own register holds, for inserted records (the batched insert path, dates and instants
bound as the driver's ISO text) and for updated ones (the batched update path). Not compared:
``updated_at`` (the merge's own instant), ``version`` (each register counts its own writes) and
the derived columns (recomputed by each register: ``test_sync_merge_derived.py``; edits made here
through the ORM directly leave the village's own stale). Synthetic data only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from carebook.model.children import Child, FamilyMember
from carebook.model.visits import Visit
from carebook.sync.exchange import SyncSite, import_bundle
from sync_world import SyncWorld, build_world

_TABLES = ("child", "family_member", "visit")
_SKIP = ("updated_at", "version", "categories", "search_initials", "id_number_rev", "last_visit_date",
         "next_visit_due")
_LOG_COLUMNS = ("origin", "origin_seq", "hlc", "entity", "record_id", "op", "field", "old_value", "new_value",
                "actor", "at_utc", "tx_id")


def _stored(site: SyncSite, table: str, skip: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Every row of ``table`` by id: each column as ``typeof:quote`` (the stored text exactly)."""
    with site.register.reading() as session:
        conn = session.connection()
        cols = [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")') if r[1] not in skip]
        exprs = ", ".join(f"typeof(\"{c}\") || ':' || quote(\"{c}\")" for c in cols)
        return {row[0]: tuple(row) for row in conn.exec_driver_sql(f'SELECT "id", {exprs} FROM "{table}"')}


def _log(site: SyncSite, origin: str) -> dict[int, tuple[str, ...]]:
    """The change-log rows of ``origin`` by origin sequence number, as stored text."""
    exprs = ", ".join(f"typeof(\"{c}\") || ':' || quote(\"{c}\")" for c in _LOG_COLUMNS)
    with site.register.reading() as session:
        rows = session.connection().exec_driver_sql(
            f'SELECT "origin_seq", {exprs} FROM change_log WHERE origin = ?', (origin,))
        return {row[0]: tuple(row) for row in rows}


def _deliver(world: SyncWorld, village: SyncSite) -> None:
    for paths in [world.export(village)]:
        import_bundle(world.township, paths, backup=False, today=world.today)


def _assert_same(world: SyncWorld, village: SyncSite) -> None:
    for table in _TABLES:
        mine = _stored(village, table, skip=_SKIP)
        theirs = _stored(world.township, table, skip=_SKIP)
        assert mine and theirs == mine, table
    origin = village.installation().id
    mine_log, theirs_log = _log(village, origin), _log(world.township, origin)
    assert mine_log and theirs_log == mine_log


def test_merged_rows_and_log_hold_the_senders_text(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        ids = world.import_ledger(village, 30, seed=5)
        with village.register.writing() as session:  # values of every kind the bundle carries
            child = session.get(Child, ids[0])
            assert child is not None
            child.notes, child.lives_in_school_dormitory = "核实：有变动", True
            child.income_sources = ["farming", "migrant_work"]
        _deliver(world, village)
        _assert_same(world, village)
        # updates of existing records: a date, text, a flag, a code; a deletion
        with village.register.writing() as session:
            for n, child in enumerate(session.scalars(select(Child).order_by(Child.id))):
                child.notes = f"{child.name}：已核实{n}"
                if n % 3 == 0:
                    child.date_of_birth = child.date_of_birth + dt.timedelta(days=1)
                    child.lives_in_school_dormitory = True
            for n, member in enumerate(session.scalars(select(FamilyMember).order_by(FamilyMember.id))):
                if n % 2 == 0:
                    member.status = "at_home"
            visit = session.scalars(select(Visit).order_by(Visit.id)).first()
            assert visit is not None
            session.delete(visit)
        _deliver(world, village)
        _assert_same(world, village)
    finally:
        world.close()

"""The merge's batched reads and writes (:mod:`carebook.sync.fastwrite`) on a real encrypted
register: :func:`select_in` returns what Core's ``select ... where key in (...)`` returns (every
column type read back the same: dates, instants, flags, codes, JSON lists), over several ``IN``
lists, with extra equality conditions; and date/instant parameters bound by the batched insert
are stored as the driver's own ISO text. Synthetic data only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child
from carebook.sync import fastwrite
from carebook.sync.aggregates import table_of
from carebook.sync.fastwrite import insert_tuples, select_in
from sync_world import build_world


def test_select_in_reads_what_core_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        ids = world.import_ledger(village, 25, seed=3)
        monkeypatch.setattr(fastwrite, "IN_CHUNK", 7)  # several IN lists
        table = table_of(Child)
        columns = [c.key for c in table.columns]
        at = columns.index("id")
        with village.register.reading() as session:
            core = sorted((tuple(r) for r in session.execute(select(table).where(table.c.id.in_(ids[:20])))),
                          key=lambda r: r[at])
            fast = sorted(select_in(session, table, columns, "id", [*ids[:20], "not-an-id"]), key=lambda r: r[at])
            assert fast == core and len(fast) == 20
            log = table_of(ChangeLogEntry)
            names = ["record_id", "op", "at_utc"]
            core_log = {tuple(r) for r in session.execute(
                select(*[log.c[n] for n in names]).where(log.c.entity == "child", log.c.op == "insert",
                                                         log.c.record_id.in_(ids)))}
            fast_log = set(select_in(session, log, names, "record_id", ids,
                                     equal=[("entity", "child"), ("op", "insert")]))
            assert fast_log == core_log and len(fast_log) == 25
            assert all(isinstance(r[2], dt.datetime) and r[2].tzinfo is not None for r in fast_log)
    finally:
        world.close()


def test_batched_insert_stores_instants_as_the_driver_would(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        site = world.township
        log = table_of(ChangeLogEntry)
        columns = ["origin", "origin_seq", "hlc", "entity", "record_id", "op", "actor", "at_utc", "tx_id"]
        instants = [dt.datetime(2026, 3, 1, 8, 0, 0, tzinfo=dt.UTC),
                    dt.datetime(2026, 3, 1, 16, 30, 5, 120, tzinfo=dt.timezone(dt.timedelta(hours=8)))]
        with site.register.sessions() as session, session.begin():
            insert_tuples(session, log, columns, [
                ("o-test", n + 1, f"{n}.0000.o-test", "child", f"r{n}", "delete", "测试", at, "tx")
                for n, at in enumerate(instants)])
        with site.register.reading() as session:
            stored = [r[0] for r in session.connection().exec_driver_sql(
                "SELECT typeof(at_utc) || ':' || at_utc FROM change_log WHERE origin = 'o-test' ORDER BY origin_seq")]
        # sqlcipher3's adapt_datetime: the naive UTC instant's isoformat(" ")
        assert stored == ["text:2026-03-01 08:00:00", "text:2026-03-01 08:30:05.000120"]
    finally:
        world.close()

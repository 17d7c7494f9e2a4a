"""A county or large township register on a real PostgreSQL server (issue 7 item 3, acceptance 2):
the same migrations, the same services and the same sync merge give the same results as on
SQLite (SQLCipher). The server is started privately by :mod:`pg_server` (Debian ``postgresql``
binaries) or taken from ``$CAREBOOK_TEST_PG_URL``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from carebook.model import keys, migrations
from carebook.model.base import UTCDateTime
from carebook.model.changelog import ChangeLogEntry
from carebook.model.db import create_database
from carebook.model.db_url import DatabaseUrlError, open_database_url
from carebook.model.jsonvalues import to_json_value
from carebook.model.queries.children import ChildFilter
from carebook.model.queries.sync_status import sync_status, unsent_change_count
from carebook.model.register import Register
from carebook.sync.exchange import (
    SyncSite,
    create_enrolment_file,
    export_bundles,
    import_bundles,
    setup_installation,
    setup_village_from_enrolment,
)
from model_helpers import both_away, child_values, years_before
from pg_server import fresh_database_url
from sync_world import (
    PASSPHRASE,
    TOWNSHIP_CODE,
    TOWNSHIP_NAME,
    SyncWorld,
    create_site,
    tracked_state,
    village_code,
)

pytestmark = pytest.mark.postgres

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*(?:Z|[+-]\d\d:\d\d)?")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return _plain(value._asdict())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    return to_json_value(value)


def scrub(value: Any) -> Any:
    """JSON-ready ``value`` with record ids and instants (which differ run to run) replaced."""
    text_ = json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, default=str)
    return json.loads(_INSTANT.sub("<instant>", _UUID.sub("<id>", text_)))


# --------------------------------------------------------------------------- opening


def test_open_database_url_runs_the_migrations_and_refuses_other_urls(tmp_path: Path) -> None:
    url = fresh_database_url()
    db = open_database_url(url)
    try:
        assert db.schema_revision == migrations.head_revision()
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            kinds = {c["name"]: str(c["type"]) for c in inspect(conn).get_columns("change_log")}
        assert {"child", "change_log", "alembic_version"} <= tables
        assert "TIMESTAMP" in kinds["at_utc"]
    finally:
        db.close()
    again = open_database_url(url)  # already at head: opens without changes
    assert again.schema_revision == migrations.head_revision()
    again.close()
    with pytest.raises(DatabaseUrlError, match="postgresql"):
        open_database_url("sqlite:///x.db")
    with pytest.raises(DatabaseUrlError):
        open_database_url("not a url")
    with pytest.raises(DatabaseUrlError, match=r"无法连接|Cannot use"):
        open_database_url(url.rsplit("/", 1)[0] + "/no_such_database_here" + url[url.index("?"):])


def test_several_programs_opening_a_fresh_database_migrate_it_once() -> None:
    import threading

    url = fresh_database_url()
    results: list[str | None] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        try:
            barrier.wait()
            db = open_database_url(url)
            results.append(db.schema_revision)
            db.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [migrations.head_revision()] * 4


# --------------------------------------------------------------------------- services


def _sqlite_register(base: Path) -> Register:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)
        db = create_database(base / "sqlite", passphrase=PASSPHRASE, use_keyring=False)
    return Register(db.sessionmaker, data_dir=base / "sqlite", close=db.close)


def _pg_register(base: Path) -> Register:
    db = open_database_url(fresh_database_url())
    return Register(db.sessionmaker, data_dir=base / "pg", close=db.close)


def _service_script(reg: Register, today: dt.date) -> dict[str, Any]:
    """Register, update, visit, search, filter, close and reopen; return what each step gave."""
    reg.initialise(role="village", org_code="610402100201", org_name="东湾村", parent_code="610402100",
                   parent_name="幸福镇", actor="李秀英")  # fmt: skip
    out: dict[str, Any] = {}
    a = reg.register_child(child_values("王小明", years_before(today, 9), seq=11, **both_away(today)))
    b = reg.register_child(child_values("单丽华", years_before(today, 12), male=False, seq=12))
    c = reg.register_child(child_values("曾子涵", years_before(today, 5), seq=13, **both_away(today)))
    ids: dict[str, str] = {}
    for key, result in zip("abc", (a, b, c), strict=True):
        assert result.record_id is not None
        ids[key] = result.record_id
    out["registered"] = [a, b, c]
    out["update"] = reg.update_child(ids["a"], {"risk_colour": "yellow", "notes": "需要关注"})
    out["visit"] = reg.record_visit(ids["a"], {"visit_date": today - dt.timedelta(days=3),
                                               "visitor_name": "李秀英", "living_conditions": "住房安全"})  # fmt: skip
    out["search_name"] = reg.search("小明")
    out["search_initials"] = reg.search("zzh")  # 曾 read as zeng (not ceng), 单 as shan: every reading indexed
    out["search_shan"] = reg.search("slh")
    out["search_id_end"] = reg.search(child_values("x", years_before(today, 5), seq=13)["id_number"][-4:])
    out["left_behind"] = reg.list_children(ChildFilter(category="left_behind"))
    out["detail"] = reg.child_detail(ids["a"])
    out["history"] = reg.child_history(ids["a"])
    out["due"] = reg.due_visits()
    out["close"] = reg.close_child(ids["b"], "moved", on=today, note="随父母迁往西安")
    out["after_close"] = reg.list_children()
    out["with_closed"] = reg.search("丽华", include_closed=True)
    out["reopen"] = reg.reopen_child(ids["b"])
    out["sorted_by_age"] = reg.child_ids(sort="age")
    out["positions"] = [ids[k] for k in "abc"]
    with reg.reading() as session:
        entries = session.execute(select(ChangeLogEntry).order_by(ChangeLogEntry.seq)).scalars().all()
        stamps = [e.at_utc for e in entries]
        out["log"] = [(e.entity, e.op, e.field, e.new_value) for e in entries]
    assert all(s.tzinfo is not None and s.utcoffset() == dt.timedelta(0) for s in stamps)
    assert all(abs((s - dt.datetime.now(dt.UTC)).total_seconds()) < 600 for s in stamps)
    return out


def test_services_give_the_same_results_on_postgresql_and_sqlite(tmp_path: Path) -> None:
    today = dt.date.today()
    results = {}
    for name, opener in (("sqlite", _sqlite_register), ("postgresql", _pg_register)):
        reg = opener(tmp_path)
        try:
            results[name] = _service_script(reg, today)
        finally:
            reg.close()
    lite, pg = results["sqlite"], results["postgresql"]
    assert lite.keys() == pg.keys()
    for key in lite:
        if key in {"sorted_by_age", "positions"}:
            continue
        assert scrub(lite[key]) == scrub(pg[key]), key
    # the same order (ids differ, so compare positions)
    order = {n: [results[n]["positions"].index(i) for i in results[n]["sorted_by_age"]] for n in results}
    assert order["sqlite"] == order["postgresql"]
    assert [len(lite[k]) for k in ("search_name", "search_initials", "search_shan", "search_id_end")] == [1, 1, 1, 1]
    assert len(lite["log"]) > 10


def test_utc_instants_round_trip_on_postgresql(tmp_path: Path) -> None:
    reg = _pg_register(tmp_path)
    try:
        reg.initialise(role="township", org_code="610402100", org_name="幸福镇", actor="周督导")
        with reg.reading() as session:
            raw = session.execute(text("SELECT at_utc FROM change_log ORDER BY seq LIMIT 1")).scalar_one()
            typed = session.execute(select(ChangeLogEntry.at_utc).limit(1)).scalar_one()
        assert raw.tzinfo is not None and typed.tzinfo == dt.UTC
        column_type = ChangeLogEntry.__table__.c.at_utc.type
        assert isinstance(column_type, UTCDateTime)
        with pytest.raises(ValueError, match="naive"):
            column_type.process_bind_param(dt.datetime(2026, 1, 1), reg.sessions.kw["bind"].dialect)
    finally:
        reg.close()


# --------------------------------------------------------------------------- sync end to end


def _pg_township_site(base: Path) -> SyncSite:
    db = open_database_url(fresh_database_url(), data_dir=base / "township", passphrase=PASSPHRASE,
                           create_keys=True, use_keyring=False)  # fmt: skip
    return SyncSite(db, Register(db.sessionmaker, data_dir=base / "township", close=db.close))  # type: ignore[arg-type]


def _world(base: Path, township: SyncSite, villages: int = 3) -> SyncWorld:
    """As ``sync_world.build_world``, with the township register given."""
    setup_installation(township, role="township", org_code=TOWNSHIP_CODE, org_name=TOWNSHIP_NAME, actor="周督导")
    stick = base / "stick"
    stick.mkdir()
    world = SyncWorld(township, [], stick, dt.date.today())
    for i in range(villages):
        create_enrolment_file(township, village_code=village_code(i), village_name=f"第{i + 1}村", out=stick)
        site = create_site(base / f"village{i}")
        setup_village_from_enrolment(site, stick / f"enrol-{village_code(i)}.cbe", actor=f"村{i + 1}儿童主任")
        world.villages.append(site)
    return world


def _exchange(world: SyncWorld) -> dict[str, Any]:
    """The scenario of ``test_sync_e2e``: ledgers, visits and edits in the villages; bundles
    delivered to the township shuffled and twice; a supervisor's correction; return bundles.
    Returns what can be compared across two runs (ids scrubbed)."""
    children: list[list[str]] = []
    for i, village in enumerate(world.villages):
        ids = world.import_ledger(village, 12, seed=i)
        children.append(ids)
        for cid in ids[:4]:
            village.register.record_visit(cid, {"visit_date": world.today - dt.timedelta(days=2),
                                                "visitor_name": "村儿童主任", "living_conditions": "住房安全"})  # fmt: skip
        village.register.update_child(ids[0], {"risk_colour": "yellow", "notes": "需要关注"})
    bundles = [world.export(v) for v in world.villages]
    deliveries = [b for b in bundles for _ in range(2)]
    random.Random(5).shuffle(deliveries)
    outcomes = [import_bundles(world.township, paths, backup=False)[0] for paths in deliveries]
    assert sum(not o.already_imported for o in outcomes) == 3
    world.township.register.update_child(children[0][1], {"school_name": "幸福镇中心小学"})
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths)
    town = tracked_state(world.township)
    for i, village in enumerate(world.villages):
        mine = tracked_state(village)
        assert all(town[k] == v for k, v in mine.items()), "every shared record has the same values"
        assert {k for k in mine if k[0] == "child"} == {("child", cid) for cid in children[i]}
        assert village.register.read(unsent_change_count) == 0
        assert village.register.read(sync_status).parked_records == 0
    assert world.villages[0].register.child_detail(children[0][1]).fields["school_name"] == "幸福镇中心小学"
    rows = world.township.register.list_children()
    return {
        "outcomes": sorted((o.already_imported, o.merge.applied, o.merge.inserted, o.merge.updated,
                            o.merge.conflicts, o.merge.parked) for o in outcomes),
        "records": Counter(json.dumps(scrub([k[0], v]), sort_keys=True, ensure_ascii=False) for k, v in town.items()),
        "rows": sorted(json.dumps(scrub(r), sort_keys=True, ensure_ascii=False) for r in rows),
        "township_children": len([k for k in town if k[0] == "child"]),
    }


def _run(base: Path, make_township: Callable[[Path], SyncSite]) -> dict[str, Any]:
    base.mkdir()
    world = _world(base, make_township(base))
    try:
        dialect = world.township.register.sessions.kw["bind"].dialect.name
        return {**_exchange(world), "dialect": dialect}
    finally:
        world.close()


def test_sync_end_to_end_with_the_township_on_postgresql_matches_sqlite(tmp_path: Path) -> None:
    lite = _run(tmp_path / "lite", lambda b: create_site(b / "township"))
    pg = _run(tmp_path / "pg", _pg_township_site)
    assert (lite["dialect"], pg["dialect"]) == ("sqlite", "postgresql")
    assert pg["township_children"] == lite["township_children"] == 36
    assert pg["outcomes"] == lite["outcomes"]
    assert pg["records"] == lite["records"]
    assert pg["rows"] == lite["rows"]

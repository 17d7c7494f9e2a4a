"""Benchmark of the register at village/township scale: bulk import and search.

Builds ``--children`` synthetic children (default 100,000) and ``--visits-per-child`` visits
each (default 3: 300,000 visits) through the bulk path
(:func:`carebook.model.services.bulk.import_children` and
:func:`~carebook.model.services.bulk.insert_visits`, inside ``Register.writing()``, so every
record gets its change-log row) into a real SQLCipher-encrypted register in a temporary
directory, then times register searches by name, by pinyin initials and by ID-number suffix.

Baselines measured in the same run:

* the floors: the rows the bulk path wrote, read back and inserted again into a new encrypted
  register with a raw DB-API ``executemany`` (what the driver and SQLCipher cost, wall and CPU),
  and with ``INSERT … SELECT`` from an in-memory copy (no Python per row: what SQLCipher alone
  costs for these rows), with and without the change-log rows;
* the same import into a plain (unencrypted) SQLite register built from the same schema with
  the same code path (``--no-baseline`` skips it): the cost of encryption;
* a bare ``SELECT count(*) FROM child`` on the encrypted register: the floor of one query.

Targets (issue 2, on the 2-core reference machine): >= 20,000 children/s imported; search
<= 30 ms median at 100,000 children. Figures are printed, never asserted.

Usage: ``.venv/bin/python bench/bench_register.py [--children N] [--visits-per-child K]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from carebook.model import schema
from carebook.model.children import Child
from carebook.model.db import create_database, open_database
from carebook.model.queries.children import ChildFilter, child_ids
from carebook.model.register import Register
from carebook.model.services.bulk import import_children, insert_visits
from carebook.model.services.children import ChildInput, clean_child_input
from carebook.model.synthetic import synthetic_children, synthetic_visits

TODAY = dt.date(2026, 6, 1)
VILLAGE = "610402100201"
BATCH = 10_000
REPEATS = 25
PASSPHRASE = "benchmark passphrase"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def _median_time(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    """Median wall time of ``fn()`` and its last result; the median CPU time of this process
    goes to ``CPU_TIMES`` (on a busy machine CPU time is the steadier figure)."""
    times: list[float] = []
    cpu: list[float] = []
    result: Any = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU_TIMES.append(statistics.median(cpu))
    return statistics.median(times), result


CPU_TIMES: list[float] = []


def plain_register(path: Path) -> Register:
    """A register over plain SQLite (no encryption) with the same schema and pragmas."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:
        conn.isolation_level = None
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    schema.metadata.create_all(engine)
    return Register(sessionmaker(engine, expire_on_commit=False), data_dir=path.parent, today=lambda: TODAY)


class DriverClock:
    """Time spent inside the database driver's ``execute``/``executemany`` (SQLite's own work:
    the floor no Python-side optimisation can go below)."""

    def __init__(self, engine: Engine) -> None:
        self.seconds = 0.0
        self._start = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._start = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        self.seconds += time.perf_counter() - self._start


def build(register: Register, inputs: list[ChildInput], visits_per_child: int) -> dict[str, float]:
    """Import ``inputs`` and their visits; return timings (seconds) and counts."""
    engine = register.sessions.kw["bind"]
    clock = DriverClock(engine)
    register.initialise(role="village", org_code=VILLAGE, org_name="东湾村", parent_code="610402100",
                        parent_name="幸福镇")
    created: list[str] = []
    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(inputs), BATCH):
        with register.writing() as session:
            result = import_children(session, inputs[i:i + BATCH], today=TODAY)
            created.extend(result.created)
    import_s = time.perf_counter() - start
    import_cpu_s = time.process_time() - start_cpu
    import_driver_s, clock.seconds = clock.seconds, 0.0
    visits = synthetic_visits(created, per_child=visits_per_child, seed=2, today=TODAY)
    start = time.perf_counter()
    per_batch = BATCH * max(visits_per_child, 1)
    for i in range(0, len(visits), per_batch):
        with register.writing() as session:
            insert_visits(session, visits[i:i + per_batch], today=TODAY)
    visits_s = time.perf_counter() - start
    return {"children": len(created), "import_s": import_s, "visits": len(visits), "visits_s": visits_s,
            "import_driver_s": import_driver_s, "visits_driver_s": clock.seconds, "import_cpu_s": import_cpu_s}


def raw_floor(register: Register, root: Path, batches: int) -> dict[str, float]:
    """The SQLite floors of the import: the very rows the bulk path wrote (children, family
    members, their change-log rows), read back as stored and inserted again into new encrypted
    registers with the same schema and indexes, in ``batches`` transactions:

    * ``wall_s`` / ``cpu_s``: with a plain DB-API ``executemany`` per table (no Python work per
      row beyond the driver's binding);
    * ``c_wall_s`` / ``c_cpu_s``: with ``INSERT INTO t SELECT … FROM`` an in-memory copy of the
      rows (attached ``:memory:`` database, filled before the clock starts): no Python at all per
      row, what SQLCipher itself costs for these rows;
    * ``c_nolog_wall_s`` / ``c_nolog_cpu_s``: the same without the change-log rows.

    Returns seconds."""
    tables = ("child", "family_member", "change_log")

    def read(session: Session) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
        out = {}
        for table in tables:
            where = " WHERE entity IN ('child', 'family_member') AND op = 'insert'" if table == "change_log" else ""
            result = session.execute(text(f"SELECT * FROM {table}{where} ORDER BY rowid"))
            cols = list(result.keys())
            rows = [tuple(r) for r in result]
            if table == "change_log":
                cols, rows = cols[1:], [r[1:] for r in rows]  # a new seq
            out[table] = (cols, rows)
        return out

    data = register.read(read)
    # batch k: the k-th tenth of the children, their members and the log rows in that range
    child_cols, child_rows = data["child"]
    size = -(-len(child_rows) // batches)
    i_id = child_cols.index("id")
    batch_of = {r[i_id]: k // size for k, r in enumerate(child_rows)}
    member_cols, member_rows = data["family_member"]
    i_child = member_cols.index("child_id")
    log_rows = data["change_log"][1]
    log_size = -(-len(log_rows) // batches)
    parts: list[dict[str, list[tuple[Any, ...]]]] = [{t: [] for t in tables} for _ in range(batches)]
    for k, r in enumerate(child_rows):
        parts[k // size]["child"].append(r)
    for r in member_rows:
        parts[batch_of[r[i_child]]]["family_member"].append(r)
    for k, r in enumerate(log_rows):
        parts[k // log_size]["change_log"].append(r)

    def insert_sql(table: str, source: str | None = None) -> str:
        cols = ", ".join(data[table][0])
        if source is None:
            return f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in data[table][0])})"
        return f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM {source}"

    def replay(name: str, in_c: bool, with_log: bool = True) -> tuple[float, float]:
        db = create_database(root / name, passphrase=PASSPHRASE, use_keyring=False)
        try:
            Register(db.sessionmaker, data_dir=root / name, today=lambda: TODAY).initialise(
                role="village", org_code=VILLAGE, org_name="东湾村", parent_code="610402100", parent_name="幸福镇")
            raw = db.engine.raw_connection()
            try:
                conn: Any = raw.driver_connection
                conn.execute("PRAGMA cache_size = -131072")  # as the bulk path
                used = tables if with_log else tables[:2]
                if in_c:
                    conn.execute("ATTACH DATABASE ':memory:' AS mem")
                    for k, part in enumerate(parts):
                        for table in used:
                            conn.execute(f"CREATE TABLE mem.{table}_{k} AS SELECT {', '.join(data[table][0])} "
                                         f"FROM main.{table} WHERE 0")
                            conn.executemany(insert_sql(table).replace(f"INTO {table} ", f"INTO mem.{table}_{k} ", 1),
                                             part[table])
                start, start_cpu = time.perf_counter(), time.process_time()
                for k, part in enumerate(parts):
                    conn.execute("BEGIN IMMEDIATE")
                    for table in used:
                        if in_c:
                            conn.execute(insert_sql(table, f"mem.{table}_{k}"))
                        else:
                            conn.executemany(insert_sql(table), part[table])
                    conn.execute("COMMIT")
                return time.perf_counter() - start, time.process_time() - start_cpu
            finally:
                raw.close()
        finally:
            db.close()

    wall, cpu = replay("floor", in_c=False)
    c_wall, c_cpu = replay("floor-c", in_c=True)
    c_nolog_wall, c_nolog_cpu = replay("floor-c-nolog", in_c=True, with_log=False)
    return {"wall_s": wall, "cpu_s": cpu, "c_wall_s": c_wall, "c_cpu_s": c_cpu,
            "c_nolog_wall_s": c_nolog_wall, "c_nolog_cpu_s": c_nolog_cpu}


def searches(register: Register) -> dict[str, tuple[float, float, float, int]]:
    """Median time of ``Register.search`` and of the id-only query per kind of search, for 20
    children drawn from the register: kind -> (search median s, its CPU median s, ids-only
    median s, mean hits)."""
    from carebook.model.pinyin import initials_variants

    people = register.read(lambda s: [tuple(r) for r in s.execute(select(Child.name, Child.id_number))])
    sample = random.Random(7).sample(people, 20)
    queries = {
        "name (full name)": [name for name, _ in sample],
        "name (given name, 2 chars)": [name[-2:] for name, _ in sample if len(name) == 3][:10],
        "pinyin initials": [initials_variants(name)[0] for name, _ in sample],
        "ID suffix (6 digits)": [number[-6:] for _, number in sample if number],
        "ID suffix (4 chars)": [number[-4:] for _, number in sample if number],
    }
    out: dict[str, tuple[float, float, float, int]] = {}
    for kind, qs in queries.items():
        full: list[float] = []
        full_cpu: list[float] = []
        ids_only: list[float] = []
        hits: list[int] = []
        for q in qs:
            register.search(q)  # warm the page cache as a user's second keystroke would
            t, rows = _median_time(functools.partial(register.search, q), repeats=5)
            full.append(t)
            full_cpu.append(CPU_TIMES[-1])
            hits.append(len(rows))
            t2, _ = _median_time(functools.partial(register.read, child_ids, ChildFilter(search=q), today=TODAY),
                                 repeats=5)
            ids_only.append(t2)
        out[kind] = (statistics.median(full), statistics.median(full_cpu), statistics.median(ids_only),
                     round(statistics.mean(hits)))
    return out


def print_searches(register: Register) -> None:
    floor = count_floor(register)
    n = register.read(lambda s: int(s.scalar(select(text("count(*)")).select_from(Child)) or 0))
    print(f"\nSearch at {n:,} children (median of 5 runs per query, median over 10-20 queries)")
    print(f"  baseline SELECT count(*) FROM child: {_ms(floor)}")
    print(f"  {'kind':<28} {'Register.search':>15} {'(CPU)':>11} {'ids only':>11} {'hits':>6} "
          f"{'search/count':>13}  target")
    for kind, (full, cpu, ids_only, hits) in searches(register).items():
        verdict = "OK" if full <= 0.030 else "MISSED"
        print(f"  {kind:<28} {_ms(full):>15} {_ms(cpu):>11} {_ms(ids_only):>11} {hits:>6} {full / floor:>12.1f}x  "
              f"<= 30 ms {verdict}")


def count_floor(register: Register) -> float:
    def query(session: Session) -> int:
        return int(session.scalar(select(text("count(*)")).select_from(Child)) or 0)

    register.read(query)
    t, _ = _median_time(lambda: register.read(query))
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--visits-per-child", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain SQLite baseline")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the encrypted register in DIR (new) and keep it")
    parser.add_argument("--search-only", type=Path, metavar="DIR",
                        help="only time searches on a register kept with --keep")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.search_only:
        db = open_database(args.search_only, passphrase=PASSPHRASE)
        try:
            print_searches(Register(db.sessionmaker, data_dir=args.search_only, today=lambda: TODAY))
        finally:
            db.close()
        return 0
    n = args.children
    print(f"Carebook register benchmark: {n:,} children, {n * args.visits_per_child:,} visits, "
          f"Python {sys.version.split()[0]}")
    start = time.perf_counter()
    values = synthetic_children(n, seed=1, village_codes=[VILLAGE], today=TODAY)
    gen_s = time.perf_counter() - start
    start = time.perf_counter()
    inputs = [clean_child_input(v, today=TODAY) for v in values]
    clean_s = time.perf_counter() - start
    print(f"  synthetic data      {gen_s:7.2f} s   (not counted)")
    print(f"  validation          {clean_s:7.2f} s   {n / clean_s:10,.0f} children/s  (clean_child_input)")

    with tempfile.TemporaryDirectory(prefix="carebook-bench-") as tmp:
        root = Path(tmp)
        enc_dir = args.keep or root / "encrypted"
        db = create_database(enc_dir, passphrase=PASSPHRASE, use_keyring=False)
        register = Register(db.sessionmaker, data_dir=enc_dir, today=lambda: TODAY)
        enc = build(register, inputs, args.visits_per_child)
        rate = enc["children"] / enc["import_s"]
        print("\nImport (bulk path, change-log rows included, one transaction per "
              f"{BATCH:,} children)")
        print(f"  children  encrypted {enc['import_s']:7.2f} s   {rate:10,.0f} children/s   target >= 20,000"
              f"   {'OK' if rate >= 20_000 else 'MISSED'}")
        print(f"    CPU time of this process {enc['import_cpu_s']:7.2f} s   "
              f"{enc['children'] / enc['import_cpu_s']:10,.0f} children per CPU second")
        print(f"    of which in SQLCipher (execute/executemany) {enc['import_driver_s']:6.2f} s: floor "
              f"{enc['children'] / enc['import_driver_s']:,.0f} children/s")
        vrate = enc["visits"] / enc["visits_s"]
        print(f"  visits    encrypted {enc['visits_s']:7.2f} s   {vrate:10,.0f} visits/s")
        print(f"    of which in SQLCipher (execute/executemany) {enc['visits_driver_s']:6.2f} s")
        floor = raw_floor(register, root, max(1, -(-n // BATCH)))
        print(f"  floor: the same rows, raw executemany into SQLCipher {floor['wall_s']:7.2f} s "
              f"{n / floor['wall_s']:10,.0f} children/s   CPU {floor['cpu_s']:6.2f} s "
              f"{n / floor['cpu_s']:10,.0f} children per CPU second")
        print(f"  floor in C: the same rows, INSERT ... SELECT from memory {floor['c_wall_s']:7.2f} s "
              f"{n / floor['c_wall_s']:10,.0f} children/s   CPU {floor['c_cpu_s']:6.2f} s "
              f"{n / floor['c_cpu_s']:10,.0f} children per CPU second  (no Python per row)")
        print(f"    the same without the change-log rows               {floor['c_nolog_wall_s']:7.2f} s "
              f"{n / floor['c_nolog_wall_s']:10,.0f} children/s   CPU {floor['c_nolog_cpu_s']:6.2f} s "
              f"{n / floor['c_nolog_cpu_s']:10,.0f} children per CPU second")
        both = n / (clean_s + enc["import_s"])
        print(f"  validation + import {clean_s + enc['import_s']:7.2f} s   {both:10,.0f} children/s "
              "(a ledger import does both)")
        if not args.no_baseline:
            plain = build(plain_register(root / "plain.db"), inputs, args.visits_per_child)
            prate = plain["children"] / plain["import_s"]
            print(f"  children  plain     {plain['import_s']:7.2f} s   {prate:10,.0f} children/s   "
                  f"encrypted/plain time ratio {enc['import_s'] / plain['import_s']:.2f}")
            print(f"    of which in SQLite (execute/executemany)    {plain['import_driver_s']:6.2f} s: floor "
                  f"{plain['children'] / plain['import_driver_s']:,.0f} children/s")
            print(f"  visits    plain     {plain['visits_s']:7.2f} s   "
                  f"{plain['visits'] / plain['visits_s']:10,.0f} visits/s     "
                  f"encrypted/plain time ratio {enc['visits_s'] / plain['visits_s']:.2f}")
        print_searches(register)
        size = sum(p.stat().st_size for p in enc_dir.glob("carebook.db*"))
        print(f"\n  database size (encrypted, with WAL): {size / 1e6:.0f} MB")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

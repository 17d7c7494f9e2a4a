"""Benchmark of the inbox relay and of a county register on PostgreSQL (issue 7 acceptance 3).

1. Relay: ``--villages`` villages (default 30) each push one real sealed bundle of ``--bundle-kb``
   KiB (default 1024) at the same moment to one relay (real uvicorn on loopback, HTTP), then the
   township pulls them all. Run twice: over a clean link, and with every village's link dropped
   once half-way (through the fault-injecting proxy of the tests), so the resume path is timed
   too. Prints wall time, aggregate MB/s, per-upload p50/p95 seconds, retries.
2. Register: ``--children`` synthetic children (default 100,000) merged through the bulk path
   (:func:`carebook.model.services.bulk.import_children` in ``Register.writing()``, so every row
   gets its change-log rows) into PostgreSQL and into SQLite (SQLCipher), printed side by side
   with a search and a filtered listing on each.
3. Sync merge: ``--merge-children`` children (default 5,000) exported by a village as a real
   bundle and imported by a township register on each database (decrypt, merge, change log).

PostgreSQL comes from ``--pg-url`` (an admin URL; a database is created per run) or is started
privately as in the tests (``tests/pg_server.py``: Debian ``postgresql`` binaries, fsync off —
so its figures are an upper bound for a server that syncs to disk; SQLCipher keeps
``synchronous=FULL``). Figures are printed, never asserted.

Usage: ``.venv/bin/python bench/bench_relay.py [--villages 30] [--bundle-kb 1024] [--children 100000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from carebook.model import keys as model_keys  # noqa: E402
from carebook.model.db import create_database  # noqa: E402
from carebook.model.db_url import open_database_url  # noqa: E402
from carebook.model.queries.children import ChildFilter  # noqa: E402
from carebook.model.register import Register  # noqa: E402
from carebook.model.services.bulk import import_children  # noqa: E402
from carebook.model.services.children import clean_child_input  # noqa: E402
from carebook.model.synthetic import synthetic_children  # noqa: E402
from carebook.sync.relay_client import RelayClient, RetryPolicy  # noqa: E402
from carebook.sync.relay_server import relay_in_thread  # noqa: E402
from faulty_proxy import Fault, FaultyProxy  # noqa: E402
from relay_helpers import make_world, sealed_for  # noqa: E402

PASSPHRASE = "synthetic bench passphrase"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- relay


def bench_relay(villages: int, bundle_kb: int, *, drops: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cbrelay-") as tmp:
        world = next(make_world(Path(tmp), villages=villages))
        bundles = [sealed_for(v, world.township, size=bundle_kb * 1024) for v in world.villages]
        total = sum(len(b) for b in bundles)
        times: list[float] = [0.0] * villages
        retries = [0] * villages
        errors: list[str] = []
        with relay_in_thread(world.store) as relay:
            proxy = None
            url = relay.url
            if drops:
                proxy = FaultyProxy(("127.0.0.1", relay.port),
                                    [Fault(drop_after=len(bundles[0]) // 2) for _ in range(villages)])
                url = proxy.url
            barrier = threading.Barrier(villages)

            def upload(i: int) -> None:
                policy = RetryPolicy(attempts=10, base_delay=0.05, max_delay=1.0)
                with RelayClient(url, world.villages[i], retry=policy) as client:
                    client.sync_clock()
                    barrier.wait()
                    start = time.perf_counter()
                    try:
                        result = client.push_bundle(bundles[i], world.township.installation_id)
                        retries[i] = result.retries
                    except Exception as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    times[i] = time.perf_counter() - start

            threads = [threading.Thread(target=upload, args=(i,)) for i in range(villages)]
            wall = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - wall
            stored = len(world.store.stored_files())
            pull_start = time.perf_counter()
            with RelayClient(relay.url, world.township) as client:
                pulled = client.pull(Path(tmp) / "township-inbox")
            pull = time.perf_counter() - pull_start
            ok = {hashlib.sha256(b).hexdigest() for b in bundles} == {p.sha256 for p in pulled}
            if proxy is not None:
                proxy.close()
        return {"wall": wall, "mb_s": total / wall / 1e6, "p50": _pct(times, 0.5), "p95": _pct(times, 0.95),
                "retries": sum(retries), "stored": stored, "errors": errors, "pull": pull,
                "pull_mb_s": total / pull / 1e6, "all_pulled_intact": ok, "total_mb": total / 1e6}


# --------------------------------------------------------------------------- registers


def _sqlite_register(base: Path) -> Register:
    original = model_keys.SCRYPT_N
    model_keys.SCRYPT_N = 2**14
    try:
        db = create_database(base / "sqlite", passphrase=PASSPHRASE, use_keyring=False)
    finally:
        model_keys.SCRYPT_N = original
    return Register(db.sessionmaker, data_dir=base / "sqlite", close=db.close)


def _pg_url(admin: str | None) -> str:
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    if admin is None:
        from pg_server import admin_url

        admin = admin_url()
        if admin is None:
            raise SystemExit("no PostgreSQL: give --pg-url, or install the Debian postgresql package")
    parsed = make_url(admin)
    name = f"cb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def _pg_register(base: Path, admin: str | None) -> Register:
    db = open_database_url(_pg_url(admin))
    return Register(db.sessionmaker, data_dir=base / "pg", close=db.close)


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_register(reg: Register, children: int, today: dt.date) -> dict[str, float]:
    reg.initialise(role="township", org_code="610402100", org_name="幸福镇", actor="bench")
    rows = synthetic_children(children, seed=7, village_codes=[f"610402100{201 + i:03d}" for i in range(30)],
                              today=today)
    inputs = [clean_child_input(r, today=today) for r in rows]

    def load() -> int:
        with reg.writing() as session:
            return len(import_children(session, inputs, today=today).created)

    seconds, created = _timed(load)
    name = rows[len(rows) // 2]["name"]
    search, _ = _timed(lambda: reg.search(name), repeat=5)
    listing, found = _timed(lambda: reg.child_ids(ChildFilter(category="left_behind")), repeat=3)
    return {"seconds": seconds, "per_s": created / seconds, "search_ms": search * 1000,
            "filter_ms": listing * 1000, "left_behind": float(len(found))}


def bench_merge(base: Path, admin: str | None, children: int) -> dict[str, dict[str, float]]:
    """A village exports ``children`` new children as one bundle; a township imports it, on
    each database."""
    from carebook.sync.exchange import SyncSite, import_bundles
    from sync_world import build_world, create_site

    out: dict[str, dict[str, float]] = {}
    for name in ("sqlite", "postgresql"):
        folder = base / f"merge-{name}"
        folder.mkdir()
        url = _pg_url(admin) if name == "postgresql" else None

        def township_or_village(path: Path, url: str | None = url) -> SyncSite:
            if url is None or path.name != "township":
                return create_site(path)
            db = open_database_url(url, data_dir=path, passphrase=PASSPHRASE, create_keys=True, use_keyring=False)
            return SyncSite(db, Register(db.sessionmaker, data_dir=path, close=db.close))  # type: ignore[arg-type]

        import sync_world

        original = sync_world.create_site
        sync_world.create_site = township_or_village  # type: ignore[assignment]
        try:
            world = build_world(folder, 1)
        finally:
            sync_world.create_site = original
        try:
            for village in world.villages:
                world.deliver(world.township, world.export(village))  # enrolment bundle
            world.import_ledger(world.villages[0], children, seed=3)
            paths = world.export(world.villages[0])
            size = sum(p.stat().st_size for p in paths)
            start = time.perf_counter()
            result = import_bundles(world.township, paths, backup=False)[0]
            seconds = time.perf_counter() - start
            out[name] = {"seconds": seconds, "changes_s": result.merge.applied / seconds,
                         "applied": float(result.merge.applied), "bundle_mb": size / 1e6}
        finally:
            world.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--bundle-kb", type=int, default=1024)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--merge-children", type=int, default=5_000)
    parser.add_argument("--pg-url", help="admin URL of an existing PostgreSQL (default: start one)")
    parser.add_argument("--skip-relay", action="store_true")
    parser.add_argument("--skip-register", action="store_true")
    args = parser.parse_args(argv)
    print(f"carebook relay / PostgreSQL benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")

    if not args.skip_relay:
        print(f"\n1. {args.villages} villages each push {args.bundle_kb} KiB at once to one relay (loopback)")
        print(f"   {'link':<22}{'wall s':>8}{'MB/s':>8}{'p50 s':>8}{'p95 s':>8}{'retries':>9}{'stored':>8}"
              f"{'pull s':>8}{'pull MB/s':>10}")
        for label, drops in (("clean", False), ("each dropped once", True)):
            r = bench_relay(args.villages, args.bundle_kb, drops=drops)
            print(f"   {label:<22}{r['wall']:>8.2f}{r['mb_s']:>8.1f}{r['p50']:>8.2f}{r['p95']:>8.2f}"
                  f"{r['retries']:>9}{r['stored']:>8}{r['pull']:>8.2f}{r['pull_mb_s']:>10.1f}"
                  f"   {'intact' if r['all_pulled_intact'] else 'MISMATCH'}")
            for err in r["errors"][:3]:
                print(f"     error: {err}")

    if not args.skip_register:
        today = dt.date.today()
        with tempfile.TemporaryDirectory(prefix="cbregbench-") as tmp:
            base = Path(tmp)
            print(f"\n2. {args.children:,} children merged through the bulk path (with change log)")
            results: dict[str, dict[str, float]] = {}
            openers: list[tuple[str, Callable[[], Register]]] = [
                ("SQLite (SQLCipher)", lambda: _sqlite_register(base)),
                ("PostgreSQL", lambda: _pg_register(base, args.pg_url)),
            ]
            for name, opener in openers:
                reg = opener()
                try:
                    results[name] = bench_register(reg, args.children, today)
                finally:
                    reg.close()
            names = list(results)
            print(f"   {'':<28}" + "".join(f"{n:>22}" for n in names))
            for key, label, fmt in (("seconds", "import, s", "{:.1f}"), ("per_s", "children/s", "{:,.0f}"),
                                    ("search_ms", "search by name, ms", "{:.1f}"),
                                    ("filter_ms", "filter left-behind, ms", "{:.1f}"),
                                    ("left_behind", "left-behind found", "{:,.0f}")):
                print(f"   {label:<28}" + "".join(f"{fmt.format(results[n][key]):>22}" for n in names))
            if args.merge_children:
                print(f"\n3. one village bundle of {args.merge_children:,} new children imported by the township")
                merged = bench_merge(base, args.pg_url, args.merge_children)
                print(f"   {'':<28}{'SQLite (SQLCipher)':>22}{'PostgreSQL':>22}")
                for key, label, fmt in (("bundle_mb", "bundle, MB", "{:.2f}"), ("applied", "changes applied", "{:,.0f}"),
                                        ("seconds", "import + merge, s", "{:.2f}"),
                                        ("changes_s", "changes/s", "{:,.0f}")):
                    print(f"   {label:<28}" + "".join(f"{fmt.format(merged[n][key]):>22}" for n in ("sqlite", "postgresql")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

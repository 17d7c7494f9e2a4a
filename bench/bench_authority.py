"""Benchmark of the township's checks added for duplicate review and authority (issue 5 item 6-7,
issue 6 item 3), on real encrypted registers (tests/sync_world.py).

1. Authority check (``carebook.sync.authority.village_refusals``) of a village bundle, against
   the import of that same bundle (the baseline, measured in the same run, check included):
   a first bundle of ``--children`` new children (inserts), then a bundle changing one field of
   every child (updates: each record's owner read from the register).
2. ``find_duplicates`` over the township's register of ``--children`` children (with 1 % of them
   registered twice, in another village), against reading the children's summaries alone
   (``child_summaries``, the baseline).

Printed: CPU seconds of this process (``time.process_time``) and wall seconds; nothing asserted.

Measured here on 2026-11-29 (2 cores shared with other work; ``--children 10000``):

========================================  ========  ==================  ==================
scenario                                  changes   check (CPU)         import (CPU)
========================================  ========  ==================  ==================
first bundle: 10,000 children, inserts    40,002    0.96 s (11.4 %)     8.42 s
one field of every child, updates         10,000    0.14 s (9.1 %)      1.50 s
========================================  ========  ==================  ==================

``find_duplicates`` over 10,100 files (100 planted ID-number duplicates; the synthetic names come
from small pools, so 89 more close-name pairs): 0.27 s CPU, against 0.16 s for reading the
summaries alone. Here the check decodes its own copy of the changes; inside an import it shares
the parsed insert snapshots with the merge (``Change.snapshot`` caches them), so its share of an
import is smaller than printed.

Usage: ``.venv/bin/python bench/bench_authority.py [--children N]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from carebook.model.queries.duplicates import child_summaries, find_duplicates
from carebook.model.services.bulk import import_children
from carebook.model.services.children import clean_child_input
from carebook.sync.authority import village_refusals
from carebook.sync.bundle_files import read_bundle
from carebook.sync.changes import decode_payload
from carebook.sync.exchange import SyncSite, import_bundles
from carebook.sync.peer_store import known_peers, pending_enrolments
from sync_world import build_world


def timed(fn: Any) -> tuple[Any, float, float]:
    """``fn()`` with its CPU and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def changes_of(site: SyncSite, paths: list[Path]) -> list[Any]:
    """The decoded changes of a bundle addressed to ``site``."""
    with site.register.reading() as session:
        opened = read_bundle(paths, my_keys=site.keys(), known_peers=known_peers(session),
                             pending_enrolments=pending_enrolments(session))
    return decode_payload(opened.payload).changes


def check_and_import(world: Any, village: SyncSite, label: str) -> None:
    paths = world.export(village)
    changes = changes_of(world.township, paths)
    code = village.installation().org_code
    town_unit = world.township.installation().org_unit_id

    def check() -> Any:
        with world.township.register.reading() as session:
            return village_refusals(session, changes, village_code=code, township_unit_id=town_unit)

    refused, cpu, wall = timed(check)
    assert refused == []
    _r, icpu, iwall = timed(lambda: import_bundles(world.township, paths, backup=False))
    print(f"{label:<26} {len(changes):>8,} changes  check {cpu:6.2f} s CPU ({wall:6.2f} s)  "
          f"import {icpu:6.2f} s CPU ({iwall:6.2f} s)  check/import {cpu / icpu:5.1%}")


def returns(world: Any) -> None:
    """Return bundles to every village (so the next bundles carry only new changes)."""
    from carebook.sync.exchange import export_bundles

    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp), villages=2)
        try:
            first, second = world.villages
            ids = world.import_ledger(first, args.children, seed=5)
            check_and_import(world, first, "first bundle (inserts)")
            returns(world)
            with first.register.writing() as session:
                from carebook.model.children import Child

                for child in session.query(Child):
                    child.school_name = "中心小学"
            check_and_import(world, first, "one field of every child")
            # 1 % of the children registered again in the second village
            from sync_world import synthetic_ledger

            rows = synthetic_ledger(args.children, seed=5, today=world.today)[: max(1, args.children // 100)]
            with second.register.writing() as session:
                import_children(session, [clean_child_input(r, today=world.today) for r in rows], today=world.today)
            import_bundles(world.township, world.export(second), backup=False)
            with world.township.register.reading() as session:
                base, bcpu, bwall = timed(lambda: child_summaries(session))
                found, fcpu, fwall = timed(lambda: find_duplicates(session))
            print(f"find_duplicates over {len(base):,} files: {fcpu:.2f} s CPU ({fwall:.2f} s), "
                  f"{len(found)} pairs; baseline child_summaries {bcpu:.2f} s CPU ({bwall:.2f} s)")
            assert ids
        finally:
            world.close()


if __name__ == "__main__":
    main()

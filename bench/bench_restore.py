"""Benchmark of the township's restore bundle (sync/restore.py): a village of ``--children``
children (default 2,000; each with father, mother and a last visit, about 4 changes per child,
plus a field changed on every child so the history has two layers) syncs with its township; its
PC is lost and re-enrolled; the township exports the restore bundle and the new PC imports it.

Printed: changes carried, bundle bytes and bytes per change, export and import wall and CPU
seconds (``time.process_time``) and changes per CPU second; and, measured in the same run as the
baseline, the village's own export of the same records and the township's import of it (the same
records travelling the other way).

Usage: ``.venv/bin/python bench/bench_restore.py [--children N]``. Figures are printed, never
asserted. Measured here on 2026-11-29 with 2,000 children (2 cores shared, load average about 9,
so compare CPU seconds of runs at the same load only):

===============================================  =========  =========  =======  ==============
step                                             changes    bytes/chg  CPU s    changes/CPU s
===============================================  =========  =========  =======  ==============
baseline: the village exports the same records   10,002     54.1       0.33     30,386
baseline: the township imports them              10,000     54.1       1.41     7,081
restore bundle: township export                  10,003     54.0       0.80     12,498
restore bundle: new PC import                    10,003     54.0       1.47     6,811
===============================================  =========  =========  =======  ==============

The restore bundle is the same size per change as the village's own bundle; the township's export
costs more than the village's (routing over its whole log, contexts of received changes read
back), and the new PC's import costs about what the township's import of the same records does.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from carebook.sync.exchange import export_bundles, import_bundles  # noqa: E402
from carebook.sync.restore import create_replacement_enrolment_file  # noqa: E402
from sync_world import build_world, create_site, setup_village_from_enrolment, village_code  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    """Run ``fn()``; return its result, wall seconds and CPU seconds of this process."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def line(name: str, changes: int, size: int, wall: float, cpu: float) -> None:
    per = size / changes if changes else 0.0
    rate = changes / cpu if cpu else 0.0
    print(f"{name:<44} {changes:>8,} chg  {size:>11,} B  {per:6.1f} B/chg  wall {wall:6.2f} s  "
          f"cpu {cpu:6.2f} s  {rate:>9,.0f} chg/cpu-s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=2000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="cb-bench-restore-"))
    world = build_world(base, 1)
    try:
        village = world.villages[0]
        import_bundles(world.township, world.export(village), backup=False)
        ids, wall, cpu = timed(lambda: world.import_ledger(village, args.children, seed=7))
        print(f"village bulk import of {args.children:,} children: wall {wall:.2f} s, cpu {cpu:.2f} s")
        with village.register.writing() as session:  # one field of every child, one transaction
            from carebook.model.children import Child

            for child in session.query(Child).filter(Child.id.in_(ids)):
                child.notes = "第二次走访"
        (world.stick / "a").mkdir()
        first, wall, cpu = timed(lambda: export_bundles(village, world.stick / "a")[0])
        line("baseline: the village exports the same records", first.changes, first.size, wall, cpu)
        result, wall, cpu = timed(lambda: import_bundles(world.township, first.paths, backup=False)[0])
        line("baseline: the township imports them", result.merge.applied, first.size, wall, cpu)
        (world.stick / "b").mkdir()
        import_bundles(village, export_bundles(world.township, world.stick / "b")[0].paths, backup=False)

        village.close()
        world.villages.clear()
        shutil.rmtree(base / "village0")
        made = create_replacement_enrolment_file(world.township, village_code=village_code(0), village_name="第1村",
                                                 out=base / "replace.cbe")
        new = create_site(base / "new-pc")
        world.villages.append(new)
        setup_village_from_enrolment(new, made.path)
        import_bundles(world.township, world.export(new), backup=False)
        (world.stick / "c").mkdir()
        restore, wall, cpu = timed(lambda: export_bundles(world.township, world.stick / "c")[0])
        line("restore bundle: township export", restore.changes, restore.size, wall, cpu)
        got, wall, cpu = timed(lambda: import_bundles(new, restore.paths, backup=False)[0])
        line("restore bundle: new PC import", got.merge.applied, restore.size, wall, cpu)
        print(f"children restored: {got.restored_children:,}")
    finally:
        world.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

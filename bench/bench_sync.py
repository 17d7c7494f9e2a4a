"""Benchmark of sync by USB stick: export and import of bundles between real encrypted registers.

Scenarios (issue 5 acceptance 5):

1. a village imports a ledger of ``--children`` children (default 10,000; each with father,
   mother and a last visit: about 4 changes per child), exports one bundle, and the township
   imports it;
2. the same village then changes one field of every child (``--children`` updates), exports and
   the township imports;
3. ``--villages`` villages (default 30) each export a bundle of about ``--per-village`` changes
   (default 1,000) and the township imports all of them from one folder, as ``bundle import
   FOLDER`` and the app do (``import_bundles_skipping``: one transaction, a savepoint per
   bundle); a copy of the township imports the same bundles one by one (a transaction each),
   for comparison in the same run. ``--repeat`` runs (default 3), each on fresh copies of the
   township: every run is printed, with the best and the median (the machine's speed varies
   by a quarter from run to run; the best run is the one least disturbed).

Printed per scenario: changes, export and import time, changes per second of import+merge
(``import_bundle(backup=False)``: verify the signature, decrypt, decode the payload, the
township's authority check, merge, commit), bundle bytes and bytes per change, and two size
references for the same edits: the changed rows themselves (their tracked columns as JSON lines)
compressed with zlib level 9 (the issue's target: a bundle <= 1.5x that), and SQLite's session
extension changeset (apsw: the rows' tracked columns as the register stores them, inserted or
updated in a plain SQLite copy with a session attached; raw and zlib-9). apsw is in the dev
extra on Linux; without it the changeset lines say "not measured". The backup an import takes
before merging is timed separately (not part of import+merge).

Targets: import and merge >= 10,000 changes/s. Figures are printed, never asserted.

Printed: wall time and this process's CPU time (``time.process_time``; the steadier figure on a
shared, loaded machine), and for the 10,000-children scenarios the ratio to the village's own bulk
import of the same children measured in the same run (the baseline). For before/after figures,
run the same script with the earlier code first: ``PYTHONPATH=<git archive of the earlier
src> .venv/bin/python bench/bench_sync.py``.

See ``bench/README.md`` ("bench_sync.py") for the figures, where the time goes and the floor.

Usage: ``.venv/bin/python bench/bench_sync.py [--children N] [--villages V] [--per-village K] [--repeat R]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from carebook.model.children import Child
from carebook.model.db import backup_database
from carebook.model.jsonvalues import to_json_value
from carebook.sync.exchange import SyncSite, export_bundles, import_bundle, import_bundles_skipping
from carebook.sync.merge import columns_of
from sync_world import PASSPHRASE, SyncWorld, build_world


def _rows_reference(site: SyncSite, entities: list[str]) -> int:
    """zlib-9 size of every row of ``entities`` (tracked columns, JSON lines)."""
    lines = []
    with site.register.reading() as session:
        for entity in entities:
            info = columns_of(entity)
            for row in session.execute(select(info.table)):
                lines.append(json.dumps({k: to_json_value(row._mapping[k]) for k in info.tracked},
                                        ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    return len(zlib.compress("\n".join(lines).encode(), 9))


class _ChangesetReference:
    """SQLite's session extension (apsw) as a size reference: the changeset of the same edits on
    a plain SQLite copy of the tracked columns (values as the register stores them). ``None``
    when apsw is not installed: the bench then skips it."""

    def __init__(self) -> None:
        import apsw

        self.apsw = apsw
        self.db = apsw.Connection(":memory:")
        self.created: set[str] = set()

    @staticmethod
    def available() -> bool:
        """Whether apsw imports here."""
        try:
            import apsw  # noqa: F401
        except ImportError:
            return False
        return True

    def _rows(self, site: SyncSite, entity: str) -> tuple[list[str], list[tuple[object, ...]]]:
        info = columns_of(entity)
        cols = ["id", *[c for c in info.tracked if c != "id"]]
        with site.register.reading() as session:
            sql = "SELECT " + ", ".join(f'"{c}"' for c in cols) + f' FROM "{info.table.name}"'
            rows = [tuple(r) for r in session.connection().exec_driver_sql(sql)]
        if entity not in self.created:
            self.db.execute(f'CREATE TABLE "{entity}" ("id" TEXT PRIMARY KEY, '
                            + ", ".join(f'"{c}"' for c in cols[1:]) + ")")
            self.created.add(entity)
        return cols, rows

    def load(self, site: SyncSite, entities: list[str]) -> None:
        """Copy the rows of ``entities`` without recording them (the state before an edit)."""
        for entity in entities:
            cols, rows = self._rows(site, entity)
            self.db.executemany(f'INSERT INTO "{entity}" VALUES ({", ".join("?" for _ in cols)})', rows)

    def inserts(self, site: SyncSite, entities: list[str]) -> tuple[int, int]:
        """Changeset bytes (raw, zlib-9) of inserting the rows of ``entities``."""
        session = self.apsw.Session(self.db, "main")
        session.attach()
        self.load(site, entities)
        data = session.changeset()
        session.close()
        return len(data), len(zlib.compress(data, 9))

    def updates(self, site: SyncSite, entity: str, column: str) -> tuple[int, int]:
        """Changeset bytes (raw, zlib-9) of setting ``column`` of every row of ``entity`` to the
        site's current value."""
        with site.register.reading() as session:
            values = list(session.connection().exec_driver_sql(f'SELECT "{column}", "id" FROM "{entity}"'))
        session_ = self.apsw.Session(self.db, "main")
        session_.attach()
        self.db.executemany(f'UPDATE "{entity}" SET "{column}" = ? WHERE "id" = ?', [tuple(v) for v in values])
        data = session_.changeset()
        session_.close()
        return len(data), len(zlib.compress(data, 9))


def _changeset_text(size: tuple[int, int] | None, n: int, bundle: int) -> str:
    if size is None:
        return "SQLite session changeset (apsw): not measured, apsw is not installed"
    raw, packed = size
    return (f"SQLite session changeset (apsw) of the same edits: {raw:,} B raw, {packed:,} B zlib-9 "
            f"= {packed / n:.1f} B/change; bundle/changeset(zlib-9) = {bundle / packed:.2f}")


def _child_field_reference(site: SyncSite) -> int:
    """zlib-9 size of (id, notes) of every child: the rows an update of one field changes."""
    with site.register.reading() as session:
        text = "\n".join(f"{i},{n}" for i, n in session.execute(select(Child.id, Child.notes)))
    return len(zlib.compress(text.encode(), 9))


class _Timer:
    """Wall time (``perf_counter``) and this process's CPU time (``process_time``) of a block:
    on a shared, loaded machine the CPU time is the steadier figure."""

    def __enter__(self) -> _Timer:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0

    def text(self, n: int) -> str:
        return (f"{self.wall:.2f} s wall ({n / self.wall:,.0f}/s), {self.cpu:.2f} s CPU "
                f"({n / self.cpu:,.0f}/s)")


def _exchange(world: SyncWorld, village: SyncSite, label: str, reference: int,
              baseline: _Timer | None = None, changeset: tuple[int, int] | None = None) -> None:
    folder = world.stick / label
    folder.mkdir()
    with _Timer() as exp:
        result = export_bundles(village, folder)[0]
    with _Timer() as imp:
        imported = import_bundle(world.township, result.paths, backup=False)
    back = world.stick / f"{label}-back"
    back.mkdir()
    for returned in export_bundles(world.township, back):  # acknowledgements go back to the village
        import_bundle(village, returned.paths, backup=False)
    n = result.changes
    print(f"{label}: {n} changes; export {exp.text(n)}; import+merge {imp.text(n)}; "
          f"bundle {result.size:,} B = {result.size / n:.1f} B/change; "
          f"rows zlib-9 {reference:,} B; bundle/rows = {result.size / reference:.2f}; "
          f"applied {imported.merge.applied}, inserted {imported.merge.inserted}, updated {imported.merge.updated}")
    print(f"  {_changeset_text(changeset, n, result.size)}")
    if baseline is not None:
        print(f"  import+merge / the village's bulk import of the same children (same run): "
              f"wall {imp.wall / baseline.wall:.2f}x, CPU {imp.cpu / baseline.cpu:.2f}x")


def main() -> None:
    """Run the scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--per-village", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the village-bundles scenario, each on a fresh copy of the township")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp), 1)
        try:
            village = world.villages[0]
            with _Timer() as bulk:
                ids = world.import_ledger(village, args.children, seed=1)
            print(f"baseline: ledger of {len(ids)} children imported at the village (model bulk path): "
                  f"{bulk.text(len(ids))} children")
            entities = ["child", "family_member", "visit"]
            reference = _ChangesetReference() if _ChangesetReference.available() else None
            ledger_cs = reference.inserts(village, entities) if reference else None
            _exchange(world, village, "ledger", _rows_reference(village, entities), bulk, ledger_cs)
            with _Timer() as backup:
                backup_database(world.township.db, Path(tmp) / "before-import.db")
            print(f"backup an import takes first (not in import+merge above), township of {len(ids)} children: "
                  f"{backup.wall:.2f} s wall, {backup.cpu:.2f} s CPU, "
                  f"{(Path(tmp) / 'before-import.db').stat().st_size:,} B")
            with village.register.writing() as session:
                for child in session.scalars(select(Child)):
                    child.notes = f"{child.name}：已核实"
            field_cs = reference.updates(village, "child", "notes") if reference else None
            _exchange(world, village, "one-field-each", _child_field_reference(village), bulk, field_cs)
        finally:
            world.close()
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp), args.villages)
        try:
            per_child = 4
            bundles = []
            sizes = 0
            cs_sizes: list[tuple[int, int]] = []
            children = 0
            for i, village in enumerate(world.villages):
                children += len(world.import_ledger(village, max(1, args.per_village // per_child), seed=100 + i))
                if _ChangesetReference.available():
                    cs_sizes.append(_ChangesetReference().inserts(village, ["child", "family_member", "visit"]))
                folder = world.stick / f"v{i}"
                folder.mkdir()
                result = export_bundles(village, folder)[0]
                bundles.append(result)
                sizes += result.size
            total = sum(b.changes for b in bundles)
            # copies of the township before any import: each run imports the stick as `bundle
            # import FOLDER` does (one transaction, a savepoint per bundle) into one copy, and the
            # same bundles one by one (a transaction each, 30 commands) into another
            world.township.close()
            pristine = Path(tmp) / "township"
            files = [p for b in bundles for p in b.paths]
            folder_runs: list[_Timer] = []
            each_runs: list[_Timer] = []
            for run in range(args.repeat):
                for kind, runs in (("folder", folder_runs), ("each", each_runs)):
                    copy_dir = Path(tmp) / f"township-{kind}-{run}"
                    shutil.copytree(pristine, copy_dir)
                    site = SyncSite.open(copy_dir, passphrase=PASSPHRASE)
                    try:
                        with _Timer() as timer:
                            if kind == "folder":
                                outcome = import_bundles_skipping(site, files, backup=False, keep_going=True)
                                assert sum(r.merge.applied for r in outcome.results) == total
                                assert not outcome.refused
                            else:
                                for b in bundles:
                                    import_bundle(site, b.paths, backup=False)
                    finally:
                        site.close()
                    runs.append(timer)
                    shutil.rmtree(copy_dir)
            world.township = SyncSite.open(pristine, passphrase=PASSPHRASE)
            best = min(folder_runs, key=lambda t: t.wall)
            best_each = min(each_runs, key=lambda t: t.wall)
            print(f"{len(bundles)} village bundles: {total} changes imported from one folder, best of {args.repeat}: "
                  f"{best.text(total)}; {sizes:,} B = {sizes / total:.1f} B/change")
            print(f"  every run, folder: {', '.join(f'{total / t.wall:,.0f}/s' for t in folder_runs)}; "
                  f"median {total / statistics.median(t.wall for t in folder_runs):,.0f}/s")
            print(f"  the same bundles one by one (a transaction each), best of {args.repeat}: "
                  f"{best_each.text(total)}; every run: {', '.join(f'{total / t.wall:,.0f}/s' for t in each_runs)}; "
                  f"folder / one by one (best): {best.wall / best_each.wall:.2f}x wall")
            bulk_per_child = bulk.wall / len(ids)  # the village's bulk import, first scenario of this run
            print(f"  folder import (best) / the village's bulk import of as many children ({children}, at the "
                  f"baseline's rate of this run): {best.wall / (children * bulk_per_child):.2f}x wall")
            summed = (sum(c[0] for c in cs_sizes), sum(c[1] for c in cs_sizes)) if cs_sizes else None
            print(f"  {_changeset_text(summed, total, sizes)} (one changeset per village)")
        finally:
            world.close()


if __name__ == "__main__":
    main()

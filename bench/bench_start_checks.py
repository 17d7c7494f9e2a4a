"""Benchmark of the desktop's start-up protection work: how long the start-up work takes: the
damage check (``PRAGMA quick_check`` on its own connection) and the daily backup, which the
desktop runs on a thread of its own at the first start of a day
(:func:`carebook.model.backups.daily_backup`: SQLite backup API, verified with
``quick_check``, key file, rotation) on encrypted registers of village and township size.

Baseline in the same run: a plain file copy of the same database (``shutil.copyfile``), the
least any backup costs on this disk. Figures are medians of ``--repeat`` runs, printed, never
asserted.

Usage: ``.venv/bin/python bench/bench_start_checks.py [--children N ...] [--repeat R]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CAREBOOK_KEYRING", "off")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ui_start import PASSPHRASE, build_register
from carebook.model.backups import daily_backup
from carebook.model.integrity import quick_diagnosis
from carebook.model.keys import unlock_keystore
from carebook.model.paths import DataPaths


def _median_ms(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(n: int, repeat: int) -> None:
    """Build a register of ``n`` children and print the figures."""
    with tempfile.TemporaryDirectory(prefix="carebook-bench-start-") as tmp:
        data = Path(tmp) / "data"
        start = time.perf_counter()
        reg = build_register(data, n)
        reg.close()
        built = time.perf_counter() - start
        paths = DataPaths(data)
        keystore = unlock_keystore(paths, passphrase=PASSPHRASE)
        size_mb = paths.database.stat().st_size / 1e6
        check_ms = _median_ms(lambda: quick_diagnosis(paths, keystore.database_key), repeat)
        counter = {"i": 0}

        def backup() -> None:
            counter["i"] += 1
            now = dt.datetime.now(dt.UTC) + dt.timedelta(days=counter["i"])  # a new day each run
            daily_backup(paths, keystore, now=now)

        backup_ms = _median_ms(backup, repeat)
        copy_ms = _median_ms(lambda: shutil.copyfile(paths.database, Path(tmp) / "copy.db"), repeat)
        print(f"{n:>7} children  {size_mb:7.1f} MB  (built in {built:.0f} s)")
        print(f"        damage check (quick_check)   {check_ms:8.0f} ms")
        print(f"        daily backup (verified)      {backup_ms:8.0f} ms")
        print(f"        start-up work (own thread)   {check_ms + backup_ms:8.0f} ms (first start of a day)")
        print(f"        baseline: plain file copy    {copy_ms:8.0f} ms  (backup / copy = {backup_ms / copy_ms:.1f}x)")
        shutil.rmtree(paths.backups, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for n in args.children:
        run(n, args.repeat)


if __name__ == "__main__":
    main()

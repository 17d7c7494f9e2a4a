"""Instructions an import of village bundles costs, counted by valgrind: a measure of the import's
work that does not move with the machine's speed (on a shared VM the wall-clock rate of the same
code drifted 1.7x within an hour, so two wall-clock runs of different code compare poorly).

One world is built (``--villages`` villages, each exporting one bundle of about ``--per-village``
changes, as ``bench_sync.py`` scenario 3), then for each source tree given (``--src``, default
this checkout's ``src``; e.g. ``git worktree add /tmp/base <rev>`` and ``--src /tmp/base/src
--src src``) the import is run under ``valgrind --tool=cachegrind --cache-sim=no`` twice: the
whole import of the folder into a copy of the township (``import_bundles_skipping``, as ``bundle
import FOLDER`` does), and everything but the import (start-up, opening the register). The
difference is the import's instruction count; printed per change and against the first tree.

Instruction counts are not time: under valgrind OpenSSL takes its plain code paths (SHA-256 runs
without the CPU's SHA instructions and counts several times what it costs natively), and memory
stalls are not counted. They rank changes to Python and SQL code reliably: the same code gives
the same count to within 0.1%.

Needs valgrind (Debian ``valgrind``); each tree takes about two minutes per run, the two runs of
a tree in parallel. Figures: ``bench/README.md`` (``bench_sync.py`` section, fifth session).

Usage: ``.venv/bin/python bench/bench_sync_instructions.py [--villages V] [--per-village K] [--src PATH ...]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]


def _build(folder: Path, villages: int, per_village: int) -> int:
    """The world in ``folder`` (``township`` kept before any import, bundles listed in
    ``files.txt``); returns the number of changes the bundles carry."""
    sys.path.insert(0, str(ROOT / "tests"))
    from carebook.sync.exchange import export_bundles
    from sync_world import build_world

    world = build_world(folder, villages)
    files: list[str] = []
    total = 0
    try:
        for i, village in enumerate(world.villages):
            world.import_ledger(village, max(1, per_village // 4), seed=100 + i)
            out = world.stick / f"v{i}"
            out.mkdir()
            result = export_bundles(village, out)[0]
            files += [str(p) for p in result.paths]
            total += result.changes
    finally:
        world.close()
    (folder / "files.txt").write_text("\n".join(files), encoding="utf-8")
    return total


def _run_import(folder: Path, copy: Path, import_too: bool) -> None:
    """Open a copy of the township (and import the bundles): the process valgrind counts."""
    sys.path.insert(0, str(ROOT / "tests"))
    from carebook.model.pinyin import search_key
    from carebook.sync.exchange import SyncSite, import_bundles_skipping
    from sync_world import PASSPHRASE

    search_key("张三丰")  # pypinyin's dictionaries, loaded once per process, out of the count
    shutil.copytree(folder / "township", copy)
    site = SyncSite.open(copy, passphrase=PASSPHRASE)
    try:
        if import_too:
            files = [Path(p) for p in (folder / "files.txt").read_text(encoding="utf-8").split("\n")]
            outcome = import_bundles_skipping(site, files, backup=False, keep_going=True)
            assert not outcome.refused
    finally:
        site.close()
        shutil.rmtree(copy)


def _count(src: Path, folder: Path, label: str, import_too: bool) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(src), "CAREBOOK_KEYRING": "off"}
    args = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
            sys.executable, str(HERE), "--child", str(folder), str(folder / f"copy-{label}")]
    if import_too:
        args.append("--import")
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _instructions(process: subprocess.Popen[str]) -> int:
    _out, err = process.communicate()
    match = re.search(r"I\s+refs:\s+([\d,]+)", err)
    if process.returncode != 0 or match is None:
        raise SystemExit(f"valgrind run failed:\n{err[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main() -> None:
    """Build the world, count each tree's import, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--per-village", type=int, default=1_000)
    parser.add_argument("--src", type=Path, action="append", help="a source tree (its src folder); repeatable")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--import", dest="import_too", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_import(args.child[0], args.child[1], args.import_too)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt install valgrind)")
    trees = [p.resolve() for p in (args.src or [ROOT / "src"])]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        total = _build(folder, args.villages, args.per_village)
        print(f"{args.villages} village bundles, {total} changes; instructions of the import (valgrind cachegrind):")
        first: int | None = None
        for n, src in enumerate(trees):
            runs = [_count(src, folder, f"{n}-{kind}", kind == "import") for kind in ("import", "setup")]
            whole, setup = (_instructions(p) for p in runs)
            cost = whole - setup
            first = first or cost
            print(f"  {src}: {cost / 1e9:.3f} G instructions = {cost / total:,.0f} per change "
                  f"({cost / first:.3f} of the first tree; whole run {whole / 1e9:.2f} G, start-up {setup / 1e9:.2f} G)")


if __name__ == "__main__":
    main()

"""Benchmark: cold start of the desktop app to a ready main window (issue 9), from source and
from the built app.

Creates a demo workspace (``carebook demo --no-open``, synthetic people) in a temporary
folder, then starts a new process each run, offscreen, with the OS keyring off::

    CAREBOOK_EXIT_WHEN_READY=1 carebook --data-dir DEMO

The app prints ``carebook-ready <unix time>`` once the main window shows the register's first
rows and the status bar is filled (:mod:`carebook.ui.ready_probe`) and quits. **Ready** is that
time minus the time just before the process was started: interpreter start, imports, opening
the encrypted register (key derivation included: the demo has no keyring, so its passphrase is
stretched with scrypt on every start, as on a PC without a keyring) and the first page.

Runs: from source (``python -m carebook``), and from ``installer/dist/carebook/carebook`` when
it exists (``bash installer/build-linux.sh``). Baselines in the same run: ``python -c pass``
and ``python -c "import PySide6.QtWidgets"``. Medians of ``--runs`` runs (the first run of each
is also shown: the file cache may still be cold for it). Target (issue 9): ready <= 1.5 s.
Figures are printed, never asserted.

Usage: ``.venv/bin/python bench/bench_cold_start.py [--runs 7] [--children 300] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "installer" / "dist" / "carebook" / "carebook"
TARGET_S = 1.5


def environment(home: Path) -> dict[str, str]:
    """Offscreen, no keyring (demo passphrase), no user preferences from the real home."""
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "CAREBOOK_KEYRING": "off",
        "CAREBOOK_PASSPHRASE": "carebook-demo",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
    })
    env.pop("CAREBOOK_DATA_DIR", None)
    # An installed Python keeps compiled bytecode; without it every start compiles the
    # carebook modules again (about 0.4 s here). The built app carries its bytecode.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_process(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Wall seconds from just before starting ``cmd`` until it exits (must exit 0)."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_ready(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds to the ready line, seconds until the process exited) for one app start."""
    env = dict(env, CAREBOOK_EXIT_WHEN_READY="1")
    start_wall = time.time()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    lines = [x for x in proc.stdout.splitlines() if x.startswith("carebook-ready ")]
    if not lines:
        raise SystemExit(f"no ready line from {cmd[0]}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return float(lines[-1].split()[1]) - start_wall, total


def summary(label: str, values: list[float], target: float | None = None) -> str:
    """One line: median, first, min and max in milliseconds, and the verdict against ``target``."""
    med = statistics.median(values)
    verdict = ""
    if target is not None:
        verdict = f"  <= {target:.1f} s OK" if med <= target else f"  > {target:.1f} s MISSED"
    return (f"  {label:<40} median {med * 1000:7.0f} ms  (first {values[0] * 1000:.0f}, "
            f"min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}){verdict}")


def scrypt_seconds(runs: int) -> list[float]:
    """Seconds of one passphrase stretch with Carebook's scrypt parameters (``model.keys``):
    part of every start without a keyring, absent where the OS keyring holds the key."""
    from carebook.model import keys

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        keys._scrypt("carebook-demo", b"0123456789abcdef", keys.SCRYPT_N, keys.SCRYPT_R, keys.SCRYPT_P)
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="starts per variant (default 7)")
    parser.add_argument("--children", type=int, default=300, help="children in the demo workspace (default 300)")
    parser.add_argument("--built-only", action="store_true", help="time the built app only (not from source)")
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        home = base / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = environment(home)
        demo = base / "demo"
        source = [sys.executable, "-m", "carebook"]
        subprocess.run([*source, "--data-dir", str(demo), "demo", "--no-open", "--children", str(args.children)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"cold start to a ready main window: demo workspace of {args.children} children, offscreen, "
              f"{args.runs} runs each, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

        print("baselines")
        print(summary("python -c pass", [time_process([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]))
        print(summary('python -c "import PySide6.QtWidgets"',
                      [time_process([sys.executable, "-c", "import PySide6.QtWidgets"], env)
                       for _ in range(args.runs)]))
        print(summary("scrypt passphrase stretch (in ready below)", scrypt_seconds(args.runs)))
        print(summary("carebook --help (source)",
                      [time_process([*source, "--help"], env) for _ in range(args.runs)]))

        variants = [] if args.built_only else [("from source (python -m carebook)", source)]
        if BUILT.exists():
            variants.append(("built app (installer/dist)", [str(BUILT)]))
        else:
            print(f"  (no built app at {BUILT}: run bash installer/build-linux.sh to time it too)")
        for label, cmd in variants:
            ready, total = [], []
            for _ in range(args.runs):
                r, t = time_ready([*cmd, "--data-dir", str(demo)], env)
                ready.append(r)
                total.append(t)
            print(label)
            print(summary("ready main window", ready, TARGET_S))
            print(summary("process start to exit", total))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

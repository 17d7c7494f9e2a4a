"""Benchmark of the township tools in the desktop app at 30 villages and 15,000 children: the
duplicate review page's refresh (重复档案: click to list filled), the township ledger export
(导出乡镇台账, the background task from start to the file written) and the roster PDF (花名册),
with the overview page's refresh (issue 6's 1 s target) measured in the same run as baseline.

The duplicate list is shown after ``find_duplicates`` alone; the villages offered for a transfer
are read by a second task afterwards (they need the overview query).

Builds the township register of ``bench/bench_overview.py`` (real SQLCipher file, bulk import,
visits, reports, referrals, entrustments), opens the main window offscreen at 1024x768 and
times each step through the app's own worker. Figures are printed, never asserted.

Measured here (Linux, 2 cores, offscreen, load 7-10 from other work), 30 villages / 15,000
children: overview refresh 577 ms (baseline); duplicate review click to list shown 1,480 ms
(find_duplicates 1,323 ms, filling 147 ms, 55 pairs), villages for transfers 473 ms after it;
ledger export 87 s (4.9 MB); roster PDF of every open file 212 s.

Usage: ``.venv/bin/python bench/bench_township_tools_ui.py [--villages 30] [--children 15000]
[--repeats 3] [--no-roster]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_overview import PASSPHRASE, TODAY, build
from carebook.model import keys
from carebook.model.db import create_database
from carebook.model.register import Register


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


def main(argv: list[str] | None = None) -> int:
    """Build, open the window, time the steps; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--children", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-roster", action="store_true", help="skip the roster PDF (slow at 15,000 rows)")
    args = parser.parse_args(argv)
    keys.SCRYPT_N = 2**14
    from PySide6.QtCore import QSize

    from carebook.ui.app import make_application, make_context
    from carebook.ui.main_window import MainWindow
    from carebook.ui.township import duplicates, exports

    with tempfile.TemporaryDirectory(prefix="carebook-bench-township-tools-") as tmp:
        data_dir = Path(tmp) / "township"
        db = create_database(data_dir, passphrase=PASSPHRASE, use_keyring=False)
        reg = Register(db.sessionmaker, data_dir=data_dir, today=lambda: TODAY, close=db.close)
        try:
            built = build(reg, args.villages, args.children)
            print(f"built {args.villages} villages, {args.children} children in {built:.1f} s")
            make_application()
            ctx = make_context(reg, Path(tmp) / "ui")
            window = MainWindow(ctx)
            window.resize(QSize(1024, 768))
            window.show()
            pages = {code: window.page_by_code(code) for code in ("overview", "duplicates")}
            overview_times, duplicate_times, queries, fills, exports_s = [], [], [], [], []
            view = None
            shown: list[float] = []
            dup_page = pages["duplicates"]
            assert dup_page is not None
            original_show = dup_page.show_view  # type: ignore[attr-defined]

            def timed_show(v: object) -> None:
                original_show(v)
                shown.append(time.perf_counter())

            dup_page.show_view = timed_show  # type: ignore[attr-defined]
            list_times: list[float] = []
            for code, times in (("overview", overview_times), ("duplicates", duplicate_times)):
                page = pages[code]
                assert page is not None
                window.show_page(window.pages.index(page))
                ctx.tasks.wait_idle(300)
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    page.refresh_button.click()  # type: ignore[attr-defined]
                    ctx.tasks.wait_idle(300)
                    times.append(time.perf_counter() - start)
                    if code == "duplicates":
                        list_times.append(shown[-1] - start)
            villages_s = []
            for _ in range(args.repeats):
                q0 = time.perf_counter()
                view = ctx.tasks.run_sync(lambda t: duplicates.load_duplicates(reg), 300)
                queries.append(time.perf_counter() - q0)
                v0 = time.perf_counter()
                ctx.tasks.run_sync(lambda t: duplicates.load_villages(reg), 300)
                villages_s.append(time.perf_counter() - v0)
                f0 = time.perf_counter()
                dup_page.show_view(view)  # type: ignore[union-attr]
                fills.append(time.perf_counter() - f0)
            for i in range(args.repeats):
                out = Path(tmp) / f"ledger{i}.xlsx"
                e0 = time.perf_counter()
                result = ctx.tasks.run_sync(lambda t, out=out: exports.export_township_ledger(reg, out, t), 600)
                exports_s.append(time.perf_counter() - e0)
            print(f"baseline: overview page refresh (click to filled): {_ms(overview_times)} median of "
                  f"{args.repeats} (target <= 1000 ms)")
            print(f"duplicate review refresh (click to list shown):   {_ms(list_times)} median of "
                  f"{args.repeats}; {len(view.candidates) if view else 0} pairs; villages read after it, "
                  f"click to idle {_ms(duplicate_times)}")
            print(f"  worker find_duplicates: {_ms(queries)}; villages (overview query): {_ms(villages_s)}; "
                  f"GUI filling: {_ms(fills)}")
            print(f"township ledger export ({result.children} children, "
                  f"{Path(result.path).stat().st_size / 1e6:.1f} MB): {_ms(exports_s)} median of {args.repeats}")
            if not args.no_roster:
                r0 = time.perf_counter()
                pdf = ctx.tasks.run_sync(lambda t: exports.render_roster(reg), 1200)
                print(f"roster PDF of the open files: {(time.perf_counter() - r0):.1f} s, "
                      f"{len(pdf) / 1e6:.1f} MB")
            window.close()
            ctx.tasks.shutdown()
        finally:
            reg.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

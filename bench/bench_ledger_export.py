"""Benchmark of the township ledger export (乡镇台账 ``.xlsx``) at 30 villages and 15,000 children:
the workbook written by :func:`carebook.documents.township_ledger_xlsx.build_township_ledger`
(openpyxl write-only mode) against the same cells written in openpyxl's normal mode (the writer
this module replaced, kept here as the baseline), in the same run.

Builds the township register of ``bench/bench_overview.py`` (real SQLCipher file, bulk import of
synthetic children, visits, reports, referrals, entrustments), reads the ledger rows and the
overview once, then times building and saving the workbook both ways (median of ``--repeats``).
With ``--compare`` it re-reads both files and checks that every sheet has the same cells (value,
number format, bold), merged ranges, column widths and frozen panes. Figures are printed, never
asserted.

Usage: ``.venv/bin/python bench/bench_ledger_export.py [--villages 30] [--children 15000]
[--repeats 3] [--compare]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from bench_overview import PASSPHRASE, TODAY, build
from carebook.documents import township_ledger_xlsx as tl
from carebook.documents.xlsx_out import BORDER, HEAD_FILL, HEAD_FONT, save_workbook
from carebook.model import keys
from carebook.model.db import create_database
from carebook.model.enums import Category
from carebook.model.queries.overview import TownshipOverview, township_overview
from carebook.model.register import Register

# -- baseline: the normal-mode writer as it was before the write-only change --------------------


def _title_rows(ws: Any, title: str, subtitle: str, width: int) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(row=2, column=1, value=subtitle)
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def _heading_row(ws: Any, row: int, headings: tuple[str, ...], widths: list[float]) -> None:
    from openpyxl.utils import get_column_letter

    for col, text in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _normal_sheet(ws: Any, title: str, subtitle: str, rows: list[tl.LedgerRow], *, status: bool) -> None:
    heads = tl.COLUMNS + (tl.STATUS_COLUMNS if status else ())
    _title_rows(ws, title, subtitle, len(heads))
    _heading_row(ws, tl.HEADING_ROW, heads, [tl._WIDTHS.get(h, 11) for h in heads])
    for i, r in enumerate(rows, start=1):
        line: list[object] = [i, *r.values]
        if status:
            line += ["已销档" if r.closed else "在册", r.closed_on, r.closed_reason]
        for col, value in enumerate(line, start=1):
            cell = ws.cell(row=tl.HEADING_ROW + i, column=col, value=value if value is not None else "")
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif col == 6 or heads[col - 1] in ("监护人身份证号", "父亲电话", "母亲电话", "监护人电话"):
                cell.number_format = "@"


def normal_mode_ledger(rows: list[tl.LedgerRow], township: str, issued_on: dt.date,
                       overview: TownshipOverview) -> Workbook:
    """The ledger workbook built cell by cell in openpyxl's normal mode (the old writer)."""
    wb = Workbook()
    ws = wb.active
    ws.title = tl.ALL_SHEET
    sub = f"填报单位（盖章）：{township}　　填报日期：{issued_on.year}年{issued_on.month}月{issued_on.day}日"
    _normal_sheet(ws, f"{township}农村留守儿童和困境儿童信息台账（全部儿童）", sub, rows, status=True)
    for category in Category:
        chosen = [r for r in rows if not r.closed and category.code in r.categories]
        _normal_sheet(wb.create_sheet(tl.category_sheet_name(category)), f"{township}{category.zh}信息台账", sub,
                      chosen, status=False)
    ws = wb.create_sheet(tl.STATISTICS_SHEET)
    heads = ("村（居）", *tl.STATISTICS_COLUMNS)
    _title_rows(ws, f"{township}农村留守儿童和困境儿童统计表（在册）", sub, len(heads))
    _heading_row(ws, tl.HEADING_ROW, heads, [12, *[9] * (len(heads) - 1)])
    for i, v in enumerate([*overview.villages, overview.totals], start=tl.HEADING_ROW + 1):
        values: list[object] = [
            v.name, v.children, v.by_sex.get("1", 0), v.by_sex.get("2", 0), v.by_age_band["0-5"],
            v.by_age_band["6-13"], v.by_age_band["14-17"], *(v.by_category[c.code] for c in Category),
            v.visits_this_month, v.overdue, v.open_reports, v.open_referrals, v.entrustments_missing,
            v.entrustments_expiring, v.entrustments_expired,
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row=i, column=col, value=value)
    return wb


# -- comparison -------------------------------------------------------------------------------


def compare(a: Path, b: Path) -> list[str]:
    """Differences between two ledger files (cells: value, number format, bold; merged ranges,
    column widths, frozen panes), at most 10; empty when they hold the same."""
    wa, wb = load_workbook(a), load_workbook(b)
    diffs: list[str] = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} != {wb.sheetnames}"]
    for name in wa.sheetnames:
        x, y = wa[name], wb[name]
        if (x.max_row, x.max_column) != (y.max_row, y.max_column):
            diffs.append(f"{name}: size {(x.max_row, x.max_column)} != {(y.max_row, y.max_column)}")
        if {str(r) for r in x.merged_cells.ranges} != {str(r) for r in y.merged_cells.ranges}:
            diffs.append(f"{name}: merged cells differ")
        if x.freeze_panes != y.freeze_panes:
            diffs.append(f"{name}: frozen panes {x.freeze_panes} != {y.freeze_panes}")
        wx = {k: d.width for k, d in x.column_dimensions.items()}
        wy = {k: d.width for k, d in y.column_dimensions.items()}
        if wx != wy:
            diffs.append(f"{name}: column widths {wx} != {wy}")
        for rx, ry in zip(x.iter_rows(), y.iter_rows(), strict=False):
            for cx, cy in zip(rx, ry, strict=False):
                if (cx.value, cx.number_format, cx.font.b, cx.fill.fgColor.rgb, cx.alignment.horizontal) != \
                        (cy.value, cy.number_format, cy.font.b, cy.fill.fgColor.rgb, cy.alignment.horizontal):
                    diffs.append(f"{name}!{cx.coordinate}: {cx.value!r} {cx.number_format} != "
                                 f"{cy.value!r} {cy.number_format}")
                    if len(diffs) >= 10:
                        return diffs
    return diffs


def main(argv: list[str] | None = None) -> int:
    """Build the register, time both writers, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--children", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compare", action="store_true", help="re-read both files and compare them")
    args = parser.parse_args(argv)
    keys.SCRYPT_N = 2**14
    with tempfile.TemporaryDirectory(prefix="carebook-bench-ledger-") as tmp:
        data_dir = Path(tmp) / "township"
        db = create_database(data_dir, passphrase=PASSPHRASE, use_keyring=False)
        reg = Register(db.sessionmaker, data_dir=data_dir, today=lambda: TODAY, close=db.close)
        try:
            built = build(reg, args.villages, args.children)
            print(f"built {args.villages} villages, {args.children} children in {built:.1f} s")
            r0 = time.perf_counter()
            rows = reg.read(tl.ledger_rows, today=TODAY)
            overview = reg.read(township_overview, today=TODAY)
            print(f"ledger rows and overview read: {time.perf_counter() - r0:.1f} s ({len(rows)} rows)")
        finally:
            reg.close()
        old_s, new_s = [], []
        old_path, new_path = Path(tmp) / "normal.xlsx", Path(tmp) / "write_only.xlsx"
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            save_workbook(normal_mode_ledger(rows, "幸福镇", TODAY, overview), old_path)
            old_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            save_workbook(tl.build_township_ledger(rows, township="幸福镇", issued_on=TODAY, overview=overview),
                          new_path)
            new_s.append(time.perf_counter() - t0)
        old_m, new_m = statistics.median(old_s), statistics.median(new_s)
        print(f"baseline: normal mode, build + save: {old_m:7.1f} s median of {args.repeats} "
              f"({old_path.stat().st_size / 1e6:.1f} MB)")
        print(f"write-only mode, build + save:       {new_m:7.1f} s median of {args.repeats} "
              f"({new_path.stat().st_size / 1e6:.1f} MB); {old_m / new_m:.1f}x faster")
        if args.compare:
            diffs = compare(old_path, new_path)
            print("compare: same cells, formats, merges, widths, panes" if not diffs else
                  "compare: DIFFERENT\n  " + "\n  ".join(diffs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

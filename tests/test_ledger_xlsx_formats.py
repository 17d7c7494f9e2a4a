"""The township ledger and allowance workbooks, written in openpyxl's write-only mode, keep the
layout of the old cell-by-cell writer: merged title lines, styled headings, column widths,
frozen panes, dates as ``yyyy-mm-dd`` and ID numbers and phones as text (read back with
openpyxl from real files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from carebook.documents.allowance_xlsx import write_allowance_xlsx
from carebook.documents.township_ledger_xlsx import (
    ALL_SHEET,
    COLUMNS,
    HEADING_ROW,
    STATUS_COLUMNS,
    write_township_ledger,
)
from carebook.model.allowances import StaffPeriod, compute_allowances
from carebook.model.enums import StaffRole
from carebook.model.register import Register
from township_data import build_township


def test_ledger_layout_and_formats(register: Register, today: dt.date, tmp_path: Path) -> None:
    build_township(register, today, villages=2, children=40, seed=4)
    with register.reading() as s:
        path, rows = write_township_ledger(s, tmp_path / "台账.xlsx", township="幸福镇", today=today)
    ws = load_workbook(path)[ALL_SHEET]
    heads = list(COLUMNS + STATUS_COLUMNS)
    width = len(heads)
    last = get_column_letter(width)
    assert {str(r) for r in ws.merged_cells.ranges} == {f"A1:{last}1", f"A2:{last}2"}
    assert ws.freeze_panes == f"A{HEADING_ROW + 1}"
    assert ws["A1"].font.b and ws["A1"].font.sz == 14 and ws["A1"].alignment.horizontal == "center"
    head = ws[HEADING_ROW]
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("DDEBF7") and c.border.left.style == "thin" for c in head)
    assert ws.column_dimensions["F"].width == 21 and ws.column_dimensions["J"].width == 30  # 身份证号, 现住址
    col = {h: i for i, h in enumerate(heads)}
    data = list(ws.iter_rows(min_row=HEADING_ROW + 1))
    assert len(data) == len(rows) == 40
    for line in data:
        born = line[col["出生日期"]]
        assert isinstance(born.value, dt.datetime) and born.number_format == "yyyy-mm-dd"
        for h in ("身份证号", "父亲电话", "母亲电话", "监护人电话", "监护人身份证号"):
            assert line[col[h]].number_format == "@"
        assert line[col["序号"]].number_format == "General"
    visited = [line[col["最近走访日期"]] for line in data if line[col["最近走访日期"]].value]
    assert visited and all(c.number_format == "yyyy-mm-dd" for c in visited)


def test_allowance_totals_bold_and_money_format(tmp_path: Path) -> None:
    staff = [StaffPeriod("a", "新主任", StaffRole.CHILD_DIRECTOR, dt.date(2021, 6, 16), None)]
    ledger = compute_allowances(staff, (2021, 1), (2021, 12))
    wb = load_workbook(write_allowance_xlsx(ledger, tmp_path / "补贴.xlsx", unit_name="幸福镇"))
    ws = wb["个人汇总"]
    total = ws[ws.max_row]
    assert total[0].value == "合计" and total[0].font.b and total[9].value == ledger.people[0].months
    assert total[11].number_format == "#,##0.00" and float(total[11].value) == float(ledger.total)
    assert ws.freeze_panes == "A4" and ws.column_dimensions["E"].width == 21
    notes = wb["说明"]
    assert notes["A1"].font.b and notes.column_dimensions["B"].width == 90 and notes.freeze_panes is None

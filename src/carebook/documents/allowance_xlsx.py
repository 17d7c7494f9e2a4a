"""The allowance ledger (岗位补贴发放台账) as an ``.xlsx`` workbook.

Sheets, each with a title (row 1), a unit and period line (row 2), headings on row
:data:`HEADING_ROW` and a 合计 (total) row at the bottom:

* ``个人汇总`` — per person: role, unit, ID number, appointment and end dates, first and last
  paid month, months, monthly amount, total and each payer's share;
* ``月度汇总`` — per month: people paid, total and shares;
* ``承担方汇总`` — per payer: weight and amount;
* ``明细`` — one row per person and month (no total row);
* ``说明`` — the settings and the counting rule (source: 陕西咸人社民发〔2020〕56号, see
  :mod:`carebook.model.allowances`).

Amounts are numbers (yuan, two decimals), so the workbook adds up in Excel.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from carebook.documents.xlsx_out import (
    BOLD,
    MONEY,
    new_workbook,
    save_workbook,
    set_widths,
    sheet_heading,
    styled,
    text_safe,
)
from carebook.model.allowances import AllowanceLedger
from carebook.model.enums import StaffRole

HEADING_ROW = 3
TITLE = "儿童督导员和儿童主任岗位补贴发放台账"
SHEETS = ("个人汇总", "月度汇总", "承担方汇总", "明细", "说明")


def _role(code: str) -> str:
    return StaffRole(code).zh


def _money(ws: Any, values: list[Decimal]) -> list[Any]:
    return [styled(ws, value, number_format=MONEY) for value in values]


def _total(ws: Any) -> Any:
    return styled(ws, "合计", font=BOLD)


def build_allowance_workbook(
    ledger: AllowanceLedger, *, unit_name: str = "", issued_on: dt.date | None = None
) -> Workbook:
    """The workbook of ``ledger`` (see the module docstring); ``unit_name`` is printed on row 2.

    The workbook is write-only (:func:`carebook.documents.xlsx_out.new_workbook`): it can be
    saved once and not read back."""
    issued_on = issued_on or dt.date.today()
    payer_heads = [f"{p.zh}承担（元）" for p in ledger.payers]
    period = f"{ledger.from_month} 至 {ledger.to_month}"
    subtitle = f"填报单位：{unit_name}　　期间：{period}　　填报日期：{issued_on.isoformat()}"
    wb = new_workbook()
    ws = wb.create_sheet(SHEETS[0])
    heads = [
        "序号",
        "姓名",
        "岗位",
        "所在村（居）或乡镇",
        "身份证号",
        "任职日期",
        "离任日期",
        "起始月份",
        "截止月份",
        "月数",
        "月补贴标准（元）",
        "补贴合计（元）",
        *payer_heads,
    ]
    sheet_heading(ws, TITLE, subtitle, heads, [6, 10, 11, 18, 21, 12, 12, 10, 10, 6, 14, 14, *[14] * len(payer_heads)])
    for i, p in enumerate(ledger.people, start=1):
        ws.append(text_safe(ws,
            [
                i,
                p.name,
                _role(p.role),
                p.unit_name,
                p.id_number or "",
                p.appointed_on.isoformat() if p.appointed_on else "",
                p.ended_on.isoformat() if p.ended_on else "",
                p.first_month or "",
                p.last_month or "",
                p.months,
                *_money(ws, [p.monthly_amount, p.amount, *p.shares]),
            ],
        ))
    ws.append(
        [_total(ws), *[None] * 8, sum(p.months for p in ledger.people), None,
         *_money(ws, [ledger.total, *ledger.total_shares])]
    )

    ws = wb.create_sheet(SHEETS[1])
    heads = ["月份", "人数", "合计（元）", *payer_heads]
    sheet_heading(ws, TITLE + "（月度汇总）", subtitle, heads, [10, 8, 14, *[14] * len(payer_heads)])
    for m in ledger.months:
        ws.append([m.month, m.people, *_money(ws, [m.amount, *m.shares])])
    ws.append([_total(ws), sum(m.people for m in ledger.months), *_money(ws, [ledger.total, *ledger.total_shares])])

    ws = wb.create_sheet(SHEETS[2])
    heads = ["承担方", "分担比例", "金额（元）"]
    sheet_heading(ws, TITLE + "（承担方汇总）", subtitle, heads, [14, 10, 14])
    weights = ":".join(str(p.weight.normalize()) for p in ledger.payers)
    for payer, amount in zip(ledger.payers, ledger.total_shares, strict=True):
        ws.append([payer.zh, f"{payer.weight.normalize()}（{weights}）", *_money(ws, [amount])])
    ws.append([_total(ws), None, *_money(ws, [ledger.total])])

    ws = wb.create_sheet(SHEETS[3])
    heads = ["月份", "姓名", "岗位", "所在村（居）或乡镇", "金额（元）", *payer_heads]
    sheet_heading(ws, TITLE + "（明细）", subtitle, heads, [10, 10, 11, 18, 12, *[14] * len(payer_heads)])
    for line in sorted(ledger.lines, key=lambda x: x.month):
        ws.append(text_safe(ws, [line.month, line.name, _role(line.role), line.unit_name,
                                 *_money(ws, [line.amount, *line.shares])]))

    ws = wb.create_sheet(SHEETS[4])
    s = ledger.settings
    rule = (
        "任职当月起计发" if s.start_rule == "appointment_month" else "任职次月起计发（每月1日任职的当月起）"
    )
    notes = [
        (
            "依据",
            "陕西咸人社民发〔2020〕56号：儿童督导员每人每月100元，儿童主任每人每月200元，新区与新城按35:65分担；"
            "2020年1月以前已配备的从2020年1月起计算，2020年1月后新增或人员调整的从任职起计算。",
        ),
        ("儿童督导员月补贴（元）", s.supervisor_monthly),
        ("儿童主任月补贴（元）", s.director_monthly),
        ("分担比例", "；".join(f"{p.zh} {p.weight.normalize()}" for p in s.payers)),
        ("起算月份", f"{s.scheme_start}（此前已任职的从该月起计算）"),
        ("起算规则", rule),
        ("离任当月", "计发" if s.pay_end_month else "不计发（离任日为月末的除外）"),
        ("计算方法", "按整月计算，不按天折算；分担金额按比例计算到分，四舍五入，尾差计入最后一个承担方。"),
    ]
    if ledger.undated:
        notes.append(
            ("未计算", "以下人员缺少任职日期，未计算补贴：" + "、".join(n for _, n in ledger.undated))
        )
    set_widths(ws, [24, 90])
    for key, value in notes:
        ws.append([styled(ws, key, font=BOLD), value])
    return wb


def write_allowance_xlsx(
    ledger: AllowanceLedger,
    path: str | os.PathLike[str],
    *,
    unit_name: str = "",
    issued_on: dt.date | None = None,
) -> Path:
    """Write the allowance ledger to ``path`` (atomically) and return the path.

    Raises:
        CarebookError: the file cannot be written (see :func:`carebook.documents.xlsx_out.save_workbook`).
    """
    return save_workbook(build_allowance_workbook(ledger, unit_name=unit_name, issued_on=issued_on), path)

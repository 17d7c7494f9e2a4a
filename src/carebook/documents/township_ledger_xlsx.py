"""The township ledger (乡镇（街道）农村留守儿童和困境儿童信息台账) as an ``.xlsx`` workbook.

Column order: the columns of the village ledger heading in ``shared/samples/village-ledger-sample.xlsx``
(序号, 姓名, 性别, 民族, 身份证号, 出生日期, 儿童类别, 户籍性质, 现住址, 就学情况, 学校名称, 健康状况, the
father's and mother's name, situation, place of work and phone, 实际监护人, 与儿童关系, 监护人电话,
监护人身份证号, 是否签订委托监护确认书, 最近走访日期, 备注), taken as the model of the national survey's
order, with 村（居） inserted after 序号 because a township ledger spans villages. Every heading
is one the ledger import (:mod:`carebook.documents.ledger_columns`) recognises except 村（居）
and the status columns, so a sheet can be read back by ``carebook ledger import``.

Sheets (title on row 1, unit and date on row 2, headings on row :data:`HEADING_ROW`):

* ``全部儿童`` (all children) — every child record of the register exactly once, open files
  first, then closed ones, with three more columns: 档案状态 (在册 / 已销档), 销档日期, 销档原因;
* one sheet per category (农村留守儿童, 困境儿童, 事实无人抚养儿童, 散居孤儿, 重点儿童), in the policy's
  order — the open files in that category, so a child in two categories is on both category
  sheets (and once on ``全部儿童``); an open file in no category is only on ``全部儿童``;
* ``统计表`` (statistics) — per village and in total, the open files by sex, age band and
  category, visits this month, overdue, open reports and referrals, entrustments missing,
  expiring and expired (the numbers of :mod:`carebook.model.queries.overview`).

Rows are sorted by village code, then name, then ID number.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.documents.xlsx_out import (
    DATE,
    TEXT,
    new_workbook,
    save_workbook,
    sheet_heading,
    styled,
    text_safe,
)
from carebook.model.children import Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.enums import Category, EntrustmentStatus, Relation
from carebook.model.ethnic import ethnic_group_name
from carebook.model.organisation import OrgUnit
from carebook.model.queries.overview import TownshipOverview, township_overview

HEADING_ROW = 3
ALL_SHEET = "全部儿童"
STATISTICS_SHEET = "统计表"
#: Headings of every sheet, in order (see the module docstring for the source of the order).
COLUMNS: tuple[str, ...] = (
    "序号",
    "村（居）",
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "儿童类别",
    "户籍性质",
    "现住址",
    "就学情况",
    "学校名称",
    "健康状况",
    "父亲姓名",
    "父亲状况",
    "父亲务工地",
    "父亲电话",
    "母亲姓名",
    "母亲状况",
    "母亲务工地",
    "母亲电话",
    "实际监护人",
    "与儿童关系",
    "监护人电话",
    "监护人身份证号",
    "是否签订委托监护确认书",
    "最近走访日期",
    "备注",
)
#: Extra headings of the 全部儿童 sheet.
STATUS_COLUMNS: tuple[str, ...] = ("档案状态", "销档日期", "销档原因")
_WIDTHS = {
    "序号": 6,
    "村（居）": 12,
    "姓名": 10,
    "性别": 6,
    "民族": 8,
    "身份证号": 21,
    "出生日期": 12,
    "儿童类别": 22,
    "现住址": 30,
    "学校名称": 18,
    "是否签订委托监护确认书": 12,
    "最近走访日期": 12,
    "备注": 20,
}


def category_sheet_name(category: Category) -> str:
    """The sheet of a category: its Chinese name (农村留守儿童, …)."""
    return category.zh


@dataclass(frozen=True)
class LedgerRow:
    """One child as the ledger prints it: ``values`` aligned with :data:`COLUMNS` minus 序号
    (texts, dates as ``date``), the category codes, and the status columns."""

    child_id: str
    village_code: str
    values: tuple[object, ...]
    categories: tuple[str, ...]
    closed: bool
    closed_on: dt.date | None
    closed_reason: str


def _zh(value: object) -> str:
    return str(getattr(value, "zh", "")) if value is not None else ""


def ledger_rows(session: Session, *, today: dt.date | None = None) -> list[LedgerRow]:
    """Every child of the register as a :class:`LedgerRow`, sorted by village code, name and ID
    number (open and closed; see the module docstring)."""
    today = today or dt.date.today()
    units = {u.id: (u.code, u.name) for u in session.scalars(select(OrgUnit))}
    members: dict[str, dict[str, FamilyMember]] = defaultdict(dict)
    for member in session.scalars(
        select(FamilyMember).order_by(FamilyMember.child_id, FamilyMember.relation, FamilyMember.id)
    ):
        if member.is_entrusted_guardian:
            members[member.child_id].setdefault("guardian", member)
        elif member.relation is Relation.FATHER:
            members[member.child_id].setdefault("father", member)
        elif member.relation is Relation.MOTHER:
            members[member.child_id].setdefault("mother", member)
    signed = set(
        session.scalars(
            select(Entrustment.child_id).where(
                Entrustment.status == EntrustmentStatus.SIGNED, Entrustment.period_to >= today
            )
        )
    )
    rows: list[LedgerRow] = []
    for c in session.scalars(select(Child)):
        code, village = units.get(c.village_id, ("", ""))
        fam = members.get(c.id, {})
        f, m, g = fam.get("father"), fam.get("mother"), fam.get("guardian")
        cats = tuple(c.categories or ())
        values: tuple[object, ...] = (
            village,
            c.name,
            _zh(c.sex),
            ethnic_group_name(c.ethnic_group),
            c.id_number or "",
            c.date_of_birth,
            "、".join(Category(x).zh for x in cats),
            _zh(c.registration_type),
            c.current_address or "",
            _zh(c.schooling_stage),
            c.school_name or "",
            _zh(c.health_status),
            f.name if f else "",
            _zh(f.status) if f else "",
            (f.work_place or "") if f else "",
            (f.phone or "") if f else "",
            m.name if m else "",
            _zh(m.status) if m else "",
            (m.work_place or "") if m else "",
            (m.phone or "") if m else "",
            (g.name or "") if g else "",
            _zh(g.relation) if g else "",
            (g.phone or "") if g else "",
            (g.id_number or "") if g else "",
            "是" if c.id in signed else "否",
            c.last_visit_date,
            c.notes or "",
        )
        rows.append(
            LedgerRow(
                c.id, code, values, cats, c.closed_reason is not None, c.closed_on, _zh(c.closed_reason)
            )
        )
    rows.sort(key=lambda r: (r.closed, r.village_code, str(r.values[1]), str(r.values[4])))
    return rows


#: Columns written as text (Excel's ``@`` format), so long digit strings stay as typed.
_TEXT_COLUMNS = frozenset({"身份证号", "监护人身份证号", "父亲电话", "母亲电话", "监护人电话"})


def _write_sheet(ws: Any, title: str, subtitle: str, rows: list[LedgerRow], *, status: bool) -> None:
    """Stream ``rows`` into the empty write-only sheet ``ws`` below the title and headings.

    Formats as in Excel: dates ``yyyy-mm-dd``, the ID number and phone columns text (``@``,
    written even when empty); other empty values are left out (openpyxl reads an empty text
    cell back as ``None`` too). One formatted cell per such column is reused from row to
    row (``ws.append`` writes a row out before it returns), which keeps the writer from
    building a styled cell object for each of them."""
    heads = COLUMNS + (STATUS_COLUMNS if status else ())
    sheet_heading(ws, title, subtitle, heads, [_WIDTHS.get(h, 11) for h in heads])
    text_cells = {col: styled(ws, "", number_format=TEXT) for col, h in enumerate(heads) if h in _TEXT_COLUMNS}
    date_cells: dict[int, Any] = {}
    for i, r in enumerate(rows, start=1):
        line: list[object] = [i, *r.values]
        if status:
            line += ["已销档" if r.closed else "在册", r.closed_on, r.closed_reason]
        for col, value in enumerate(line):
            if isinstance(value, dt.date):
                cell = date_cells.get(col)
                if cell is None:
                    cell = date_cells[col] = styled(ws, value, number_format=DATE)
                cell.value = value
                line[col] = cell
            elif col in text_cells:
                cell = text_cells[col]
                cell.value = "" if value is None else value
                line[col] = cell
            elif value == "":
                line[col] = None  # left out: read back as empty, like an empty text
        ws.append(text_safe(ws, line))


#: Headings of the 统计表 sheet after 村（居）.
STATISTICS_COLUMNS: tuple[str, ...] = (
    "在册人数", "男", "女", "0-5岁", "6-13岁", "14-17岁", *(c.zh for c in Category),
    "本月走访", "逾期未访", "未结强制报告", "未结转介", "未签委托监护", "委托监护将到期", "委托监护已过期",
)


def _write_statistics(ws: Any, title: str, subtitle: str, overview: TownshipOverview) -> None:
    heads = ("村（居）", *STATISTICS_COLUMNS)
    sheet_heading(ws, title, subtitle, heads, [12, *[9] * (len(heads) - 1)])
    for v in [*overview.villages, overview.totals]:
        values: list[object] = [
            v.name, v.children, v.by_sex.get("1", 0), v.by_sex.get("2", 0), v.by_age_band["0-5"],
            v.by_age_band["6-13"], v.by_age_band["14-17"], *(v.by_category[c.code] for c in Category),
            v.visits_this_month, v.overdue, v.open_reports, v.open_referrals, v.entrustments_missing,
            v.entrustments_expiring, v.entrustments_expired,
        ]
        ws.append(values)


def build_township_ledger(
    rows: list[LedgerRow],
    *,
    township: str = "",
    issued_on: dt.date | None = None,
    overview: TownshipOverview | None = None,
) -> Workbook:
    """The workbook of ``rows`` (see the module docstring), with a last sheet ``统计表`` of the
    ``overview`` numbers per village (open files) when it is given.

    The workbook is write-only (:func:`carebook.documents.xlsx_out.new_workbook`): its rows
    are already streamed to temporary files, it can be saved once and not read back."""
    issued_on = issued_on or dt.date.today()
    wb = new_workbook()
    ws = wb.create_sheet(ALL_SHEET)
    subtitle_of = (
        f"填报单位（盖章）：{township}　　填报日期：{issued_on.year}年{issued_on.month}月{issued_on.day}日"
    )
    _write_sheet(ws, f"{township}农村留守儿童和困境儿童信息台账（全部儿童）", subtitle_of, rows, status=True)
    for category in Category:
        chosen = [r for r in rows if not r.closed and category.code in r.categories]
        sheet = wb.create_sheet(category_sheet_name(category))
        _write_sheet(sheet, f"{township}{category.zh}信息台账", subtitle_of, chosen, status=False)
    if overview is not None:
        _write_statistics(wb.create_sheet(STATISTICS_SHEET), f"{township}农村留守儿童和困境儿童统计表（在册）",
                          subtitle_of, overview)
    return wb


def write_township_ledger(
    session: Session,
    path: str | os.PathLike[str],
    *,
    township: str = "",
    today: dt.date | None = None,
) -> tuple[Path, list[LedgerRow]]:
    """Write the township ledger of the register to ``path`` (atomically), with the 统计表
    sheet of :func:`~carebook.model.queries.overview.township_overview`; returns the path and
    the rows written.

    Raises:
        CarebookError: the file cannot be written.
    """
    today = today or dt.date.today()
    rows = ledger_rows(session, today=today)
    overview = township_overview(session, today=today)
    workbook = build_township_ledger(rows, township=township, issued_on=today, overview=overview)
    return save_workbook(workbook, path), rows

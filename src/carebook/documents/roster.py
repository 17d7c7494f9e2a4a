"""The township roster (乡镇（街道）花名册): A4 landscape, one row per child.

The header row is repeated at the top of every page (``repeatRows``), the title only on the
first. Dates print as ``YYYY-MM-DD`` to keep columns narrow.
"""

from __future__ import annotations

import datetime as dt
import os

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import RosterData
from carebook.documents.pdf_base import STYLES, XIAO_WU, Layout, fmt_date, grid, render, write_pdf

#: (header, fraction of the width) of each column, in print order.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 0.036),
    ("村（居）", 0.068),
    ("姓名", 0.065),
    ("性别", 0.034),
    ("出生日期", 0.075),
    ("公民身份号码", 0.142),
    ("儿童类别", 0.082),
    ("监护人", 0.095),
    ("联系电话", 0.090),
    ("住址", 0.133),
    ("最近走访", 0.075),
    ("风险", 0.040),
    ("备注", 0.065),
)


def _iso(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def build_story(data: RosterData, fonts: FontSet, width: float) -> list[Flowable]:
    """Title, unit line, and the table with its header row repeated on every page."""
    cell = STYLES.cell.but(size=XIAO_WU, leading=XIAO_WU * 1.3)
    head = STYLES.label.but(size=XIAO_WU, leading=XIAO_WU * 1.3, bold=True)
    centre = cell.but(align="center")
    rows: list[list[object]] = [[CJKText(h, head, fonts) for h, _ in COLUMNS]]
    for i, r in enumerate(data.rows, start=1):
        values = (
            str(i),
            r.village,
            r.name,
            r.sex,
            _iso(r.date_of_birth),
            r.id_number,
            r.categories,
            r.guardian,
            r.guardian_phone,
            r.address,
            _iso(r.last_visit),
            r.risk_colour,
            r.note,
        )
        rows.append([CJKText(v, centre if k in (0, 3, 11) else cell, fonts) for k, v in enumerate(values)])
    unit = (
        f"填报单位：{data.township}　　填报日期：{fmt_date(data.ref.issued_on, '')}　　共 {len(data.rows)} 人"
    )
    return [
        CJKText(f"{data.township}{data.title}", STYLES.title, fonts),
        CJKText(unit, STYLES.cell.but(align="center"), fonts),
        Spacer(1, 2 * mm),
        grid(rows, [f for _, f in COLUMNS], width=width, header_rows=1, repeat_rows=1, padding=2.5),
        Spacer(1, 3 * mm),
        CJKText(f"制表人：{data.prepared_by}", STYLES.cell, fonts),
    ]


def render_roster(data: RosterData, fonts: FontSet | None = None, *, layout: Layout | None = None) -> bytes:
    """Render the roster (A4 landscape, as many pages as needed) as PDF bytes.

    Raises:
        FontError, MissingGlyphError: no usable font or a character no font has.
    """
    return render(
        data.ref,
        f"{data.township}{data.title}",
        lambda fs, w, h: build_story(data, fs, w),
        fonts=fonts,
        layout=layout,
        landscape_page=True,
        header_note="内部资料　注意保密",
    )


def write_roster(data: RosterData, path: str | os.PathLike[str], fonts: FontSet | None = None) -> None:
    """Render and write the roster atomically to ``path``."""
    write_pdf(path, render_roster(data, fonts))

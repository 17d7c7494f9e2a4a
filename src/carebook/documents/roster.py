"""The township roster (乡镇（街道）花名册): A4 landscape, one row per child.

The header row is repeated at the top of every page (``repeatRows``), the title only on the
first. Dates print as ``YYYY-MM-DD`` to keep columns narrow.

A township's roster runs to thousands of rows. reportlab splits a table at each page by building
a new table of every remaining row and measuring all of them again, so one table of N rows costs
O(N²) (6,000 rows: 17 s, against 2.5 s for 2,000). The rows are therefore laid out a page at a
time (:class:`PagedRows`): each page measures at most :data:`PAGE_CHUNK` rows.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

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


#: Rows measured per page when a roster is split: more than a landscape A4 page holds (about 40
#: one-line rows at 小五; ~19 of the usual two-line rows).
PAGE_CHUNK = 45


class PagedRows(Flowable):  # type: ignore[misc]
    """A long table laid out one page at a time.

    ``head``: the header row(s), repeated at the top of every page; ``rows``: the body rows
    (more than :data:`PAGE_CHUNK`); ``make``: builds a ruled table from header and body rows
    (header rows first). On each page only the next :data:`PAGE_CHUNK` rows are put into a
    table and split there; the rest becomes the next :class:`PagedRows` (or, once
    :data:`PAGE_CHUNK` rows or fewer remain, a plain table). The printed result is the one the
    whole table would give: the same rows per page, the header on every page.
    """

    def __init__(self, head: Sequence[list[object]], rows: Sequence[list[object]],
                 make: Callable[[list[list[object]]], Table], footer: Sequence[Flowable] = ()) -> None:
        super().__init__()
        self.head = list(head)
        self.rows = list(rows)
        self.make = make
        self.footer = list(footer)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # Always taller than the space left: the frame splits it (more rows than a page holds).
        self.width = availWidth
        self.height = availHeight + 1
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """The rows that fit ``availHeight`` (points) as a table, then the rest; ``[]`` when not
        even one row fits (the frame moves to the next page)."""
        chunk = self.make([*self.head, *self.rows[:PAGE_CHUNK]])
        chunk.wrap(availWidth, availHeight)
        # reportlab's own split rule (Table._splitRows): the rows, header included, that fit.
        taken = chunk._getFirstPossibleSplitRowPosition(availHeight) - len(self.head)
        if taken <= 0:
            return []
        rest = self.rows[taken:]
        page = self.make([*self.head, *self.rows[:taken]])
        if len(rest) <= PAGE_CHUNK:
            return [page, TailRows(self.head, rest, self.make, self.footer)]
        return [page, PagedRows(self.head, rest, self.make, self.footer)]

    def draw(self) -> None:
        """Never drawn itself: :meth:`wrap` always asks for a split."""


#: Rows that always go to the page of what follows the table (制表人), so it never stands alone.
KEEP_WITH_FOOTER = 2


class TailRows(Flowable):  # type: ignore[misc]
    """The last rows of the table (at most :data:`PAGE_CHUNK`) with what follows it
    (``footer``: the 制表人 line): split between pages so that at least
    :data:`KEEP_WITH_FOOTER` rows go with the footer (QA: a roster's last page held only
    "制表人：", cut off from its table)."""

    def __init__(self, head: Sequence[list[object]], rows: Sequence[list[object]],
                 make: Callable[[list[list[object]]], Table], footer: Sequence[Flowable]) -> None:
        super().__init__()
        self.head = list(head)
        self.rows = list(rows)
        self.make = make
        self.footer = list(footer)
        self._table: Table | None = None
        self._heights: list[float] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._table = self.make([*self.head, *self.rows])
        _w, table_h = self._table.wrap(availWidth, availHeight)
        self._heights = [f.wrap(availWidth, availHeight)[1] + f.getSpaceBefore() + f.getSpaceAfter()
                         for f in self.footer]
        self.width, self.height = availWidth, table_h + sum(self._heights)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        """All of it when it fits; else the rows that fit (leaving at least
        :data:`KEEP_WITH_FOOTER` for the next page), then the rest with the footer; ``[]`` when
        no row can go on this page."""
        self.wrap(availWidth, availHeight)
        table = self._table
        assert table is not None
        if self.height <= availHeight:
            return [table, *self.footer]
        taken = table._getFirstPossibleSplitRowPosition(availHeight) - len(self.head)
        taken = min(taken, len(self.rows) - KEEP_WITH_FOOTER)
        if taken <= 0:
            return []
        return [self.make([*self.head, *self.rows[:taken]]),
                TailRows(self.head, self.rows[taken:], self.make, self.footer)]

    def draw(self) -> None:
        """The table, then the footer below it (when the whole fits the frame)."""
        if self._table is None:
            return
        y = self.height - self._table._height
        self._table.drawOn(self.canv, 0, y)
        for flowable, height in zip(self.footer, self._heights, strict=True):
            y -= height
            flowable.drawOn(self.canv, 0, y + flowable.getSpaceAfter())


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

    def make(cells: list[list[object]]) -> Table:
        return grid(cells, [f for _, f in COLUMNS], width=width, header_rows=1, repeat_rows=1, padding=2.5)

    footer: list[Flowable] = [Spacer(1, 3 * mm), CJKText(f"制表人：{data.prepared_by}", STYLES.cell, fonts)]
    body: Flowable = (TailRows(rows[:1], rows[1:], make, footer) if len(rows) - 1 <= PAGE_CHUNK
                      else PagedRows(rows[:1], rows[1:], make, footer))
    return [
        CJKText(f"{data.township}{data.title}", STYLES.title, fonts),
        CJKText(unit, STYLES.cell.but(align="center"), fonts),
        Spacer(1, 2 * mm),
        body,
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

"""The child file cover and summary (一人一档案：封面及基本情况表).

Page 1 is the cover of the paper file kept for each child (DOMAIN.md "One file per child"): file
number, name, village, township, category, date opened, child director. The following page(s)
summarise the file: identity, parents, grandparents, entrusted guardian, guardianship, health,
income and assistance, service plan, entrustment status and recent visits.
"""

from __future__ import annotations

import os

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from carebook.documents.blocks import SIX, child_table, people_table
from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import ChildFileData
from carebook.documents.pdf_base import (
    CELL_PADDING,
    STYLES,
    Cells,
    Layout,
    checkbox,
    fmt_date,
    grid,
    render,
    text_chunks,
    write_pdf,
)

TITLE = "一人一档案"
SUBTITLE = "农村留守儿童和困境儿童档案"


def _cover(data: ChildFileData, cells: Cells, width: float) -> list[Flowable]:
    st, fonts = cells.st, cells.fonts
    c = data.child
    big = st.cell.but(size=st.heading.size + 2, leading=(st.heading.size + 2) * 1.5)
    big_label = big.but(align="center")
    rows = [
        ("档案编号", data.file_number),
        ("儿童姓名", c.name),
        ("公民身份号码", c.id_number),
        ("儿童类别", "、".join(c.categories)),
        ("所在县（市、区）", c.county),
        ("所在乡镇（街道）", c.township),
        ("所在村（居）", c.village),
        ("建档日期", fmt_date(data.opened_on, "")),
        ("儿童主任", data.child_director),
    ]
    table = grid(
        [[CJKText(k, big_label, fonts), CJKText(v, big, fonts)] for k, v in rows],
        [0.34, 0.66],
        width=width * 0.8,
        label_cells=[(0, i) for i in range(len(rows))],
        padding=7.0,
    )
    return [
        Spacer(1, 35 * mm),
        CJKText(TITLE, st.title.but(size=36, leading=50), fonts),
        CJKText(SUBTITLE, st.subtitle.but(size=20, leading=30, bold=True), fonts),
        Spacer(1, 25 * mm),
        table,
        Spacer(1, 30 * mm),
        CJKText("内部资料　注意保密", st.subtitle.but(size=st.heading.size), fonts),
        PageBreak(),
    ]


def _summary(data: ChildFileData, cells: Cells, width: float) -> list[Flowable]:
    st, fonts = cells.st, cells.fonts
    t, lab = cells.t, cells.lab
    head = st.heading

    numbers = iter("一二三四五六七八九十")

    def section(title: str) -> str:
        """The next section heading, numbered in order (no number skipped when a section is
        left out, e.g. no grandparents: QA)."""
        return f"{next(numbers)}、{title}"

    story: list[Flowable] = [CJKText("儿童基本情况表", st.title, fonts), Spacer(1, 2 * mm)]
    story += [CJKText(section("基本信息"), head, fonts), child_table(cells, data.child, width)]
    story += [CJKText(section("父母情况"), head, fonts), people_table(cells, data.parents, width)]
    if data.grandparents:
        rows: list[list[object]] = [[lab("称谓"), lab("姓名"), lab("出生日期"), lab("健康状况")]]
        for p in data.grandparents:
            rows.append([lab(p.relation), t(p.name), t(fmt_date(p.date_of_birth, "")), t(p.health)])
        story += [
            CJKText(section("祖父母、外祖父母"), head, fonts),
            grid(rows, [0.15, 0.25, 0.3, 0.3], width=width, header_rows=1),
        ]
    g = data.guardian
    story.append(CJKText(section("监护情况"), head, fonts))
    rows = [
        [
            lab("共同生活人"),
            t(data.lives_with),
            lab("监护评估"),
            t(data.guardianship_assessment),
            lab("风险等级"),
            t(data.risk_colour),
        ],
        [
            lab("受委托监护人"),
            t(f"{g.name}（{g.relation}）" if g else ""),
            lab("联系电话"),
            t(g.phone if g else ""),
            lab("重点儿童"),
            t(f"{checkbox(fonts, data.key_child)}是　{checkbox(fonts, not data.key_child)}否"),
        ],
        [lab("身份号码"), t(g.id_number if g else ""), "", "", "", ""],
        [lab("委托确认书"), t(data.entrustment_status), "", "", "", ""],
        [lab("健康状况"), t(data.health), "", "", lab("残疾情况"), t(data.disability)],
    ]
    story.append(
        grid(
            rows,
            SIX,
            width=width,
            label_cells=[(0, 0), (2, 0), (4, 0), (0, 1), (2, 1), (4, 1), (0, 2), (0, 3), (0, 4), (4, 4)],
            spans=[((1, 2), (5, 2)), ((1, 3), (5, 3)), ((1, 4), (3, 4))],
        )
    )

    story.append(CJKText(section("家庭收入与救助帮扶"), head, fonts))
    rows = [[lab("家庭收入来源"), t("、".join(data.income_sources)), ""]]
    rows.append([lab("救助帮扶项目"), lab("起始时间"), lab("金额")])
    for a in data.assistance:
        rows.append([t(a.kind), t(a.since), t(a.amount)])
    if not data.assistance:
        rows.append([t("无"), t(""), t("")])
    story.append(
        grid(
            rows,
            [0.3, 0.3, 0.4],
            width=width,
            label_cells=[(0, 0), (0, 1), (1, 1), (2, 1)],
            spans=[((1, 0), (2, 0))],
        )
    )

    pieces = text_chunks(data.service_plan, st.cell, fonts, width - 2 * CELL_PADDING, min_lines=3)
    plan = grid([[p] for p in pieces], [1.0], width=width, joined=[(0, len(pieces) - 1)])
    story.append(KeepTogether([CJKText(section("关爱服务计划"), head, fonts), plan]))
    rows = [[lab("走访日期"), lab("走访人"), lab("情况摘要")]]
    for day, who, what in data.recent_visits:
        rows.append([t(fmt_date(day, "")), t(who), t(what)])
    if not data.recent_visits:
        rows.append([t("暂无"), t(""), t("")])
    table = grid(rows, [0.2, 0.2, 0.6], width=width, header_rows=1, repeat_rows=1)
    story.append(KeepTogether([CJKText(section("近期走访"), head, fonts), table]))
    story += [Spacer(1, 4 * mm), CJKText(f"建档人（儿童主任）：{data.child_director}", st.cell, fonts)]
    return story


def build_story(data: ChildFileData, fonts: FontSet, width: float) -> list[Flowable]:
    """Cover page, then the summary (which may run over several pages)."""
    cells = Cells(fonts, STYLES)
    return _cover(data, cells, width) + _summary(data, cells, width)


def render_child_file(
    data: ChildFileData, fonts: FontSet | None = None, *, layout: Layout | None = None
) -> bytes:
    """Render the child file cover and summary as PDF bytes.

    Raises:
        FontError, MissingGlyphError: no usable font or a character no font has.
    """
    return render(
        data.ref,
        f"{TITLE} {data.child.name}",
        lambda fs, w, h: build_story(data, fs, w),
        fonts=fonts,
        layout=layout,
        header_note=" ".join(x for x in (data.child.township, data.child.village) if x),
    )


def write_child_file(data: ChildFileData, path: str | os.PathLike[str], fonts: FontSet | None = None) -> None:
    """Render and write the child file atomically to ``path``."""
    write_pdf(path, render_child_file(data, fonts))

"""The entrustment-guardianship confirmation (委托监护确认书), one A4 page per copy.

Content (DOMAIN.md; Minors Protection Law of the PRC, 2020 revision, arts. 22–23): the child; the
entrusting parent(s) with ID numbers, phones and where they work; the entrusted guardian with ID
number, phone, address and relationship; the reason; the period; the duties of each side; the
guardian's declaration of not being excluded by art. 22; signature and date blocks for each
parent, the guardian and the child director; the village committee's seal area. Three copies,
each on its own page and marked: parents, guardian, village committee. Each page's QR code holds
the document id, child id and record version.
"""

from __future__ import annotations

import os

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepInFrame, PageBreak, Spacer

from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import EntrustmentFormData, EntrustmentReason
from carebook.documents.pdf_base import (
    Cells,
    Layout,
    PageInfo,
    SetPageInfo,
    SharedBody,
    Styles,
    checkbox,
    fit_to_height,
    fmt_date,
    grid,
    render,
    write_pdf,
)

TITLE = "委托监护确认书"

#: The copies, in print order: (code, printed mark).
COPIES: tuple[tuple[str, str], ...] = (
    ("parents", "第一联 委托人（父母）留存"),
    ("guardian", "第二联 受委托监护人留存"),
    ("village", "第三联 村（居）民委员会留存"),
)

PARENT_DUTIES = (
    "1. 委托期间仍依法履行监护职责，父母的法定监护责任不因委托而免除；",
    "2. 每周至少与儿童联系和交流一次（电话、视频等），了解其生活、学习、心理等情况，给予亲情关爱；",
    "3. 按时承担儿童生活、教育、医疗等费用；",
    "4. 将委托照护情况书面告知儿童所在学校（幼儿园）和村（居）民委员会；联系方式、务工地点等变化时，"
    "及时告知受委托监护人和村（居）民委员会；",
    "5. 接到受委托监护人、学校、村（居）民委员会关于儿童心理、行为异常的通知后，及时采取干预措施。",
)

GUARDIAN_DUTIES = (
    "1. 照料儿童日常生活，保障儿童人身和财产安全，预防溺水、交通、用电、用火等意外伤害；",
    "2. 督促儿童按时入学，保障其接受并完成义务教育，不得让其辍学或外出务工；",
    "3. 关注儿童身体和心理健康，儿童患病时及时就医；",
    "4. 儿童的学习、健康、安全等情况发生重大变化，或发现儿童受到侵害、走失时，立即告知父母和村（居）民"
    "委员会，必要时报警；",
    "5. 不得虐待、遗弃、体罚儿童，不得让儿童独自居住或无人看护；配合儿童主任入户走访。",
)

VILLAGE_DUTIES = "村（居）民委员会（儿童主任）定期入户走访，发现监护缺失或者监护不当的，依法报告并转介。"

DECLARATION = (
    "本人自愿接受委托，具有完全民事行为能力和照护能力，并确认不存在《中华人民共和国未成年人保护法》"
    "第二十二条规定的下列情形：（一）曾实施性侵害、虐待、遗弃、拐卖、暴力伤害等违法犯罪行为；"
    "（二）有吸毒、酗酒、赌博等恶习；（三）曾拒不履行或者长期怠于履行监护、照护职责；"
    "（四）其他不适宜担任被委托人的情形。如有不实，本人愿承担相应法律责任。"
)

CLOSING_NOTE = "本确认书一式三份，委托人、受委托监护人、村（居）民委员会各执一份，自各方签字之日起生效。"


def _copy_story(data: EntrustmentFormData, cells: Cells, width: float, mark: str) -> list[Flowable]:
    st, fonts = cells.st, cells.fonts
    t, lab = cells.t, cells.lab
    section = st.heading
    duty = st.small.but(align="justify", size=st.small.size * 1.05, leading=st.small.size * 1.5)
    c = data.child
    g = data.guardian
    story: list[Flowable] = [
        CJKText(TITLE, st.title, fonts),
        CJKText(mark, st.subtitle.but(size=st.cell.size, leading=st.cell.size * 1.4), fonts),  # [1]
        Spacer(1, 0.5 * mm),
    ]

    # 一、被监护儿童
    story.append(CJKText("一、被监护儿童", section, fonts))
    cw = [0.15, 0.21, 0.13, 0.13, 0.13, 0.25]
    story.append(
        grid(
            [
                [
                    lab("姓名"),
                    t(c.name),
                    lab("性别"),
                    t(c.sex),
                    lab("出生日期"),
                    t(fmt_date(c.date_of_birth)),
                ],
                [lab("公民身份号码"), t(c.id_number), "", "", lab("民族"), t(c.ethnic_group)],
                [lab("现住址"), t(c.current_address or c.registered_address), "", "", "", ""],
            ],
            cw,
            width=width,
            label_cells=[(0, 0), (2, 0), (4, 0), (0, 1), (4, 1), (0, 2)],
            spans=[((1, 1), (3, 1)), ((1, 2), (5, 2))],
        )
    )

    # 二、委托人（父母）
    story.append(CJKText("二、委托人（父母）", section, fonts))
    rows: list[list[object]] = [[lab(h) for h in ("称谓", "姓名", "公民身份号码", "联系电话", "务工地点")]]
    for p in data.parents:
        rows.append([lab(p.relation), t(p.name), t(p.id_number), t(p.phone), t(p.workplace)])
    if not data.parents:  # nobody recorded: a blank line to fill in by hand
        rows.append([t("") for _ in range(5)])
    story.append(
        grid(
            rows,
            [0.10, 0.14, 0.26, 0.17, 0.33],
            width=width,
            header_rows=1,
            label_cells=[(0, i) for i in range(1, len(rows))],
        )
    )

    # 三、受委托监护人和委托事项
    story.append(CJKText("三、受委托监护人和委托事项", section, fonts))
    reasons = "　".join(f"{checkbox(fonts, r is data.reason)}{r.zh}" for r in EntrustmentReason)
    if data.reason_note:
        reasons += f"\n说明：{data.reason_note}"
    period = f"自 {fmt_date(data.period_from)} 起至 {fmt_date(data.period_to)} 止"
    story.append(
        grid(
            [
                [lab("姓名"), t(g.name), lab("与儿童关系"), t(g.relation), lab("联系电话"), t(g.phone)],
                [lab("公民身份号码"), t(g.id_number), "", "", "", ""],
                [lab("住址"), t(g.address), "", "", "", ""],
                [lab("委托事由"), t(reasons), "", "", "", ""],
                [lab("委托期限"), t(period), "", "", "", ""],
            ],
            cw,
            width=width,
            label_cells=[(0, 0), (2, 0), (4, 0), (0, 1), (0, 2), (0, 3), (0, 4)],
            spans=[((1, r), (5, r)) for r in range(1, 5)],
        )
    )

    # 四、各方责任
    story.append(CJKText("四、各方责任", section, fonts))
    story.append(
        grid(
            [
                [lab("委托人（父母）"), lab("受委托监护人")],
                [t("\n".join(PARENT_DUTIES), duty), t("\n".join(GUARDIAN_DUTIES), duty)],
            ],
            [0.5, 0.5],
            width=width,
            header_rows=1,
        )
    )

    # 五、声明
    story.append(CJKText("五、受委托监护人声明", section, fonts))
    story.append(CJKText(DECLARATION, duty.but(first_indent=2 * duty.size), fonts))

    # 六、签字
    story.append(CJKText("六、签字确认", section, fonts))
    story.append(_signatures(data, cells, width))
    story.append(Spacer(1, 1.5 * mm))
    story.append(CJKText(VILLAGE_DUTIES + CLOSING_NOTE, st.small.but(align="justify"), fonts))
    return story


def _sign_cell(cells: Cells, who: str, name: str = "") -> CJKText:
    size = cells.st.cell.size
    hint = f"（{name}）" if name else ""
    return cells.t(f"{who}签字{hint}：\n\n日期：    年    月    日", cells.st.cell.but(leading=size * 1.65))


def _signatures(data: EntrustmentFormData, cells: Cells, width: float) -> Flowable:
    boxes: list[object] = [
        _sign_cell(cells, f"委托人（{p.relation or '父母'}）", p.name) for p in data.parents
    ] or [_sign_cell(cells, "委托人（父母）")]
    boxes.append(_sign_cell(cells, "受委托监护人", data.guardian.name))
    boxes.append(_sign_cell(cells, "儿童主任", data.child_director))
    if len(boxes) % 2:
        boxes.append("")
    rows = [boxes[i : i + 2] for i in range(0, len(boxes), 2)]
    size = cells.st.cell.size
    seal_text = f"{data.village_committee or '村（居）民委员会'}\n（盖章）\n\n\n\n    年    月    日"
    seal = cells.t(seal_text, cells.st.cell.but(align="center", leading=size * 1.6))
    for i, r in enumerate(rows):
        r.append(seal if i == 0 else "")
    return grid(
        rows,
        [0.34, 0.34, 0.32],
        width=width,
        spans=[((2, 0), (2, len(rows) - 1))] if len(rows) > 1 else [],
        padding=4.0,
    )


def build_story(data: EntrustmentFormData, fonts: FontSet, width: float, height: float) -> list[Flowable]:
    """The flowables of all three copies, each fitted to one page (smaller type if needed).

    The copies differ only in their mark (line 2): the first copy is fitted, and the other two
    reuse its laid-out flowables (drawing a wrapped flowable again is harmless), which makes a
    confirmation about twice as fast to render.
    """

    def make(st: Styles) -> list[Flowable]:
        return _copy_story(data, Cells(fonts, st), width, COPIES[0][1])

    first, styles, fits = fit_to_height(make, width, height)
    inner = first[0]._content if not fits else first  # KeepInFrame holds the list when shrunk
    mark_style = styles.subtitle.but(size=styles.cell.size, leading=styles.cell.size * 1.4)
    body = SharedBody(inner[2:])  # drawn once, shown on the three pages
    story: list[Flowable] = []
    for i, (_code, mark) in enumerate(COPIES):
        if i:
            story.append(PageBreak())
        story.append(SetPageInfo(PageInfo(copy_label=mark.split(" ", 1)[0])))
        page = [inner[0], CJKText(mark, mark_style, fonts), body]
        story += page if fits else [KeepInFrame(width, height, page, mode="shrink")]
    return story


def render_entrustment(
    data: EntrustmentFormData, fonts: FontSet | None = None, *, layout: Layout | None = None
) -> bytes:
    """Render the confirmation (three pages: parents', guardian's and village copy) as PDF bytes.

    Raises:
        FontError, MissingGlyphError: no usable font or a character no font has; nothing is
            produced.
    """
    header = data.village_committee or data.child.village
    return render(
        data.ref,
        TITLE,
        lambda fs, width, height: build_story(data, fs, width, height),
        fonts=fonts,
        layout=layout,
        header_note=header,
    )


def write_entrustment(
    data: EntrustmentFormData, path: str | os.PathLike[str], fonts: FontSet | None = None
) -> None:
    """Render and write the confirmation atomically to ``path`` (no file on error)."""
    write_pdf(path, render_entrustment(data, fonts))


__all__ = ["COPIES", "TITLE", "build_story", "render_entrustment", "write_entrustment"]

"""The home-visit record sheet (入户走访记录表), one A4 page (more when a visit's findings are long).

Blank (``data.visit is None``) for the child director to fill in by hand in the field, with the
child's identity printed; or filled from a recorded visit. Fields follow DOMAIN.md "Home visits":
date and time, place, method, visitors, person interviewed and relation, last contact with the
parents, findings (living conditions, family situation, guardianship, mental state, schooling,
health), the guardian's opinion, actions and suggested help, key-child flag, next visit date.
"""

from __future__ import annotations

import os

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from carebook.documents.blocks import SIX, child_table, signature_row
from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import VisitRecord, VisitSheetData
from carebook.documents.pdf_base import (
    CELL_PADDING,
    Cells,
    Layout,
    Styles,
    checkbox,
    fit_to_height,
    fmt_date,
    grid,
    render,
    text_chunks,
    write_pdf,
)

TITLE = "儿童入户走访记录表"

METHODS = ("入户", "电话", "学校")


def _story(data: VisitSheetData, cells: Cells, width: float) -> list[Flowable]:
    st, fonts = cells.st, cells.fonts
    t, lab = cells.t, cells.lab
    v = data.visit
    blank = v is None
    rec = v if v is not None else VisitRecord(method="")
    lines = 3 if blank else 1
    story: list[Flowable] = [
        CJKText(TITLE, st.title, fonts),
        CJKText("（空白表，现场填写）" if blank else "", st.small.but(align="center"), fonts),
        Spacer(1, 1 * mm),
        child_table(cells, data.child, width),
        Spacer(1, 2 * mm),
    ]
    g = data.guardian
    guardian = f"{g.name}（{g.relation}）" if g and g.relation else (g.name if g else "")
    away = "；".join(f"{p.relation}：{p.workplace}" for p in data.parents if p.workplace)
    methods = "　".join(f"{checkbox(fonts, rec.method == m)}{m}" for m in METHODS)
    key = rec.mark_key_child
    key_text = f"{checkbox(fonts, key is True)}是　{checkbox(fonts, key is False)}否"
    interviewee = rec.interviewee
    if rec.interviewee_relation:
        interviewee += f"（{rec.interviewee_relation}）"
    rows: list[list[object]] = [
        [lab("监护人"), t(guardian), lab("联系电话"), t(g.phone if g else ""), lab("父母务工地"), t(away)],
        [
            lab("走访时间"),
            t(fmt_date(rec.visited_at, "    年  月  日  时")),
            lab("走访方式"),
            t(methods),
            "",
            "",
        ],
        [lab("走访地点"), t(rec.place), "", "", lab("走访人"), t(rec.visitors)],
        [lab("受访人及关系"), t(interviewee), "", "", lab("最近联系父母"), t(rec.last_parent_contact)],
    ]
    spans = [((3, 1), (5, 1)), ((1, 2), (3, 2)), ((1, 3), (3, 3))]
    labels = [(0, 0), (2, 0), (4, 0), (0, 1), (2, 1), (0, 2), (4, 2), (0, 3), (4, 3)]
    findings = [
        ("居住环境", rec.living_conditions),
        ("家庭情况", rec.family_situation),
        ("监护情况", rec.guardianship),
        ("心理状况", rec.mental_state),
        ("就学情况", rec.schooling),
        ("身体健康", rec.health),
        ("监护人意见", rec.guardian_opinion),
        ("采取措施", rec.actions),
        ("帮扶建议", rec.suggested_help),
    ]
    joined: list[tuple[int, int]] = []
    inner = (1 - SIX[0]) * width - 2 * CELL_PADDING  # the findings column (spans columns 1-5)
    for name, value in findings:
        r = len(rows)
        # a long finding runs over several rows (and pages) of its own, its label in the first
        pieces = text_chunks(value, st.cell, fonts, inner, lines_per_row=6, min_lines=lines)
        for k, piece in enumerate(pieces):
            rows.append([lab(name) if k == 0 else "", piece, "", "", "", ""])
            spans.append(((1, r + k), (5, r + k)))
            labels.append((0, r + k))
        if len(pieces) > 1:
            joined.append((r, r + len(pieces) - 1))
    r = len(rows)
    rows.append(
        [lab("列为重点儿童"), t(key_text), "", "", lab("下次走访日期"), t(fmt_date(rec.next_visit_on))]
    )
    spans.append(((1, r), (3, r)))
    labels += [(0, r), (4, r)]
    story.append(grid(rows, SIX, width=width, label_cells=labels, spans=spans, joined=joined))
    story.append(Spacer(1, 3 * mm))
    story.append(signature_row(cells, ("走访人", "受访人", "儿童主任"), width))
    return story


def build_story(data: VisitSheetData, fonts: FontSet, width: float, height: float) -> list[Flowable]:
    """The sheet's flowables, fitted to one page; a visit with more text than one page holds at
    the smallest type runs over several pages at full size (never shrunk to be unreadable)."""

    def make(st: Styles) -> list[Flowable]:
        return _story(data, Cells(fonts, st), width)

    return fit_to_height(make, width, height, flow_if_too_long=True)[0]


def render_visit_sheet(
    data: VisitSheetData, fonts: FontSet | None = None, *, layout: Layout | None = None
) -> bytes:
    """Render the visit sheet (blank when ``data.visit`` is None) as PDF bytes.

    Raises:
        FontError, MissingGlyphError: no usable font or a character no font has.
    """
    return render(
        data.ref,
        TITLE,
        lambda fs, w, h: build_story(data, fs, w, h),
        fonts=fonts,
        layout=layout,
        header_note=" ".join(x for x in (data.child.township, data.child.village) if x),
    )


def write_visit_sheet(
    data: VisitSheetData, path: str | os.PathLike[str], fonts: FontSet | None = None
) -> None:
    """Render and write the visit sheet atomically to ``path``."""
    write_pdf(path, render_visit_sheet(data, fonts))

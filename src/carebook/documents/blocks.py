"""Blocks shared by several forms: the child's identity table and signature rows."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, Table

from carebook.documents.form_data import ChildSummary, PersonInfo
from carebook.documents.pdf_base import Cells, fmt_date, grid

#: Column fractions of the six-column identity tables (label, value, label, value, label, value).
SIX = (0.15, 0.19, 0.12, 0.16, 0.15, 0.23)


def child_table(cells: Cells, child: ChildSummary, width: float, *, with_school: bool = True) -> Table:
    """The child's identity: name, sex, birth date, ID number, ethnic group, address(es), school."""
    t, lab = cells.t, cells.lab
    rows: list[list[object]] = [
        [
            lab("儿童姓名"),
            t(child.name),
            lab("性别"),
            t(child.sex),
            lab("出生日期"),
            t(fmt_date(child.date_of_birth, "")),
        ],
        [lab("公民身份号码"), t(child.id_number), "", "", lab("民族"), t(child.ethnic_group)],
        [lab("儿童类别"), t("、".join(child.categories)), "", "", lab("所在村（居）"), t(child.village)],
        [lab("户籍地址"), t(child.registered_address), "", "", "", ""],
        [lab("现住址"), t(child.current_address), "", "", "", ""],
    ]
    spans = [((1, 1), (3, 1)), ((1, 2), (3, 2)), ((1, 3), (5, 3)), ((1, 4), (5, 4))]
    labels = [(0, 0), (2, 0), (4, 0), (0, 1), (4, 1), (0, 2), (4, 2), (0, 3), (0, 4)]
    if with_school:
        rows.append([lab("就学情况"), t(child.school), "", "", "", ""])
        spans.append(((1, 5), (5, 5)))
        labels.append((0, 5))
    return grid(rows, SIX, width=width, label_cells=labels, spans=spans)


def people_table(
    cells: Cells, people: Sequence[PersonInfo], width: float, *, with_workplace: bool = True
) -> Table:
    """Parents or other adults: relation, name, ID number, phone, status, where they work."""
    t, lab = cells.t, cells.lab
    heads = ["称谓", "姓名", "公民身份号码", "联系电话", "状况"]
    fractions = [0.09, 0.13, 0.25, 0.16, 0.12]
    if with_workplace:
        heads.append("务工地点")
        fractions.append(0.25)
    else:
        fractions[-1] += 0.25
    rows: list[list[object]] = [[lab(h) for h in heads]]
    for p in people:
        row: list[object] = [lab(p.relation), t(p.name), t(p.id_number), t(p.phone), t(p.status)]
        if with_workplace:
            row.append(t(p.workplace))
        rows.append(row)
    if len(rows) == 1:
        rows.append([t("") for _ in heads])
    return grid(rows, fractions, width=width, header_rows=1)


def signature_row(cells: Cells, who: Sequence[str], width: float) -> Flowable:
    """A row of signature + date boxes, one per person in ``who``."""
    size = cells.st.cell.size
    style = cells.st.cell.but(leading=size * 1.9)
    row: list[object] = [cells.t(f"{w}签字：\n\n日期：    年    月    日", style) for w in who]
    return grid([row], [1 / len(who)] * len(who), width=width, padding=5.0)

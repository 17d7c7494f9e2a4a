"""The mandatory report record (强制报告记录表).

Situations are those of the 2020 opinion on the mandatory reporting of harm to minors
(《关于建立侵害未成年人案件强制报告制度的意见（试行）》, Supreme People's Procuratorate and eight other
departments, art. 4), plus the child-director duties in DOMAIN.md. The record holds: situation(s),
child, when found and reported, reporter, receiving police station and officer, receipt or case
number, description, follow-up actions, referrals and outcome. The reporter's identity is
confidential: the form is marked as internal.
"""

from __future__ import annotations

import os

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from carebook.documents.blocks import SIX, child_table, signature_row
from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import ReportRecordData
from carebook.documents.pdf_base import (
    Cells,
    Layout,
    Styles,
    checkbox,
    fit_to_height,
    fmt_date,
    grid,
    render,
    write_pdf,
)

TITLE = "强制报告记录表"

#: The reportable situations, as printed (art. 4 of the 2020 opinion; last two: DOMAIN.md).
SITUATIONS: tuple[str, ...] = (
    "未成年人的生殖器官或隐私部位遭受或疑似遭受非正常损伤的",
    "不满十四周岁的女性未成年人遭受或疑似遭受性侵害、怀孕、流产的",
    "十四周岁以上女性未成年人遭受或疑似遭受性侵害所致怀孕、流产的",
    "未成年人身体存在多处损伤、严重营养不良、意识不清，存在或者疑似存在受到家庭暴力、欺凌、虐待、殴打或者"
    "被人麻醉等情形的",
    "未成年人因自杀、自残、工伤、中毒、被人麻醉、殴打等非正常原因导致伤残、死亡情形的",
    "未成年人被遗弃或长期处于无人照料状态的",
    "发现未成年人来源不明、失踪或者被拐卖、收买的",
    "发现未成年人被组织乞讨的",
    "其他严重侵害未成年人身心健康的情形或未成年人正在面临不法侵害危险的",
    "不满十六周岁的未成年人无监护人独自生活的",
    "监护人丧失监护能力或者不履行监护职责的",
)

#: The register's situation codes (``carebook.model.enums.ReportSituation``), in the order of
#: :data:`SITUATIONS`.
SITUATION_CODES: tuple[str, ...] = (
    "private_parts_injury",
    "sexual_assault",
    "assault_pregnancy",
    "abuse_injuries",
    "abnormal_harm",
    "abandonment",
    "trafficked",
    "begging",
    "other_harm",
    "alone_under_16",
    "guardian_incapable",
)

#: Situation code -> printed text.
SITUATION_TEXT: dict[str, str] = dict(zip(SITUATION_CODES, SITUATIONS, strict=True))


def _story(data: ReportRecordData, cells: Cells, width: float) -> list[Flowable]:
    st, fonts = cells.st, cells.fonts
    t, lab = cells.t, cells.lab
    head = st.heading
    story: list[Flowable] = [
        CJKText(TITLE, st.title, fonts),
        CJKText("（内部资料　注意保密：报告人身份信息依法保密）", st.small.but(align="center"), fonts),
        Spacer(1, 2 * mm),
        CJKText("一、儿童情况", head, fonts),
        child_table(cells, data.child, width),
    ]
    chosen = set(data.situations)
    listed = [f"{checkbox(fonts, s in chosen)}{s}" for s in SITUATIONS]
    others = [s for s in data.situations if s not in SITUATIONS]
    if others:
        listed.append(f"{checkbox(fonts, True)}其他：{'；'.join(others)}")
    story += [
        CJKText("二、报告情形", head, fonts),
        grid([[t("\n".join(listed), st.small.but(leading=st.small.size * 1.5))]], [1.0], width=width),
        CJKText("三、报告情况", head, fonts),
        grid(
            [
                [
                    lab("发现时间"),
                    t(fmt_date(data.found_at, "")),
                    lab("报告时间"),
                    t(fmt_date(data.reported_at, "")),
                    "",
                    "",
                ],
                [lab("报告人"), t(data.reporter), lab("报告人单位"), t(data.reporter_unit), "", ""],
                [lab("接报单位"), t(data.police_station), lab("接报民警"), t(data.officer), "", ""],
                [lab("回执/案件编号"), t(data.receipt_number), "", "", "", ""],
                [lab("情况描述"), t(data.description, min_lines=3), "", "", "", ""],
            ],
            SIX,
            width=width,
            label_cells=[(0, 0), (2, 0), (0, 1), (2, 1), (0, 2), (2, 2), (0, 3), (0, 4)],
            spans=[((3, r), (5, r)) for r in range(3)] + [((1, 3), (5, 3)), ((1, 4), (5, 4))],
        ),
    ]
    rows: list[list[object]] = [[lab("日期"), lab("跟进措施"), lab("经办人")]]
    rows += [[t(fmt_date(f.on, "")), t(f.action), t(f.by)] for f in data.follow_ups]
    if not data.follow_ups:
        rows += [[t(""), t("", min_lines=2), t("")] for _ in range(3)]
    table = grid(rows, [0.2, 0.62, 0.18], width=width, header_rows=1, repeat_rows=1)
    story.append(KeepTogether([CJKText("四、跟进情况", head, fonts), table]))
    rows = [[lab("转介单位"), lab("转介事由"), lab("状态"), lab("结果")]]
    rows += [[t(r.agency), t(r.reason), t(r.status), t(r.outcome)] for r in data.referrals]
    if not data.referrals:
        rows.append([t("") for _ in range(4)])
    table = grid(rows, [0.22, 0.3, 0.16, 0.32], width=width, header_rows=1, repeat_rows=1)
    story.append(KeepTogether([CJKText("五、转介情况", head, fonts), table]))
    outcome = grid(
        [[lab("处理结果"), t(data.outcome, min_lines=2)]],
        [SIX[0], 1 - SIX[0]],
        width=width,
        label_cells=[(0, 0)],
    )
    signatures = signature_row(cells, ("记录人", "审核人"), width)
    story.append(KeepTogether([Spacer(1, 2 * mm), outcome, Spacer(1, 3 * mm), signatures]))
    return story


def build_story(data: ReportRecordData, fonts: FontSet, width: float, height: float) -> list[Flowable]:
    """The record's flowables: one page (smaller type if needed) unless follow-ups and
    referrals are many, then several pages with the signatures kept with the outcome."""

    def make(st: Styles) -> list[Flowable]:
        return _story(data, Cells(fonts, st), width)

    return fit_to_height(make, width, height, (1.0, 0.94, 0.88), flow_if_too_long=True)[0]


def render_report_record(
    data: ReportRecordData, fonts: FontSet | None = None, *, layout: Layout | None = None
) -> bytes:
    """Render the mandatory report record as PDF bytes.

    Raises:
        FontError, MissingGlyphError: no usable font or a character no font has.
    """
    return render(
        data.ref,
        TITLE,
        lambda fs, w, h: build_story(data, fs, w, h),
        fonts=fonts,
        layout=layout,
        header_note="内部资料　注意保密",
    )


def write_report_record(
    data: ReportRecordData, path: str | os.PathLike[str], fonts: FontSet | None = None
) -> None:
    """Render and write the report record atomically to ``path``."""
    write_pdf(path, render_report_record(data, fonts))

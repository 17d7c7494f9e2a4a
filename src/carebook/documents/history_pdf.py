"""The printed history of a child's file (儿童档案变更记录): every recorded change — when, who,
which installation, what, the old and the new value — oldest first, A4 landscape, with the
header row repeated on every page and the document QR code of :mod:`pdf_base`.

Data comes from the change log (:func:`carebook.model.queries.children.child_history`);
:func:`history_data` gathers it from a register. Inserted records print as "新建" with their
main values. Field names, enumeration codes, dates, booleans and family-member ids print as a
child director reads them (风险等级, 外出务工, 2026年5月31日, 是/否, 父亲 蔡志龙; see
:mod:`carebook.documents.change_text`); the confidential reporter of a mandatory report never
prints.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from carebook.documents import change_text
from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import DocumentKind, DocumentRef
from carebook.documents.pdf_base import STYLES, XIAO_WU, grid, render, write_pdf
from carebook.model.queries.rows import HistoryEntry

COLUMNS: tuple[tuple[str, float], ...] = (
    ("时间", 0.11),
    ("操作人", 0.07),
    ("单位（安装）", 0.11),
    ("记录", 0.15),
    ("项目", 0.10),
    ("原值", 0.23),
    ("新值", 0.23),
)
ENTITY_ZH = {k: zh for k, (zh, _en) in change_text.ENTITY_LABELS.items()}
OP_ZH = {k: zh for k, (zh, _en) in change_text.OP_LABELS.items()}
MAX_VALUE = change_text.MAX_VALUE
MAX_SUMMARY = 160


@dataclass(frozen=True)
class HistoryData:
    """What the printout shows: ``ref`` (QR and footer), the child's ``name`` and
    ``id_number``, the ``village``, the ``entries`` (oldest first), ``installations`` mapping
    an origin installation id to the unit's name."""

    ref: DocumentRef
    name: str
    id_number: str
    village: str
    entries: list[HistoryEntry]
    installations: dict[str, str] = field(default_factory=dict)


def value_text(value: Any) -> str:
    """A change-log value as print text when its field is unknown (``（空）`` for none, 是/否,
    lists joined, long text cut); see :func:`change_text.value_text` for a field's value."""
    return change_text.value_text("", None, value)


def _summary(entity: str, record: Any, names: dict[str, str]) -> str:
    if isinstance(record, dict):
        return change_text.record_summary(entity, record, names=names, max_length=MAX_SUMMARY)
    return change_text.value_text(entity, None, record, names=names)


def build_story(data: HistoryData, fonts: FontSet, width: float) -> list[Flowable]:
    """Title, the child line, and the table of changes."""
    cell = STYLES.cell.but(size=XIAO_WU, leading=XIAO_WU * 1.3)
    head = STYLES.label.but(size=XIAO_WU, leading=XIAO_WU * 1.3, bold=True)
    rows: list[list[object]] = [[CJKText(h, head, fonts) for h, _ in COLUMNS]]
    names = change_text.member_names(data.entries)
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for e in data.entries:
        local = e.at_utc.astimezone().strftime("%Y-%m-%d %H:%M")
        where = data.installations.get(e.origin, f"其他安装 {e.origin[:8]}")
        item = change_text.record_label(e.entity, e.record_id, names)
        if e.op in ("insert", "delete"):  # the record's main values across 原值 and 新值
            what = change_text.op_label(e.op)
            summary = _summary(e.entity, e.new if e.op == "insert" else e.old, names)
            spans.append(((5, len(rows)), (6, len(rows))))
            rows.append([*(CJKText(v, cell, fonts) for v in (local, e.actor, where, item, what, summary)), ""])
            continue
        what = change_text.field_label(e.entity, e.field or "")
        old = change_text.value_text(e.entity, e.field, e.old, names=names)
        new = change_text.value_text(e.entity, e.field, e.new, names=names)
        rows.append([CJKText(v, cell, fonts) for v in (local, e.actor, where, item, what, old, new)])
    line = f"姓名：{data.name}　　公民身份号码：{data.id_number}　　村（居）：{data.village}　　共 {len(data.entries)} 条记录"
    return [
        CJKText(f"{data.name} 档案变更记录", STYLES.title, fonts),
        CJKText(line, STYLES.cell.but(align="center"), fonts),
        Spacer(1, 2 * mm),
        grid(rows, [f for _, f in COLUMNS], width=width, spans=spans, header_rows=1, repeat_rows=1, padding=2.5),
        Spacer(1, 3 * mm),
        CJKText("时间为本机时间；单位为作出修改的 Carebook 安装。本记录取自变更日志，不可修改。", STYLES.small, fonts),
    ]


def render_history(data: HistoryData, fonts: FontSet | None = None) -> bytes:
    """Render the history as PDF bytes (A4 landscape). Raises FontError / MissingGlyphError."""
    return render(data.ref, f"{data.name} 档案变更记录", lambda fs, w, h: build_story(data, fs, w), fonts=fonts,
                  landscape_page=True, header_note="内部资料　注意保密")


def write_history(data: HistoryData, path: str | os.PathLike[str], fonts: FontSet | None = None) -> None:
    """Render and write the history atomically to ``path``."""
    write_pdf(path, render_history(data, fonts))


def history_data(register: Any, child_ref: str, *, today: dt.date | None = None) -> HistoryData:
    """Gather :class:`HistoryData` for one child from an open
    :class:`~carebook.model.register.Register`. Raises NotFoundError for an unknown child."""
    from sqlalchemy import select

    from carebook.model.sync_state import SyncPeer

    detail = register.child_detail(child_ref)
    entries = register.child_history(detail.id)
    installations: dict[str, str] = {}
    inst = register.installation()
    if inst is not None:
        installations[inst.id] = inst.org_name
    installations |= dict(register.read(lambda s: s.execute(select(SyncPeer.installation_id, SyncPeer.name)).all()))
    ref = DocumentRef(DocumentKind.CHILD_HISTORY, str(uuid.uuid4()), detail.id, detail.version,
                      today or dt.date.today())
    return HistoryData(ref, str(detail.fields.get("name") or ""), str(detail.fields.get("id_number") or ""),
                       detail.village_name, entries, installations)

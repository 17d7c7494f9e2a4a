"""The printed history of a child's file (儿童档案变更记录): every recorded change — when, who,
which installation, what, the old and the new value — oldest first, A4 landscape, with the
header row repeated on every page and the document QR code of :mod:`pdf_base`.

Data comes from the change log (:func:`carebook.model.queries.children.child_history`);
:func:`history_data` gathers it from a register. Inserted records print as "新建" with their
main values; values are shown as the register shows them (codes as codes, dates ISO).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from carebook.documents.cjk_text import CJKText
from carebook.documents.fonts import FontSet
from carebook.documents.form_data import DocumentKind, DocumentRef
from carebook.documents.pdf_base import STYLES, XIAO_WU, grid, render, write_pdf
from carebook.model.queries.rows import HistoryEntry

COLUMNS: tuple[tuple[str, float], ...] = (
    ("时间", 0.12),
    ("操作人", 0.09),
    ("单位（安装）", 0.13),
    ("记录", 0.08),
    ("项目", 0.14),
    ("原值", 0.22),
    ("新值", 0.22),
)
ENTITY_ZH = {"child": "儿童", "family_member": "家庭成员", "assistance_record": "救助", "visit": "走访",
             "entrustment": "委托监护", "mandatory_report": "强制报告", "referral": "转介"}
OP_ZH = {"insert": "新建", "update": "修改", "delete": "删除"}
MAX_VALUE = 80


@dataclass(frozen=True)
class HistoryData:
    """What the printout shows: ``ref`` (QR and footer), the child's ``name`` and
    ``id_number``, the ``village``, the ``entries`` (oldest first), ``installations`` mapping
    an origin installation id to the unit's name, and ``labels`` mapping field names to
    Chinese labels."""

    ref: DocumentRef
    name: str
    id_number: str
    village: str
    entries: list[HistoryEntry]
    installations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def value_text(value: Any) -> str:
    """A change-log value as print text (``（空）`` for none, lists joined, long text cut)."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        text = "、".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = "；".join(f"{k}={v}" for k, v in value.items() if v not in (None, "", []))
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _insert_summary(new: Any) -> str:
    if not isinstance(new, dict):
        return value_text(new)
    keys = ("name", "role", "visit_date", "status", "situations", "agency", "kind", "id_number")
    return value_text({k: new[k] for k in keys if k in new and new[k] not in (None, "", [])})


def build_story(data: HistoryData, fonts: FontSet, width: float) -> list[Flowable]:
    """Title, the child line, and the table of changes."""
    cell = STYLES.cell.but(size=XIAO_WU, leading=XIAO_WU * 1.3)
    head = STYLES.label.but(size=XIAO_WU, leading=XIAO_WU * 1.3, bold=True)
    rows: list[list[object]] = [[CJKText(h, head, fonts) for h, _ in COLUMNS]]
    for e in data.entries:
        local = e.at_utc.astimezone().strftime("%Y-%m-%d %H:%M")
        where = data.installations.get(e.origin, f"其他安装 {e.origin[:8]}")
        item = ENTITY_ZH.get(e.entity, e.entity)
        if e.op == "insert":
            what, old, new = OP_ZH["insert"], "", _insert_summary(e.new)
        elif e.op == "delete":
            what, old, new = OP_ZH["delete"], _insert_summary(e.old), ""
        else:
            what, old, new = data.labels.get(e.field or "", e.field or ""), value_text(e.old), value_text(e.new)
        rows.append([CJKText(v, cell, fonts) for v in (local, e.actor, where, item, what, old, new)])
    line = f"姓名：{data.name}　　公民身份号码：{data.id_number}　　村（居）：{data.village}　　共 {len(data.entries)} 条记录"
    return [
        CJKText(f"{data.name} 档案变更记录", STYLES.title, fonts),
        CJKText(line, STYLES.cell.but(align="center"), fonts),
        Spacer(1, 2 * mm),
        grid(rows, [f for _, f in COLUMNS], width=width, header_rows=1, repeat_rows=1, padding=2.5),
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

    from carebook.model.queries.children import field_labels
    from carebook.model.sync_state import SyncPeer

    detail = register.child_detail(child_ref)
    entries = register.child_history(detail.id)
    installations: dict[str, str] = {}
    inst = register.installation()
    if inst is not None:
        installations[inst.id] = inst.org_name
    installations |= dict(register.read(lambda s: s.execute(select(SyncPeer.installation_id, SyncPeer.name)).all()))
    labels = {k: zh for k, (zh, _en) in field_labels().items()}
    ref = DocumentRef(DocumentKind.CHILD_HISTORY, str(uuid.uuid4()), detail.id, detail.version,
                      today or dt.date.today())
    return HistoryData(ref, str(detail.fields.get("name") or ""), str(detail.fields.get("id_number") or ""),
                       detail.village_name, entries, installations, labels)

"""Change-log entries as a child director reads them: record kinds, field labels and values in
Chinese (English for support staff), for the printed history (:mod:`history_pdf`) and the
``carebook history`` command.

The change log stores column names and JSON values (enumeration codes, ISO dates, record ids;
see :mod:`carebook.model.jsonvalues`). This module turns them into text:

* field labels come from the registries the app already keeps — :data:`CHILD_FIELDS`,
  :data:`MEMBER_FIELDS`, :data:`VISIT_FIELDS` — and, for the columns they do not cover (the
  entrustment, report, referral and assistance records, closing and bookkeeping columns), from
  :data:`EXTRA_LABELS`;
* a value's kind comes from the column's SQLAlchemy type (:class:`CodeType` → the enumeration's
  label, ``Date`` → ``2026年5月31日``, :class:`UTCDateTime` → local ``2026年5月31日 14:05``,
  ``Boolean`` → 是/否) and, for JSON lists of codes, from the field registries;
* record ids of family members (an entrustment's guardian and parents) become the member's
  relation and name when the caller passes them (``names``); the confidential reporter of a
  mandatory report is never shown.

Unknown entities, fields and codes fall back to the raw text, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from carebook.model.codes import CodedEnum
from carebook.model.enums import Category, Relation, ReportSituation

if TYPE_CHECKING:
    from carebook.model.child_fields import FieldSpec

MAX_VALUE = 80
EMPTY = ("（空）", "(empty)")

#: Record kinds (change-log entity = table name) → (Chinese, English).
ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "child": ("儿童", "child"), "family_member": ("家庭成员", "family member"),
    "assistance_record": ("救助", "assistance"), "visit": ("走访", "visit"),
    "entrustment": ("委托监护", "entrustment"), "mandatory_report": ("强制报告", "mandatory report"),
    "referral": ("转介", "referral"), "attachment": ("附件", "attachment"),
}
#: Operations → (Chinese, English).
OP_LABELS: dict[str, tuple[str, str]] = {"insert": ("新建", "created"), "update": ("修改", "changed"),
                                         "delete": ("删除", "deleted")}

#: Labels of the columns the field registries do not cover, by entity: field → (Chinese, English).
EXTRA_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "child": {
        "village_id": ("所属村（居）", "village"), "closed_reason": ("销档原因", "closing reason"),
        "closed_on": ("销档日期", "closed on"), "closed_note": ("销档说明", "closing note"),
        "transferred_to": ("转往村（居）", "transferred to"),
    },
    "family_member": {"child_id": ("儿童", "child"), "is_entrusted_guardian": ("是否受委托监护人", "entrusted guardian")},
    "visit": {"child_id": ("儿童", "child"), "next_visit_date": ("下次走访日期", "next visit"),
              "visitor_staff_id": ("走访人（工作人员）", "visitor (staff)")},
    "assistance_record": {
        "child_id": ("儿童", "child"), "kind": ("救助类型", "kind of assistance"),
        "start_month": ("起始月份", "from month"), "end_month": ("截止月份", "to month"),
        "amount_yuan": ("每月金额（元）", "yuan per month"), "notes": ("备注", "notes"),
    },
    "entrustment": {
        "child_id": ("儿童", "child"), "document_no": ("文书编号", "document number"),
        "reason": ("委托原因", "reason"), "guardian_id": ("受委托监护人", "entrusted guardian"),
        "parent_ids": ("委托人（父母）", "entrusting parents"), "period_from": ("起始日期", "from"),
        "period_to": ("截止日期", "to"), "status": ("状态", "status"), "printed_at": ("打印时间", "printed at"),
        "signed_on": ("签订日期", "signed on"), "signatories": ("签字人", "signed by"),
        "scan_attachment_id": ("签字扫描件", "scan"), "renews_id": ("续签的确认书", "renews"),
        "notes": ("备注", "notes"),
    },
    "mandatory_report": {
        "child_id": ("儿童", "child"), "situations": ("情形", "situations"),
        "description": ("情况描述", "description"), "found_at": ("发现时间", "found at"),
        "reported_at": ("报告时间", "reported at"), "reporter_name": ("报告人", "reporter"),
        "police_station": ("报告的派出所", "police station"), "officer": ("接报民警", "officer"),
        "case_number": ("案件编号", "case number"), "actions": ("采取的措施", "actions"),
        "outcome": ("处理结果", "outcome"), "status": ("状态", "status"),
    },
    "referral": {
        "child_id": ("儿童", "child"), "report_id": ("关联的强制报告", "mandatory report"),
        "agency": ("转介机构", "agency"), "reason": ("转介原因", "reason"),
        "referred_on": ("转介日期", "referred on"), "status": ("状态", "status"),
        "outcome": ("处理结果", "outcome"), "closed_on": ("办结日期", "closed on"),
    },
}

#: JSON list columns holding enumeration codes (not in the field registries).
_LIST_ENUMS: dict[tuple[str, str], type[CodedEnum]] = {
    ("child", "categories"): Category, ("mandatory_report", "situations"): ReportSituation,
}
#: Columns holding family-member record ids.
_MEMBER_REFS = frozenset({("entrustment", "guardian_id"), ("entrustment", "parent_ids")})
#: Columns never shown (confidential).
_CONFIDENTIAL = frozenset({("mandatory_report", "reporter_name")})
#: What an inserted or deleted record shows, by entity (in this order, blanks left out).
SUMMARY_FIELDS: dict[str, tuple[str, ...]] = {
    "child": ("name", "sex", "date_of_birth", "id_number"),
    "family_member": ("relation", "name", "status", "id_number", "phone"),
    "assistance_record": ("kind", "start_month", "end_month", "amount_yuan"),
    "visit": ("visit_date", "kind", "method", "visitor_name"),
    "entrustment": ("document_no", "reason", "period_from", "period_to", "status"),
    "mandatory_report": ("situations", "status"),
    "referral": ("agency", "referred_on", "status"),
}
_FALLBACK_SUMMARY = ("name", "relation", "visit_date", "status", "situations", "agency", "kind", "id_number")


def _pick(pair: tuple[str, str], zh: bool) -> str:
    return pair[0] if zh else pair[1]


def entity_label(entity: str, zh: bool = True) -> str:
    """The name of a record kind (``family_member`` → 家庭成员); unknown kinds as given."""
    pair = ENTITY_LABELS.get(entity)
    return _pick(pair, zh) if pair else entity


def op_label(op: str, zh: bool = True) -> str:
    """The name of an operation (``insert`` → 新建); unknown operations as given."""
    pair = OP_LABELS.get(op)
    return _pick(pair, zh) if pair else op


def _spec(entity: str, field: str) -> FieldSpec | None:
    """The :class:`~carebook.model.child_fields.FieldSpec` of ``field`` of ``entity``, or None."""
    from carebook.model.child_fields import CHILD_FIELDS, MEMBER_FIELDS

    if entity == "child":
        return CHILD_FIELDS.get(field)
    if entity == "family_member":
        return MEMBER_FIELDS.get(field)
    if entity == "visit":
        from carebook.model.services.visits import VISIT_FIELDS

        return VISIT_FIELDS.get(field)
    return None


def field_label(entity: str, field: str, zh: bool = True) -> str:
    """The label of column ``field`` of record kind ``entity`` (``child``/``risk_colour`` →
    风险等级, ``family_member``/``status`` → 状况); unknown fields as given."""
    extra = EXTRA_LABELS.get(entity, {}).get(field)
    if extra is not None:
        return _pick(extra, zh)
    spec = _spec(entity, field)
    if spec is not None:
        return spec.zh if zh else spec.en
    return field


def _column_type(entity: str, field: str) -> Any:
    from carebook.model.schema import TRACKED

    cls = TRACKED.get(entity)
    table = getattr(cls, "__table__", None)
    if table is None or field not in table.c:
        return None
    return table.c[field].type


def _enum_of(entity: str, field: str) -> type[CodedEnum] | None:
    from carebook.model.types import CodeType

    kind = _column_type(entity, field)
    if isinstance(kind, CodeType):
        return kind.enum_cls
    spec = _spec(entity, field)
    if spec is not None and spec.enum is not None:
        return spec.enum
    return _LIST_ENUMS.get((entity, field))


def _code_label(enum: type[CodedEnum], code: Any, zh: bool) -> str:
    try:
        member = enum(str(code))
    except ValueError:
        return str(code)
    return member.zh if zh else member.en


def _date_text(value: str, zh: bool) -> str:
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.year}年{day.month}月{day.day}日" if zh else day.isoformat()


def _instant_text(value: str, zh: bool) -> str:
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    local = at.astimezone() if at.tzinfo is not None else at
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" if zh else f"{local:%Y-%m-%d %H:%M}"


def _month_text(value: str, zh: bool) -> str:
    if zh and len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
        return f"{int(value[:4])}年{int(value[5:])}月"
    return value


def _cut(text: str, max_length: int | None) -> str:
    if max_length is None or len(text) <= max_length:
        return text
    return text[: max_length - 1] + "…"


def value_text(entity: str, field: str | None, value: Any, *, zh: bool = True,
               names: Mapping[str, str] | None = None, max_length: int | None = MAX_VALUE) -> str:
    """One change-log value of column ``field`` of ``entity`` as text: ``（空）`` for none,
    是/否, enumeration labels (``working_away`` → 外出务工), dates ``2026年5月31日``, instants in
    local time, months ``2026年5月``, lists joined with ``、``, family-member ids as
    ``names[id]``; the confidential reporter as ``（保密）``. Cut to ``max_length`` characters
    (``…``) unless None."""
    if value is None or value == "" or value == []:
        return _pick(EMPTY, zh)
    if field is not None and (entity, field) in _CONFIDENTIAL:
        return "（保密）" if zh else "(confidential)"
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, dict):
        return _cut(record_summary(entity, value, zh=zh, names=names, max_length=None), max_length)
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    text = "、".join(_one(entity, field, v, zh, names) for v in items) if zh else \
        ", ".join(_one(entity, field, v, zh, names) for v in items)
    return _cut(text, max_length)


def _one(entity: str, field: str | None, value: Any, zh: bool, names: Mapping[str, str] | None) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if field is None or not isinstance(value, str):
        return str(value)
    if (entity, field) in _MEMBER_REFS:
        return (names or {}).get(value, value[:8])
    if field == "ethnic_group" and zh:
        from carebook.model.ethnic import ethnic_group_name

        return ethnic_group_name(value) or value
    enum = _enum_of(entity, field)
    if enum is not None:
        return _code_label(enum, value, zh)
    from sqlalchemy import Date

    from carebook.model.base import UTCDateTime

    kind = _column_type(entity, field)
    if isinstance(kind, UTCDateTime):
        return _instant_text(value, zh)
    if isinstance(kind, Date):
        return _date_text(value, zh)
    if field.endswith("_month"):
        return _month_text(value, zh)
    return value


def record_summary(entity: str, record: Mapping[str, Any], *, zh: bool = True,
                   names: Mapping[str, str] | None = None, max_length: int | None = MAX_VALUE) -> str:
    """The main values of an inserted or deleted record as ``label：value；…`` (e.g.
    ``与儿童关系：父亲；姓名：蔡志龙；状况：外出务工``); blanks and confidential fields left out."""
    keys = SUMMARY_FIELDS.get(entity, _FALLBACK_SUMMARY)
    parts = [f"{field_label(entity, k, zh)}{'：' if zh else ': '}"
             f"{value_text(entity, k, record[k], zh=zh, names=names, max_length=None)}"
             for k in keys if record.get(k) not in (None, "", []) and (entity, k) not in _CONFIDENTIAL]
    return _cut(("；" if zh else "; ").join(parts), max_length)


def member_names(entries: Iterable[Any], zh: bool = True) -> dict[str, str]:
    """Family-member record id → ``父亲 蔡志龙`` (relation and name, as last recorded) from
    history entries (:class:`~carebook.model.queries.rows.HistoryEntry`, oldest first)."""
    state: dict[str, dict[str, Any]] = {}
    for e in entries:
        if e.entity != "family_member":
            continue
        if e.op == "insert" and isinstance(e.new, dict):
            state[e.record_id] = dict(e.new)
        elif e.op == "update" and e.field in ("relation", "name"):
            state.setdefault(e.record_id, {})[e.field] = e.new
    out: dict[str, str] = {}
    for rid, rec in state.items():
        relation = _code_label(Relation, rec["relation"], zh) if rec.get("relation") else ""
        out[rid] = " ".join(p for p in (relation, str(rec.get("name") or "")) if p) or rid[:8]
    return out


def record_label(entity: str, record_id: str, names: Mapping[str, str], zh: bool = True) -> str:
    """The record column of a history row: the kind, and for a family member who it is
    (``家庭成员（父亲 蔡志龙）``)."""
    label = entity_label(entity, zh)
    who = names.get(record_id) if entity == "family_member" else None
    return f"{label}（{who}）" if who and zh else f"{label} ({who})" if who else label

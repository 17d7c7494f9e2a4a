"""Column headings of village ledgers (台账) and the register fields they hold.

Every village words its ledger's headings a little differently (姓名 / 儿童姓名, 身份证号 /
公民身份号码, 实际监护人 / 受委托监护人姓名 …), adds notes in brackets (``出生日期（年月日）``),
stars required columns, or types them with full-width characters. :func:`match_heading` folds
those differences away and names the target field; the field names are a contract shared with
the model's import (:mod:`carebook.documents.ledger_import`) and the desktop import wizard.

Field names: child fields are plain (``name``, ``id_number`` …); the fields of the father, the
mother and the actual or entrusted guardian are prefixed ``father.``, ``mother.`` and
``guardian.``. :data:`IGNORED` (``序号``, the running number) is recognised as a heading but read
into no field.

The wordings come from ledgers and forms in public use (civil-affairs templates for
农村留守儿童和困境儿童信息台账, 儿童主任工作手册) and from DOMAIN.md.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Marker for a recognised heading whose column is read into no field (序号).
IGNORED: Final = "#ignored"

#: Fields that hold dates; the reader parses them with :mod:`carebook.documents.ledger_dates`.
DATE_FIELDS: Final = frozenset({"date_of_birth", "last_visit_date"})

#: Fields holding ID numbers: a number stored by Excel in them has lost its last digits.
ID_FIELDS: Final = frozenset({"id_number", "father.id_number", "mother.id_number", "guardian.id_number"})

#: Fields holding free text, where a word like 合计 or 负责人 does not mark a footer line.
FREE_TEXT_FIELDS: Final = frozenset(
    {
        "notes",
        "registered_address",
        "current_address",
        "school_name",
        "illness_name",
        "father.work_place",
        "mother.work_place",
        "guardian.address",
    }
)

_CHILD: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "儿童姓名", "学生姓名", "未成年人姓名", "名字"),
    "sex": ("性别", "儿童性别"),
    "ethnic_group": ("民族",),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "儿童身份证号",
        "儿童身份证号码",
        "身份证",
        "证件号码",
        "身份证件号码",
    ),
    "date_of_birth": ("出生日期", "出生年月", "出生年月日", "生日", "出生时间"),
    "categories": ("儿童类别", "类别", "人员类别", "儿童类型", "类型", "困境类型", "儿童分类"),
    "registration_type": ("户籍性质", "户口性质", "户籍类型", "户口类型", "户口类别"),
    "registered_address": ("户籍地址", "户籍所在地", "户口所在地", "户籍地", "户口地址"),
    "current_address": ("现住址", "家庭住址", "居住地址", "现居住地", "现居住地址", "住址", "家庭地址"),
    "schooling_stage": ("就学情况", "就学状况", "在校情况", "就读情况", "上学情况", "受教育情况", "就学阶段"),
    "school_name": ("学校名称", "就读学校", "所在学校", "学校", "就读学校名称"),
    "school_grade": ("年级", "班级", "年级班级", "就读年级"),
    "health_status": ("健康状况", "身体状况", "健康情况", "身体情况"),
    "disability_category": ("残疾类别", "残疾类型"),
    "disability_grade": ("残疾等级", "残疾级别"),
    "disability_certificate": ("残疾证号", "残疾证号码", "残疾证编号", "残疾人证号"),
    "illness_name": ("所患疾病", "疾病名称", "患病名称", "病种"),
    "notes": ("备注", "其他情况", "说明"),
    "risk_colour": ("风险等级", "预警等级", "风险颜色", "预警颜色", "四色管理"),
    "key_child": ("是否重点儿童", "重点儿童"),
    "entrustment_signed": (
        "是否签订委托监护确认书",
        "委托监护确认书",
        "是否签订委托监护责任确认书",
        "委托监护责任确认书",
        "是否签订委托照护确认书",
        "委托照护确认书",
        "是否签订确认书",
    ),
    "last_visit_date": (
        "最近走访日期",
        "走访日期",
        "最近一次走访",
        "最近一次走访日期",
        "最近走访时间",
        "走访时间",
    ),
}

_PARENT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", ""),
    "status": ("状况", "情况", "状态", "现状"),
    "work_place": ("务工地", "务工地点", "务工地址", "外出务工地", "外出务工地点", "工作地点", "务工所在地"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
}

_GUARDIAN_SUFFIXES: dict[str, tuple[str, ...]] = {
    "name": ("", "姓名", "名字"),
    "relation": ("关系", "与儿童关系", "与儿童的关系"),
    "phone": ("电话", "联系电话", "手机", "手机号", "手机号码", "联系方式", "电话号码"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "address": ("住址", "地址", "家庭住址", "居住地址"),
}

_PERSON_PREFIXES: dict[str, tuple[str, ...]] = {
    "father": ("父亲", "父"),
    "mother": ("母亲", "母"),
    "guardian": ("实际监护人", "受委托监护人", "委托监护人", "被委托监护人", "监护人"),
}

_EXTRA: dict[str, str] = {
    "序号": IGNORED,
    "编号": IGNORED,
    "与儿童关系": "guardian.relation",
    "与儿童的关系": "guardian.relation",
    "与被监护人关系": "guardian.relation",
}

_BRACKETED = re.compile(r"[(\[【〔（][^)\]】〕）]*[)\]】〕）]")
_DROP = re.compile(r"[\s*＊:：、/·.\-_]+")


def normalise_heading(text: str) -> str:
    """Fold a heading for matching.

    Applies NFKC (full-width letters, digits and brackets to half-width), removes notes in
    brackets (``出生日期（年月日）`` → ``出生日期``), spaces (also U+3000), stars marking required
    columns, colons and other separators, and lower-cases Latin letters.
    """
    folded = unicodedata.normalize("NFKC", text)
    folded = _BRACKETED.sub("", folded)
    return _DROP.sub("", folded).lower()


def _build_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for field, words in _CHILD.items():
        for word in words:
            table.setdefault(normalise_heading(word), field)
    for person, prefixes in _PERSON_PREFIXES.items():
        suffixes = _GUARDIAN_SUFFIXES if person == "guardian" else _PARENT_SUFFIXES
        for prefix in prefixes:
            for sub, words in suffixes.items():
                for word in words:
                    key = normalise_heading(prefix + word)
                    if key:
                        table.setdefault(key, f"{person}.{sub}")
    for word, field in _EXTRA.items():
        table[normalise_heading(word)] = field
    return table


_TABLE: Final = _build_table()

#: Every target field, in the order a preview lists them.
FIELDS: Final[tuple[str, ...]] = tuple(
    [*_CHILD]
    + [f"{p}.{s}" for p in ("father", "mother") for s in _PARENT_SUFFIXES]
    + [f"guardian.{s}" for s in _GUARDIAN_SUFFIXES]
)

#: Chinese labels of the fields, for the preview in the import wizard and for messages.
FIELD_LABELS_ZH: Final[dict[str, str]] = {
    **{field: words[0] for field, words in _CHILD.items()},
    "father.name": "父亲姓名",
    "father.status": "父亲状况",
    "father.work_place": "父亲务工地",
    "father.phone": "父亲电话",
    "father.id_number": "父亲身份证号",
    "mother.name": "母亲姓名",
    "mother.status": "母亲状况",
    "mother.work_place": "母亲务工地",
    "mother.phone": "母亲电话",
    "mother.id_number": "母亲身份证号",
    "guardian.name": "监护人姓名",
    "guardian.relation": "监护人与儿童关系",
    "guardian.phone": "监护人电话",
    "guardian.id_number": "监护人身份证号",
    "guardian.address": "监护人住址",
}


def match_heading(text: str | None) -> str | None:
    """Return the field a column heading names, :data:`IGNORED` for 序号, or ``None``.

    Args:
        text: the heading as written in the ledger (any case, width, spacing, with notes in
            brackets).

    Returns:
        A name from :data:`FIELDS`, :data:`IGNORED`, or ``None`` when the heading is unknown
        (such columns are reported as unmapped; that is not an error).
    """
    if text is None:
        return None
    key = normalise_heading(text)
    if not key:
        return None
    return _TABLE.get(key)


def match_two_level_heading(parent: str, sub: str) -> str | None:
    """Return the field of a column under a two-row heading (``父亲`` over ``姓名``).

    Tries the joined heading (``父亲姓名``), then the person the parent heading names joined with
    the sub-heading (``父亲情况`` over ``电话`` → ``父亲电话``), then the sub-heading alone.
    """
    joined = match_heading(parent + sub)
    if joined is not None:
        return joined
    folded = normalise_heading(parent)
    for prefixes in _PERSON_PREFIXES.values():
        for prefix in sorted(prefixes, key=len, reverse=True):
            if folded.startswith(normalise_heading(prefix)):
                found = match_heading(prefix + sub)
                if found is not None:
                    return found
    return match_heading(sub)


def is_field(name: str) -> bool:
    """Whether ``name`` is one of :data:`FIELDS`."""
    return name in _FIELD_SET


_FIELD_SET: Final = frozenset(FIELDS)

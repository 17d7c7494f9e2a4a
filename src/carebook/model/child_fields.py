"""The fields of a child's file as people name them: one registry shared by the services,
the command line (``children update --set FIELD=VALUE``), the ledger import and the desktop.

Child fields have plain names (``name``, ``risk_colour``); family members' fields are prefixed
with the member's role (``father.phone``, ``mother.status``, ``guardian.relation``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from carebook.model.codes import CodedEnum
from carebook.model.enums import (
    Category,
    DisabilityCategory,
    DisabilityGrade,
    GuardianshipQuality,
    HealthStatus,
    IncomeSource,
    ParentStatus,
    RegistrationType,
    Relation,
    RiskColour,
    SchoolingStage,
    Sex,
)
from carebook.model.errors import ValidationError
from carebook.model.ethnic import parse_ethnic_group
from carebook.model.idnumber import normalise_id_number
from carebook.model.validation import clean_bool, clean_date, clean_name, clean_phone, clean_text


@dataclass(frozen=True)
class FieldSpec:
    """One field: its name, Chinese and English labels, and kind (``text``, ``longtext``,
    ``name``, ``date``, ``bool``, ``enum``, ``enum_list``, ``ethnic``, ``id_number``,
    ``phone``). ``enum`` is the enumeration for ``enum``/``enum_list`` kinds."""

    name: str
    zh: str
    en: str
    kind: str = "text"
    enum: type[CodedEnum] | None = None
    max_length: int = 200

    def clean(self, value: Any, *, today: dt.date, field: str | None = None) -> Any:
        """Return the canonical value of ``value`` for this field (``None`` when blank).

        Raises:
            ValidationError: the value breaks the field's rule; the error names ``field``.
        """
        key = field or self.name
        kind = self.kind
        if kind in ("text", "longtext"):
            return clean_text(value, max_length=self.max_length if kind == "text" else 4000, field=key)
        if kind == "name":
            return clean_name(value, field=key)
        if kind == "date":
            return clean_date(value, key, today=today, label_zh=self.zh, label_en=self.en)
        if kind == "bool":
            return clean_bool(value, key)
        if kind == "ethnic":
            return parse_ethnic_group(value, field=key)
        if kind == "id_number":
            text = clean_text(value, field=key)
            return None if text is None else normalise_id_number(text, today=today, field=key)
        if kind == "phone":
            return clean_phone(value, field=key)
        if kind == "enum":
            assert self.enum is not None
            text = clean_text(value, field=key)
            return None if text is None else self.enum.parse(text, key)
        if kind == "enum_list":
            assert self.enum is not None
            if value is None or value == "":
                return []
            items = value if isinstance(value, list | tuple | set | frozenset) else \
                [p for p in str(value).replace("，", ",").replace("、", ",").replace(";", ",").split(",")]
            codes = [self.enum.parse(str(i).strip(), key).code for i in items if str(i).strip()]
            return sorted(set(codes), key=codes.index)
        raise ValueError(f"unknown field kind {kind}")


def _f(name: str, zh: str, en: str, kind: str = "text", enum: type[CodedEnum] | None = None,
       max_length: int = 200) -> FieldSpec:
    return FieldSpec(name, zh, en, kind, enum, max_length)


CHILD_FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    _f("name", "姓名", "name", "name"),
    _f("sex", "性别", "sex", "enum", Sex),
    _f("ethnic_group", "民族", "ethnic group", "ethnic"),
    _f("date_of_birth", "出生日期", "date of birth", "date"),
    _f("id_number", "身份证号", "ID number", "id_number"),
    _f("has_household_registration", "是否有户籍", "has household registration", "bool"),
    _f("registration_type", "户籍性质", "registration type", "enum", RegistrationType),
    _f("registered_address", "户籍地址", "registered address"),
    _f("current_address", "现住址", "current address"),
    _f("lives_in_school_dormitory", "是否住校", "lives in a school dormitory", "bool"),
    _f("in_institution", "是否在福利机构", "lives in an institution", "bool"),
    _f("parents_unknown", "查找不到生父母", "birth parents not found", "bool"),
    _f("health_status", "健康状况", "health", "enum", HealthStatus),
    _f("disability_category", "残疾类别", "disability category", "enum", DisabilityCategory),
    _f("disability_grade", "残疾等级", "disability grade", "enum", DisabilityGrade),
    _f("disability_certificate", "残疾证号", "disability certificate number", max_length=40),
    _f("illness_name", "所患疾病", "illness", max_length=100),
    _f("serious_illness", "是否重病", "serious illness", "bool"),
    _f("high_medical_costs", "医疗费用负担重", "high out-of-pocket medical costs", "bool"),
    _f("schooling_stage", "就学情况", "schooling", "enum", SchoolingStage),
    _f("school_name", "学校名称", "school", max_length=100),
    _f("school_grade", "年级", "grade", max_length=40),
    _f("living_with", "共同生活人", "lives with", max_length=100),
    _f("guardianship_quality", "监护状况", "guardianship", "enum", GuardianshipQuality),
    _f("improper_guardianship", "监护不当情形", "improper guardianship", "longtext"),
    _f("family_poverty", "家庭经济困难", "family poverty", "bool"),
    _f("income_sources", "家庭收入来源", "income sources", "enum_list", IncomeSource),
    _f("assessed_categories", "评估类别", "assessed categories", "enum_list", Category),
    _f("key_child", "重点儿童", "key child", "bool"),
    _f("risk_colour", "风险等级", "risk colour", "enum", RiskColour),
    _f("service_plan", "服务计划", "service plan", "longtext"),
    _f("notes", "备注", "notes", "longtext"),
]}

MEMBER_FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    _f("name", "姓名", "name", "name"),
    _f("id_number", "身份证号", "ID number", "id_number"),
    _f("date_of_birth", "出生日期", "date of birth", "date"),
    _f("phone", "电话", "phone", "phone"),
    _f("status", "状况", "situation", "enum", ParentStatus),
    _f("work_place", "务工地", "where they work", max_length=100),
    _f("away_since", "外出时间", "away since", "date"),
    _f("last_contact", "最近联系时间", "last contact with the child", "date"),
    _f("relation", "与儿童关系", "relationship", "enum", Relation),
    _f("address", "住址", "address"),
    _f("health", "健康状况", "health", max_length=100),
    _f("capable_of_care", "是否具备监护能力", "capable of care", "bool"),
    _f("lives_with_child", "是否与儿童同住", "lives with the child", "bool"),
    _f("notes", "备注", "notes", "longtext"),
]}

#: Member roles: role name → (Chinese label, English label, fixed relation or None).
MEMBER_ROLES: dict[str, tuple[str, str, Relation | None]] = {
    "father": ("父亲", "father", Relation.FATHER),
    "mother": ("母亲", "mother", Relation.MOTHER),
    "guardian": ("受委托监护人", "entrusted guardian", None),
    "paternal_grandfather": ("祖父", "paternal grandfather", Relation.PATERNAL_GRANDFATHER),
    "paternal_grandmother": ("祖母", "paternal grandmother", Relation.PATERNAL_GRANDMOTHER),
    "maternal_grandfather": ("外祖父", "maternal grandfather", Relation.MATERNAL_GRANDFATHER),
    "maternal_grandmother": ("外祖母", "maternal grandmother", Relation.MATERNAL_GRANDMOTHER),
}


def field_label(name: str, zh: bool = True) -> str:
    """The label of a child field or ``role.field`` (e.g. ``father.phone`` → 父亲电话)."""
    if "." in name:
        role, sub = name.split(".", 1)
        r = MEMBER_ROLES.get(role)
        s = MEMBER_FIELDS.get(sub)
        if r and s:
            return f"{r[0]}{s.zh}" if zh else f"{r[1]} {s.en}"
    spec = CHILD_FIELDS.get(name)
    if spec:
        return spec.zh if zh else spec.en
    return name


def spec_for(name: str) -> FieldSpec:
    """The spec of a child field or ``role.field``.

    Raises:
        ValidationError: no such field (the message lists where to look).
    """
    if "." in name:
        role, sub = name.split(".", 1)
        if role in MEMBER_ROLES and sub in MEMBER_FIELDS:
            return MEMBER_FIELDS[sub]
    elif name in CHILD_FIELDS:
        return CHILD_FIELDS[name]
    raise ValidationError.single(
        name,
        f"没有“{name}”这个字段（字段名见 docs/cli.md）",
        f"there is no field '{name}' (see docs/cli.md for field names)",
    )

"""Use cases of the staff registry (实名制管理): add, change and end child directors (儿童主任) and
child supervisors (儿童督导员), assign directors to villages, record trainings.

Real-name fields (DOMAIN.md, 陕民发〔2019〕52号 "对儿童督导员、儿童主任实行实名制管理"): name, sex,
ethnic group, ID number, date of birth, political status, education, phone, employer, full- or
part-time, government-purchased service or not, area covered (villages), appointment date, end
date, training records. Input is a flat mapping of the names of :data:`STAFF_FIELDS` to values
as people type them, plus ``unit`` (the village or township served: division code, record id
or exact name) and ``covered`` (further villages, comma-separated or a list). Every function
validates everything first and raises one :class:`~carebook.model.errors.ValidationError`
listing every bad field, so nothing is written when any field is wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.child_fields import FieldSpec
from carebook.model.enums import Education as EducationLevel
from carebook.model.enums import EmploymentType, OrgLevel, PoliticalStatus, Sex, StaffRole
from carebook.model.errors import FieldError, NotFoundError, StateError, ValidationError
from carebook.model.idnumber import clean_id_number, parse_id_number
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.recording import WriteResult, changes_of
from carebook.model.staff import Staff, TrainingRecord
from carebook.model.validation import age_on, blank, clean_date, clean_text

STAFF_FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    FieldSpec("role", "岗位", "role", "enum", StaffRole),
    FieldSpec("name", "姓名", "name", "name"),
    FieldSpec("sex", "性别", "sex", "enum", Sex),
    FieldSpec("ethnic_group", "民族", "ethnic group", "ethnic"),
    FieldSpec("id_number", "身份证号", "ID number", "id_number"),
    FieldSpec("date_of_birth", "出生日期", "date of birth", "date"),
    FieldSpec("political_status", "政治面貌", "political status", "enum", PoliticalStatus),
    FieldSpec("education", "学历", "education", "enum", EducationLevel),
    FieldSpec("phone", "联系电话", "phone", "phone"),
    FieldSpec("employer", "工作单位", "employer", max_length=100),
    FieldSpec("employment_type", "专兼职", "full- or part-time", "enum", EmploymentType),
    FieldSpec("government_purchased", "是否政府购买服务", "government-purchased service", "bool"),
    FieldSpec("appointed_on", "任职日期", "appointment date", "date"),
    FieldSpec("ended_on", "离任日期", "end date", "date"),
    FieldSpec("notes", "备注", "notes", "longtext"),
]}

#: Input keys besides :data:`STAFF_FIELDS`: the unit served and further villages covered.
UNIT_KEYS = ("unit", "covered")

TRAINING_FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    FieldSpec("held_on", "培训日期", "date held", "date"),
    FieldSpec("topic", "培训内容", "topic"),
    FieldSpec("organiser", "组织单位", "organiser", max_length=100),
    FieldSpec("hours", "学时", "hours"),
]}


def _label(key: str) -> tuple[str, str]:
    if key == "unit":
        return "所在村（居）或乡镇", "unit served"
    if key == "covered":
        return "覆盖村（居）", "villages covered"
    spec = STAFF_FIELDS.get(key)
    return (spec.zh, spec.en) if spec else (key, key)


def find_unit(session: Session, ref: str, field: str = "unit") -> OrgUnit:
    """An organisation unit by division code, record id or exact name.

    Raises:
        ValidationError: no such unit, or the name is shared by several units.
    """
    text = (ref or "").strip()
    unit = session.get(OrgUnit, text) if len(text) == 36 else None
    if unit is None and text.isdigit():
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == text))
    if unit is None:
        named = session.scalars(select(OrgUnit).where(OrgUnit.name == text)).all()
        if len(named) > 1:
            raise ValidationError.single(field, f"有多个单位叫“{text}”，请用区划代码",
                                         f"several units are called '{text}'; use the division code")
        unit = named[0] if named else None
    if unit is None:
        raise ValidationError.single(
            field, f"找不到村（居）或乡镇“{text}”：请用区划代码，村要先登记（发放入网文件或导入其同步包）",
            f"no village or township '{text}': use the division code; a village must be enrolled first",
        )
    return unit


def ensure_village_unit(session: Session, *, code: str, name: str) -> str:
    """The id of the village unit with division ``code``, created (under this installation's
    unit) when missing — e.g. a village the township enrolled whose first bundle has not come
    yet, so its director can be registered now. The id is the deterministic
    :func:`~carebook.model.organisation.unit_id_for_code`, the one the village gives its own
    unit, so both records merge when the village's bundle arrives.

    Raises:
        ValidationError: not a 12-digit village code, or no name.
    """
    from carebook.model.installation import clean_division_code, get_installation

    code = clean_division_code(code, "unit")
    existing = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if existing is not None:
        return existing.id
    label = clean_text(name, max_length=100, field="unit")
    if len(code) != 12 or not label:
        raise ValidationError.single("unit", f"村（居）代码应为12位数字并有名称：“{code}”",
                                     f"a village needs a 12-digit code and a name: '{code}'")
    unit = OrgUnit(id=unit_id_for_code(code), level=OrgLevel.VILLAGE, code=code, name=label,
                   parent_id=get_installation(session).org_unit_id)
    session.add(unit)
    session.flush()
    return unit.id


def unit_refs(values: Mapping[str, Any]) -> list[str]:
    """The unit references in staff input: ``unit`` and every ``covered`` entry."""
    refs = [str(values["unit"]).strip()] if not blank(values.get("unit")) else []
    return refs + _covered_refs(values.get("covered"))


def add_enrolled_villages(session: Session, values: Mapping[str, Any], enrolled: Mapping[str, str]) -> list[str]:
    """Create the units of villages that ``values`` names by division code, that the register
    does not hold yet, and that ``enrolled`` (code -> name: the villages this township enrolled,
    from the sync layer) knows (see :func:`ensure_village_unit`). Returns the codes added."""
    added: list[str] = []
    for ref in unit_refs(values):
        if ref in enrolled and ref not in added and \
                session.scalar(select(OrgUnit.id).where(OrgUnit.code == ref)) is None:
            ensure_village_unit(session, code=ref, name=enrolled[ref])
            added.append(ref)
    return added


def _covered_refs(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple | set | frozenset) else \
        str(value).replace("，", ",").replace("、", ",").replace(";", ",").split(",")
    return [str(i).strip() for i in items if str(i).strip()]


def clean_staff_input(
    session: Session, values: Mapping[str, Any], *, today: dt.date, existing: Staff | None = None,
) -> dict[str, Any]:
    """Validate and canonicalise ``values`` (see the module docstring) into column values.

    Rules: for a new record (``existing`` is None) role, name and appointment date are required;
    the ID number (GB 11643-1999) fills date of birth and sex, which must agree with it when
    given; the end date cannot precede the appointment date; a director serves a village, a
    supervisor a township; covered units are villages.

    Raises:
        ValidationError: every invalid field.
    """
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    for key, raw in values.items():
        if key in UNIT_KEYS:
            continue
        spec = STAFF_FIELDS.get(key)
        if spec is None:
            errors.append(FieldError(key, f"人员信息没有“{key}”这一项", f"a staff record has no field '{key}'"))
            continue
        try:
            out[key] = spec.clean(raw, today=today, field=key)
        except ValidationError as exc:
            errors.extend(exc.errors)
    bad = {e.field for e in errors}

    def current(key: str) -> Any:
        return out[key] if key in out else (getattr(existing, key) if existing is not None else None)

    number = current("id_number")
    if number and "id_number" not in bad:
        info = parse_id_number(number, today=today)
        dob = current("date_of_birth")
        if dob is None:
            out["date_of_birth"] = info.date_of_birth
        elif dob != info.date_of_birth and "date_of_birth" not in bad:
            errors.append(FieldError("date_of_birth", f"出生日期{dob.isoformat()}与身份证号不一致，请核对",
                                     f"date of birth {dob.isoformat()} differs from the ID number"))
        sex = current("sex")
        if sex is None or sex in (Sex.UNKNOWN, Sex.UNSPECIFIED):
            out["sex"] = info.sex
        elif sex is not info.sex and "sex" not in bad:
            errors.append(FieldError("sex", f"性别“{sex.zh}”与身份证号不一致，请核对",
                                     f"sex '{sex.en}' differs from the ID number"))
    dob = current("date_of_birth")
    if dob is not None and "date_of_birth" not in bad and age_on(dob, today) < 18:
        errors.append(FieldError("date_of_birth", "按出生日期未满18周岁，不能担任儿童主任或督导员，请核对",
                                 "by the date of birth this person is under 18"))
    required = ("role", "name", "appointed_on")
    for key in required:
        if key in bad:
            continue
        if (existing is None and blank(out.get(key))) or (key in out and blank(out[key])):
            zh, en = _label(key)
            errors.append(FieldError(key, f"“{zh}”必须填写" if existing is None else f"“{zh}”不能清空",
                                     f"{en} is required" if existing is None else f"{en} cannot be cleared"))
    start, end = current("appointed_on"), current("ended_on")
    if start and end and end < start and not bad & {"appointed_on", "ended_on"}:
        errors.append(FieldError("ended_on", "离任日期不能早于任职日期", "the end date cannot be before the appointment"))
    role = current("role")
    if "unit" in values:
        if blank(values["unit"]):
            out["org_unit_id"] = None
        else:
            try:
                unit = find_unit(session, str(values["unit"]), "unit")
                wanted = OrgLevel.VILLAGE if role is StaffRole.CHILD_DIRECTOR else OrgLevel.TOWNSHIP
                if role is not None and unit.level is not wanted:
                    errors.append(FieldError(
                        "unit", f"{role.zh}应在{'村（居）' if wanted is OrgLevel.VILLAGE else '乡镇（街道）'}任职，"
                                f"“{unit.name}”是{unit.level.zh}",
                        f"a {role.en} serves a {wanted.en}; '{unit.name}' is a {unit.level.en}"))
                out["org_unit_id"] = unit.id
            except ValidationError as exc:
                errors.extend(exc.errors)
    elif "role" in out and role is not None and existing is not None and existing.org_unit_id:
        served = session.get(OrgUnit, existing.org_unit_id)
        wanted = OrgLevel.VILLAGE if role is StaffRole.CHILD_DIRECTOR else OrgLevel.TOWNSHIP
        if served is not None and served.level is not wanted:
            errors.append(FieldError(
                "unit", f"改为{role.zh}时请同时指定其所在的{'村（居）' if wanted is OrgLevel.VILLAGE else '乡镇（街道）'}",
                f"a {role.en} serves a {wanted.en}: give the new unit with the new role"))
    if "covered" in values:
        ids: list[str] = []
        for ref in _covered_refs(values["covered"]):
            try:
                unit = find_unit(session, ref, "covered")
            except ValidationError as exc:
                errors.extend(exc.errors)
                continue
            if unit.level is not OrgLevel.VILLAGE:
                errors.append(FieldError("covered", f"“{unit.name}”不是村（居）", f"'{unit.name}' is not a village"))
            elif unit.id not in ids:
                ids.append(unit.id)
        out["covered_org_ids"] = ids
    if errors:
        order = list(STAFF_FIELDS) + list(UNIT_KEYS)
        errors.sort(key=lambda e: order.index(e.field) if e.field in order else len(order))
        raise ValidationError(errors)
    return out


def find_staff(session: Session, ref: str) -> Staff:
    """A staff record by record id, ID number (any accepted spelling) or name (when one record
    has it).

    Raises:
        NotFoundError: no such person, or the name is shared (the message says to use the ID
            number).
    """
    text = (ref or "").strip()
    person = session.get(Staff, text) if len(text) == 36 else None
    if person is None and text:
        number = clean_id_number(text)
        if number[:17].isdigit() and len(number) in (15, 18):
            with contextlib.suppress(ValidationError):
                number = parse_id_number(number).number
            found = session.scalars(select(Staff).where(Staff.id_number == number)
                                    .order_by(Staff.appointed_on.desc())).all()
            person = found[0] if found else None
    if person is None and text:
        named = session.scalars(select(Staff).where(Staff.name == text)).all()
        if len(named) > 1:
            raise NotFoundError(f"有{len(named)}人叫“{text}”，请用身份证号或记录编号",
                                f"{len(named)} staff are called '{text}'; use the ID number or record id")
        person = named[0] if named else None
    if person is None:
        raise NotFoundError(f"人员名册中找不到“{ref}”（请用身份证号、姓名或记录编号）",
                            f"no staff member '{ref}' (use the ID number, name or record id)")
    return person


def _in_office(person: Staff, on: dt.date) -> bool:
    return (person.appointed_on is None or person.appointed_on <= on) and (person.ended_on is None or person.ended_on >= on)


def current_director(session: Session, unit_id: str, on: dt.date, *, exclude: str | None = None) -> Staff | None:
    """The child director whose own village is ``unit_id`` and who is in office on ``on``."""
    for person in session.scalars(select(Staff).where(Staff.role == StaffRole.CHILD_DIRECTOR,
                                                      Staff.org_unit_id == unit_id)):
        if person.id != exclude and _in_office(person, on):
            return person
    return None


def _check_unique_id(session: Session, number: str | None, staff_id: str | None, start: dt.date | None,
                     end: dt.date | None) -> None:
    if not number:
        return
    for other in session.scalars(select(Staff).where(Staff.id_number == number)):
        if other.id == staff_id:
            continue
        overlap = (other.ended_on is None or start is None or other.ended_on >= start) and \
                  (end is None or other.appointed_on is None or other.appointed_on <= end)
        if overlap:
            raise ValidationError.single(
                "id_number", f"身份证号{number}已登记为“{other.name}”（{other.role.zh}），任职期间重叠；请修改原记录",
                f"ID number {number} is already registered to {other.name} ({other.role.en}) for an overlapping period",
            )


def add_staff(
    session: Session, values: Mapping[str, Any], *, today: dt.date | None = None, replace: bool = False,
) -> WriteResult:
    """Add a director or supervisor.

    A village has one child director at a time (陕民发〔2019〕52号: "每个村（居）委会设立1名儿童
    主任"). Adding a director to a village that has one in office on the appointment date is
    refused unless ``replace``, which ends the predecessor the day before (a replacement, 人员调整).

    Returns:
        The new record's id and the recorded changes.

    Raises:
        ValidationError: a bad field, an ID number already registered for an overlapping period,
            or a village that already has a director (without ``replace``).
    """
    today = today or dt.date.today()
    cleaned = clean_staff_input(session, values, today=today)
    _check_unique_id(session, cleaned.get("id_number"), None, cleaned.get("appointed_on"), cleaned.get("ended_on"))
    start: dt.date = cleaned["appointed_on"]
    unit_id = cleaned.get("org_unit_id")
    if cleaned["role"] is StaffRole.CHILD_DIRECTOR and unit_id:
        previous = current_director(session, unit_id, start)
        if previous is not None and not replace:
            raise ValidationError.single(
                "unit", f"该村已有儿童主任“{previous.name}”在任：请先办理离任，或选择“替换”",
                f"this village already has a child director in office ({previous.name}): end their term or replace them",
            )
        if previous is not None:
            if previous.appointed_on is not None and previous.appointed_on >= start:
                raise ValidationError.single("appointed_on", "新任日期应晚于前任的任职日期",
                                             "the new appointment must be after the predecessor's")
            previous.ended_on = start - dt.timedelta(days=1)
    person = Staff(**{k: v for k, v in cleaned.items() if v is not None})
    session.add(person)
    session.flush()
    return WriteResult(person.id, changes_of(session))


def update_staff(session: Session, ref: str, values: Mapping[str, Any], *, today: dt.date | None = None) -> WriteResult:
    """Change fields of a staff record (blank values clear a field; role, name and appointment
    date cannot be cleared). ``unit`` and ``covered`` reassign the person (assignment of
    directors to villages).

    Raises:
        NotFoundError: no such person.
        ValidationError: a bad field; nothing is changed.
    """
    today = today or dt.date.today()
    person = find_staff(session, ref)
    cleaned = clean_staff_input(session, values, today=today, existing=person)
    if "id_number" in cleaned or "appointed_on" in cleaned or "ended_on" in cleaned:
        _check_unique_id(session, cleaned.get("id_number", person.id_number), person.id,
                         cleaned.get("appointed_on", person.appointed_on), cleaned.get("ended_on", person.ended_on))
    role = cleaned.get("role", person.role)
    unit_id = cleaned.get("org_unit_id", person.org_unit_id)
    if role is StaffRole.CHILD_DIRECTOR and unit_id and ("org_unit_id" in cleaned or "role" in cleaned):
        start = cleaned.get("appointed_on", person.appointed_on) or today
        other = current_director(session, unit_id, max(start, today), exclude=person.id)
        if other is not None and _in_office(person, max(start, today)):
            raise ValidationError.single(
                "unit", f"该村已有儿童主任“{other.name}”在任，请先办理其离任",
                f"this village already has a child director in office ({other.name})")
    for key, value in cleaned.items():
        if key == "government_purchased" and value is None:
            value = False
        if key == "covered_org_ids" and value is None:
            value = []
        if getattr(person, key) != value:
            setattr(person, key, value)
    session.flush()
    return WriteResult(person.id, changes_of(session))


def end_staff(
    session: Session, ref: str, *, ended_on: dt.date | str | None = None, note: str | None = None,
    today: dt.date | None = None,
) -> WriteResult:
    """End a person's term (离任): ``ended_on`` is their last day in office (default today).
    Records are never deleted.

    Raises:
        NotFoundError: no such person.
        StateError: the term has already ended.
        ValidationError: a date before the appointment or in the future.
    """
    today = today or dt.date.today()
    person = find_staff(session, ref)
    if person.ended_on is not None:
        raise StateError(f"“{person.name}”已于{person.ended_on.isoformat()}离任",
                         f"{person.name}'s term already ended on {person.ended_on.isoformat()}")
    end = clean_date(ended_on, "ended_on", today=today, label_zh="离任日期", label_en="end date") or today
    if person.appointed_on is not None and end < person.appointed_on:
        raise ValidationError.single("ended_on", "离任日期不能早于任职日期", "the end date cannot be before the appointment")
    person.ended_on = end
    text = clean_text(note, max_length=4000, field="note")
    if text:
        person.notes = f"{person.notes}\n{text}" if person.notes else text
    session.flush()
    return WriteResult(person.id, changes_of(session))


def add_training(session: Session, staff_ref: str, values: Mapping[str, Any], *, today: dt.date | None = None) -> WriteResult:
    """Record a training a person attended: ``held_on`` (required, not in the future),
    ``topic`` (required), ``organiser``, ``hours`` (a number above 0, at most 200).

    Raises:
        NotFoundError: no such person.
        ValidationError: every bad field; nothing is written.
    """
    today = today or dt.date.today()
    person = find_staff(session, staff_ref)
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    for key, raw in values.items():
        spec = TRAINING_FIELDS.get(key)
        if spec is None:
            errors.append(FieldError(key, f"培训记录没有“{key}”这一项", f"a training record has no field '{key}'"))
            continue
        if key == "hours":
            if blank(raw):
                out[key] = None
                continue
            try:
                hours = float(str(raw).strip())
            except ValueError:
                hours = -1.0
            if not 0 < hours <= 200:
                errors.append(FieldError("hours", "学时应为大于0、不超过200的数字", "hours must be a number above 0, at most 200"))
            out[key] = hours
            continue
        try:
            out[key] = spec.clean(raw, today=today, field=key)
        except ValidationError as exc:
            errors.extend(exc.errors)
    for key in ("held_on", "topic"):
        if out.get(key) is None and not any(e.field == key for e in errors):
            spec = TRAINING_FIELDS[key]
            errors.append(FieldError(key, f"“{spec.zh}”必须填写", f"{spec.en} is required"))
    if errors:
        raise ValidationError(errors)
    record = TrainingRecord(staff_id=person.id, **{k: v for k, v in out.items() if v is not None})
    session.add(record)
    session.flush()
    return WriteResult(record.id, changes_of(session))

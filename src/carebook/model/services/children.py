"""Use cases of the child's file: register, update, close, reopen, find.

Input is a flat mapping of field names to values as people type them (see
:mod:`carebook.model.child_fields`): child fields by name, family members' fields as
``role.field`` (``father.phone``). Every function validates everything first and raises one
:class:`~carebook.model.errors.ValidationError` listing every bad field, so nothing is written
when any field is wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.child_fields import CHILD_FIELDS, MEMBER_FIELDS, MEMBER_ROLES, spec_for
from carebook.model.children import Child, FamilyMember
from carebook.model.enums import ClosingReason, OrgLevel, Relation, Sex
from carebook.model.errors import EditConflictError, FieldError, NotFoundError, StateError, ValidationError
from carebook.model.idnumber import clean_id_number, parse_id_number
from carebook.model.installation import get_installation
from carebook.model.organisation import OrgUnit
from carebook.model.recording import WriteResult, changes_of
from carebook.model.services.derived import members_of, refresh_child
from carebook.model.settings import RegisterSettings, load_settings
from carebook.model.validation import age_on, blank, clean_date, clean_text


@dataclass
class ChildInput:
    """Cleaned input: child fields and, per member role, that member's fields. Only the keys
    given are present (so an update changes only what was given)."""

    child: dict[str, Any] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)


def clean_child_input(
    values: Mapping[str, Any], *, today: dt.date, existing: Child | None = None, partial: bool = False,
) -> ChildInput:
    """Validate and canonicalise ``values``.

    The ID number decides date of birth and sex: they are filled from it when missing and must
    agree with it when given (GB 11643-1999). For a new child (``partial=False``) the name,
    sex and date of birth are required, and the ID number unless the child has no household
    registration.

    Raises:
        ValidationError: every invalid field, in field order.
    """
    errors: list[FieldError] = []
    result = ChildInput()
    for key, raw in values.items():
        try:
            spec = spec_for(key)
            cleaned = spec.clean(raw, today=today, field=key)
        except ValidationError as exc:
            errors.extend(exc.errors)
            continue
        if "." in key:
            role, sub = key.split(".", 1)
            result.members.setdefault(role, {})[sub] = cleaned
        else:
            result.child[key] = cleaned

    c = result.child
    # ID number, date of birth and sex must agree.
    id_number = c.get("id_number", existing.id_number if existing else None)
    if id_number and not any(e.field == "id_number" for e in errors):
        info = parse_id_number(id_number, today=today)
        dob = c.get("date_of_birth", existing.date_of_birth if existing else None)
        if ("date_of_birth" in c and c["date_of_birth"] is None) or dob is None:
            c["date_of_birth"] = info.date_of_birth
        elif dob != info.date_of_birth and not any(e.field == "date_of_birth" for e in errors):
            errors.append(FieldError(
                "date_of_birth",
                f"出生日期{dob.isoformat()}与身份证号中的{info.date_of_birth.isoformat()}不一致，请核对",
                f"date of birth {dob.isoformat()} differs from {info.date_of_birth.isoformat()} in the ID number",
            ))
        sex = c.get("sex", existing.sex if existing else None)
        if sex is None or sex in (Sex.UNKNOWN, Sex.UNSPECIFIED):
            c["sex"] = info.sex
        elif sex is not info.sex and not any(e.field == "sex" for e in errors):
            errors.append(FieldError(
                "sex",
                f"性别“{sex.zh}”与身份证号（第17位表示{info.sex.zh}）不一致，请核对",
                f"sex '{sex.en}' differs from the ID number, which says {info.sex.en}",
            ))
    if not partial:
        has_registration = c.get("has_household_registration")
        for key, zh, en in [("name", "姓名", "name"), ("sex", "性别", "sex"),
                            ("date_of_birth", "出生日期", "date of birth")]:
            if blank(c.get(key)) and not any(e.field in (key, "id_number") for e in errors):
                errors.append(FieldError(key, f"“{zh}”必须填写", f"{en} is required"))
        if not c.get("id_number") and has_registration is not False and not any(
                e.field == "id_number" for e in errors):
            errors.append(FieldError(
                "id_number", "“身份证号”必须填写（没有户籍的儿童请勾选“无户籍”）",
                "ID number is required (tick 'no household registration' for a child without one)",
            ))
    elif existing is not None:
        for key, zh, en in [("name", "姓名", "name"), ("sex", "性别", "sex"),
                            ("date_of_birth", "出生日期", "date of birth")]:
            if key in c and blank(c[key]):
                errors.append(FieldError(key, f"“{zh}”不能清空", f"{en} cannot be cleared"))
        # the same rule as at registration: a child with household registration has an ID number
        # (QA: clearing it was accepted, and the next ledger import made a second file)
        registered = c.get("has_household_registration", existing.has_household_registration)
        if "id_number" in c and blank(c["id_number"]) and registered is not False and not any(
                e.field == "id_number" for e in errors):
            errors.append(FieldError(
                "id_number", "有户籍的儿童，“身份证号”不能清空（没有户籍的儿童请同时把“是否有户籍”改为否）",
                "the ID number of a child with household registration cannot be cleared (for a child "
                "without one, set 'has household registration' to no as well)",
            ))
    dob = c.get("date_of_birth", existing.date_of_birth if existing else None)
    if dob is not None and not any(e.field == "date_of_birth" for e in errors) and age_on(dob, today) >= 25:
        errors.append(FieldError(
            "date_of_birth", "按出生日期已超过25岁，不是儿童，请核对", "by the date of birth this is an adult",
        ))
    for role, fields in result.members.items():
        if "id_number" in fields and fields["id_number"] and "date_of_birth" not in fields:
            fields["date_of_birth"] = parse_id_number(fields["id_number"], today=today).date_of_birth
        if role == "guardian" and fields.get("name") and "relation" not in fields and (
                existing is None):
            fields.setdefault("relation", None)
    if errors:
        order = list(CHILD_FIELDS) + [f"{r}.{f}" for r in MEMBER_ROLES for f in MEMBER_FIELDS]
        errors.sort(key=lambda e: order.index(e.field) if e.field in order else len(order))
        raise ValidationError(errors)
    return result


def find_child(session: Session, ref: str) -> Child:
    """Find a child by record id or ID number (any accepted spelling).

    Raises:
        NotFoundError: no such child.
    """
    ref = (ref or "").strip()
    child = session.get(Child, ref) if len(ref) == 36 else None
    if child is None:
        number = clean_id_number(ref)
        if len(number) == 15:
            with contextlib.suppress(ValidationError):
                number = parse_id_number(number).number
        child = session.scalar(select(Child).where(Child.id_number == number))
    if child is None:
        raise NotFoundError(f"名册中找不到“{ref}”（请用身份证号或记录编号）",
                            f"no child '{ref}' in the register (use the ID number or record id)")
    return child


def _check_unique_id(session: Session, id_number: str | None, child_id: str | None) -> None:
    if not id_number:
        return
    other = session.scalar(select(Child).where(Child.id_number == id_number))
    if other is not None and other.id != child_id:
        raise ValidationError.single(
            "id_number",
            f"身份证号{id_number}已登记在“{other.name}”的档案中，同一儿童不能重复登记",
            f"ID number {id_number} is already in the file of {other.name}",
        )


def member_for_role(members: list[FamilyMember], role: str) -> FamilyMember | None:
    """The member of ``members`` playing ``role`` (``father``, ``guardian``, …), if any."""
    fixed = MEMBER_ROLES[role][2]
    for m in members:
        if role == "guardian" and m.is_entrusted_guardian:
            return m
        if role != "guardian" and not m.is_entrusted_guardian and m.relation is fixed:
            return m
    return None


def _apply_members(session: Session, child: Child, members_input: dict[str, dict[str, Any]]) -> list[FamilyMember]:
    members = members_of(session, child.id)
    for role, fields in members_input.items():
        member = member_for_role(members, role)
        if member is None:
            if all(v in (None, "", []) for v in fields.values()):
                continue
            relation = MEMBER_ROLES[role][2] or fields.get("relation") or Relation.OTHER_RELATIVE
            member = FamilyMember(child_id=child.id, relation=relation, is_entrusted_guardian=(role == "guardian"))
            session.add(member)
            members.append(member)
        for key, value in fields.items():
            if key == "relation" and (MEMBER_ROLES[role][2] is not None or value is None):
                continue
            if getattr(member, key) != value:
                setattr(member, key, value)
    return members


def village_of_new_children(session: Session, village_id: str | None = None) -> str:
    """The village a new child's file is kept in: ``village_id``, else this installation's unit.

    Children belong to villages: a township or county PC receives the villages' files by sync
    and never creates one under itself (a ledger import or a new file there would put the
    child in the township).

    Raises:
        ValidationError: the unit is not a village (field ``village_id``); nothing is written.
    """
    unit_id = village_id or get_installation(session).org_unit_id
    unit = session.get(OrgUnit, unit_id)
    if unit is None or unit.level is not OrgLevel.VILLAGE:
        name = f"“{unit.name}”" if unit is not None else ""
        raise ValidationError.single(
            "village_id",
            f"{name}不是村（居），儿童档案只能建在村里：请在村儿童主任的电脑上导入台账或登记儿童，"
            "再通过同步交到乡镇",
            f"{unit.name if unit is not None else 'this unit'} is not a village and children's files "
            "belong to villages: import the ledger or register the child on the village's PC and "
            "sync it to the township",
        )
    return unit.id


def register_child(
    session: Session, values: Mapping[str, Any], *, village_id: str | None = None,
    today: dt.date | None = None, settings: RegisterSettings | None = None,
) -> WriteResult:
    """Register a new child with its family members.

    Args:
        values: field → value (see :mod:`carebook.model.child_fields`).
        village_id: the village's org unit id (default: this installation's unit).

    Returns:
        The new child's id and the recorded changes.

    Raises:
        ValidationError: a bad field, the ID number is already in the register, or the unit is
            not a village (:func:`village_of_new_children`).
    """
    today = today or dt.date.today()
    settings = settings or load_settings(session)
    cleaned = clean_child_input(values, today=today)
    _check_unique_id(session, cleaned.child.get("id_number"), None)
    village_id = village_of_new_children(session, village_id)
    child = Child(village_id=village_id, **{k: v for k, v in cleaned.child.items() if v is not None})
    session.add(child)
    session.flush()
    members = _apply_members(session, child, cleaned.members)
    refresh_child(session, child, settings, today, members)
    session.flush()
    return WriteResult(child.id, changes_of(session))


def update_child(
    session: Session, ref: str, values: Mapping[str, Any], *, today: dt.date | None = None,
    settings: RegisterSettings | None = None, expected_version: int | None = None,
) -> WriteResult:
    """Change fields of a child's file (and its family members). Blank values clear a field.

    ``expected_version``: the child record's ``version`` the caller read (an editor that opened
    the file); when the record has another version now, nothing is written (an optimistic lock in
    the write transaction, so no change made meanwhile is overwritten unseen).

    Raises:
        NotFoundError: no such child.
        ValidationError: a bad field; nothing is changed.
        EditConflictError: the version is not ``expected_version``; nothing is changed.
    """
    today = today or dt.date.today()
    settings = settings or load_settings(session)
    child = find_child(session, ref)
    if expected_version is not None and child.version != expected_version:
        raise EditConflictError()
    cleaned = clean_child_input(values, today=today, existing=child, partial=True)
    if "id_number" in cleaned.child:
        _check_unique_id(session, cleaned.child["id_number"], child.id)
    for key, value in cleaned.child.items():
        if key in ("income_sources", "assessed_categories") and value is None:
            value = []
        if key in ("has_household_registration", "lives_in_school_dormitory", "in_institution",
                   "parents_unknown", "serious_illness", "high_medical_costs", "family_poverty",
                   "key_child") and value is None:
            value = False
        if getattr(child, key) != value:
            setattr(child, key, value)
    members = _apply_members(session, child, cleaned.members)
    session.flush()
    refresh_child(session, child, settings, today, members)
    session.flush()
    return WriteResult(child.id, changes_of(session))


def close_child(
    session: Session, ref: str, reason: ClosingReason | str, *, on: dt.date | None = None,
    note: str | None = None, transferred_to: str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Close a child's file with a reason. Files are never deleted.

    The closing date (default today) is neither in the future nor before the child's date of
    birth, and ``aged_out`` (年满18周岁) needs the child to be 18 or older on that date; the
    command line and the desktop's close dialog both get these rules from here.

    Raises:
        NotFoundError: no such child.
        ValidationError: unknown reason, a date in the future or before the date of birth, or
            ``aged_out`` for a child under 18 on the closing date.
        StateError: the file is already closed.
    """
    today = today or dt.date.today()
    child = find_child(session, ref)
    reason = ClosingReason.parse(reason, "reason")
    closed_on = clean_date(on, "closed_on", today=today, label_zh="销档日期", label_en="closing date") or today
    if child.closed_reason is not None:
        raise StateError(f"“{child.name}”的档案已于{child.closed_on}销档", f"{child.name}'s file is already closed")
    born = child.date_of_birth
    if born is not None and closed_on < born:
        raise ValidationError.single(
            "closed_on",
            f"销档日期{closed_on}早于“{child.name}”的出生日期{born}，请填写实际销档的日期",
            f"the closing date {closed_on} is before {child.name}'s date of birth {born}: give the day "
            "the file is actually closed",
        )
    if reason is ClosingReason.AGED_OUT and born is not None and age_on(born, closed_on) < 18:
        adult = _eighteenth_birthday(born)
        raise ValidationError.single(
            "reason",
            f"“{child.name}”在{closed_on}未满18周岁（{adult}满18岁），不能以“年满18周岁”销档，"
            "请选择实际的销档原因",
            f"{child.name} is not 18 on {closed_on} (turns 18 on {adult}): 'aged out' does not apply, "
            "choose the actual reason",
        )
    child.closed_reason = reason
    child.closed_on = closed_on
    child.closed_note = clean_text(note, max_length=4000, field="note")
    if transferred_to:
        child.transferred_to = transferred_to
    session.flush()
    return WriteResult(child.id, changes_of(session))


def _eighteenth_birthday(born: dt.date) -> dt.date:
    """The day a child born on ``born`` turns 18 (1 March for 29 February, as :func:`age_on`)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return dt.date(born.year + 18, 3, 1)


def reopen_child(session: Session, ref: str, *, today: dt.date | None = None,
                 settings: RegisterSettings | None = None) -> WriteResult:
    """Reopen a closed file (e.g. closed by mistake).

    Raises:
        NotFoundError: no such child.
        StateError: the file is open.
    """
    today = today or dt.date.today()
    child = find_child(session, ref)
    if child.closed_reason is None:
        raise StateError(f"“{child.name}”的档案没有销档", f"{child.name}'s file is not closed")
    child.closed_reason = None
    child.closed_on = None
    child.closed_note = None
    child.transferred_to = None
    session.flush()
    refresh_child(session, child, settings or load_settings(session), today)
    session.flush()
    return WriteResult(child.id, changes_of(session))

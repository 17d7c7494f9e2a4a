"""Use cases of home visits: record a visit, propose the next one, list what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from carebook.model.child_fields import FieldSpec
from carebook.model.enums import Relation, VisitKind, VisitMethod
from carebook.model.errors import FieldError, StateError, ValidationError
from carebook.model.recording import WriteResult, changes_of
from carebook.model.services.children import find_child
from carebook.model.services.derived import propose_next_visit, refresh_child
from carebook.model.settings import RegisterSettings, load_settings
from carebook.model.staff import Staff
from carebook.model.visits import Visit

VISIT_FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    FieldSpec("visit_date", "走访日期", "visit date", "date"),
    FieldSpec("visit_time", "走访时间", "visit time", "text", max_length=5),
    FieldSpec("kind", "走访类型", "visit kind", "enum", VisitKind),
    FieldSpec("method", "走访方式", "method", "enum", VisitMethod),
    FieldSpec("place", "走访地点", "place"),
    FieldSpec("visitor_name", "走访人", "visitor", "name"),
    FieldSpec("interviewee_name", "受访人", "person interviewed", "name"),
    FieldSpec("interviewee_relation", "受访人与儿童关系", "their relation", "enum", Relation),
    FieldSpec("last_parent_contact", "儿童最近与父母联系时间", "last contact with the parents", "date"),
    FieldSpec("living_conditions", "生活状况", "living conditions", "longtext"),
    FieldSpec("family_situation", "家庭情况", "family situation", "longtext"),
    FieldSpec("guardianship_situation", "监护情况", "guardianship", "longtext"),
    FieldSpec("mental_state", "心理状况", "mental state", "longtext"),
    FieldSpec("schooling_situation", "就学情况", "schooling", "longtext"),
    FieldSpec("health_situation", "健康情况", "health", "longtext"),
    FieldSpec("guardian_opinion", "监护人意见", "guardian's opinion", "longtext"),
    FieldSpec("actions", "采取措施", "actions", "longtext"),
    FieldSpec("suggested_help", "建议帮扶", "suggested help", "longtext"),
    FieldSpec("outcome", "回访结果", "outcome", "longtext"),
    FieldSpec("mark_key_child", "列为重点儿童", "mark as key child", "bool"),
]}


def next_visit_proposal(
    session: Session, child_ref: str, visit_date: dt.date, settings: RegisterSettings | None = None,
) -> dt.date:
    """The next visit date proposed after a visit on ``visit_date``, from the frequency
    settings for the child's categories and risk colour."""
    child = find_child(session, child_ref)
    settings = settings or load_settings(session)
    risk = child.risk_colour.code if child.risk_colour else None
    return propose_next_visit(list(child.categories or []), risk, visit_date, visit_date, settings)


def _valid_time(text: str) -> bool:
    """``H:MM`` or ``HH:MM`` on a 24-hour clock (00:00-23:59)."""
    hour, sep, minute = text.strip().partition(":")
    return bool(sep) and hour.isdigit() and minute.isdigit() and len(minute) == 2 and int(hour) < 24 \
        and int(minute) < 60


def record_visit(
    session: Session, child_ref: str, values: Mapping[str, Any], *, today: dt.date | None = None,
    settings: RegisterSettings | None = None, visitor_staff_id: str | None = None,
) -> WriteResult:
    """Record a visit to a child. ``values`` uses the names of :data:`VISIT_FIELDS` plus
    ``next_visit_date`` (proposed from the settings when missing). ``mark_key_child`` also
    marks the child as a key child.

    Raises:
        NotFoundError: no such child.
        StateError: the child's file is closed.
        ValidationError: a bad field (visit date missing, in the future or before the child's
            birth, a time that is not HH:MM, next visit before the visit); nothing is written.
    """
    today = today or dt.date.today()
    settings = settings or load_settings(session)
    child = find_child(session, child_ref)
    if child.closed_reason is not None:
        raise StateError(f"“{child.name}”的档案已销档，不能再记录走访", f"{child.name}'s file is closed")
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        if key == "next_visit_date":
            continue
        spec = VISIT_FIELDS.get(key)
        if spec is None:
            errors.append(FieldError(key, f"走访记录没有“{key}”这一项", f"a visit has no field '{key}'"))
            continue
        try:
            cleaned[key] = spec.clean(raw, today=today, field=key)
        except ValidationError as exc:
            errors.extend(exc.errors)
    if cleaned.get("visit_date") is None and not any(e.field == "visit_date" for e in errors):
        errors.append(FieldError("visit_date", "“走访日期”必须填写", "visit date is required"))
    next_date: dt.date | None = None
    raw_next = values.get("next_visit_date")
    try:
        next_date = VISIT_FIELDS["visit_date"].clean(raw_next, today=dt.date.max, field="next_visit_date")
    except ValidationError as exc:
        errors.extend(exc.errors)
    visit_date = cleaned.get("visit_date")
    if visit_date is not None and child.date_of_birth is not None and visit_date < child.date_of_birth \
            and not any(e.field == "visit_date" for e in errors):
        errors.append(FieldError("visit_date", f"走访日期不能早于儿童的出生日期（{child.date_of_birth.isoformat()}）",
                                 f"the visit date cannot be before the child's birth ({child.date_of_birth.isoformat()})"))
    time_text = cleaned.get("visit_time")
    if time_text and not _valid_time(str(time_text)):
        errors.append(FieldError("visit_time", f"走访时间“{time_text}”不对：请按“时:分”填写，如 14:30",
                                 f"visit time '{time_text}' is not a time: write it as HH:MM, e.g. 14:30"))
    if next_date is not None and visit_date is not None and next_date <= visit_date:
        errors.append(FieldError("next_visit_date", "下次走访日期应晚于本次走访日期",
                                 "the next visit must be after this visit"))
    if errors:
        raise ValidationError(errors)
    assert visit_date is not None
    if visitor_staff_id and session.get(Staff, visitor_staff_id) is None:
        visitor_staff_id = None
    if cleaned.get("mark_key_child") and not child.key_child:
        child.key_child = True
        session.flush()
        refresh_child(session, child, settings, today)
    if next_date is None:
        next_date = next_visit_proposal(session, child.id, visit_date, settings)
    visit = Visit(child_id=child.id, next_visit_date=next_date, visitor_staff_id=visitor_staff_id,
                  **{k: v for k, v in cleaned.items() if v is not None})
    session.add(visit)
    session.flush()
    refresh_child(session, child, settings, today)
    session.flush()
    return WriteResult(visit.id, changes_of(session))

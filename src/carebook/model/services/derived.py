"""Derived columns of a child: categories, search keys and the next visit due.

Recomputed by the services after every write that touches a child, its family or its visits,
and by sync after merging; never recorded in the change log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from carebook.model.categories import ChildFacts, ParentFacts, compute_categories, sort_categories
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.enums import Relation
from carebook.model.pinyin import search_key
from carebook.model.settings import RegisterSettings
from carebook.model.visits import Visit


def members_of(session: Session, child_id: str) -> list[FamilyMember]:
    """The family members of a child, in a stable order (relation code, then id)."""
    return list(session.scalars(
        select(FamilyMember).where(FamilyMember.child_id == child_id)
        .order_by(FamilyMember.relation, FamilyMember.id)
    ))


def parent_member(members: Sequence[Any], relation: Relation) -> Any:
    """The father or mother among ``members`` (not the entrusted guardian)."""
    for m in members:
        if m.relation is relation and not m.is_entrusted_guardian:
            return m
    return None


def child_facts(session: Session, child: Child, members: list[FamilyMember] | None = None) -> ChildFacts:
    """The facts of ``child`` that decide its categories."""
    members = members if members is not None else members_of(session, child.id)
    kinds = session.scalars(select(AssistanceRecord.kind).where(AssistanceRecord.child_id == child.id))
    return facts_of(child, members, kinds)


def facts_of(child: Any, members: Sequence[Any], assistance_kinds: Iterable[Any]) -> ChildFacts:
    """The facts that decide the categories of ``child`` (a :class:`Child` or a row with its
    columns), given its family members (the first father and mother in the given order that are
    not the entrusted guardian count) and the kinds of its assistance records."""
    father = parent_member(members, Relation.FATHER)
    mother = parent_member(members, Relation.MOTHER)
    return ChildFacts(
        date_of_birth=child.date_of_birth,
        registration_type=child.registration_type,
        has_household_registration=child.has_household_registration,
        father=ParentFacts(father.status, father.away_since) if father else ParentFacts(),
        mother=ParentFacts(mother.status, mother.away_since) if mother else ParentFacts(),
        parents_unknown=child.parents_unknown,
        in_institution=child.in_institution,
        health_status=child.health_status,
        serious_illness=child.serious_illness,
        schooling_stage=child.schooling_stage,
        guardianship_quality=child.guardianship_quality,
        improper_guardianship=bool(child.improper_guardianship),
        family_poverty=child.family_poverty,
        assistance_kinds=frozenset(str(k) for k in assistance_kinds),
        assessed_categories=frozenset(child.assessed_categories or []),
        key_child=child.key_child,
    )


def visit_interval_days(categories: list[str], risk: str | None, settings: RegisterSettings) -> int:
    """Days between visits for a child: the shortest interval among its categories and risk
    colour (settings), else the default interval."""
    options = [settings.visit_interval_by_category[c] for c in categories
               if c in settings.visit_interval_by_category]
    if risk and risk in settings.visit_interval_by_risk:
        options.append(settings.visit_interval_by_risk[risk])
    return min(options) if options else settings.default_visit_interval


def propose_next_visit(
    categories: list[str], risk: str | None, last_visit: dt.date | None, today: dt.date,
    settings: RegisterSettings,
) -> dt.date:
    """The proposed next visit date: the last visit plus the interval for the child's
    categories and risk; today for a child never visited."""
    if last_visit is None:
        return today
    return last_visit + dt.timedelta(days=visit_interval_days(categories, risk, settings))


def derived_values(
    child: Any, members: Sequence[Any], assistance_kinds: Iterable[Any],
    last_visit: tuple[dt.date, dt.date | None] | None, settings: RegisterSettings, today: dt.date,
) -> dict[str, Any]:
    """The derived columns of ``child`` (a :class:`Child` or a row with its columns):
    ``categories``, ``search_initials``, ``id_number_rev``, ``last_visit_date`` and
    ``next_visit_due``, from its family members (see :func:`facts_of`), assistance kinds and
    last visit ``(visit_date, next_visit_date)`` (latest visit date, then latest created;
    ``None`` when never visited). The one place these rules live: :func:`refresh_child` and
    :func:`refresh_children` (and sync after a merge) all use it.

    Rules: categories per :func:`carebook.model.categories.compute_categories`. The next visit
    due is derived, never kept: the last visit's date plus the visit interval of the child's
    *current* categories and risk colour (:func:`propose_next_visit`, settings frequencies), or
    the date the last visit planned (the visit's ``next_visit_date``, the director's plan
    recorded with the visit) when that is earlier. So raising the risk to red brings the next
    visit forward to the last visit + the red interval, and lowering it moves the date later again
    (never later than the interval allows, never past an earlier plan). A child never visited is
    due from its registration (or keeps a due date already set).
    """
    categories = sort_categories(compute_categories(facts_of(child, members, assistance_kinds), today, settings))
    risk = child.risk_colour.code if child.risk_colour else None
    next_due = child.next_visit_due
    if last_visit is not None:
        next_due = propose_next_visit(categories, risk, last_visit[0], today, settings)
        if last_visit[1] is not None and last_visit[1] < next_due:
            next_due = last_visit[1]
    elif next_due is None:
        base = child.created_at.date() if child.created_at else today
        next_due = propose_next_visit(categories, risk, None, base, settings)
    return {
        "categories": categories, "search_initials": search_key(child.name),
        "id_number_rev": child.id_number[::-1] if child.id_number else None,
        "last_visit_date": last_visit[0] if last_visit else None, "next_visit_due": next_due,
    }


def refresh_child(
    session: Session, child: Child, settings: RegisterSettings, today: dt.date,
    members: list[FamilyMember] | None = None,
) -> None:
    """Recompute the derived columns of ``child`` (categories, search keys, last visit and
    next visit due; see :func:`derived_values`)."""
    members = members if members is not None else members_of(session, child.id)
    kinds = session.scalars(select(AssistanceRecord.kind).where(AssistanceRecord.child_id == child.id))
    last = session.execute(
        select(Visit.visit_date, Visit.next_visit_date).where(Visit.child_id == child.id)
        .order_by(Visit.visit_date.desc(), Visit.created_at.desc()).limit(1)
    ).first()
    values = derived_values(child, members, kinds, (last[0], last[1]) if last else None, settings, today)
    for key, value in values.items():
        setattr(child, key, value)


#: Columns of ``child`` that :func:`derived_values` reads.
CHILD_INPUT_COLUMNS = (
    "id", "created_at", "next_visit_due", "name", "id_number", "risk_colour", "date_of_birth",
    "registration_type", "has_household_registration", "parents_unknown", "in_institution", "health_status",
    "serious_illness", "schooling_stage", "guardianship_quality", "improper_guardianship", "family_poverty",
    "assessed_categories", "key_child",
)
_MEMBER_COLUMNS = ("id", "child_id", "relation", "status", "away_since", "is_entrusted_guardian")
#: Batch size of :func:`derived_rows` (SQLite limits bound parameters).
BATCH = 500


def _member_order(member: Any) -> tuple[str, str]:
    """The order of :func:`members_of` (relation code, NULL first; then id)."""
    return (member.relation.code if member.relation else "", member.id)


def derived_rows(
    session: Session, child_ids: Iterable[str], settings: RegisterSettings, today: dt.date,
) -> list[dict[str, Any]]:
    """The derived columns (:func:`derived_values`) of the children ``child_ids`` that exist,
    as ``{"id": ..., column: value, ...}`` dicts in id order; children, family members,
    assistance kinds and visits are read in one query each per :data:`BATCH` children."""
    child_t, member_t = Child.__table__, FamilyMember.__table__
    assist_t, visit_t = AssistanceRecord.__table__, Visit.__table__
    ids = sorted(set(child_ids))
    out: list[dict[str, Any]] = []
    in_part: BindParameter[Any] = bindparam("part", expanding=True)  # compiled once, whatever the batch
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        children = list(session.execute(
            select(*(child_t.c[k] for k in CHILD_INPUT_COLUMNS)).where(child_t.c.id.in_(in_part)), {"part": part}))
        if not children:
            continue
        members: dict[str, list[Any]] = {}
        for m in session.execute(
                select(*(member_t.c[k] for k in _MEMBER_COLUMNS)).where(member_t.c.child_id.in_(in_part)), {"part": part}):
            members.setdefault(m.child_id, []).append(m)
        kinds: dict[str, list[Any]] = {}
        for cid, kind in session.execute(
                select(assist_t.c.child_id, assist_t.c.kind).where(assist_t.c.child_id.in_(in_part)), {"part": part}):
            kinds.setdefault(cid, []).append(kind)
        last: dict[str, tuple[Any, Any, Any]] = {}
        for cid, vdate, nxt, created in session.execute(
                select(visit_t.c.child_id, visit_t.c.visit_date, visit_t.c.next_visit_date, visit_t.c.created_at)
                .where(visit_t.c.child_id.in_(in_part)), {"part": part}):
            seen = last.get(cid)
            if seen is None or (vdate, created) > (seen[0], seen[2]):
                last[cid] = (vdate, nxt, created)
        for c in children:
            mine = sorted(members.get(c.id, []), key=_member_order)
            visit = last.get(c.id)
            values = derived_values(c, mine, kinds.get(c.id, ()), (visit[0], visit[1]) if visit else None,
                                    settings, today)
            values["id"] = c.id
            out.append(values)
    return out


def refresh_children(session: Session, child_ids: Iterable[str], settings: RegisterSettings, today: dt.date) -> int:
    """Recompute and store the derived columns of the children ``child_ids`` (those that
    exist) in batches (:func:`derived_rows`), with one Core ``UPDATE`` executemany: no change
    is recorded (the columns are untracked) and ``updated_at``/``version`` stay as they are.
    Returns how many children were refreshed."""
    rows = derived_rows(session, child_ids, settings, today)
    if rows:
        child_t = cast(Table, Child.__table__)
        columns = ("categories", "search_initials", "id_number_rev", "last_visit_date", "next_visit_due")
        stmt = update(child_t).where(child_t.c.id == bindparam("_id")).values(
            {**{c: bindparam(f"v_{c}") for c in columns}, "updated_at": child_t.c.updated_at})
        session.connection().execute(stmt, [{"_id": r["id"], **{f"v_{c}": r[c] for c in columns}} for r in rows])
    return len(rows)


def count_children(session: Session) -> int:
    """Number of child records (open and closed)."""
    return int(session.scalar(select(func.count()).select_from(Child)) or 0)

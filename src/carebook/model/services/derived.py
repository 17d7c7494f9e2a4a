"""Derived columns of a child: categories, search keys and the next visit due.

Recomputed by the services after every write that touches a child, its family or its visits,
and by sync after merging; never recorded in the change log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
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


def parent_member(members: list[FamilyMember], relation: Relation) -> FamilyMember | None:
    """The father or mother among ``members`` (not the entrusted guardian)."""
    for m in members:
        if m.relation is relation and not m.is_entrusted_guardian:
            return m
    return None


def child_facts(session: Session, child: Child, members: list[FamilyMember] | None = None) -> ChildFacts:
    """The facts of ``child`` that decide its categories."""
    members = members if members is not None else members_of(session, child.id)
    father = parent_member(members, Relation.FATHER)
    mother = parent_member(members, Relation.MOTHER)
    kinds = frozenset(session.scalars(
        select(AssistanceRecord.kind).where(AssistanceRecord.child_id == child.id)
    ))
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
        assistance_kinds=frozenset(str(k) for k in kinds),
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


def refresh_child(
    session: Session, child: Child, settings: RegisterSettings, today: dt.date,
    members: list[FamilyMember] | None = None,
) -> None:
    """Recompute the derived columns of ``child`` (categories, search keys, last visit and
    next visit due)."""
    child.categories = sort_categories(compute_categories(child_facts(session, child, members), today, settings))
    child.search_initials = search_key(child.name)
    child.id_number_rev = child.id_number[::-1] if child.id_number else None
    last = session.execute(
        select(Visit.visit_date, Visit.next_visit_date).where(Visit.child_id == child.id)
        .order_by(Visit.visit_date.desc(), Visit.created_at.desc()).limit(1)
    ).first()
    child.last_visit_date = last[0] if last else None
    risk = child.risk_colour.code if child.risk_colour else None
    if last is not None and last[1] is not None:
        child.next_visit_due = last[1]
    elif child.next_visit_due is None or last is not None:
        base = child.created_at.date() if child.created_at and last is None else today
        child.next_visit_due = propose_next_visit(child.categories, risk, last[0] if last else None, base, settings)


def count_children(session: Session) -> int:
    """Number of child records (open and closed)."""
    return int(session.scalar(select(func.count()).select_from(Child)) or 0)

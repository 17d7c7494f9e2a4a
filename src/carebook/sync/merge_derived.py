"""Recomputing the derived columns of many children after a merge, in batches.

The derived columns (categories, search keys, last visit and next visit due) are never synced:
each installation recomputes them (see :mod:`carebook.model.services.derived`). This is the
same computation as :func:`carebook.model.services.derived.refresh_child`, with the family
members, assistance kinds and visits of a batch of children read in one query each instead of
several per child, so that a bundle of 10,000 children merges in about a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.categories import ChildFacts, ParentFacts, compute_categories, sort_categories
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.enums import Relation
from carebook.model.pinyin import search_key
from carebook.model.services.derived import propose_next_visit
from carebook.model.settings import RegisterSettings
from carebook.model.visits import Visit
from carebook.sync.aggregates import chunks, table_of
from carebook.sync.fastwrite import update_rows

_CHILD = table_of(Child)

#: Per table, the tracked columns the derived columns of a child depend on (``None``: any).
DERIVED_INPUTS: dict[str, frozenset[str] | None] = {
    "child": frozenset({
        "name", "id_number", "date_of_birth", "registration_type", "has_household_registration",
        "parents_unknown", "in_institution", "health_status", "serious_illness", "schooling_stage",
        "guardianship_quality", "improper_guardianship", "family_poverty", "assessed_categories", "key_child",
        "risk_colour",
    }),
    "family_member": frozenset({"relation", "status", "away_since", "is_entrusted_guardian", "child_id"}),
    "assistance_record": None,
    "visit": frozenset({"visit_date", "next_visit_date", "child_id"}),
}
_CHILD_COLUMNS = ("id", "created_at", "next_visit_due", *sorted(DERIVED_INPUTS["child"] or ()))
_MEMBER_COLUMNS = ("id", "child_id", "relation", "status", "away_since", "is_entrusted_guardian")
_MEMBER = table_of(FamilyMember)
_ASSIST = table_of(AssistanceRecord)
_VISIT = table_of(Visit)


def _parent(members: list[Any], relation: Relation) -> ParentFacts:
    for m in sorted(members, key=lambda m: (m.relation.code if m.relation else "", m.id)):
        if m.relation is relation and not m.is_entrusted_guardian:
            return ParentFacts(m.status, m.away_since)
    return ParentFacts()


def refresh_children(session: Session, child_ids: Iterable[str], settings: RegisterSettings, today: dt.date) -> int:
    """Recompute the derived columns of the children ``child_ids`` (those that exist); returns
    how many were refreshed. Writes with Core, so no change is recorded (the columns are
    untracked)."""
    ids = sorted(set(child_ids))
    updates: list[dict[str, Any]] = []
    for part in chunks(ids):
        children = list(session.execute(select(*(_CHILD.c[k] for k in _CHILD_COLUMNS)).where(_CHILD.c.id.in_(part))))
        if not children:
            continue
        members: dict[str, list[Any]] = {}
        for m in session.execute(select(*(_MEMBER.c[k] for k in _MEMBER_COLUMNS)).where(_MEMBER.c.child_id.in_(part))):
            members.setdefault(m.child_id, []).append(m)
        kinds: dict[str, set[str]] = {}
        for cid, kind in session.execute(select(_ASSIST.c.child_id, _ASSIST.c.kind).where(_ASSIST.c.child_id.in_(part))):
            kinds.setdefault(cid, set()).add(str(kind))
        last: dict[str, tuple[Any, ...]] = {}
        for cid, vdate, nxt, created in session.execute(
                select(_VISIT.c.child_id, _VISIT.c.visit_date, _VISIT.c.next_visit_date, _VISIT.c.created_at)
                .where(_VISIT.c.child_id.in_(part))):
            key = (vdate, created)
            if cid not in last or key > (last[cid][0], last[cid][2]):
                last[cid] = (vdate, nxt, created)
        for c in children:
            mine = members.get(c.id, [])
            facts = ChildFacts(
                date_of_birth=c.date_of_birth, registration_type=c.registration_type,
                has_household_registration=c.has_household_registration,
                father=_parent(mine, Relation.FATHER), mother=_parent(mine, Relation.MOTHER),
                parents_unknown=c.parents_unknown, in_institution=c.in_institution,
                health_status=c.health_status, serious_illness=c.serious_illness,
                schooling_stage=c.schooling_stage, guardianship_quality=c.guardianship_quality,
                improper_guardianship=bool(c.improper_guardianship), family_poverty=c.family_poverty,
                assistance_kinds=frozenset(kinds.get(c.id, set())),
                assessed_categories=frozenset(c.assessed_categories or []), key_child=c.key_child,
            )
            categories = sort_categories(compute_categories(facts, today, settings))
            visit = last.get(c.id)
            risk = c.risk_colour.code if c.risk_colour else None
            next_due = c.next_visit_due
            if visit is not None and visit[1] is not None:
                next_due = visit[1]
            elif next_due is None or visit is not None:
                base = c.created_at.date() if c.created_at and visit is None else today
                next_due = propose_next_visit(categories, risk, visit[0] if visit else None, base, settings)
            updates.append({
                "id": c.id, "categories": categories, "search_initials": search_key(c.name),
                "id_number_rev": c.id_number[::-1] if c.id_number else None,
                "last_visit_date": visit[0] if visit else None, "next_visit_due": next_due,
            })
    update_rows(session, _CHILD, ["categories", "search_initials", "id_number_rev", "last_visit_date",
                                  "next_visit_due"], updates)
    return len(updates)

"""Recomputing the derived columns of many children after a merge, in batches.

The derived columns (categories, search keys, last visit and next visit due) are never synced:
each installation recomputes them with the model's own rules
(:func:`carebook.model.services.derived.derived_rows`, the batch form of
:func:`~carebook.model.services.derived.refresh_child`: one query per table per batch of
children), and this module writes them with one ``executemany``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from carebook.model.children import Child
from carebook.model.services.derived import derived_rows
from carebook.model.settings import RegisterSettings
from carebook.sync.aggregates import table_of
from carebook.sync.fastwrite import update_rows

_CHILD = table_of(Child)
_DERIVED = ["categories", "search_initials", "id_number_rev", "last_visit_date", "next_visit_due"]

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


def refresh_children(session: Session, child_ids: Iterable[str], settings: RegisterSettings, today: dt.date) -> int:
    """Recompute the derived columns of the children ``child_ids`` (those that exist); returns
    how many were refreshed. Writes without the ORM, so no change is recorded (the columns are
    untracked) and ``updated_at``/``version`` stay as they are."""
    rows = derived_rows(session, child_ids, settings, today)
    update_rows(session, _CHILD, _DERIVED, rows)
    return len(rows)

"""Derived columns after a merge on real registers: children a bundle inserts get their
categories, search keys, last visit and next visit due computed from the rows being inserted
(``derived_of_new_children``), and those values are exactly what recomputing them from the
register afterwards (``derived_rows``) gives; children that already existed are refreshed from
the register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from carebook.model.children import AssistanceRecord, Child
from carebook.model.enums import AssistanceType
from carebook.model.services.derived import derived_rows
from carebook.model.settings import load_settings
from carebook.sync.exchange import SyncSite, import_bundle
from sync_world import SyncWorld, build_world

_DERIVED = ("categories", "search_initials", "id_number_rev", "last_visit_date", "next_visit_due")


def _stored_and_recomputed(site: SyncSite, today: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    with site.register.reading() as session:
        stored = {row.id: {k: getattr(row, k) for k in _DERIVED} for row in session.scalars(select(Child))}
        rows = derived_rows(session, list(stored), load_settings(session), today)
    return stored, {r["id"]: {k: r[k] for k in _DERIVED} for r in rows}


def _deliver(world: SyncWorld, village: SyncSite) -> Any:
    [bundle] = [p for p in world.export(village)]
    return import_bundle(world.township, bundle, backup=False, today=world.today)


def test_new_children_get_the_derived_columns_the_register_would_compute(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        ids = world.import_ledger(village, 40, seed=11)
        # a second visit on another day, two visits on one day, an assistance record, a key child
        village.register.record_visit(ids[0], {"visit_date": world.today - dt.timedelta(days=3),
                                               "visitor_name": "村儿童主任", "next_visit_date": world.today})
        for days in (1, 1):
            village.register.record_visit(ids[1], {"visit_date": world.today - dt.timedelta(days=days),
                                                   "visitor_name": "村儿童主任"})
        with village.register.writing() as session:
            session.add(AssistanceRecord(child_id=ids[2], kind=AssistanceType.ORPHAN_ALLOWANCE))
            child = session.get(Child, ids[3])
            assert child is not None
            child.key_child = True
        result = _deliver(world, village)
        assert result.merge.inserted > 40
        assert result.merge.children_refreshed == 40
        stored, recomputed = _stored_and_recomputed(world.township, world.today)
        assert len(stored) == 40
        assert stored == recomputed
        assert stored[ids[0]]["last_visit_date"] == world.today - dt.timedelta(days=3)
        assert stored[ids[0]]["next_visit_due"] == world.today
        assert all(v["search_initials"] and v["id_number_rev"] for v in stored.values())
        assert "key_child" in stored[ids[3]]["categories"]
        # and they match what the village's services stored for the children they wrote (the
        # assistance record and key-child mark above were written past them, without a refresh)
        village_stored, _ = _stored_and_recomputed(village, world.today)
        assert {k: v for k, v in stored.items() if k not in ids[2:4]} == \
            {k: v for k, v in village_stored.items() if k not in ids[2:4]}
    finally:
        world.close()


def test_existing_children_are_refreshed_from_the_register(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        ids = world.import_ledger(village, 10, seed=12)
        _deliver(world, village)
        village.register.record_visit(ids[4], {"visit_date": world.today, "visitor_name": "村儿童主任"})
        with village.register.writing() as session:
            session.add(AssistanceRecord(child_id=ids[5], kind=AssistanceType.ORPHAN_ALLOWANCE))
        result = _deliver(world, village)
        assert result.merge.children_refreshed == 2
        stored, recomputed = _stored_and_recomputed(world.township, world.today)
        assert stored == recomputed
        assert stored[ids[4]]["last_visit_date"] == world.today
    finally:
        world.close()

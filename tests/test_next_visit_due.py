"""The next visit due is derived from the last visit, the child's categories and risk colour
(QA: raising a child's risk to red did not bring the next visit forward; the demo's red children
were due 90 days after their last visit). Real encrypted registers; a real bundle for the
township's copy; the demo township. Synthetic people only."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import select

from carebook.model.children import Child
from carebook.model.db import create_database
from carebook.model.demo_data import build_demo
from carebook.model.register import Register
from carebook.model.services.derived import derived_rows
from carebook.model.settings import load_settings
from carebook.model.visits import Visit
from carebook.sync.exchange import import_bundles
from model_helpers import PASSPHRASE, child_values, rid, years_before
from sync_world import SyncWorld, sync_world

__all__ = ["sync_world"]


def _due(reg: Register, child_id: str) -> dt.date | None:
    return reg.child_detail(child_id).next_visit_due


def _listed(reg: Register, child_id: str) -> dt.date | None:
    return next((d.due for d in reg.due_visits() if d.child_id == child_id), None)


def test_risk_up_brings_the_visit_forward_and_down_moves_it_later(register: Register, today: dt.date) -> None:
    child = rid(register.register_child(child_values("周小雨", years_before(today, 9), seq=51, risk_colour="green")))
    visited = today - dt.timedelta(days=20)
    register.record_visit(child, {"visit_date": visited, "visitor_name": "李主任"})
    assert _due(register, child) == visited + dt.timedelta(days=90)
    assert _listed(register, child) is None  # not due this week

    register.update_child(child, {"risk_colour": "red"})
    assert _due(register, child) == visited + dt.timedelta(days=15)
    assert _listed(register, child) == visited + dt.timedelta(days=15)  # overdue now, in the due list
    register.update_child(child, {"risk_colour": "yellow"})
    assert _due(register, child) == visited + dt.timedelta(days=30)
    register.update_child(child, {"risk_colour": "green"})
    assert _due(register, child) == visited + dt.timedelta(days=90)
    assert _listed(register, child) is None
    # the visit keeps the plan recorded with it
    with register.reading() as session:
        assert session.scalar(select(Visit.next_visit_date).where(Visit.child_id == child)) == \
            visited + dt.timedelta(days=90)

    # a category with a shorter interval counts too (key child: 30 days)
    register.update_child(child, {"key_child": True})
    assert _due(register, child) == visited + dt.timedelta(days=30)
    register.update_child(child, {"key_child": False})
    # the visit frequencies are settings: a change of them moves every child's date
    settings = register.settings()
    register.save_settings(dataclasses.replace(settings, visit_interval_by_risk={
        **settings.visit_interval_by_risk, "green": 45}))
    assert _due(register, child) == visited + dt.timedelta(days=45)


def test_an_earlier_plan_made_at_the_visit_is_kept(register: Register, today: dt.date) -> None:
    child = rid(register.register_child(child_values("吴小军", years_before(today, 7), seq=53, risk_colour="green")))
    visited = today - dt.timedelta(days=3)
    register.record_visit(child, {"visit_date": visited, "visitor_name": "李主任",
                                  "next_visit_date": visited + dt.timedelta(days=7)})
    assert _due(register, child) == visited + dt.timedelta(days=7)
    register.update_child(child, {"risk_colour": "yellow"})
    assert _due(register, child) == visited + dt.timedelta(days=7)
    register.update_child(child, {"risk_colour": "red"})
    assert _due(register, child) == visited + dt.timedelta(days=7)


def test_the_township_derives_the_same_date_from_a_bundle(sync_world: SyncWorld) -> None:
    world = sync_world
    village = world.villages[0]
    child = rid(village.register.register_child(child_values("郑小红", years_before(world.today, 10), male=False,
                                                             seq=55, risk_colour="blue")))
    visited = world.today - dt.timedelta(days=10)
    village.register.record_visit(child, {"visit_date": visited, "visitor_name": "李主任"})
    import_bundles(world.township, world.export(village), backup=False)
    assert world.township.register.child_detail(child).next_visit_due == visited + dt.timedelta(days=60)
    village.register.update_child(child, {"risk_colour": "red"})
    assert village.register.child_detail(child).next_visit_due == visited + dt.timedelta(days=15)
    import_bundles(world.township, world.export(village), backup=False)
    assert world.township.register.child_detail(child).next_visit_due == visited + dt.timedelta(days=15)


def test_demo_children_are_due_by_their_risk_and_categories(tmp_path: Path) -> None:
    import pytest

    from carebook.model import keys

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)
        db = create_database(tmp_path / "demo", passphrase=PASSPHRASE, use_keyring=False)
    reg = Register(db.sessionmaker, data_dir=tmp_path / "demo", close=db.close)
    try:
        build_demo(reg, children=90)
        today = reg.today()
        with reg.reading() as session:
            settings = load_settings(session)
            rows = session.execute(select(Child.id, Child.risk_colour, Child.last_visit_date, Child.next_visit_due,
                                          Child.categories)).all()
            derived = {r["id"]: r["next_visit_due"] for r in derived_rows(session, [r.id for r in rows],
                                                                            settings, today)}
            plans = {v.child_id: v.next_visit_date for v in session.scalars(select(Visit))
                     if v.visit_date == next(r.last_visit_date for r in rows if r.id == v.child_id)}
        red = [r for r in rows if r.risk_colour is not None and r.risk_colour.code == "red" and r.last_visit_date]
        assert red, "the demo should hold red children with visits"
        for r in red:
            assert r.next_visit_due == r.last_visit_date + dt.timedelta(days=15)
            assert plans[r.id] == r.next_visit_due  # the visit's plan says the same
        for r in rows:
            assert r.next_visit_due == derived[r.id]  # stored = recomputed
    finally:
        reg.close()

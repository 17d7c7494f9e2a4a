"""The batch form of a child's derived columns (``derived_rows`` / ``refresh_children``) gives
exactly what the per-child path (``refresh_child``, run by every service write) stored, on a real
encrypted register."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, select, update

from carebook.model.children import Child
from carebook.model.register import Register
from carebook.model.services.derived import derived_rows, refresh_children
from carebook.model.settings import load_settings
from model_helpers import both_away, child_values, rid, years_before

DERIVED = ("categories", "search_initials", "id_number_rev", "last_visit_date", "next_visit_due")


def _children(register: Register, today: dt.date) -> list[str]:
    ids = [
        rid(register.register_child(child_values("张思远", years_before(today, 9), **both_away(today)))),
        rid(register.register_child(child_values("曾小红", years_before(today, 6), male=False, seq=12))),
        rid(register.register_child(child_values("单明", years_before(today, 15), seq=14)
                                    | {"father.name": "单建", "father.status": "deceased"})),
        rid(register.register_child({"name": "李无证", "sex": "2", "date_of_birth": years_before(today, 4),
                                                 "has_household_registration": False})),
    ]
    register.record_visit(ids[0], {"visit_date": today - dt.timedelta(days=20)})
    register.record_visit(ids[0], {"visit_date": today - dt.timedelta(days=3),
                                   "next_visit_date": today + dt.timedelta(days=11), "method": "电话"})
    register.record_visit(ids[2], {"visit_date": today - dt.timedelta(days=40)})
    return ids


def _stored(register: Register, ids: list[str]) -> dict[str, dict[str, Any]]:
    table = cast(Table, Child.__table__)
    with register.reading() as session:
        rows = session.execute(select(table.c.id, table.c.updated_at, table.c.version,
                                      *(table.c[k] for k in DERIVED)).where(table.c.id.in_(ids)))
        return {r.id: dict(r._mapping) for r in rows}


def test_derived_rows_equal_what_refresh_child_stored(register: Register, today: dt.date) -> None:
    ids = _children(register, today)
    stored = _stored(register, ids)
    with register.reading() as session:
        rows = derived_rows(session, [*ids, "no-such-child"], load_settings(session), today)
    assert [r["id"] for r in rows] == sorted(ids)
    for row in rows:
        assert {k: row[k] for k in DERIVED} == {k: stored[row["id"]][k] for k in DERIVED}
    assert stored[ids[0]]["last_visit_date"] == today - dt.timedelta(days=3)
    assert stored[ids[0]]["next_visit_due"] == today + dt.timedelta(days=11)
    assert "left_behind" in stored[ids[0]]["categories"]


def test_refresh_children_restores_derived_columns_without_touching_the_record(
        register: Register, today: dt.date) -> None:
    ids = _children(register, today)
    before = _stored(register, ids)
    table = cast(Table, Child.__table__)
    with register.writing() as session:
        session.execute(update(table).where(table.c.id.in_(ids)).values(
            categories=[], search_initials=" ", id_number_rev=None, last_visit_date=None,
            updated_at=table.c.updated_at))
        assert refresh_children(session, ids, load_settings(session), today) == len(ids)
    assert _stored(register, ids) == before

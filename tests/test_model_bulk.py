"""The bulk path (services/bulk.py) and the synthetic data it is fed with (synthetic.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from carebook.model.categories import compute_categories, sort_categories
from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child, FamilyMember
from carebook.model.errors import ValidationError
from carebook.model.idnumber import parse_id_number
from carebook.model.register import Register
from carebook.model.services.bulk import import_children, insert_visits
from carebook.model.services.children import clean_child_input
from carebook.model.services.derived import child_facts
from carebook.model.synthetic import (
    EXTENSION_B_CHARS,
    id_number_for,
    synthetic_children,
    synthetic_children_by_village,
    synthetic_visits,
)
from carebook.model.visits import Visit
from model_helpers import both_away, child_values, rid, years_before

Log = Callable[..., list[dict[str, Any]]]


def counts(register: Register) -> dict[str, int]:
    def query(session: Any) -> dict[str, int]:
        return {model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Child, FamilyMember, Visit, ChangeLogEntry)}
    return register.read(query)


@pytest.fixture
def sample(today: dt.date) -> list[dict[str, Any]]:
    return synthetic_children(40, seed=3, today=today)


def test_import_creates_children_members_visits_and_one_log_row_each(
    register: Register, sample: list[dict[str, Any]], change_log: Log, last_seq: Callable[[], int],
    today: dt.date,
) -> None:
    inputs = [clean_child_input(v, today=today) for v in sample]
    last_visits = [today - dt.timedelta(days=i) if i % 2 == 0 else None for i in range(len(inputs))]
    before_seq, before = last_seq(), counts(register)
    with register.writing() as session:
        result = import_children(session, inputs, last_visits=last_visits, today=today)
    after = counts(register)
    n_members = sum(1 for i in inputs for fields in i.members.values() if any(v not in (None, "", []) for v in
                                                                               fields.values()))
    n_visits = sum(v is not None for v in last_visits)
    assert len(result.created) == len(sample) and result.updated == [] and result.unchanged == []
    assert after["child"] - before["child"] == len(sample)
    assert after["family_member"] - before["family_member"] == n_members
    assert after["visit"] - before["visit"] == n_visits
    rows = change_log(before_seq)
    assert Counter((r["entity"], r["op"]) for r in rows) == {
        ("child", "insert"): len(sample), ("family_member", "insert"): n_members, ("visit", "insert"): n_visits}
    assert len({r["record_id"] for r in rows}) == len(rows)  # one row per record
    assert [r["origin_seq"] for r in rows] == list(range(rows[0]["origin_seq"], rows[0]["origin_seq"] + len(rows)))
    assert set(result.created) == {r["record_id"] for r in rows if r["entity"] == "child"}
    snapshot = json.loads(next(r["new_value"] for r in rows if r["entity"] == "child"))
    assert snapshot["name"] == sample[0]["name"] and snapshot["id_number"] == sample[0]["id_number"]


def test_bulk_rows_equal_what_the_services_write(register: Register, sample: list[dict[str, Any]],
                                                 today: dt.date) -> None:
    """Derived columns (categories, search keys, next visit) are the same as through the ORM path."""
    inputs = [clean_child_input(v, today=today) for v in sample[:20]]
    with register.writing() as session:
        created = import_children(session, inputs, today=today).created

    def check(session: Any) -> None:
        settings = register.settings()
        for child_id in created:
            child = session.get(Child, child_id)
            expected = sort_categories(compute_categories(child_facts(session, child), today, settings))
            assert child.categories == expected
            assert child.id_number_rev == (child.id_number[::-1] if child.id_number else None)
            assert child.next_visit_due == today
            assert child.version == 1 and child.created_at.tzinfo is not None
    register.read(check)
    for values in sample[:5]:
        assert values["name"] in {r.name for r in register.search(values["name"])}


def test_second_run_of_the_same_input_adds_nobody(register: Register, sample: list[dict[str, Any]],
                                                  digest: Callable[[], str], today: dt.date) -> None:
    with_id = [v for v in sample if v.get("id_number")]
    with register.writing() as session:
        first = import_children(session, [clean_child_input(v, today=today) for v in with_id], today=today)
    state, n = digest(), counts(register)
    with register.writing() as session:
        second = import_children(session, [clean_child_input(v, today=today) for v in with_id], today=today)
    assert second.created == [] and second.updated == []
    assert sorted(second.unchanged) == sorted(first.created)
    assert counts(register) == n
    assert digest() == state


def test_rerun_with_changes_updates_in_place(register: Register, change_log: Log, last_seq: Callable[[], int],
                                             today: dt.date) -> None:
    birth = years_before(today, 9)
    values = child_values("张思远", birth, **both_away(today))
    with register.writing() as session:
        import_children(session, [clean_child_input(values, today=today)], today=today)
    before, n = last_seq(), counts(register)
    changed = values | {"father.phone": "13800001111", "school_name": "东湾小学", "name": "张思远"}
    with register.writing() as session:
        result = import_children(session, [clean_child_input(changed, today=today)], today=today)
    assert len(result.updated) == 1 and result.created == []
    assert counts(register)["child"] == n["child"]
    assert {(r["entity"], r["field"]) for r in change_log(before)} == {("child", "school_name"),
                                                                      ("family_member", "phone")}


def test_duplicate_id_in_one_input_writes_nothing(register: Register, digest: Callable[[], str],
                                                  today: dt.date) -> None:
    values = child_values("张思远", years_before(today, 9))
    state = digest()
    with pytest.raises(ValidationError, match="重复"), register.writing() as session:
        import_children(session, [clean_child_input(values, today=today),
                                  clean_child_input(values | {"name": "张思源"}, today=today)], today=today)
    assert digest() == state


def test_bulk_import_needs_a_recorder(register: Register, today: dt.date) -> None:
    values = child_values("张思远", years_before(today, 9))
    with register.sessions() as session, pytest.raises(RuntimeError, match="change recorder"):
        import_children(session, [clean_child_input(values, today=today)], today=today)


def test_insert_visits(register: Register, sample: list[dict[str, Any]], change_log: Log,
                       last_seq: Callable[[], int], today: dt.date) -> None:
    inputs = [clean_child_input(v, today=today) for v in sample[:10]]
    with register.writing() as session:
        created = import_children(session, inputs, today=today).created
    visits = synthetic_visits(created, per_child=3, seed=5, today=today)
    before = last_seq()
    with register.writing() as session:
        assert insert_visits(session, visits, today=today) == 30
    rows = change_log(before)
    assert Counter((r["entity"], r["op"]) for r in rows) == {("visit", "insert"): 30}
    latest: dict[str, dict[str, Any]] = {}
    for v in visits:
        if v["child_id"] not in latest or v["visit_date"] > latest[v["child_id"]]["visit_date"]:
            latest[v["child_id"]] = v
    for child_id in created:
        detail = register.child_detail(child_id)
        assert len(detail.visits) == 3
        assert detail.last_visit_date == latest[child_id]["visit_date"]
        assert detail.next_visit_due == latest[child_id]["next_visit_date"]
    with register.writing() as session:
        assert insert_visits(session, [], today=today) == 0


# -- synthetic data --------------------------------------------------------------------------------------


def test_synthetic_children_are_valid_unique_and_realistic(today: dt.date) -> None:
    villages = ["610402100201", "440306001002"]
    children = synthetic_children(2000, seed=11, village_codes=villages, today=today)
    assert children[:100] == synthetic_children(100, seed=11, village_codes=villages, today=today)  # seeded
    numbers = [v["id_number"] for v in children if "id_number" in v]
    assert len(numbers) == len(set(numbers)) > 1950
    for i, values in enumerate(children[:200]):
        cleaned = clean_child_input(values, today=today)
        if "id_number" in values:
            assert values["id_number"][:6] == ("610402" if i % 2 == 0 else "440306")
            info = parse_id_number(values["id_number"], today=today)
            assert (info.sex.zh == values["sex"]) and 0 <= today.year - info.date_of_birth.year <= 18
        assert cleaned.members["father"]["name"] and cleaned.members["mother"]["name"]
    surnames = Counter(v["name"][0] for v in children)
    assert surnames["曾"] > 0 and surnames["单"] > 0
    assert any(c in v["name"] for v in children for c in EXTENSION_B_CHARS)
    assert any(v.get("has_household_registration") is False for v in children)
    assert any("guardian.name" in v for v in children)
    assert 0.4 < sum(v["father.status"] == "working_away" for v in children) / len(children) < 0.8


def test_synthetic_children_by_village_and_visits(today: dt.date) -> None:
    grouped = synthetic_children_by_village(9, seed=1, village_codes=["610402100201", "610402100202", "610402100203"],
                                            today=today)
    assert [len(v) for v in grouped.values()] == [3, 3, 3]
    visits = synthetic_visits(["a", "b"], per_child=4, seed=1, today=today)
    assert len(visits) == 8 and all(v["visit_date"] <= today for v in visits)
    assert all(v["next_visit_date"] > v["visit_date"] for v in visits)
    assert id_number_for("610402", dt.date(2015, 3, 5), 1) == parse_id_number(
        id_number_for("610402", dt.date(2015, 3, 5), 1), today=today).number
    with pytest.raises(ValueError):
        synthetic_children(1, village_codes=[])


def test_synthetic_children_register_through_the_service(register: Register, today: dt.date) -> None:
    children = synthetic_children(15, seed=2, today=today)
    for values in children:
        register.register_child(values)
    rows = register.list_children()
    assert len(rows) == 15
    assert any(r.categories for r in rows)


def test_insert_visits_keeps_a_later_visit_already_recorded(register: Register, today: dt.date) -> None:
    child_id = rid(register.register_child(child_values("张思远", years_before(today, 9))))
    register.record_visit(child_id, {"visit_date": today - dt.timedelta(days=5)})
    before = register.child_detail(child_id)
    old = today - dt.timedelta(days=300)
    with register.writing() as session:
        insert_visits(session, [{"child_id": child_id, "visit_date": old,
                                 "next_visit_date": old + dt.timedelta(days=90)}], today=today)
    after = register.child_detail(child_id)
    assert len(after.visits) == 2
    assert (after.last_visit_date, after.next_visit_due) == (before.last_visit_date, before.next_visit_due)


def test_bulk_rows_and_log_are_byte_for_byte_what_the_orm_path_writes(
        register: Register, model_template: Any, tmp_path: Any, sample: list[dict[str, Any]],
        today: dt.date) -> None:
    """The bulk path builds driver rows and change-log JSON itself (no ORM, no per-row
    SQLAlchemy processing): every stored column and every logged value must be what
    ``register_child`` stores for the same input, ids and instants aside."""
    import shutil

    from sqlalchemy import text

    from carebook.model.db import open_database
    from carebook.model.jsonvalues import dumps
    from model_helpers import PASSPHRASE

    values = [v for v in sample if v.get("id_number")][:25]
    with register.writing() as session:
        import_children(session, [clean_child_input(v, today=today) for v in values], today=today)
    orm_dir = tmp_path / "orm"
    shutil.copytree(model_template, orm_dir)
    db = open_database(orm_dir, passphrase=PASSPHRASE)
    orm = Register(db.sessionmaker, data_dir=orm_dir, today=lambda: today, close=db.close)
    try:
        for v in values:
            orm.register_child(v)

        def stored(session: Any) -> dict[str, Any]:
            skip = {"id", "child_id", "created_at", "updated_at", "record_id"}
            number = {r[0]: r[1] for r in session.execute(text("SELECT id, id_number FROM child"))}
            out: dict[str, Any] = {}
            for table, key in (("child", lambda r: r["id_number"]),
                               ("family_member", lambda r: (number[r["child_id"]], r["relation"], r["name"]))):
                for r in session.execute(text(f"SELECT * FROM {table}")).mappings():
                    out[f"{table} {key(r)}"] = {k: v for k, v in r.items() if k not in skip}
            for r in session.execute(text("SELECT entity, record_id, new_value FROM change_log WHERE op = 'insert' "
                                          "AND entity IN ('child', 'family_member')")).mappings():
                assert r["new_value"] == dumps(json.loads(r["new_value"]))  # the canonical text
                snap = json.loads(r["new_value"])
                assert snap["id"] == r["record_id"]
                k = snap["id_number"] if r["entity"] == "child" else (number[snap["child_id"]], snap["relation"],
                                                                      snap["name"])
                out[f"log {r['entity']} {k}"] = {f: x for f, x in snap.items() if f not in skip}
            return out

        bulk_state, orm_state = register.read(stored), orm.read(stored)
    finally:
        orm.close()
    assert len(bulk_state) > 2 * len(values)
    assert bulk_state == orm_state


def test_bulk_ids_are_time_ordered_uuids(register: Register, sample: list[dict[str, Any]], today: dt.date) -> None:
    """New records of the bulk path get RFC 9562 version-7 ids, increasing in creation order
    (they append to the id indexes), distinct across calls."""
    import uuid

    from carebook.model.services.bulk import _new_ids

    with register.writing() as session:
        created = import_children(session, [clean_child_input(v, today=today) for v in sample], today=today).created
    more = _new_ids(5000)  # more than the 4,096 a millisecond's counter holds
    ids = created + more
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {7}
    assert all(str(uuid.UUID(i)) == i for i in ids)

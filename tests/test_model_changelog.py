"""Every service write lands in the change log, in the same transaction (recording.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from carebook.model import keys
from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child, FamilyMember
from carebook.model.db import create_database
from carebook.model.enums import ParentStatus, Sex
from carebook.model.errors import ValidationError
from carebook.model.jsonvalues import dumps, loads, to_json_value
from carebook.model.organisation import OrgUnit
from carebook.model.recording import UnrecordedWriteError
from carebook.model.register import Register
from model_helpers import both_away, child_values, rid, years_before

Log = Callable[..., list[dict[str, Any]]]


def values(today: dt.date) -> dict[str, Any]:
    return child_values("张思远", years_before(today, 9), **both_away(today), guardian__name="张德福",
                        guardian__relation="爷爷", guardian__phone="13912345678")


def check_stamps(rows: list[dict[str, Any]], register: Register) -> None:
    """The rows of one service call: this installation, consecutive origin sequence numbers,
    increasing clock stamps, one transaction id, the actor, UTC instants."""
    installation = register.installation()
    assert installation is not None
    assert {r["origin"] for r in rows} == {installation.id}
    seqs = [r["origin_seq"] for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + len(rows)))
    hlcs = [r["hlc"] for r in rows]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
    assert len({r["tx_id"] for r in rows}) == 1
    assert {r["actor"] for r in rows} == {"李秀英"}
    for r in rows:
        assert r["at_utc"].tzinfo is not None and r["at_utc"].utcoffset() == dt.timedelta(0)


def test_initialise_records_the_organisation_units(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    db = create_database(tmp_path / "d", passphrase="synthetic test passphrase", use_keyring=False)
    try:
        register = Register(db.sessionmaker)
        installation = register.initialise(role="village", org_code="610402100201", org_name="东湾村",
                                           parent_code="610402100", parent_name="幸福镇", actor="李秀英")
        rows = register.read(lambda s: [(e.entity, e.op, e.record_id, e.new_value, e.origin, e.origin_seq)
                                        for e in s.scalars(select(ChangeLogEntry).order_by(ChangeLogEntry.seq))])
        units = register.read(lambda s: {u.code: u.id for u in s.scalars(select(OrgUnit))})
    finally:
        db.close()
    assert [(r[0], r[1]) for r in rows] == [("org_unit", "insert"), ("org_unit", "insert")]
    assert {r[2] for r in rows} == set(units.values())
    assert {json.loads(r[3])["code"] for r in rows} == {"610402100", "610402100201"}
    assert {r[4] for r in rows} == {installation.id}
    assert [r[5] for r in rows] == [1, 2]


def test_register_child_records_one_insert_per_record(register: Register, change_log: Log,
                                                      last_seq: Callable[[], int], today: dt.date) -> None:
    before = last_seq()
    result = register.register_child(values(today))
    rows = change_log(before)
    check_stamps(rows, register)
    assert [(r["entity"], r["op"], r["field"]) for r in rows] == [
        ("child", "insert", None), *[("family_member", "insert", None)] * 3]
    child_row = rows[0]
    assert child_row["record_id"] == rid(result)
    assert child_row["old_value"] is None
    snapshot = json.loads(child_row["new_value"])
    assert snapshot["name"] == "张思远" and snapshot["sex"] == "1" and snapshot["id"] == rid(result)
    assert "categories" not in snapshot and "search_initials" not in snapshot  # derived, not logged
    members = {json.loads(r["new_value"])["name"]: json.loads(r["new_value"]) for r in rows[1:]}
    assert members["张德福"]["relation"] == "61" and members["张德福"]["is_entrusted_guardian"] is True
    assert members["张建国"]["status"] == "working_away"
    assert {c.entity for c in result.changes} == {"child", "family_member"}
    assert len(result.changes) == len(rows)


def test_update_child_records_one_row_per_changed_field(register: Register, change_log: Log,
                                                        last_seq: Callable[[], int], today: dt.date) -> None:
    child_id = rid(register.register_child(values(today)))
    before = last_seq()
    result = register.update_child(child_id, {
        "name": "张思源", "risk_colour": "红色", "father.phone": "13800001111", "notes": "需关注",
        "registration_type": "rural",  # unchanged: no row
    })
    rows = change_log(before)
    check_stamps(rows, register)
    changed = {(r["entity"], r["field"]): (json.loads(r["old_value"]), json.loads(r["new_value"])) for r in rows}
    assert changed == {
        ("child", "name"): ("张思远", "张思源"),
        ("child", "risk_colour"): (None, "red"),
        ("child", "notes"): (None, "需关注"),
        ("family_member", "phone"): (None, "13800001111"),
    }
    assert all(r["op"] == "update" for r in rows)
    assert sorted(result.fields()) == ["name", "notes", "phone", "risk_colour"]
    assert result.touches("child") and result.touches("family_member")


def test_update_with_the_same_values_records_nothing(register: Register, last_seq: Callable[[], int],
                                                     today: dt.date) -> None:
    v = values(today)
    child_id = rid(register.register_child(v))
    before = last_seq()
    result = register.update_child(child_id, {"name": v["name"], "father.status": "外出务工"})
    assert result.changes == []
    assert last_seq() == before


def test_update_clearing_a_field_records_old_and_null(register: Register, change_log: Log,
                                                      last_seq: Callable[[], int], today: dt.date) -> None:
    child_id = rid(register.register_child(values(today) | {"notes": "旧备注"}))
    before = last_seq()
    register.update_child(child_id, {"notes": "", "guardian.phone": " "})
    rows = change_log(before)
    assert {(r["field"], json.loads(r["old_value"]), json.loads(r["new_value"])) for r in rows} == {
        ("notes", "旧备注", None), ("phone", "13912345678", None)}


def test_close_and_reopen_are_recorded(register: Register, change_log: Log, last_seq: Callable[[], int],
                                       today: dt.date) -> None:
    child_id = rid(register.register_child(values(today)))
    before = last_seq()
    register.close_child(child_id, "moved", on=today, note="随父母迁往东莞")
    closed = {r["field"]: json.loads(r["new_value"]) for r in change_log(before)}
    assert closed == {"closed_reason": "moved", "closed_on": today.isoformat(), "closed_note": "随父母迁往东莞"}
    before = last_seq()
    register.reopen_child(child_id)
    rows = change_log(before)
    check_stamps(rows, register)
    reopened = {r["field"]: (json.loads(r["old_value"]), json.loads(r["new_value"])) for r in rows}
    assert reopened == {"closed_reason": ("moved", None), "closed_on": (today.isoformat(), None),
                        "closed_note": ("随父母迁往东莞", None)}


def test_record_visit_is_recorded(register: Register, change_log: Log, last_seq: Callable[[], int],
                                  today: dt.date) -> None:
    child_id = rid(register.register_child(values(today)))
    before = last_seq()
    result = register.record_visit(child_id, {"visit_date": today, "interviewee_name": "张德福",
                                              "interviewee_relation": "祖父", "mental_state": "想念父母"})
    rows = change_log(before)
    check_stamps(rows, register)
    assert [(r["entity"], r["op"]) for r in rows] == [("visit", "insert")]
    snapshot = json.loads(rows[0]["new_value"])
    assert snapshot["child_id"] == child_id and snapshot["visit_date"] == today.isoformat()
    assert snapshot["mental_state"] == "想念父母" and snapshot["interviewee_relation"] == "61"
    assert rows[0]["record_id"] == rid(result)


def test_visit_marking_a_key_child_records_the_flag(register: Register, change_log: Log,
                                                    last_seq: Callable[[], int], today: dt.date) -> None:
    child_id = rid(register.register_child(values(today)))
    before = last_seq()
    register.record_visit(child_id, {"visit_date": today, "mark_key_child": "是"})
    rows = change_log(before)
    assert {(r["entity"], r["op"], r["field"]) for r in rows} == {("child", "update", "key_child"),
                                                                  ("visit", "insert", None)}
    assert "key_child" in register.child_detail(child_id).categories


def test_origin_sequence_continues_across_transactions(register: Register, change_log: Log,
                                                       today: dt.date) -> None:
    register.register_child(values(today))
    register.register_child(child_values("李小红", years_before(today, 7), male=False))
    seqs = [r["origin_seq"] for r in change_log()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_rejected_write_records_nothing(register: Register, last_seq: Callable[[], int],
                                          digest: Callable[[], str], today: dt.date) -> None:
    child_id = rid(register.register_child(values(today)))
    before, state = last_seq(), digest()
    with pytest.raises(ValidationError):
        register.update_child(child_id, {"name": "王五", "father.phone": "12345"})
    with pytest.raises(ValidationError):
        register.record_visit(child_id, {"visit_date": today + dt.timedelta(days=1)})
    assert last_seq() == before
    assert digest() == state


def test_writing_a_tracked_record_without_a_recorder_raises(register: Register, today: dt.date) -> None:
    child_id = rid(register.register_child(values(today)))
    with register.sessions() as session:
        child = session.get(Child, child_id)
        assert child is not None
        child.name = "李四"
        with pytest.raises(UnrecordedWriteError):
            session.flush()
        session.rollback()
    with register.sessions() as session:
        session.add(FamilyMember(child_id=child_id, relation="97", name="张三"))
        with pytest.raises(UnrecordedWriteError):
            session.commit()
        session.rollback()
    assert register.child_detail(child_id).fields["name"] == "张思远"
    assert len(register.child_detail(child_id).members) == 3


def test_untracked_settings_can_be_written_without_a_recorder(register: Register) -> None:
    register.set_actor("王芳")
    assert register.installation() is not None


_json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)), st.sampled_from(list(ParentStatus)), st.sampled_from(list(Sex)),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
)
_json_values = st.recursive(
    _json_leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.frozensets(st.sampled_from(list(Sex)), max_size=3),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=10,
)


@given(_json_values)
def test_change_log_json_is_the_json_of_the_converted_value(value: Any) -> None:
    expected = json.dumps(to_json_value(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert dumps(value) == expected
    assert loads(dumps(value)) == json.loads(expected)

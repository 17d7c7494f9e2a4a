"""Staff registry (实名制管理): services, roster, training warnings, director assessment, on a real
encrypted register; and the ``carebook staff`` commands."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.cli.main import main
from carebook.model import keys
from carebook.model.enums import OrgLevel
from carebook.model.errors import NotFoundError, StateError, ValidationError
from carebook.model.installation import add_org_unit
from carebook.model.queries.staff import (
    director_assessment,
    staff_roster,
    training_records,
    training_warnings,
)
from carebook.model.register import Register
from carebook.model.services import reports as report_services
from carebook.model.services.children import close_child, register_child
from carebook.model.services.staff import add_staff, add_training, end_staff, find_staff, update_staff
from carebook.model.services.visits import record_visit
from carebook.model.staff import Staff
from model_helpers import TOWNSHIP_CODE, VILLAGE_CODE, child_values, id_for

WEST = "610402100202"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def director(name: str, birth: dt.date, *, male: bool = False, seq: int = 20, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"role": "儿童主任", "name": name, "id_number": id_for(birth, male=male, seq=seq),
                              "unit": VILLAGE_CODE, "appointed_on": "2020-03-17"}
    values.update(extra)
    return values


def west_village(session: Session) -> str:
    return add_org_unit(session, level=OrgLevel.VILLAGE, code=WEST, name="西湾村", parent_code=TOWNSHIP_CODE)


def test_add_director_with_real_name_fields(register: Register, today: dt.date,
                                            change_log: Callable[..., list[dict[str, Any]]]) -> None:
    number = id_for(dt.date(1986, 5, 4), male=False)
    values = {"role": "儿童主任", "name": "李 秀英", "id_number": fullwidth(number[:-1]) + number[-1].lower(),
              "ethnic_group": "回族", "political_status": "党员", "education": "大专", "phone": "138 0000 1234",
              "employer": "东湾村民委员会", "employment_type": "兼职", "government_purchased": "否",
              "unit": VILLAGE_CODE, "appointed_on": "2020-03-17", "notes": "村妇联主席"}
    result = register.write(add_staff, values, today=today)
    assert result.touches("staff")
    row = register.read(staff_roster, today=today)[0]
    assert (row.name, row.role, row.id_number, row.date_of_birth, row.sex) == (
        "李秀英", "director", number, dt.date(1986, 5, 4), "2")
    assert (row.ethnic_group, row.political_status, row.education, row.phone) == ("03", "01", "30", "13800001234")
    assert (row.employment_type, row.government_purchased, row.unit_code, row.unit_name) == (
        "part_time", False, VILLAGE_CODE, "东湾村")
    assert row.in_office and row.appointed_on == dt.date(2020, 3, 17) and row.ended_on is None
    inserts = [e for e in change_log() if e["entity"] == "staff" and e["op"] == "insert"]
    assert len(inserts) == 1 and inserts[0]["record_id"] == result.record_id
    assert row.to_json()["unit_code"] == VILLAGE_CODE


def test_every_bad_field_is_listed_and_nothing_is_written(register: Register, today: dt.date,
                                                          digest: Callable[[], str]) -> None:
    before = digest()
    bad_id = id_for(dt.date(1986, 5, 4))[:-1] + "0"
    if bad_id == id_for(dt.date(1986, 5, 4)):
        bad_id = bad_id[:-1] + "1"
    with pytest.raises(ValidationError) as err:
        register.write(add_staff, {"role": "村长", "name": "王五", "id_number": bad_id, "phone": "12345",
                                   "unit": "999999999999", "colour": "red"}, today=today)
    fields = {e.field for e in err.value.errors}
    assert {"role", "id_number", "phone", "appointed_on", "unit", "colour"} <= fields
    assert digest() == before
    with pytest.raises(ValidationError) as err:
        register.write(add_staff, director("王芳", dt.date(1990, 1, 1), sex="男", date_of_birth="1990-01-02"),
                       today=today)
    assert {e.field for e in err.value.errors} == {"date_of_birth", "sex"}
    with pytest.raises(ValidationError) as err:
        register.write(add_staff, director("小明", dt.date(today.year - 15, 1, 1)), today=today)
    assert err.value.field == "date_of_birth" and "未满18周岁" in err.value.message_zh
    with pytest.raises(ValidationError) as err:  # a director serves a village, not a township
        register.write(add_staff, director("王芳", dt.date(1990, 1, 1), unit=TOWNSHIP_CODE), today=today)
    assert err.value.field == "unit" and "村（居）" in err.value.message_zh
    with pytest.raises(ValidationError) as err:
        register.write(add_staff, director("王芳", dt.date(1990, 1, 1), ended_on="2019-01-01"), today=today)
    assert err.value.field == "ended_on"
    assert digest() == before


def test_one_director_per_village_and_replacement(register: Register, today: dt.date) -> None:
    first = register.write(add_staff, director("李秀英", dt.date(1986, 5, 4)), today=today).record_id
    with pytest.raises(ValidationError) as err:
        register.write(add_staff, director("王芳", dt.date(1990, 1, 1), appointed_on="2021-06-16"), today=today)
    assert "已有儿童主任“李秀英”在任" in err.value.message_zh
    second = register.write(add_staff, director("王芳", dt.date(1990, 1, 1), appointed_on="2021-06-16"),
                            today=today, replace=True).record_id
    with register.reading() as s:
        old, new = s.get(Staff, first), s.get(Staff, second)
        assert old is not None and new is not None
        assert old.ended_on == dt.date(2021, 6, 15) and new.ended_on is None
    roster = register.read(staff_roster, today=today)
    assert [r.name for r in roster] == ["王芳"]
    assert [r.name for r in register.read(staff_roster, today=today, include_ended=True)] == ["李秀英", "王芳"]
    # The same person cannot hold two overlapping records; after the end a new term is fine.
    with pytest.raises(ValidationError) as err:
        register.write(add_staff, {"role": "督导员", "name": "王芳", "id_number": id_for(dt.date(1990, 1, 1), male=False,
                                                                                     seq=20),
                                   "unit": TOWNSHIP_CODE, "appointed_on": "2022-01-01"}, today=today)
    assert err.value.field == "id_number"
    register.write(add_staff, {"role": "督导员", "name": "李秀英",
                               "id_number": id_for(dt.date(1986, 5, 4), male=False, seq=20),
                               "unit": TOWNSHIP_CODE, "appointed_on": "2022-01-01"}, today=today)


def test_update_assign_and_end(register: Register, today: dt.date) -> None:
    register.write(west_village)
    sid = register.write(add_staff, director("李秀英", dt.date(1986, 5, 4)), today=today).record_id
    result = register.write(update_staff, "李秀英", {"unit": "西湾村", "covered": f"{VILLAGE_CODE}，{WEST}",
                                                   "phone": "029-88886666"}, today=today)
    assert set(result.fields("staff")) == {"org_unit_id", "covered_org_ids", "phone"}
    row = register.read(staff_roster, today=today)[0]
    assert row.unit_code == WEST and [c for c, _ in row.covered] == [VILLAGE_CODE, WEST] and row.phone == "029-88886666"
    with pytest.raises(ValidationError) as err:
        register.write(update_staff, sid, {"name": "", "appointed_on": ""}, today=today)
    assert {e.field for e in err.value.errors} == {"name", "appointed_on"}
    with pytest.raises(ValidationError):
        register.write(update_staff, sid, {"covered": TOWNSHIP_CODE}, today=today)
    with pytest.raises(ValidationError) as err:  # a supervisor serves a township: say which
        register.write(update_staff, sid, {"role": "supervisor"}, today=today)
    assert err.value.field == "unit"
    with pytest.raises(ValidationError):
        register.write(end_staff, sid, ended_on="2019-12-31", today=today)
    register.write(end_staff, sid, ended_on="2024-06-30", note="调任", today=today)
    with pytest.raises(StateError):
        register.write(end_staff, sid, today=today)
    row = register.read(staff_roster, today=today, include_ended=True)[0]
    assert row.ended_on == dt.date(2024, 6, 30) and not row.in_office and row.notes == "调任"


def test_find_staff_by_id_number_name_and_record_id(register: Register, today: dt.date) -> None:
    register.write(west_village)
    number = id_for(dt.date(1986, 5, 4), male=False, seq=20)
    sid = register.write(add_staff, director("李秀英", dt.date(1986, 5, 4)), today=today).record_id or ""
    register.write(add_staff, director("李秀英", dt.date(1988, 2, 3), seq=30, unit=WEST), today=today)
    with register.reading() as s:
        assert find_staff(s, sid).id == sid
        assert find_staff(s, number.lower()).id == sid
        with pytest.raises(NotFoundError) as err:
            find_staff(s, "李秀英")
        assert "有2人叫" in err.value.message_zh
        with pytest.raises(NotFoundError):
            find_staff(s, "没有这个人")


def test_trainings_and_warnings(register: Register, today: dt.date) -> None:
    register.write(west_village)
    a = register.write(add_staff, director("李秀英", dt.date(1986, 5, 4)), today=today).record_id
    b = register.write(add_staff, director("王芳", dt.date(1990, 1, 1), unit=WEST), today=today).record_id
    register.write(add_staff, {"role": "督导员", "name": "周建华", "unit": TOWNSHIP_CODE, "appointed_on": "2019-01-01"},
                   today=today)
    with pytest.raises(ValidationError) as err:
        register.write(add_training, a, {"held_on": (today + dt.timedelta(days=3)).isoformat(), "hours": "-2",
                                         "venue": "x"}, today=today)
    assert {e.field for e in err.value.errors} == {"held_on", "hours", "venue", "topic"}
    register.write(add_training, a, {"held_on": dt.date(today.year - 1, 6, 1), "topic": "强制报告", "hours": "4"},
                   today=today)
    warned = register.read(training_warnings, today=today)
    assert sorted(w.name for w in warned) == ["李秀英", "王芳"]  # supervisors are not listed
    assert next(w for w in warned if w.name == "李秀英").last_training == dt.date(today.year - 1, 6, 1)
    register.write(add_training, a, {"held_on": today.replace(day=1), "topic": "家庭走访", "organiser": "区民政局"},
                   today=today)
    register.write(end_staff, b, ended_on=today - dt.timedelta(days=1), today=today)
    assert register.read(training_warnings, today=today) == []
    rows = register.read(training_records, a)
    assert [r.topic for r in rows] == ["家庭走访", "强制报告"] and rows[1].hours == 4.0
    assert register.read(staff_roster, today=today)[0].trainings_this_year == 0  # the supervisor


def test_director_assessment(register: Register, today: dt.date) -> None:
    first_of_month = today.replace(day=1)

    def setup(s: Session) -> dict[str, Any]:
        west = west_village(s)
        ids = {"li": add_staff(s, director("李秀英", dt.date(1986, 5, 4)), today=today).record_id,
               "wang": add_staff(s, director("王芳", dt.date(1990, 1, 1), unit=WEST), today=today).record_id}
        ids["c1"] = register_child(s, child_values("张小明", dt.date(2015, 3, 5), seq=11), today=today).record_id
        ids["c2"] = register_child(s, child_values("张小红", dt.date(2016, 3, 5), male=False, seq=12),
                                   today=today).record_id
        ids["c3"] = register_child(s, child_values("赵小刚", dt.date(2014, 3, 5), seq=13), village_id=west,
                                   today=today).record_id
        ids["c4"] = register_child(s, child_values("钱小丽", dt.date(2013, 3, 5), male=False, seq=14), village_id=west,
                                   today=today).record_id
        return ids

    ids = register.write(setup)

    def visits(s: Session) -> None:
        # By staff id; by name in the director's own village; by name elsewhere (not counted);
        # last month (not counted).
        record_visit(s, ids["c1"], {"visit_date": today}, today=today, visitor_staff_id=ids["li"])
        record_visit(s, ids["c2"], {"visit_date": today, "visitor_name": "李秀英"}, today=today)
        record_visit(s, ids["c3"], {"visit_date": today, "visitor_name": "李秀英"}, today=today)
        record_visit(s, ids["c4"], {"visit_date": first_of_month - dt.timedelta(days=2), "visitor_name": "王芳",
                                    "next_visit_date": today - dt.timedelta(days=1)}, today=today)
        record_visit(s, ids["c3"], {"visit_date": first_of_month, "visitor_name": "王芳"}, today=today)
        report_services.create_report(s, ids["c4"], {"situations": ["abandonment"]})
        closed = report_services.create_report(s, ids["c3"], {"situations": ["begging"]}).record_id
        report_services.update_report(s, str(closed), {"status": "closed"})
        report_services.create_referral(s, ids["c1"], agency="education", today=today)
        done = report_services.create_referral(s, ids["c1"], agency="police", today=today).record_id
        report_services.update_referral(s, str(done), status="done", today=today)

    register.write(visits)
    got = {a.name: a for a in register.read(director_assessment, today=today)}
    li, wang = got["李秀英"], got["王芳"]
    assert (li.villages, li.children, li.visits_done, li.open_reports, li.open_referrals) == (("东湾村",), 2, 2, 0, 1)
    assert (wang.villages, wang.children, wang.visits_done, wang.open_reports, wang.open_referrals) == (
        ("西湾村",), 2, 1 if first_of_month <= today else 0, 1, 0)
    assert wang.overdue == 1  # 钱小丽: next visit was due yesterday
    # Closed files are not counted as open or overdue.
    register.write(close_child, ids["c4"], "moved", today=today)
    wang = next(a for a in register.read(director_assessment, today=today) if a.name == "王芳")
    assert (wang.children, wang.overdue) == (1, 0)
    with register.reading() as s:
        assert s.scalar(select(Staff.name).where(Staff.id == ids["li"])) == "李秀英"


# -- command line ------------------------------------------------------------------------------

PASSPHRASE = "staff-cli-passphrase"


@pytest.fixture()
def township(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)  # test speed; the cost is stored with the key
    d = tmp_path / "township"
    assert main(["--data-dir", str(d), "init", "--role", "township", "--org-code", TOWNSHIP_CODE,
                 "--org-name", "幸福镇"]) == 0
    reg = Register.open(d)
    try:
        reg.write(lambda s: add_org_unit(s, level=OrgLevel.VILLAGE, code=VILLAGE_CODE, name="东湾村",
                                         parent_code=TOWNSHIP_CODE))
    finally:
        reg.close()
    capsys.readouterr()
    return d


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_staff_commands(township: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(township)
    number = id_for(dt.date(1986, 5, 4), male=False, seq=20)
    code, out, err = run(capsys, "--data-dir", d, "staff", "add", "--role", "director", "--name", "李秀英",
                         "--id-number", number, "--phone", "13800001234", "--unit", VILLAGE_CODE,
                         "--appointed-on", "2020-03-17", "--set", "education=大专", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["name"] == "李秀英" and added["unit_code"] == VILLAGE_CODE and added["education"] == "30"
    code, out, err = run(capsys, "--data-dir", d, "staff", "add", "--role", "director", "--name", "王芳",
                         "--id-number", "123", "--unit", VILLAGE_CODE)
    assert code == 1 and "身份证号" in err and "Traceback" not in err
    code, out, err = run(capsys, "--data-dir", d, "staff", "add", "--role", "director", "--name", "王芳",
                         "--unit", VILLAGE_CODE, "--appointed-on", "2021-06-16", "--replace", "--json")
    assert code == 0, err
    code, out, err = run(capsys, "--data-dir", d, "staff", "update", number, "--set", "phone=029-88886666", "--json")
    assert code == 0 and json.loads(out)["phone"] == "029-88886666"
    code, out, err = run(capsys, "--data-dir", d, "staff", "training", "王芳", "--held-on", "2021-07-01",
                         "--topic", "入户走访", "--hours", "3", "--json")
    assert code == 0, err
    assert json.loads(out)["topic"] == "入户走访"
    code, out, err = run(capsys, "--data-dir", d, "staff", "list", "--all", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [(p["name"], p["ended_on"]) for p in listed] == [("李秀英", "2021-06-15"), ("王芳", None)]
    code, out, err = run(capsys, "--data-dir", d, "staff", "list")
    assert code == 0 and "王芳" in out and "今年未参加培训" in out  # trained in 2021 only
    code, out, err = run(capsys, "--data-dir", d, "staff", "end", "王芳", "--on", "2022-01-31", "--json")
    assert code == 0 and json.loads(out)["ended_on"] == "2022-01-31"
    code, out, err = run(capsys, "--data-dir", d, "staff", "end", "王芳")
    assert code == 1 and "已于2022-01-31离任" in err
    code, out, err = run(capsys, "--data-dir", d, "staff", "list")
    assert code == 0 and "王芳" not in out
    code, out, err = run(capsys, "--data-dir", d, "--lang", "en", "staff", "end", "nobody")
    assert code == 1 and "no staff member" in err


def test_director_of_an_enrolled_village_before_its_first_bundle(township: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A village enrolled by the township (no bundle yet) can get its director: its unit is made
    with the id the village gives it, so both merge later."""
    d, new_village = str(township), "610402100209"
    code, out, err = run(capsys, "--data-dir", d, "staff", "add", "--role", "director", "--name", "王芳",
                         "--unit", new_village, "--appointed-on", "2024-03-01")
    assert code == 1 and "找不到村（居）或乡镇" in err  # not enrolled: refused
    code, out, err = run(capsys, "--data-dir", d, "enrol", "create", "--village-code", new_village,
                         "--village-name", "北坡村", "--out", str(tmp_path), "--no-code", "--json")
    assert code == 0, err
    code, out, err = run(capsys, "--data-dir", d, "staff", "add", "--role", "director", "--name", "王芳",
                         "--unit", new_village, "--covered", VILLAGE_CODE, "--appointed-on", "2024-03-01", "--json")
    assert code == 0, err
    row = json.loads(out)
    assert (row["unit_code"], row["unit_name"]) == (new_village, "北坡村")
    reg = Register.open(township)
    try:
        with reg.reading() as s:
            from carebook.model.organisation import OrgUnit, unit_id_for_code

            unit = s.scalar(select(OrgUnit).where(OrgUnit.code == new_village))
            assert unit is not None and unit.id == unit_id_for_code(new_village) and unit.level is OrgLevel.VILLAGE
    finally:
        reg.close()

"""Child and visit services through the Register facade, on a real encrypted register."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from carebook.model.enums import ClosingReason
from carebook.model.errors import EditConflictError, NotFoundError, StateError, ValidationError
from carebook.model.pinyin import initials_variants, search_key
from carebook.model.register import ChildFilter, Register
from carebook.model.settings import RegisterSettings
from model_helpers import both_away, child_values, id_for, rid, years_before

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def names(rows: list[Any]) -> set[str]:
    return {r.name for r in rows}


# -- register ------------------------------------------------------------------------------------------


def test_register_fills_birth_date_and_sex_from_the_id(register: Register, today: dt.date) -> None:
    birth = years_before(today, 9, 40)
    result = register.register_child({"name": "李小红", "id_number": id_for(birth, male=False)})
    detail = register.child_detail(rid(result))
    assert detail.fields["date_of_birth"] == birth
    assert detail.fields["sex"] == "2"
    assert detail.age == 9
    assert detail.fields["id_number"] == id_for(birth, male=False)


def test_register_stores_the_canonical_id(register: Register, today: dt.date) -> None:
    number = id_for(years_before(today, 5))
    typed = f" {number[:6]} {number[6:]}".translate(FULL_WIDTH)
    result = register.register_child({"name": "王 小 明", "id_number": typed})
    detail = register.child_detail(number)
    assert detail.id == rid(result)
    assert detail.fields["id_number"] == number and detail.fields["name"] == "王小明"


def test_invalid_id_is_refused_and_nothing_is_written(register: Register, digest: Callable[[], str],
                                                      today: dt.date) -> None:
    number = id_for(years_before(today, 9))
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    before = digest()
    with pytest.raises(ValidationError) as info:
        register.register_child(child_values("张思远", years_before(today, 9), **both_away(today)) | {"id_number": wrong})
    assert info.value.field == "id_number"
    assert "校验码" in info.value.message_zh
    assert digest() == before


def test_every_bad_field_is_reported_at_once(register: Register, digest: Callable[[], str], today: dt.date) -> None:
    before = digest()
    with pytest.raises(ValidationError) as info:
        register.register_child({"name": "张思远", "id_number": "123", "father.phone": "555",
                                 "schooling_stage": "火星学校", "no_such_field": "x"})
    fields = [e.field for e in info.value.errors]
    assert set(fields) == {"id_number", "father.phone", "schooling_stage", "no_such_field"}
    assert fields.index("id_number") < fields.index("father.phone")
    assert all(e.message_zh and e.message_en for e in info.value.errors)
    assert digest() == before


def test_duplicate_id_is_refused_in_any_spelling(register: Register, digest: Callable[[], str],
                                                 today: dt.date) -> None:
    number = id_for(years_before(today, 9))
    register.register_child({"name": "张思远", "id_number": number})
    before = digest()
    for spelling in (number, number.lower(), number.translate(FULL_WIDTH), f"{number[:9]} {number[9:]}"):
        with pytest.raises(ValidationError) as info:
            register.register_child({"name": "张思源", "id_number": spelling})
        assert info.value.field == "id_number"
        assert "已登记" in info.value.message_zh and "张思远" in info.value.message_zh
    assert digest() == before


def test_sex_and_birth_date_must_agree_with_the_id(register: Register, digest: Callable[[], str],
                                                   today: dt.date) -> None:
    birth = years_before(today, 9)
    number = id_for(birth, male=True)
    before = digest()
    with pytest.raises(ValidationError) as info:
        register.register_child({"name": "张思远", "id_number": number, "sex": "女"})
    assert info.value.field == "sex" and "不一致" in info.value.message_zh
    with pytest.raises(ValidationError) as info:
        register.register_child({"name": "张思远", "id_number": number, "date_of_birth": birth - dt.timedelta(days=1)})
    assert info.value.field == "date_of_birth" and "不一致" in info.value.message_zh
    assert digest() == before
    ok = register.register_child({"name": "张思远", "id_number": number, "sex": "男", "date_of_birth": birth})
    assert register.child_detail(rid(ok)).fields["sex"] == "1"


def test_required_fields(register: Register, digest: Callable[[], str], today: dt.date) -> None:
    before = digest()
    with pytest.raises(ValidationError) as info:
        register.register_child({"id_number": id_for(years_before(today, 3))})
    assert [e.field for e in info.value.errors] == ["name"]
    with pytest.raises(ValidationError) as info:
        register.register_child({"name": "无名", "sex": "男", "date_of_birth": years_before(today, 3)})
    assert info.value.field == "id_number" and "无户籍" in info.value.message_zh
    assert digest() == before


def test_child_without_household_registration(register: Register, today: dt.date) -> None:
    result = register.register_child({"name": "黑娃", "sex": "男", "date_of_birth": years_before(today, 6),
                                      "has_household_registration": "否"})
    detail = register.child_detail(rid(result))
    assert detail.fields["id_number"] is None
    assert "key_child" in detail.categories  # 无户籍 is a key-child flag


def test_future_birth_date_and_adults_are_refused(register: Register, today: dt.date) -> None:
    with pytest.raises(ValidationError, match="不能晚于今天"):
        register.register_child({"name": "甲", "sex": "男", "date_of_birth": today + dt.timedelta(days=1),
                                 "has_household_registration": False})
    with pytest.raises(ValidationError, match="25岁"):
        register.register_child({"name": "乙", "id_number": id_for(years_before(today, 30))})


def test_members_are_stored_with_their_roles(register: Register, today: dt.date) -> None:
    father_birth = years_before(today, 35)
    values = child_values("张思远", years_before(today, 9), **both_away(today),
                          father__id_number=id_for(father_birth, seq=77), father__work_place="广东省东莞市",
                          guardian__name="张德福", guardian__relation="爷爷", guardian__phone="139 1234 5678")
    detail = register.child_detail(rid(register.register_child(values)))
    by_role = {m.role: m for m in detail.members}
    assert set(by_role) == {"father", "mother", "guardian"}
    assert by_role["father"].date_of_birth == father_birth  # filled from the ID number
    assert by_role["father"].status == "working_away" and by_role["father"].work_place == "广东省东莞市"
    assert by_role["guardian"].relation == "61" and by_role["guardian"].phone == "13912345678"
    rows = register.list_children()
    assert rows[0].guardian_name == "张德福"


# -- update -------------------------------------------------------------------------------------------


def test_update_clears_blank_fields(register: Register, today: dt.date) -> None:
    values = child_values("张思远", years_before(today, 9), notes="旧备注", school_name="东湾小学",
                          income_sources="务工、务农", father__name="张建国", father__phone="13800001111",
                          key_child="是")
    child_id = rid(register.register_child(values))
    register.update_child(child_id, {"notes": "", "school_name": None, "income_sources": "", "father.phone": "",
                                     "key_child": ""})
    detail = register.child_detail(child_id)
    assert detail.fields["notes"] is None and detail.fields["school_name"] is None
    assert detail.fields["income_sources"] == [] and detail.fields["key_child"] is False
    assert [m.phone for m in detail.members if m.role == "father"] == [None]
    assert "key_child" not in detail.categories


def test_update_cannot_clear_name_sex_or_birth(register: Register, today: dt.date) -> None:
    child_id = rid(register.register_child(child_values("张思远", years_before(today, 9))))
    with pytest.raises(ValidationError) as info:
        register.update_child(child_id, {"name": ""})
    assert info.value.field == "name" and "不能清空" in info.value.message_zh
    # Sex and date of birth come back from the ID number when cleared.
    register.update_child(child_id, {"sex": "", "date_of_birth": ""})
    detail = register.child_detail(child_id)
    assert detail.fields["sex"] == "1" and detail.fields["date_of_birth"] == years_before(today, 9)
    no_id = rid(register.register_child({"name": "黑娃", "sex": "男", "date_of_birth": years_before(today, 6),
                                     "has_household_registration": False}))
    for field in ("sex", "date_of_birth"):
        with pytest.raises(ValidationError) as info:
            register.update_child(no_id, {field: ""})
        assert info.value.field == field and "不能清空" in info.value.message_zh


def test_update_refuses_an_id_of_another_child(register: Register, today: dt.date) -> None:
    first = id_for(years_before(today, 9), seq=1)
    register.register_child({"name": "甲", "id_number": first})
    second = rid(register.register_child({"name": "乙", "id_number": id_for(years_before(today, 9), seq=2)}))
    with pytest.raises(ValidationError, match="已登记"):
        register.update_child(second, {"id_number": first.lower()})


def test_update_finds_children_by_id_number_or_record_id(register: Register, today: dt.date) -> None:
    number = id_for(years_before(today, 9))
    child_id = rid(register.register_child({"name": "张思远", "id_number": number}))
    register.update_child(number.lower(), {"notes": "a"})
    register.update_child(child_id, {"school_grade": "三年级"})
    detail = register.child_detail(number.translate(FULL_WIDTH))
    assert detail.fields["notes"] == "a" and detail.fields["school_grade"] == "三年级"
    with pytest.raises(NotFoundError, match="找不到"):
        register.update_child("110101200001010000", {"notes": "b"})


# -- close and reopen -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["aged_out", "moved", "adopted", "reunited", "parent_released", "independent",
                                    "deceased", "error", "other"])
def test_close_with_each_reason(register: Register, today: dt.date, reason: str) -> None:
    number = id_for(years_before(today, 19 if reason == "aged_out" else 9))
    child_id = rid(register.register_child({"name": "张思远", "id_number": number}))
    result = register.close_child(number, reason, note="说明")
    assert rid(result) == child_id
    detail = register.child_detail(child_id)
    assert detail.closed and detail.closed_reason == reason and detail.closed_on == today
    assert register.search("张思远") == []
    assert [r.closed_reason for r in register.search("张思远", include_closed=True)] == [reason]
    assert register.list_children(ChildFilter(closed=True))[0].id == child_id


def test_close_reason_by_label_and_errors(register: Register, today: dt.date) -> None:
    child_id = rid(register.register_child(child_values("张思远", years_before(today, 9))))
    with pytest.raises(ValidationError):
        register.close_child(child_id, "went_to_mars")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        register.close_child(child_id, "moved", on=today + dt.timedelta(days=1))
    register.close_child(child_id, "户籍迁出", on=today - dt.timedelta(days=3))
    detail = register.child_detail(child_id)
    assert detail.closed_reason == ClosingReason.MOVED.code and detail.closed_on == today - dt.timedelta(days=3)
    with pytest.raises(StateError, match="已于"):
        register.close_child(child_id, "moved")
    with pytest.raises(StateError, match="已销档"):
        register.record_visit(child_id, {"visit_date": today})


def test_close_date_not_before_birth(register: Register, digest: Callable[[], str], today: dt.date) -> None:
    birth = years_before(today, 11)
    child_id = rid(register.register_child(child_values("张思远", birth)))
    before = digest()
    with pytest.raises(ValidationError, match="早于“张思远”的出生日期") as info:
        register.close_child(child_id, "moved", on=birth - dt.timedelta(days=1))
    assert info.value.field == "closed_on"
    with pytest.raises(ValidationError, match="早于"):
        register.close_child(child_id, "moved", on=dt.date(2000, 1, 1))
    assert digest() == before
    register.close_child(child_id, "error", on=birth)  # entered in error on the day of birth: allowed
    assert register.child_detail(child_id).closed_on == birth


def test_aged_out_only_from_the_eighteenth_birthday(register: Register, digest: Callable[[], str],
                                                    today: dt.date) -> None:
    from carebook.model.services.children import close_child

    birth = years_before(today, 17, 200)  # turns 18 in about half a year
    if (birth.month, birth.day) == (2, 29):
        birth -= dt.timedelta(days=1)
    child_id = rid(register.register_child(child_values("王小明", birth)))
    eighteenth = birth.replace(year=birth.year + 18)
    before = digest()
    with pytest.raises(ValidationError, match="未满18周岁") as info:
        register.close_child(child_id, "aged_out")
    assert info.value.field == "reason" and "年满18周岁" in info.value.message_zh
    with pytest.raises(ValidationError, match="未满18周岁"):
        register.close_child(child_id, "年满18周岁", on=birth)
    later = eighteenth + dt.timedelta(days=3)
    with pytest.raises(ValidationError, match="未满18周岁"):
        register.write(close_child, child_id, "aged_out", on=eighteenth - dt.timedelta(days=1), today=later)
    assert digest() == before
    register.write(close_child, child_id, "aged_out", on=eighteenth, today=later)
    detail = register.child_detail(child_id)
    assert detail.closed_reason == "aged_out" and detail.closed_on == eighteenth


def test_reopen(register: Register, today: dt.date) -> None:
    child_id = rid(register.register_child(child_values("张思远", years_before(today, 9))))
    with pytest.raises(StateError):
        register.reopen_child(child_id)
    register.close_child(child_id, "error")
    register.reopen_child(child_id)
    detail = register.child_detail(child_id)
    assert not detail.closed and detail.closed_reason is None and detail.closed_on is None
    assert names(register.search("张思远")) == {"张思远"}


# -- search ---------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(register: Register, today: dt.date) -> dict[str, str]:
    """A small register with names that test pinyin readings; name -> ID number."""
    people = ["张思远", "曾思远", "单田芳", "解晓东", "李小红", "张𠮷", "欧阳娜娜", "王芳"]
    numbers = {}
    for i, name in enumerate(people):
        number = id_for(years_before(today, 5 + i), male=i % 2 == 0, seq=100 + i)
        register.register_child({"name": name, "id_number": number})
        numbers[name] = number
    return numbers


SEARCHES = [
    ("张思远", {"张思远"}), ("思远", {"张思远", "曾思远"}), ("𠮷", {"张𠮷"}), ("欧阳", {"欧阳娜娜"}),
    ("zsy", {"张思远", "曾思远"}), ("ZSY", {"张思远", "曾思远"}), ("z s y", {"张思远", "曾思远"}),
    ("csy", {"曾思远"}),  # 曾 indexed as ceng too
    ("stf", {"单田芳"}), ("dtf", {"单田芳"}), ("ctf", {"单田芳"}),  # 单 shan / dan / chan
    ("xxd", {"解晓东"}), ("jxd", {"解晓东"}),
    ("zhangsiyuan", {"张思远"}), ("siyuan", set()),  # full pinyin matches from the start of a word
    ("lxh", {"李小红"}), ("oynn", {"欧阳娜娜"}), ("wf", {"王芳"}),
    ("z", {"张思远", "曾思远", "张𠮷"}), ("qqq", set()), ("赵", set()),
    ("张 思远", {"张思远"}), ("思\u3000远", {"张思远", "曾思远"}),  # typed with a space (QA: found nothing)
]


def test_search_by_name_and_pinyin(register: Register, searchable: dict[str, str]) -> None:
    found = {query: names(register.search(query)) for query, _ in SEARCHES}
    assert found == dict(SEARCHES)


def test_search_by_id_suffix(register: Register, searchable: dict[str, str]) -> None:
    for name, number in searchable.items():
        for n in (4, 6, 18):
            assert name in names(register.search(number[-n:]))
        assert names(register.search(number[-6:].lower())) == {name}
    assert register.search("0000000") == []
    middle = searchable["王芳"][6:12]
    assert "王芳" not in names(register.search(middle))  # a suffix, not a substring


def test_search_is_combined_with_filters(register: Register, today: dt.date) -> None:
    away = register.register_child(child_values("张思远", years_before(today, 9), seq=1, **both_away(today)))
    register.register_child(child_values("张思源", years_before(today, 9), seq=2))
    assert names(register.list_children(ChildFilter(search="zsy"))) == {"张思远", "张思源"}
    rows = register.list_children(ChildFilter(search="zsy", category="留守儿童"))
    assert [r.id for r in rows] == [rid(away)]
    assert register.child_ids(ChildFilter(search="zsy", village_code="610402100201"))
    assert register.child_ids(ChildFilter(search="zsy", village_code="999999999999")) == []


def test_search_keys_index_every_reading() -> None:
    assert "zsy" in initials_variants("曾思远") and "csy" in initials_variants("曾思远")
    assert {"stf", "dtf"} <= set(initials_variants("单田芳"))
    assert search_key("张思远").startswith(" ") and " zsy " in search_key("张思远")
    assert initials_variants("张𠮷") == ["z"]  # Extension B has no reading: the rest still counts
    assert len(initials_variants("单解曾区朴仇")) <= 32


# -- visits ---------------------------------------------------------------------------------------------


def test_record_visit_proposes_the_next_visit_from_settings(register: Register, today: dt.date) -> None:
    left_behind = rid(register.register_child(child_values("甲", years_before(today, 9), seq=1,
                                                       **both_away(today))))
    key = rid(register.register_child(child_values("乙", years_before(today, 9), seq=2, key_child=True)))
    red = rid(register.register_child(child_values("丙", years_before(today, 9), seq=3, risk_colour="红")))
    poor = rid(register.register_child(child_values("丁", years_before(today, 9), seq=4, family_poverty=True)))
    plain = rid(register.register_child(child_values("戊", years_before(today, 9), seq=5)))
    day = today - dt.timedelta(days=10)
    expected = {left_behind: 90, key: 30, red: 15, poor: 60, plain: 90}
    for child_id, days in expected.items():
        assert register.propose_next_visit(child_id, day) == day + dt.timedelta(days=days)
        register.record_visit(child_id, {"visit_date": day})
        detail = register.child_detail(child_id)
        assert detail.last_visit_date == day
        assert detail.next_visit_due == day + dt.timedelta(days=days)
        assert detail.visits[0].next_visit_date == day + dt.timedelta(days=days)
    settings = register.settings()
    register.save_settings(dataclasses.replace(
        settings, visit_interval_by_category={**settings.visit_interval_by_category, "left_behind": 45},
        default_visit_interval=120))
    assert register.propose_next_visit(left_behind, day) == day + dt.timedelta(days=45)
    assert register.propose_next_visit(plain, day) == day + dt.timedelta(days=120)


def test_record_visit_with_an_explicit_next_date_and_validation(register: Register, today: dt.date) -> None:
    child_id = rid(register.register_child(child_values("甲", years_before(today, 9))))
    nxt = today + dt.timedelta(days=14)
    register.record_visit(child_id, {"visit_date": today, "next_visit_date": nxt, "method": "电话"})
    detail = register.child_detail(child_id)
    assert detail.next_visit_due == nxt and detail.visits[0].method == "phone"
    with pytest.raises(ValidationError) as info:
        register.record_visit(child_id, {"visit_date": today, "next_visit_date": today})
    assert info.value.field == "next_visit_date"
    with pytest.raises(ValidationError) as info:
        register.record_visit(child_id, {"place": "家中"})
    assert info.value.field == "visit_date"
    with pytest.raises(ValidationError) as info:
        register.record_visit(child_id, {"visit_date": today, "weather": "晴"})
    assert info.value.field == "weather"
    # QA: a visit dated before the child was born, and a time of 25:99, were saved
    with pytest.raises(ValidationError) as info:
        register.record_visit(child_id, {"visit_date": years_before(today, 10)})
    assert info.value.field == "visit_date" and "出生日期" in info.value.message_zh
    for bad in ("25:99", "14:60", "1430", "下午"):
        with pytest.raises(ValidationError) as info:
            register.record_visit(child_id, {"visit_date": today, "visit_time": bad})
        assert info.value.field == "visit_time"
    register.record_visit(child_id, {"visit_date": today, "visit_time": "9:05"})
    assert len(register.child_detail(child_id).visits) == 2


def test_due_and_overdue_visits(register: Register, today: dt.date) -> None:
    def child(name: str, seq: int, **extra: Any) -> str:
        return rid(register.register_child(child_values(name, years_before(today, 9), seq=seq,
                                                    **both_away(today), **extra)))

    overdue = child("逾期", 1)
    due_soon = child("将到期", 2)
    not_due = child("未到期", 3)
    red_overdue = child("红色逾期", 4, risk_colour="red")
    closed = child("已销档", 5)
    register.record_visit(overdue, {"visit_date": today - dt.timedelta(days=100)})  # due 10 days ago
    register.record_visit(due_soon, {"visit_date": today - dt.timedelta(days=85)})  # due in 5 days
    register.record_visit(not_due, {"visit_date": today - dt.timedelta(days=10)})
    register.record_visit(red_overdue, {"visit_date": today - dt.timedelta(days=20)})  # red: 15 days
    register.record_visit(closed, {"visit_date": today - dt.timedelta(days=200)})
    register.close_child(closed, "reunited")
    due = {d.child_id: d for d in register.due_visits()}
    assert set(due) == {overdue, due_soon, red_overdue}
    assert due[overdue].days_overdue == 10 and due[due_soon].days_overdue == -5
    assert due[red_overdue].days_overdue == 5
    assert [d.child_id for d in register.due_visits()] == [red_overdue, overdue, due_soon]  # riskiest first
    assert set(register.child_ids(ChildFilter(overdue=True))) == {overdue, red_overdue}
    register.record_visit(overdue, {"visit_date": today})
    assert overdue not in {d.child_id for d in register.due_visits()}


def test_settings_round_trip(register: Register) -> None:
    settings = RegisterSettings(away_min_months=3, visit_interval_by_risk={"red": 7})
    register.save_settings(settings)
    assert register.settings() == settings


def test_search_by_id_suffix_edges(register: Register, today: dt.date) -> None:
    """Suffixes starting with 9 and ending in X (the index range's edge cases) and neighbours."""
    birth = years_before(today, 9)
    numbers = [id_for(birth, seq=s) for s in range(90, 500)]
    nine = next(n for n in numbers if n[-4] == "9")
    ex = next(n for n in numbers if n.endswith("X"))
    for i, number in enumerate({nine, ex}):
        register.register_child({"name": f"张{'甲乙'[i]}", "id_number": number})
    assert [r.id_number for r in register.search(nine[-4:])] == [nine]
    assert [r.id_number for r in register.search(ex[-5:].lower())] == [ex]
    assert [r.id_number for r in register.search(ex[-3:])] == [ex]
    assert {r.id_number for r in register.search(nine[-3:])} <= {nine, ex}
    assert register.search(nine[-4:-1] + ("0" if nine[-1] != "0" else "1")) == []


def test_update_with_a_stale_version_is_refused_and_changes_nothing(register: Register, digest: Callable[[], str],
                                                                    today: dt.date) -> None:
    """The editor's optimistic lock (``expected_version``): checked in the write transaction."""
    cid = rid(register.register_child(child_values("张思远", years_before(today, 9))))
    version = register.child_detail(cid).version
    register.update_child(cid, {"notes": "孩子被打，需立即转介"})
    before = digest()
    with pytest.raises(EditConflictError) as info:
        register.update_child(cid, {"notes": "一切正常"}, expected_version=version)
    assert "没有保存" in info.value.message_zh
    assert digest() == before
    now = register.child_detail(cid).version
    register.update_child(cid, {"notes": "已转介"}, expected_version=now)
    assert register.child_detail(cid).fields["notes"] == "已转介"


def test_id_number_of_a_registered_child_cannot_be_cleared(register: Register, digest: Callable[[], str],
                                                           today: dt.date) -> None:
    """QA: ``--set id_number=`` was accepted for a child with household registration (which
    registration refuses), and the next ledger import made a second file of the same child."""
    cid = rid(register.register_child(child_values("张思远", years_before(today, 9))))
    before = digest()
    with pytest.raises(ValidationError) as info:
        register.update_child(cid, {"id_number": ""})
    assert info.value.field == "id_number" and "不能清空" in info.value.message_zh
    assert digest() == before
    register.update_child(cid, {"id_number": "", "has_household_registration": False})  # 无户籍: allowed
    assert register.child_detail(cid).fields["id_number"] is None


def test_register_sorts_by_risk_sex_guardian_and_categories(register: Register, today: dt.date) -> None:
    """QA: 风险 sorted red, yellow, blue, green only by luck of the codes' letters (blue first), and
    性别, 儿童类别, 监护人, 状态 showed a sort arrow but sorted by name."""
    made = {}
    for k, (name, risk, guardian) in enumerate([("甲", "green", "赵"), ("乙", "red", "钱"), ("丙", None, None),
                                                ("丁", "yellow", "孙"), ("戊", "blue", "李")]):
        values = child_values(name, years_before(today, 8 + k), male=k % 2 == 0, seq=20 + k)
        if risk:
            values["risk_colour"] = risk
        if guardian:
            values |= {"guardian.name": guardian, "guardian.relation": "祖母"}
        made[name] = rid(register.register_child(values))
    name_of = {v: k for k, v in made.items()}

    def names(sort: str, descending: bool = False) -> list[str]:
        return [name_of[i] for i in register.child_ids(sort=sort, descending=descending) if i in name_of]

    assert names("risk") == ["乙", "丁", "戊", "甲", "丙"]  # red, yellow, blue, green, not rated
    assert names("risk", descending=True)[-1] == "乙"
    sexes = [register.child_detail(made[n]).fields["sex"] for n in names("sex")]
    assert sexes == sorted(sexes)
    guardians = names("guardian")
    assert guardians[-1] == "丙"  # no guardian last
    assert [register.child_detail(made[n]).members for n in guardians]  # (all readable)
    assert set(names("categories")) == set(made) and set(names("status")) == set(made)

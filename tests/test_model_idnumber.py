"""Resident ID numbers (GB 11643-1999) and the other field rules of the model layer."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carebook.model.enums import Sex
from carebook.model.errors import ValidationError
from carebook.model.idnumber import (
    PROVINCE_CODES,
    clean_id_number,
    id_number_check_character,
    normalise_id_number,
    parse_id_number,
)
from carebook.model.validation import age_on, clean_bool, clean_date, clean_name, clean_phone
from model_helpers import check_character

TODAY = dt.date(2026, 6, 1)
BODY = "61040220150305001"  # a boy born 5 March 2015 in 610402
VALID = BODY + check_character(BODY)
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def with_x() -> str:
    """A valid number whose check character is X."""
    for seq in range(1000):
        body = f"61040220150305{seq:03d}"
        if check_character(body) == "X":
            return body + "X"
    raise AssertionError("no X found")


def test_check_character_matches_an_independent_computation() -> None:
    assert id_number_check_character(BODY) == check_character(BODY)
    # A published example: GB 11643-1999 annex A, 11010519491231002X.
    assert id_number_check_character("11010519491231002") == "X"


def test_valid_number_gives_birth_sex_and_address() -> None:
    info = parse_id_number(VALID, today=TODAY)
    assert info.number == VALID
    assert info.date_of_birth == dt.date(2015, 3, 5)
    assert info.sex is Sex.MALE  # 17th digit 1: odd
    assert info.address_code == "610402"
    female = BODY[:16] + "2"
    assert parse_id_number(female + check_character(female), today=TODAY).sex is Sex.FEMALE


def test_lower_case_x_is_accepted_and_stored_upper_case() -> None:
    number = with_x()
    assert normalise_id_number(number.lower(), today=TODAY) == number
    assert normalise_id_number(number[:-1] + "x", today=TODAY).endswith("X")


def test_full_width_digits_and_x_are_accepted() -> None:
    number = with_x()
    typed = number.translate(FULL_WIDTH)
    assert typed != number and not typed.isascii()
    assert normalise_id_number(typed, today=TODAY) == number
    assert normalise_id_number(number[:-1].translate(FULL_WIDTH) + "ｘ", today=TODAY) == number


@pytest.mark.parametrize("typed", [
    f" {VALID} ", f"{VALID[:6]} {VALID[6:14]} {VALID[14:]}", f"{VALID[:6]}\u3000{VALID[6:]}",
    f"{VALID[:6]}-{VALID[6:14]}-{VALID[14:]}", f"\t{VALID}\n",
])
def test_stray_spaces_and_dashes_are_removed(typed: str) -> None:
    assert clean_id_number(typed) == VALID
    assert normalise_id_number(typed, today=TODAY) == VALID


def test_fifteen_digit_number_is_converted() -> None:
    # 15 digits: address, YYMMDD (19YY), sequence; no check character.
    legacy = "610402850615123"
    expected_body = "61040219850615123"
    converted = normalise_id_number(legacy, today=TODAY)
    assert converted == expected_body + check_character(expected_body)
    info = parse_id_number(legacy, today=TODAY)
    assert info.date_of_birth == dt.date(1985, 6, 15)
    assert info.sex is Sex.MALE
    assert normalise_id_number("130503670401001", today=TODAY) == "13050319670401001" + check_character(
        "13050319670401001")


def test_fifteen_digit_number_with_an_impossible_date_is_rejected() -> None:
    with pytest.raises(ValidationError, match="出生日期"):
        parse_id_number("610402850230123", today=TODAY)


def test_wrong_check_character_is_rejected() -> None:
    right = VALID[-1]
    for wrong in "0123456789X":
        if wrong == right:
            continue
        with pytest.raises(ValidationError) as info:
            parse_id_number(VALID[:-1] + wrong, today=TODAY)
        assert info.value.field == "id_number"
        assert "校验码" in info.value.message_zh
        assert "check character" in info.value.message_en


def test_a_transposed_digit_is_caught() -> None:
    swapped = VALID[:10] + VALID[11] + VALID[10] + VALID[12:]
    assert swapped != VALID
    with pytest.raises(ValidationError):
        parse_id_number(swapped, today=TODAY)


@pytest.mark.parametrize("date_text", ["20150230", "20151301", "20150229", "20150001", "20150100", "20150431"])
def test_impossible_dates_are_rejected(date_text: str) -> None:
    body = "610402" + date_text + "001"
    with pytest.raises(ValidationError) as info:
        parse_id_number(body + check_character(body), today=TODAY)
    assert "不存在" in info.value.message_zh


def test_leap_day_is_a_real_date() -> None:
    body = "61040220160229002"
    assert parse_id_number(body + check_character(body), today=TODAY).date_of_birth == dt.date(2016, 2, 29)


def test_future_date_of_birth_is_rejected_and_today_is_accepted() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    body = f"610402{tomorrow:%Y%m%d}002"
    with pytest.raises(ValidationError, match="不可能"):
        parse_id_number(body + check_character(body), today=TODAY)
    body = f"610402{TODAY:%Y%m%d}002"
    assert parse_id_number(body + check_character(body), today=TODAY).date_of_birth == TODAY


def test_birth_before_1900_is_rejected() -> None:
    body = "61040218991231002"
    with pytest.raises(ValidationError):
        parse_id_number(body + check_character(body), today=TODAY)


@pytest.mark.parametrize("text", ["", VALID[:-1], VALID + "1", VALID[:10], "6104022015030500101"])
def test_wrong_length_is_rejected(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_id_number(text, today=TODAY)
    assert "18位" in info.value.message_zh
    assert info.value.field == "id_number"


@pytest.mark.parametrize("text", ["61040220150305X010", "6104022015030500A1", "X10402201503050010"])
def test_letters_other_than_a_final_x_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError, match="只能包含数字"):
        parse_id_number(text, today=TODAY)


@pytest.mark.parametrize("province", ["00", "10", "19", "20", "39", "66", "80", "99"])
def test_unknown_province_code_is_rejected(province: str) -> None:
    body = province + BODY[2:]
    with pytest.raises(ValidationError, match="省级行政区划代码"):
        parse_id_number(body + check_character(body), today=TODAY)


def test_field_name_is_carried_in_the_error() -> None:
    with pytest.raises(ValidationError) as info:
        parse_id_number("123", today=TODAY, field="father.id_number")
    assert info.value.field == "father.id_number"
    assert info.value.errors[0].field == "father.id_number"


def test_check_character_helper_refuses_bad_input() -> None:
    for bad in ("", "1234567890123456", "123456789012345678", "1234567890123456X"):
        with pytest.raises(ValueError):
            id_number_check_character(bad)


bodies = st.builds(
    lambda province, county, birth, seq: f"{province}{county:04d}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(0, 9999),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)


@given(bodies)
def test_property_computed_check_character_is_the_only_one_accepted(body: str) -> None:
    check = id_number_check_character(body)
    assert check == check_character(body)
    info = parse_id_number(body + check, today=TODAY)
    assert info.number == body + check
    assert info.sex is (Sex.MALE if int(body[16]) % 2 else Sex.FEMALE)
    for other in "0123456789X":
        if other != check:
            with pytest.raises(ValidationError):
                parse_id_number(body + other, today=TODAY)


@given(bodies, st.sampled_from(["lower", "full_width", "spaces"]))
def test_property_entry_spellings_normalise_to_the_same_number(body: str, spelling: str) -> None:
    number = body + id_number_check_character(body)
    typed = {"lower": number.lower(), "full_width": number.translate(FULL_WIDTH),
             "spaces": " ".join(number[i:i + 4] for i in range(0, 18, 4))}[spelling]
    assert normalise_id_number(typed, today=TODAY) == number


# -- other field rules (validation.py) -------------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"), (13812345678.0, "13812345678"), ("029-88886666", "029-88886666"),
    ("(0910)3216549", "0910-3216549"),
])
def test_phone_numbers_are_canonicalised(typed: object, stored: str) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "88886666", "电话"])
def test_bad_phone_numbers_are_rejected(typed: str) -> None:
    with pytest.raises(ValidationError, match="电话号码"):
        clean_phone(typed, field="father.phone")


def test_dates_in_the_future_are_rejected_unless_allowed() -> None:
    with pytest.raises(ValidationError, match="不能晚于今天"):
        clean_date("2026-06-02", "visit_date", today=TODAY)
    assert clean_date("2026-06-02", "next", today=TODAY, allow_future=True) == dt.date(2026, 6, 2)
    with pytest.raises(ValidationError, match="不存在"):
        clean_date("2015-02-30", "date_of_birth", today=TODAY)
    assert clean_date(dt.datetime(2020, 1, 2, 3, 4), "d", today=TODAY) == dt.date(2020, 1, 2)
    assert clean_date("  ", "d", today=TODAY) is None


def test_names_and_yes_no() -> None:
    assert clean_name(" 张 思远 ") == "张思远"
    assert clean_name("张\U00020bb7") == "张\U00020bb7"  # Extension B kept
    assert clean_name("阿依古丽•买买提") == "阿依古丽·买买提"
    with pytest.raises(ValidationError):
        clean_name("张3")
    assert clean_bool("是", "f") is True and clean_bool("否", "f") is False and clean_bool("", "f") is None
    with pytest.raises(ValidationError):
        clean_bool("也许", "f")


def test_age_on_birthdays_and_leap_days() -> None:
    assert age_on(dt.date(2010, 6, 1), TODAY) == 16
    assert age_on(dt.date(2010, 6, 2), TODAY) == 15
    assert age_on(dt.date(2016, 2, 29), dt.date(2017, 2, 28)) == 0
    assert age_on(dt.date(2016, 2, 29), dt.date(2017, 3, 1)) == 1

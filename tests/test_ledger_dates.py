"""Dates as villages write them in ledgers (carebook.documents.ledger_dates)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carebook.documents.ledger_dates import (
    LedgerDateError,
    date_to_excel_serial,
    excel_serial_to_date,
    parse_ledger_date,
)
from carebook.model.errors import CarebookError

D = dt.date(2015, 3, 5)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2015, 3, 5, 0, 0),
        dt.datetime(2015, 3, 5, 13, 45),
        D,
        "2015.3.5",
        "2015.03.05",
        "2015/03/05",
        "2015/3/5",
        "2015-03-05",
        "20150305",
        "2015年3月5日",
        "2015年03月05日",
        "2015年3月5号",
        " 2015 年 3 月 5 日 ",
        "２０１５年３月５日",
        "２０１５．３．５",
        "2015-03-05 00:00:00",
        "2015-03-05T00:00",
        20150305,
        20150305.0,
        "42068",
        42068,
        42068.0,
        42068.75,
    ],
)
def test_accepts_every_usual_shape(value: object) -> None:
    assert parse_ledger_date(value) == D


@pytest.mark.parametrize("text", ["2031-02-30", "2031.2.30", "20310230", "2031年2月30日", "2015-13-01"])
def test_impossible_dates_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(LedgerDateError) as caught:
        parse_ledger_date(text)
    assert isinstance(caught.value, CarebookError)
    assert text in caught.value.message_zh
    assert "不存在" in caught.value.message_zh
    assert caught.value.text == text


@pytest.mark.parametrize(
    "value",
    ["", "   ", "不详", "3/5/2015", "15.3.5", "1850-01-01", "2200-01-01", "2015", 2015, 60, "12345678", True],
)
def test_unreadable_values_are_refused(value: object) -> None:
    with pytest.raises(LedgerDateError):
        parse_ledger_date(value)


def test_year_and_month_only_says_so_and_keeps_them() -> None:
    with pytest.raises(LedgerDateError) as caught:
        parse_ledger_date("2015年3月")
    assert caught.value.year_month == (2015, 3)
    assert "缺少日" in caught.value.message_zh
    with pytest.raises(LedgerDateError) as caught:
        parse_ledger_date("2015.03")
    assert caught.value.year_month == (2015, 3)


def test_excel_serials_follow_the_1900_system() -> None:
    # ECMA-376 §18.17.4.1: 1 is 1900-01-01, 59 is 1900-02-28, 60 is the fictitious 1900-02-29,
    # 61 is 1900-03-01.
    assert excel_serial_to_date(1) == dt.date(1900, 1, 1)
    assert excel_serial_to_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_to_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_to_date(45000) == dt.date(2023, 3, 15)
    with pytest.raises(LedgerDateError):
        excel_serial_to_date(60)
    with pytest.raises(LedgerDateError):
        excel_serial_to_date(0)


dates = st.dates(min_value=dt.date(1927, 5, 18), max_value=dt.date(2100, 12, 31))


@given(dates)
def test_round_trip_through_every_written_shape(date: dt.date) -> None:
    y, m, d = date.year, date.month, date.day
    shapes = [
        f"{y}.{m}.{d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
        date.isoformat().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"}),
        str(date_to_excel_serial(date)),
        dt.datetime.combine(date, dt.time(8, 30)),
    ]
    for shape in shapes:
        assert parse_ledger_date(shape) == date, shape


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(29, 31))
def test_a_written_date_parses_exactly_when_it_exists(year: int, month: int, day: int) -> None:
    try:
        expected: dt.date | None = dt.date(year, month, day)
    except ValueError:
        expected = None
    for text in (f"{year}-{month}-{day}", f"{year}年{month}月{day}日", f"{year}{month:02d}{day:02d}"):
        if expected is None:
            with pytest.raises(LedgerDateError):
                parse_ledger_date(text)
        else:
            assert parse_ledger_date(text) == expected

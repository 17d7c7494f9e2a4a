"""Dates as villages write them in their ledgers (台账).

A ledger kept in Excel holds dates in every shape: real Excel dates, text such as ``2015.3.5``,
``2015/03/05``, ``2015-03-05``, ``20150305`` or ``2015年3月5日``, full-width digits typed with a
Chinese input method, and — in a CSV saved from Excel — bare serial numbers such as ``42068``.
:func:`parse_ledger_date` turns each of them into a :class:`datetime.date` or raises
:class:`LedgerDateError` with a message a child director understands. It checks only that the
date exists; whether it may lie in the future is a rule of the register (the model).

Excel serial numbers follow the 1900 date system of ECMA-376 Part 1, §18.17.4.1: day 1 is
1900-01-01 and day 60 is the non-existent 1900-02-29 kept for Lotus 1-2-3 compatibility, so
serials from 61 on count from 1899-12-30.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from carebook.model.errors import CarebookError

#: Years accepted in a ledger date. Nothing in a child's file lies outside them.
MIN_YEAR = 1900
MAX_YEAR = 2100

#: Excel serial numbers accepted as dates in text (CSV) cells: five digits, 1927-05-18 to
#: 2173-10-14. Shorter numbers are more likely counts or years than dates.
MIN_TEXT_SERIAL = 10_000
MAX_TEXT_SERIAL = 99_999

_EXCEL_EPOCH = dt.date(1899, 12, 30)

_SEPARATED = re.compile(r"^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*月?$")
# A time of day written after the date by Excel or another program ("2015-03-05 00:00:00",
# "2015-03-05T00:00"): dropped.
_TIME_SUFFIX = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


class LedgerDateError(CarebookError):
    """A ledger cell that should hold a date holds something that is not one (不是有效日期).

    ``text`` is the cell's content as written. ``year_month`` is set when the cell gives only a
    year and a month (``2015年3月``, common in an 出生年月 column), so a caller that knows the
    full date from elsewhere (the ID number) can check that the two agree.
    """

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        text: str,
        year_month: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(message_zh, message_en)
        self.text = text
        self.year_month = year_month


def _fold(text: str) -> str:
    """Full-width digits and punctuation to half-width (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _make(year: int, month: int, day: int, text: str) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise LedgerDateError(
            f"日期“{text}”的年份 {year} 不合理，请写成“2015-03-05”这样的日期",
            f"The year {year} in the date '{text}' is not plausible; write a date like 2015-03-05",
            text=text,
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise LedgerDateError(
            f"日期“{text}”不存在（{year}年没有{month}月{day}日），请核对后改正",
            f"The date '{text}' does not exist ({year} has no day {day} in month {month}); "
            "check it and correct it",
            text=text,
        ) from None


def excel_serial_to_date(serial: float, text: str | None = None) -> dt.date:
    """Convert an Excel serial day number (1900 date system) to a date.

    Args:
        serial: days, as Excel counts them; a fraction (time of day) is dropped.
        text: the cell as written, for the message.

    Raises:
        LedgerDateError: for serial 60 (1900-02-29, which never existed), for serials below 1,
            and for dates outside :data:`MIN_YEAR`..:data:`MAX_YEAR`.
    """
    shown = text if text is not None else f"{serial:g}"
    days = int(serial)
    if days < 1 or days == 60:
        raise LedgerDateError(
            f"“{shown}”不是有效的 Excel 日期，请写成“2015-03-05”这样的日期",
            f"'{shown}' is not a valid Excel date; write a date like 2015-03-05",
            text=shown,
        )
    if days > 60:
        date = _EXCEL_EPOCH + dt.timedelta(days=days)
    else:
        date = dt.date(1899, 12, 31) + dt.timedelta(days=days)
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise LedgerDateError(
            f"“{shown}”换算成日期是 {date.isoformat()}，不合理，请核对",
            f"'{shown}' as an Excel date is {date.isoformat()}, which is not plausible; check it",
            text=shown,
        )
    return date


def date_to_excel_serial(date: dt.date) -> int:
    """Return the Excel serial day number (1900 date system) of a date after 1900-02-28."""
    return (date - _EXCEL_EPOCH).days


def parse_ledger_date(value: object) -> dt.date:
    """Read one ledger cell as a date.

    Accepted shapes:

    - :class:`datetime.datetime` / :class:`datetime.date` (real Excel dates; the time is dropped);
    - text ``2015.3.5``, ``2015/03/05``, ``2015-03-05``, ``2015年3月5日`` (also ``…5号``), with
      full-width digits and stray spaces, optionally followed by a time ``00:00:00``;
    - text ``20150305`` (eight digits);
    - an Excel serial number of five digits (:data:`MIN_TEXT_SERIAL`..:data:`MAX_TEXT_SERIAL`),
      as a number or as text (``42068``), as a CSV saved from Excel or a cell that lost its date
      format holds it. Smaller numbers (``2015``) are refused rather than read as 1905.

    Args:
        value: the cell value (``str``, ``int``, ``float``, ``date`` or ``datetime``).

    Returns:
        The date.

    Raises:
        LedgerDateError: the cell is empty, the date does not exist (``2031-02-30``), its year is
            outside 1900..2100, it gives only a year and month (``year_month`` is set), or it is
            in no shape above (e.g. ``3/5/2015``, whose day and month order is unknown).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise LedgerDateError("这里应填日期", "A date is expected here", text=str(value))
    if isinstance(value, int | float):
        return _parse_number(value)
    text = str(value) if value is not None else ""
    return _parse_text(text)


def _parse_number(value: float) -> dt.date:
    if float(value).is_integer():
        whole = int(value)
        match = _COMPACT.match(str(whole))
        if match:
            year, month, day = (int(g) for g in match.groups())
            return _make(year, month, day, str(whole))
    shown = f"{value:g}"
    if not MIN_TEXT_SERIAL <= value <= MAX_TEXT_SERIAL + 1:
        raise LedgerDateError(
            f"数字“{shown}”不像日期，请写成“2015-03-05”这样的日期",
            f"The number '{shown}' does not look like a date; write a date like 2015-03-05",
            text=shown,
        )
    return excel_serial_to_date(value, shown)


def _parse_text(text: str) -> dt.date:
    shown = text.strip()
    folded = _TIME_SUFFIX.sub("", _fold(text)).strip()
    if not folded:
        raise LedgerDateError("日期为空", "The date is empty", text=shown)
    match = _SEPARATED.match(folded) or _COMPACT.match(folded)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make(year, month, day, shown)
    if _SERIAL.match(folded):
        serial = int(float(folded))
        if MIN_TEXT_SERIAL <= serial <= MAX_TEXT_SERIAL:
            return excel_serial_to_date(serial, shown)
    match = _YEAR_MONTH.match(folded)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
            raise LedgerDateError(
                f"日期“{shown}”只有年和月，缺少日，请写全（如“{year}-{month:02d}-05”）",
                f"The date '{shown}' has only a year and a month; write the day too "
                f"(e.g. {year}-{month:02d}-05)",
                text=shown,
                year_month=(year, month),
            )
    raise LedgerDateError(
        f"看不懂日期“{shown}”，请写成“2015-03-05”“2015.3.5”或“2015年3月5日”",
        f"Cannot read the date '{shown}'; write it as 2015-03-05, 2015.3.5 or 2015年3月5日",
        text=shown,
    )

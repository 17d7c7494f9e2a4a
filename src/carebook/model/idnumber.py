"""Resident identity card numbers (公民身份号码), GB 11643-1999.

Layout: 6-digit address code (GB/T 2260), 8-digit date of birth (YYYYMMDD), 3-digit sequence
(odd for men, even for women), and an ISO 7064 MOD 11-2 check character (0-9 or X). Legacy
15-digit numbers (before 1999) have a 2-digit year (19YY) and no check character.

Entry is forgiving (lower-case x, full-width digits, spaces and dashes are accepted); storage is
strict (18 characters, upper-case half-width). The check character comes from python-stdnum
(``stdnum.cn.ric``); the date is read as ``stdnum.cn.ric.get_birth_date`` reads it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric

from carebook.model.enums import Sex
from carebook.model.errors import ValidationError

#: Province-level prefixes of GB/T 2260 (the first two digits of every valid address code).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    }
)


_DROPPED = str.maketrans("", "", " \t\r\n-_\u3000")


@dataclass(frozen=True)
class IdNumberInfo:
    """What an ID number says: the canonical 18-character number, the date of birth, the sex
    and the 6-digit address code of the place of first registration."""

    number: str
    date_of_birth: dt.date
    sex: Sex
    address_code: str


def clean_id_number(text: str) -> str:
    """Fold what people type into plain characters: full-width to half-width (NFKC), spaces,
    U+3000 and dashes removed, ``x`` upper-cased. No checks."""
    return unicodedata.normalize("NFKC", text).translate(_DROPPED).upper()


def _error(field: str, zh: str, en: str) -> ValidationError:
    return ValidationError.single(field, zh, en)


def parse_id_number(
    text: str, *, today: dt.date | None = None, field: str = "id_number"
) -> IdNumberInfo:
    """Check a resident ID number and return its canonical form and what it encodes.

    Accepts a lower-case x, full-width digits and stray spaces; converts a 15-digit legacy
    number to 18 digits (year 19YY, check character computed per GB 11643-1999).

    Args:
        text: the number as typed or read from a spreadsheet.
        today: the date against which a date of birth in the future is rejected (default:
            the local date today).
        field: the field name to put in the error.

    Raises:
        ValidationError: wrong length or characters, an unknown province code, an impossible
            or future date of birth, or a wrong check character. The message says which.
    """
    number = clean_id_number(text)
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    if len(number) != 18:
        raise _error(
            field,
            f"身份证号应为18位，现在是{len(number)}位，请核对",
            f"an ID number has 18 characters; this one has {len(number)}",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise _error(
            field,
            "身份证号只能包含数字，最后一位可以是X，请核对",
            "an ID number holds only digits, with X allowed as the last character",
        )
    if number[:2] not in PROVINCE_CODES:
        raise _error(
            field,
            f"身份证号开头的“{number[:2]}”不是有效的省级行政区划代码，请核对",
            f"'{number[:2]}' at the start is not a province code of GB/T 2260",
        )
    try:  # as stdnum.cn.ric.get_birth_date, without its generic character cleaning (bulk imports)
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _error(
            field,
            f"身份证号中的出生日期“{number[6:14]}”不存在，请核对",
            f"the date of birth '{number[6:14]}' in the ID number does not exist",
        ) from None
    today = today or dt.date.today()
    if born > today or born.year < 1900:
        raise _error(
            field,
            f"身份证号中的出生日期“{born.isoformat()}”不可能，请核对",
            f"the date of birth {born.isoformat()} in the ID number is impossible",
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise _error(
            field,
            "身份证号最后一位校验码不对，可能有数字抄错了，请对照证件核对",
            "the check character of the ID number is wrong: a digit was probably mistyped",
        )
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return IdNumberInfo(number=number, date_of_birth=born, sex=sex, address_code=number[:6])


def normalise_id_number(text: str, *, today: dt.date | None = None, field: str = "id_number") -> str:
    """Return the canonical 18-character form of a valid ID number (see :func:`parse_id_number`).

    Raises:
        ValidationError: as :func:`parse_id_number`.
    """
    return parse_id_number(text, today=today, field=field).number


def id_number_check_character(first_17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``) for 17 digits."""
    if len(first_17) != 17 or not first_17.isdigit():
        raise ValueError("need exactly 17 digits")
    return str(ric.calc_check_digit(first_17 + "0"))

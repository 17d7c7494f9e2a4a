"""Field rules of the register: phones, dates, names, required fields.

Each function takes what a person typed (or a value already of the right type) and returns the
canonical value, or raises :class:`~carebook.model.errors.ValidationError` naming the field with a
message a child director understands.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from carebook.model.errors import ValidationError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
#: Area codes: 010 and 020-029 have three digits, all others four (so 029-88886666 is Xi'an).
_LANDLINE = re.compile(r"^(01\d|02\d|0[3-9]\d{2})(\d{7,8})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def blank(value: Any) -> bool:
    """True for ``None`` and strings that are empty after stripping spaces (also U+3000)."""
    return value is None or (isinstance(value, str) and not value.strip(" \t\r\n\u3000"))


def clean_text(value: Any, *, max_length: int = 200, field: str = "") -> str | None:
    """Return ``value`` as a stripped string (NFC), ``None`` when blank.

    Raises:
        ValidationError: longer than ``max_length`` characters.
    """
    if blank(value):
        return None
    text = unicodedata.normalize("NFC", str(value)).strip(" \t\r\n\u3000")
    if len(text) > max_length:
        raise ValidationError.single(
            field, f"内容太长（最多{max_length}个字）", f"too long (at most {max_length} characters)"
        )
    return text


def require(value: Any, field: str, label_zh: str, label_en: str) -> Any:
    """Return ``value``, or raise if it is blank.

    Raises:
        ValidationError: ``“label”必须填写``.
    """
    if blank(value):
        raise ValidationError.single(field, f"“{label_zh}”必须填写", f"{label_en} is required")
    return value


def clean_name(value: Any, field: str = "name") -> str | None:
    """A person's name: stripped, inner spaces removed for Chinese names, at most 40 characters.

    Characters outside the Basic Multilingual Plane (CJK Extension B and later, e.g. 𠮷) are kept
    as they are: rare characters in names are real.

    Raises:
        ValidationError: contains digits or is too long.
    """
    text = clean_text(value, max_length=40, field=field)
    if text is None:
        return None
    if any(c.isdigit() for c in text):
        raise ValidationError.single(field, "姓名里不应有数字，请核对", "a name holds no digits")
    if all(ord(c) > 0x2E80 or c in " ·•" for c in text):
        text = text.replace(" ", "").replace("\u3000", "").replace("•", "·")
    return text


def clean_phone(value: Any, field: str = "phone") -> str | None:
    """A mainland phone number: an 11-digit mobile (1[3-9]…) or a landline with its area code
    (stored as ``0AAA-NNNNNNN``). Spaces, dashes, brackets, full-width digits and a +86 / 0086
    prefix are accepted on entry.

    Raises:
        ValidationError: neither a mobile nor a landline number.
    """
    if blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    digits = re.sub(r"[\s\-()（）+]", "", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    landline = _LANDLINE.match(digits)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise ValidationError.single(
        field,
        f"电话号码“{value}”不对：手机号应为11位，固定电话要带区号",
        f"phone number '{value}' is wrong: a mobile has 11 digits, a landline needs its area code",
    )


def clean_date(
    value: Any,
    field: str,
    *,
    today: dt.date | None = None,
    allow_future: bool = False,
    label_zh: str = "日期",
    label_en: str = "date",
) -> dt.date | None:
    """A business date (date of birth, visit date): a ``date``, a ``datetime`` (its date) or an
    ISO ``YYYY-MM-DD`` string; ``None`` when blank. Messy spreadsheet formats are parsed by the
    ledger reader before they get here.

    Raises:
        ValidationError: not a date, a date that does not exist, or a date after ``today``
            unless ``allow_future``.
    """
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    else:
        match = _ISO_DATE.match(str(value).strip())
        if not match:
            raise ValidationError.single(
                field, f"“{label_zh}”应写成 年-月-日，如 2015-03-05", f"{label_en} must be YYYY-MM-DD"
            )
        try:
            result = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValidationError.single(
                field, f"“{label_zh}” {value} 这一天不存在", f"{label_en} {value} does not exist"
            ) from None
    today = today or dt.date.today()
    if not allow_future and result > today:
        raise ValidationError.single(
            field,
            f"“{label_zh}”不能晚于今天（{today.isoformat()}），请检查日期或电脑时钟",
            f"{label_en} cannot be after today ({today.isoformat()}); check the date or the PC clock",
        )
    if result.year < 1900:
        raise ValidationError.single(field, f"“{label_zh}”太早了，请核对", f"{label_en} is too early")
    return result


def clean_bool(value: Any, field: str) -> bool | None:
    """Yes/no as people write it: 是/否, 有/无, 已签/未签, Y/N, true/false, 1/0, √/×.

    Raises:
        ValidationError: anything else.
    """
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in {"是", "有", "已签", "已签订", "签订", "y", "yes", "true", "1", "√", "✓", "对"}:
        return True
    if text in {"否", "无", "未签", "未签订", "没有", "n", "no", "false", "0", "×", "✗", "不是"}:
        return False
    raise ValidationError.single(field, f"“{value}”应填“是”或“否”", f"'{value}' must be yes or no")


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Completed years of age on ``on`` (a child born 29 February turns a year older on
    1 March in non-leap years)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years

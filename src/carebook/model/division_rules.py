"""How division codes nest (区划代码层级): which code a role has, and which codes lie inside which.

The first 6 digits of a code are the county (GB/T 2260 administrative division code); the
National Bureau of Statistics' statistical division codes (统计用区划代码) add 3 digits for the
township (乡镇、街道) and 3 for the village (村、居委会). So a village's 12-digit code starts
with its township's 9 digits, and a township's 9 digits start with its county's 6. Checked
before anything is written (``carebook init``, ``carebook enrol create``).
"""

from __future__ import annotations

from carebook.model.errors import ValidationError

#: Digits of the code of each role's organisation (village 12, township 9, county 6).
ROLE_DIGITS = {"village": 12, "township": 9, "county": 6}
_LEVEL_ZH = {12: "村（居）", 9: "乡镇（街道）", 6: "县（区）"}
_LEVEL_EN = {12: "village", 9: "township", 6: "county"}


def _is_code(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in _LEVEL_ZH


def check_role_code(role: str, code: str, field: str = "org_code") -> str:
    """Check that ``code`` is a division code of ``role``'s level and return it stripped.

    Args:
        role: ``"village"``, ``"township"`` or ``"county"``.
        code: the organisation's division code.

    Raises:
        ValidationError: not 6, 9 or 12 digits, or the wrong length for the role.
    """
    code = (code or "").strip()
    digits = ROLE_DIGITS[role]
    if not (_is_code(code) and len(code) == digits):
        raise ValidationError.single(
            field,
            f"区划代码“{code}”不对：{_LEVEL_ZH[digits]}的代码是 {digits} 位数字",
            f"division code '{code}' is wrong: a {_LEVEL_EN[digits]}'s code has {digits} digits",
        )
    return code


def check_within(code: str, parent_code: str, field: str = "parent_code") -> str:
    """Check that the division ``code`` lies inside ``parent_code`` (it starts with it and is
    one level below or deeper) and return ``parent_code`` stripped.

    Raises:
        ValidationError: ``parent_code`` is not a 6/9-digit code, or ``code`` does not start
            with it (e.g. village 610402100299 under township 610402101).
    """
    code = (code or "").strip()
    parent_code = (parent_code or "").strip()
    if not (_is_code(parent_code) and len(parent_code) < 12):
        raise ValidationError.single(
            field, f"上级区划代码“{parent_code}”应为9位（乡镇）或6位（县）数字",
            f"the parent division code '{parent_code}' must have 9 (township) or 6 (county) digits")
    if len(code) <= len(parent_code) or not code.startswith(parent_code):
        level = len(parent_code)
        raise ValidationError.single(
            field,
            f"区划代码 {code} 不在{_LEVEL_ZH[level]} {parent_code} 之内：下级的代码应以上级的"
            f" {level} 位代码开头，请核对两个代码",
            f"division code {code} is not inside the {_LEVEL_EN[level]} {parent_code}: a lower "
            f"level's code starts with the {level} digits of the one above; check both codes",
        )
    return parent_code

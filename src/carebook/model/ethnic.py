"""Ethnic groups of China (GB 3304-1991 民族代码): two-digit codes, 01 Han … 56 Jino, 97 other
(其他未识别民族), 98 foreign origin (外国血统中国籍人士)."""

from __future__ import annotations

from carebook.model.errors import ValidationError

ETHNIC_GROUPS: dict[str, str] = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族",
    "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族", "17": "哈萨克族", "18": "傣族",
    "19": "黎族", "20": "傈僳族", "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
    "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族", "30": "土族",
    "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族", "36": "毛南族",
    "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族", "41": "塔吉克族", "42": "怒族",
    "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族", "46": "德昂族", "47": "保安族",
    "48": "裕固族", "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族", "53": "赫哲族",
    "54": "门巴族", "55": "珞巴族", "56": "基诺族", "97": "其他", "98": "外国血统中国籍人士",
}

_BY_NAME: dict[str, str] = {}
for _code, _name in ETHNIC_GROUPS.items():
    _BY_NAME[_name] = _code
    if _name.endswith("族") and len(_name) > 2:
        _BY_NAME[_name[:-1]] = _code  # "回" for 回族, "维吾尔" for 维吾尔族
_BY_NAME["汉"] = "01"


def parse_ethnic_group(text: object, field: str = "ethnic_group") -> str | None:
    """Return the GB 3304 code for ``text`` (a code like ``"03"`` or ``3``, or a name like
    ``回族`` / ``回``), ``None`` for blank input.

    Raises:
        ValidationError: the text names no ethnic group of GB 3304.
    """
    if text is None:
        return None
    raw = str(text).strip().replace(" ", "").replace("\u3000", "")
    if not raw:
        return None
    if raw.isdigit():
        code = raw.zfill(2)
        if code in ETHNIC_GROUPS:
            return code
    elif raw in _BY_NAME:
        return _BY_NAME[raw]
    raise ValidationError.single(
        field,
        f"“{text}”不是国家标准（GB 3304）中的民族名称，请填写如“汉族”“回族”",
        f"'{text}' is not an ethnic group of GB 3304; write e.g. 汉族 or 回族",
    )


def ethnic_group_name(code: str | None) -> str:
    """Return the Chinese name of a GB 3304 code, or ``""`` for ``None``/unknown codes."""
    return ETHNIC_GROUPS.get(code or "", "")

"""Synthetic register data: invented children, families and visits for the demo workspace,
tests and benchmarks.

Everything here is made up. ID numbers are valid per GB 11643-1999 (real address prefix of the
village's county, a real date of birth, a sequence number whose parity gives the sex, and the
ISO 7064 MOD 11-2 check character), so they pass validation, but they are drawn at random and
belong to nobody known. Names follow common surname frequencies, include surnames with several
readings (曾 zeng/ceng, 单 shan/dan, 解 xie/jie, 区 ou/qu) and, in about one name in a thousand, a
CJK Extension B character (𠮷) as real registers have.

The output is plain data: flat field dicts in the vocabulary of
:mod:`carebook.model.child_fields` (``name``, ``id_number``, ``father.status``, …), accepted by
:func:`carebook.model.services.children.register_child` and
:func:`~carebook.model.services.children.clean_child_input`, and visit dicts accepted by
:func:`carebook.model.services.bulk.insert_visits`. Same arguments and seed, same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from carebook.model.enums import Relation, VisitKind, VisitMethod
from carebook.model.idnumber import PROVINCE_CODES, id_number_check_character

#: County code used when a village code does not start with a valid province code.
DEFAULT_COUNTY_CODE = "610402"

# Surnames roughly by frequency (most common first); the weights fall off with rank.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤单解区仇朴查"
)
_SURNAME_WEIGHTS = tuple(1.0 / (i + 4) for i in range(len(_SURNAMES)))
#: Surnames with several readings: made more frequent than their rank so every run has them.
MULTI_READING_SURNAMES = "曾单解区仇朴查"
_BOY_CHARS = "浩宇轩子涵博文杰俊豪鑫磊阳明辉强伟峰鹏飞晨睿哲思远泽楠嘉懿昊天一诚志建国军华龙海波涛斌亮"
_GIRL_CHARS = "欣怡佳雨涵梓萱诗琪可馨思雅静婷慧敏丽娟芳艳霞秀兰玉红梅晓彤悦妍晶莹颖琳瑶娜倩蕾雪"
#: CJK Extension B characters seen in real names (outside the Basic Multilingual Plane).
EXTENSION_B_CHARS = ("\U00020bb7", "\U000233b4", "\U00020e9d")  # 𠮷 𣎴 𠺝
_PLACES = ("广东省东莞市", "广东省深圳市", "浙江省宁波市", "江苏省苏州市", "上海市闵行区", "北京市大兴区",
           "福建省泉州市", "陕西省西安市", "新疆维吾尔自治区乌鲁木齐市", "山西省太原市")
_ILLNESSES = ("白血病", "先天性心脏病", "肾病综合征", "癫痫", "脑瘫")
_TOWN_NAMES = ("幸福镇", "向阳镇", "永乐镇", "太平镇")
_VILLAGE_NAMES = ("东湾村", "西沟村", "南庄村", "北坡村", "杨家村", "柳树村", "河口村", "新庄村")
_FINDINGS = {
    "living_conditions": ("住房安全，生活用品齐全", "房屋较旧，冬季取暖不足", "生活条件一般，饮食正常"),
    "family_situation": ("父母在外务工，每月寄钱回家", "祖父母年老体弱，务农为生", "家庭收入主要靠低保"),
    "guardianship_situation": ("祖母照料，监护到位", "监护人年迈，照料有困难", "监护较好"),
    "mental_state": ("性格开朗，与同学相处融洽", "较内向，想念父母", "情绪稳定"),
    "schooling_situation": ("按时上学，成绩中等", "成绩较好，老师反映认真", "偶有迟到"),
    "health_situation": ("身体健康", "感冒刚好", "需定期复查"),
}


def id_number_for(address_code: str, birth: dt.date, sequence: int) -> str:
    """A valid 18-character resident ID number (GB 11643-1999) from its parts.

    Args:
        address_code: 6 digits (GB/T 2260 county code).
        birth: the date of birth.
        sequence: 0-999; odd for a man, even for a woman.

    Raises:
        ValueError: the parts do not make 17 digits.
    """
    body = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return body + id_number_check_character(body)


class _Numbers:
    """Draws unique ID numbers and phone numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def id_number(self, county: str, birth: dt.date, male: bool) -> str:
        seq = self.rng.randrange(0, 998)
        for step in range(1000):
            s = (seq + 2 * step) % 1000
            s = s - (s % 2) + (1 if male else 0)
            number = id_number_for(county, birth, s)
            if number not in self.used:
                self.used.add(number)
                return number
        raise ValueError(f"no free sequence number for {county} {birth}")

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"


def _county_of(village_code: str) -> str:
    code = village_code.strip()[:6]
    return code if len(code) == 6 and code.isdigit() and code[:2] in PROVINCE_CODES else DEFAULT_COUNTY_CODE


def _birth(rng: random.Random, today: dt.date, min_years: int, max_years: int) -> dt.date:
    """A date of birth giving an age in [min_years, max_years] (completed years) on ``today``."""
    start = _years_before(today, max_years + 1) + dt.timedelta(days=1)
    end = _years_before(today, min_years)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def synthetic_name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    """A realistic Chinese name (surname plus one or two characters); about one in a thousand
    holds a CJK Extension B character."""
    if surname is None:
        if rng.random() < 0.04:
            surname = rng.choice(MULTI_READING_SURNAMES)
        else:
            surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    chars = _BOY_CHARS if male else _GIRL_CHARS
    given = "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.25 else 2))
    if rng.random() < 0.001:
        given = given[:-1] + rng.choice(EXTENSION_B_CHARS)
    return surname + given


def _schooling(rng: random.Random, age: int) -> tuple[str, str | None]:
    if age < 3:
        return "not_in_kindergarten", None
    if age < 6:
        return "kindergarten", None
    if age < 12:
        return "primary", f"{age - 5}年级"
    if age < 15:
        if rng.random() < 0.01:
            return "dropped_out", None
        return "junior_middle", f"初{'一二三'[age - 12]}"
    if rng.random() < 0.03:
        return "not_in_school", None
    return ("vocational", None) if rng.random() < 0.3 else ("senior_middle", f"高{'一二三'[min(age - 15, 2)]}")


def _parent(
    rng: random.Random, numbers: _Numbers, role: str, child_birth: dt.date, surname: str | None,
    county: str, today: dt.date, status: str,
) -> dict[str, Any]:
    male = role == "father"
    gap = rng.randint(22, 38) if male else rng.randint(20, 35)
    birth = _years_before(child_birth, gap) - dt.timedelta(days=rng.randrange(365))
    fields: dict[str, Any] = {
        f"{role}.name": synthetic_name(rng, male, surname),
        f"{role}.id_number": numbers.id_number(county, birth, male),
        f"{role}.status": status,
    }
    if status not in ("deceased", "declared", "missing"):
        fields[f"{role}.phone"] = numbers.phone()
    if status == "working_away":
        fields[f"{role}.work_place"] = rng.choice(_PLACES)
        fields[f"{role}.away_since"] = today - dt.timedelta(days=rng.randrange(200, 3000))
        fields[f"{role}.last_contact"] = today - dt.timedelta(days=rng.randrange(1, 60))
    elif status == "missing":
        fields[f"{role}.away_since"] = today - dt.timedelta(days=rng.randrange(200, 2000))
    return fields


# (father status, mother status, weight): about 60 % left-behind, a few de facto unsupported
# and orphans, the rest living with at least one parent.
_PARENT_SITUATIONS: tuple[tuple[str, str, float], ...] = (
    ("working_away", "working_away", 36),
    ("working_away", "at_home", 18),
    ("at_home", "working_away", 5),
    ("working_away", "seriously_ill", 2),
    ("working_away", "severely_disabled", 2),
    ("at_home", "at_home", 20),
    ("at_home", "divorced_absent", 5),
    ("in_prison", "missing", 1.5),
    ("deceased", "in_prison", 1),
    ("seriously_ill", "severely_disabled", 1),
    ("deceased", "deceased", 1),
    ("deceased", "at_home", 2),
    ("at_home", "deceased", 1),
    ("in_drug_rehab", "divorced_absent", 0.5),
)


def _synthetic_child(
    rng: random.Random, numbers: _Numbers, *, village_code: str, today: dt.date,
) -> dict[str, Any]:
    county = _county_of(village_code)
    male = rng.random() < 0.53
    birth = _birth(rng, today, 0, 17)
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    surname_source = synthetic_name(rng, True)
    surname = surname_source[0]
    town = _TOWN_NAMES[int(village_code[-6:-3] or 0) % len(_TOWN_NAMES)] if village_code[-6:-3].isdigit() \
        else _TOWN_NAMES[0]
    village = _VILLAGE_NAMES[int(village_code[-3:]) % len(_VILLAGE_NAMES)] if village_code[-3:].isdigit() \
        else _VILLAGE_NAMES[0]
    address = f"{town}{village}{rng.randint(1, 9)}组{rng.randint(1, 60)}号"
    stage, grade = _schooling(rng, age)
    situations = _PARENT_SITUATIONS
    f_status, m_status, _w = rng.choices(situations, weights=[s[2] for s in situations])[0]
    values: dict[str, Any] = {
        "name": synthetic_name(rng, male, surname),
        "sex": "男" if male else "女",
        "ethnic_group": "01" if rng.random() < 0.95 else rng.choice(("03", "04", "15")),
        "registration_type": "rural" if rng.random() < 0.93 else "urban",
        "registered_address": address,
        "current_address": address,
        "schooling_stage": stage,
        "health_status": "healthy",
        "guardianship_quality": rng.choices(("good", "fair", "poor"), weights=(70, 25, 5))[0],
        "risk_colour": rng.choices(("green", "blue", "yellow", "red"), weights=(60, 25, 10, 5))[0],
    }
    if rng.random() < 0.995:
        values["id_number"] = numbers.id_number(county, birth, male)
    else:  # no household registration (无户籍): no ID number yet
        values.update(has_household_registration=False, date_of_birth=birth)
    if grade:
        values["school_name"] = f"{village[:-1]}{'小学' if stage == 'primary' else '中学'}"
        values["school_grade"] = grade
    roll = rng.random()
    if roll < 0.02:
        values.update(health_status="disabled", disability_category=rng.choice("1234567"),
                      disability_grade=str(rng.randint(1, 4)))
    elif roll < 0.04:
        values.update(health_status="ill", illness_name=rng.choice(_ILLNESSES), serious_illness=True)
    if rng.random() < 0.08:
        values["family_poverty"] = True
    values.update(_parent(rng, numbers, "father", birth, surname, county, today, f_status))
    values.update(_parent(rng, numbers, "mother", birth, None, county, today, m_status))
    if "working_away" in (f_status, m_status) or "deceased" in (f_status, m_status):
        grandma = rng.random() < 0.6
        g_birth = _years_before(birth, rng.randint(45, 65)) - dt.timedelta(days=rng.randrange(365))
        relation = Relation.PATERNAL_GRANDMOTHER if grandma else Relation.PATERNAL_GRANDFATHER
        values.update({
            "guardian.name": synthetic_name(rng, not grandma, None if grandma else surname),
            "guardian.relation": relation.code,
            "guardian.id_number": numbers.id_number(county, g_birth, not grandma),
            "guardian.phone": numbers.phone(),
            "guardian.address": address,
            "guardian.capable_of_care": rng.random() < 0.9,
            "guardian.lives_with_child": True,
        })
        values["living_with"] = relation.zh
    incomes = ["wages_away"] if "working_away" in (f_status, m_status) else ["farming"]
    if values.get("family_poverty"):
        incomes.append("assistance")
    values["income_sources"] = incomes
    return values


def synthetic_children(
    n: int, *, seed: int = 0, village_codes: Sequence[str] = ("610402100201",), today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """``n`` synthetic children as flat field dicts for
    :func:`~carebook.model.services.children.register_child` /
    :func:`~carebook.model.services.children.clean_child_input`.

    Child ``i`` belongs to ``village_codes[i % len(village_codes)]``: its ID numbers use that
    village's county code (the first 6 digits) and its address names a made-up village. About
    0.5 % have no household registration (no ID number; date of birth given instead). Ages
    are 0-17 on ``today`` (default: the local date). ID numbers are unique within one call.

    Raises:
        ValueError: ``village_codes`` is empty or ``n`` is negative.
    """
    if not village_codes:
        raise ValueError("need at least one village code")
    if n < 0:
        raise ValueError("n must not be negative")
    today = today or dt.date.today()
    rng = random.Random(seed)
    numbers = _Numbers(rng)
    return [_synthetic_child(rng, numbers, village_code=village_codes[i % len(village_codes)], today=today)
            for i in range(n)]


def synthetic_children_by_village(
    n: int, *, seed: int = 0, village_codes: Sequence[str], today: dt.date | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The children of :func:`synthetic_children` grouped by village code (same data)."""
    children = synthetic_children(n, seed=seed, village_codes=village_codes, today=today)
    grouped: dict[str, list[dict[str, Any]]] = {code: [] for code in village_codes}
    for i, values in enumerate(children):
        grouped[village_codes[i % len(village_codes)]].append(values)
    return grouped


def synthetic_visits(
    child_ids: Sequence[str], *, per_child: int = 3, seed: int = 0, today: dt.date | None = None,
    visitor_name: str = "李秀英", interval_days: int = 90,
) -> list[dict[str, Any]]:
    """``per_child`` visits to each child in ``child_ids`` over the year before ``today``, as
    dicts of :class:`~carebook.model.visits.Visit` fields for
    :func:`~carebook.model.services.bulk.insert_visits` (enum fields as members, dates as
    ``date``). Visits of one child are ``interval_days`` apart at most and their
    ``next_visit_date`` is the visit date plus ``interval_days``, so some children end up
    overdue and some due soon, as in a real register.
    """
    today = today or dt.date.today()
    rng = random.Random(seed)
    relations = (Relation.PATERNAL_GRANDMOTHER, Relation.PATERNAL_GRANDFATHER, Relation.MOTHER, Relation.FATHER)
    visits: list[dict[str, Any]] = []
    for child_id in child_ids:
        last = today - dt.timedelta(days=rng.randrange(0, interval_days + 30))
        dates = [last - dt.timedelta(days=k * rng.randint(interval_days // 2, interval_days))
                 for k in range(per_child)]
        for day in reversed(dates):
            method = rng.choices((VisitMethod.HOME, VisitMethod.PHONE, VisitMethod.SCHOOL), weights=(75, 15, 10))[0]
            visit: dict[str, Any] = {
                "child_id": child_id, "visit_date": day, "kind": VisitKind.VISIT, "method": method,
                "visit_time": f"{rng.randint(8, 17):02d}:{rng.choice(('00', '15', '30', '45'))}",
                "visitor_name": visitor_name, "interviewee_relation": rng.choice(relations),
                "last_parent_contact": day - dt.timedelta(days=rng.randrange(1, 30)),
                "next_visit_date": day + dt.timedelta(days=interval_days),
            }
            for key, options in _FINDINGS.items():
                visit[key] = rng.choice(options)
            visits.append(visit)
    return visits


__all__ = [
    "DEFAULT_COUNTY_CODE", "EXTENSION_B_CHARS", "MULTI_READING_SURNAMES", "id_number_for",
    "synthetic_children", "synthetic_children_by_village", "synthetic_name", "synthetic_visits",
]

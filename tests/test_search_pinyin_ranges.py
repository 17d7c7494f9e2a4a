"""Pinyin search on SQLite scans only the names whose first character can start a matching
word (queries/children.py: _first_char_ranges); the answers must be exactly those of the
whole-index scan, whatever the first character (heteronym surnames, CJK Extension B, Latin)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from carebook.model.children import Child
from carebook.model.pinyin import first_letters, initials_variants
from carebook.model.queries.children import ChildFilter, child_ids
from carebook.model.register import Register
from carebook.model.services.bulk import import_children
from carebook.model.services.children import clean_child_input
from carebook.model.synthetic import synthetic_children
from model_helpers import child_values, years_before

#: First characters that test the narrowing: two readings (曾 zeng/ceng, 单 shan/dan), no reading
#: (𠮷, a CJK Extension B character), a Latin letter, and common surnames.
TRICKY = ["曾思远", "单雨涵", "\U00020bb7文静", "𠮷", "Anna王", "张思远", "赵一鸣", "区晓明", "解小雨"]


def _whole_scan(session: object, query: str) -> list[str]:
    key = query.strip().lower().replace(" ", "")
    stmt = (select(Child.id).where(Child.closed_reason.is_(None), func.instr(Child.search_initials, " " + key) > 0)
            .order_by(Child.search_initials, Child.id))
    return list(session.scalars(stmt))  # type: ignore[attr-defined]


def test_narrowed_pinyin_search_finds_exactly_what_the_whole_scan_finds(register: Register,
                                                                        today: dt.date) -> None:
    values = synthetic_children(300, seed=9, today=today)
    values += [child_values(name, years_before(today, 8), seq=200 + i) for i, name in enumerate(TRICKY)]
    with register.writing() as session:
        import_children(session, [clean_child_input(v, today=today) for v in values], today=today)
    queries = sorted({q for v in values for q in initials_variants(v["name"])[:2]})
    queries += ["z", "zh", "zeng", "ceng", "shan", "dan", "wen", "wj", "yh", "a", "an", "1", "z s y", "ou", "qu",
                "xie", "jie", "q", "x"]

    def check(session: object) -> int:
        compared = 0
        for q in queries:
            assert child_ids(session, ChildFilter(search=q), today=today) == _whole_scan(session, q), q  # type: ignore[arg-type]
            compared += 1
        return compared

    assert register.read(check) == len(queries) > 100
    for query, name in (("csy", "曾思远"), ("zsy", "曾思远"), ("dyh", "单雨涵"), ("syh", "单雨涵"),
                        ("wj", "\U00020bb7文静"), ("wenjing", "\U00020bb7文静")):
        assert name in {r.name for r in register.search(query)}, query


def test_first_letters() -> None:
    assert first_letters("曾") == frozenset({"z", "c"})
    assert first_letters("单") is not None and {"s", "d"} <= first_letters("单")  # type: ignore[operator]
    assert first_letters("\U00020bb7") is None  # no reading: a later character starts the words
    assert first_letters("A") is None and first_letters(" ") is None

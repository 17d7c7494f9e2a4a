"""Pinyin search keys for Chinese names.

A search for ``zsy`` finds 张思远. Many surname characters have several readings (单 shan/dan,
曾 zeng/ceng, 解 xie/jie, 区 ou/qu, 仇 qiu/chou, 朴 piao/pu …), and pypinyin's default reading of
some of them as surnames is wrong (DESIGN.md), so every reading of every character is indexed
for initials, and the full pinyin is indexed with the usual reading and with each reading of the
surname (``zengzicheng`` and ``cengzicheng`` find 曾子诚): a search by any of them finds the child. Characters pypinyin cannot read (CJK Extension B, e.g.
𠮷) contribute nothing, so the other characters still match.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypinyin import Style

# pypinyin is imported on first use: loading its phrase dictionary takes about half a second,
# which the desktop app's start does not need (issue 9, fast start).

#: At most this many reading combinations are indexed per name (a 4-character name with three
#: readings each would otherwise give 81).
MAX_VARIANTS = 32


@functools.lru_cache(maxsize=20_000)
def _readings(char: str, style: Style) -> list[str]:
    """Every reading of one character (cached: names reuse a few thousand characters; callers
    must not modify the list)."""
    from pypinyin import pinyin

    result = pinyin(char, style=style, heteronym=True, errors="ignore")
    options = [r for r in result[0] if r] if result else []
    return sorted(set(options)) or [""]


def initials_variants(name: str) -> list[str]:
    """Every combination of the first letters of the readings of ``name`` (lower-case ASCII),
    at most :data:`MAX_VARIANTS`, e.g. ``曾思远`` → ``["csy", "zsy"]``."""
    per_char = [_initials(c) for c in name if not c.isspace()]
    if all(len(letters) == 1 for letters in per_char):  # one reading each (most names): one variant
        only = "".join([letters[0] for letters in per_char])
        return [only] if only else []
    variants = {"".join(combo) for combo in itertools.islice(itertools.product(*per_char), MAX_VARIANTS)}
    return sorted(v for v in variants if v)


@functools.lru_cache(maxsize=20_000)
def _initials(char: str) -> tuple[str, ...]:
    """The distinct first letters of the readings of one character, sorted (cached per
    character: a name's initials are built from these)."""
    from pypinyin import Style

    return tuple(sorted({r[:1] for r in _readings(char, Style.NORMAL)}))


def full_pinyin(name: str) -> str:
    """The name in toneless pinyin with pypinyin's usual reading of each character, e.g.
    ``zhangsiyuan``; characters without a reading are left out."""
    return "".join(_usual_reading(c) for c in name if not c.isspace())


@functools.lru_cache(maxsize=20_000)
def _usual_reading(char: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(char, errors="ignore"))


#: Longest ``child.search_initials`` (its column is ``VARCHAR(400)``): surname variants that
#: would make the key longer are left out.
MAX_KEY_LENGTH = 400


def surname_variants(name: str) -> list[str]:
    """The full pinyin of ``name`` with each *other* reading of its first character (the
    surname) and the usual reading of the rest, e.g. ``曾子诚`` → ``["zengzicheng"]`` (usual
    reading céng: ``cengzicheng`` is :func:`full_pinyin`), ``单静晶`` → ``["shanjingjing"]``.
    As surnames these characters are read zēng, shàn, …: people type that reading. Empty for a
    name of one character or whose first character has one reading."""
    from pypinyin import Style

    chars = [c for c in name if not c.isspace()]
    if len(chars) < 2:
        return []
    usual = _usual_reading(chars[0])
    rest = "".join(_usual_reading(c) for c in chars[1:])
    return [r + rest for r in _readings(chars[0], Style.NORMAL) if r and r != usual]


@functools.lru_cache(maxsize=65_536)
def search_key(name: str) -> str:
    """The text stored in ``child.search_initials``: the full pinyin of the usual reading first
    (so sorting by this column gives the pinyin order people expect), then the full pinyin with
    the surname's other readings (:func:`surname_variants`), then every initials variant,
    space-separated and space-framed (``" cengzicheng zengzicheng czc zzc "``), so
    ``LIKE '% q%'`` matches the start of one variant without crossing into another. At most
    :data:`MAX_KEY_LENGTH` characters (surname variants are dropped first). Remembered per name
    (a bulk import meets the same name many times)."""
    head = [full_pinyin(name)]
    tail = initials_variants(name)
    extra = surname_variants(name)
    while extra and len(" " + " ".join(p for p in (*head, *extra, *tail) if p) + " ") > MAX_KEY_LENGTH:
        extra.pop()
    parts = [*head, *extra, *tail]
    return " " + " ".join(p for p in parts if p) + " "


@functools.lru_cache(maxsize=20_000)
def first_letters(char: str) -> frozenset[str] | None:
    """The letters a word of :func:`search_key` can start with for a name whose first character
    is ``char``: the first letters of its usual reading and of every other reading. ``None``
    when any letter can (``char`` has no reading, e.g. a CJK Extension B character, a Latin
    letter or a space: then the words start with a later character's reading).

    Every word of a search key starts at the name's first character, so a register search for
    ``q`` only needs the names whose first character ``c`` has ``q[0]`` in ``first_letters(c)``
    (or ``None``): see :mod:`carebook.model.queries.children`."""
    from pypinyin import Style

    usual = _usual_reading(char)
    readings = [r for r in _readings(char, Style.NORMAL) if r]
    if char.isspace() or not usual or not readings:
        return None
    return frozenset(r[0] for r in (usual, *readings))

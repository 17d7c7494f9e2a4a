"""The base class of coded enumerations.

Every enumeration in the register is stored as a stable code (the national standard's code where
one exists), shown with a Chinese label and, for support staff, an English one. Codes never
change once released; labels may.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Self

from carebook.model.errors import ValidationError
from carebook.model.i18n import msg

_SPACE = re.compile(r"[\s\u3000]+")


def normalise_label(text: str) -> str:
    """Fold a label for matching: remove all spaces (also U+3000), lower-case, and turn
    full-width ASCII into half-width."""
    text = _SPACE.sub("", text)
    text = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return text.lower()


class CodedEnum(str, Enum):
    """A ``str`` enumeration whose value is its stable code.

    Members are declared as ``NAME = (code, zh, en, *aliases)``. ``.zh`` and ``.en`` are the
    labels; ``.label`` follows the current language; :meth:`parse` accepts the code, either
    label or an alias, with spaces and case ignored.
    """

    zh: str
    en: str
    aliases: tuple[str, ...]

    def __new__(cls, code: str, zh: str = "", en: str = "", *aliases: str) -> Self:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.zh = zh or code
        obj.en = en or code
        obj.aliases = aliases
        return obj

    def __str__(self) -> str:
        return str(self.value)

    @property
    def code(self) -> str:
        """The stable code stored in the database and in bundles."""
        return str(self.value)

    @property
    def label(self) -> str:
        """The label in the current language."""
        return msg(self.zh, self.en)

    @classmethod
    def enum_title(cls) -> tuple[str, str]:
        """The name of the enumeration itself (Chinese, English), for messages."""
        return _TITLES.get(cls.__name__, (cls.__name__, cls.__name__))

    @classmethod
    def lookup(cls, text: Any) -> Self | None:
        """Return the member matching ``text`` (a member, code, label or alias), or ``None``."""
        if isinstance(text, cls):
            return text
        if text is None:
            return None
        key = normalise_label(str(text))
        if not key:
            return None
        index = _index(cls)
        found = index.get(key)
        return found  # type: ignore[return-value]

    @classmethod
    def parse(cls, text: Any, field: str = "") -> Self:
        """Return the member matching ``text``.

        Raises:
            ValidationError: ``text`` matches no member; the message names the enumeration and
                the accepted labels.
        """
        found = cls.lookup(text)
        if found is None:
            zh_title, en_title = cls.enum_title()
            choices_zh = "、".join(m.zh for m in cls)
            choices_en = ", ".join(m.en for m in cls)
            raise ValidationError.single(
                field or cls.__name__,
                f"“{text}”不是有效的{zh_title}，可填：{choices_zh}",
                f"'{text}' is not a valid {en_title}; use one of: {choices_en}",
            )
        return found

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """``(code, label)`` pairs in declaration order, labels in the current language."""
        return [(m.code, m.label) for m in cls]


_INDEXES: dict[type, dict[str, CodedEnum]] = {}
_TITLES: dict[str, tuple[str, str]] = {}


def _index(cls: type[CodedEnum]) -> dict[str, CodedEnum]:
    index = _INDEXES.get(cls)
    if index is None:
        index = {}
        # Aliases first so codes and labels win on a clash.
        for member in cls:
            for alias in member.aliases:
                index.setdefault(normalise_label(alias), member)
        for member in cls:
            index[normalise_label(member.en)] = member
            index[normalise_label(member.zh)] = member
            index[normalise_label(member.code)] = member
        _INDEXES[cls] = index
    return index


def set_title(cls: type[CodedEnum], zh: str, en: str) -> None:
    """Record the human name of an enumeration (used in messages)."""
    _TITLES[cls.__name__] = (zh, en)

"""Column types: coded enumerations stored as their stable code."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import String, TypeDecorator
from sqlalchemy.engine import Dialect

from carebook.model.codes import CodedEnum

E = TypeVar("E", bound=CodedEnum)


class CodeType(TypeDecorator[E], Generic[E]):
    """Stores a :class:`CodedEnum` member as its code (``VARCHAR(32)``) and reads it back as the
    member. Plain strings are accepted on write if they are a valid code."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).code

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum_cls(value)

    @property
    def python_type(self) -> type[E]:
        return self.enum_cls

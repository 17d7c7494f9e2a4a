"""Column values as JSON, for the change log and bundles.

Enumerations become their code, dates ``YYYY-MM-DD``, instants ISO 8601 in UTC with ``Z``,
decimals strings; lists, booleans, numbers, strings and ``None`` stay as they are.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import Enum
from typing import Any

#: Types that are already JSON values (exact types: an ``Enum`` subclass of ``str`` is not one).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_json_value(value: Any) -> Any:
    """Convert one column value to a JSON-compatible value (see the module docstring)."""
    if type(value) in _PLAIN:  # fast path: most column values (bulk import, change log)
        return value
    if value is None or (isinstance(value, bool | int | float | str) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | frozenset | set):
        items = [to_json_value(v) for v in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    if isinstance(value, dict):
        return {str(k): v if type(v) in _PLAIN else to_json_value(v) for k, v in value.items()}
    raise TypeError(f"cannot store {type(value).__name__} in the change log")


def dumps(value: Any) -> str:
    """Compact, deterministic JSON text of a column value (UTF-8 characters kept): the JSON of
    :func:`to_json_value` of ``value``.

    Values JSON already writes the same way (strings, ``str`` enumerations as their code,
    numbers, lists, dicts) are encoded directly and only the others go through
    :func:`to_json_value`, so a record is walked once (bulk imports write 100,000s of these).
    """
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=to_json_value)
    except TypeError:  # e.g. dict keys JSON cannot sort or write: convert everything first
        return json.dumps(to_json_value(value), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads(text: str | None) -> Any:
    """Parse JSON text written by :func:`dumps` (``None`` stays ``None``)."""
    return None if text is None else json.loads(text)

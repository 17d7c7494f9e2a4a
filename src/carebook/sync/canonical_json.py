"""Canonical JSON for bundle headers, enrolment files and pinned peers.

Rules (``docs/bundle-format.md`` "Canonical JSON"; a subset of RFC 8785 JCS that needs no
number formatting):

* UTF-8 (RFC 8259) without BOM; no insignificant whitespace (separators ``,`` and ``:``);
* object keys are strings, sorted by Unicode code point, never repeated;
* strings escaped as by JSON's minimal escaping: ``"`` ``\\`` and control characters; every
  other character (Chinese included) written as itself;
* numbers are integers only, in the range of an IEEE double's exact integers (±(2**53 − 1)), so
  readers in any language see the same value; no floats, NaN or Infinity;
* ``true``, ``false``, ``null``, arrays and objects as usual.

Readers never need to re-serialise: signatures cover the bytes as written. This module's reader
nevertheless refuses duplicate keys, floats and non-finite numbers, which a forger could use to
make two parsers disagree.
"""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalJsonError(ValueError):
    """A value that canonical JSON cannot hold, or bytes that are not strict JSON."""


def canonical_dumps(obj: Any) -> bytes:
    """Serialise ``obj`` (dict/list/str/int/bool/None only) to canonical JSON bytes.

    Raises CanonicalJsonError for floats, out-of-range integers, non-string keys, lone
    surrogates or any other type.
    """
    _check(obj)
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalJsonError("string is not valid Unicode") from exc


def strict_loads(data: bytes) -> Any:
    """Parse UTF-8 JSON bytes, refusing duplicate keys, floats, NaN and Infinity.

    Raises CanonicalJsonError on anything else than strict JSON of the kinds above.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalJsonError("not UTF-8") from exc
    if text.startswith("\ufeff"):
        raise CanonicalJsonError("byte order mark")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except RecursionError as exc:
        raise CanonicalJsonError("nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise CanonicalJsonError(f"not JSON: {exc.msg}") from exc
    _check(value)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalJsonError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise CanonicalJsonError("floating-point numbers are not allowed")


def _no_constant(text: str) -> Any:
    raise CanonicalJsonError(f"{text} is not allowed")


def _check(obj: Any, depth: int = 0) -> None:
    if depth > 64:
        raise CanonicalJsonError("nested too deeply")
    if obj is None or isinstance(obj, bool | str):
        return
    if isinstance(obj, int):
        if abs(obj) > MAX_SAFE_INTEGER:
            raise CanonicalJsonError("integer out of range")
        return
    if isinstance(obj, list | tuple):
        for item in obj:
            _check(item, depth + 1)
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise CanonicalJsonError("object keys must be strings")
            _check(value, depth + 1)
        return
    raise CanonicalJsonError(f"{type(obj).__name__} is not allowed in canonical JSON")

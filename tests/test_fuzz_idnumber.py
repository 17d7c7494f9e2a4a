"""Hypothesis: ID-number parsing on arbitrary text only ever returns a valid canonical number or
raises the documented :class:`~carebook.model.errors.ValidationError` (a ``CarebookError``)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.model.errors import CarebookError, ValidationError
from carebook.model.idnumber import id_number_check_character, normalise_id_number, parse_id_number

TODAY = dt.date(2026, 11, 29)
ID_ALPHABET = "0123456789xX０１２３４５６７８９ｘＸ \t-\u3000"


def _assert_valid(canonical: str) -> None:
    assert len(canonical) == 18 and canonical[:17].isdigit()
    assert canonical[17] == id_number_check_character(canonical[:17])
    assert parse_id_number(canonical, today=TODAY).number == canonical  # idempotent


def _parse(text: str) -> None:
    try:
        info = parse_id_number(text, today=TODAY)
    except ValidationError as exc:
        assert exc.field == "id_number" and exc.message_zh and exc.message_en
        return
    _assert_valid(info.number)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text(text: str) -> None:
    _parse(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ID_ALPHABET, min_size=14, max_size=22))
def test_id_like_text(text: str) -> None:
    _parse(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["id_number", "father.id_number"]))
def test_normalise_raises_only_carebook_errors(text: str, field: str) -> None:
    try:
        canonical = normalise_id_number(text, today=TODAY, field=field)
    except CarebookError as exc:
        assert isinstance(exc, ValidationError) and exc.field == field
        return
    _assert_valid(canonical)


@st.composite
def decorated_valid_ids(draw: st.DrawFn) -> tuple[str, str]:
    """A valid number and the same number as someone might type it."""
    birth = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=TODAY))
    body = f"610402{birth:%Y%m%d}{draw(st.integers(min_value=0, max_value=999)):03d}"
    number = body + id_number_check_character(body)
    typed = "".join(
        chr(ord(c) + 0xFEE0) if draw(st.booleans()) and c.isalnum() else c for c in number
    ).replace("X", draw(st.sampled_from(["X", "x", "ｘ"])))
    before = draw(st.sampled_from(["", " ", "\u3000"]))
    return number, before + typed + draw(st.sampled_from(["", " "]))


@settings(max_examples=300, deadline=None)
@given(decorated_valid_ids())
def test_valid_numbers_however_typed(pair: tuple[str, str]) -> None:
    number, typed = pair
    assert parse_id_number(typed, today=TODAY).number == number
    _parse(typed)

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
    assert parse_id_number(canonical, today=TODAY).id_number == canonical  # idempotent


def _parse(text: str) -> None:
    try:
        info = parse_id_number(text, today=TODAY)
    except ValidationError as exc:
        assert exc.field == "id_number" and exc.message_zh and exc.message_en
        return
    _assert_valid(info.id_number)


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

"""Helpers of the model tests: synthetic ID numbers and children of a given age."""

from __future__ import annotations

import datetime as dt
from typing import Any

from carebook.model.recording import WriteResult
from carebook.model.synthetic import id_number_for

ADDRESS = "610402"

# The shared register of the model tests (``tests/conftest.py``). Tests import these from here,
# not from ``conftest``: with ``tests/ui/conftest.py`` also loaded, the name ``conftest`` is
# ambiguous for imports made while tests run.
PASSPHRASE = "synthetic test passphrase"
VILLAGE_CODE = "610402100201"
VILLAGE_NAME = "东湾村"
TOWNSHIP_CODE = "610402100"
TOWNSHIP_NAME = "幸福镇"
ACTOR = "李秀英"


def years_before(day: dt.date, years: int, days: int = 0) -> dt.date:
    """``day`` minus ``years`` years (28 Feb for 29 Feb in a common year) minus ``days`` days."""
    try:
        shifted = day.replace(year=day.year - years)
    except ValueError:
        shifted = day.replace(year=day.year - years, day=28)
    return shifted - dt.timedelta(days=days)


def check_character(body: str) -> str:
    """ISO 7064 MOD 11-2 written out independently of python-stdnum (GB 11643-1999 §4)."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return "10X98765432"[total % 11]


def id_for(birth: dt.date, *, male: bool = True, seq: int = 10, address: str = ADDRESS) -> str:
    """A valid ID number for a person born on ``birth``."""
    return id_number_for(address, birth, seq * 2 + (1 if male else 0))


def child_values(name: str, birth: dt.date, *, male: bool = True, seq: int = 10, **extra: Any) -> dict[str, Any]:
    """Field values of a rural child with an ID number, plus ``extra`` (``role__field`` keys
    become ``role.field``)."""
    values: dict[str, Any] = {"name": name, "id_number": id_for(birth, male=male, seq=seq),
                              "registration_type": "rural"}
    values.update({k.replace("__", "."): v for k, v in extra.items()})
    return values


def both_away(today: dt.date) -> dict[str, Any]:
    """Father and mother working away for a year (a left-behind child)."""
    since = today - dt.timedelta(days=365)
    return {"father.name": "张建国", "father.status": "working_away", "father.away_since": since,
            "mother.name": "王秀兰", "mother.status": "working_away", "mother.away_since": since}


def rid(result: WriteResult) -> str:
    """The record id a write service returned (always set for register and visit writes)."""
    assert result.record_id is not None
    return result.record_id

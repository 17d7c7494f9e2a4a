"""Register settings: category thresholds, visit frequencies, entrustment warning period.

Rules that vary by province are settings (DOMAIN.md). Settings are stored per installation in
the ``setting`` table under the key ``register_settings`` as JSON, and are not synced.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from carebook.model.changelog import Setting

SETTINGS_KEY = "register_settings"


def _default_category_intervals() -> dict[str, int]:
    return {"key_child": 30, "de_facto_unsupported": 30, "orphan": 30, "in_difficulty": 60, "left_behind": 90}


def _default_risk_intervals() -> dict[str, int]:
    return {"red": 15, "yellow": 30, "blue": 60, "green": 90}


@dataclass
class RegisterSettings:
    """Settings of the register. Ages are completed years; intervals are days.

    Category thresholds (DOMAIN.md, the policy in ``shared/seed/``):
        left_behind_max_age: a left-behind child is *under* this age (16).
        left_behind_requires_rural: only rural household registration counts (True).
        minor_age: other categories are *under* this age (18).
        away_min_months: a parent counts as away after this many months (6), when the date they
            left is known.
        missing_min_months: a parent counts as missing after this many months (6), when known.
        de_facto_max_age_in_study: a de facto unsupported child in full-time study stays in the
            category until this age (18 = no extension).
        de_facto_counts_revoked / de_facto_counts_deported: whether guardianship revoked by a court
            and deportation count as de facto unsupported situations (many provinces add them).
    Visits:
        visit_interval_by_category / visit_interval_by_risk: days between visits; a child gets
            the shortest interval that applies, else ``default_visit_interval``.
        due_soon_days: a visit due within this many days is listed as due (7: this week).
    Entrustments:
        entrustment_expiring_days: a signed confirmation is *expiring* this many days before
            the end of its period (30).
    """

    left_behind_max_age: int = 16
    left_behind_requires_rural: bool = True
    minor_age: int = 18
    away_min_months: int = 6
    missing_min_months: int = 6
    de_facto_max_age_in_study: int = 18
    de_facto_counts_revoked: bool = True
    de_facto_counts_deported: bool = True
    visit_interval_by_category: dict[str, int] = field(default_factory=_default_category_intervals)
    visit_interval_by_risk: dict[str, int] = field(default_factory=_default_risk_intervals)
    default_visit_interval: int = 90
    due_soon_days: int = 7
    entrustment_expiring_days: int = 30

    def to_json(self) -> str:
        """The settings as a JSON object."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RegisterSettings:
        """Settings from JSON; unknown keys are ignored, missing ones take their defaults."""
        data: dict[str, Any] = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def load_settings(session: Session) -> RegisterSettings:
    """Read the settings of this installation (defaults if none were saved)."""
    row = _row(session, SETTINGS_KEY)
    return RegisterSettings.from_json(row.value) if row else RegisterSettings()


def save_settings(session: Session, settings: RegisterSettings) -> None:
    """Write the settings (in the caller's transaction)."""
    set_text(session, SETTINGS_KEY, settings.to_json())


#: ``session.info`` key of the setting rows read or written in the session's current transaction.
_ROWS = "carebook.settings.rows"


def _row(session: Session, key: str) -> Setting | None:
    """The row of ``key`` (``None``: no value stored), kept in the session until its transaction
    ends or anything is rolled back: the identity map holds rows only weakly, so a row nobody
    refers to is read again by the next ``session.get`` (an import reads the same few local
    values a dozen times per bundle: a query and an autoflush each time). That a key has no row
    is kept too: every write of a setting goes through :func:`set_text`, which keeps the row it
    adds."""
    rows: dict[str, Setting | None] = session.info.setdefault(_ROWS, {})
    try:
        return rows[key]
    except KeyError:
        row = rows[key] = session.get(Setting, key)
        return row


@event.listens_for(Session, "after_transaction_end")
def _forget_rows(session: Session, transaction: SessionTransaction) -> None:
    """The session's transaction ended: rows kept by :func:`_row` may be stale (another
    connection may write between transactions). A savepoint released keeps them."""
    if transaction.parent is None:
        session.info.pop(_ROWS, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback (also to a savepoint): rows kept by :func:`_row` may have been added or
    changed in what was rolled back."""
    session.info.pop(_ROWS, None)


def get_value(session: Session, key: str, default: Any = None) -> Any:
    """Read one local value stored as JSON under ``key``."""
    row = _row(session, key)
    return json.loads(row.value) if row else default


def get_text(session: Session, key: str) -> str | None:
    """The JSON text stored under ``key`` (``None`` when nothing is), unparsed."""
    row = _row(session, key)
    return row.value if row else None


def set_value(session: Session, key: str, value: Any) -> str:
    """Store one local value as JSON under ``key`` (in the caller's transaction); returns the
    JSON text stored."""
    text = json.dumps(value, ensure_ascii=False)
    set_text(session, key, text)
    return text


def set_text(session: Session, key: str, text: str) -> None:
    """Store the JSON text ``text`` under ``key`` (in the caller's transaction): the one place a
    setting row is written (:func:`_row` relies on it)."""
    row = _row(session, key)
    if row is None:
        row = Setting(key=key, value=text)
        session.add(row)
        session.info.setdefault(_ROWS, {})[key] = row
    else:
        row.value = text

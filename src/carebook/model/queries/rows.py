"""The plain rows that read queries return to the desktop, the command line and documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChildRow:
    """One line of the register: the columns of the register table and ``children list``.

    ``categories`` are category codes in policy order; ``age`` in completed years on the day
    of the query; ``overdue`` is True when ``next_visit_due`` is before that day.
    """

    id: str
    name: str
    sex: str
    date_of_birth: dt.date
    age: int
    id_number: str | None
    village_code: str
    village_name: str
    categories: tuple[str, ...]
    risk_colour: str | None
    key_child: bool
    guardian_name: str | None
    last_visit_date: dt.date | None
    next_visit_due: dt.date | None
    overdue: bool
    closed: bool
    closed_reason: str | None

    def to_json(self) -> dict[str, Any]:
        """The ``children list --json`` object (documented in docs/cli.md)."""
        return {
            "id": self.id, "id_number": self.id_number, "name": self.name, "sex": self.sex,
            "date_of_birth": self.date_of_birth.isoformat(), "age": self.age,
            "village_code": self.village_code, "village_name": self.village_name,
            "categories": list(self.categories), "risk_colour": self.risk_colour,
            "key_child": self.key_child, "guardian_name": self.guardian_name,
            "last_visit_date": self.last_visit_date.isoformat() if self.last_visit_date else None,
            "next_visit_due": self.next_visit_due.isoformat() if self.next_visit_due else None,
            "overdue": self.overdue, "closed": self.closed, "closed_reason": self.closed_reason,
        }


@dataclass(frozen=True)
class MemberView:
    """A family member as shown in the child's file (codes, not enum objects)."""

    id: str
    role: str
    relation: str
    name: str | None
    id_number: str | None
    date_of_birth: dt.date | None
    phone: str | None
    status: str | None
    work_place: str | None
    away_since: dt.date | None
    last_contact: dt.date | None
    address: str | None
    health: str | None
    capable_of_care: bool | None
    lives_with_child: bool
    notes: str | None


@dataclass(frozen=True)
class VisitView:
    """One visit as shown in a child's file and on the visit sheet."""

    id: str
    child_id: str
    visit_date: dt.date
    kind: str
    method: str
    fields: dict[str, Any]
    next_visit_date: dt.date | None


@dataclass(frozen=True)
class ChildDetail:
    """The whole file of one child: ``fields`` maps every child field name to its value
    (enums as codes, dates as dates); members by role; visits newest first."""

    id: str
    village_code: str
    village_name: str
    version: int
    fields: dict[str, Any]
    categories: tuple[str, ...]
    age: int
    closed: bool
    closed_reason: str | None
    closed_on: dt.date | None
    closed_note: str | None
    members: list[MemberView] = field(default_factory=list)
    visits: list[VisitView] = field(default_factory=list)
    last_visit_date: dt.date | None = None
    next_visit_due: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``children show --json`` object (documented in docs/cli.md)."""
        from carebook.model.jsonvalues import to_json_value

        return {
            "id": self.id, "village_code": self.village_code, "village_name": self.village_name,
            "version": self.version, "age": self.age, "categories": list(self.categories),
            "closed": self.closed, "closed_reason": self.closed_reason,
            "closed_on": to_json_value(self.closed_on), "closed_note": self.closed_note,
            "last_visit_date": to_json_value(self.last_visit_date),
            "next_visit_due": to_json_value(self.next_visit_due),
            "fields": to_json_value(self.fields),
            "members": [to_json_value(m.__dict__) for m in self.members],
            "visits": [to_json_value({**v.fields, "id": v.id, "visit_date": v.visit_date, "kind": v.kind,
                                      "method": v.method, "next_visit_date": v.next_visit_date})
                       for v in self.visits],
        }


@dataclass(frozen=True)
class DueVisit:
    """A child whose visit is due: ``days_overdue`` > 0 when overdue, else 0 or negative
    (days until due)."""

    child_id: str
    name: str
    risk_colour: str | None
    categories: tuple[str, ...]
    key_child: bool
    guardian_name: str | None
    last_visit_date: dt.date | None
    due: dt.date
    days_overdue: int

    @property
    def overdue(self) -> bool:
        """True when the due date has passed."""
        return self.days_overdue > 0


@dataclass(frozen=True)
class HistoryEntry:
    """One change in a child's history: who, when, which installation, what field, old and new
    values (JSON-decoded)."""

    at_utc: dt.datetime
    actor: str
    origin: str
    entity: str
    record_id: str
    op: str
    field: str | None
    old: Any
    new: Any

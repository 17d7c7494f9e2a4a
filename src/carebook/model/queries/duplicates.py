"""Duplicate review at the township (重复档案核查, issue 6 item 3).

:func:`find_duplicates` lists pairs of children's files that may be one child:

* ``same_id_number``: two files with the same ID number. The register allows an ID number once,
  so when two villages register the same child the township's merge keeps the first file and
  *parks* the second (``sync_parked`` with reason ``duplicate_key``, and a ``duplicate_key``
  conflict): the parked file is not in the ``child`` table, only in the change log. Its values
  are read from there (:func:`parked_child_state`).
* ``similar_name``: the same date of birth and close names: the same pinyin (同音, e.g. 张晓明 /
  张小明) or, for names of the same length, exactly one character different, in the same village
  or in two villages.
* ``transfer``: a pair of either kind where one file is closed as moved away (``moved``) to the
  other file's village (``transferred_to`` is its division code, or empty): a child who moved,
  not a duplicate (offer a transfer, not a merge).

Pairs the supervisor marked as not duplicates, or merged, are left out (stored in the local
setting :data:`REVIEWED_KEY`; reviews are the township's own work and are not synced).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child
from carebook.model.enums import ClosingReason
from carebook.model.organisation import OrgUnit
from carebook.model.pinyin import full_pinyin
from carebook.model.sync_state import SyncParked

#: Local setting holding reviewed pairs: ``{"<id a>|<id b>" (sorted): "not_duplicate" | "merged"}``.
REVIEWED_KEY = "duplicates.reviewed"

SAME_ID_NUMBER = "same_id_number"
SIMILAR_NAME = "similar_name"
TRANSFER = "transfer"


@dataclass(frozen=True)
class ChildSummary:
    """One file of a candidate pair: record id, name, ID number, date of birth, its village
    (division code and name), status (``open``, ``closed``, or ``parked``: held back at merge
    because its ID number is taken), closing reason code and ``transferred_to`` division code,
    and the instant (UTC) of its last change."""

    id: str
    name: str
    id_number: str | None
    date_of_birth: dt.date | None
    village_id: str | None
    village_code: str | None
    village_name: str | None
    status: str
    closed_reason: str | None
    transferred_to: str | None
    last_change: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates ISO 8601)."""
        out = dict(self.__dict__)
        out["date_of_birth"] = self.date_of_birth.isoformat() if self.date_of_birth else None
        out["last_change"] = self.last_change.isoformat() if self.last_change else None
        return out


@dataclass(frozen=True)
class DuplicateCandidate:
    """疑似重复档案: two files that may be one child.

    ``kind`` is :data:`SAME_ID_NUMBER`, :data:`SIMILAR_NAME` or :data:`TRANSFER` (see the module
    docstring); ``match`` says what matched (``id_number``, ``same_name``, ``pinyin`` or ``one_character``);
    ``same_village`` whether both files are in one village. ``a`` and ``b`` are ordered so that
    ``a`` is the file in the register (not parked) and, among two, the earlier-changed one.
    """

    kind: str
    match: str
    same_village: bool
    a: ChildSummary
    b: ChildSummary

    @property
    def pair_key(self) -> str:
        """The pair's key (the two record ids, sorted, joined by ``|``)."""
        return pair_key(self.a.id, self.b.id)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "match": self.match, "same_village": self.same_village,
                "a": self.a.to_json(), "b": self.b.to_json()}


def pair_key(a: str, b: str) -> str:
    """The key of the unordered pair of record ids ``a``, ``b``."""
    x, y = sorted((a, b))
    return f"{x}|{y}"


def reviewed_pairs(session: Session) -> dict[str, str]:
    """Pairs reviewed at this township: pair key -> ``not_duplicate`` or ``merged``."""
    value = settings_store.get_value(session, REVIEWED_KEY, {})
    return dict(value) if isinstance(value, dict) else {}


def parked_child_state(session: Session, child_id: str) -> dict[str, Any] | None:
    """The values of a child's file known only from the change log (a parked file): the insert
    snapshot with later updates applied in stamp order, as JSON values; ``None`` if no insert is
    in the log."""
    rows = list(session.execute(
        select(ChangeLogEntry.op, ChangeLogEntry.field, ChangeLogEntry.new_value, ChangeLogEntry.hlc)
        .where(ChangeLogEntry.entity == "child", ChangeLogEntry.record_id == child_id)
    ))
    rows.sort(key=lambda r: r.hlc)
    state: dict[str, Any] | None = None
    for op, field, new_value, _hlc in rows:
        if op == "insert" and new_value:
            state = {**(state or {}), **json.loads(new_value)}
        elif op == "update" and field and state is not None:
            state[field] = json.loads(new_value) if new_value is not None else None
        elif op == "delete":
            return None
    return state


def _last_changes(session: Session, ids: list[str]) -> dict[str, dt.datetime]:
    from sqlalchemy import func

    found: dict[str, dt.datetime] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        for rid, at in session.execute(
                select(ChangeLogEntry.record_id, func.max(ChangeLogEntry.at_utc))
                .where(ChangeLogEntry.entity == "child", ChangeLogEntry.record_id.in_(part))
                .group_by(ChangeLogEntry.record_id)):
            found[rid] = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
    return found


def child_summaries(session: Session, *, include_parked: bool = True) -> list[ChildSummary]:
    """A summary of every child's file in the register, plus (by default) the files parked at
    merge because their ID number is taken."""
    units: dict[Any, tuple[str | None, str | None]] = {
        u.id: (u.code, u.name) for u in session.scalars(select(OrgUnit))}
    out: list[ChildSummary] = []
    rows = session.execute(select(
        Child.id, Child.name, Child.id_number, Child.date_of_birth, Child.village_id, Child.closed_reason,
        Child.transferred_to, Child.updated_at))
    for rid, name, number, dob, village, reason, moved_to, updated in rows:
        code, vname = units.get(village, (None, None))
        out.append(ChildSummary(rid, name, number, dob, village, code, vname,
                                "closed" if reason is not None else "open",
                                reason.code if reason is not None else None, moved_to, updated))
    if include_parked:
        parked = list(session.scalars(select(SyncParked.record_id).where(
            SyncParked.entity == "child", SyncParked.reason == "duplicate_key")))
        last = _last_changes(session, parked) if parked else {}
        for rid in parked:
            state = parked_child_state(session, rid)
            if state is None:
                continue
            pvillage = state.get("village_id")
            code, vname = units.get(pvillage, (None, None))
            pdob = state.get("date_of_birth")
            out.append(ChildSummary(
                rid, state.get("name") or "", state.get("id_number"),
                dt.date.fromisoformat(pdob) if pdob else None, pvillage, code, vname, "parked",
                state.get("closed_reason"), state.get("transferred_to"), last.get(rid)))
    return out


def names_close(a: str, b: str) -> str | None:
    """How two names are close: ``same_name`` (identical), ``pinyin`` (same toneless pinyin, e.g.
    张晓明 / 张小明), ``one_character`` (same length, exactly one character different), else
    ``None``. Spaces are ignored."""
    a = "".join(a.split())
    b = "".join(b.split())
    if not a or not b:
        return None
    if a == b:
        return "same_name"
    if full_pinyin(a) and full_pinyin(a) == full_pinyin(b):
        return "pinyin"
    if len(a) == len(b) and len(a) >= 2 and sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return "one_character"
    return None


def _is_transfer(x: ChildSummary, y: ChildSummary) -> bool:
    """``x`` was closed as moved away to ``y``'s village."""
    return (x.village_id != y.village_id and x.closed_reason == ClosingReason.MOVED.code
            and x.transferred_to in (None, "", y.village_code) and y.status != "closed")


def _ordered(x: ChildSummary, y: ChildSummary) -> tuple[ChildSummary, ChildSummary]:
    def rank(s: ChildSummary) -> tuple[int, str, str]:
        return (1 if s.status == "parked" else 0, s.last_change.isoformat() if s.last_change else "", s.id)

    return (x, y) if rank(x) <= rank(y) else (y, x)


def _candidate(kind: str, match: str, x: ChildSummary, y: ChildSummary) -> DuplicateCandidate:
    a, b = _ordered(x, y)
    if _is_transfer(a, b) or _is_transfer(b, a):
        kind = TRANSFER
    return DuplicateCandidate(kind, match, a.village_id == b.village_id, a, b)


def find_duplicates(session: Session, *, include_reviewed: bool = False) -> list[DuplicateCandidate]:
    """Pairs of files that may be one child (see the module docstring), ID-number matches
    first, then by date of birth and name. Files closed as merged or as entered in error are
    not compared. Pairs reviewed here (:func:`reviewed_pairs`) are left out unless
    ``include_reviewed``."""
    summaries = [s for s in child_summaries(session)
                 if s.closed_reason not in (ClosingReason.ERROR.code,)]
    reviewed = {} if include_reviewed else reviewed_pairs(session)
    found: dict[str, DuplicateCandidate] = {}
    by_number: dict[str, list[ChildSummary]] = {}
    for s in summaries:
        if s.id_number:
            by_number.setdefault(s.id_number, []).append(s)
    for group in by_number.values():
        for i, x in enumerate(group):
            for y in group[i + 1:]:
                key = pair_key(x.id, y.id)
                if key not in reviewed:
                    found[key] = _candidate(SAME_ID_NUMBER, "id_number", x, y)
    by_dob: dict[dt.date, list[ChildSummary]] = {}
    for s in summaries:
        if s.date_of_birth is not None:
            by_dob.setdefault(s.date_of_birth, []).append(s)
    for group in by_dob.values():
        if len(group) < 2:
            continue
        for i, x in enumerate(group):
            for y in group[i + 1:]:
                key = pair_key(x.id, y.id)
                if key in found or key in reviewed:
                    continue
                how = names_close(x.name, y.name)
                if how is not None:
                    found[key] = _candidate(SIMILAR_NAME, how, x, y)
    order = {SAME_ID_NUMBER: 0, TRANSFER: 1, SIMILAR_NAME: 2}
    return sorted(found.values(), key=lambda c: (
        order.get(c.kind, 9) if c.match != "id_number" else 0, str(c.a.date_of_birth), c.a.name, c.a.id, c.b.id))

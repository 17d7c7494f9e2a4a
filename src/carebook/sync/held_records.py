"""What an import left held back (暂缓的记录), in the user's words.

A merge *parks* a record it cannot apply yet (:class:`carebook.model.sync_state.SyncParked`):

* ``duplicate_key``, a child's file: another file already holds its ID number — at the township,
  typically the same child registered by two villages. It is not waiting for anything: it waits
  for the supervisor's duplicate review (``carebook township duplicates``, the township's
  "重复档案" page: merge, transfer or not-duplicate; :mod:`carebook.model.queries.duplicates`).
  Its family members, visits and other records are parked with it (``missing_reference``: their
  child is not in the register) and come in with it.
* ``duplicate_key``, another record (an entrustment's document number): held until one of the two
  numbers is corrected.
* ``missing_reference``: a record whose insert, or a record it refers to, has not arrived yet; it
  is applied by itself when that arrives.

The old single count ("N records wait for changes not received yet") said the wrong thing for
the first two; :func:`held_records` separates them and :func:`held_notes` words each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.i18n import msg
from carebook.model.sync_state import SyncParked
from carebook.sync.aggregates import resolve_aggregates

DUPLICATE_KEY = "duplicate_key"


@dataclass(frozen=True)
class HeldRecords:
    """暂缓记录统计: after an import.

    ``duplicate_files``: children's files this import held back because another file already has
    the same ID number (new ones: those held before the import are not counted again);
    ``waiting``: records now waiting for changes not received yet (all of them, as the old
    ``parked`` count); ``duplicate_numbers``: other records now held because their unique number
    (e.g. an entrustment's document number) is taken; ``township``: the register is a township's
    (the wording of the duplicate note differs at a village)."""

    duplicate_files: int = 0
    waiting: int = 0
    duplicate_numbers: int = 0
    township: bool = True

    def to_json(self) -> dict[str, int]:
        """The keys added to the import result's JSON (see docs/cli.md)."""
        return {"duplicate_files": self.duplicate_files, "waiting_records": self.waiting,
                "duplicate_numbers": self.duplicate_numbers}


def duplicate_files(session: Session) -> set[str]:
    """Ids of the children's files parked because their ID number is taken."""
    return set(session.scalars(select(SyncParked.record_id).where(
        SyncParked.entity == "child", SyncParked.reason == DUPLICATE_KEY)))


def held_records(session: Session, before: set[str], *, township: bool) -> HeldRecords:
    """Count what is parked now (see the module docstring); ``before`` is
    :func:`duplicate_files` read before the import, so only files this import held are counted
    in ``duplicate_files``."""
    rows = list(session.execute(select(SyncParked.entity, SyncParked.record_id, SyncParked.reason)))
    if not rows:
        return HeldRecords(township=township)
    files = {rid for entity, rid, reason in rows if entity == "child" and reason == DUPLICATE_KEY}
    others = [(entity, rid, reason) for entity, rid, reason in rows
              if not (entity == "child" and reason == DUPLICATE_KEY)]
    roots = resolve_aggregates(session, [(e, r) for e, r, _ in others]) if files and others else {}
    waiting = numbers = 0
    for entity, rid, reason in others:
        root = roots.get((entity, rid))
        if root is not None and root[0] == "child" and root[1] in files:
            continue  # held with its child's file: comes in with it
        if reason == DUPLICATE_KEY:
            numbers += 1
        else:
            waiting += 1
    return HeldRecords(len(files - before), waiting, numbers, township)


def held_notes(held: Any) -> list[str]:
    """The lines an import result adds for ``held`` (a :class:`HeldRecords`), in the current
    language: duplicates first (what the supervisor must do), then records waiting."""
    notes: list[str] = []
    if held is None:
        return notes
    n = held.duplicate_files
    if n and held.township:
        notes.append(msg(
            f"{n} 份档案与其他村的档案身份证号相同，已放入重复档案待审核"
            "（carebook township duplicates，或乡镇端的“重复档案”页面）",
            f"{n} children's files have the same ID number as another village's file; they are held for the "
            "duplicate review (carebook township duplicates, or the township's Duplicates page)"))
    elif n:
        notes.append(msg(
            f"{n} 份档案与本机已有档案的身份证号相同，暂未导入；请联系乡镇儿童督导员核对",
            f"{n} children's files have the same ID number as a file already here; they were not imported: "
            "ask the township's child supervisor to check them"))
    k = held.duplicate_numbers
    if k and held.township:
        notes.append(msg(
            f"有 {k} 条记录的编号（如委托书编号）与已有记录相同，暂缓导入，已记为冲突（carebook conflicts list）",
            f"{k} records carry a number (e.g. a confirmation's document number) that another record has; "
            "they are held and listed as conflicts (carebook conflicts list)"))
    elif k:
        notes.append(msg(
            f"有 {k} 条记录的编号（如委托书编号）与本机已有记录相同，暂缓导入；请联系乡镇儿童督导员核对",
            f"{k} records carry a number (e.g. a confirmation's document number) that a record here has; "
            "they are held: ask the township's child supervisor to check them"))
    if held.waiting:
        notes.append(msg(f"有 {held.waiting} 条记录在等待尚未收到的变更，收到后会自动补上。",
                         f"{held.waiting} records wait for changes not received yet; they are applied when those arrive."))
    return notes

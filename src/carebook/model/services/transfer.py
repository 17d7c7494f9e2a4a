"""Transfer of a child between villages (儿童转移/转出转入, issue 5 item 7, issue 6 item 3).

Only the township (the child supervisor) transfers a child: the file's ``village_id`` changes to
the new village, as a recorded change, so sync carries it. A village that learns a child moved
away closes the file with reason ``moved`` and, where known, ``transferred_to`` (the new
village's division code): :func:`carebook.model.services.children.close_child`; the supervisor
then transfers the file, which reopens it in the new village.

One service call records, in this order (one transaction):

1. the close of the file in the old village: ``closed_reason = moved``, ``closed_on = today``,
   ``closed_note`` (the reason given), ``transferred_to`` (the new village's code);
2. the change of ``village_id`` to the new village;
3. the reopening of the file in the new village (the close fields cleared, ``notes`` gets a line
   saying where the child came from and why).

Routing (:mod:`carebook.sync.routing`) sends the old village only steps 1 and 2 (the changes of
the transfer made before the ``village_id`` change), so the old village keeps a closed file
saying where the child went; the new village receives the whole history of the file, and ends
with the open file.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from carebook.model.children import Child
from carebook.model.enums import ClosingReason, OrgLevel, Role
from carebook.model.errors import FieldError, NotFoundError, StateError, ValidationError
from carebook.model.installation import get_installation
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.recording import WriteResult, changes_of
from carebook.model.services.children import find_child
from carebook.model.services.derived import refresh_child
from carebook.model.settings import load_settings
from carebook.model.validation import clean_text


def find_village(session: Session, ref: str) -> OrgUnit:
    """A village by record id or 12-digit division code.

    Raises:
        NotFoundError: no such village in the register.
    """
    ref = (ref or "").strip()
    unit = session.get(OrgUnit, ref)
    if unit is None and ref.isdigit():
        unit = session.get(OrgUnit, unit_id_for_code(ref))
    if unit is None or unit.level is not OrgLevel.VILLAGE:
        raise NotFoundError(f"名册中没有代码为“{ref}”的村（居）", f"no village '{ref}' in the register")
    return unit


def transfer_child(session: Session, child_id: str, to_village_id: str, *, reason: str,
                   today: dt.date | None = None) -> WriteResult:
    """Transfer a child's file to another village (township only; see the module docstring).

    Args:
        child_id: the child's record id or ID number.
        to_village_id: the new village's org unit id or division code.
        reason: why (e.g. 随父母迁居), kept in the old village's closing note and the file's notes.

    Returns:
        The child's id and every recorded change.

    Raises:
        NotFoundError: no such child or village.
        ValidationError: no reason given.
        StateError: this is a village installation, the child is already in that village, or the
            file is closed for another reason than ``moved``.
    """
    today = today or dt.date.today()
    inst = get_installation(session)
    if inst.role is Role.VILLAGE:
        raise StateError("只有乡镇（街道）儿童督导员可以把儿童转到别的村",
                         "only the township's child supervisor can transfer a child to another village")
    child = find_child(session, child_id)
    target = find_village(session, to_village_id)
    text = clean_text(reason, max_length=1000, field="reason")
    if not text:
        raise ValidationError([FieldError("reason", "请填写转移原因", "give the reason for the transfer")])
    if child.village_id == target.id:
        raise StateError(f"“{child.name}”已经在{target.name}", f"{child.name} is already in {target.name}")
    if child.closed_reason is not None and child.closed_reason is not ClosingReason.MOVED:
        raise StateError(
            f"“{child.name}”的档案已销档（{child.closed_reason.zh}），不能转移；如需转移请先重新开档",
            f"{child.name}'s file is closed ({child.closed_reason.en}); reopen it before a transfer",
        )
    old = session.get(OrgUnit, child.village_id)
    old_name = old.name if old is not None else ""
    # 1. closed in the old village, saying where the child went
    child.closed_reason = ClosingReason.MOVED
    child.closed_on = child.closed_on or today
    child.closed_note = f"转至{target.name}：{text}"
    child.transferred_to = target.code
    session.flush()
    # 2. the move
    child.village_id = target.id
    session.flush()
    # 3. open in the new village
    child.closed_reason = None
    child.closed_on = None
    child.closed_note = None
    child.transferred_to = None
    line = f"{today.isoformat()} 由{old_name}转入：{text}"
    child.notes = f"{child.notes}\n{line}" if child.notes else line
    session.flush()
    refresh_child(session, child, load_settings(session), today)
    session.flush()
    return WriteResult(child.id, changes_of(session))


def transferred_away(session: Session, child: Child) -> OrgUnit | None:
    """At a village installation: the village a child's file was transferred to (its
    ``village_id`` is no longer this village's), else ``None``. Such a file is read-only here."""
    inst = get_installation(session)
    if inst.role is not Role.VILLAGE or child.village_id == inst.org_unit_id:
        return None
    return session.get(OrgUnit, child.village_id)


def transferred_away_label(village_name: str, village_code: str) -> str:
    """The words for a file transferred away, in the current language: ``已转往 XX村（代码）``."""
    from carebook.model.i18n import msg

    return msg(f"已转往 {village_name}（{village_code}）", f"Transferred to {village_name} ({village_code})")


def transferred_away_to(session: Session, child_ref: str) -> tuple[str, str] | None:
    """At a village installation: ``(name, division code)`` of the village the child's file
    (record id or ID number) was transferred to (:func:`transferred_away`), else ``None``.

    Raises:
        NotFoundError: no such child.
    """
    unit = transferred_away(session, find_child(session, child_ref))
    return (unit.name, unit.code) if unit is not None else None

"""A village does not change a file transferred away from it (转出档案只读).

After the township transfers a child to another village (:mod:`carebook.model.services.transfer`),
the old village's copy is closed as moved (``closed_reason = moved``) and its ``village_id`` is
the new village's. The township refuses any later change of it from the old village
(:mod:`carebook.sync.authority`), refusing the whole bundle; so that an honest child director
never gets there, every recorded write at a village installation that would change such a file
(the child, or add, change or delete one of its family members, visits, entrustments, reports,
referrals, assistance records or attachments) is refused here first with
:class:`TransferredAwayError`, and nothing is written.

The check runs before each flush of a session with a change recorder (a service write); writes
applied by sync (no recorder) are not checked here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from carebook.model.children import Child
from carebook.model.enums import ClosingReason, Role
from carebook.model.errors import StateError
from carebook.model.installation import find_installation
from carebook.model.organisation import OrgUnit

_INSTALLATION = "transfer_guard.installation"


class TransferredAwayError(StateError):
    """The file was transferred to another village; this village can no longer change it."""

    def __init__(self, name: str, village: str) -> None:
        self.child_name = name
        self.village = village
        super().__init__(
            f"“{name}”已转到{village or '其他村'}，档案由新村管理，本村不能再修改。如有新情况，请告诉乡镇督导员。",
            f"{name} was transferred to {village or 'another village'}, which now keeps the file; this "
            "village can no longer change it. Tell the township's supervisor about anything new.",
        )


def _touched_children(session: Session) -> set[str]:
    ids: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not getattr(type(obj), "__tracked__", False):
            continue
        if isinstance(obj, Child):
            if obj not in session.new and session.is_modified(obj):
                ids.add(obj.id)
            continue
        child_id = getattr(obj, "child_id", None)
        if isinstance(child_id, str) and child_id:
            ids.add(child_id)
    return ids


@event.listens_for(Session, "before_flush")
def _guard(session: Session, flush_context: Any, instances: Any) -> None:
    if session.info.get("recorder") is None:
        return
    ids = _touched_children(session)
    if not ids:
        return
    if _INSTALLATION not in session.info:
        with session.no_autoflush:
            session.info[_INSTALLATION] = find_installation(session)
    inst = session.info[_INSTALLATION]
    if inst is None or inst.role is not Role.VILLAGE:
        return
    with session.no_autoflush:
        rows = session.execute(
            select(Child.name, OrgUnit.name).join(OrgUnit, OrgUnit.id == Child.village_id, isouter=True)
            .where(Child.id.in_(sorted(ids)), Child.village_id != inst.org_unit_id,
                   Child.closed_reason == ClosingReason.MOVED)
        ).first()
    if rows is not None:
        raise TransferredAwayError(rows[0], rows[1] or "")

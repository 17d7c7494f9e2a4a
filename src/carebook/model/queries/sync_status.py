"""Read queries about synchronisation for the app: changes not yet received by the township,
peers, open conflicts and records waiting for missing changes.

The acknowledgement counters are kept by :mod:`carebook.sync` in the tables of
:mod:`carebook.model.sync_state`; a change of this installation counts as *unsent* until the
peer acknowledges the log position it sits at (issue 5 item 8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carebook.model.changelog import ChangeLogEntry
from carebook.model.installation import find_installation
from carebook.model.sync_state import SyncConflict, SyncParked, SyncPeer


@dataclass(frozen=True)
class PeerStatus:
    """同步对端状态: one pinned peer (role, division code, name), how many of this
    installation's changes it has not acknowledged yet, and when a bundle last went out / came in."""

    installation_id: str
    role: str
    code: str
    name: str
    unacknowledged: int
    last_export_at: dt.datetime | None
    last_import_at: dt.datetime | None


@dataclass(frozen=True)
class SyncStatus:
    """同步状态: per peer status, open conflicts and parked records (changes waiting for others)."""

    peers: list[PeerStatus]
    open_conflicts: int
    parked_records: int

    @property
    def unsent(self) -> int:
        """Changes made here that some peer has not yet received (the largest count)."""
        return max((p.unacknowledged for p in self.peers), default=0)


def _count_after(session: Session, me: str, position: int) -> int:
    return int(session.scalar(select(func.count()).select_from(ChangeLogEntry).where(
        ChangeLogEntry.origin == me, ChangeLogEntry.seq > position)) or 0)


def unsent_change_count(session: Session) -> int:
    """How many changes made here the township (the first active township peer; for a township,
    any peer) has not yet acknowledged. Before enrolment: every change made here."""
    inst = find_installation(session)
    if inst is None:
        return 0
    peers = list(session.scalars(select(SyncPeer).where(SyncPeer.retired.is_(False))))
    townships = [p for p in peers if p.role == "township"] or peers
    if not townships:
        return _count_after(session, inst.id, 0)
    return max(_count_after(session, inst.id, p.acked_to) for p in townships)


def sync_status(session: Session) -> SyncStatus:
    """The whole synchronisation status (for the sync page)."""
    inst = find_installation(session)
    peers: list[PeerStatus] = []
    if inst is not None:
        for p in session.scalars(select(SyncPeer).where(SyncPeer.retired.is_(False)).order_by(SyncPeer.code)):
            peers.append(PeerStatus(p.installation_id, p.role, p.code, p.name, _count_after(session, inst.id, p.acked_to),
                                    p.last_export_at, p.last_import_at))
    conflicts = int(session.scalar(select(func.count()).select_from(SyncConflict).where(
        SyncConflict.status == "open")) or 0)
    parked = int(session.scalar(select(func.count()).select_from(SyncParked)) or 0)
    return SyncStatus(peers, conflicts, parked)

"""Where an installation keeps its pinned peers and the enrolments it has issued, until the
register has tables for them: two local (never synced) settings in the encrypted register.

* ``sync.peers``: the :class:`~carebook.sync.peers.Peer` list (public keys only);
* ``sync.pending_enrolments``: the township's :class:`~carebook.sync.enrolment.PendingEnrolment`
  list, one-time secrets included — which is why it lives only inside the SQLCipher-encrypted
  register (as protected as the children's records) and is never exported.

All functions work in the caller's session and transaction, so pinning a village and marking its
enrolment used commit together with the import of its first bundle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.sync.enrolment import PendingEnrolment
from carebook.sync.peers import Peer

PEERS_KEY = "sync.peers"
PENDING_KEY = "sync.pending_enrolments"


def load_peers(session: Session) -> list[Peer]:
    """The pinned peers (active and retired). Raises ValueError if the stored value is damaged."""
    return [Peer.from_json_obj(item) for item in settings_store.get_value(session, PEERS_KEY, [])]


def save_peers(session: Session, peers: Iterable[Peer]) -> None:
    """Replace the stored peer list."""
    settings_store.set_value(session, PEERS_KEY, [p.to_json_obj() for p in peers])


def pin_peer(session: Session, peer: Peer) -> list[Peer]:
    """Add ``peer``, replacing an entry with the same installation id; return the new list.

    Other peers with the same role and code (an earlier PC of the same village) are retired:
    a village has one active PC.
    """
    kept: list[Peer] = []
    for existing in load_peers(session):
        if existing.installation_id == peer.installation_id:
            continue
        if existing.role == peer.role and existing.code == peer.code and not existing.retired:
            existing = existing.retire()
        kept.append(existing)
    kept.append(peer)
    save_peers(session, kept)
    return kept


def load_pending_enrolments(session: Session) -> list[PendingEnrolment]:
    """The enrolments this township issued (used or not). Treat the result as secret."""
    return [PendingEnrolment.from_json_obj(item) for item in settings_store.get_value(session, PENDING_KEY, [])]


def save_pending_enrolment(session: Session, pending: PendingEnrolment) -> None:
    """Add ``pending`` or replace the entry with the same enrolment id."""
    entries = [p for p in load_pending_enrolments(session) if p.enrolment_id != pending.enrolment_id]
    entries.append(pending)
    settings_store.set_value(session, PENDING_KEY, [p.to_json_obj() for p in entries])

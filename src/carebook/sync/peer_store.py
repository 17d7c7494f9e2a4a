"""Sync bookkeeping per peer: acknowledgement counters and the ranges of a sender's log
received here (tables of :mod:`carebook.model.sync_state`), on top of the trust store
(:mod:`carebook.sync.trust_store`: pinned peers, issued enrolments, this village's proof).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carebook.model.sync_state import SyncPeer, SyncReceivedRange
from carebook.sync import trust_store
from carebook.sync.aggregates import table_of
from carebook.sync.enrolment import EnrolmentProof, PendingEnrolment
from carebook.sync.peers import Peer


def counters(session: Session, peer: Peer) -> SyncPeer:
    """The acknowledgement counters of ``peer`` (a :class:`SyncPeer` row, made on first use and
    kept in step with the pinned peer's role, code, name, keys and retirement)."""
    row = session.get(SyncPeer, peer.installation_id)
    if row is None:
        row = SyncPeer(installation_id=peer.installation_id, acked_to=0, received_to=0)
        session.add(row)
    row.role, row.code, row.name = peer.role, peer.code, peer.name
    row.signing_public_key = peer.signing_public_key.hex()
    row.encryption_public_key = peer.encryption_public_key.hex()
    row.pinned_at = peer.pinned_at
    row.enrolment_id = peer.enrolment_id
    row.retired = peer.retired
    session.flush()
    return row


def pin_peer(session: Session, peer: Peer) -> SyncPeer:
    """Pin ``peer`` in the trust store (:func:`carebook.sync.trust_store.pin_peer`, which retires
    an earlier PC of the same unit) and bring every counters row in step; returns its row."""
    for pinned in trust_store.pin_peer(session, peer):
        if pinned.installation_id == peer.installation_id or not pinned.retired:
            continue  # pinning changes no other peer but by retiring it (an earlier PC of the same unit)
        existing: SyncPeer | None = session.get(SyncPeer, pinned.installation_id)
        if existing is not None and not existing.retired:
            counters(session, pinned)
    return counters(session, peer)


def active_peers(session: Session) -> list[Peer]:
    """The pinned peers that are not retired, by code."""
    return sorted((p for p in trust_store.load_peers(session) if not p.retired),
                  key=lambda p: (p.code, p.installation_id))


def known_peers(session: Session) -> list[Peer]:
    """Every pinned peer (retired ones included: the container refuses them)."""
    return trust_store.load_peers(session)


def save_pending_enrolment(session: Session, pending: PendingEnrolment) -> None:
    """Store (or update) an enrolment this township issued, secret included."""
    trust_store.save_pending_enrolment(session, pending)


def pending_enrolments(session: Session) -> list[PendingEnrolment]:
    """Every enrolment this township issued."""
    return trust_store.load_pending_enrolments(session)


def save_own_proof(session: Session, proof: EnrolmentProof | None) -> None:
    """Keep (or with ``None`` drop) this village's enrolment proof, sent until the township
    has answered."""
    trust_store.save_own_enrolment_proof(session, proof)


def own_proof(session: Session) -> EnrolmentProof | None:
    """This village's enrolment proof while the township has not answered yet."""
    return trust_store.load_own_enrolment_proof(session)


def add_received_range(session: Session, sender_id: str, seq_from: int, seq_to: int) -> tuple[int, list[tuple[int, int]]]:
    """Record that positions ``seq_from..seq_to`` of ``sender_id``'s log were received; merge
    overlapping and adjacent ranges. Returns the contiguous high-water mark from position 1 and
    the missing ranges below the highest received position (the gaps)."""
    table = table_of(SyncReceivedRange)
    ranges = [(a, b) for a, b in session.execute(
        select(table.c.seq_from, table.c.seq_to).where(table.c.sender_id == sender_id))]
    ranges.append((seq_from, seq_to))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for a, b in ranges:
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    session.execute(delete(table).where(table.c.sender_id == sender_id))
    session.execute(table.insert(), [{"sender_id": sender_id, "seq_from": a, "seq_to": b} for a, b in merged])
    return _summary(merged)


def received_summary(session: Session, sender_id: str, *, highest: bool = False) -> tuple[int, list[tuple[int, int]]]:
    """Contiguous high-water mark and gaps of ``sender_id``'s log received here; with
    ``highest``, the highest position received at all (gaps ignored) instead of the mark."""
    table = table_of(SyncReceivedRange)
    ranges = sorted((a, b) for a, b in session.execute(
        select(table.c.seq_from, table.c.seq_to).where(table.c.sender_id == sender_id)))
    if highest:
        return (max((b for _a, b in ranges), default=0), [])
    return _summary(ranges)


def _summary(ranges: list[tuple[int, int]]) -> tuple[int, list[tuple[int, int]]]:
    high = 0
    gaps: list[tuple[int, int]] = []
    expected = 1
    for a, b in ranges:
        if a > expected:
            gaps.append((expected, a - 1))
        elif not gaps:
            high = b
        expected = b + 1
    return high, gaps


def utc_now_seconds() -> datetime:
    """Now in UTC, whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)

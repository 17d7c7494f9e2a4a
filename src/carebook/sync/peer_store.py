"""Persisting pinned peers, issued enrolments, this village's enrolment proof, and the ranges of a
sender's log received here, in the encrypted register (tables of
:mod:`carebook.model.sync_state`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.sync_state import SyncEnrolment, SyncPeer, SyncReceivedRange
from carebook.sync.aggregates import table_of
from carebook.sync.enrolment import EnrolmentProof, PendingEnrolment
from carebook.sync.peers import Peer

PROOF_KEY = "sync_enrolment_proof"


def peer_from_row(row: SyncPeer) -> Peer:
    """A :class:`Peer` from its stored row."""
    return Peer(
        installation_id=row.installation_id, role=row.role,  # type: ignore[arg-type]
        code=row.code, name=row.name, signing_public_key=bytes.fromhex(row.signing_public_key),
        encryption_public_key=bytes.fromhex(row.encryption_public_key), pinned_at=row.pinned_at,
        enrolment_id=row.enrolment_id, retired=row.retired,
    )


def pin_peer(session: Session, peer: Peer) -> SyncPeer:
    """Store (or refresh the keys of) a pinned peer; returns its row."""
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


def peer_rows(session: Session, *, active_only: bool = True) -> list[SyncPeer]:
    """Pinned peers (active ones only by default), by code."""
    stmt = select(SyncPeer).order_by(SyncPeer.code, SyncPeer.installation_id)
    if active_only:
        stmt = stmt.where(SyncPeer.retired.is_(False))
    return list(session.scalars(stmt))


def known_peers(session: Session) -> list[Peer]:
    """Every pinned peer as :class:`Peer` (retired ones included: the container refuses them)."""
    return [peer_from_row(r) for r in peer_rows(session, active_only=False)]


def save_pending_enrolment(session: Session, pending: PendingEnrolment) -> None:
    """Store (or update) an enrolment this township issued, secret included."""
    row = session.get(SyncEnrolment, pending.enrolment_id)
    if row is None:
        row = SyncEnrolment(enrolment_id=pending.enrolment_id)
        session.add(row)
    row.village_code, row.village_name = pending.village_code, pending.village_name
    row.secret = pending.secret.hex()
    row.created_at, row.expires_at = pending.created_at, pending.expires_at
    row.used_at, row.used_by_installation_id = pending.used_at, pending.used_by_installation_id
    session.flush()


def pending_enrolments(session: Session) -> list[PendingEnrolment]:
    """Every enrolment this township issued."""
    return [
        PendingEnrolment(
            enrolment_id=r.enrolment_id, village_code=r.village_code, village_name=r.village_name,
            secret=bytes.fromhex(r.secret), created_at=r.created_at, expires_at=r.expires_at,
            used_at=r.used_at, used_by_installation_id=r.used_by_installation_id,
        )
        for r in session.scalars(select(SyncEnrolment))
    ]


def save_own_proof(session: Session, proof: EnrolmentProof | None) -> None:
    """Keep (or with ``None`` drop) this village's enrolment proof, sent until the township
    has answered."""
    settings_store.set_value(session, PROOF_KEY, proof.to_json_obj() if proof else None)


def own_proof(session: Session) -> EnrolmentProof | None:
    """This village's enrolment proof while the township has not answered yet."""
    data = settings_store.get_value(session, PROOF_KEY)
    return EnrolmentProof.from_json_obj(data) if data else None


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


def received_summary(session: Session, sender_id: str) -> tuple[int, list[tuple[int, int]]]:
    """Contiguous high-water mark and gaps of ``sender_id``'s log received here."""
    table = table_of(SyncReceivedRange)
    ranges = sorted((a, b) for a, b in session.execute(
        select(table.c.seq_from, table.c.seq_to).where(table.c.sender_id == sender_id)))
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

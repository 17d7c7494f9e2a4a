"""Where an installation keeps its pinned peers and the enrolments it has issued, until the
register has tables for them: two local (never synced) settings in the encrypted register.

* ``sync.peers``: the :class:`~carebook.sync.peers.Peer` list (public keys only);
* ``sync.pending_enrolments``: the township's :class:`~carebook.sync.enrolment.PendingEnrolment`
  list, one-time secrets included — which is why it lives only inside the SQLCipher-encrypted
  register (as protected as the children's records) and is never exported;
* ``sync.own_enrolment_proof``: on a village, the :class:`~carebook.sync.enrolment.EnrolmentProof`
  its bundles carry until the township has answered (not a secret: an HMAC over public keys).

All functions work in the caller's session and transaction, so pinning a village and marking its
enrolment used commit together with the import of its first bundle. The parsed lists are kept in
the session (``session.info``) with the exact stored text they came from, and parsed again only
when that text changes (a folder of 30 first bundles reads both lists about 90 times: the parse,
keys and times checked, was a tenth of such an import's fixed cost). They live no longer than the
session, secrets included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.sync.enrolment import (
    EnrolmentFile,
    EnrolmentProof,
    PendingEnrolment,
    make_enrolment_proof,
    township_peer,
)
from carebook.sync.errors import EnrolmentWrongVillageError
from carebook.sync.identity import InstallationKeys, SecretStore, ensure_installation_keys
from carebook.sync.peers import Peer

PEERS_KEY = "sync.peers"
PENDING_KEY = "sync.pending_enrolments"
OWN_PROOF_KEY = "sync.own_enrolment_proof"

_CACHE = "carebook.trust_store"
T = TypeVar("T")


def _load(session: Session, key: str, parse: Callable[[Any], T]) -> list[T]:
    """The list stored under ``key``, each item parsed by ``parse``; remembered in the session
    with its stored text (see the module docstring). Raises what ``parse`` raises."""
    text = settings_store.get_text(session, key)
    if text is None:
        return []
    cache: dict[str, tuple[str, tuple[Any, ...]]] = session.info.setdefault(_CACHE, {})
    hit = cache.get(key)
    if hit is not None and hit[0] == text:
        return list(hit[1])
    items = tuple(parse(item) for item in json.loads(text))
    cache[key] = (text, items)
    return list(items)


def _store(session: Session, key: str, items: Sequence[Any], obj: Callable[[Any], Any]) -> None:
    """Store ``items`` (each written by ``obj``) under ``key`` and remember them with the text."""
    text = settings_store.set_value(session, key, [obj(item) for item in items])
    session.info.setdefault(_CACHE, {})[key] = (text, tuple(items))


def load_peers(session: Session) -> list[Peer]:
    """The pinned peers (active and retired). Raises ValueError if the stored value is damaged."""
    return _load(session, PEERS_KEY, Peer.from_json_obj)


def save_peers(session: Session, peers: Iterable[Peer]) -> None:
    """Replace the stored peer list."""
    _store(session, PEERS_KEY, list(peers), Peer.to_json_obj)


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
    return _load(session, PENDING_KEY, PendingEnrolment.from_json_obj)


def save_pending_enrolment(session: Session, pending: PendingEnrolment) -> None:
    """Add ``pending`` or replace the entry with the same enrolment id."""
    entries = [p for p in load_pending_enrolments(session) if p.enrolment_id != pending.enrolment_id]
    entries.append(pending)
    _store(session, PENDING_KEY, entries, PendingEnrolment.to_json_obj)


def start_village_from_enrolment(
    session: Session,
    store: SecretStore,
    *,
    installation_id: str,
    village_code: str,
    enrolment: EnrolmentFile,
) -> tuple[InstallationKeys, Peer]:
    """On a village PC (``carebook init --enrolment FILE``, the first-run wizard): make or load
    this installation's keys, pin the township from the file, and keep the enrolment proof that
    the village's bundles carry until the township answers. Returns the keys and the township.

    ``enrolment`` comes from :func:`carebook.sync.enrolment.read_enrolment_file` (which checked
    the code and the expiry). Raises EnrolmentWrongVillageError when the file was made for
    another village code. Works in the caller's transaction; show both fingerprints afterwards.
    """
    if enrolment.village_code != village_code:
        raise EnrolmentWrongVillageError(
            f"{enrolment.village_name}（{enrolment.village_code}）", village_code
        )
    keys = ensure_installation_keys(store, installation_id)
    township = township_peer(enrolment)
    pin_peer(session, township)
    save_own_enrolment_proof(session, make_enrolment_proof(enrolment, keys))
    return keys, township


def load_own_enrolment_proof(session: Session) -> EnrolmentProof | None:
    """The proof to put in this village's bundles, or None once the township has answered."""
    value = settings_store.get_value(session, OWN_PROOF_KEY)
    return None if value is None else EnrolmentProof.from_json_obj(value)


def save_own_enrolment_proof(session: Session, proof: EnrolmentProof | None) -> None:
    """Keep (or with None, drop) the proof. The change layer drops it when the first bundle
    from the township has been imported: that bundle shows the township pinned this PC."""
    settings_store.set_value(session, OWN_PROOF_KEY, None if proof is None else proof.to_json_obj())

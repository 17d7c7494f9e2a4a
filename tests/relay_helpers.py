"""Keys, a relay store and sealed bundles for the relay tests (synthetic; no register needed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from carebook.sync.bundle_format import seal_bundle
from carebook.sync.identity import InstallationKeys
from carebook.sync.peers import Peer
from carebook.sync.relay_auth import sign_enrolled_keys
from carebook.sync.relay_store import RelayLimits, RelayStore

TOWNSHIP_CODE = "610402100"


@dataclass
class RelayWorld:
    """A township, three villages (keys only), their pinned peers and a relay store that trusts
    the township and holds its published list (serial 1)."""

    base: Path
    store: RelayStore
    township: InstallationKeys
    villages: list[InstallationKeys]
    peers: list[Peer]


def village_peer(keys: InstallationKeys, i: int) -> Peer:
    """The township's pin of village ``i``."""
    pub = keys.public()
    return Peer(pub.installation_id, "village", f"{TOWNSHIP_CODE}{201 + i:03d}", f"第{i + 1}村",
                pub.signing_public_key, pub.encryption_public_key, datetime.now(UTC).replace(microsecond=0))


def make_world(base: Path, *, villages: int = 3, limits: RelayLimits | None = None) -> Iterator[RelayWorld]:
    """Build a :class:`RelayWorld` in ``base`` (a generator, usable as a fixture body)."""
    township = InstallationKeys.generate()
    vkeys = [InstallationKeys.generate() for _ in range(villages)]
    peers = [village_peer(k, i) for i, k in enumerate(vkeys)]
    store = RelayStore(base / "relay", limits)
    store.add_anchor(township.public().signing_public_key)
    member = store.township_member(township.public().signing_public_key)
    assert member is not None
    store.publish_keys(sign_enrolled_keys(township, township_code=TOWNSHIP_CODE, villages=peers, serial=1), member)
    yield RelayWorld(base, store, township, vkeys, peers)


def sealed_for(sender: InstallationKeys, recipient: InstallationKeys, *, size: int) -> bytes:
    """A real sealed bundle from ``sender`` to ``recipient`` with ``size`` random payload bytes
    (random, so compression keeps it about that large)."""
    return seal_bundle(os.urandom(size), sender=sender, sender_code=TOWNSHIP_CODE, recipient=recipient.public(),
                       seq_from=1, seq_to=1, counts={"changes": 1}, schema_version="0002_sync_state",
                       acks={}).data

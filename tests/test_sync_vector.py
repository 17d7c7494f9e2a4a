"""The published test vector of ``docs/bundle-format.md``: a complete bundle made from fixed keys
and a fixed HPKE ephemeral key, stored as ``tests/data/sync/vector-1.cbk``.

Readers in other languages can check themselves against it; this test checks that Carebook's
reader opens it and that the vector still follows from its documented inputs.
Regenerate (only when the format changes) with ``python tests/test_sync_vector.py``.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from carebook.sync.bundle_format import MAGIC, BundleHeader, hpke_info, open_bundle, parse_container
from carebook.sync.canonical_json import canonical_dumps
from carebook.sync.identity import InstallationKeys
from carebook.sync.peers import Peer
from test_sync_hpke import _reference_open, _reference_seal

VECTOR = Path(__file__).parent / "data" / "sync" / "vector-1.cbk"
PAYLOAD = canonical_dumps(
    {"changes": [{"entity": "child", "field": "name", "new": "张小明", "origin_seq": 1}]}
)


def _seed(label: str) -> bytes:
    """32 fixed bytes: SHA-256 of "carebook test vector 1 <label>"."""
    return hashlib.sha256(f"carebook test vector 1 {label}".encode()).digest()


def _keys(who: str, installation_id: str) -> InstallationKeys:
    return InstallationKeys(
        installation_id=installation_id,
        signing_key=ed25519.Ed25519PrivateKey.from_private_bytes(_seed(f"{who} ed25519")),
        encryption_key=x25519.X25519PrivateKey.from_private_bytes(_seed(f"{who} x25519")),
    )


SENDER = _keys("sender", "11111111-1111-4111-8111-111111111111")
RECIPIENT = _keys("recipient", "22222222-2222-4222-8222-222222222222")
EPHEMERAL = _seed("ephemeral x25519")


def vector_header() -> BundleHeader:
    """The header of the vector."""
    return BundleHeader(
        bundle_id="33333333-3333-4333-8333-333333333333",
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        sender_installation_id=SENDER.installation_id,
        sender_code="330102001203",
        sender_signing_key_id=SENDER.public().signing_key_id,
        recipient_installation_id=RECIPIENT.installation_id,
        recipient_encryption_key_id=RECIPIENT.public().encryption_key_id,
        seq_from=1,
        seq_to=1,
        counts={"changes": 1},
        schema_version="0001_initial",
        payload_sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        payload_size=len(PAYLOAD),
        compression="zlib",
        acks={},
    )


def build_vector() -> bytes:
    """Rebuild the vector from its inputs (the HPKE ephemeral key fixed, through the reference
    RFC 9180 implementation in test_sync_hpke.py)."""
    header_bytes = canonical_dumps(vector_header().to_json_obj())
    prefix = MAGIC + struct.pack(">HI", 1, len(header_bytes)) + header_bytes
    recipient_public = RECIPIENT.public().encryption_public_key
    sealed = _reference_seal(
        EPHEMERAL, recipient_public, hpke_info(prefix), b"", zlib.compress(PAYLOAD, 9), 2, 32
    )
    signed = prefix + struct.pack(">Q", len(sealed)) + sealed
    return signed + SENDER.signing_key.sign(signed)


def _sender_peer() -> Peer:
    public = SENDER.public()
    return Peer(
        installation_id=public.installation_id,
        role="village",
        code="330102001203",
        name="翠苑一村",
        signing_public_key=public.signing_public_key,
        encryption_public_key=public.encryption_public_key,
        pinned_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_carebook_opens_the_published_vector() -> None:
    data = VECTOR.read_bytes()
    opened = open_bundle(data, my_keys=RECIPIENT, known_peers=[_sender_peer()])
    assert opened.payload == PAYLOAD
    assert opened.header == vector_header()


def test_the_vector_follows_from_its_inputs() -> None:
    data = VECTOR.read_bytes()
    raw = parse_container(data)
    compressed = _reference_open(
        RECIPIENT.encryption_key.private_bytes_raw(),
        raw.ciphertext,
        hpke_info(data[: 14 + len(raw.header_bytes)]),
        2,
        32,
    )
    assert zlib.decompress(compressed) == PAYLOAD
    if zlib.compress(PAYLOAD, 9) == compressed:  # same deflate output on this zlib build
        assert build_vector() == data


if __name__ == "__main__":
    VECTOR.parent.mkdir(parents=True, exist_ok=True)
    VECTOR.write_bytes(build_vector())
    print(VECTOR, len(VECTOR.read_bytes()), hashlib.sha256(VECTOR.read_bytes()).hexdigest())

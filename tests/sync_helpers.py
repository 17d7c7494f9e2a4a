"""Shared set-up for the sync tests: a township and a village that have completed enrolment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from carebook.sync.bundle_format import Compression, SealedBundle, seal_bundle
from carebook.sync.enrolment import (
    EnrolmentFile,
    create_enrolment,
    make_enrolment_proof,
    township_peer,
    village_peer,
)
from carebook.sync.identity import InstallationKeys
from carebook.sync.peers import Peer

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
TOWNSHIP_CODE = "330102001"
VILLAGE_CODE = "330102001203"

# Synthetic payload: what change capture will put there (opaque bytes to the container).
PAYLOAD = (
    '{"changes":[{"entity":"child","field":"name","new":"张小明","origin_seq":1},'
    '{"entity":"child","field":"guardian","new":"李秀英","origin_seq":2}]}'
).encode() * 20


@dataclass(frozen=True)
class World:
    """A township and a village with each other's keys pinned."""

    township: InstallationKeys
    village: InstallationKeys
    enrolment: EnrolmentFile
    township_as_peer: Peer  # pinned by the village
    village_as_peer: Peer  # pinned by the township


def make_world() -> World:
    """Fresh keys for a township and a village, enrolment done."""
    township = InstallationKeys.generate()
    village = InstallationKeys.generate()
    enrolment = create_enrolment(
        township,
        township_code=TOWNSHIP_CODE,
        township_name="西湖街道",
        village_code=VILLAGE_CODE,
        village_name="翠苑一村",
        now=NOW,
    )
    proof = make_enrolment_proof(enrolment, village)
    return World(
        township=township,
        village=village,
        enrolment=enrolment,
        township_as_peer=township_peer(enrolment, now=NOW),
        village_as_peer=village_peer(proof, enrolment.pending(), now=NOW),
    )


def seal_from_village(
    world: World,
    payload: bytes = PAYLOAD,
    *,
    compression: Compression = "zlib",
    acks: dict[str, Any] | None = None,
    seq: tuple[int, int] | None = (1, 40),
) -> SealedBundle:
    """A bundle from the village to the township."""
    return seal_bundle(
        payload,
        sender=world.village,
        sender_code=VILLAGE_CODE,
        recipient=world.township_as_peer,
        seq_from=None if seq is None else seq[0],
        seq_to=None if seq is None else seq[1],
        counts={"changes": 40, "attachments": 0},
        schema_version="0001_initial",
        acks=acks if acks is not None else {"township_seq": 17},
        compression=compression,
        created_at=NOW,
    )

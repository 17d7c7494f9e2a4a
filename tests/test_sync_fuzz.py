"""Hypothesis: whatever bytes arrive on a USB stick, reading them only ever raises the documented
bundle errors (``BundleError`` subclasses), never anything else, and never accepts a changed file."""

from __future__ import annotations

import contextlib
import json
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.sync.bundle_format import MAGIC, inspect_bytes, open_bundle
from carebook.sync.bundle_parts import PART_MAGIC, join_parts, split_bundle
from carebook.sync.errors import BundleError
from sync_helpers import PAYLOAD, make_world, seal_from_village

WORLD = make_world()
SEALED = seal_from_village(WORLD)
DATA = SEALED.data
PARTS = split_bundle(DATA, SEALED.header.bundle_id, 300)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _attempt(data: bytes) -> bytes | None:
    """Open the bytes as the township; None when refused with a documented error."""
    with contextlib.suppress(BundleError):
        inspect_bytes(data, known_peers=[WORLD.village_as_peer])
    try:
        return open_bundle(data, my_keys=WORLD.township, known_peers=[WORLD.village_as_peer]).payload
    except BundleError:
        return None


@FAST
@given(st.binary(max_size=600))
def test_arbitrary_bytes(data: bytes) -> None:
    assert _attempt(data) is None
    assert _attempt(MAGIC + data) is None
    assert _attempt(MAGIC + b"\x00\x01" + data) is None


@FAST
@given(
    st.lists(
        st.tuples(st.integers(0, len(DATA) - 1), st.integers(1, 255)),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    )
)
def test_flipped_bytes_are_always_refused(flips: list[tuple[int, int]]) -> None:
    data = bytearray(DATA)
    for offset, mask in flips:
        data[offset] ^= mask
    assert _attempt(bytes(data)) is None


@FAST
@given(st.integers(0, len(DATA) - 1), st.binary(min_size=1, max_size=40), st.booleans())
def test_cut_or_inserted_bytes_are_always_refused(at: int, extra: bytes, insert: bool) -> None:
    data = DATA[:at] + extra + DATA[at:] if insert else DATA[:at] + DATA[at + len(extra) :]
    assert _attempt(data) is None


def _json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=40)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    )


_FIELDS = ["format", "bundle_id", "created_at", "sender", "recipient", "seq", "counts", "schema_version",
           "payload", "acks", "enrolment"]  # fmt: skip


@FAST
@given(st.dictionaries(st.sampled_from(_FIELDS), _json_values(), min_size=1, max_size=3), st.booleans())
def test_validly_signed_but_malformed_headers_are_refused_cleanly(
    changes: dict[str, Any], drop: bool
) -> None:
    """A pinned (or compromised) sender signing nonsense headers still only meets BundleErrors."""
    header = json.loads(json.dumps(SEALED.header.to_json_obj()))
    for name, value in changes.items():
        if drop:
            header.pop(name, None)
        else:
            header[name] = value
    header_bytes = json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    old_header_length = struct.unpack_from(">I", DATA, len(MAGIC) + 2)[0]
    payload_part = DATA[len(MAGIC) + 6 + old_header_length : -64]  # payload length + ciphertext
    signed = MAGIC + struct.pack(">HI", 1, len(header_bytes)) + header_bytes + payload_part
    data = signed + WORLD.village.signing_key.sign(signed)
    result = _attempt(data)
    assert result is None or result == PAYLOAD


@FAST
@given(
    st.permutations(range(len(PARTS))),
    st.integers(0, len(PARTS) - 1),
    st.integers(0, 299),
    st.integers(1, 255),
)
def test_parts_shuffled_join_and_damaged_parts_are_refused(
    order: list[int], which: int, offset: int, mask: int
) -> None:
    assert join_parts([PARTS[i] for i in order]) == DATA
    damaged = list(PARTS)
    part = bytearray(damaged[which])
    part[offset % len(part)] ^= mask
    damaged[which] = bytes(part)
    try:
        joined = join_parts(damaged)
    except BundleError:
        return
    assert _attempt(joined) is None


@FAST
@given(st.binary(max_size=200))
def test_arbitrary_part_bytes(data: bytes) -> None:
    with contextlib.suppress(BundleError):
        join_parts([PART_MAGIC + data])

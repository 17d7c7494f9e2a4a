"""Splitting a bundle larger than FAT32 allows into part files, and joining them back.

FAT32 cannot hold a file of 4 GiB or more, and many USB sticks are FAT32. A bundle whose file
would exceed ``part_size`` (default 4 GiB − 1) is written as parts ``<base>.part001.cbk`` …
``<base>.partNNN.cbk`` (at most 999). Each part carries its own small manifest header, so
the parts are self-describing and no separate manifest file can go missing::

    magic        8   89 43 42 50 0D 0A 1A 0A   ("\\x89CBP\\r\\n\\x1a\\n")
    version      2   u16 = 1
    bundle_id   16   the bundle's UUID, 16 raw bytes
    index        2   u16, 1-based
    count        2   u16, number of parts
    offset       8   u64, where this slice starts in the whole bundle
    total        8   u64, length of the whole bundle
    sha256      32   SHA-256 of the whole bundle
    slice            the bundle's bytes [offset, offset + len(slice))

Joining checks every part header against the others, that no part is missing, that the slices
tile the bundle exactly, and the whole bundle's SHA-256; the joined bytes then go through the
normal bundle checks (signature and all).
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from carebook.sync.errors import (
    CorruptBundleError,
    MissingPartsError,
    NewerFormatError,
    NotABundleError,
    PartsMismatchError,
    TruncatedBundleError,
)

PART_MAGIC = b"\x89CBP\r\n\x1a\n"
PART_FORMAT_VERSION = 1
_PART_HEADER = struct.Struct(">8sH16sHHQQ32s")
PART_HEADER_LENGTH = _PART_HEADER.size  # 78
MAX_PARTS = 999


@dataclass(frozen=True)
class PartInfo:
    """The manifest header of one part file (分卷信息)."""

    bundle_id: str
    index: int
    count: int
    offset: int
    total: int
    sha256: bytes
    slice: bytes


def is_part(data: bytes) -> bool:
    """True when the bytes start with the part-file magic."""
    return data[: len(PART_MAGIC)] == PART_MAGIC


def split_bundle(data: bytes, bundle_id: str, part_size: int) -> list[bytes]:
    """Split a whole bundle into part files of at most ``part_size`` bytes each (header included).

    Raises ValueError when ``part_size`` leaves no room for data or more than 999 parts are needed.
    """
    room = part_size - PART_HEADER_LENGTH
    if room <= 0:
        raise ValueError("part size too small")
    count = max(1, -(-len(data) // room))
    if count > MAX_PARTS:
        raise ValueError(f"{count} parts needed; at most {MAX_PARTS}")
    digest = hashlib.sha256(data).digest()
    raw_id = uuid.UUID(bundle_id).bytes
    parts = []
    for i in range(count):
        offset = i * room
        head = _PART_HEADER.pack(
            PART_MAGIC, PART_FORMAT_VERSION, raw_id, i + 1, count, offset, len(data), digest
        )
        parts.append(head + data[offset : offset + room])
    return parts


def parse_part(data: bytes) -> PartInfo:
    """Read one part's header. Raises NotABundleError, NewerFormatError, TruncatedBundleError,
    CorruptBundleError."""
    if not is_part(data):
        raise NotABundleError()
    if len(data) < PART_HEADER_LENGTH:
        raise TruncatedBundleError(None, len(data))
    _, version, raw_id, index, count, offset, total, digest = _PART_HEADER.unpack_from(data)
    if version > PART_FORMAT_VERSION:
        raise NewerFormatError(version, PART_FORMAT_VERSION)
    if version < 1 or not (1 <= index <= count <= MAX_PARTS):
        raise CorruptBundleError("part header")
    return PartInfo(
        str(uuid.UUID(bytes=raw_id)), index, count, offset, total, digest, data[PART_HEADER_LENGTH:]
    )


def join_parts(parts: Sequence[bytes]) -> bytes:
    """Join part files (any order, duplicates allowed) into the whole bundle.

    Raises PartsMismatchError (parts of different bundles, or disagreeing headers),
    MissingPartsError (listing the missing part numbers), TruncatedBundleError (a part shorter
    than its place needs), CorruptBundleError (overlong part, or the joined SHA-256 differs).
    """
    infos = [parse_part(p) for p in parts]
    if not infos:
        raise MissingPartsError([1], 1)
    first = infos[0]
    by_index: dict[int, PartInfo] = {}
    for info in infos:
        if (info.bundle_id, info.count, info.total, info.sha256) != (
            first.bundle_id,
            first.count,
            first.total,
            first.sha256,
        ):
            raise PartsMismatchError("bundle id / count / total differ")
        previous = by_index.get(info.index)
        if previous is not None and previous != info:
            raise PartsMismatchError(f"two different copies of part {info.index}")
        by_index[info.index] = info
    missing = [i for i in range(1, first.count + 1) if i not in by_index]
    if missing:
        raise MissingPartsError(missing, first.count)
    joined = bytearray()
    for i in range(1, first.count + 1):
        info = by_index[i]
        if info.offset != len(joined):
            raise PartsMismatchError(f"part {i} offset")
        joined += info.slice
        expected_end = first.total if i == first.count else by_index[i + 1].offset
        if len(joined) < expected_end:
            raise TruncatedBundleError(first.total, len(joined))
        if len(joined) > expected_end:
            raise CorruptBundleError(f"part {i} too long")
    if hashlib.sha256(joined).digest() != first.sha256:
        raise CorruptBundleError("joined parts fail their SHA-256")
    return bytes(joined)

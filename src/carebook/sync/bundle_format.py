"""The bundle container: a signed cleartext header and an HPKE-encrypted payload, in one file.

Layout (all integers big-endian; full write-up with field list, verification order and errors in
``docs/bundle-format.md``)::

    magic          8   89 43 42 4B 0D 0A 1A 0A    ("\\x89CBK\\r\\n\\x1a\\n")
    version        2   u16 = 1
    header_length  4   u32, at most 1 MiB
    header             canonical JSON (UTF-8), see BundleHeader
    payload_length 8   u64
    payload            HPKE enc (32) || AEAD ciphertext of the compressed payload
    signature     64   Ed25519 (RFC 8032) over every byte before it

Payload: the caller's opaque bytes, compressed (zlib RFC 1950 or xz/LZMA2), then encrypted in HPKE
base mode, single shot (RFC 9180 §6.1), suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
AES-256-GCM (ids 0x0020/0x0001/0x0002), to the recipient's X25519 key, with
``info = "carebook bundle v1" || 0x00 || SHA-256(magic..header)`` so the header cannot be swapped.
HPKE comes from ``cryptography``'s native implementation (no primitive invented here).

This module works on bytes; :mod:`carebook.sync.bundle_files` reads and writes files and parts.
"""

from __future__ import annotations

import functools
import hashlib
import lzma
import re
import struct
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.hpke import Suite

from carebook.sync.canonical_json import CanonicalJsonError, canonical_dumps, strict_loads
from carebook.sync.enrolment import EnrolmentProof, PendingEnrolment, verify_enrolment_proof, village_peer
from carebook.sync.errors import (
    CorruptBundleError,
    DecryptionError,
    EnrolmentProofInvalidError,
    NewerFormatError,
    NotABundleError,
    PayloadCorruptError,
    SenderRetiredError,
    SignatureInvalidError,
    TruncatedBundleError,
    UnknownSenderError,
    WrongRecipientError,
)
from carebook.sync.identity import InstallationKeys, PublicIdentity, key_id
from carebook.sync.peers import Peer, find_peer_by_signing_key_id, format_utc, parse_utc

MAGIC = b"\x89CBK\r\n\x1a\n"
FORMAT_VERSION = 1
MAX_HEADER_LENGTH = 1024 * 1024
SIGNATURE_LENGTH = 64
PREFIX_LENGTH = len(MAGIC) + 2 + 4  # magic, version, header length
INFO_LABEL = b"carebook bundle v1\x00"
HPKE_SUITE_IDS = {"mode": 0, "kem": 0x0020, "kdf": 0x0001, "aead": 0x0002}
ENC_LENGTH = 32
AEAD_TAG_LENGTH = 16

Compression = Literal["zlib", "lzma"]
COMPRESSIONS: tuple[Compression, ...] = ("zlib", "lzma")

_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


@functools.cache
def _suite() -> Suite:
    """The HPKE suite X25519 / HKDF-SHA256 / AES-256-GCM (``cryptography``'s ``hpke.Suite``),
    imported on first use so that starting the app does not load HPKE (issue 9, fast start)."""
    from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

    return Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)


@dataclass(frozen=True)
class BundleHeader:
    """The cleartext, signed header of a bundle (同步包头). Readable without any key.

    ``seq_from``/``seq_to``: the sender's sequence range carried (both None for a bundle that
    carries only acknowledgements). ``counts``: caller-defined tallies (e.g. ``{"changes": 120,
    "attachments": 3}``). ``acks``: the caller's acknowledgement of the peer's changes, an opaque
    JSON object. ``payload_sha256``/``payload_size``: SHA-256 (hex) and length in bytes of the
    payload before compression. ``enrolment``: present until the recipient has pinned the sender.
    """

    bundle_id: str
    created_at: datetime
    sender_installation_id: str
    sender_code: str
    sender_signing_key_id: str
    recipient_installation_id: str
    recipient_encryption_key_id: str
    seq_from: int | None
    seq_to: int | None
    counts: Mapping[str, int]
    schema_version: str
    payload_sha256: str
    payload_size: int
    compression: Compression
    acks: Mapping[str, Any]
    enrolment: EnrolmentProof | None = None
    format: int = FORMAT_VERSION

    def to_json_obj(self) -> dict[str, Any]:
        """The header as written (see ``docs/bundle-format.md`` "Header fields")."""
        return {
            "format": self.format,
            "bundle_id": self.bundle_id,
            "created_at": format_utc(self.created_at),
            "sender": {
                "installation_id": self.sender_installation_id,
                "code": self.sender_code,
                "signing_key_id": self.sender_signing_key_id,
            },
            "recipient": {
                "installation_id": self.recipient_installation_id,
                "encryption_key_id": self.recipient_encryption_key_id,
            },
            "seq": {"from": self.seq_from, "to": self.seq_to},
            "counts": dict(self.counts),
            "schema_version": self.schema_version,
            "payload": {
                "sha256": self.payload_sha256,
                "size": self.payload_size,
                "compression": self.compression,
                "hpke": dict(HPKE_SUITE_IDS),
            },
            "acks": dict(self.acks),
            "enrolment": None if self.enrolment is None else self.enrolment.to_json_obj(),
        }

    @classmethod
    def from_json_obj(cls, obj: Any) -> BundleHeader:
        """Validate and build a header; raises ValueError naming the first bad field. Unknown
        fields are ignored (they are signed, and may be added without a format change)."""
        if not isinstance(obj, dict):
            raise ValueError("header is not an object")
        sender, recipient, seq, payload = (_obj(obj, k) for k in ("sender", "recipient", "seq", "payload"))
        seq_from, seq_to = _opt_count(seq, "from"), _opt_count(seq, "to")
        if (seq_from is None) != (seq_to is None) or (
            seq_from is not None and seq_to is not None and seq_from > seq_to
        ):
            raise ValueError("seq range")
        counts = _obj(obj, "counts")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values()):
            raise ValueError("counts")
        if payload.get("hpke") != HPKE_SUITE_IDS:
            raise ValueError("payload.hpke suite")
        compression = payload.get("compression")
        if compression not in COMPRESSIONS:
            raise ValueError("payload.compression")
        enrolment_obj = obj.get("enrolment")
        return cls(
            format=_count(obj, "format"),
            bundle_id=_uuid(obj, "bundle_id"),
            created_at=parse_utc(_text(obj, "created_at")),
            sender_installation_id=_uuid(sender, "installation_id"),
            sender_code=_text(sender, "code"),
            sender_signing_key_id=_hex(sender, "signing_key_id", _HEX32),
            recipient_installation_id=_uuid(recipient, "installation_id"),
            recipient_encryption_key_id=_hex(recipient, "encryption_key_id", _HEX32),
            seq_from=seq_from,
            seq_to=seq_to,
            counts=counts,
            schema_version=_text(obj, "schema_version"),
            payload_sha256=_hex(payload, "sha256", _HEX64),
            payload_size=_count(payload, "size"),
            compression=compression,
            acks=_obj(obj, "acks"),
            enrolment=None if enrolment_obj is None else EnrolmentProof.from_json_obj(enrolment_obj),
        )


@dataclass(frozen=True)
class SealedBundle:
    """A bundle ready to write: its header and the complete file bytes."""

    header: BundleHeader
    data: bytes


@dataclass(frozen=True)
class OpenedBundle:
    """A bundle that passed every check: its header, the decrypted payload (the sender's opaque
    bytes) and the pinned sender. ``newly_enrolled`` is set when the bundle's enrolment proof
    was accepted: the caller must pin ``sender`` and persist ``newly_enrolled`` (marked used)
    in the same transaction as the import."""

    header: BundleHeader
    payload: bytes
    sender: Peer
    newly_enrolled: PendingEnrolment | None = None


@dataclass(frozen=True)
class RawBundle:
    """A bundle split into its parts, structure checked but nothing verified yet."""

    version: int
    header: BundleHeader
    header_bytes: bytes
    ciphertext: bytes
    signed: bytes = field(repr=False)
    signature: bytes


def seal_bundle(
    payload: bytes,
    *,
    sender: InstallationKeys,
    sender_code: str,
    recipient: Peer | PublicIdentity,
    seq_from: int | None,
    seq_to: int | None,
    counts: Mapping[str, int],
    schema_version: str,
    acks: Mapping[str, Any],
    enrolment: EnrolmentProof | None = None,
    compression: Compression = "zlib",
    bundle_id: str | None = None,
    created_at: datetime | None = None,
) -> SealedBundle:
    """Compress, encrypt to ``recipient``, sign with ``sender``; return the whole file's bytes.

    ``payload`` is the caller's opaque bytes (change records and attachments). Raises ValueError
    for an inconsistent header (bad sequence range, non-JSON acks, unknown compression).
    """
    me = sender.public()
    recipient_key = recipient.encryption_public_key
    header = BundleHeader(
        bundle_id=bundle_id or str(uuid.uuid4()),
        created_at=(created_at or datetime.now(UTC)).replace(microsecond=0),
        sender_installation_id=me.installation_id,
        sender_code=sender_code,
        sender_signing_key_id=me.signing_key_id,
        recipient_installation_id=recipient.installation_id,
        recipient_encryption_key_id=key_id(recipient_key),
        seq_from=seq_from,
        seq_to=seq_to,
        counts=dict(counts),
        schema_version=schema_version,
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        payload_size=len(payload),
        compression=compression,
        acks=dict(acks),
        enrolment=enrolment,
    )
    try:
        header_bytes = canonical_dumps(header.to_json_obj())
        BundleHeader.from_json_obj(strict_loads(header_bytes))  # the writer obeys the reader's rules
    except CanonicalJsonError as exc:
        raise ValueError(f"header cannot be written: {exc}") from exc
    return SealedBundle(
        header, encode_container(header_bytes, compress(payload, compression), sender, recipient_key)
    )


def encode_container(
    header_bytes: bytes, compressed_payload: bytes, sender: InstallationKeys, recipient_key: bytes
) -> bytes:
    """Lay out a bundle from an already serialised header and compressed payload (exposed for
    test vectors and fault tests; :func:`seal_bundle` is the normal way in)."""
    if len(header_bytes) > MAX_HEADER_LENGTH:
        raise ValueError("header too long")
    prefix = MAGIC + struct.pack(">HI", FORMAT_VERSION, len(header_bytes)) + header_bytes
    public_key = x25519.X25519PublicKey.from_public_bytes(recipient_key)
    ciphertext = _suite().encrypt(compressed_payload, public_key, info=hpke_info(prefix))
    signed = prefix + struct.pack(">Q", len(ciphertext)) + ciphertext
    return signed + sender.signing_key.sign(signed)


def hpke_info(prefix: bytes) -> bytes:
    """HPKE ``info`` binding the header: ``"carebook bundle v1" || 0x00 || SHA-256(prefix)``, where
    ``prefix`` is the file from the magic to the end of the header."""
    return INFO_LABEL + hashlib.sha256(prefix).digest()


def compress(data: bytes, method: Compression) -> bytes:
    """Compress with zlib (RFC 1950, level 9) or xz (LZMA2, preset 6)."""
    if method == "zlib":
        return zlib.compress(data, 9)
    if method == "lzma":
        return lzma.compress(data, format=lzma.FORMAT_XZ, preset=6)
    raise ValueError(f"unknown compression {method!r}")


def decompress(data: bytes, method: Compression, expected_size: int) -> bytes:
    """Decompress, producing at most ``expected_size`` bytes (a bomb stops there); raises
    PayloadCorruptError when the stream is broken or its length differs from ``expected_size``."""
    try:
        if method == "zlib":
            z = zlib.decompressobj()
            out = z.decompress(data, expected_size + 1)
            complete = z.eof and not z.unconsumed_tail and not z.unused_data
        else:
            x = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
            out = x.decompress(data, expected_size + 1)
            complete = x.eof and not x.unused_data
    except (zlib.error, lzma.LZMAError) as exc:
        raise PayloadCorruptError("decompression") from exc
    if not complete or len(out) != expected_size:
        raise PayloadCorruptError("size")
    return out


def parse_container(data: bytes) -> RawBundle:
    """Check magic, version and lengths, and parse the header; verify nothing cryptographic.

    Raises, in this order: NotABundleError (wrong magic), TruncatedBundleError (shorter than
    its lengths say, including an empty file), NewerFormatError (version > 1),
    CorruptBundleError (version 0, header over 1 MiB, bytes after the signature, a header that
    is not canonical-JSON-valid or lacks a field, header format ≠ binary version).
    """
    if len(data) < len(MAGIC):
        if MAGIC.startswith(data):
            raise TruncatedBundleError(None, len(data))
        raise NotABundleError()
    if data[: len(MAGIC)] != MAGIC:
        raise NotABundleError()
    if len(data) < PREFIX_LENGTH:
        raise TruncatedBundleError(None, len(data))
    version, header_length = struct.unpack_from(">HI", data, len(MAGIC))
    if version > FORMAT_VERSION:
        raise NewerFormatError(version, FORMAT_VERSION)
    if version < 1:
        raise CorruptBundleError("format version 0")
    if header_length > MAX_HEADER_LENGTH:
        raise CorruptBundleError("header length")
    header_end = PREFIX_LENGTH + header_length
    if len(data) < header_end + 8:
        raise TruncatedBundleError(None, len(data))
    (payload_length,) = struct.unpack_from(">Q", data, header_end)
    payload_end = header_end + 8 + payload_length
    total = payload_end + SIGNATURE_LENGTH
    if len(data) < total:
        raise TruncatedBundleError(total, len(data))
    if len(data) > total:
        raise CorruptBundleError("bytes after the signature")
    if payload_length < ENC_LENGTH + AEAD_TAG_LENGTH:
        raise CorruptBundleError("payload length")
    header_bytes = data[PREFIX_LENGTH:header_end]
    try:
        header = BundleHeader.from_json_obj(strict_loads(header_bytes))
    except (CanonicalJsonError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptBundleError(f"header: {str(exc)[:60]}") from exc
    if header.format != version:
        raise CorruptBundleError("header format differs from file version")
    return RawBundle(
        version=version,
        header=header,
        header_bytes=header_bytes,
        ciphertext=data[header_end + 8 : payload_end],
        signed=data[:payload_end],
        signature=data[payload_end:],
    )


def signature_valid(raw: RawBundle, signing_public_key: bytes) -> bool:
    """True when the Ed25519 signature verifies under the raw 32-byte public key."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(signing_public_key).verify(raw.signature, raw.signed)
    except (InvalidSignature, ValueError):
        return False
    return True


def open_bundle(
    data: bytes,
    *,
    my_keys: InstallationKeys,
    known_peers: Iterable[Peer],
    pending_enrolments: Iterable[PendingEnrolment] = (),
    now: datetime | None = None,
) -> OpenedBundle:
    """Verify and decrypt a whole bundle held in memory. Nothing is changed anywhere.

    Order (each failure its own error, see ``docs/bundle-format.md`` "Verification order"):
    structure (:func:`parse_container`); sender lookup among active ``known_peers`` by signing
    key id — if not found: WrongRecipientError when the bundle is not addressed to this
    installation either, else SenderRetiredError when a retired pin (a replaced PC) has that key
    and the signature verifies under it, else the enrolment proof path (signature under the key carried in
    the header, then :func:`verify_enrolment_proof` against ``pending_enrolments``), else
    UnknownSenderError; signature (SignatureInvalidError); recipient key id is mine
    (WrongRecipientError); HPKE decryption (DecryptionError); decompression within the
    declared size and SHA-256 (PayloadCorruptError).
    """
    raw = parse_container(data)
    header = raw.header
    me = my_keys.public()
    addressed_to_me = header.recipient_encryption_key_id == me.encryption_key_id
    peers = list(known_peers)
    sender = find_peer_by_signing_key_id(peers, header.sender_signing_key_id)
    newly_enrolled: PendingEnrolment | None = None
    if sender is None:
        if not addressed_to_me:
            raise WrongRecipientError(header.recipient_encryption_key_id)
        retired = next((p for p in peers if p.retired and p.signing_key_id == header.sender_signing_key_id), None)
        if retired is not None:  # a replaced PC (docs/bundle-format.md 6, step 8c)
            if not signature_valid(raw, retired.signing_public_key):
                raise SignatureInvalidError()
            raise SenderRetiredError(retired.code, retired.name)
        proof = header.enrolment
        pending = list(pending_enrolments)
        if proof is None or not pending:
            raise UnknownSenderError(header.sender_signing_key_id, header.sender_code)
        if (
            key_id(proof.signing_public_key) != header.sender_signing_key_id
            or proof.installation_id != header.sender_installation_id
        ):
            raise EnrolmentProofInvalidError()
        if not signature_valid(raw, proof.signing_public_key):
            raise SignatureInvalidError()
        newly_enrolled = verify_enrolment_proof(proof, pending, bundle_created_at=header.created_at,
                                                pinned=peers)
        sender = village_peer(proof, newly_enrolled, now=now)
    else:
        if not signature_valid(raw, sender.signing_public_key):
            raise SignatureInvalidError()
        if header.sender_installation_id != sender.installation_id:
            raise CorruptBundleError("sender installation id differs from the pinned one")
    if not addressed_to_me:
        raise WrongRecipientError(header.recipient_encryption_key_id)
    try:
        prefix = raw.signed[: PREFIX_LENGTH + len(raw.header_bytes)]
        compressed = _suite().decrypt(raw.ciphertext, my_keys.encryption_key, info=hpke_info(prefix))
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError() from exc
    payload = decompress(compressed, header.compression, header.payload_size)
    if hashlib.sha256(payload).hexdigest() != header.payload_sha256:
        raise PayloadCorruptError("SHA-256")
    if newly_enrolled is not None:
        newly_enrolled = newly_enrolled.mark_used(
            sender.installation_id, (now or datetime.now(UTC)).replace(microsecond=0)
        )
    return OpenedBundle(header=header, payload=payload, sender=sender, newly_enrolled=newly_enrolled)


SignatureStatus = Literal["valid", "valid_enrolment_key", "invalid", "unknown_sender", "retired"]


@dataclass(frozen=True)
class InspectedBundle:
    """What ``carebook bundle inspect`` shows: the header, the file's total size in bytes, and
    the signature status — ``valid`` (pinned sender, or this installation itself),
    ``valid_enrolment_key`` (valid under the key carried in an enrolment proof, not yet
    pinned), ``invalid``, ``unknown_sender`` (no key to check it with), or ``retired`` (valid
    under the key of a replaced PC, whose bundles are refused)."""

    header: BundleHeader
    size: int
    signature: SignatureStatus
    sender: Peer | None

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready summary for ``--json`` output."""
        return {
            "header": self.header.to_json_obj(),
            "size": self.size,
            "signature": self.signature,
            "sender": None if self.sender is None else self.sender.to_json_obj(),
        }


def inspect_bytes(
    data: bytes, *, known_peers: Iterable[Peer] = (), own: PublicIdentity | None = None
) -> InspectedBundle:
    """Parse the header and check the signature without decrypting anything.

    Structural problems raise as in :func:`parse_container`; signature problems are reported in
    the result, not raised. ``own`` lets an installation check bundles it wrote itself.
    """
    raw = parse_container(data)
    header = raw.header
    known_peers = list(known_peers)
    sender = find_peer_by_signing_key_id(known_peers, header.sender_signing_key_id)
    status: SignatureStatus
    if sender is not None:
        status = "valid" if signature_valid(raw, sender.signing_public_key) else "invalid"
    elif (retired := next((p for p in known_peers if p.retired and p.signing_key_id == header.sender_signing_key_id),
                          None)) is not None:
        status = "retired" if signature_valid(raw, retired.signing_public_key) else "invalid"
        sender = retired
    elif own is not None and own.signing_key_id == header.sender_signing_key_id:
        status = "valid" if signature_valid(raw, own.signing_public_key) else "invalid"
    elif (
        header.enrolment is not None
        and key_id(header.enrolment.signing_public_key) == header.sender_signing_key_id
    ):
        status = (
            "valid_enrolment_key" if signature_valid(raw, header.enrolment.signing_public_key) else "invalid"
        )
    else:
        status = "unknown_sender"
    return InspectedBundle(header=header, size=len(data), signature=status, sender=sender)


def _obj(obj: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = obj[name]
    if not isinstance(value, dict):
        raise ValueError(name)
    return value


def _text(obj: Mapping[str, Any], name: str) -> str:
    value = obj[name]
    if not isinstance(value, str):
        raise ValueError(name)
    return value


def _count(obj: Mapping[str, Any], name: str) -> int:
    value = obj[name]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(name)
    return value


def _opt_count(obj: Mapping[str, Any], name: str) -> int | None:
    return None if obj.get(name) is None else _count(obj, name)


def _uuid(obj: Mapping[str, Any], name: str) -> str:
    text = _text(obj, name)
    if str(uuid.UUID(text)) != text:
        raise ValueError(name)
    return text


def _hex(obj: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    text = _text(obj, name)
    if not pattern.fullmatch(text):
        raise ValueError(name)
    return text

"""Enrolment files: how a township introduces a village PC and pins its keys.

1. The supervisor runs ``carebook enrol create``: :func:`create_enrolment` makes an
   :class:`EnrolmentFile` (township keys and ids, township code/name, village code/name, a one-time
   32-byte secret, an expiry) and the township keeps a :class:`PendingEnrolment` with the same secret
   (store it in the encrypted register or with ``store_secret``: it is a secret).
2. The file travels on the USB stick, ideally sealed with a 12-digit code that the supervisor reads
   out by phone (:func:`encode_enrolment` with ``code``; scrypt RFC 7914 + AES-256-GCM). It must be
   deleted from the stick after use.
3. The village starts from it (``carebook init --enrolment FILE``): it pins the township
   (:func:`township_peer`) and puts an :class:`EnrolmentProof` (HMAC-SHA256, RFC 2104, of its own
   public keys under the secret) in every bundle until it has received one from the township.
4. The township's bundle reader checks the proof with :func:`verify_enrolment_proof`, pins the
   village's keys and marks the enrolment used (:meth:`PendingEnrolment.mark_used`): one village PC
   per file.

A village has one working PC. An ordinary enrolment is refused for a village that already has an
active (not retired) pin — when the file is made (:func:`check_enrolment_request`,
:class:`VillageAlreadyEnrolledError`) and again when its proof arrives
(:class:`SecondVillagePcError`): only a replacement enrolment (更换电脑, ``enrol create
--replace``, :mod:`carebook.sync.restore`) retires a village's PC. A file is also refused for a
code already enrolled under another village name (:class:`VillageNameMismatchError`).

Byte-level details are in ``docs/bundle-format.md`` ("Enrolment").
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from carebook.sync.canonical_json import CanonicalJsonError, canonical_dumps, strict_loads
from carebook.sync.errors import (
    BundleError,
    EnrolmentAlreadyUsedError,
    EnrolmentCodeRequiredError,
    EnrolmentCodeWrongError,
    EnrolmentError,
    EnrolmentExpiredError,
    EnrolmentFileInvalidError,
    EnrolmentProofInvalidError,
    EnrolmentUnknownError,
)
from carebook.sync.identity import InstallationKeys, key_id
from carebook.sync.peers import Peer, format_utc, parse_utc

PLAIN_TYPE = "carebook-enrolment"
SEALED_TYPE = "carebook-enrolment-sealed"
PROOF_LABEL = b"carebook enrolment proof v1\x00"
DEFAULT_VALIDITY = timedelta(days=14)
#: scrypt cost used when sealing (N=2**16, r=8: 64 MiB, about 0.2 s on an old PC).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1
_MAX_SCRYPT_N, _MAX_SCRYPT_R, _MAX_SCRYPT_P = 2**20, 16, 4
_MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
CODE_DIGITS = 12


class VillageAlreadyEnrolledError(EnrolmentError):
    """An ordinary enrolment file asked for a village that already has an active enrolled PC
    (该村已有登记在用的电脑): making it would, once used, retire the working PC and strand its
    unsent work. Only a replacement enrolment (更换电脑重新登记) retires a village's PC."""

    def __init__(self, village_name: str, village_code: str, *, desktop: bool = False) -> None:
        self.village_code = village_code
        how_zh = ("请在“已登记的村”表里选中该村，点“更换电脑重新登记”" if desktop
                  else "请改用 carebook enrol create --replace（更换电脑重新登记）")
        how_en = ("select the village in the table of enrolled villages and choose 'Re-enrol a replaced PC'"
                  if desktop else "use 'carebook enrol create --replace' (re-enrol a replaced PC)")
        super().__init__(
            f"{village_name}（{village_code}）已经有一台登记在用的电脑，没有制作登记文件。"
            f"如果那台电脑丢失、损坏或已更换，{how_zh}。",
            f"{village_name} ({village_code}) already has an enrolled PC in use; no enrolment file was made. "
            f"If that PC was lost, broken or replaced, {how_en}.",
        )


class VillageNameMismatchError(EnrolmentError):
    """The village code is enrolled here under another name (村代码已登记为另一个村名)."""

    def __init__(self, village_code: str, enrolled_name: str, given_name: str) -> None:
        self.village_code = village_code
        self.enrolled_name = enrolled_name
        super().__init__(
            f"村代码 {village_code} 在本乡镇登记的村名是“{enrolled_name}”，不是“{given_name}”，没有制作登记文件。"
            "请核对村代码和村名后重试。",
            f"Village code {village_code} is enrolled here as '{enrolled_name}', not '{given_name}'; no "
            "enrolment file was made. Check the village code and name and try again.",
        )


class SecondVillagePcError(EnrolmentError, BundleError):
    """A bundle proves an ordinary (not replacement) enrolment for a village that already has an
    active enrolled PC (该村已有登记在用的电脑): accepting it would retire the working PC, so it is
    refused and nothing changes."""

    def __init__(self, village_name: str, village_code: str) -> None:
        self.village_code = village_code
        super().__init__(
            f"这个同步包来自 {village_name}（{village_code}）的另一台电脑，但该村已有一台登记在用的电脑，"
            "为免停用那台电脑，已拒绝导入，没有改动任何数据。如果该村确实换了电脑，请用“更换电脑重新登记”"
            "（carebook enrol create --replace）制作新的登记文件，让新电脑用它重新初始化。",
            f"This bundle comes from another PC of {village_name} ({village_code}), but the village already "
            "has an enrolled PC in use; so as not to retire that PC it was refused and nothing was imported. "
            "If the village really replaced its PC, make a replacement enrolment file ('carebook enrol "
            "create --replace', 'Re-enrol a replaced PC') and start the new PC from it.",
        )


@dataclass(frozen=True)
class EnrolmentFile:
    """The contents of an enrolment file (村登记文件), made by the township for one village.

    ``township_signing_public_key``/``township_encryption_public_key`` are raw 32-byte Ed25519 /
    X25519 keys; ``secret`` is 32 random bytes used once; times are aware UTC datetimes.
    """

    enrolment_id: str
    township_installation_id: str
    township_code: str
    township_name: str
    township_signing_public_key: bytes
    township_encryption_public_key: bytes
    village_code: str
    village_name: str
    secret: bytes = field(repr=False)
    created_at: datetime
    expires_at: datetime
    replacement: bool = False

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready dict; the ``secret`` is included (hex): treat the result as secret.
        ``"replacement": true`` is written only for a replaced village PC (更换电脑)."""
        extra: dict[str, Any] = {"replacement": True} if self.replacement else {}
        return {
            **extra,
            "type": PLAIN_TYPE,
            "v": 1,
            "enrolment_id": self.enrolment_id,
            "township": {
                "installation_id": self.township_installation_id,
                "code": self.township_code,
                "name": self.township_name,
                "signing_public_key": self.township_signing_public_key.hex(),
                "encryption_public_key": self.township_encryption_public_key.hex(),
                "signing_key_id": key_id(self.township_signing_public_key),
                "encryption_key_id": key_id(self.township_encryption_public_key),
            },
            "village": {"code": self.village_code, "name": self.village_name},
            "secret": self.secret.hex(),
            "created_at": format_utc(self.created_at),
            "expires_at": format_utc(self.expires_at),
        }

    @classmethod
    def from_json_obj(cls, obj: Any) -> EnrolmentFile:
        """Inverse of :meth:`to_json_obj`. Raises EnrolmentFileInvalidError."""
        try:
            if not isinstance(obj, dict) or obj.get("type") != PLAIN_TYPE or obj.get("v") != 1:
                raise ValueError("not a version-1 enrolment")
            town, village = obj["township"], obj["village"]
            result = cls(
                enrolment_id=str(uuid.UUID(obj["enrolment_id"])),
                township_installation_id=str(uuid.UUID(town["installation_id"])),
                township_code=_text(town["code"]),
                township_name=_text(town["name"]),
                township_signing_public_key=_raw32(town["signing_public_key"]),
                township_encryption_public_key=_raw32(town["encryption_public_key"]),
                village_code=_text(village["code"]),
                village_name=_text(village["name"]),
                secret=_raw32(obj["secret"]),
                created_at=parse_utc(obj["created_at"]),
                expires_at=parse_utc(obj["expires_at"]),
                replacement=obj.get("replacement", False) is True,
            )
            if town.get("signing_key_id") != key_id(result.township_signing_public_key) or town.get(
                "encryption_key_id"
            ) != key_id(result.township_encryption_public_key):
                raise ValueError("key id does not match key")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise EnrolmentFileInvalidError(str(exc)[:80]) from exc
        return result

    def pending(self) -> PendingEnrolment:
        """The township's own record of this enrolment (kept until the village's proof arrives)."""
        return PendingEnrolment(
            enrolment_id=self.enrolment_id,
            village_code=self.village_code,
            village_name=self.village_name,
            secret=self.secret,
            created_at=self.created_at,
            expires_at=self.expires_at,
            replacement=self.replacement,
        )


@dataclass(frozen=True)
class PendingEnrolment:
    """The township's record of an enrolment it issued (待确认的村登记).

    ``secret`` is the one-time secret (32 bytes): persist it only in the encrypted register or
    with ``store_secret``. ``used_at``/``used_by_installation_id`` are set once a village PC has
    proved it; the enrolment then accepts no other PC. ``replaces`` lists the installation ids
    of the village's earlier PCs that this enrolment replaces (retired when it was issued; see
    :mod:`carebook.sync.restore`); empty for a first enrolment. ``replacement`` is True for a
    replacement enrolment (its file has ``"replacement": true``).
    """

    enrolment_id: str
    village_code: str
    village_name: str
    secret: bytes = field(repr=False)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by_installation_id: str | None = None
    replaces: tuple[str, ...] = ()
    replacement: bool = False

    @property
    def is_replacement(self) -> bool:
        """True for a replacement enrolment (更换电脑): the only kind whose PC may retire the
        village's earlier PC when it is pinned."""
        return self.replacement or bool(self.replaces)

    def mark_used(self, installation_id: str, at: datetime) -> PendingEnrolment:
        """Return a copy marked used by ``installation_id`` at ``at`` (UTC)."""
        return replace(self, used_at=at, used_by_installation_id=installation_id)

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready dict, secret in hex: treat as secret."""
        return {
            "enrolment_id": self.enrolment_id,
            "village_code": self.village_code,
            "village_name": self.village_name,
            "secret": self.secret.hex(),
            "created_at": format_utc(self.created_at),
            "expires_at": format_utc(self.expires_at),
            "used_at": None if self.used_at is None else format_utc(self.used_at),
            "used_by_installation_id": self.used_by_installation_id,
            "replaces": list(self.replaces),
            "replacement": self.replacement,
        }

    @classmethod
    def from_json_obj(cls, obj: Any) -> PendingEnrolment:
        """Inverse of :meth:`to_json_obj`. Raises ValueError on malformed input."""
        try:
            return cls(
                enrolment_id=str(uuid.UUID(obj["enrolment_id"])),
                village_code=_text(obj["village_code"]),
                village_name=_text(obj["village_name"]),
                secret=_raw32(obj["secret"]),
                created_at=parse_utc(obj["created_at"]),
                expires_at=parse_utc(obj["expires_at"]),
                used_at=None if obj.get("used_at") is None else parse_utc(obj["used_at"]),
                used_by_installation_id=obj.get("used_by_installation_id"),
                replaces=tuple(str(uuid.UUID(i)) for i in obj.get("replaces") or ()),
                replacement=obj.get("replacement", False) is True,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed pending enrolment: {exc}") from exc


@dataclass(frozen=True)
class EnrolmentProof:
    """What a village's bundles carry until the township has pinned it (登记证明).

    ``proof`` = HMAC-SHA256(secret, "carebook enrolment proof v1" 0x00 || enrolment_id || 0x00 ||
    installation_id || 0x00 || Ed25519 public key || X25519 public key), ids as ASCII.
    """

    enrolment_id: str
    installation_id: str
    village_code: str
    signing_public_key: bytes
    encryption_public_key: bytes
    proof: bytes

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready dict for the bundle header's ``enrolment`` field (keys and proof in hex)."""
        return {
            "enrolment_id": self.enrolment_id,
            "installation_id": self.installation_id,
            "village_code": self.village_code,
            "signing_public_key": self.signing_public_key.hex(),
            "encryption_public_key": self.encryption_public_key.hex(),
            "proof": self.proof.hex(),
        }

    @classmethod
    def from_json_obj(cls, obj: Any) -> EnrolmentProof:
        """Inverse of :meth:`to_json_obj`. Raises ValueError on malformed input."""
        try:
            return cls(
                enrolment_id=str(uuid.UUID(obj["enrolment_id"])),
                installation_id=str(uuid.UUID(obj["installation_id"])),
                village_code=_text(obj["village_code"]),
                signing_public_key=_raw32(obj["signing_public_key"]),
                encryption_public_key=_raw32(obj["encryption_public_key"]),
                proof=_raw32(obj["proof"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed enrolment proof: {exc}") from exc


def create_enrolment(
    township_keys: InstallationKeys,
    *,
    township_code: str,
    township_name: str,
    village_code: str,
    village_name: str,
    valid_for: timedelta = DEFAULT_VALIDITY,
    now: datetime | None = None,
) -> EnrolmentFile:
    """Make an enrolment file for one village with a fresh one-time secret (``secrets`` module).

    The township persists ``result.pending()`` (secret included) until the village's first bundle.
    """
    created = (now or datetime.now(UTC)).replace(microsecond=0)
    public = township_keys.public()
    return EnrolmentFile(
        enrolment_id=str(uuid.uuid4()),
        township_installation_id=public.installation_id,
        township_code=township_code,
        township_name=township_name,
        township_signing_public_key=public.signing_public_key,
        township_encryption_public_key=public.encryption_public_key,
        village_code=village_code,
        village_name=village_name,
        secret=secrets.token_bytes(32),
        created_at=created,
        expires_at=created + valid_for,
    )


def generate_enrolment_code() -> str:
    """Return a fresh 12-digit code formatted ``"1234-5678-9012"`` (about 40 bits) to seal a file
    with; the supervisor reads it out by phone."""
    digits = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    return "-".join(digits[i : i + 4] for i in range(0, CODE_DIGITS, 4))


def normalise_code(code: str) -> str:
    """Keep only the ASCII digits of a typed code (spaces, dashes and full-width forms allowed)."""
    return "".join(str(unicodedata.decimal(c)) for c in code if unicodedata.decimal(c, None) is not None)


def encode_enrolment(enrolment: EnrolmentFile, code: str | None = None) -> bytes:
    """Return the file bytes: canonical JSON, sealed under ``code`` when one is given.

    Sealed form: scrypt(code digits, 16-byte salt, N, r, p) → 32-byte key; AES-256-GCM (NIST
    SP 800-38D) with a 12-byte random nonce over the plain file bytes, the envelope without its
    ciphertext as associated data.
    """
    plain = canonical_dumps(enrolment.to_json_obj())
    if code is None:
        return plain + b"\n"
    digits = normalise_code(code)
    if len(digits) < 8:
        raise ValueError("an enrolment code needs at least 8 digits")
    salt, nonce = os.urandom(16), os.urandom(12)
    envelope: dict[str, Any] = {
        "type": SEALED_TYPE,
        "v": 1,
        "village": {"code": enrolment.village_code, "name": enrolment.village_name},
        "expires_at": format_utc(enrolment.expires_at),
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()},
        "aead": "AES-256-GCM",
        "nonce": nonce.hex(),
    }
    key = _scrypt(digits, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(key).encrypt(nonce, plain, canonical_dumps(envelope))
    envelope["ciphertext"] = ciphertext.hex()
    return canonical_dumps(envelope) + b"\n"


def decode_enrolment(
    data: bytes, code: str | None = None, *, now: datetime | None = None, check_expiry: bool = True
) -> EnrolmentFile:
    """Parse enrolment file bytes (plain or sealed) and check its expiry.

    Raises EnrolmentFileInvalidError, EnrolmentCodeRequiredError (sealed, no code),
    EnrolmentCodeWrongError, EnrolmentExpiredError.
    """
    try:
        obj = strict_loads(data.strip())
    except CanonicalJsonError as exc:
        raise EnrolmentFileInvalidError(str(exc)) from exc
    if isinstance(obj, dict) and obj.get("type") == SEALED_TYPE:
        obj = _unseal(obj, code)
    enrolment = EnrolmentFile.from_json_obj(obj)
    if check_expiry and (now or datetime.now(UTC)) > enrolment.expires_at:
        raise EnrolmentExpiredError(format_utc(enrolment.expires_at))
    return enrolment


def is_sealed(data: bytes) -> bool:
    """True when the bytes are a code-sealed enrolment file (so the UI asks for the code)."""
    try:
        obj = strict_loads(data.strip())
    except CanonicalJsonError:
        return False
    return isinstance(obj, dict) and obj.get("type") == SEALED_TYPE


def read_enrolment_file(
    path: Path, code: str | None = None, *, now: datetime | None = None, check_expiry: bool = True
) -> EnrolmentFile:
    """Read and decode an enrolment file; errors as :func:`decode_enrolment`, plus
    EnrolmentFileInvalidError when the file cannot be read or is over 64 KiB."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(65537)
    except OSError as exc:
        raise EnrolmentFileInvalidError(exc.strerror or type(exc).__name__) from exc
    if len(data) > 65536:
        raise EnrolmentFileInvalidError("file too large")
    return decode_enrolment(data, code, now=now, check_expiry=check_expiry)


def township_peer(enrolment: EnrolmentFile, *, now: datetime | None = None) -> Peer:
    """The township as a :class:`Peer` for the village to pin at init."""
    return Peer(
        installation_id=enrolment.township_installation_id,
        role="township",
        code=enrolment.township_code,
        name=enrolment.township_name,
        signing_public_key=enrolment.township_signing_public_key,
        encryption_public_key=enrolment.township_encryption_public_key,
        pinned_at=(now or datetime.now(UTC)).replace(microsecond=0),
        enrolment_id=enrolment.enrolment_id,
    )


def proof_message(
    enrolment_id: str, installation_id: str, signing_public_key: bytes, encryption_public_key: bytes
) -> bytes:
    """The bytes the enrolment HMAC covers (see :class:`EnrolmentProof`)."""
    return (
        PROOF_LABEL
        + enrolment_id.encode("ascii")
        + b"\x00"
        + installation_id.encode("ascii")
        + b"\x00"
        + signing_public_key
        + encryption_public_key
    )


def make_enrolment_proof(enrolment: EnrolmentFile, village_keys: InstallationKeys) -> EnrolmentProof:
    """Prove the enrolment's secret for the village's own public keys (HMAC-SHA256, RFC 2104)."""
    public = village_keys.public()
    message = proof_message(
        enrolment.enrolment_id,
        public.installation_id,
        public.signing_public_key,
        public.encryption_public_key,
    )
    return EnrolmentProof(
        enrolment_id=enrolment.enrolment_id,
        installation_id=public.installation_id,
        village_code=enrolment.village_code,
        signing_public_key=public.signing_public_key,
        encryption_public_key=public.encryption_public_key,
        proof=hmac.new(enrolment.secret, message, hashlib.sha256).digest(),
    )


def verify_enrolment_proof(
    proof: EnrolmentProof,
    pending: Iterable[PendingEnrolment],
    *,
    bundle_created_at: datetime,
    pinned: Iterable[Peer] = (),
) -> PendingEnrolment:
    """Check a village's proof against the township's pending enrolments; return the match.

    Rules: the enrolment must have been issued here (EnrolmentUnknownError); the HMAC must verify
    in constant time (EnrolmentProofInvalidError); the bundle must have been made before the
    enrolment expired (EnrolmentExpiredError — its time is signed by the proven key, so only a
    holder of the secret could backdate it); an enrolment already used is refused
    (EnrolmentAlreadyUsedError) — even for the installation that used it: once pinned, its
    bundles are found through the pin, so reaching this point means its pin was retired (a
    replaced or stolen PC) and must not be revived; an ordinary (not replacement) enrolment of a
    village that has an active PC among ``pinned`` (the peers pinned here) is refused
    (SecondVillagePcError): pinning it would retire the working PC. The caller pins the keys and
    persists ``result.mark_used(...)`` in the same transaction as the import.
    """
    match = next((p for p in pending if p.enrolment_id == proof.enrolment_id), None)
    if match is None:
        raise EnrolmentUnknownError(proof.enrolment_id)
    message = proof_message(
        proof.enrolment_id, proof.installation_id, proof.signing_public_key, proof.encryption_public_key
    )
    expected = hmac.new(match.secret, message, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, proof.proof):
        raise EnrolmentProofInvalidError()
    if bundle_created_at > match.expires_at:
        raise EnrolmentExpiredError(format_utc(match.expires_at))
    if match.used_at is not None:
        raise EnrolmentAlreadyUsedError(match.enrolment_id)
    if not match.is_replacement and any(
        p.installation_id != proof.installation_id for p in active_village_pcs(pinned, match.village_code)
    ):
        raise SecondVillagePcError(match.village_name, match.village_code)
    return match


def active_village_pcs(peers: Iterable[Peer], village_code: str) -> list[Peer]:
    """The village's enrolled PCs that are not retired (normally none or one)."""
    return [p for p in peers if _is_village(p) and p.code == village_code and not p.retired]


def enrolled_village_name(peers: Iterable[Peer], village_code: str) -> str | None:
    """The name the village is enrolled under here: its active PC's, else its latest retired
    PC's; None when no PC of the village was ever pinned."""
    village = [p for p in peers if _is_village(p) and p.code == village_code]
    if not village:
        return None
    active = [p for p in village if not p.retired]
    return max(active or village, key=lambda p: p.pinned_at).name


def check_enrolment_request(
    peers: Iterable[Peer], village_code: str, village_name: str, *, replacement: bool, desktop: bool = False
) -> None:
    """The township's check before it makes an enrolment file (``enrol create``, the desktop
    enrolment page), against the peers pinned here (:func:`carebook.sync.trust_store.load_peers`).

    Raises:
        VillageNameMismatchError: the code is enrolled under another village name.
        VillageAlreadyEnrolledError: an ordinary (``replacement`` False) file for a village that
            has an active enrolled PC; ``desktop`` words the way out for the desktop page.
    """
    peers = list(peers)
    enrolled = enrolled_village_name(peers, village_code)
    if enrolled is not None and enrolled != village_name:
        raise VillageNameMismatchError(village_code, enrolled, village_name)
    if not replacement and active_village_pcs(peers, village_code):
        raise VillageAlreadyEnrolledError(village_name, village_code, desktop=desktop)


def _is_village(peer: Peer) -> bool:
    return peer.role == "village"


def village_peer(proof: EnrolmentProof, pending: PendingEnrolment, *, now: datetime | None = None) -> Peer:
    """The village as a :class:`Peer` for the township to pin; code and name come from the
    township's own record, never from the bundle."""
    return Peer(
        installation_id=proof.installation_id,
        role="village",
        code=pending.village_code,
        name=pending.village_name,
        signing_public_key=proof.signing_public_key,
        encryption_public_key=proof.encryption_public_key,
        pinned_at=(now or datetime.now(UTC)).replace(microsecond=0),
        enrolment_id=pending.enrolment_id,
    )


def _unseal(envelope: dict[str, Any], code: str | None) -> Any:
    if code is None or not normalise_code(code):
        raise EnrolmentCodeRequiredError()
    try:
        kdf = envelope["kdf"]
        if kdf.get("name") != "scrypt" or envelope.get("aead") != "AES-256-GCM" or envelope.get("v") != 1:
            raise ValueError("unsupported protection")
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if not (
            2 <= n <= _MAX_SCRYPT_N
            and n & (n - 1) == 0
            and 1 <= r <= _MAX_SCRYPT_R
            and 1 <= p <= _MAX_SCRYPT_P
            and 128 * n * r <= _MAX_SCRYPT_MEMORY
        ):
            raise ValueError("scrypt parameters out of range")
        salt = bytes.fromhex(kdf["salt"])
        nonce = bytes.fromhex(envelope["nonce"])
        ciphertext = bytes.fromhex(envelope["ciphertext"])
        if len(nonce) != 12:
            raise ValueError("bad nonce")
        aad = canonical_dumps({k: v for k, v in envelope.items() if k != "ciphertext"})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise EnrolmentFileInvalidError(str(exc)[:80]) from exc
    key = _scrypt(normalise_code(code), salt, n, r, p)
    try:
        plain = AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise EnrolmentCodeWrongError() from exc
    try:
        return strict_loads(plain)
    except CanonicalJsonError as exc:
        raise EnrolmentFileInvalidError(str(exc)) from exc


def _scrypt(digits: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(digits.encode("ascii"))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _raw32(value: Any) -> bytes:
    raw = bytes.fromhex(_text(value))
    if len(raw) != 32:
        raise ValueError("expected 32 bytes")
    return raw

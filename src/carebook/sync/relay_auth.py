"""Who may talk to the inbox relay: signed requests and the township's signed list of keys.

Request signing (every request except ``GET /v1/health``). The client sends five headers::

    X-Carebook-Key        signing key id of the installation (32 hex digits, see identity.key_id)
    X-Carebook-Time       Unix time in whole seconds (the relay's clock, corrected by the client)
    X-Carebook-Nonce      32 random hex digits, never reused
    X-Carebook-Body-SHA256  SHA-256 of the exact request body (hex; of b"" for no body)
    X-Carebook-Signature  Ed25519 signature (RFC 8032), 128 hex digits, over the signing string

The signing string is UTF-8 text, lines joined by ``\\n``::

    carebook-relay-request-v1
    <METHOD upper case>
    <path, with "?query" when there is one>
    <time>
    <nonce>
    <body sha256>

The relay recomputes the body hash, looks the key up in the enrolled list, checks the signature,
refuses times more than :data:`DEFAULT_WINDOW` seconds from its clock (the answer carries the
relay's time in ``X-Carebook-Time`` so a village PC with a wrong clock corrects itself and
retries) and refuses a nonce seen within the window. Times before the relay started are refused
too, so a request captured before a restart cannot be replayed after it (the nonce cache is in
memory). The scheme follows the shape of HTTP message signatures (RFC 9421) and AWS SigV4 without
their generality.

The enrolled-keys list (登记密钥清单): the township signs, with its own Ed25519 key, the list of
installations allowed to use the relay on its behalf (itself and its pinned villages) and
publishes it to the relay (``PUT /v1/keys``). The relay accepts lists only from township keys it
was configured to trust (``carebook serve --township-key``) and only with a serial above the one
it holds, so an old list cannot be replayed to re-admit a retired PC. Envelope::

    {"keys": <list object>, "signature": <128 hex>}

where the signature covers ``"carebook relay keys v1" || 0x00 || canonical_json(<list object>)``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from carebook.sync.canonical_json import CanonicalJsonError, canonical_dumps, strict_loads
from carebook.sync.identity import InstallationKeys, key_id
from carebook.sync.peers import Peer, format_utc, parse_utc

REQUEST_LABEL = "carebook-relay-request-v1"
KEYS_LABEL = b"carebook relay keys v1\x00"
KEYS_TYPE = "carebook-relay-keys"

HEADER_KEY = "X-Carebook-Key"
HEADER_TIME = "X-Carebook-Time"
HEADER_NONCE = "X-Carebook-Nonce"
HEADER_BODY = "X-Carebook-Body-SHA256"
HEADER_SIGNATURE = "X-Carebook-Signature"

DEFAULT_WINDOW = 300
"""Seconds a signed request stays valid either side of the relay's clock (5 minutes)."""

MAX_NONCES = 200_000
"""Most nonces remembered at once (about 40 MB at worst); older ones fall out by time first."""

_HEX32 = frozenset("0123456789abcdef")


def body_sha256(body: bytes) -> str:
    """SHA-256 of a request body, lower-case hex."""
    return hashlib.sha256(body).hexdigest()


def signing_string(method: str, path: str, timestamp: int, nonce: str, body_hash: str) -> bytes:
    """The bytes an installation signs for one request (see the module docstring)."""
    return "\n".join([REQUEST_LABEL, method.upper(), path, str(timestamp), nonce, body_hash]).encode("utf-8")


def sign_request(
    keys: InstallationKeys, method: str, path: str, body: bytes, *, timestamp: int, nonce: str | None = None
) -> dict[str, str]:
    """Return the five signature headers for a request.

    Args:
        path: the request path with its query string (``/v1/inbox/abc?x=1``), as sent.
        timestamp: Unix seconds on the relay's clock (see :class:`carebook.sync.relay_client.RelayClient`).
        nonce: 32 hex digits; a fresh random one when omitted.
    """
    nonce = nonce or secrets.token_hex(16)
    digest = body_sha256(body)
    signature = keys.signing_key.sign(signing_string(method, path, timestamp, nonce, digest))
    return {
        HEADER_KEY: keys.public().signing_key_id,
        HEADER_TIME: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_BODY: digest,
        HEADER_SIGNATURE: signature.hex(),
    }


class AuthRefused(Exception):
    """A request the relay refuses (not user-facing on the relay side: the client maps ``code``
    to a message). ``status`` is the HTTP status to answer with.

    Codes: ``unsigned`` (headers missing or malformed), ``unknown_key`` (not enrolled),
    ``bad_signature``, ``body_hash`` (body differs from its signed hash), ``clock_skew`` (time
    outside the window), ``replayed`` (nonce seen), ``forbidden`` (enrolled but not allowed).
    """

    def __init__(self, code: str, status: int = 401, detail: str = "") -> None:
        self.code = code
        self.status = status
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


# --------------------------------------------------------------------------- enrolled keys


@dataclass(frozen=True)
class RelayMember:
    """One installation allowed to use the relay (中转站登记的安装): a township or a village PC.

    ``signing_public_key`` is the raw 32-byte Ed25519 key; ``township_key_id`` names the
    township list it comes from.
    """

    installation_id: str
    role: str
    code: str
    signing_public_key: bytes
    township_key_id: str

    @property
    def key_id(self) -> str:
        """Key id of the signing key (32 hex digits)."""
        return key_id(self.signing_public_key)

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready dict (key in hex)."""
        return {
            "installation_id": self.installation_id,
            "role": self.role,
            "code": self.code,
            "signing_public_key": self.signing_public_key.hex(),
        }


@dataclass(frozen=True)
class EnrolledKeys:
    """A township's signed list of installations allowed to use the relay (登记密钥清单).

    ``township`` is the signer itself (role ``township``); ``members`` the villages. ``serial``
    increases with every publication; ``issued_at`` is informative (UTC).
    """

    township: RelayMember
    members: tuple[RelayMember, ...]
    serial: int
    issued_at: datetime

    def all_members(self) -> tuple[RelayMember, ...]:
        """The township followed by its villages."""
        return (self.township, *self.members)

    def to_json_obj(self) -> dict[str, Any]:
        """The signed object (see the module docstring)."""
        return {
            "type": KEYS_TYPE,
            "v": 1,
            "serial": self.serial,
            "issued_at": format_utc(self.issued_at),
            "township": self.township.to_json_obj(),
            "members": [m.to_json_obj() for m in self.members],
        }


class KeysListInvalid(ValueError):
    """An enrolled-keys envelope that is malformed, unsigned, or signed by an untrusted key."""


def _member(obj: Any, township_kid: str) -> RelayMember:
    if not isinstance(obj, dict):
        raise KeysListInvalid("member is not an object")
    try:
        raw = bytes.fromhex(str(obj["signing_public_key"]))
        if len(raw) != 32:
            raise KeysListInvalid("key length")
        return RelayMember(
            installation_id=str(obj["installation_id"]),
            role=str(obj["role"]),
            code=str(obj["code"]),
            signing_public_key=raw,
            township_key_id=township_kid,
        )
    except (KeyError, ValueError) as exc:
        raise KeysListInvalid(f"member: {exc}") from exc


def sign_enrolled_keys(
    keys: InstallationKeys, *, township_code: str, villages: Iterable[Peer], serial: int, issued_at: datetime | None = None
) -> bytes:
    """Make the envelope a township publishes: itself plus every active village peer.

    Args:
        keys: the township's installation keys (the list is signed with its Ed25519 key).
        villages: pinned peers (:func:`carebook.sync.trust_store.load_peers`); retired peers and
            peers whose role is not ``village`` are left out.
        serial: must exceed the serial the relay holds (the relay answers 409 with it otherwise).

    Returns canonical JSON bytes ``{"keys": {...}, "signature": hex}``.
    """
    me = keys.public()
    township_kid = me.signing_key_id
    township = RelayMember(me.installation_id, "township", township_code, me.signing_public_key, township_kid)
    members = tuple(
        RelayMember(p.installation_id, "village", p.code, p.signing_public_key, township_kid)
        for p in villages
        if p.role == "village" and not p.retired
    )
    listing = EnrolledKeys(township, members, serial, (issued_at or datetime.now(UTC)).replace(microsecond=0))
    obj = listing.to_json_obj()
    signature = keys.signing_key.sign(KEYS_LABEL + canonical_dumps(obj))
    return canonical_dumps({"keys": obj, "signature": signature.hex()})


def verify_enrolled_keys(data: bytes, trusted_township_keys: Iterable[bytes]) -> EnrolledKeys:
    """Parse an envelope and check its signature against the township keys the relay trusts.

    Raises:
        KeysListInvalid: malformed, not signed by the township key it names, or that key is not
            among ``trusted_township_keys`` (raw 32-byte Ed25519 keys).
    """
    try:
        envelope = strict_loads(data)
        obj = envelope["keys"]
        signature = bytes.fromhex(str(envelope["signature"]))
    except (CanonicalJsonError, KeyError, TypeError, ValueError) as exc:
        raise KeysListInvalid(f"envelope: {exc}") from exc
    if not isinstance(obj, dict) or obj.get("type") != KEYS_TYPE or obj.get("v") != 1:
        raise KeysListInvalid("not a version-1 relay key list")
    town_obj = obj.get("township")
    if not isinstance(town_obj, dict):
        raise KeysListInvalid("township")
    try:
        town_key = bytes.fromhex(str(town_obj["signing_public_key"]))
    except (KeyError, ValueError) as exc:
        raise KeysListInvalid("township key") from exc
    if town_key not in set(trusted_township_keys):
        raise KeysListInvalid("signed by a township key this relay does not trust")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(town_key).verify(signature, KEYS_LABEL + canonical_dumps(obj))
    except (InvalidSignature, ValueError) as exc:
        raise KeysListInvalid("signature") from exc
    township_kid = key_id(town_key)
    township = _member(town_obj, township_kid)
    if township.role != "township":
        raise KeysListInvalid("township role")
    members = obj.get("members")
    serial = obj.get("serial")
    if not isinstance(members, list) or not isinstance(serial, int) or isinstance(serial, bool) or serial < 0:
        raise KeysListInvalid("members or serial")
    try:
        issued_at = parse_utc(str(obj.get("issued_at")))
    except ValueError as exc:
        raise KeysListInvalid("issued_at") from exc
    return EnrolledKeys(township, tuple(_member(m, township_kid) for m in members), serial, issued_at)


def may_address(sender: RelayMember, recipient_installation_id: str, lists: Iterable[EnrolledKeys]) -> bool:
    """Whether ``sender`` may leave a bundle for ``recipient_installation_id``: both must be in
    the same township's list and one of them must be that township (hub and spoke: a village
    writes only to its township, a township to its own villages)."""
    for listing in lists:
        if listing.township.key_id != sender.township_key_id:
            continue
        ids = {m.installation_id for m in listing.all_members()}
        if recipient_installation_id not in ids or recipient_installation_id == sender.installation_id:
            return False
        return sender.role == "township" or recipient_installation_id == listing.township.installation_id
    return False


# --------------------------------------------------------------------------- verification


class ReplayGuard:
    """Remembers nonces for the replay window and refuses stale or repeated requests.

    Thread-safe. ``started_at`` (Unix seconds): requests stamped earlier are refused, so a
    restart (which empties the cache) cannot reopen the window for captured requests.
    """

    def __init__(self, window: int = DEFAULT_WINDOW, *, started_at: float | None = None,
                 max_nonces: int = MAX_NONCES) -> None:
        self.window = window
        self.started_at = int(started_at if started_at is not None else time.time())
        self.max_nonces = max_nonces
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str, timestamp: int, nonce: str, now: float) -> None:
        """Record ``nonce`` for ``key`` or raise :class:`AuthRefused` (``clock_skew``,
        ``replayed``, or ``busy`` with status 503 when the cache is full of live nonces)."""
        current = int(now)
        if abs(current - timestamp) > self.window or timestamp < self.started_at - 1:
            raise AuthRefused("clock_skew", 401, f"time {timestamp}, relay {current}")
        with self._lock:
            while self._seen:
                (_oldest, stamp) = next(iter(self._seen.items()))
                if stamp >= current - self.window:
                    break
                self._seen.popitem(last=False)
            if (key, nonce) in self._seen:
                raise AuthRefused("replayed", 401)
            if len(self._seen) >= self.max_nonces:
                raise AuthRefused("busy", 503)
            self._seen[(key, nonce)] = max(timestamp, current)


def verify_request(
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    *,
    lookup: Mapping[str, RelayMember],
    guard: ReplayGuard,
    now: float,
) -> RelayMember:
    """Authenticate one request; return the enrolled member who signed it.

    Args:
        headers: the request headers (case-insensitive mapping, e.g. Starlette's).
        lookup: enrolled members by signing key id.

    Raises:
        AuthRefused: see its codes. The nonce is recorded only for a correctly signed request.
    """
    try:
        kid = headers[HEADER_KEY].strip().lower()
        timestamp = int(headers[HEADER_TIME])
        nonce = headers[HEADER_NONCE].strip().lower()
        claimed = headers[HEADER_BODY].strip().lower()
        signature = bytes.fromhex(headers[HEADER_SIGNATURE].strip())
    except (KeyError, ValueError):
        raise AuthRefused("unsigned", 401) from None
    if len(nonce) != 32 or not set(nonce) <= _HEX32 or len(signature) != 64:
        raise AuthRefused("unsigned", 401, "nonce or signature format")
    member = lookup.get(kid)
    if member is None:
        raise AuthRefused("unknown_key", 401)
    if body_sha256(body) != claimed:
        raise AuthRefused("body_hash", 400)
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(member.signing_public_key).verify(
            signature, signing_string(method, path, timestamp, nonce, claimed)
        )
    except InvalidSignature:
        raise AuthRefused("bad_signature", 401) from None
    guard.check(kid, timestamp, nonce, now)
    return member


__all__ = [
    "DEFAULT_WINDOW",
    "HEADER_BODY",
    "HEADER_KEY",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIME",
    "AuthRefused",
    "EnrolledKeys",
    "KeysListInvalid",
    "RelayMember",
    "ReplayGuard",
    "body_sha256",
    "may_address",
    "sign_enrolled_keys",
    "sign_request",
    "signing_string",
    "verify_enrolled_keys",
    "verify_request",
]

"""Pinned peers: the other installations whose keys this one trusts.

A village pins its township from the enrolment file at ``carebook init --enrolment``; a township
pins a village when the village's first bundle proves the enrolment file's one-time secret. Pins
are plain data that the caller persists (a ``peers`` table in the register, or a JSON file via
:func:`peers_to_json`/:func:`peers_from_json`); this module never writes anything itself.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from carebook.sync.canonical_json import CanonicalJsonError, canonical_dumps, strict_loads
from carebook.sync.identity import PublicIdentity, fingerprint, key_id

PeerRole = Literal["township", "village", "county"]
PEER_ROLES: tuple[PeerRole, ...] = ("township", "village", "county")


@dataclass(frozen=True)
class Peer:
    """Another installation whose public keys are pinned here (已登记的对端：乡镇或村).

    ``signing_public_key`` (Ed25519) and ``encryption_public_key`` (X25519) are raw 32 bytes.
    ``code`` is the unit's administrative code (统计用区划代码) and ``name`` its Chinese name.
    ``pinned_at`` is UTC. ``enrolment_id`` names the enrolment that pinned it, if any.
    A ``retired`` peer (a replaced PC) is kept for the record but no longer accepted.
    """

    installation_id: str
    role: PeerRole
    code: str
    name: str
    signing_public_key: bytes
    encryption_public_key: bytes
    pinned_at: datetime
    enrolment_id: str | None = None
    retired: bool = False

    @property
    def signing_key_id(self) -> str:
        """Key id of the Ed25519 key (first 16 bytes of SHA-256, hex)."""
        return key_id(self.signing_public_key)

    @property
    def encryption_key_id(self) -> str:
        """Key id of the X25519 key (first 16 bytes of SHA-256, hex)."""
        return key_id(self.encryption_public_key)

    @property
    def fingerprint(self) -> str:
        """Six groups of five digits to compare by phone."""
        return fingerprint(self.signing_public_key, self.encryption_public_key)

    def public_identity(self) -> PublicIdentity:
        """The peer's keys as a :class:`PublicIdentity`."""
        return PublicIdentity(self.installation_id, self.signing_public_key, self.encryption_public_key)

    def retire(self) -> Peer:
        """Return a copy marked retired (its bundles are refused from then on)."""
        return replace(self, retired=True)

    def to_json_obj(self) -> dict[str, Any]:
        """Return a JSON-ready dict (keys hex-encoded, ``pinned_at`` RFC 3339 UTC)."""
        return {
            "installation_id": self.installation_id,
            "role": self.role,
            "code": self.code,
            "name": self.name,
            "signing_public_key": self.signing_public_key.hex(),
            "encryption_public_key": self.encryption_public_key.hex(),
            "signing_key_id": self.signing_key_id,
            "encryption_key_id": self.encryption_key_id,
            "pinned_at": format_utc(self.pinned_at),
            "enrolment_id": self.enrolment_id,
            "retired": self.retired,
        }

    @classmethod
    def from_json_obj(cls, obj: Any) -> Peer:
        """Inverse of :meth:`to_json_obj`. Raises ValueError on a malformed or inconsistent
        record (e.g. a key id that does not match its key)."""
        if not isinstance(obj, dict):
            raise ValueError("peer must be an object")
        try:
            role = obj["role"]
            if role not in PEER_ROLES:
                raise ValueError(f"unknown role {role!r}")
            peer = cls(
                installation_id=str(uuid.UUID(_str(obj, "installation_id"))),
                role=role,
                code=_str(obj, "code"),
                name=_str(obj, "name"),
                signing_public_key=_key(obj, "signing_public_key"),
                encryption_public_key=_key(obj, "encryption_public_key"),
                pinned_at=parse_utc(_str(obj, "pinned_at")),
                enrolment_id=None if obj.get("enrolment_id") is None else _str(obj, "enrolment_id"),
                retired=bool(obj.get("retired", False)),
            )
        except KeyError as exc:
            raise ValueError(f"missing field {exc}") from exc
        for field in ("signing_key_id", "encryption_key_id"):
            if field in obj and obj[field] != getattr(peer, field):
                raise ValueError(f"{field} does not match its key")
        return peer


def find_peer_by_signing_key_id(peers: Iterable[Peer], signing_key_id: str) -> Peer | None:
    """Return the active (not retired) peer with this Ed25519 key id, or None."""
    for peer in peers:
        if not peer.retired and peer.signing_key_id == signing_key_id:
            return peer
    return None


def peers_to_json(peers: Iterable[Peer]) -> str:
    """Serialise peers as canonical JSON text ``{"peers": [...], "v": 1}``."""
    data = canonical_dumps({"v": 1, "peers": [p.to_json_obj() for p in peers]})
    return data.decode("utf-8")


def peers_from_json(text: str) -> list[Peer]:
    """Inverse of :func:`peers_to_json`. Raises ValueError on malformed input."""
    try:
        obj = strict_loads(text.encode("utf-8"))
    except CanonicalJsonError as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(obj, dict) or obj.get("v") != 1 or not isinstance(obj.get("peers"), list):
        raise ValueError("not a Carebook peer list")
    return [Peer.from_json_obj(item) for item in obj["peers"]]


def format_utc(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 UTC with seconds, e.g. ``2026-11-29T10:55:03Z``.

    Raises ValueError for naive datetimes (their zone is unknown).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    """Parse the form written by :func:`format_utc` (exactly ``YYYY-MM-DDTHH:MM:SSZ``).

    Raises ValueError on any other form.
    """
    if _UTC_FORM.fullmatch(text) is None:
        raise ValueError(f"not an RFC 3339 UTC time: {text!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)  # (a tenth of strptime's time)


_UTC_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _str(obj: dict[str, Any], field: str) -> str:
    value = obj[field]
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string")
    return value


def _key(obj: dict[str, Any], field: str) -> bytes:
    raw = bytes.fromhex(_str(obj, field))
    if len(raw) != 32:
        raise ValueError(f"{field} must be 32 bytes")
    return raw

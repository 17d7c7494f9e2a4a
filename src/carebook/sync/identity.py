"""This installation's sync keys, key ids and phone-comparable fingerprints.

Each installation (one Carebook on one PC) has two key pairs, made once at ``carebook init``:

* an Ed25519 signing key (RFC 8032) that signs every bundle it writes, and
* an X25519 key (RFC 7748) that bundles addressed to it are encrypted to with HPKE (RFC 9180).

The private halves never leave the machine: they are kept as one small secret (name
``sync_identity``) in the data directory's keystore (:class:`carebook.model.keys.Keystore`:
encrypted under a subkey of the database key, which lives in the OS keyring or behind the
passphrase). Public keys, key ids and fingerprints are not secret.

Key id (``docs/bundle-format.md`` "Key ids"): the first 16 bytes of SHA-256 of the raw 32-byte
public key, as 32 lower-case hex digits.

Fingerprint: six groups of five digits derived from SHA-256 of both public keys, read aloud by
phone to check that the keys pinned at the other end are the right ones (after Signal's safety
numbers: each group is a 5-byte big-endian integer modulo 100 000).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from carebook.model.keys import SecretNotFound, SecretsCorrupt
from carebook.sync.errors import IdentityCorruptError, IdentityExistsError, IdentityMissingError

#: Name under which the private keys are kept with ``carebook.model.keys.store_secret``.
SECRET_NAME = "sync_identity"

FINGERPRINT_LABEL = b"carebook fingerprint v1\x00"


def key_id(raw_public_key: bytes) -> str:
    """Return the key id of a raw 32-byte public key: hex of the first 16 bytes of its SHA-256.

    Raises ValueError when the key is not 32 bytes (Ed25519 and X25519 public keys both are).
    """
    if len(raw_public_key) != 32:
        raise ValueError("a raw Ed25519/X25519 public key is 32 bytes")
    return hashlib.sha256(raw_public_key).digest()[:16].hex()


def fingerprint(signing_public_key: bytes, encryption_public_key: bytes) -> str:
    """Return the fingerprint of an installation's two raw public keys, e.g.
    ``"03452 88121 50913 77216 04388 61930"``.

    SHA-256 over ``"carebook fingerprint v1" || 0x00 || Ed25519 key || X25519 key``; bytes 0–29
    taken five at a time as big-endian integers modulo 100 000, each printed as five digits
    (Signal safety-number style). About 100 bits, enough to compare by phone.
    """
    digest = hashlib.sha256(FINGERPRINT_LABEL + signing_public_key + encryption_public_key).digest()
    groups = [int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 30, 5)]
    return " ".join(f"{g:05d}" for g in groups)


@dataclass(frozen=True)
class PublicIdentity:
    """The public half of an installation's keys (本机公钥): safe to print, send and store.

    ``signing_public_key`` and ``encryption_public_key`` are raw 32-byte keys (Ed25519, X25519).
    """

    installation_id: str
    signing_public_key: bytes
    encryption_public_key: bytes

    @property
    def signing_key_id(self) -> str:
        """Key id of the Ed25519 key (32 hex digits)."""
        return key_id(self.signing_public_key)

    @property
    def encryption_key_id(self) -> str:
        """Key id of the X25519 key (32 hex digits)."""
        return key_id(self.encryption_public_key)

    @property
    def fingerprint(self) -> str:
        """Six groups of five digits to compare by phone (see :func:`fingerprint`)."""
        return fingerprint(self.signing_public_key, self.encryption_public_key)


@dataclass(frozen=True)
class InstallationKeys:
    """This installation's private sync keys (本机同步密钥): never printed, never exported.

    ``installation_id`` is a UUID4 string naming this installation in bundle headers.
    """

    installation_id: str
    signing_key: ed25519.Ed25519PrivateKey
    encryption_key: x25519.X25519PrivateKey

    @classmethod
    def generate(cls, installation_id: str | None = None) -> InstallationKeys:
        """Make fresh keys from the OS random source; a new UUID4 when no id is given."""
        return cls(
            installation_id=installation_id or str(uuid.uuid4()),
            signing_key=ed25519.Ed25519PrivateKey.generate(),
            encryption_key=x25519.X25519PrivateKey.generate(),
        )

    def public(self) -> PublicIdentity:
        """Return the public half."""
        return PublicIdentity(
            installation_id=self.installation_id,
            signing_public_key=raw_public(self.signing_key.public_key()),
            encryption_public_key=raw_public(self.encryption_key.public_key()),
        )

    def to_secret_bytes(self) -> bytes:
        """Serialise for :meth:`SecretStore.store_secret`: canonical JSON
        ``{"ed25519": hex32, "installation_id": uuid, "v": 1, "x25519": hex32}`` in UTF-8."""
        obj = {
            "v": 1,
            "installation_id": self.installation_id,
            "ed25519": _raw_private(self.signing_key).hex(),
            "x25519": _raw_private(self.encryption_key).hex(),
        }
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_secret_bytes(cls, data: bytes) -> InstallationKeys:
        """Inverse of :meth:`to_secret_bytes`. Raises IdentityCorruptError on anything else."""
        try:
            obj = json.loads(data.decode("ascii"))
            if not isinstance(obj, dict) or obj.get("v") != 1:
                raise ValueError("unknown key record version")
            installation_id = str(uuid.UUID(str(obj["installation_id"])))
            signing = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(str(obj["ed25519"])))
            encryption = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(str(obj["x25519"])))
        except (ValueError, KeyError, UnicodeDecodeError, TypeError) as exc:
            raise IdentityCorruptError(type(exc).__name__) from exc
        return cls(installation_id=installation_id, signing_key=signing, encryption_key=encryption)


def raw_public(key: ed25519.Ed25519PublicKey | x25519.X25519PublicKey) -> bytes:
    """Return the raw 32-byte encoding of an Ed25519 or X25519 public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key: ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


class SecretStore(Protocol):
    """Where small secrets live: :class:`carebook.model.keys.Keystore` (an unlocked data
    directory) has exactly these two methods."""

    def store_secret(self, name: str, value: bytes) -> None:
        """Store ``value`` under ``name``."""

    def load_secret(self, name: str) -> bytes:
        """Return the value stored under ``name``; raise SecretNotFound when there is none."""


def create_installation_keys(store: SecretStore, installation_id: str) -> InstallationKeys:
    """Generate this installation's keys, store the private halves in ``store``, return them.

    Called once by ``carebook init`` with the installation's id (the change-log origin,
    ``carebook.model.installation.Installation.id``) and the unlocked keystore.
    Raises IdentityExistsError when keys are already stored (new keys would orphan every
    enrolment: a replaced PC is re-enrolled instead).
    """
    if _try_load(store) is not None:
        raise IdentityExistsError()
    keys = InstallationKeys.generate(installation_id)
    store.store_secret(SECRET_NAME, keys.to_secret_bytes())
    return keys


def load_installation_keys(store: SecretStore) -> InstallationKeys:
    """Load this installation's keys from ``store``. Raises IdentityMissingError when none are
    stored and IdentityCorruptError when the stored value is unreadable."""
    data = _try_load(store)
    if data is None:
        raise IdentityMissingError()
    return InstallationKeys.from_secret_bytes(data)


def ensure_installation_keys(store: SecretStore, installation_id: str) -> InstallationKeys:
    """Load this installation's keys, making them first if there are none yet (an installation
    set up before its keys were made at ``init``). Raises IdentityCorruptError when the stored
    keys are unreadable, and IdentityCorruptError too when they belong to another installation id
    (a data directory copied between PCs)."""
    data = _try_load(store)
    if data is None:
        return create_installation_keys(store, installation_id)
    keys = InstallationKeys.from_secret_bytes(data)
    if keys.installation_id != installation_id:
        raise IdentityCorruptError("installation id differs")
    return keys


def _try_load(store: SecretStore) -> bytes | None:
    try:
        return store.load_secret(SECRET_NAME)
    except SecretNotFound:
        return None
    except SecretsCorrupt as exc:
        raise IdentityCorruptError(SECRET_NAME) from exc

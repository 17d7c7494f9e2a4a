"""The recovery key and key rotation (恢复密钥与密钥更换).

A **recovery key** is the way back to the register when the PC dies, the keyring entry is lost
or the passphrase is forgotten. It is printed once on the recovery sheet
(:mod:`carebook.documents.recovery_sheet`) and kept on paper, away from the PC.

Shape: 32 symbols of Crockford's base32 alphabet (``0-9 A-Z`` without ``I L O U``), shown as
eight groups of four, e.g. ``7KQ2-M9XD-…``. The first 30 symbols are random (150 bits from
``secrets``); the last two are a check (the sum of the values modulo 32, which catches every
single wrong symbol, and 5 bits of SHA-256), so a typing mistake is caught before any
decryption is tried. Entry is forgiving: case, spaces, dashes,
full-width characters and the look-alikes ``O``→``0``, ``I``/``L``→``1`` are accepted.

Wrap: the recovery key is turned into an X25519 key pair (HKDF-SHA256, RFC 5869, over the
canonical 30 symbols). ``keyinfo.json`` keeps a third wrap ``{"kind": "recovery", ...}`` next
to the keyring and passphrase wraps: the recovery *public* key and the database key sealed to
it with HPKE (RFC 9180 base mode, X25519 / HKDF-SHA256 / AES-256-GCM, from ``cryptography``).
Because the wrap is public-key, a rotated database key is re-sealed to the same recovery key
without asking for it: the printed sheet stays valid after :func:`rotate_database_key`.

Rotation: :func:`rotate_database_key` makes a new random database key, takes a backup first,
prepares the new ``keyinfo.json`` and ``secrets.json`` in ``<data_dir>/rekey-pending/``,
re-encrypts the register with ``PRAGMA rekey`` (SQLCipher), and then moves the new files into
place. An interruption between the two steps is finished by :func:`finish_interrupted_rekey`
(called by :func:`carebook.model.integrity.recover_from_damage`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import json
import os
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from carebook.model.command_name import CLI

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.hpke import Suite

from carebook.model.errors import CarebookError
from carebook.model.keys import (
    KEY_BYTES,
    KeyInfo,
    KeyInfoError,
    Keystore,
    create_keystore,
    key_fingerprint,
    keyring_backend_usable,
    write_file_atomic,
)
from carebook.model.paths import DataPaths

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32 alphabet (https://www.crockford.com/base32.html)."""

RANDOM_SYMBOLS = 30
CHECK_SYMBOLS = 2
GROUP = 4
PENDING_DIRNAME = "rekey-pending"

_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@functools.cache
def _suite() -> Suite:
    """The HPKE suite X25519 / HKDF-SHA256 / AES-256-GCM (``cryptography``'s ``hpke.Suite``),
    imported on first use so that starting the app does not load HPKE (issue 9, fast start)."""
    from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

    return Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)


class RecoveryKeyError(CarebookError):
    """The recovery key typed in is malformed, has a typing mistake, or does not open this
    register. Nothing was changed."""


class NoRecoveryKey(CarebookError):
    """This register (or backup) has no recovery key wrap."""

    def __init__(self) -> None:
        super().__init__(
            f"这个数据库还没有设置恢复密钥。请运行 {CLI} recovery-sheet 打印恢复单并妥善保管。",
            f"This database has no recovery key yet. Run '{CLI} recovery-sheet' to print a "
            "recovery sheet and keep it safe.",
        )


# --------------------------------------------------------------------------- the key itself


def _check(symbols: str) -> str:
    """Two check symbols: the sum of the symbol values modulo 32 (catches every single wrong
    symbol) and 5 bits of SHA-256 (catches most other mistakes, e.g. swapped neighbours)."""
    total = sum(ALPHABET.index(ch) for ch in symbols) % 32
    digest = hashlib.sha256(("carebook recovery check:" + symbols).encode("ascii")).digest()
    return ALPHABET[total] + ALPHABET[digest[0] & 31]


def generate_recovery_key() -> str:
    """Return a new recovery key in canonical form (32 symbols, no separators)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return body + _check(body)


def is_recovery_key(text: str) -> bool:
    """Whether ``text`` is a well-formed recovery key (length, alphabet and check), so a
    passphrase prompt can accept either."""
    try:
        parse_recovery_key(text)
    except RecoveryKeyError:
        return False
    return True


def format_recovery_key(key: str) -> str:
    """Return ``key`` as eight dash-separated groups of four (for printing and showing).

    Raises :class:`RecoveryKeyError` when ``key`` is malformed."""
    canonical = parse_recovery_key(key)
    return "-".join(canonical[i : i + GROUP] for i in range(0, len(canonical), GROUP))


def parse_recovery_key(text: str) -> str:
    """Return the canonical 32-symbol form of a typed recovery key.

    Accepts lower case, spaces, dashes, full-width characters (NFKC) and the look-alikes
    ``O``/``I``/``L``. Raises :class:`RecoveryKeyError` for a wrong length, a symbol outside
    the alphabet, or a failed check (a typing mistake)."""
    cleaned = unicodedata.normalize("NFKC", str(text)).upper()
    cleaned = "".join(ch for ch in cleaned if not ch.isspace() and ch not in "-_—–.·")
    cleaned = cleaned.translate(_LOOKALIKES)
    if len(cleaned) != RANDOM_SYMBOLS + CHECK_SYMBOLS or any(ch not in ALPHABET for ch in cleaned):
        raise RecoveryKeyError(
            "恢复密钥应为 32 个字母或数字（8 组，每组 4 个）。请对照恢复单重新输入。",
            "A recovery key has 32 letters or digits (8 groups of 4). Type it again from the "
            "recovery sheet.",
        )
    body, check = cleaned[:RANDOM_SYMBOLS], cleaned[RANDOM_SYMBOLS:]
    if _check(body) != check:
        raise RecoveryKeyError(
            "恢复密钥有输入错误（校验不符）。请逐组核对恢复单后重新输入。",
            "The recovery key has a typing mistake (check failed). Compare each group with the "
            "recovery sheet and type it again.",
        )
    return cleaned


def _private_key(recovery_key: str) -> x25519.X25519PrivateKey:
    canonical = parse_recovery_key(recovery_key)
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"carebook recovery key v1").derive(
        canonical[:RANDOM_SYMBOLS].encode("ascii")
    )
    return x25519.X25519PrivateKey.from_private_bytes(seed)


def recovery_public_key(recovery_key: str) -> bytes:
    """Return the 32-byte X25519 public key of ``recovery_key`` (stored in the wrap)."""
    return _private_key(recovery_key).public_key().public_bytes_raw()


def _info(installation_id: str) -> bytes:
    return f"carebook recovery wrap:{installation_id}".encode("ascii")


def recovery_wrap(database_key: bytes, public_key: bytes, installation_id: str) -> dict[str, Any]:
    """Return a ``keyinfo.json`` wrap sealing ``database_key`` to the recovery public key.

    Shape: ``{"kind": "recovery", "kem": "X25519", "kdf": "HKDF-SHA256", "aead":
    "AES-256-GCM", "public_key": b64, "key_id": 16 hex, "sealed": b64}`` (HPKE, RFC 9180,
    base mode, ``info`` binding the key to ``installation_id``)."""
    pub = x25519.X25519PublicKey.from_public_bytes(public_key)
    sealed = _suite().encrypt(database_key, pub, info=_info(installation_id))
    return {
        "kind": "recovery",
        "kem": "X25519",
        "kdf": "HKDF-SHA256",
        "aead": "AES-256-GCM",
        "public_key": base64.b64encode(public_key).decode("ascii"),
        "key_id": hashlib.sha256(public_key).hexdigest()[:16],
        "sealed": base64.b64encode(sealed).decode("ascii"),
    }


def _recovery_wraps(info: KeyInfo) -> list[dict[str, Any]]:
    return [w for w in info.wraps if w.get("kind") == "recovery"]


def has_recovery_key(info: KeyInfo) -> bool:
    """Whether ``info`` holds a recovery wrap."""
    return bool(_recovery_wraps(info))


def unwrap_with_recovery_key(info: KeyInfo, recovery_key: str) -> bytes:
    """Return the database key of ``info`` opened with ``recovery_key``.

    Raises:
        NoRecoveryKey: ``info`` has no recovery wrap.
        RecoveryKeyError: malformed key, or a key that is not this register's.
    """
    wraps = _recovery_wraps(info)
    if not wraps:
        raise NoRecoveryKey()
    private = _private_key(recovery_key)
    mine = private.public_key().public_bytes_raw()
    for wrap in wraps:
        try:
            if base64.b64decode(str(wrap["public_key"]), validate=True) != mine:
                continue
            key = _suite().decrypt(
                base64.b64decode(str(wrap["sealed"]), validate=True), private, info=_info(info.installation_id)
            )
        except (KeyError, ValueError, binascii.Error) as exc:
            raise KeyInfoError(
                "密钥信息中的恢复记录已损坏。", "The recovery entry of the key information is damaged."
            ) from exc
        except Exception as exc:  # cryptography raises InvalidTag and friends
            raise KeyInfoError(
                "密钥信息中的恢复记录已损坏。", "The recovery entry of the key information is damaged."
            ) from exc
        if len(key) == KEY_BYTES and key_fingerprint(key) == info.fingerprint:
            return key
    raise RecoveryKeyError(
        "这个恢复密钥不属于这个数据库（或这个备份）。请找到与之对应的恢复单。",
        "This recovery key does not belong to this database (or backup). Find the matching "
        "recovery sheet.",
    )


def set_recovery_key(keystore: Keystore, recovery_key: str | None = None) -> str:
    """Add (or replace) the recovery wrap of ``keystore``'s database key and return the
    recovery key (canonical form; a new one when ``recovery_key`` is ``None``).

    ``keyinfo.json`` is rewritten atomically; the register is not re-encrypted. Any earlier
    recovery key stops opening this register (backups taken before keep their own wraps)."""
    key = parse_recovery_key(recovery_key) if recovery_key is not None else generate_recovery_key()
    wrap = recovery_wrap(keystore.database_key, recovery_public_key(key), keystore.installation_id)
    keystore.info.wraps = [w for w in keystore.info.wraps if w.get("kind") != "recovery"] + [wrap]
    write_file_atomic(keystore.paths.keyinfo, keystore.info.to_json())
    return key


def unlock_with_recovery_key(data_dir: Path | DataPaths, recovery_key: str) -> Keystore:
    """Unlock ``data_dir`` with its recovery key (when the keyring entry is gone and the
    passphrase forgotten). Follow with :meth:`Keystore.set_passphrase` or
    :func:`rewrap_keystore` so the next start needs no recovery key.

    Raises: KeyInfoError, NoRecoveryKey, RecoveryKeyError."""
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    info = KeyInfo.load(paths.keyinfo)
    key = unwrap_with_recovery_key(info, recovery_key)
    return Keystore(paths, info, key, mode="recovery")


def rewrap_keystore(
    keystore: Keystore,
    *,
    passphrase: str | None = None,
    use_keyring: bool | None = None,
) -> Keystore:
    """Write a fresh ``keyinfo.json`` for the same database key (new keyring entry and/or
    passphrase wrap), keep the recovery wrap, and carry the small secrets over.

    Used after :func:`unlock_with_recovery_key`. Returns the new keystore. Raises
    PassphraseRequired (no keyring and no passphrase) and PassphraseTooShort."""
    paths = keystore.paths
    pending = paths.root / PENDING_DIRNAME
    shutil.rmtree(pending, ignore_errors=True)
    new = _prepare_keystore(keystore, pending, keystore.database_key, passphrase=passphrase,
                            use_keyring=use_keyring)
    _move_pending(pending, paths)
    return Keystore(paths, new.info, new.database_key, mode=new.mode, keyring_problem=new.keyring_problem)


# --------------------------------------------------------------------------- rotation


def _secret_names(paths: DataPaths) -> list[str]:
    try:
        doc = json.loads(paths.secrets.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return []
    entries = doc.get("entries") if isinstance(doc, dict) else None
    return sorted(entries) if isinstance(entries, dict) else []


def _prepare_keystore(
    old: Keystore, pending: Path, new_key: bytes, *, passphrase: str | None, use_keyring: bool | None
) -> Keystore:
    """Write ``keyinfo.json`` and ``secrets.json`` for ``new_key`` into ``pending``."""
    pending.mkdir(mode=0o700, parents=True, exist_ok=False)
    want_keyring = use_keyring
    if want_keyring is None:
        want_keyring = "keyring" in old.wrap_kinds and keyring_backend_usable()
    new = create_keystore(DataPaths(pending), passphrase=passphrase, use_keyring=want_keyring,
                          existing_key=new_key)
    for wrap in _recovery_wraps(old.info):
        public = base64.b64decode(str(wrap["public_key"]))
        new.info.wraps.append(recovery_wrap(new_key, public, new.installation_id))
    write_file_atomic(new.paths.keyinfo, new.info.to_json())
    for name in _secret_names(old.paths):
        new.store_secret(name, old.load_secret(name))
    return new


def _move_pending(pending: Path, paths: DataPaths) -> None:
    if (pending / "secrets.json").exists():
        os.replace(pending / "secrets.json", paths.secrets)
    os.replace(pending / "keyinfo.json", paths.keyinfo)
    shutil.rmtree(pending, ignore_errors=True)


@dataclass(frozen=True)
class RekeyResult:
    """What :func:`rotate_database_key` did: the backup taken first (old key, with its own
    key file), and the new key's fingerprint."""

    backup: Path
    fingerprint: str


def rotate_database_key(
    data_dir: Path | DataPaths,
    keystore: Keystore,
    *,
    passphrase: str | None = None,
    use_keyring: bool | None = None,
) -> RekeyResult:
    """Re-encrypt the register under a new random database key (SQLCipher ``PRAGMA rekey``).

    The register must be closed by the caller (no open connection). Backups in
    ``<data_dir>/backups`` without a key file that open with the old key get one, and a
    verified backup under the old key is taken first (see :func:`carebook.model.backups.take_backup`). The new key is
    wrapped the way the old one was: keyring when the old one used it and it works, a
    passphrase wrap when ``passphrase`` (or ``$CAREBOOK_PASSPHRASE``) is given, and re-sealed
    to the existing recovery key (the printed sheet stays valid). Small secrets are
    re-encrypted.

    Raises:
        PassphraseRequired: no keyring and no passphrase for the new wrap.
        BackupError: the backup failed (nothing changed).
    """
    from carebook.model import backups
    from carebook.model.db import connect_sqlcipher

    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    backups.add_missing_key_files(paths.backups, keystore)  # older backups stay restorable
    backup = backups.take_backup_of_closed(paths, keystore, kind="rekey")
    pending = paths.root / PENDING_DIRNAME
    shutil.rmtree(pending, ignore_errors=True)
    new_key = os.urandom(KEY_BYTES)
    new = _prepare_keystore(keystore, pending, new_key, passphrase=passphrase, use_keyring=use_keyring)
    conn = connect_sqlcipher(paths.database, keystore.database_key)
    try:
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    finally:
        conn.close()
    _move_pending(pending, paths)
    return RekeyResult(backup=backup, fingerprint=new.info.fingerprint)


def finish_interrupted_rekey(data_dir: Path | DataPaths, keystore: Keystore | None = None) -> bool:
    """Finish or undo a rotation interrupted between ``PRAGMA rekey`` and the key files.

    When ``<data_dir>/rekey-pending/keyinfo.json`` exists: if the register opens with the
    pending key (the rekey happened) the pending files are moved into place; otherwise they
    are discarded. ``keystore`` is the *old* unlocked keystore when available (needed only to
    tell the two cases apart when the pending key cannot be unlocked). Returns whether
    anything was done."""
    from carebook.model.db import connect_sqlcipher
    from carebook.model.keys import unlock_keystore

    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    pending = paths.root / PENDING_DIRNAME
    if not (pending / "keyinfo.json").exists():
        if pending.exists():
            shutil.rmtree(pending, ignore_errors=True)
            return True
        return False
    try:
        new = unlock_keystore(DataPaths(pending))
    except CarebookError:
        new = None
    if new is not None:
        try:
            connect_sqlcipher(paths.database, new.database_key).close()
        except Exception:  # the register is still under the old key
            shutil.rmtree(pending, ignore_errors=True)
            return True
        _move_pending(pending, paths)
        return True
    if keystore is not None:
        with contextlib.suppress(Exception):
            connect_sqlcipher(paths.database, keystore.database_key).close()
            shutil.rmtree(pending, ignore_errors=True)  # old key still opens it: undo
            return True
    return False

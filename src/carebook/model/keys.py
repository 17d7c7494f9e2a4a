"""The database key and small secrets of an installation (密钥).

The register is encrypted with one **database key**: 32 random bytes (``os.urandom``), used as a
raw SQLCipher key. The key is never written to disk in the clear. ``<data_dir>/keyinfo.json``
holds only non-secret metadata and one or more *wraps* — ways to get the key back:

* ``keyring``: the key (64 hex characters, well within the 2,560-byte Windows credential limit)
  is kept in the OS keyring under service ``"Carebook"`` and username ``"db-<installation id>"``.
  Preferred whenever a keyring backend works.
* ``passphrase``: the key encrypted with AES-256-GCM under a key-encryption key derived from a
  passphrase with scrypt (RFC 7914; default N=2**17, r=8, p=1 as recommended by the OWASP
  Password Storage Cheat Sheet), with a random 16-byte salt. Used where no keyring works
  (headless Linux, CI, a keyring the user refuses), and added whenever a passphrase is given
  without asking at creation. The passphrase comes from the ``passphrase`` argument, else
  ``$CAREBOOK_PASSPHRASE`` (command line), else the ``ask_passphrase`` callback (desktop).

Wrapping a random key (instead of using the scrypt output as the database key) lets the
passphrase change, and a recovery key be added later, without re-encrypting the database; a
wrong passphrase fails at the AES-GCM tag before the database is touched.

``keyinfo.json`` also keeps a key fingerprint (the first 8 bytes of SHA-256 over a label and
the key) so a keyring entry that holds some other key is recognised.

**Small secrets** (the installation's Ed25519/X25519 private keys, ≤ 4 KiB each) are kept in
``<data_dir>/secrets.json``, each AES-256-GCM-encrypted under a subkey of the database key
(HKDF-SHA256, RFC 5869). They are therefore protected exactly like the register, travel with
the data directory and its backups, and come back whenever the database key does.

Set ``CAREBOOK_KEYRING=off`` to keep Carebook away from the OS keyring (tests, shared PCs).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from carebook.model.errors import CarebookError, os_error_text
from carebook.model.paths import APP_NAME, DataPaths

PASSPHRASE_ENV = "CAREBOOK_PASSPHRASE"
"""Environment variable holding the passphrase for the command line."""

KEYRING_ENV = "CAREBOOK_KEYRING"
"""Set to ``off`` (or ``0``, ``no``, ``false``) to never use the OS keyring."""

KEYRING_SERVICE = APP_NAME
KEY_BYTES = 32
MIN_PASSPHRASE_LENGTH = 8
KEYINFO_FORMAT = 1
SECRETS_FORMAT = 1
MAX_SECRET_BYTES = 4096

SCRYPT_N = 2**17
"""scrypt cost for new passphrase wraps (OWASP: N=2**17, r=8, p=1; about 0.5 s, 128 MiB)."""
SCRYPT_R = 8
SCRYPT_P = 1

_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")

AskPassphrase = Callable[[], str | None]
"""Desktop callback asking the user for the passphrase; returns ``None`` when cancelled."""


# --------------------------------------------------------------------------- errors


class KeyAccessError(CarebookError):
    """Base of the key errors below."""


class PassphraseRequired(KeyAccessError):
    """A passphrase is needed (no keyring holds the key) and none was given."""

    def __init__(self, detail_zh: str = "", detail_en: str = "") -> None:
        super().__init__(
            "需要输入数据库密码。命令行请设置环境变量 CAREBOOK_PASSPHRASE；桌面程序会弹窗询问。" + detail_zh,
            "A database passphrase is needed. On the command line set CAREBOOK_PASSPHRASE; "
            "the desktop app asks for it." + detail_en,
        )


class PassphraseTooShort(KeyAccessError):
    """A new passphrase has fewer than :data:`MIN_PASSPHRASE_LENGTH` characters."""

    def __init__(self) -> None:
        super().__init__(
            f"密码太短：至少需要 {MIN_PASSPHRASE_LENGTH} 个字符。请换一个更长的密码。",
            f"The passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters.",
        )


class WrongKeyError(KeyAccessError):
    """The passphrase (or the key in the keyring) does not open this register. Nothing changed."""

    def __init__(self) -> None:
        super().__init__(
            "密码不正确，无法打开数据库。请检查密码（注意大小写和输入法）后重试；数据没有任何改动。",
            "The passphrase is wrong and the database cannot be opened. Check it (case, input "
            "method) and try again; nothing was changed.",
        )


class KeyringUnavailable(KeyAccessError):
    """The OS keyring cannot be used (no backend, locked, access denied) and no passphrase
    wrap exists to fall back to."""

    def __init__(self, detail: str = "") -> None:
        extra = f"（{detail}）" if detail else ""
        super().__init__(
            "无法使用系统钥匙串读取数据库密钥" + extra + "。请解锁系统钥匙串或允许 Carebook 访问后重试；"
            "如果电脑已更换，请用恢复密钥恢复。",
            "The OS keyring cannot be used to read the database key"
            + (f" ({detail})" if detail else "")
            + ". Unlock the keyring or allow Carebook to access it and try again; on a new PC, "
            "restore with the recovery key.",
        )


class KeyMissingFromKeyring(KeyAccessError):
    """The keyring works but holds no key for this register (deleted, or another user/PC)."""

    def __init__(self) -> None:
        super().__init__(
            "系统钥匙串中找不到这个数据库的密钥（可能已被删除，或换了电脑或用户）。请用恢复密钥恢复。",
            "The OS keyring holds no key for this database (deleted, or another PC or user). "
            "Restore with the recovery key.",
        )


class KeyInfoError(KeyAccessError):
    """``keyinfo.json`` is missing, unreadable or of an unknown format."""


class KeyInfoExists(KeyAccessError):
    """Refusing to create a new key where ``keyinfo.json`` already exists."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"这里已经有数据库密钥信息（{path}），不会覆盖。",
            f"Key information already exists here ({path}); it will not be overwritten.",
        )


class SecretNotFound(KeyAccessError):
    """No secret of that name is stored."""

    def __init__(self, name: str) -> None:
        super().__init__(f"找不到保存的密钥“{name}”。", f"No stored secret named {name!r}.")


class SecretsCorrupt(KeyAccessError):
    """``secrets.json`` is damaged or was altered: a secret fails authentication."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"保存的密钥“{name}”已损坏或被改动，无法读取。请从备份恢复。",
            f"The stored secret {name!r} is damaged or was altered. Restore from a backup.",
        )


# --------------------------------------------------------------------------- helpers


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def normalize_passphrase(passphrase: str) -> bytes:
    """Return the UTF-8 bytes of ``passphrase`` after Unicode NFKC normalisation.

    NFKC makes full-width letters and digits (typed with a Chinese input method in full-width
    mode) equal to their ASCII forms, so ``１２３abc`` and ``123abc`` open the same register.
    """
    return unicodedata.normalize("NFKC", passphrase).encode("utf-8")


def key_fingerprint(key: bytes) -> str:
    """Return a 16-hex-digit fingerprint of a database key (SHA-256 over a label and the key).

    It identifies the key without revealing it (SHA-256 preimage resistance over 256 random
    bits).
    """
    return hashlib.sha256(b"carebook database key fingerprint\x00" + key).hexdigest()[:16]


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file, fsync, rename (mode 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename durable
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def keyring_enabled() -> bool:
    """Return ``False`` when ``$CAREBOOK_KEYRING`` disables the keyring, else ``True``."""
    return os.environ.get(KEYRING_ENV, "").strip().lower() not in {"0", "off", "no", "false", "none"}


def keyring_backend_usable() -> bool:
    """Return whether a keyring backend that could store a key is configured.

    ``False`` when disabled by ``$CAREBOOK_KEYRING``, for ``keyring.backends.fail.Keyring``,
    the null backend, or a chainer with no backends. A ``True`` answer is only a hint: a
    locked or refusing keyring shows up when it is used (creation does a write/read round
    trip).
    """
    if not keyring_enabled():
        return False
    try:
        backend = keyring.get_keyring()
        from keyring.backends import chainer, fail, null

        if isinstance(backend, fail.Keyring | null.Keyring):
            return False
        if isinstance(backend, chainer.ChainerBackend):
            return len(backend.backends) > 0
        return True
    except Exception:  # third-party backends raise anything while probing
        return False


def _keyring_username(installation_id: str) -> str:
    return f"db-{installation_id}"


def _resolve_passphrase(
    passphrase: str | None, ask_passphrase: AskPassphrase | None, *, allow_ask: bool = True
) -> str | None:
    if passphrase:
        return passphrase
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    if allow_ask and ask_passphrase is not None:
        answer = ask_passphrase()
        if answer:
            return answer
    return None


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(normalize_passphrase(passphrase))


def _wrap_aad(installation_id: str) -> bytes:
    return f"carebook database key wrap:{installation_id}".encode("ascii")


def _secrets_key(database_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"carebook secrets v1").derive(
        database_key
    )


# --------------------------------------------------------------------------- key info


@dataclass
class KeyInfo:
    """Contents of ``keyinfo.json`` (non-secret).

    ``installation_id`` is a random UUID (hex) naming this register's key in the keyring;
    ``fingerprint`` is :func:`key_fingerprint` of the database key; ``wraps`` is a list of
    JSON objects, each ``{"kind": "keyring", "service", "username"}`` or
    ``{"kind": "passphrase", "kdf": "scrypt", "salt", "n", "r", "p", "nonce", "ciphertext"}``.
    """

    installation_id: str
    fingerprint: str
    created_at: str
    wraps: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> bytes:
        """Serialise as UTF-8 JSON."""
        doc = {
            "format": KEYINFO_FORMAT,
            "installation_id": self.installation_id,
            "fingerprint": self.fingerprint,
            "created_at": self.created_at,
            "wraps": self.wraps,
        }
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def load(cls, path: Path) -> KeyInfo:
        """Read ``path``. Raises :class:`KeyInfoError` when missing, unreadable or unknown."""
        try:
            doc = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            raise KeyInfoError(
                f"找不到数据库密钥信息文件 {path}。没有它无法打开数据库；请从备份恢复整个数据目录。",
                f"The key information file {path} is missing; the database cannot be opened "
                "without it. Restore the whole data directory from a backup.",
            ) from None
        except (OSError, ValueError) as exc:
            raise KeyInfoError(
                f"数据库密钥信息文件 {path} 无法读取或已损坏{'：' + os_error_text(exc)[0] if isinstance(exc, OSError) else ''}。"
                "请从备份恢复。",
                f"The key information file {path} is unreadable or damaged: {exc}. Restore it from a backup.",
            ) from exc
        if not isinstance(doc, dict) or doc.get("format") != KEYINFO_FORMAT:
            raise KeyInfoError(
                f"数据库密钥信息文件 {path} 的格式无法识别，可能来自更新版本的 Carebook。请更新 Carebook。",
                f"The key information file {path} has an unknown format, perhaps from a newer "
                "Carebook. Update Carebook.",
            )
        try:
            return cls(
                installation_id=str(doc["installation_id"]),
                fingerprint=str(doc["fingerprint"]),
                created_at=str(doc.get("created_at", "")),
                wraps=[dict(w) for w in doc["wraps"]],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyInfoError(
                f"数据库密钥信息文件 {path} 已损坏。请从备份恢复。",
                f"The key information file {path} is damaged. Restore it from a backup.",
            ) from exc


def _passphrase_wrap(key: bytes, installation_id: str, passphrase: str) -> dict[str, Any]:
    if len(unicodedata.normalize("NFKC", passphrase)) < MIN_PASSPHRASE_LENGTH:
        raise PassphraseTooShort()
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = _scrypt(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    ciphertext = AESGCM(kek).encrypt(nonce, key, _wrap_aad(installation_id))
    return {
        "kind": "passphrase",
        "kdf": "scrypt",
        "salt": _b64(salt),
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "aead": "AES-256-GCM",
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def _passphrase_unwrap(wrap: dict[str, Any], installation_id: str, passphrase: str) -> bytes:
    try:
        salt, nonce, ciphertext = _unb64(wrap["salt"]), _unb64(wrap["nonce"]), _unb64(wrap["ciphertext"])
        n, r, p = int(wrap["n"]), int(wrap["r"]), int(wrap["p"])
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise KeyInfoError(
            "数据库密钥信息文件中的密码记录已损坏。请从备份恢复。",
            "The passphrase entry in the key information file is damaged. Restore from a backup.",
        ) from exc
    kek = _scrypt(passphrase, salt, n, r, p)
    try:
        return AESGCM(kek).decrypt(nonce, ciphertext, _wrap_aad(installation_id))
    except InvalidTag:
        raise WrongKeyError() from None


def _keyring_store(username: str, key: bytes) -> None:
    """Store the key and read it back; raise :class:`KeyringUnavailable` on any failure."""
    try:
        keyring.set_password(KEYRING_SERVICE, username, key.hex())
        back = keyring.get_password(KEYRING_SERVICE, username)
    except Exception as exc:  # backends raise their own types (dbus, pywin32, macOS)
        raise KeyringUnavailable(type(exc).__name__) from exc
    if back != key.hex():
        raise KeyringUnavailable("stored value could not be read back")


def _keyring_load(username: str) -> bytes:
    try:
        value = keyring.get_password(KEYRING_SERVICE, username)
    except Exception as exc:  # backends raise their own types (dbus, pywin32, macOS)
        raise KeyringUnavailable(type(exc).__name__) from exc
    if value is None:
        raise KeyMissingFromKeyring()
    try:
        key = bytes.fromhex(value)
    except ValueError:
        raise KeyMissingFromKeyring() from None
    if len(key) != KEY_BYTES:
        raise KeyMissingFromKeyring()
    return key


def _keyring_delete(username: str) -> None:
    with contextlib.suppress(Exception):
        keyring.delete_password(KEYRING_SERVICE, username)


# --------------------------------------------------------------------------- keystore


@dataclass
class Keystore:
    """The unlocked key material of one data directory (已解锁的密钥).

    ``database_key`` is the 32-byte raw SQLCipher key; ``mode`` says how it was obtained
    (``"keyring"`` or ``"passphrase"``); ``keyring_problem`` explains, when not ``None``, why
    the keyring was not used. Secrets are read and written with :meth:`store_secret` /
    :meth:`load_secret` without asking for the passphrase again.
    """

    paths: DataPaths
    info: KeyInfo
    database_key: bytes = field(repr=False)  # never in logs or tracebacks
    mode: str = "passphrase"
    keyring_problem: str | None = None

    @property
    def installation_id(self) -> str:
        """The random id of this register's key (hex UUID)."""
        return self.info.installation_id

    @property
    def wrap_kinds(self) -> list[str]:
        """The kinds of wraps stored in ``keyinfo.json`` (``"keyring"``, ``"passphrase"``)."""
        return [str(w.get("kind")) for w in self.info.wraps]

    def pragma_key(self) -> str:
        """Return the SQLCipher statement that sets the raw key: ``PRAGMA key = "x'<hex>'"``."""
        return f"PRAGMA key = \"x'{self.database_key.hex()}'\""

    def set_passphrase(self, new_passphrase: str) -> None:
        """Add or replace the passphrase wrap of the database key (the register is not
        re-encrypted). Raises :class:`PassphraseTooShort`."""
        wrap = _passphrase_wrap(self.database_key, self.installation_id, new_passphrase)
        self.info.wraps = [w for w in self.info.wraps if w.get("kind") != "passphrase"] + [wrap]
        write_file_atomic(self.paths.keyinfo, self.info.to_json())

    # -- secrets

    def _read_secrets(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.paths.secrets.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SecretsCorrupt(self.paths.secrets.name) from exc
        if not isinstance(doc, dict) or doc.get("format") != SECRETS_FORMAT:
            raise SecretsCorrupt(self.paths.secrets.name)
        entries = doc.get("entries")
        if not isinstance(entries, dict):
            raise SecretsCorrupt(self.paths.secrets.name)
        return entries

    def _aad(self, name: str) -> bytes:
        return f"carebook secret:{self.installation_id}:{name}".encode()

    def store_secret(self, name: str, value: bytes) -> None:
        """Store ``value`` (≤ 4,096 bytes) under ``name`` (ASCII letters, digits, ``_.-``;
        ≤ 64 characters), replacing any previous value. Written atomically, AES-256-GCM
        encrypted with a fresh nonce. Raises ``ValueError`` for a bad name or size."""
        if not _SECRET_NAME.match(name):
            raise ValueError(f"invalid secret name {name!r}")
        if len(value) > MAX_SECRET_BYTES:
            raise ValueError(f"secret {name!r} is larger than {MAX_SECRET_BYTES} bytes")
        entries = self._read_secrets()
        nonce = os.urandom(12)
        ciphertext = AESGCM(_secrets_key(self.database_key)).encrypt(nonce, bytes(value), self._aad(name))
        entries[name] = {"nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
        doc = {"format": SECRETS_FORMAT, "aead": "AES-256-GCM", "entries": entries}
        self.paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_file_atomic(self.paths.secrets, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))

    def load_secret(self, name: str) -> bytes:
        """Return the secret stored under ``name``.

        Raises :class:`SecretNotFound`, or :class:`SecretsCorrupt` when it fails
        authentication (damaged or altered file)."""
        entry = self._read_secrets().get(name)
        if entry is None:
            raise SecretNotFound(name)
        try:
            nonce, ciphertext = _unb64(entry["nonce"]), _unb64(entry["ciphertext"])
            return AESGCM(_secrets_key(self.database_key)).decrypt(nonce, ciphertext, self._aad(name))
        except (InvalidTag, KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise SecretsCorrupt(name) from exc

    def delete_secret(self, name: str) -> None:
        """Remove the secret ``name`` if present."""
        entries = self._read_secrets()
        if entries.pop(name, None) is not None:
            doc = {"format": SECRETS_FORMAT, "aead": "AES-256-GCM", "entries": entries}
            write_file_atomic(self.paths.secrets, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))


def create_keystore(
    data_dir: Path | DataPaths,
    *,
    passphrase: str | None = None,
    ask_passphrase: AskPassphrase | None = None,
    use_keyring: bool | None = None,
    existing_key: bytes | None = None,
) -> Keystore:
    """Create a new random database key for ``data_dir`` and write ``keyinfo.json``.

    With ``existing_key`` (32 bytes) that key is wrapped instead of a new one (restoring a
    backup on a new PC, rotating the key: see :mod:`carebook.model.recovery`).

    Args:
        data_dir: the data directory (created if missing).
        passphrase: a passphrase to wrap the key with; else ``$CAREBOOK_PASSPHRASE``.
        ask_passphrase: asked only when no keyring works and no passphrase was given.
        use_keyring: ``False`` never uses the keyring; ``None`` (default) uses it when
            :func:`keyring_backend_usable` and a write/read round trip succeed.

    The key goes into the keyring when possible, and is also wrapped under a passphrase when
    one is given (argument or environment). With no working keyring a passphrase is required.

    Raises:
        KeyInfoExists: ``keyinfo.json`` already exists (nothing is overwritten).
        PassphraseRequired: no working keyring and no passphrase.
        PassphraseTooShort: the passphrase has fewer than 8 characters.
    """
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    if paths.keyinfo.exists():
        raise KeyInfoExists(paths.keyinfo)
    if existing_key is not None and len(existing_key) != KEY_BYTES:
        raise ValueError("existing_key must be 32 bytes")
    key = existing_key if existing_key is not None else os.urandom(KEY_BYTES)
    installation_id = uuid.uuid4().hex
    username = _keyring_username(installation_id)
    wraps: list[dict[str, Any]] = []
    problem: str | None = None

    given = _resolve_passphrase(passphrase, None, allow_ask=False)
    if given is not None:  # validate before touching the keyring
        wraps.append(_passphrase_wrap(key, installation_id, given))

    want_keyring = keyring_backend_usable() if use_keyring is None else use_keyring and keyring_enabled()
    stored_in_keyring = False
    if want_keyring:
        try:
            _keyring_store(username, key)
            stored_in_keyring = True
            wraps.insert(0, {"kind": "keyring", "service": KEYRING_SERVICE, "username": username})
        except KeyringUnavailable as exc:
            problem = exc.message
    else:
        problem = "keyring disabled or no keyring backend"

    if not wraps:
        asked = _resolve_passphrase(None, ask_passphrase)
        if asked is None:
            raise PassphraseRequired(
                "（本机没有可用的系统钥匙串，需要设置一个新密码。）",
                " (No OS keyring works here, so a new passphrase must be set.)",
            )
        wraps.append(_passphrase_wrap(key, installation_id, asked))

    info = KeyInfo(
        installation_id=installation_id,
        fingerprint=key_fingerprint(key),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        wraps=wraps,
    )
    try:
        paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if paths.keyinfo.exists():
            raise KeyInfoExists(paths.keyinfo)
        write_file_atomic(paths.keyinfo, info.to_json())
    except BaseException:
        if stored_in_keyring:
            _keyring_delete(username)
        raise
    return Keystore(
        paths, info, key, mode="keyring" if stored_in_keyring else "passphrase", keyring_problem=problem
    )


def unlock_keystore(
    data_dir: Path | DataPaths,
    *,
    passphrase: str | None = None,
    ask_passphrase: AskPassphrase | None = None,
) -> Keystore:
    """Recover the database key of ``data_dir`` from ``keyinfo.json``.

    Tries the keyring wrap first (unless disabled by ``$CAREBOOK_KEYRING``), then the
    passphrase wrap with the passphrase from ``passphrase``, ``$CAREBOOK_PASSPHRASE`` or
    ``ask_passphrase`` (asked only when needed). Where a recovery wrap exists
    (:mod:`carebook.model.recovery`), a recovery key given in place of the passphrase opens it
    too (``mode="recovery"``: set a new passphrase with
    :func:`carebook.model.recovery.rewrap_keystore`).

    Raises:
        KeyInfoError: ``keyinfo.json`` missing or damaged.
        PassphraseRequired: a passphrase is needed and none was available.
        WrongKeyError: the passphrase is wrong (or the keyring holds another key).
        KeyringUnavailable / KeyMissingFromKeyring: keyring-only register whose keyring fails.
    """
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    info = KeyInfo.load(paths.keyinfo)
    keyring_error: KeyAccessError | None = None
    for wrap in info.wraps:
        if wrap.get("kind") != "keyring":
            continue
        if not keyring_enabled():
            keyring_error = KeyringUnavailable("CAREBOOK_KEYRING=off")
            continue
        try:
            key = _keyring_load(str(wrap.get("username", _keyring_username(info.installation_id))))
        except (KeyringUnavailable, KeyMissingFromKeyring) as exc:
            keyring_error = exc
            continue
        if key_fingerprint(key) != info.fingerprint:
            keyring_error = WrongKeyError()
            continue
        return Keystore(paths, info, key, mode="keyring")

    passphrase_wraps = [w for w in info.wraps if w.get("kind") == "passphrase"]
    has_recovery = any(w.get("kind") == "recovery" for w in info.wraps)
    no_way = (
        keyring_error
        if keyring_error is not None
        else KeyInfoError(
            "数据库密钥信息文件中没有可用的解锁方式。请从备份恢复。",
            "The key information file holds no usable way to unlock the key. Restore from a backup.",
        )
    )
    if not passphrase_wraps and not has_recovery:
        raise no_way
    chosen = _resolve_passphrase(passphrase, ask_passphrase)
    if chosen is None:
        raise PassphraseRequired() if passphrase_wraps else no_way
    if has_recovery:  # the recovery key typed where the passphrase is asked for
        from carebook.model import recovery  # here: recovery imports this module

        if recovery.is_recovery_key(chosen):
            return Keystore(paths, info, recovery.unwrap_with_recovery_key(info, chosen), mode="recovery",
                            keyring_problem=keyring_error.message if keyring_error is not None else None)
    if not passphrase_wraps:
        raise no_way
    key = _passphrase_unwrap(passphrase_wraps[-1], info.installation_id, chosen)
    if key_fingerprint(key) != info.fingerprint:
        raise WrongKeyError()
    return Keystore(
        paths,
        info,
        key,
        mode="passphrase",
        keyring_problem=keyring_error.message if keyring_error is not None else None,
    )


def forget_keystore(keystore: Keystore) -> None:
    """Delete the keyring entry, ``keyinfo.json`` and ``secrets.json`` of ``keystore``.

    Used to clean up after a failed creation; the register becomes unreadable for good.
    """
    for wrap in keystore.info.wraps:
        if wrap.get("kind") == "keyring":
            _keyring_delete(str(wrap.get("username")))
    for path in (keystore.paths.keyinfo, keystore.paths.secrets):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def store_secret(
    data_dir: Path | DataPaths,
    name: str,
    value: bytes,
    *,
    passphrase: str | None = None,
    ask_passphrase: AskPassphrase | None = None,
) -> None:
    """Unlock ``data_dir`` (see :func:`unlock_keystore`) and store a small secret.

    Prefer :meth:`Keystore.store_secret` on an already unlocked keystore (``Database.keystore``)
    to avoid asking for the passphrase again.
    """
    unlock_keystore(data_dir, passphrase=passphrase, ask_passphrase=ask_passphrase).store_secret(name, value)


def load_secret(
    data_dir: Path | DataPaths,
    name: str,
    *,
    passphrase: str | None = None,
    ask_passphrase: AskPassphrase | None = None,
) -> bytes:
    """Unlock ``data_dir`` (see :func:`unlock_keystore`) and return a small secret.

    Raises :class:`SecretNotFound`, :class:`SecretsCorrupt` and the errors of
    :func:`unlock_keystore`."""
    return unlock_keystore(data_dir, passphrase=passphrase, ask_passphrase=ask_passphrase).load_secret(name)

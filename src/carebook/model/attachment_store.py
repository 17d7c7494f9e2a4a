"""Encrypted, content-addressed storage of attachment files (附件加密存储): scans and photos.

A scan of a signed confirmation shows the child's name, ID number and the guardian's signature,
so no attachment is kept in the clear (issue 8).

**Key.** Each register has one random 32-byte *attachment key*, made on first use and kept in
the local ``setting`` table (key :data:`KEY_SETTING`) of the encrypted database — not synced,
never in a file. Because it lives *inside* the database it survives a key rotation (SQLCipher
``PRAGMA rekey`` re-encrypts the pages, not the content), travels inside every backup of the
database, and comes back with a restore on a new PC: a backup's blobs always open with the key
inside that same backup. Two keys are derived from it with HKDF-SHA256 (RFC 5869), one per use:
``info = "carebook attachment content v1"`` (AES-256-GCM) and ``"carebook attachment name v1"``
(HMAC-SHA256 file names).

**Addressing.** Records and bundles carry the SHA-256 of the *plaintext* (hex). The file is stored
under ``<data dir>/attachments/sealed/<n[:2]>/<n>`` where ``n = HMAC-SHA256(name key, sha256
hex)``: the name is stable (a file is stored once) but does not reveal the hash, so someone
holding the disk cannot confirm that a known scan is on it.

**File format.** ``b"CBATT1\\n"`` (7 bytes), a random 12-byte nonce per file, then the AES-256-GCM
ciphertext and its 16-byte tag; the additional authenticated data is ``b"carebook attachment:" +
sha256 hex``, so a file cannot be swapped for another one. Reading checks the tag and then the
SHA-256 of the plaintext; either failure is reported as a damaged (or altered) file. Files are
written to a temporary name, fsynced and renamed.

**Clear files of earlier versions** (``attachments/<sha[:2]>/<sha>``) are encrypted when the
register is opened (:func:`prepare_store`): each is sealed, then the clear file is deleted. A
crash in between leaves both; the next open deletes the clear file (idempotent). A clear file
whose bytes no longer match its name is sealed as it is, so reading it still reports damage and
nothing stays in the clear.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import mimetypes
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from carebook.model.attachments import Attachment
from carebook.model.errors import CarebookError, NotFoundError, os_error_text
from carebook.model.recording import WriteResult, changes_of
from carebook.model.settings import get_value, set_value

#: Largest attachment accepted (bytes): 50 MiB, a generous scan.
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024

KEY_SETTING = "attachment_key"
"""Key of the ``setting`` row holding ``{"format": 1, "key": base64 of 32 bytes}``."""

SEALED_DIRNAME = "sealed"
MAGIC = b"CBATT1\n"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX2 = re.compile(r"^[0-9a-f]{2}$")
_TEMP_PREFIX = ".tmp-"


class AttachmentMissing(NotFoundError):
    """The file of an attachment is not in the store."""


class AttachmentDamaged(CarebookError):
    """The file of an attachment fails its tag or hash check: damaged or altered."""


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def _aad(sha256: str) -> bytes:
    return b"carebook attachment:" + sha256.encode("ascii")


# --------------------------------------------------------------------------- the key


def load_key(session: Session) -> bytes | None:
    """The attachment key of the register behind ``session`` (32 bytes), or ``None`` when none
    was made yet. Raises :class:`CarebookError` when the stored value is malformed."""
    value = get_value(session, KEY_SETTING)
    return None if value is None else key_from_setting(value)


def key_from_setting(value: Any) -> bytes:
    """The key held by a ``setting`` value (parsed JSON). Raises :class:`CarebookError`."""
    try:
        key = base64.b64decode(str(value["key"]), validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise CarebookError("附件密钥已损坏，无法打开附件。请从备份恢复。",
                            "The attachment key is damaged; attachments cannot be opened. Restore a backup.") from exc
    if len(key) != KEY_BYTES:
        raise CarebookError("附件密钥已损坏，无法打开附件。请从备份恢复。",
                            "The attachment key is damaged; attachments cannot be opened. Restore a backup.")
    return key


def ensure_key(session: Session) -> bytes:
    """The attachment key, made (random, :data:`KEY_BYTES`) and stored in the caller's
    transaction when there is none."""
    key = load_key(session)
    if key is not None:
        return key
    key = os.urandom(KEY_BYTES)
    set_value(session, KEY_SETTING, {"format": 1, "key": base64.b64encode(key).decode("ascii")})
    session.flush()
    return key


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class StoredBlob:
    """One sealed file: its path relative to the attachments directory (``sealed/xx/name``)
    and its size in bytes."""

    relative: str
    size: int


class AttachmentStore:
    """The sealed attachment files of one register (附件库).

    Args:
        directory: ``<data dir>/attachments``.
        key: the register's attachment key (:func:`ensure_key`), or ``None`` when it has none
            yet (then only clear files of earlier versions can be read, nothing written).
    """

    def __init__(self, directory: Path, key: bytes | None) -> None:
        self.directory = Path(directory)
        self._key = key
        self._aead = AESGCM(_hkdf(key, b"carebook attachment content v1")) if key else None
        self._name_key = _hkdf(key, b"carebook attachment name v1") if key else None

    @classmethod
    def of(cls, session: Session, directory: Path, *, create: bool = True) -> AttachmentStore:
        """The store of the register behind ``session``; with ``create`` the key is made (in the
        caller's transaction) when missing."""
        return cls(directory, ensure_key(session) if create else load_key(session))

    @property
    def sealed_dir(self) -> Path:
        """``<attachments>/sealed``."""
        return self.directory / SEALED_DIRNAME

    def name_of(self, sha256: str) -> str:
        """The file name of the attachment whose plaintext has this SHA-256 (64 hex)."""
        if self._name_key is None:
            raise CarebookError("附件库还没有密钥", "the attachment store has no key yet")
        return hmac.new(self._name_key, sha256.encode("ascii"), hashlib.sha256).hexdigest()

    def path_of(self, sha256: str) -> Path:
        """Where the sealed file of ``sha256`` lives."""
        name = self.name_of(sha256)
        return self.sealed_dir / name[:2] / name

    def legacy_path(self, sha256: str) -> Path:
        """Where a clear file of an earlier version lived: ``<attachments>/<sha[:2]>/<sha>``."""
        return self.directory / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        """Whether a file for ``sha256`` is stored (sealed, or clear from an earlier version)."""
        return (self._key is not None and self.path_of(sha256).is_file()) or self.legacy_path(sha256).is_file()

    # -- writing

    def _seal(self, sha256: str, data: bytes) -> bytes:
        assert self._aead is not None
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + self._aead.encrypt(nonce, data, _aad(sha256))

    def put(self, data: bytes, *, sha256: str | None = None) -> str:
        """Seal and store ``data`` once; return the SHA-256 (hex) of the plaintext.

        ``sha256`` is given only when migrating a damaged clear file (its recorded hash).
        Raises OSError when the disk refuses."""
        if self._aead is None:
            raise CarebookError("附件库还没有密钥", "the attachment store has no key yet")
        digest = sha256 or hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if target.is_file():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        sealed = self._seal(digest, data)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=_TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(sealed)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    # -- reading

    def get(self, sha256: str, *, label: str | None = None) -> bytes:
        """The plaintext of the attachment with this SHA-256, checked (tag, then hash).

        ``label`` (the file name) is used in messages.

        Raises:
            AttachmentMissing: no file for it.
            AttachmentDamaged: the tag or the hash does not match (damaged or altered).
        """
        what = f"“{label}”" if label else ""
        what_en = f" '{label}'" if label else ""
        sealed = self.path_of(sha256) if self._key is not None else None
        if sealed is not None and sealed.is_file():
            return self.read_sealed(sealed, sha256, label=label)
        if self.legacy_path(sha256).is_file():  # clear, from before encryption (not yet sealed)
            data = self.legacy_path(sha256).read_bytes()
        else:
            raise AttachmentMissing(f"附件{what}的文件不见了，请从备份恢复",
                                    f"the file of the attachment{what_en} is missing; restore from a backup")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise self._damaged(what, what_en)
        return data

    def read_sealed(self, path: Path, sha256: str, *, label: str | None = None) -> bytes:
        """The plaintext of the sealed file at ``path`` (here, in a backup or on a stick),
        checked against ``sha256``. Raises :class:`AttachmentDamaged`, OSError."""
        what = f"“{label}”" if label else ""
        what_en = f" '{label}'" if label else ""
        raw = path.read_bytes()
        if self._aead is None or not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + NONCE_BYTES + TAG_BYTES:
            raise self._damaged(what, what_en)
        nonce = raw[len(MAGIC):len(MAGIC) + NONCE_BYTES]
        try:
            data = self._aead.decrypt(nonce, raw[len(MAGIC) + NONCE_BYTES:], _aad(sha256))
        except InvalidTag:
            raise self._damaged(what, what_en) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise self._damaged(what, what_en)
        return data

    @staticmethod
    def _damaged(what: str, what_en: str) -> AttachmentDamaged:
        return AttachmentDamaged(f"附件{what}的文件已损坏或被改动，请从备份恢复",
                                 f"the file of the attachment{what_en} is damaged or was altered; restore from a backup")

    # -- listing and migration

    def sealed_files(self) -> Iterator[StoredBlob]:
        """Every sealed file (temporary files skipped)."""
        if not self.sealed_dir.is_dir():
            return
        for sub in sorted(self.sealed_dir.iterdir()):
            if not (sub.is_dir() and _HEX2.match(sub.name)):
                continue
            for path in sorted(sub.iterdir()):
                if _HEX64.match(path.name) and path.is_file():
                    yield StoredBlob(f"{SEALED_DIRNAME}/{sub.name}/{path.name}", path.stat().st_size)

    def clear_files(self) -> list[Path]:
        """Clear files left by earlier versions (and their temporary files)."""
        found: list[Path] = []
        if not self.directory.is_dir():
            return found
        for sub in self.directory.iterdir():
            if sub.is_dir() and _HEX2.match(sub.name):
                found += [p for p in sub.iterdir() if p.is_file()]
        return sorted(found)

    def seal_clear_files(self) -> int:
        """Encrypt every clear file of an earlier version and delete the clear copy (see the
        module docstring); return how many were sealed. Idempotent and crash-safe."""
        sealed = 0
        for path in self.clear_files():
            if not _HEX64.match(path.name):  # a temporary file of an interrupted clear write
                path.unlink(missing_ok=True)
                continue
            data = path.read_bytes()
            actual = hashlib.sha256(data).hexdigest()
            self.put(data, sha256=path.name if actual != path.name else None)
            path.unlink()
            sealed += 1
        for sub in list(self.directory.iterdir()) if self.directory.is_dir() else []:
            if sub.is_dir() and _HEX2.match(sub.name):
                with contextlib.suppress(OSError):
                    sub.rmdir()
        return sealed


def has_clear_files(directory: Path) -> bool:
    """Whether ``directory`` (``<data dir>/attachments``) still holds clear files of an earlier
    version (a quick look at the top level: their ``xx/`` folders)."""
    if not directory.is_dir():
        return False
    with os.scandir(directory) as entries:
        return any(e.is_dir() and _HEX2.match(e.name) for e in entries)


def prepare_store(sessions: Any, directory: Path) -> int:
    """What opening a register does for its attachments: when clear files of an earlier
    version are found, make the key if needed and seal them (:meth:`AttachmentStore.seal_clear_files`).
    Returns how many were sealed. A disk error is swallowed (``carebook check`` reports the
    clear files); the register still opens."""
    if not has_clear_files(directory):
        return 0
    try:
        with sessions() as session, session.begin():
            key = ensure_key(session)
        return AttachmentStore(directory, key).seal_clear_files()
    except OSError:
        return 0


# --------------------------------------------------------------------------- records


SCAN_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
"""Scans of signed forms accepted (extension -> media type)."""

_SCAN_MAGIC = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}


def _read_source(source: Path) -> bytes:
    try:
        size = source.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise CarebookError(f"文件太大（{size // 1048576} MB），附件最大50 MB", "the file is larger than 50 MB")
        return source.read_bytes()
    except OSError as exc:
        zh, en = os_error_text(exc)
        raise CarebookError(f"无法读取文件 {source.name}：{zh}", f"cannot read {source.name}: {en}") from None


def check_scan(source: Path) -> None:
    """Raise :class:`CarebookError` unless ``source`` is a readable PDF, JPEG or PNG file of at
    most :data:`MAX_ATTACHMENT_BYTES` (by extension and by its first bytes)."""
    media = SCAN_TYPES.get(source.suffix.lower())
    if media is None:
        raise CarebookError(f"“{source.name}”不是 PDF、JPG 或 PNG 文件，请选择扫描件或照片",
                            f"'{source.name}' is not a PDF, JPG or PNG file")
    data = _read_source(source)
    if not data.startswith(_SCAN_MAGIC[media]):
        raise CarebookError(f"“{source.name}”的内容不是有效的 {source.suffix.lstrip('.').upper()} 文件",
                            f"'{source.name}' is not a valid {source.suffix.lstrip('.').upper()} file")


def add_attachment(
    session: Session, attachments_dir: Path, source: Path, *, owner_entity: str, owner_id: str,
    child_id: str | None = None, description: str | None = None,
) -> WriteResult:
    """Attach the file ``source`` to a record (``owner_entity`` table, ``owner_id``): the bytes
    are sealed into the store, the :class:`Attachment` record (plaintext SHA-256, name, media
    type, size in bytes) is added in the caller's transaction.

    Raises:
        CarebookError: the file cannot be read or is larger than :data:`MAX_ATTACHMENT_BYTES`,
            or cannot be stored (disk full, no permission).
    """
    data = _read_source(source)
    store = AttachmentStore.of(session, attachments_dir)
    try:
        digest = store.put(data)
    except OSError as exc:
        raise CarebookError(f"无法保存附件 {source.name}：{exc.strerror}。请检查磁盘空间。",
                            f"cannot store {source.name}: {exc.strerror}. Check the free disk space.") from None
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    att = Attachment(child_id=child_id, owner_entity=owner_entity, owner_id=owner_id, sha256=digest,
                     filename=source.name[:200], media_type=media_type, size=len(data), description=description)
    session.add(att)
    session.flush()
    return WriteResult(att.id, changes_of(session))


@dataclass(frozen=True)
class AttachmentContent:
    """An attachment read back: its original file name, media type and plaintext bytes."""

    filename: str
    media_type: str
    data: bytes


def read_attachment(session: Session, attachments_dir: Path, attachment_id: str) -> AttachmentContent:
    """The decrypted content of the attachment record ``attachment_id``.

    Raises:
        NotFoundError: no such record, or its file is missing (:class:`AttachmentMissing`).
        AttachmentDamaged: the file is damaged or altered.
    """
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFoundError("找不到这个附件", "no such attachment")
    store = AttachmentStore.of(session, attachments_dir, create=False)
    return AttachmentContent(att.filename, att.media_type, store.get(att.sha256, label=att.filename))

"""Content-addressed storage of attachment files (scans, photos).

A file is stored once under ``<data dir>/attachments/<sha256[:2]>/<sha256>``, written to a
temporary name, fsynced and renamed, so a crash never leaves half a file under the final name;
its :class:`~carebook.model.attachments.Attachment` record holds the hash, the original name,
the media type and the size. The attachments directory sits beside the encrypted database; scans
are kept as given (encrypting them at rest is tracked by the protection issue).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from carebook.model.attachments import Attachment
from carebook.model.errors import CarebookError, NotFoundError
from carebook.model.recording import WriteResult, changes_of

#: Largest attachment accepted (bytes): 50 MiB, a generous scan.
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def blob_path(attachments_dir: Path, sha256: str) -> Path:
    """Where the bytes with this SHA-256 (hex) live."""
    return attachments_dir / sha256[:2] / sha256


def store_blob(attachments_dir: Path, data: bytes) -> str:
    """Store ``data`` (once) and return its SHA-256 in hex."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(attachments_dir, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def read_blob(attachments_dir: Path, sha256: str) -> bytes:
    """The bytes with this hash, checked against it.

    Raises:
        NotFoundError: the file is missing.
        CarebookError: the file no longer matches its hash (damaged).
    """
    path = blob_path(attachments_dir, sha256)
    if not path.exists():
        raise NotFoundError("附件文件不见了，请从备份恢复", "the attachment file is missing; restore from a backup")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise CarebookError("附件文件已损坏，请从备份恢复", "the attachment file is damaged; restore from a backup")
    return data


def add_attachment(
    session: Session, attachments_dir: Path, source: Path, *, owner_entity: str, owner_id: str,
    child_id: str | None = None, description: str | None = None,
) -> WriteResult:
    """Attach the file ``source`` to a record (``owner_entity`` table, ``owner_id``).

    Raises:
        CarebookError: the file cannot be read or is larger than :data:`MAX_ATTACHMENT_BYTES`.
    """
    try:
        size = source.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise CarebookError(f"文件太大（{size // 1048576} MB），附件最大50 MB", "the file is larger than 50 MB")
        data = source.read_bytes()
    except OSError as exc:
        raise CarebookError(f"无法读取文件 {source.name}：{exc.strerror}", f"cannot read {source.name}") from None
    digest = store_blob(attachments_dir, data)
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    att = Attachment(child_id=child_id, owner_entity=owner_entity, owner_id=owner_id, sha256=digest,
                     filename=source.name[:200], media_type=media_type, size=len(data), description=description)
    session.add(att)
    session.flush()
    return WriteResult(att.id, changes_of(session))

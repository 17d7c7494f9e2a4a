"""Attachments: scans and photos, stored as encrypted content-addressed files."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin


class Attachment(RecordMixin, Base):
    """附件: a scan of a signed form, a certificate or a visit photo.

    The bytes live encrypted in ``<data dir>/attachments/sealed/`` (see
    :mod:`carebook.model.attachment_store`); the record holds the SHA-256 (hex) of the
    plaintext, the original file name, media type and size in bytes, and what it belongs to (``owner_entity`` is a table
    name, ``owner_id`` its record id).
    """

    __tablename__ = "attachment"
    __tracked__ = True

    child_id: Mapped[str | None] = mapped_column(ForeignKey("child.id"), default=None, index=True)
    owner_entity: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[str] = mapped_column(String(36), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, default=None)

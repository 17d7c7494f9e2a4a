"""Recording the wet signatures of an entrustment-guardianship confirmation (委托监护确认书签字登记)
with the scan of the signed paper.

Issue 4's lifecycle: a printed confirmation becomes *signed* with the date, who signed, and the
scan attached and hashed. The scan (PDF, JPEG or PNG) is sealed into the attachment store
(:mod:`carebook.model.attachment_store`), recorded as an attachment of the confirmation and of
the child (so it is listed in the child's attachments), and its id is kept on the
confirmation; the plaintext SHA-256 is in the attachment record. One transaction: on any error
nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from carebook.model.attachment_store import add_attachment, check_scan
from carebook.model.attachments import Attachment
from carebook.model.services.entrustments import get_entrustment, mark_signed


@dataclass(frozen=True)
class ScanInfo:
    """The attached scan: attachment record id, plaintext SHA-256 (hex), original file name,
    media type and size in bytes."""

    attachment_id: str
    sha256: str
    filename: str
    media_type: str
    size: int


@dataclass(frozen=True)
class SignedEntrustment:
    """A confirmation after its signatures were recorded."""

    entrustment_id: str
    document_no: str
    child_id: str
    status: str
    signed_on: dt.date
    signatories: list[str]
    scan: ScanInfo | None

    def to_json(self) -> dict[str, Any]:
        """JSON shape: ``{"entrustment_id", "document_no", "child_id", "status", "signed_on"
        (YYYY-MM-DD), "signatories": [names], "scan": {"attachment_id", "sha256", "filename",
        "media_type", "size"} | null}``."""
        return {"entrustment_id": self.entrustment_id, "document_no": self.document_no, "child_id": self.child_id,
                "status": self.status, "signed_on": self.signed_on.isoformat(), "signatories": list(self.signatories),
                "scan": None if self.scan is None else {
                    "attachment_id": self.scan.attachment_id, "sha256": self.scan.sha256,
                    "filename": self.scan.filename, "media_type": self.scan.media_type, "size": self.scan.size}}


def record_signatures(
    session: Session, attachments_dir: Path, ref: str, *, signed_on: dt.date | str, signatories: list[str],
    scan: Path | None = None, today: dt.date | None = None,
) -> SignedEntrustment:
    """Mark the confirmation ``ref`` (record id or document number) signed on ``signed_on`` by
    ``signatories`` and, with ``scan``, attach the scan of the signed paper.

    Raises:
        NotFoundError: no such confirmation.
        StateError: not printed yet, or cancelled/renewed.
        ValidationError: no date, a date in the future, or nobody signed.
        CarebookError: the scan is not a readable PDF/JPEG/PNG of at most 50 MB, or cannot be
            stored. Nothing is recorded on any error.
    """
    if scan is not None:
        check_scan(scan)  # before anything is written
    mark_signed(session, ref, signed_on=signed_on, signatories=signatories, today=today)
    ent = get_entrustment(session, ref)
    info = None
    if scan is not None:
        result = add_attachment(session, attachments_dir, scan, owner_entity="entrustment", owner_id=ent.id,
                                child_id=ent.child_id, description=f"{ent.document_no} 签字扫描件")
        att = session.get(Attachment, result.record_id)
        assert att is not None
        ent.scan_attachment_id = att.id
        session.flush()
        info = ScanInfo(att.id, att.sha256, att.filename, att.media_type, att.size)
    assert ent.signed_on is not None
    return SignedEntrustment(ent.id, ent.document_no, ent.child_id, ent.status.code, ent.signed_on,
                             list(ent.signatories or []), info)

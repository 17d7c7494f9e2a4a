"""The attachment part of ``carebook check`` (附件检查): every attachment record has its file,
and every file opens (AES-GCM tag and plaintext SHA-256, see
:mod:`carebook.model.attachment_store`); no clear file of an earlier version is left.

Problems name the attachment by its file name and the child's name, in words, so the person
at the PC knows which scan to look for.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model.attachment_store import AttachmentDamaged, AttachmentMissing, AttachmentStore
from carebook.model.attachments import Attachment
from carebook.model.children import Child
from carebook.model.command_name import CLI
from carebook.model.errors import CarebookError
from carebook.model.integrity import MAX_DETAILS, CheckProblem, CheckReport

CHECK = "attachments"


def _names(items: list[dict[str, str]]) -> tuple[str, str]:
    shown = items[:5]
    zh = "、".join(f"“{i['filename']}”" + (f"（{i['child']}）" if i["child"] else "") for i in shown)
    en = ", ".join(f"'{i['filename']}'" + (f" ({i['child']})" if i["child"] else "") for i in shown)
    more = len(items) - len(shown)
    if more > 0:
        zh += f" 等 {len(items)} 个"
        en += f" and {more} more"
    return zh, en


def check_attachments(session: Session, attachments_dir: Path, report: CheckReport) -> None:
    """Add the ``attachments`` check to ``report``: counts ``attachments`` (records) and
    ``attachment_bytes`` (plaintext read); problems for missing files, damaged files and clear
    files of earlier versions. Reads only (no key is made)."""
    report.checks.append(CHECK)
    try:
        store = AttachmentStore.of(session, attachments_dir, create=False)
    except CarebookError as exc:  # the key itself is damaged
        report.problems.append(CheckProblem(CHECK, exc.message_zh, exc.message_en))
        return
    missing: list[dict[str, str]] = []
    damaged: list[dict[str, str]] = []
    count = size = 0
    rows = session.execute(select(Attachment.id, Attachment.sha256, Attachment.filename, Child.name)
                           .outerjoin(Child, Child.id == Attachment.child_id).order_by(Attachment.created_at))
    for attachment_id, sha, filename, child in rows:
        count += 1
        item = {"attachment_id": attachment_id, "filename": filename, "child": child or ""}
        try:
            size += len(store.get(sha, label=filename))
        except AttachmentMissing:
            missing.append(item)
        except (AttachmentDamaged, OSError):
            damaged.append(item)
    report.counts["attachments"] = count
    report.counts["attachment_bytes"] = size
    if missing:
        zh, en = _names(missing)
        report.problems.append(CheckProblem(
            CHECK, f"{len(missing)} 个附件的文件不见了：{zh}。请从备份恢复（{CLI} restore）。",
            f"The files of {len(missing)} attachments are missing: {en}. Restore them from a backup.",
            missing[:MAX_DETAILS]))
    if damaged:
        zh, en = _names(damaged)
        report.problems.append(CheckProblem(
            CHECK, f"{len(damaged)} 个附件的文件已损坏或被改动，无法打开：{zh}。请从备份恢复。",
            f"The files of {len(damaged)} attachments are damaged or were altered and cannot be opened: {en}. "
            "Restore them from a backup.", damaged[:MAX_DETAILS]))
    clear = store.clear_files()
    if clear:
        report.problems.append(CheckProblem(
            CHECK, f"附件文件夹里还有 {len(clear)} 个未加密的文件。重新打开 Carebook 会把它们加密。",
            f"{len(clear)} attachment files are not encrypted yet. Opening Carebook again encrypts them.",
            [p.name for p in clear[:MAX_DETAILS]]))

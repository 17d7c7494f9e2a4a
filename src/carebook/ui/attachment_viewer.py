"""Opening an attachment (打开附件): the sealed file is decrypted on the worker into a private
temporary folder of this app session and handed to the system viewer; the folder is deleted
when the app quits, and folders left by an earlier session that ended abruptly are deleted the
next time an attachment is opened."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from carebook.ui import backend
from carebook.ui.context import AppContext

PREFIX = "carebook-open-"
STALE_SECONDS = 6 * 3600
"""Folders of other sessions older than this are deleted (another Carebook may still be open)."""

_session_folder: Path | None = None
opened: list[Path] = []
"""Files opened in this session (newest last), for tests."""


def purge_stale(root: Path | None = None, *, older_than: float = STALE_SECONDS) -> int:
    """Delete ``carebook-open-*`` folders of earlier sessions in ``root`` (the system temporary
    folder); returns how many were deleted."""
    root = Path(root or tempfile.gettempdir())
    removed = 0
    limit = time.time() - older_than
    for folder in root.glob(PREFIX + "*"):
        if folder == _session_folder or not folder.is_dir():
            continue
        with contextlib.suppress(OSError):
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder)
                removed += 1
    return removed


def cleanup() -> None:
    """Delete this session's folder of opened copies (called when the app quits)."""
    global _session_folder
    if _session_folder is not None:
        shutil.rmtree(_session_folder, ignore_errors=True)
        _session_folder = None


def session_folder() -> Path:
    """This session's private folder (mode 0700), made on first use; deleted at quit."""
    global _session_folder
    if _session_folder is None or not _session_folder.is_dir():
        purge_stale()
        _session_folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        os.chmod(_session_folder, 0o700)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(cleanup)
    return _session_folder


def open_attachment(ctx: AppContext, attachment_id: str, parent: QWidget | None = None,
                    *, show: bool = True) -> None:
    """Decrypt the attachment ``attachment_id`` on the worker and open it with the system's
    viewer (``show=False``: only decrypt, for tests). Errors (missing or damaged file) are shown
    in words."""
    folder = session_folder()
    api = ctx.api

    def done(path: Path) -> None:
        opened.append(path)
        if show:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    ctx.task(lambda t: backend.attachment_copy(api, attachment_id, folder), parent).success(done).run()

"""Showing errors to people: friendly words, never a traceback.

A :class:`~carebook.model.errors.CarebookError` carries its own message in the current language
(Chinese by default), saying what went wrong and what to do; it is shown as it is. Anything
else is a bug: it is logged with its traceback and the user sees a calm message that says the
data is safe and where the log is.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from carebook.model.errors import CarebookError, ValidationError

log = logging.getLogger(__name__)

#: Every message shown, newest last (for tests and the support log); at most 50 kept.
shown_messages: list[str] = []


def error_text(exc: BaseException) -> str:
    """Return the text to show for ``exc``: the user-facing message of a CarebookError (all
    field messages of a ValidationError, one per line) or a generic message for a bug."""
    if isinstance(exc, ValidationError):
        lines = [e.message for e in exc.errors]
        return "\n".join(dict.fromkeys(lines))
    if isinstance(exc, CarebookError):
        return exc.message
    return QCoreApplication.translate(
        "Errors",
        "Something unexpected went wrong. Your data is safe. Please try again; if it happens "
        "again, send the log file to support.",
    )


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show ``exc`` in a window-modal message box over ``parent`` without blocking.

    Unexpected errors (not CarebookError) are logged with their traceback first.
    """
    if not isinstance(exc, CarebookError):
        log.error("unexpected error in a task", exc_info=exc)
    show_message(parent, error_text(exc))


def show_message(parent: QWidget | None, text: str, warning: bool = True) -> None:
    """Show ``text`` in a message box (window-modal, non-blocking, deleted on close)."""
    shown_messages.append(text)
    del shown_messages[:-50]
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information)
    box.setWindowTitle(QCoreApplication.translate("Errors", "Carebook"))
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName("carebook-message")
    box.open()

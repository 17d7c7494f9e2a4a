"""Printing a child's history of changes (打印历史记录) and showing a mandatory report with its
opening audited (查看强制报告).

:class:`HistoryPrintDialog` is the print dialog of :mod:`carebook.ui.print_dialog` for one
document: the history PDF of :mod:`carebook.documents.history_pdf` (every recorded change:
when, who, which installation, old and new value), previewed, printed or saved as PDF.

:class:`ReportDialog` shows every field of a mandatory report, the confidential reporter
included; the fields are read through :func:`carebook.model.audit.open_report`, which records
the opening (who, when, which installation) in the same transaction, and the dialog lists who
opened the report before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from carebook.ui import protect_ops
from carebook.ui.context import AppContext
from carebook.ui.print_dialog import PrintDialog

HISTORY_KIND = "child_history"


class HistoryPrintDialog(PrintDialog):
    """Preview, print or save the history of changes of one child's file."""

    def __init__(self, ctx: AppContext, child_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, child_id, parent)
        self.setObjectName("history-print-dialog")
        self.setWindowTitle(self.tr("Print the history"))
        self.kind.clear()
        self.kind.addItem(self.tr("History of changes of the file"), HISTORY_KIND)
        self.kind.setEnabled(False)

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        """Render the history on the worker, then call ``then(pdf_bytes)``."""
        api, child_id = self.ctx.api, self.child_id
        self.status.setText(self.tr("Preparing the history..."))
        self.ctx.task(lambda t: protect_ops.history_pdf(api, child_id), self).success(then).finally_(
            lambda: self.status.clear()).run()

    def save_to(self, path: Path) -> None:
        """Render the history and write it to ``path`` on the worker (atomically)."""
        api, child_id = self.ctx.api, self.child_id
        self.ctx.task(lambda t: protect_ops.save_history_pdf(api, child_id, path), self).success(
            lambda out: self._saved(out, HISTORY_KIND)).run()


class ReportDialog(QDialog):
    """One mandatory report with every field (the reporter included) and who opened it."""

    def __init__(self, details: protect_ops.ReportDetails, opened_by: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("report-dialog")
        self.setWindowTitle(self.tr("Mandatory report"))
        note = QLabel(self.tr("Confidential. Opening this report is recorded (who and when)."))
        note.setStyleSheet("background: #fff4e5; padding: 6px;")
        note.setWordWrap(True)
        form = QFormLayout()
        for label, text in details.rows:
            value = QLabel(text)
            value.setWordWrap(True)
            form.addRow(label, value)
        opened = QLabel("\n".join(opened_by))
        opened.setObjectName("report-opened-by")
        form.addRow(self.tr("Opened"), opened)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)


def open_report(ctx: AppContext, record_id: str, parent: QWidget) -> None:
    """Open the report ``record_id`` (audited, on the worker) in a :class:`ReportDialog`; a
    referral has no details to show beyond its row and is not opened."""
    api = ctx.api

    def load(t: object) -> tuple[protect_ops.ReportDetails | None, list[str]]:
        details = protect_ops.report_details(api, record_id)
        return details, protect_ops.audit_trail(api, record_id) if details is not None else []

    def show(result: tuple[protect_ops.ReportDetails | None, list[str]]) -> None:
        details, opened = result
        if details is None:
            from carebook.ui.errors import show_message

            show_message(parent, QCoreApplication.translate(
                "ReportDialog", "A referral: its agency, date and status are in the list."), warning=False)
            return
        dialog = ReportDialog(details, opened, parent)
        dialog.open()
        setattr(parent, "report_dialog", dialog)  # noqa: B010  (kept alive; tests look at it)

    ctx.task(load, parent).success(show).run()

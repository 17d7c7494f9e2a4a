"""登记签字: record the wet signatures of a printed entrustment-guardianship confirmation — the
date, who signed, and the scan of the signed paper (PDF/JPG/PNG), which is stored encrypted and
listed in the child's attachments. The work runs on the worker (backend, no SQL here)."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carebook.model.errors import ValidationError
from carebook.ui import backend
from carebook.ui.context import CHILDREN, ENTRUSTMENTS, AppContext
from carebook.ui.errors import show_error
from carebook.ui.widgets.form import Form

_SEPARATORS = re.compile(r"[、，,;；\s]+")


def split_names(text: str) -> list[str]:
    """Names typed in one field, separated by 、，, ; or spaces (empty parts dropped)."""
    return [n for n in _SEPARATORS.split(text or "") if n]


class SignEntrustmentDialog(QDialog):
    """Record the signatures of the confirmation ``entrustment_id`` (document ``document_no``
    of the child ``child_name``); ``signatories`` pre-fills who signed.

    Signals:
        signed(str): the confirmation's id, after it was recorded signed.
    """

    signed = Signal(str)

    def __init__(self, ctx: AppContext, entrustment_id: str, document_no: str, child_name: str,
                 signatories: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entrustment_id = entrustment_id
        self.setObjectName("sign-entrustment-dialog")
        self.setWindowTitle(self.tr("Record signatures"))
        self.setMinimumWidth(480)
        intro = QLabel(self.tr("Confirmation %1 of %2: enter the date it was signed and who signed, and "
                               "attach the scan of the signed paper.").replace("%1", document_no)
                       .replace("%2", child_name))
        intro.setWordWrap(True)
        self.form = Form(self)
        self.signed_on = self.form.date("signed_on", self.tr("Date signed *"))
        self.signed_on.set_value(backend.today())
        self.signatories = self.form.text("signatories", self.tr("Signed by *"),
                                          self.tr("names, separated by 、 or commas"))
        self.signatories.set_value("、".join(signatories or []))
        self.scan_edit = QLineEdit()
        self.scan_edit.setObjectName("scan-path")
        self.scan_edit.setReadOnly(True)
        self.scan_edit.setPlaceholderText(self.tr("no scan attached"))
        choose = QPushButton(self.tr("Choose scan..."))
        choose.clicked.connect(self._choose_scan)
        scan_row = QWidget()
        box = QHBoxLayout(scan_row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.scan_edit, 1)
        box.addWidget(choose)
        self.form.layout.addRow(self.tr("Scan (PDF, JPG, PNG)"), scan_row)
        note = QLabel(self.tr("The scan is stored encrypted on this PC and travels to the township in the "
                              "next data package."))
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Record &signatures"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form.layout)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.scan: Path | None = None
        self.signed_on.editor.setFocus()

    def _choose_scan(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the scan of the signed confirmation"), "",
                                              self.tr("Scans (*.pdf *.jpg *.jpeg *.png)"))
        if name:
            self.set_scan(Path(name))

    def set_scan(self, path: Path | None) -> None:
        """Attach ``path`` (or nothing) as the scan."""
        self.scan = path
        self.scan_edit.setText(str(path) if path else "")

    def save(self) -> None:
        """Check the input here, then record on the worker."""
        names = split_names(str(self.signatories.value() or ""))
        errors = {}
        if self.signed_on.value() is None:
            errors["signed_on"] = self.tr("Enter the date it was signed.")
        if not names:
            errors["signatories"] = self.tr("Enter who signed.")
        if errors:
            self.form.show_errors(errors)
            return
        self.form.show_errors({})
        signed_on, scan = self.signed_on.value(), self.scan
        api, ref = self.ctx.api, self.entrustment_id
        self.buttons.setEnabled(False)
        self.ctx.task(lambda t: backend.record_entrustment_signatures(api, ref, signed_on, names, scan), self).success(
            self._done).failure(self._failed).finally_(lambda: self.buttons.setEnabled(True)).run()

    def _done(self, _result: object) -> None:
        self.signed.emit(self.entrustment_id)
        self.ctx.notify_changed(ENTRUSTMENTS, CHILDREN)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and not self.form.show_errors({e.field: e.message for e in exc.errors}):
            return  # shown beside the fields
        show_error(self, exc)  # in words (CarebookError), never a traceback

"""Closing a child's file (销档) with a reason. Files are never deleted."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from carebook.model.enums import ClosingReason
from carebook.model.errors import ValidationError
from carebook.ui import backend
from carebook.ui.context import CHILDREN, AppContext
from carebook.ui.errors import show_error
from carebook.ui.widgets.form import Form


class CloseFileDialog(QDialog):
    """Ask for the reason (aged out, moved, adopted, reunited, parent released, independent,
    deceased, entered in error, other), the date and a note, then close the file.

    Signals:
        closed_file(str): the child's id, after the file was closed.
    """

    closed_file = Signal(str)

    def __init__(self, ctx: AppContext, child_id: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.child_id = child_id
        self.setObjectName("close-file-dialog")
        self.setWindowTitle(self.tr("Close the file"))
        intro = QLabel(self.tr("Close the file of %1. The file is kept and can be reopened; "
                               "it leaves the lists of children to visit.").replace("%1", name))
        intro.setWordWrap(True)
        self.form = Form(self)
        self.reason = self.form.choice("reason", self.tr("Reason *"), list(ClosingReason))
        self.on = self.form.date("on", self.tr("Date"))
        self.on.set_value(backend.today())
        self.note = self.form.multiline("note", self.tr("Note"), 60)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Close &file"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.form.layout)
        layout.addWidget(self.buttons)
        self.reason.editor.setFocus()

    def save(self) -> None:
        """Close the file on the worker."""
        reason = self.reason.value()
        if reason is None:
            self.form.show_errors({"reason": self.tr("Choose why the file is closed.")})
            return
        on, note = self.on.value(), self.note.value()
        api, child_id = self.ctx.api, self.child_id
        self.ctx.task(lambda t: backend.close_child(api, child_id, reason, on, note), self).success(
            self._done).failure(self._failed).run()

    def _done(self, _result: object) -> None:
        self.closed_file.emit(self.child_id)
        self.ctx.notify_changed(CHILDREN)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.form.show_errors({("on" if e.field == "closed_on" else e.field): e.message for e in exc.errors})
        else:
            show_error(self, exc)

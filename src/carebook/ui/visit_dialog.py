"""The visit dialog (走访记录): the fields of a home visit or return visit, the next visit date
proposed from the frequency settings, the key-child mark and attachments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from carebook.model.enums import Relation, VisitKind, VisitMethod
from carebook.model.errors import ValidationError
from carebook.ui import backend
from carebook.ui.context import CHILDREN, VISITS, AppContext
from carebook.ui.errors import show_error
from carebook.ui.widgets.form import Form


class VisitDialog(QDialog):
    """Record one visit to a child (入户走访 or 回访).

    Enter saves (the Save button is the default), Esc cancels; Tab moves through the fields in
    order. The next visit date is filled from the frequency settings when the visit date is
    entered, and can be changed.

    Signals:
        recorded(str): the id of the visit recorded.
    """

    recorded = Signal(str)

    def __init__(self, ctx: AppContext, child_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.child_id = child_id
        self.setObjectName("visit-dialog")
        self.setWindowTitle(self.tr("Record a visit"))
        self.resize(720, 640)
        self.child_label = QLabel()
        self.child_label.setStyleSheet("font-weight: bold; font-size: 12pt;")

        self.form = Form(self)
        f = self.form
        self.visit_date = f.date("visit_date", self.tr("Visit date *"))
        f.text("visit_time", self.tr("Time"), self.tr("HH:MM"), 5)
        f.choice("kind", self.tr("Kind"), list(VisitKind), blank=False)
        f.choice("method", self.tr("Method"), list(VisitMethod), blank=False)
        f.text("place", self.tr("Place"))
        f.text("visitor_name", self.tr("Visitor"), "", 40)
        f.text("interviewee_name", self.tr("Person interviewed"), "", 40)
        f.choice("interviewee_relation", self.tr("Their relation to the child"), list(Relation))
        f.date("last_parent_contact", self.tr("Child's last contact with parents"))
        f.multiline("living_conditions", self.tr("Living conditions"))
        f.multiline("family_situation", self.tr("Family situation"))
        f.multiline("guardianship_situation", self.tr("Guardianship"))
        f.multiline("mental_state", self.tr("Mental state"))
        f.multiline("schooling_situation", self.tr("Schooling"))
        f.multiline("health_situation", self.tr("Health"))
        f.multiline("guardian_opinion", self.tr("Guardian's opinion"))
        f.multiline("actions", self.tr("Actions taken"))
        f.multiline("suggested_help", self.tr("Suggested help"))
        f.multiline("outcome", self.tr("Outcome (return visit)"))
        f.check("mark_key_child", self.tr("Key child"), self.tr("Mark the child as a key child"))
        self.next_visit = f.date("next_visit_date", self.tr("Next visit"))
        self.next_hint = QLabel()
        self.next_hint.setStyleSheet("color: #555;")
        f.layout.addRow("", self.next_hint)

        self.attachments = QListWidget()
        self.attachments.setObjectName("visit-attachments")
        self.attachments.setMaximumHeight(70)
        add = QPushButton(self.tr("Add photo or scan..."))
        add.clicked.connect(self._add_attachment)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(lambda: self.attachments.takeItem(self.attachments.currentRow()))
        for b in (add, remove):
            b.setAutoDefault(False)  # Enter saves the visit, never opens the file chooser
        files = QWidget()
        files_box = QHBoxLayout(files)
        files_box.setContentsMargins(0, 0, 0, 0)
        files_box.addWidget(self.attachments, 1)
        buttons_col = QVBoxLayout()
        buttons_col.addWidget(add)
        buttons_col.addWidget(remove)
        buttons_col.addStretch(1)
        files_box.addLayout(buttons_col)
        f.layout.addRow(self.tr("Attachments"), files)

        inner = QWidget()
        inner.setLayout(f.layout)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.banner = QLabel()
        self.banner.setStyleSheet("color: #b00020;")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("&Save visit"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.child_label)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.buttons)

        self.visit_date.set_value(backend.today())
        self.visit_date.editor.editingFinished.connect(self._propose_next)  # type: ignore[attr-defined]
        self._next_touched = False
        self.next_visit.changed.connect(lambda: setattr(self, "_next_touched", True))
        self._typed = False  # the user typed or chose something (a prefilled value does not count)
        self.form.changed.connect(lambda: setattr(self, "_typed", True))
        api = ctx.api
        ctx.task(lambda t: backend.visit_context(api, child_id), self).success(self._show_context).run()
        self._propose_next()
        self.visit_date.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_context(self, info: backend.VisitContext) -> None:
        self.child_label.setText(info.heading)
        if info.visitor_name and not self.form.field("visitor_name").value():
            self.form.field("visitor_name").set_value(info.visitor_name)
        if info.guardian_name and not self.form.field("interviewee_name").value():
            self.form.field("interviewee_name").set_value(info.guardian_name)
            self.form.field("interviewee_relation").set_value(info.guardian_relation)

    def _propose_next(self) -> None:
        day = self.visit_date.value()
        if not isinstance(day, dt.date) or self._next_touched:
            return
        api, child_id = self.ctx.api, self.child_id
        self.ctx.task(lambda t: backend.propose_next_visit(api, child_id, day), self).coalesce(
            "visit-next").success(self._show_proposal).failure(lambda e: None).run()

    def _show_proposal(self, proposal: tuple[dt.date, int]) -> None:
        if self._next_touched:
            return
        day, interval = proposal
        self.next_visit.set_value(day)
        self.next_hint.setText(
            self.tr("Proposed from the visit frequency settings: every %1 days.").replace("%1", str(interval))
        )

    def _add_attachment(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add photos or scans"), str(Path.home()),
            self.tr("Images and PDF (*.jpg *.jpeg *.png *.pdf);;All files (*)"),
        )
        for name in names:
            self.add_attachment(Path(name))

    def add_attachment(self, path: Path) -> None:
        """Attach ``path`` (a photo or scan) to the visit being recorded."""
        self.attachments.addItem(str(path))

    def values(self) -> dict[str, Any]:
        """The visit's fields (blank ones left out)."""
        return {k: v for k, v in self.form.values().items() if v not in (None, "", False)}

    def save(self) -> None:
        """Record the visit on the worker; validation messages appear beside the fields. A next
        visit date the user did not set is left to the model, which proposes it from the visit
        date saved (QA: the proposal shown could still be the one for the date before the last
        edit, when Enter was pressed at once)."""
        values = self.values()
        if not self._next_touched:
            values.pop("next_visit_date", None)
        files = [Path(self.attachments.item(i).text()) for i in range(self.attachments.count())]
        api, child_id = self.ctx.api, self.child_id
        self.buttons.setEnabled(False)
        self.ctx.task(lambda t: backend.record_visit(api, child_id, values, files), self).success(
            self._saved).failure(self._failed).finally_(lambda: self.buttons.setEnabled(True)).run()

    def reject(self) -> None:
        """Cancel or Esc: when something was typed, ask first (QA: a long visit record typed in
        the field was lost to one Esc without a word)."""
        if (self._typed or self.attachments.count()) and not self.ask_discard():
            return
        super().reject()

    def ask_discard(self) -> bool:
        """Ask whether to throw away the visit being typed; True to discard it."""
        answer = QMessageBox.question(
            self, self.tr("Discard this visit?"),
            self.tr("The visit you are recording has not been saved. Discard what you typed?"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def _saved(self, visit_id: str) -> None:
        self.recorded.emit(visit_id)
        self.ctx.notify_changed(VISITS, CHILDREN)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, ValidationError):
            show_error(self, exc)
            return
        errors = {e.field: e.message for e in reversed(exc.errors)}
        unplaced = self.form.show_errors(errors)
        self.banner.setText("\n".join([self.tr("Not saved: please correct the marked fields.")]
                                      + [errors[n] for n in unplaced]))
        self.banner.show()
        first = self.form.first_error_field()
        if first is not None:
            first.editor.setFocus()

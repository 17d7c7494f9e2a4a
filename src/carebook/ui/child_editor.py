"""The child file editor (一人一档案): tabs, save with validation beside the fields, undo of
the last change, a guard against losing unsaved edits, closing a file with a reason.

The History tab prints the history of changes (打印历史记录); a mandatory report of the Reports
tab opens in full with a double-click or Enter, and that opening is recorded (audit).

Keys: Ctrl+S or Ctrl+Enter saves; Enter in a one-line field moves to the next field; Esc goes
back to the register (asking first when there are unsaved changes); Ctrl+Shift+Z undoes the
last change of a field (typing inside a field has its own Ctrl+Z); Ctrl+PgUp/PgDown switch tabs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carebook.model.errors import EditConflictError, ValidationError
from carebook.ui import backend
from carebook.ui.child_tabs.base import FormTab
from carebook.ui.child_tabs.family import FamilyTab
from carebook.ui.child_tabs.identity import IdentityTab
from carebook.ui.child_tabs.list_tab import ListTab
from carebook.ui.child_tabs.school_health import HealthTab, SchoolingTab
from carebook.ui.context import CHILDREN, AppContext
from carebook.ui.errors import show_error
from carebook.ui.widgets.form import Field


class ChildEditor(QWidget):
    """The file of one child, shown in the main window's stack.

    Signals:
        closed: the user left the editor (back to the register).
        saved(str): the child with this record id was saved.
    """

    closed = Signal()
    saved = Signal(str)
    loaded = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("child-editor")
        self.child_id: str | None = None
        self.version: int | None = None
        self.data: backend.ChildFileData | None = None
        self._baseline: dict[str, Any] = {}
        self._last_values: dict[str, Any] = {}
        self._last_fields: set[str] = set()
        self._undo: list[dict[str, Any]] = []
        self._loading = False

        self.heading = QLabel()
        self.heading.setObjectName("child-heading")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.subheading = QLabel()
        self.subheading.setObjectName("child-subheading")
        self.banner = QLabel()
        self.banner.setObjectName("child-banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("color: #b00020; padding: 4px; background: #fdecee;")
        self.banner.hide()

        self.back_button = QPushButton(self.tr("Back"))
        self.back_button.setToolTip(self.tr("Back to the register (Esc)"))
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setToolTip(self.tr("Save the file (Ctrl+S)"))
        self.save_button.setDefault(True)
        self.undo_button = QPushButton(self.tr("&Undo last change"))
        self.undo_button.setToolTip(self.tr("Undo the last change of a field (Ctrl+Shift+Z)"))
        self.visit_button = QPushButton(self.tr("Record &visit"))
        self.print_button = QPushButton(self.tr("&Print forms"))
        self.close_file_button = QPushButton(self.tr("C&lose file..."))
        self.close_file_button.setToolTip(self.tr("Close the file with a reason (it is kept, never deleted)"))

        self.identity = IdentityTab(ctx)
        self.family = FamilyTab(ctx)
        self.schooling = SchoolingTab(ctx)
        self.health = HealthTab(ctx)
        self.form_tabs: list[FormTab] = [self.identity, self.family, self.schooling, self.health]
        self.assistance = ListTab(self.tr("Assistance"), [self.tr("Assistance"), self.tr("From"),
                                  self.tr("To"), self.tr("Yuan per month"), self.tr("Notes")],
                                  self.tr("No assistance recorded."))
        self.visits = ListTab(self.tr("Visits"), [self.tr("Date"), self.tr("Kind"), self.tr("Visitor"),
                              self.tr("Findings"), self.tr("Next visit")], self.tr("No visit recorded yet."))
        self.entrustments = ListTab(self.tr("Entrustments"), [self.tr("Document no."), self.tr("Guardian"),
                                    self.tr("From"), self.tr("To"), self.tr("Status")],
                                    self.tr("No entrustment confirmation."))
        self.reports = ListTab(self.tr("Reports and referrals"), [self.tr("Kind"), self.tr("Date"),
                               self.tr("To"), self.tr("Status")], self.tr("No report or referral."))
        self.attachments = ListTab(self.tr("Attachments"), [self.tr("File"), self.tr("Kind"),
                                   self.tr("Added")], self.tr("No attachment."))
        self.history = ListTab(self.tr("History"), [self.tr("When"), self.tr("Who"), self.tr("What"),
                               self.tr("Old value"), self.tr("New value")], self.tr("No change yet."))
        self.list_tabs = [self.assistance, self.visits, self.entrustments, self.reports,
                          self.attachments, self.history]
        self.tabs = QTabWidget()
        self.tabs.setObjectName("child-tabs")
        for tab in self.form_tabs[:2]:
            self.tabs.addTab(tab, tab.title())
        self.tabs.addTab(self.schooling, self.schooling.title())
        self.tabs.addTab(self.health, self.health.title())
        for list_tab in self.list_tabs:
            self.tabs.addTab(list_tab, list_tab.title())
        self.visit_add = self.visits.add_button(self.tr("Record visit"))
        self.attach_add = self.attachments.add_button(self.tr("Add scan or photo..."))
        self.history_print = self.history.add_button(self.tr("Print the history..."))
        self.history_print.setObjectName("history-print")

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.subheading)
        head.addLayout(titles, 1)
        for b in (self.visit_button, self.print_button, self.close_file_button):
            head.addWidget(b)
        foot = QHBoxLayout()
        self.hint = QLabel(self.tr("Ctrl+S save · Esc back · Enter next field"))
        self.hint.setStyleSheet("color: #666;")
        foot.addWidget(self.hint, 1)
        foot.addWidget(self.undo_button)
        foot.addWidget(self.back_button)
        foot.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(head)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(foot)

        for tab in self.form_tabs:
            tab.changed.connect(self._on_edit)
            for f in tab.fields().values():
                if isinstance(f.editor, QLineEdit):
                    f.editor.installEventFilter(self)
        self.save_button.clicked.connect(self.save)
        self.back_button.clicked.connect(self.go_back)
        self.undo_button.clicked.connect(self.undo)
        self.visit_button.clicked.connect(self.record_visit)
        self.visit_add.clicked.connect(self.record_visit)
        self.attach_add.clicked.connect(self._choose_attachment)
        self.attachments.activated.connect(self.open_attachment)
        self.close_file_button.clicked.connect(self.close_file)
        self.print_button.clicked.connect(self.print_forms)
        self.history_print.clicked.connect(self.print_history)
        self.reports.activated.connect(self.open_report)
        for seq, slot in (("Ctrl+S", self.save), ("Ctrl+Return", self.save), ("Ctrl+Enter", self.save),
                          ("Esc", self.go_back), ("Ctrl+Shift+Z", self.undo)):
            QShortcut(QKeySequence(seq), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        ctx.changed.connect(self._on_changed)
        self._update_buttons()

    # -- loading ----------------------------------------------------------------------------
    def load(self, child_id: str | None) -> None:
        """Show the file of ``child_id``, or an empty file for a new child."""
        self.child_id = child_id
        self.banner.hide()
        for tab in self.form_tabs:
            for f in tab.fields().values():
                f.set_error(None)
        self.tabs.setCurrentIndex(0)
        if child_id is None:
            self._apply(backend.ChildFileData.empty())
            self.identity.name.editor.setFocus()
            return
        api = self.ctx.api
        self.ctx.task(lambda t: backend.load_child(api, child_id), self).coalesce("child-load").success(
            self._apply
        ).run()

    def _apply(self, data: backend.ChildFileData) -> None:
        self._loading = True
        self.data = data
        self.child_id = data.child_id
        self.version = data.version
        for tab in self.form_tabs:
            tab.set_values(data.values)
        none = self.tr("(computed when saved)") if data.child_id is None else self.tr("none")
        self.identity.categories.setText("、".join(data.category_labels) or none)
        self.assistance.set_rows(data.assistance)
        self.visits.set_rows(data.visits)
        self.entrustments.set_rows(data.entrustments)
        self.reports.set_rows(data.reports)
        self.attachments.set_rows(data.attachments)
        self.history.set_rows(data.history)
        self._baseline = self.values()
        self._last_values = dict(self._baseline)
        self._last_fields = set()
        self._undo.clear()
        self._loading = False
        self._update_heading()
        self._update_buttons()
        self.loaded.emit(data.child_id or "")

    def values(self) -> dict[str, Any]:
        """All form values by full field name."""
        out: dict[str, Any] = {}
        for tab in self.form_tabs:
            out.update(tab.values())
        return out

    def fields(self) -> dict[str, Field]:
        """All form fields by full name."""
        out: dict[str, Field] = {}
        for tab in self.form_tabs:
            out.update(tab.fields())
        return out

    def values_to_save(self) -> dict[str, Any]:
        """For a new child, every field filled in (unticked boxes of family members left out,
        so no empty member is created); for an existing one, only the fields changed since
        loading (so the change log records only real changes)."""
        values = self.values()
        if self.child_id is None:
            return {k: v for k, v in values.items()
                    if v not in (None, "", []) and not ("." in k and v is False)}
        return {k: v for k, v in values.items() if v != self._baseline.get(k)}

    def is_dirty(self) -> bool:
        """True when the form differs from what was loaded or last saved."""
        return self.values() != self._baseline

    # -- editing and undo -----------------------------------------------------------------------
    def _on_edit(self) -> None:
        if self._loading:
            return
        now = self.values()
        changed = {k for k, v in now.items() if self._last_values.get(k) != v}
        if changed and changed != self._last_fields:
            self._undo.append(self._last_values)
            self._last_fields = changed
        self._last_values = now
        self._update_buttons()

    def undo(self) -> None:
        """Undo the last change of a field (all typing in that field at once)."""
        if not self._undo:
            return
        previous = self._undo.pop()
        self._loading = True
        for tab in self.form_tabs:
            tab.set_values(previous)
        self._loading = False
        self._last_values = previous
        self._last_fields = set()
        self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty or self.child_id is None)
        self.undo_button.setEnabled(bool(self._undo))
        existing = self.child_id is not None
        closed = bool(self.data and self.data.closed_text)
        self.visit_button.setEnabled(existing and not closed)
        self.visit_add.setEnabled(existing and not closed)
        self.close_file_button.setEnabled(existing and not closed)
        self.print_button.setEnabled(existing)
        self.history_print.setEnabled(existing)
        self.attach_add.setEnabled(existing)
        self._update_heading()

    def _update_heading(self) -> None:
        stored = self.data.values.get("name") if self.data is not None and self.child_id is not None else None
        name = self.identity.name.value() or stored or self.tr("New child")  # (QA: a cleared name read 新儿童)
        self.heading.setText(name + (" *" if self.is_dirty() else ""))
        data = self.data
        if data is None or data.child_id is None:
            self.subheading.setText(self.tr("Not saved yet"))
        elif data.closed_text:
            self.subheading.setText(data.closed_text)
        else:
            self.subheading.setText("、".join(data.category_labels))

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        """Validate and save on the worker; on a validation error, show the messages beside
        the fields, go to the first one and save nothing."""
        self._save(overwrite=False)

    def _save(self, *, overwrite: bool) -> None:
        values = self.values_to_save()
        child_id, version = self.child_id, self.version
        baseline = dict(self.data.values) if self.data is not None and child_id is not None else None
        api = self.ctx.api
        self.save_button.setEnabled(False)
        self.ctx.task(lambda t: backend.save_child(api, child_id, version, values, baseline, overwrite=overwrite),
                      self).success(self._saved).failure(self._save_failed).finally_(self._update_buttons).run()

    def _saved(self, child_id: str) -> None:
        self.banner.hide()
        for f in self.fields().values():
            f.set_error(None)
        self.saved.emit(child_id)
        self.ctx.notify_changed(CHILDREN)
        self.load(child_id)

    def _save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, EditConflictError):
            self._edit_conflict(exc)
            return
        if not isinstance(exc, ValidationError):
            show_error(self, exc)
            return
        fields = self.fields()
        errors: dict[str, str] = {}
        for e in exc.errors:
            errors.setdefault(e.field, e.message)
        unplaced = [msg for name, msg in errors.items() if name not in fields]
        for name, f in fields.items():
            f.set_error(errors.get(name))
        self.banner.setText(
            self.tr("Not saved: %1 field(s) need correcting.").replace("%1", str(len(errors)))
            + ("\n" + "\n".join(unplaced) if unplaced else "")
        )
        self.banner.show()
        first = next((f for name, f in fields.items() if name in errors), None)
        if first is not None:
            for i in range(self.tabs.count()):
                tab = self.tabs.widget(i)
                if isinstance(tab, FormTab) and first.name in tab.fields():
                    self.tabs.setCurrentIndex(i)
                    tab.ensureWidgetVisible(first.editor)
            first.editor.setFocus()

    def _edit_conflict(self, exc: EditConflictError) -> None:
        """The file changed since it was opened, in fields the user changed too: nothing was
        saved. The user chooses (:meth:`ask_conflict`): reload (their edits dropped), save anyway
        (the other change overwritten, knowingly) or go on editing."""
        choice = self.ask_conflict(exc)
        if choice == "reload" and self.child_id is not None:
            self.load(self.child_id)
        elif choice == "overwrite":
            self._save(overwrite=True)

    def ask_conflict(self, exc: EditConflictError) -> str:
        """Ask what to do about an edit conflict: ``"reload"``, ``"overwrite"`` or ``"edit"``."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("File changed meanwhile"), exc.message,
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("edit-conflict")
        reload = box.addButton(self.tr("Reload (drop my changes)"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("Save mine anyway"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(reload)
        box.exec()
        clicked = box.clickedButton()
        return "reload" if clicked is reload else "overwrite" if clicked is keep else "edit"

    # -- leaving ----------------------------------------------------------------------------
    def ask_unsaved(self) -> QMessageBox.StandardButton:
        """Ask what to do with unsaved edits: Save, Discard or Cancel."""
        return QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            self.tr("The file of %1 has unsaved changes. Save them?").replace(
                "%1", self.identity.name.value() or self.tr("the new child")),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )

    def can_leave(self) -> bool:
        """True when there are no unsaved edits, or the user chose to save or discard them.
        Saving first keeps the user here when validation fails."""
        if not self.is_dirty():
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Discard:
            self._baseline = self.values()
            return True
        if answer == QMessageBox.StandardButton.Save:
            self.save()
            return False
        return False

    def go_back(self) -> None:
        """Back to the register (guarded)."""
        if self.can_leave():
            self.closed.emit()

    # -- actions ----------------------------------------------------------------------------
    def record_visit(self) -> None:
        """Open the visit dialog for this child."""
        if self.child_id is None:
            return
        from carebook.ui.visit_dialog import VisitDialog

        VisitDialog(self.ctx, self.child_id, self).open()

    def _choose_attachment(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add scans or photos"), "",
            self.tr("Images and PDF (*.jpg *.jpeg *.png *.pdf);;All files (*)"))
        for name in names:
            self.attach(Path(name))

    def attach(self, path: Path) -> None:
        """Attach ``path`` (a signed form's scan, a certificate) to this child's file."""
        if self.child_id is None:
            return
        api, child_id = self.ctx.api, self.child_id
        self.ctx.task(lambda t: backend.add_attachment(api, child_id, "child", child_id, path), self).success(
            lambda _id: self.ctx.notify_changed(CHILDREN)).run()

    def open_attachment(self, attachment_id: str) -> None:
        """Open an attachment (double-click or Enter in the Attachments tab): decrypted into a
        private temporary copy, deleted when the app quits (see :mod:`carebook.ui.attachment_viewer`)."""
        from carebook.ui.attachment_viewer import open_attachment

        open_attachment(self.ctx, attachment_id, self)

    def close_file(self) -> None:
        """Ask for the closing reason and close the file (销档)."""
        if self.child_id is None:
            return
        from carebook.ui.close_dialog import CloseFileDialog

        CloseFileDialog(self.ctx, self.child_id, self.identity.name.value() or "", self).open()

    def print_forms(self) -> None:
        """Open the print dialog for this child's forms."""
        if self.child_id is None:
            return
        from carebook.ui.print_dialog import PrintDialog

        PrintDialog(self.ctx, self.child_id, self).open()

    def print_history(self) -> None:
        """Open the print dialog of this child's history of changes (打印历史记录)."""
        if self.child_id is None:
            return
        from carebook.ui.history_print import HistoryPrintDialog

        self.history_dialog = HistoryPrintDialog(self.ctx, self.child_id, self)
        self.history_dialog.open()

    def open_report(self, record_id: str) -> None:
        """Show a mandatory report of the Reports tab in full; the opening is recorded."""
        from carebook.ui.history_print import open_report

        open_report(self.ctx, record_id, self)

    def _on_changed(self, entities: frozenset[str]) -> None:
        if self.child_id is not None and entities and not self.is_dirty():
            self.load(self.child_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a one-line field moves to the next field."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.focusNextChild()
            return True
        return super().eventFilter(watched, event)

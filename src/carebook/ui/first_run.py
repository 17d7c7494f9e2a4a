"""The first-run wizard (首次设置向导): role, organisation names and codes — or, for a village,
the township's enrolment file (登记文件, as ``carebook init --enrolment FILE``), which brings the
names, codes and the township's keys — import of an existing ledger with a preview of the column
mapping (the user can correct it) and the bad rows listed, visit frequencies.

The organisation page is the commit page: leaving it sets up the installation, after which
the ledger can be checked (a dry run) and imported. Reading, checking and importing run on the
worker; importing shows progress and can be cancelled before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from carebook.model.errors import ValidationError
from carebook.ui import backend
from carebook.ui.context import CHILDREN, SETTINGS, AppContext
from carebook.ui.errors import error_text, show_error
from carebook.ui.pages.settings_page import SettingsPage


class RolePage(QWizardPage):
    """Who uses this PC: a village child director or a township child supervisor."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Welcome to Carebook"))
        self.setSubTitle(self.tr("A few questions to set up this computer. You can change the visit "
                                 "frequencies later in Settings."))
        self.village = QRadioButton(self.tr("Village or residents' committee (child director)"))
        self.enrolled = QRadioButton(self.tr("Village, starting from the township's enrolment file (for syncing "
                                             "with the township, or a replaced PC)"))
        self.enrolled.setObjectName("wizard-from-enrolment")
        self.township = QRadioButton(self.tr("Township or street office (child supervisor)"))
        self.village.setChecked(True)
        self.actor = QLineEdit()
        self.actor.setObjectName("wizard-actor")
        self.actor.setPlaceholderText(self.tr("e.g. 李红"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("This computer is used by:")))
        layout.addWidget(self.village)
        layout.addWidget(self.enrolled)
        layout.addWidget(self.township)
        form = QFormLayout()
        form.addRow(self.tr("Your name (recorded with your changes)"), self.actor)
        layout.addLayout(form)
        layout.addStretch(1)

    def role(self) -> str:
        """``village`` or ``township``."""
        return "township" if self.township.isChecked() else "village"

    def from_enrolment(self) -> bool:
        """True when the village starts from the township's enrolment file."""
        return self.enrolled.isChecked()


class OrganisationPage(QWizardPage):
    """The organisation's name and statistical division code, and its parent's."""

    def __init__(self, ctx: AppContext, role_page: RolePage) -> None:
        super().__init__()
        self.ctx = ctx
        self.role_page = role_page
        self.setTitle(self.tr("Your organisation"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Create"))
        self.org_name = QLineEdit()
        self.org_code = QLineEdit()
        self.parent_name = QLineEdit()
        self.parent_code = QLineEdit()
        for edit, name in ((self.org_name, "org_name"), (self.org_code, "org_code"),
                           (self.parent_name, "parent_name"), (self.parent_code, "parent_code")):
            edit.setObjectName(f"wizard-{name}")
        self.org_code.setMaxLength(12)
        self.parent_code.setMaxLength(12)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.form = QFormLayout(self)
        self.form.addRow(self.tr("Name"), self.org_name)
        self.form.addRow(self.tr("Division code"), self.org_code)
        self.form.addRow(self.tr("Township / county name"), self.parent_name)
        self.form.addRow(self.tr("Its division code"), self.parent_code)
        self.enrolment_file = QLineEdit()
        self.enrolment_file.setObjectName("wizard-enrolment-file")
        self.enrolment_file.setPlaceholderText(self.tr("enrol-<village code>.cbe on the USB stick"))
        browse = QPushButton(self.tr("&Browse..."))
        browse.clicked.connect(self._browse_enrolment)
        self.enrolment_row = QWidget()
        row = QHBoxLayout(self.enrolment_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.enrolment_file, 1)
        row.addWidget(browse)
        self.enrolment_code = QLineEdit()
        self.enrolment_code.setObjectName("wizard-enrolment-code")
        self.enrolment_code.setPlaceholderText(self.tr("1234-5678-9012 (the supervisor reads it out by phone)"))
        self.check_button = QPushButton(self.tr("&Check the file"))
        self.check_button.clicked.connect(self.check_enrolment)
        self.summary = QLabel()
        self.summary.setObjectName("wizard-enrolment-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow(self.tr("Enrolment file"), self.enrolment_row)
        self.form.addRow(self.tr("Enrolment code"), self.enrolment_code)
        self.form.addRow("", self.check_button)
        self.form.addRow("", self.summary)
        self.form.addRow("", self.error)
        self._enrolment_rows = (self.enrolment_row, self.enrolment_code, self.check_button, self.summary)
        self._manual_rows = (self.org_name, self.org_code, self.parent_name, self.parent_code)
        self.started: Any = None  # the StartResult once set up from an enrolment file

    def initializePage(self) -> None:
        """Word the fields for the chosen role (or show the enrolment file's fields)."""
        enrolled = self.role_page.from_enrolment()
        for widget in self._enrolment_rows:
            self.form.setRowVisible(widget, enrolled)
        for widget in self._manual_rows:
            self.form.setRowVisible(widget, not enrolled)
        if enrolled:
            self.setSubTitle(self.tr("Choose the enrolment file the township supervisor made for this village and "
                                     "type the code read out by phone; compare the township's fingerprint by "
                                     "phone too."))
            return
        village = self.role_page.role() == "village"
        self.setSubTitle(self.tr("The village committee and its 12-digit statistical division code; the "
                                 "township it belongs to (9 digits).") if village else
                         self.tr("The township (9-digit division code) and its county (6 digits)."))
        self.org_code.setPlaceholderText(self.tr("12 digits") if village else self.tr("9 digits"))
        self.parent_code.setPlaceholderText(self.tr("9 digits") if village else self.tr("6 digits"))

    def _browse_enrolment(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("The township's enrolment file"), "",
                                              self.tr("Enrolment files (*.cbe)"))
        if path:
            self.enrolment_file.setText(path)
            self.check_enrolment()

    def check_enrolment(self) -> int:
        """Read the chosen file on the worker and show what it is for; returns the task id."""
        from carebook.ui.enrolment_ops import read_enrolment

        path, code = Path(self.enrolment_file.text().strip()), self.enrolment_code.text().strip()
        self.summary.clear()
        return self.ctx.task(lambda t: read_enrolment(path, code), self).success(self._show_summary).failure(
            lambda e: self.error.setText(error_text(e))).run()

    def _show_summary(self, s: Any) -> None:
        self.error.clear()
        lines = [self.tr("For %1 (%2), township %3 (%4); valid until %5 (UTC).").replace("%1", s.village_name)
                 .replace("%2", s.village_code).replace("%3", s.township_name).replace("%4", s.township_code)
                 .replace("%5", s.expires_at),
                 self.tr("Township fingerprint: %1 (compare with the supervisor by phone)")
                 .replace("%1", s.township_fingerprint)]
        if s.replacement:
            lines.append(self.tr("This file replaces the village's old PC: skip the ledger import; on the Sync page, "
                                 "export a bundle for the township, then import the bundle it sends back: the "
                                 "village's files come back with it."))
        self.summary.setText("\n".join(lines))

    def validatePage(self) -> bool:
        """Set up the installation on the worker; stay here with the message when refused.

        The codes are checked first as ``carebook init`` checks them
        (:mod:`carebook.model.division_rules`): the organisation's code has its role's length
        (village 12 digits, township 9) and lies inside the parent's code (a village's 12 digits
        start with its township's 9); a refusal is shown on the page and nothing is written."""
        if self.role_page.from_enrolment():
            return self._start_from_enrolment()
        api = self.ctx.api
        role, actor = self.role_page.role(), self.role_page.actor.text().strip()
        org_name, org_code = self.org_name.text(), self.org_code.text().strip()
        parent_name, parent_code = self.parent_name.text().strip(), self.parent_code.text().strip()

        def set_up(t: Any) -> None:
            from carebook.model.division_rules import check_role_code, check_within

            code = check_role_code(role, org_code, "org_code")
            if parent_code:
                check_within(code, parent_code, "parent_code")
            backend.initialise(api, role, code, org_name, parent_code or None, parent_name or None, actor)

        try:
            self.ctx.tasks.run_sync(set_up)
        except Exception as exc:
            self.error.setText(error_text(exc))
            if isinstance(exc, ValidationError):
                field = {"org_code": self.org_code, "org_name": self.org_name,
                         "parent_code": self.parent_code}.get(exc.field)
                if field is not None:
                    field.setFocus()
            return False
        self.error.clear()
        self.ctx.notify_changed(SETTINGS)
        return True


    def _start_from_enrolment(self) -> bool:
        from carebook.ui.enrolment_ops import start_from_enrolment

        api, actor = self.ctx.api, self.role_page.actor.text().strip()
        path, code = Path(self.enrolment_file.text().strip()), self.enrolment_code.text().strip()
        if not self.enrolment_file.text().strip():
            self.error.setText(self.tr("Choose the enrolment file first."))
            return False
        try:
            started = self.ctx.tasks.run_sync(lambda t: start_from_enrolment(api, path, code, actor))
        except Exception as exc:
            self.error.setText(error_text(exc))
            return False
        self._show_summary(started.summary)
        self.started = started
        self.error.clear()
        self.ctx.notify_changed(SETTINGS)
        return True


class LedgerPage(QWizardPage):
    """Import an existing ledger (台账): choose the file, correct the column mapping, check it
    (the bad rows are listed with row, column and reason), import the good rows."""

    #: Emitted after a check or an import with the result.
    checked = Signal(object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setTitle(self.tr("Import an existing ledger (optional)"))
        self.setSubTitle(self.tr("Choose the village's Excel or CSV ledger. Check the columns, then "
                                 "import: rows with mistakes are listed and left out. Skip this step "
                                 "if there is no ledger."))
        self.path = QLineEdit()
        self.path.setObjectName("wizard-ledger-path")
        self.path.setReadOnly(True)
        browse = QPushButton(self.tr("&Choose file..."))
        browse.clicked.connect(self._browse)
        self.mapping = QTableWidget(0, 3)
        self.mapping.setObjectName("wizard-mapping")
        self.mapping.setHorizontalHeaderLabels([self.tr("Column"), self.tr("Heading in the file"),
                                                self.tr("Read as")])
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.mapping.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.summary = QLabel()
        self.summary.setObjectName("wizard-ledger-summary")
        self.summary.setWordWrap(True)
        self.bad_rows = QTableWidget(0, 3)
        self.bad_rows.setObjectName("wizard-bad-rows")
        self.bad_rows.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Column"), self.tr("Problem")])
        self.bad_rows.verticalHeader().setVisible(False)
        self.bad_rows.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.bad_rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.check_button = QPushButton(self.tr("Chec&k"))
        self.import_button = QPushButton(self.tr("&Import good rows"))
        self.check_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        for b in (self.check_button, self.import_button):
            b.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(browse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.mapping, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.bad_rows, 2)
        self.table: Any = None
        self.result: Any = None
        self.imported = False

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the ledger"), str(Path.home()),
                                              self.tr("Ledgers (*.xlsx *.xlsm *.csv);;All files (*)"))
        if name:
            self.open_file(Path(name))

    def open_file(self, path: Path) -> None:
        """Read ``path`` on the worker and show its column mapping."""
        self.path.setText(str(path))
        self.ctx.task(lambda t: backend.read_ledger(path, None), self).success(self._show_table).run()

    def _show_table(self, table: Any) -> None:
        from carebook.documents.ledger_columns import FIELDS

        self.table = table
        self.imported = False
        self.mapping.setRowCount(len(table.columns))
        labels = backend.ledger_field_labels()
        for row, column in enumerate(table.columns):
            for c, text in ((0, column.letter), (1, column.header_text)):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.mapping.setItem(row, c, item)
            combo = QComboBox()
            combo.addItem(self.tr("(not read)"), None)
            for name in FIELDS:
                combo.addItem(labels.get(name, name), name)
            combo.setCurrentIndex(max(0, combo.findData(column.field)))
            combo.activated.connect(lambda _i: self._remap())
            self.mapping.setCellWidget(row, 2, combo)
        self.summary.setText(self.tr("%1 rows of children found on sheet %2, heading in row %3.")
                             .replace("%1", str(len(table.rows))).replace("%2", table.sheet_name or "-")
                             .replace("%3", str(table.header_row_number)))
        for b in (self.check_button, self.import_button):
            b.setEnabled(True)
        self.run(dry_run=True)

    def mapping_override(self) -> dict[int, str | None]:
        """Column index → field as shown in the mapping table."""
        out: dict[int, str | None] = {}
        for row, column in enumerate(self.table.columns if self.table else []):
            combo = self.mapping.cellWidget(row, 2)
            if isinstance(combo, QComboBox):
                out[column.index] = combo.currentData()
        return out

    def _remap(self) -> None:
        path, override = Path(self.path.text()), self.mapping_override()
        self.ctx.task(lambda t: backend.read_ledger(path, override), self).success(self._remapped).run()

    def _remapped(self, table: Any) -> None:
        self.table = table
        self.run(dry_run=True)

    def run(self, dry_run: bool) -> None:
        """Check (``dry_run``) or import the good rows, on the worker with progress."""
        if self.table is None:
            return
        api, table = self.ctx.api, self.table
        task = self.ctx.task(lambda t: backend.import_ledger_table(api, table, dry_run, t), self)
        if not dry_run:
            task = task.with_progress(self, self.tr("Importing the ledger..."))
        task.success(lambda result: self._show_result(result, dry_run)).run()

    def _show_result(self, result: Any, dry_run: bool) -> None:
        from carebook.documents.ledger_import import describe_error

        self.result = result
        errors = result.errors
        labels = backend.ledger_field_labels()
        self.bad_rows.setRowCount(len(errors))
        for i, e in enumerate(errors):
            problem = (labels.get(e.field, e.field) + "：" if e.field else "") + e.reason
            for c, text in enumerate([str(e.row), e.column or "", problem]):
                item = QTableWidgetItem(text)
                item.setToolTip(describe_error(e))
                self.bad_rows.setItem(i, c, item)
        self.bad_rows.resizeRowsToContents()
        bad = len(result.bad_rows)
        if dry_run:
            text = self.tr("Ready to import %1 children (%2 already registered); %3 rows have mistakes "
                           "and will be left out.")
            text = text.replace("%1", str(result.imported)).replace("%2", str(result.updated)) \
                .replace("%3", str(bad))
        else:
            self.imported = True
            text = self.tr("Imported %1 children, updated %2; %3 rows with mistakes were left out: "
                           "correct them in the file and import it again.")
            text = text.replace("%1", str(result.imported)).replace("%2", str(result.updated)) \
                .replace("%3", str(bad))
            self.import_button.setEnabled(False)
            self.ctx.notify_changed(CHILDREN)
        self.summary.setText(text)
        self.checked.emit(result)


class FrequencyPage(QWizardPage):
    """Visit frequencies per category and risk colour (saved when the wizard finishes)."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setTitle(self.tr("Visit frequencies"))
        self.setSubTitle(self.tr("Days between visits; a child gets the shortest that applies."))
        self.settings = SettingsPage(ctx)
        self.settings.save_button.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.settings)

    def initializePage(self) -> None:
        """Load the current (default) frequencies."""
        self.settings.activate()

    def validatePage(self) -> bool:
        """Save the frequencies."""
        api, values = self.ctx.api, self.settings.values()
        try:
            self.ctx.tasks.run_sync(lambda t: backend.save_settings(api, values))
        except Exception as exc:
            show_error(self, exc)
            return False
        self.ctx.notify_changed(SETTINGS)
        return True


class FirstRunWizard(QWizard):
    """首次设置向导: role → organisation (commit) → ledger import → visit frequencies."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("first-run-wizard")
        self.setWindowTitle(self.tr("Set up Carebook"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.resize(860, 640)
        self.role_page = RolePage()
        self.organisation_page = OrganisationPage(ctx, self.role_page)
        self.ledger_page = LedgerPage(ctx)
        self.frequency_page = FrequencyPage(ctx)
        for page in (self.role_page, self.organisation_page, self.ledger_page, self.frequency_page):
            self.addPage(page)
        for button, text in ((QWizard.WizardButton.NextButton, self.tr("&Next >")),
                             (QWizard.WizardButton.BackButton, self.tr("< &Back")),
                             (QWizard.WizardButton.FinishButton, self.tr("&Finish")),
                             (QWizard.WizardButton.CancelButton, self.tr("Cancel"))):
            self.setButtonText(button, text)

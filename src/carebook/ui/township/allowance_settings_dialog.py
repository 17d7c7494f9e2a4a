"""补贴标准设置: the dialog that edits the allowance settings (issue 6 item 5): monthly amounts
per role, the payers and their shares in per cent (adding up to 100), the scheme's first month
(people appointed earlier are paid from it: 2020-01 in the seed district), whether the first
paid month is the month of taking office or the next, and whether the month of leaving is paid.

Loading and saving run on the worker through :mod:`carebook.ui.township.allowance_settings`
(the model functions ``carebook allowance-settings`` uses). A refused form keeps the dialog open
with every problem listed in red; nothing is saved until all are right.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carebook.model.errors import CarebookError
from carebook.ui.context import SETTINGS, AppContext
from carebook.ui.errors import error_text
from carebook.ui.township import allowance_settings as rules
from carebook.ui.township.allowance_settings import AllowanceForm

log = logging.getLogger(__name__)


class AllowanceSettingsDialog(QDialog):
    """补贴标准设置 (allowance settings). Opens empty, fills itself from the register on the
    worker, and saves on *Save*; emits :attr:`saved_settings` with the
    :class:`~carebook.model.allowances.AllowanceSettings` stored, then closes.

    Attributes ``supervisor``, ``director``, ``payers`` (a two-column table: name, share %),
    ``scheme_start``, ``start_rule``, ``pay_end_month``, ``error`` and ``buttons`` are the parts.
    """

    saved_settings = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("allowance-settings-dialog")
        self.setWindowTitle(self.tr("Allowance settings"))
        self.supervisor = QLineEdit()
        self.supervisor.setObjectName("allowance-supervisor-monthly")
        self.director = QLineEdit()
        self.director.setObjectName("allowance-director-monthly")
        for edit in (self.supervisor, self.director):
            edit.setMaximumWidth(120)
        self.payers = QTableWidget(0, 2)
        self.payers.setObjectName("allowance-payers")
        self.payers.setHorizontalHeaderLabels([self.tr("Payer"), self.tr("Share (%)")])
        self.payers.verticalHeader().setVisible(False)
        self.payers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.payers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.payers.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.payers.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.payers.setMinimumHeight(110)
        self.payers.setMaximumHeight(160)
        self.payers.itemChanged.connect(self._update_total)
        self.add_payer_button = QPushButton(self.tr("&Add payer"))
        self.add_payer_button.clicked.connect(lambda: self.add_payer("", ""))
        self.remove_payer_button = QPushButton(self.tr("Re&move payer"))
        self.remove_payer_button.clicked.connect(self.remove_payer)
        self.share_total = QLabel()
        self.share_total.setObjectName("allowance-share-total")
        payer_buttons = QHBoxLayout()
        payer_buttons.addWidget(self.add_payer_button)
        payer_buttons.addWidget(self.remove_payer_button)
        payer_buttons.addWidget(self.share_total, 1)
        payer_box = QVBoxLayout()
        payer_box.setContentsMargins(0, 0, 0, 0)
        payer_box.addWidget(self.payers)
        payer_box.addLayout(payer_buttons)
        self.scheme_start = QLineEdit()
        self.scheme_start.setObjectName("allowance-scheme-start")
        self.scheme_start.setPlaceholderText("YYYY-MM")
        self.scheme_start.setMaximumWidth(120)
        scheme_note = QLabel(self.tr("Staff appointed before this month are paid from this month."))
        scheme_note.setWordWrap(True)
        self.start_rule = QComboBox()
        self.start_rule.setObjectName("allowance-start-rule")
        self.start_rule.addItem(self.tr("From the month of taking office"), "appointment_month")
        self.start_rule.addItem(self.tr("From the month after taking office (unless appointed on the 1st)"),
                                "following_month")
        self.pay_end_month = QCheckBox(self.tr("The month of &leaving office is paid"))
        self.pay_end_month.setObjectName("allowance-pay-end-month")

        form = QFormLayout()
        form.addRow(self.tr("Child s&upervisor, yuan a month"), self.supervisor)
        form.addRow(self.tr("Child &director, yuan a month"), self.director)
        shares_label = QLabel(self.tr("Fu&nding shares"))
        shares_label.setBuddy(self.payers)
        form.addRow(shares_label, payer_box)
        form.addRow(self.tr("Scheme s&tarts in"), self.scheme_start)
        form.addRow("", scheme_note)
        form.addRow(self.tr("First &paid month"), self.start_rule)
        form.addRow("", self.pay_end_month)
        self.error = QLabel()
        self.error.setObjectName("dialog-error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            QCoreApplication.translate("TownshipDialog", "&Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            QCoreApplication.translate("TownshipDialog", "Cancel"))
        defaults = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.setText(self.tr("R&eset to defaults"))
        defaults.setToolTip(self.tr("100 yuan (supervisor) and 200 yuan (director) a month, "
                                    "新区 : 新城 = 35 : 65, from 2020-01"))
        defaults.clicked.connect(lambda: self.show_form(rules.default_form()))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        intro = QLabel(self.tr("Post allowances of child supervisors and child directors are paid for whole "
                               "months. The ledger on the Allowances page is computed with these settings."))
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(560, 460)
        self.buttons.setEnabled(False)
        api = ctx.api
        ctx.task(lambda t: rules.load_form(api), self).success(self.show_form).finally_(
            lambda: self.buttons.setEnabled(True)).run()

    # -- payers table ---------------------------------------------------------------------------
    def add_payer(self, name: str, share: str) -> None:
        """Append a payer row (and start editing its name when it is blank)."""
        row = self.payers.rowCount()
        self.payers.insertRow(row)
        name_item = QTableWidgetItem(name)
        self.payers.setItem(row, 0, name_item)
        share_item = QTableWidgetItem(share)
        share_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.payers.setItem(row, 1, share_item)
        if not name:
            self.payers.setCurrentCell(row, 0)
            self.payers.editItem(name_item)
        self._update_total()

    def remove_payer(self) -> None:
        """Remove the selected payer row (the last one when none is selected)."""
        row = self.payers.currentRow()
        if row < 0:
            row = self.payers.rowCount() - 1
        if row >= 0:
            self.payers.removeRow(row)
        self._update_total()

    def _payer_rows(self) -> tuple[tuple[str, str], ...]:
        rows = []
        for r in range(self.payers.rowCount()):
            name, share = self.payers.item(r, 0), self.payers.item(r, 1)
            rows.append((name.text() if name else "", share.text() if share else ""))
        return tuple(rows)

    def _update_total(self) -> None:
        total = Decimal(0)
        for _name, share in self._payer_rows():
            try:
                value = Decimal(share.strip().removesuffix("%") or "0")
            except InvalidOperation:
                self.share_total.setText(self.tr("Total: ?"))
                return
            total += value if value.is_finite() else 0
        text = format(total.normalize(), "f")
        self.share_total.setText(self.tr("Total: %1%").replace("%1", text))
        self.share_total.setStyleSheet("" if total == 100 else "color: #b00020;")

    # -- form ---------------------------------------------------------------------------------
    def show_form(self, form: AllowanceForm) -> None:
        """Fill the widgets from ``form``."""
        self.supervisor.setText(form.supervisor_monthly)
        self.director.setText(form.director_monthly)
        self.payers.blockSignals(True)
        self.payers.setRowCount(0)
        self.payers.blockSignals(False)
        for name, share in form.payers:
            self.add_payer(name, share)
        self.scheme_start.setText(form.scheme_start)
        index = self.start_rule.findData(form.start_rule)
        self.start_rule.setCurrentIndex(max(index, 0))
        self.pay_end_month.setChecked(form.pay_end_month)
        self._update_total()

    def form(self) -> AllowanceForm:
        """What the widgets hold now."""
        return AllowanceForm(self.supervisor.text(), self.director.text(), self._payer_rows(),
                             self.scheme_start.text(), str(self.start_rule.currentData()),
                             self.pay_end_month.isChecked())

    def save(self) -> None:
        """Check and store the settings on the worker; close when stored, else show why."""
        form = self.form()
        api = self.ctx.api
        self.buttons.setEnabled(False)
        self.ctx.task(lambda t: rules.save_form(api, form), self).success(self._saved).failure(
            self._refused).finally_(lambda: self.buttons.setEnabled(True)).run()

    def _saved(self, settings: object) -> None:
        self.error.hide()
        self.ctx.notify_changed(SETTINGS, "allowances")
        self.saved_settings.emit(settings)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        if not isinstance(exc, CarebookError):
            log.error("saving the allowance settings failed", exc_info=exc)
        self.error.setText(error_text(exc))
        self.error.show()

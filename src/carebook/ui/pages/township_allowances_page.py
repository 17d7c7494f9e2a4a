"""The allowances page (补贴): the allowance ledger of child directors and supervisors for a
range of months (:func:`carebook.model.allowances.allowance_ledger`: amounts and funding shares
from the settings, by default the seed district's 100 / 200 yuan a month and 新区 : 新城 = 35 : 65),
with totals per person, per month and per payer, and its export to .xlsx on the worker. The
补贴标准设置 dialog (:mod:`carebook.ui.township.allowance_settings_dialog`) changes the amounts,
shares and start rule; the ledger is computed again when they are saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)

from carebook.model.enums import StaffRole
from carebook.ui.context import AppContext
from carebook.ui.errors import show_message
from carebook.ui.pages.base import Page
from carebook.ui.township import data
from carebook.ui.township.allowance_settings_dialog import AllowanceSettingsDialog
from carebook.ui.township.tables import fill_table, heading, make_table


def _money(value: Any) -> str:
    return f"{value:.2f}"


class TownshipAllowancesPage(Page):
    """补贴: the allowance ledger (issue 6, item 5)."""

    code = "allowances"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.ledger: Any = None
        self.last_export: Path | None = None
        self.settings_dialog: AllowanceSettingsDialog | None = None
        today = QDate.currentDate()
        self.first = QDateEdit(QDate(today.year(), 1, 1))
        self.last = QDateEdit(QDate(today.year(), today.month(), 1))
        for edit in (self.first, self.last):
            edit.setDisplayFormat("yyyy-MM")
            edit.setCalendarPopup(False)
        first_label = QLabel(self.tr("&From month"))
        first_label.setBuddy(self.first)
        last_label = QLabel(self.tr("&To month"))
        last_label.setBuddy(self.last)
        self.compute_button = QPushButton(self.tr("&Compute"))
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.export_button = QPushButton(self.tr("E&xport to Excel..."))
        self.export_button.clicked.connect(self.choose_export)
        self.export_button.setEnabled(False)
        self.settings_button = QPushButton(self.tr("Allowance &settings..."))
        self.settings_button.setObjectName("allowance-settings")
        self.settings_button.clicked.connect(self.open_settings)
        top = QHBoxLayout()
        for w in (first_label, self.first, last_label, self.last, self.compute_button, self.export_button):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.settings_button)
        self.summary = QLabel()
        self.summary.setObjectName("allowance-summary")
        self.summary.setWordWrap(True)
        self.people = make_table("allowance-people", [self.tr("Name"), self.tr("Role"), self.tr("Village or township"),
                                                      self.tr("Months"), self.tr("Yuan a month"), self.tr("Amount")])
        self.months = make_table("allowance-months", [self.tr("Month"), self.tr("People"), self.tr("Amount")])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.people, self.tr("Per &person"))
        self.tabs.addTab(self.months, self.tr("Per &month"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(heading(self.title()))
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)

    def title(self) -> str:
        """补贴."""
        return self.tr("Allowances")

    def activate(self) -> None:
        """Compute the ledger for the months shown."""
        self.compute()

    def open_settings(self) -> AllowanceSettingsDialog:
        """Open the allowance settings dialog (window-modal); the ledger is computed again
        after a save. Returns the dialog."""
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()  # the one opened before (kept for tests until now)
        dialog = self.settings_dialog = AllowanceSettingsDialog(self.ctx, self)
        dialog.saved_settings.connect(lambda _s: self.compute())
        dialog.open()
        return dialog

    def months_asked(self) -> tuple[str, str]:
        """The range asked for as ``("YYYY-MM", "YYYY-MM")``."""
        return self.first.date().toString("yyyy-MM"), self.last.date().toString("yyyy-MM")

    def set_months(self, first: str, last: str) -> None:
        """Set the range (``YYYY-MM`` each)."""
        for edit, text in ((self.first, first), (self.last, last)):
            year, month = (int(x) for x in text.split("-"))
            edit.setDate(QDate(year, month, 1))

    def compute(self) -> None:
        """Compute on the worker and show the ledger."""
        api = self.ctx.api
        first, last = self.months_asked()
        self.ctx.task(lambda t: data.compute_allowances(api, first, last), self).coalesce(
            "township-allowances").success(self.show_ledger).run()

    def show_ledger(self, ledger: Any) -> None:
        """Fill the tables from ``ledger`` (an ``AllowanceLedger``)."""
        self.ledger = ledger
        payers = ledger.payers
        headers = [self.tr("Name"), self.tr("Role"), self.tr("Village or township"), self.tr("Months"),
                   self.tr("Yuan a month"), self.tr("Amount"), *[p.zh for p in payers]]
        self.people.setColumnCount(len(headers))
        self.people.setHorizontalHeaderLabels(headers)
        total = self.tr("Total")
        fill_table(self.people, [
            *[[p.name, StaffRole(p.role).label, p.unit_name, p.months, _money(p.monthly_amount), _money(p.amount),
               *[_money(s) for s in p.shares]] for p in ledger.people],
            [total, "", "", sum(p.months for p in ledger.people), "", _money(ledger.total),
             *[_money(s) for s in ledger.total_shares]]], bold_last=True)
        month_headers = [self.tr("Month"), self.tr("People"), self.tr("Amount"), *[p.zh for p in payers]]
        self.months.setColumnCount(len(month_headers))
        self.months.setHorizontalHeaderLabels(month_headers)
        fill_table(self.months, [
            *[[m.month, m.people, _money(m.amount), *[_money(s) for s in m.shares]] for m in ledger.months],
            [total, "", _money(ledger.total), *[_money(s) for s in ledger.total_shares]]], bold_last=True)
        shares = "，".join(f"{p.zh} {_money(s)}" for p, s in zip(payers, ledger.total_shares, strict=True))
        text = self.tr("%1 to %2: %3 people, %4 yuan in total (%5).").replace("%1", ledger.from_month).replace(
            "%2", ledger.to_month).replace("%3", str(len(ledger.people))).replace("%4", _money(ledger.total)).replace(
            "%5", shares)
        if ledger.undated:
            text += " " + self.tr("Left out, no appointment date: %1").replace(
                "%1", "、".join(n for _i, n in ledger.undated))
        self.summary.setText(text)
        self.export_button.setEnabled(True)

    def choose_export(self) -> None:
        """Ask where to save the workbook, then export."""
        first, last = self.months_asked()
        suggested = str(Path.home() / f"岗位补贴台账-{first}至{last}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the allowance ledger"), suggested,
                                              self.tr("Excel workbook (*.xlsx)"))
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export(Path(path))

    def export(self, path: Path) -> int:
        """Write the ledger of the months shown to ``path`` on the worker (progress dialog);
        returns the task id."""
        api = self.ctx.api
        first, last = self.months_asked()
        return self.ctx.task(lambda t: data.export_allowances(api, first, last, path, t), self).with_progress(
            self, self.tr("Writing the allowance ledger...")).success(self._exported).run()

    def _exported(self, result: tuple[Path, Any]) -> None:
        path, ledger = result
        self.last_export = path
        self.show_ledger(ledger)
        show_message(self, self.tr("Saved the allowance ledger to %1.").replace("%1", str(path)), warning=False)

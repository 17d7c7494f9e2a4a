"""The staff registry page (工作人员，实名制管理): the roster of child directors and supervisors,
add / edit / end dialogs, training records with a warning for every director without training
this year (陕民发〔2019〕52号: at least one training a year), and the assessment of each director
this month (visits done, overdue, open reports and referrals)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carebook.model.enums import StaffRole
from carebook.ui.context import AppContext
from carebook.ui.errors import error_text, show_error
from carebook.ui.pages.base import Page
from carebook.ui.township import data
from carebook.ui.township.staff_dialog import EndStaffDialog, StaffDialog, TrainingDialog, _FormDialog
from carebook.ui.township.tables import ALERT, ID_ROLE, fill_table, heading, make_table

STAFF = "staff"


def _masked(number: str | None) -> str:
    """An ID number with its middle hidden in lists (shown whole in the edit dialog)."""
    if not number or len(number) < 10:
        return number or ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


class TownshipStaffPage(Page):
    """工作人员: the staff registry (issue 6, item 4)."""

    code = "staff"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.view: Any = None
        self.dialog: _FormDialog | None = None
        self.warning = QLabel()
        self.warning.setObjectName("staff-training-warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {ALERT};")
        self.show_ended = QCheckBox(self.tr("Show people whose &term has ended"))
        self.show_ended.toggled.connect(self.activate)
        self.roster = make_table("staff-roster", [
            self.tr("Name"), self.tr("Role"), self.tr("Village or township"), self.tr("ID number"), self.tr("Phone"),
            self.tr("Appointed"), self.tr("Ended"), self.tr("Last training"), self.tr("Trainings this year")])
        self.roster.doubleClicked.connect(lambda _i: self.edit_selected())
        self.add_button = QPushButton(self.tr("&Add..."))
        self.edit_button = QPushButton(self.tr("&Edit..."))
        self.end_button = QPushButton(self.tr("E&nd term..."))
        self.training_button = QPushButton(self.tr("Record &training..."))
        self.add_button.clicked.connect(self.add_person)
        self.edit_button.clicked.connect(self.edit_selected)
        self.end_button.clicked.connect(self.end_selected)
        self.training_button.clicked.connect(self.training_selected)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.end_button, self.training_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.show_ended)

        self.trainings = make_table("staff-trainings", [
            self.tr("Date"), self.tr("Name"), self.tr("Topic"), self.tr("Organiser"), self.tr("Hours")])
        self.assessment_label = QLabel()
        self.assessment = make_table("staff-assessment", [
            self.tr("Child director"), self.tr("Villages"), self.tr("Children"), self.tr("Visits this month"),
            self.tr("Overdue"), self.tr("Open reports"), self.tr("Open referrals")])

        self.tabs = QTabWidget()
        self.tabs.setObjectName("staff-tabs")
        roster_tab = QWidget()
        roster_layout = QVBoxLayout(roster_tab)
        roster_layout.setContentsMargins(2, 2, 2, 2)
        roster_layout.addLayout(buttons)
        roster_layout.addWidget(self.roster, 1)
        self.tabs.addTab(roster_tab, self.tr("Ros&ter"))
        self.tabs.addTab(self.trainings, self.tr("Trainin&gs"))
        assess_tab = QWidget()
        assess_layout = QVBoxLayout(assess_tab)
        assess_layout.setContentsMargins(2, 2, 2, 2)
        assess_layout.addWidget(self.assessment_label)
        assess_layout.addWidget(self.assessment, 1)
        self.tabs.addTab(assess_tab, self.tr("A&ssessment"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(heading(self.title()))
        layout.addWidget(self.warning)
        layout.addWidget(self.tabs, 1)
        ctx.changed.connect(lambda e: self.activate() if STAFF in e and self.isVisible() else None)

    def title(self) -> str:
        """工作人员."""
        return self.tr("Staff")

    def activate(self) -> None:
        """Reload the roster, trainings and assessment on the worker."""
        api = self.ctx.api
        ended = self.show_ended.isChecked()
        self.ctx.task(lambda t: data.load_staff(api, ended), self).coalesce("township-staff").success(self.show_view).run()

    def show_view(self, view: data.StaffView) -> None:
        """Fill the tabs from ``view``."""
        self.view = view
        fill_table(self.roster, [
            [r.name, StaffRole(r.role).label, r.unit_name or "", _masked(r.id_number), r.phone or "", r.appointed_on,
             r.ended_on, r.last_training, r.trainings_this_year] for r in view.roster],
            ids=[r.id for r in view.roster])
        fill_table(self.trainings, [[t.held_on, t.staff_name, t.topic, t.organiser or "",
                                     "" if t.hours is None else f"{t.hours:g}"] for t in view.trainings])
        fill_table(self.assessment, [
            [a.name, "、".join(a.villages), a.children, a.visits_done, a.overdue, a.open_reports, a.open_referrals]
            for a in view.assessment], ids=[a.staff_id for a in view.assessment], alert_columns=(4,))
        self.assessment_label.setText(self.tr("Month %1: visits done by each child director, files overdue in "
                                              "their villages, open reports and referrals.").replace("%1", view.month))
        if view.warnings:
            names = "、".join(f"{w.name}（{w.unit_name or ''}）" for w in view.warnings)
            self.warning.setText(self.tr("No training this year yet (at least one a year is required): %1")
                                 .replace("%1", names))
        self.warning.setVisible(bool(view.warnings))
        has_rows = bool(view.roster)
        for b in (self.edit_button, self.end_button, self.training_button):
            b.setEnabled(has_rows)
        if has_rows and self.roster.currentRow() < 0:
            self.roster.selectRow(0)

    # -- actions ----------------------------------------------------------------------------------
    def selected(self) -> Any:
        """The ``StaffRow`` of the selected roster row, or None."""
        row = self.roster.currentRow()
        item = self.roster.item(row, 0) if row >= 0 else None
        if item is None or self.view is None:
            return None
        staff_id = item.data(ID_ROLE)
        return next((r for r in self.view.roster if r.id == staff_id), None)

    def _run_dialog(self, dialog: _FormDialog, save: Any) -> _FormDialog:
        """Show ``dialog``; each OK runs ``save(values)`` on the worker; success closes it."""
        self.dialog = dialog

        def submitted(values: dict[str, Any]) -> None:
            self.ctx.task(lambda t: save(values), self).success(lambda _r: self._saved(dialog)).failure(
                lambda e: self._refused(dialog, e)).run()

        dialog.submitted.connect(submitted)
        dialog.open()
        return dialog

    def _saved(self, dialog: _FormDialog) -> None:
        dialog.saved()
        self.ctx.notify_changed(STAFF)
        self.activate()

    def _refused(self, dialog: _FormDialog, exc: BaseException) -> None:
        from carebook.model.errors import CarebookError

        if isinstance(exc, CarebookError):
            dialog.refused(error_text(exc))
        else:
            dialog.refused("")
            show_error(dialog, exc)

    def add_person(self) -> _FormDialog:
        """Open the dialog to add a child director or supervisor."""
        units = self.view.units if self.view else []
        dialog = StaffDialog(self, units)
        api = self.ctx.api
        return self._run_dialog(dialog, lambda v: data.add_staff(api, v, replace=dialog.replaces()))

    def edit_selected(self) -> _FormDialog | None:
        """Open the selected person's record."""
        row = self.selected()
        if row is None:
            return None
        api = self.ctx.api
        return self._run_dialog(StaffDialog(self, self.view.units, row), lambda v: data.update_staff(api, row.id, v))

    def end_selected(self) -> _FormDialog | None:
        """End the selected person's term."""
        row = self.selected()
        if row is None:
            return None
        api = self.ctx.api
        return self._run_dialog(EndStaffDialog(self, row.name),
                                lambda v: data.end_staff(api, row.id, v["ended_on"], v["note"]))

    def training_selected(self) -> _FormDialog | None:
        """Record a training of the selected person."""
        row = self.selected()
        if row is None:
            return None
        api = self.ctx.api
        return self._run_dialog(TrainingDialog(self, row.name), lambda v: data.add_training(api, row.id, v))

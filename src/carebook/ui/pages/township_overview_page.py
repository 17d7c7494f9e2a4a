"""The township overview page (乡镇总览): per village the numbers the child supervisor watches,
as tables with bar charts, loaded on the worker from
:func:`carebook.model.queries.overview.township_overview`.

Tabs: 各村概况 (children, visits this month, overdue, open reports and referrals, entrustments
missing/expiring/expired, per village and in total), 儿童构成 (by category, age band and sex per
village, and the category x age band x sex cross-table of one village or all), 同步情况 (last
bundle received, gaps, pending conflicts per village) and 儿童主任考核 (per director this month).
The buttons above them export the township ledger (乡镇台账, .xlsx on the worker) and print the
roster (花名册) through the print dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carebook.model.enums import Category
from carebook.model.queries.overview import AGE_BANDS, NO_CATEGORY
from carebook.ui.context import CHILDREN, ENTRUSTMENTS, REPORTS, SYNC, VISITS, AppContext
from carebook.ui.errors import show_message
from carebook.ui.pages.base import Page
from carebook.ui.township import data, exports
from carebook.ui.township.bar_chart import PALETTE, BarChart, Series
from carebook.ui.township.roster_print import RosterPrintDialog
from carebook.ui.township.tables import fill_table, heading, make_table, section

SEXES = ("1", "2")


def _scrolling(*widgets: QWidget) -> QScrollArea:
    inner = QWidget()
    layout = QVBoxLayout(inner)
    layout.setContentsMargins(4, 4, 4, 4)
    for w in widgets:
        layout.addWidget(w)
    layout.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(inner)
    return area


class TownshipOverviewPage(Page):
    """乡镇总览: the township overview (issue 6, item 1). Refresh with the button or F5."""

    code = "overview"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.overview: Any = None
        self.date_label = QLabel()
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.activate)
        self.ledger_button = QPushButton(self.tr("Export township &ledger (Excel)..."))
        self.ledger_button.setObjectName("overview-export-ledger")
        self.ledger_button.clicked.connect(self.choose_ledger_export)
        self.roster_button = QPushButton(self.tr("&Print roster..."))
        self.roster_button.setObjectName("overview-print-roster")
        self.roster_button.clicked.connect(self.print_roster)
        self.last_ledger: exports.LedgerExport | None = None
        top = QHBoxLayout()
        top.addWidget(heading(self.title()))
        top.addWidget(self.date_label, 1)
        top.addWidget(self.ledger_button)
        top.addWidget(self.roster_button)
        top.addWidget(self.refresh_button)
        self.summary = QLabel()
        self.summary.setObjectName("overview-summary")
        self.summary.setWordWrap(True)

        self.village_table = make_table("overview-villages", fit_rows=True, headers=[
            self.tr("Village"), self.tr("Children"), self.tr("Visits this month"), self.tr("Overdue"),
            self.tr("Open reports"), self.tr("Open referrals"), self.tr("Entrustment missing"),
            self.tr("Expiring"), self.tr("Expired")])
        self.village_chart = BarChart(self.tr("Children, visits this month and overdue visits by village"))
        self.village_chart.setObjectName("overview-village-chart")

        self.children_table = make_table("overview-children", fit_rows=True, headers=[
            self.tr("Village"), self.tr("Children"), *[c.label for c in Category], *AGE_BANDS,
            *[self._sex_label(s) for s in SEXES]])
        self.category_chart = BarChart(self.tr("Children by category (all villages)"))
        self.category_chart.setObjectName("overview-category-chart")
        self.band_chart = BarChart(self.tr("Children by age band (all villages)"))
        self.band_chart.setObjectName("overview-band-chart")
        self.sex_chart = BarChart(self.tr("Children by sex (all villages)"))
        self.sex_chart.setObjectName("overview-sex-chart")
        self.cross_village = QComboBox()
        self.cross_village.setObjectName("overview-cross-village")
        self.cross_village.currentIndexChanged.connect(self._show_cross)
        cross_label = QLabel(self.tr("Category x age band x sex for:"))
        cross_label.setBuddy(self.cross_village)
        cross_row = QWidget()
        cross_layout = QHBoxLayout(cross_row)
        cross_layout.setContentsMargins(0, 0, 0, 0)
        cross_layout.addWidget(cross_label)
        cross_layout.addWidget(self.cross_village, 1)
        self.cross_table = make_table("overview-cross", fit_rows=True, headers=[
            self.tr("Category"), *[f"{b} {self._sex_label(s)}" for b in AGE_BANDS for s in SEXES]])

        self.sync_table = make_table("overview-sync", fit_rows=True, headers=[
            self.tr("Village"), self.tr("Last bundle received"), self.tr("Gaps"), self.tr("Pending conflicts")])
        self.sync_note = QLabel(self.tr(
            "Gaps: parts of a village's change log not received yet (ask for its missing bundles). "
            "Conflicts are decided on the Sync page."))
        self.sync_note.setWordWrap(True)

        self.director_table = make_table("overview-directors", fit_rows=True, headers=[
            self.tr("Child director"), self.tr("Villages"), self.tr("Children"), self.tr("Visits this month"),
            self.tr("Overdue"), self.tr("Open reports"), self.tr("Open referrals")])
        self.director_chart = BarChart(self.tr("Visits done and overdue this month by child director"))
        self.director_chart.setObjectName("overview-director-chart")
        self.no_directors = QLabel(self.tr("No child director in office this month: add them on the Staff page."))

        self.tabs = QTabWidget()
        self.tabs.setObjectName("overview-tabs")
        self.tabs.addTab(_scrolling(self.village_table, self.village_chart), self.tr("&Villages"))
        self.tabs.addTab(_scrolling(self.children_table, section(self.tr("Charts")), self.category_chart,
                                    self.band_chart, self.sex_chart, cross_row, self.cross_table), self.tr("C&hildren"))
        self.tabs.addTab(_scrolling(self.sync_table, self.sync_note), self.tr("S&ync"))
        self.tabs.addTab(_scrolling(self.no_directors, self.director_table, self.director_chart),
                         self.tr("&Directors"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        watched = {CHILDREN, VISITS, ENTRUSTMENTS, REPORTS, SYNC, "staff"}
        ctx.changed.connect(lambda e: self.activate() if e & watched and self.isVisible() else None)

    def title(self) -> str:
        """总览."""
        return self.tr("Overview")

    @staticmethod
    def _sex_label(code: str) -> str:
        from carebook.model.enums import Sex

        return str(Sex(code).label)

    def activate(self) -> None:
        """Reload the overview on the worker."""
        api = self.ctx.api
        self.refresh_button.setEnabled(False)
        self.ctx.task(lambda t: data.load_overview(api), self).coalesce("township-overview").success(
            self.show_overview).finally_(lambda: self.refresh_button.setEnabled(True)).run()

    # -- exports ----------------------------------------------------------------------------------
    def choose_ledger_export(self) -> None:
        """Ask where to save the township ledger, then export it."""
        suggested = str(Path.home() / self.tr("township-ledger-%1.xlsx").replace(
            "%1", self.overview.today.isoformat() if self.overview is not None else "new"))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the township ledger"), suggested,
                                              self.tr("Excel workbook (*.xlsx)"))
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export_ledger(Path(path))

    def export_ledger(self, path: Path) -> int:
        """Write the township ledger to ``path`` on the worker (progress dialog with Cancel);
        says where it went when done. Returns the task id."""
        api = self.ctx.api
        self.ledger_button.setEnabled(False)
        return self.ctx.task(lambda t: exports.export_township_ledger(api, path, t), self).with_progress(
            self, self.tr("Writing the township ledger...")).success(self._ledger_exported).finally_(
            lambda: self.ledger_button.setEnabled(True)).run()

    def _ledger_exported(self, result: exports.LedgerExport) -> None:
        self.last_ledger = result
        show_message(self, self.tr("Saved the township ledger (%1 children, %2 of them in closed files) to %3.")
                     .replace("%1", str(result.children)).replace("%2", str(result.closed))
                     .replace("%3", str(result.path)), warning=False)

    def print_roster(self) -> RosterPrintDialog:
        """Open the print dialog of the roster (preview, print, save as PDF); returns it."""
        dialog = RosterPrintDialog(self.ctx, self)
        dialog.open()
        return dialog

    # -- showing ----------------------------------------------------------------------------------
    def show_overview(self, o: Any) -> None:
        """Fill every tab from ``o`` (a ``TownshipOverview``)."""
        self.overview = o
        self.date_label.setText(self.tr("as of %1 (visits: month %2)").replace("%1", o.today.isoformat())
                                .replace("%2", o.month))
        t = o.totals
        self.summary.setText(
            self.tr("%1 villages, %2 children in open files; %3 visits this month, %4 overdue; "
                    "%5 open reports, %6 open referrals; entrustments: %7 missing, %8 expiring, %9 expired.")
            .replace("%1", str(len(o.villages))).replace("%2", str(t.children))
            .replace("%3", str(t.visits_this_month)).replace("%4", str(t.overdue))
            .replace("%5", str(t.open_reports)).replace("%6", str(t.open_referrals))
            .replace("%7", str(t.entrustments_missing)).replace("%8", str(t.entrustments_expiring))
            .replace("%9", str(t.entrustments_expired)))
        rows = [*o.villages, t]
        total_name = self.tr("Total")
        names = [v.name for v in o.villages] + [total_name]
        fill_table(self.village_table, [
            [name, v.children, v.visits_this_month, v.overdue, v.open_reports, v.open_referrals,
             v.entrustments_missing, v.entrustments_expiring, v.entrustments_expired]
            for name, v in zip(names, rows, strict=True)],
            ids=[v.village_id for v in rows], bold_last=True, alert_columns=(3, 6, 8), watch_columns=(7,))
        villages = [v.name for v in o.villages]
        self.village_chart.set_data(villages, [
            Series(self.tr("Children"), tuple(v.children for v in o.villages), PALETTE[0]),
            Series(self.tr("Visits this month"), tuple(v.visits_this_month for v in o.villages), PALETTE[2]),
            Series(self.tr("Overdue"), tuple(v.overdue for v in o.villages), PALETTE[3]),
        ])
        fill_table(self.children_table, [
            [name, v.children, *[v.by_category[c.code] for c in Category], *[v.by_age_band[b] for b in AGE_BANDS],
             *[v.by_sex.get(s, 0) for s in SEXES]] for name, v in zip(names, rows, strict=True)],
            ids=[v.village_id for v in rows], bold_last=True)
        self.category_chart.set_data([c.label for c in Category], [
            Series(self.tr("Children"), tuple(t.by_category[c.code] for c in Category), PALETTE[0])])
        self.band_chart.set_data(list(AGE_BANDS), [
            Series(self.tr("Children"), tuple(t.by_age_band[b] for b in AGE_BANDS), PALETTE[1])])
        self.sex_chart.set_data([self._sex_label(s) for s in SEXES], [
            Series(self.tr("Children"), tuple(t.by_sex.get(s, 0) for s in SEXES), PALETTE[5])])
        current = self.cross_village.currentData()
        self.cross_village.blockSignals(True)
        self.cross_village.clear()
        self.cross_village.addItem(self.tr("All villages"), "")
        for v in o.villages:
            self.cross_village.addItem(v.name, v.village_id)
        index = self.cross_village.findData(current) if current else 0
        self.cross_village.setCurrentIndex(max(index, 0))
        self.cross_village.blockSignals(False)
        self._show_cross()
        never = self.tr("nothing received yet")
        not_pinned = self.tr("not enrolled here")
        sync_rows = []
        for v in o.villages:
            if v.sync is None:
                sync_rows.append([v.name, not_pinned, "", ""])
            else:
                sync_rows.append([v.name, v.sync.last_bundle_at or never, v.sync.gaps, v.sync.pending_conflicts])
        fill_table(self.sync_table, sync_rows, ids=[v.village_id for v in o.villages], alert_columns=(2, 3))
        fill_table(self.director_table, [
            [a.name, "、".join(a.villages), a.children, a.visits_done, a.overdue, a.open_reports, a.open_referrals]
            for a in o.directors], ids=[a.staff_id for a in o.directors], alert_columns=(4,))
        self.no_directors.setVisible(not o.directors)
        self.director_chart.set_data([a.name for a in o.directors], [
            Series(self.tr("Visits this month"), tuple(a.visits_done for a in o.directors), PALETTE[2]),
            Series(self.tr("Overdue"), tuple(a.overdue for a in o.directors), PALETTE[3]),
        ])

    def _show_cross(self) -> None:
        o = self.overview
        if o is None:
            return
        village_id = self.cross_village.currentData()
        v = next((x for x in o.villages if x.village_id == village_id), o.totals)
        cats = [(c.code, c.label) for c in Category] + [(NO_CATEGORY, self.tr("No category"))]
        rows = []
        for code, label in cats:
            counts = [v.by_category_band_sex.get((code, b, s), 0) for b in AGE_BANDS for s in SEXES]
            if code != NO_CATEGORY or any(counts):
                rows.append([label, *counts])
        fill_table(self.cross_table, rows)


"""Printing the township roster (花名册, issue 6 item 6) through the app's print dialog: preview
in the PDF viewer, print on a chosen printer, or save as PDF (:class:`~carebook.ui.print_dialog.PrintDialog`
with the roster in place of one child's forms)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from carebook.ui.context import AppContext
from carebook.ui.print_dialog import PrintDialog
from carebook.ui.township import exports
from carebook.ui.township.duplicates import VillageChoice, load_villages


class RosterPrintDialog(PrintDialog):
    """打印花名册: the roster of the open files of all villages or of the one chosen, by village
    then name (A4 landscape).

    The PDF is rendered on the worker each time (a roster is a snapshot); :attr:`last_saved`
    is the last PDF written by *Save as PDF*.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "", parent)
        self.setObjectName("roster-print-dialog")
        self.setWindowTitle(self.tr("Print the roster"))
        self.kind.clear()
        self.kind.addItem(self.tr("Roster of the children in open files (A4 landscape)"), "roster")
        self.village = QComboBox()
        self.village.setObjectName("roster-village")
        self.village.addItem(self.tr("All villages"), "")
        outer = self.layout()
        first = outer.itemAt(0) if outer is not None else None
        form = first.layout() if first is not None else None
        if isinstance(form, QFormLayout):  # the print dialog's form (表格), first in its layout
            form.addRow(self.tr("Villa&ge"), self.village)
        self.last_saved: Path | None = None
        api = ctx.api
        ctx.task(lambda t: load_villages(api), self).success(self._show_villages).run()

    def _show_villages(self, villages: list[VillageChoice]) -> None:
        for v in villages:
            self.village.addItem(f"{v.name}（{v.code}）", v.code)

    def village_code(self) -> str | None:
        """The village chosen (division code), None for all."""
        return str(self.village.currentData() or "") or None

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        """Render the roster on the worker, then call ``then(pdf_bytes)``."""
        api, code = self.ctx.api, self.village_code()
        self.status.setText(self.tr("Preparing the roster..."))
        self.ctx.task(lambda t: exports.render_roster(api, code), self).with_progress(
            self, self.tr("Preparing the roster..."), cancellable=False).success(then).finally_(
            lambda: self.status.clear()).run()

    def save_to(self, path: Path) -> None:
        """Render the roster and write it to ``path`` on the worker (atomically)."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        api, code = self.ctx.api, self.village_code()
        self.ctx.task(lambda t: exports.save_roster(api, path, code), self).with_progress(
            self, self.tr("Preparing the roster..."), cancellable=False).success(self._roster_saved).run()

    def _roster_saved(self, out: Path) -> None:
        self.last_saved = out
        self.status.setText(self.tr("Saved: %1").replace("%1", str(out)))

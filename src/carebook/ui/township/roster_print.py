"""Printing the township roster (花名册, issue 6 item 6) through the app's print dialog: preview
in the PDF viewer, print on a chosen printer, or save as PDF (:class:`~carebook.ui.print_dialog.PrintDialog`
with the roster in place of one child's forms)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from carebook.ui.context import AppContext
from carebook.ui.print_dialog import PrintDialog
from carebook.ui.township import exports


class RosterPrintDialog(PrintDialog):
    """打印花名册: the roster of every open file, by village then name (A4 landscape).

    The PDF is rendered on the worker each time (a roster is a snapshot); :attr:`last_saved`
    is the last PDF written by *Save as PDF*.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "", parent)
        self.setObjectName("roster-print-dialog")
        self.setWindowTitle(self.tr("Print the roster"))
        self.kind.clear()
        self.kind.addItem(self.tr("Roster of the children in open files (A4 landscape)"), "roster")
        self.last_saved: Path | None = None

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        """Render the roster on the worker, then call ``then(pdf_bytes)``."""
        api = self.ctx.api
        self.status.setText(self.tr("Preparing the roster..."))
        self.ctx.task(lambda t: exports.render_roster(api), self).success(then).finally_(
            lambda: self.status.clear()).run()

    def save_to(self, path: Path) -> None:
        """Render the roster and write it to ``path`` on the worker (atomically)."""
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        api = self.ctx.api
        self.ctx.task(lambda t: exports.save_roster(api, path), self).success(self._roster_saved).run()

    def _roster_saved(self, out: Path) -> None:
        self.last_saved = out
        self.status.setText(self.tr("Saved: %1").replace("%1", str(out)))

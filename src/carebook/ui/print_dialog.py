"""Printing a child's forms (issue 4 item 6): the entrustment-guardianship confirmation, the
home-visit record sheet and the child file, rendered by :mod:`carebook.documents` on the worker.

Preview opens the PDF in the system's viewer. Print sends the pages to a printer chosen in
``QPrintDialog``: the PDF is rasterised at 300 dpi with ``pdftoppm`` (poppler) and painted
through ``QPrinter``; where no rasteriser is installed (a bare Windows PC) the PDF opens in the
system viewer to be printed from there. Save writes the PDF atomically.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carebook.ui import backend
from carebook.ui.context import ENTRUSTMENTS, AppContext
from carebook.ui.errors import show_error, show_message

#: Form kinds (``carebook.documents.form_data.DocumentKind`` values) offered for one child.
FORM_KINDS = ("entrustment", "visit_sheet", "child_file")


def form_labels() -> dict[str, str]:
    """Form kind -> its name in the current language."""
    return {
        "entrustment": QCoreApplication.translate("PrintDialog", "Entrustment-guardianship confirmation (3 copies)"),
        "visit_sheet": QCoreApplication.translate("PrintDialog", "Home-visit record sheet (blank)"),
        "child_file": QCoreApplication.translate("PrintDialog", "Child file cover and summary"),
    }


class PrintDialog(QDialog):
    """Choose a form of one child, then preview, print or save it as PDF."""

    def __init__(self, ctx: AppContext, child_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.child_id = child_id
        self.setObjectName("print-dialog")
        self.setWindowTitle(self.tr("Print forms"))
        self.kind = QComboBox()
        labels = form_labels()
        for kind in FORM_KINDS:
            self.kind.addItem(labels[kind], kind)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.preview_button = QPushButton(self.tr("Pre&view"))
        self.print_button = QPushButton(self.tr("&Print..."))
        self.save_button = QPushButton(self.tr("&Save as PDF..."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        for b in (self.preview_button, self.print_button, self.save_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
            b.setAutoDefault(False)
        self.preview_button.clicked.connect(lambda: self.make_pdf(self._preview))
        self.print_button.clicked.connect(lambda: self.make_pdf(self._print))
        self.save_button.clicked.connect(self._ask_save)
        form = QFormLayout()
        form.addRow(self.tr("Form"), self.kind)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def make_pdf(self, then: Callable[[bytes], None]) -> None:
        """Render the chosen form on the worker, then call ``then(pdf_bytes)``."""
        api, child_id, kind = self.ctx.api, self.child_id, str(self.kind.currentData())
        self.status.setText(self.tr("Preparing the form..."))
        self.ctx.task(lambda t: backend.render_form(api, kind, child_id), self).success(
            then).failure(lambda exc: self._failed(exc, lambda: self.make_pdf(then))).finally_(
            lambda: self.status.clear()).run()

    def _failed(self, exc: BaseException, retry: Callable[[], None]) -> None:
        """An entrustment confirmation that cannot be printed as it stands: none drafted yet, a
        printed or signed one whose contents changed since, or one whose period has ended. Offer
        to draft one from the file as it is now (:meth:`ask_draft`), then ``retry``; any other
        error is shown."""
        from carebook.model.services.entrustments import (
            EntrustmentExpiredError,
            NoEntrustmentError,
            SignedEntrustmentChangedError,
        )

        if isinstance(exc, NoEntrustmentError):
            question = self.tr("This child has no entrustment confirmation yet. Draft one now from the file "
                               "(entrusted guardian, parents, one year from today)?")
            replace = False
        elif isinstance(exc, (SignedEntrustmentChangedError, EntrustmentExpiredError)):
            question = exc.message + "\n\n" + self.tr(
                "Draft a new confirmation from the file as it is now? The old one will be marked renewed.")
            replace = True
        else:
            show_error(self, exc)
            return
        if not self.ask_draft(question):
            return
        api, child_id = self.ctx.api, self.child_id
        def drafted(_result: object) -> None:
            self.ctx.notify_changed(ENTRUSTMENTS)
            retry()

        self.ctx.task(lambda t: backend.draft_entrustment(api, child_id, replace=replace), self).success(
            drafted).run()

    def ask_draft(self, question: str) -> bool:
        """Ask whether to draft a confirmation (``question`` says why); True for yes."""
        answer = QMessageBox.question(self, self.tr("Entrustment confirmation"), question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes

    def _preview(self, pdf: bytes) -> None:
        path = Path(tempfile.mkstemp(prefix="carebook-", suffix=".pdf")[1])
        path.write_bytes(pdf)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _ask_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save as PDF"), str(Path.home()),
                                              self.tr("PDF (*.pdf)"))
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        """Render and write the PDF to ``path`` on the worker (atomically)."""
        api, child_id, kind = self.ctx.api, self.child_id, str(self.kind.currentData())
        self.ctx.task(lambda t: backend.save_form(api, kind, child_id, path), self).success(
            lambda out: self._saved(out, kind)).failure(lambda exc: self._failed(exc, lambda: self.save_to(path))).run()

    def _saved(self, out: Path, kind: str) -> None:
        if kind == "entrustment":
            self.ctx.notify_changed(ENTRUSTMENTS)
        self.status.setText(self.tr("Saved: %1").replace("%1", str(out)))

    def _print(self, pdf: bytes) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if not print_pdf(pdf, printer):
            show_message(self, self.tr("This computer has no PDF renderer for direct printing. The form "
                                       "opens in the PDF viewer: print it from there."), warning=False)
            self._preview(pdf)
        self._printed(str(self.kind.currentData()))

    def _printed(self, kind: str) -> None:
        """A form went to the printer (or the viewer to print from): a drafted entrustment
        confirmation becomes *printed* (已打印、待签字), as when it is saved as PDF (QA: printing
        on paper left it drafted, and its signatures could then not be recorded)."""
        if kind != "entrustment":
            return
        api, child_id = self.ctx.api, self.child_id
        self.ctx.task(lambda t: backend.mark_entrustment_printed(api, child_id), self).success(
            lambda _r: self.ctx.notify_changed(ENTRUSTMENTS)).run()


def rasterise_pdf(pdf: bytes, dpi: int = 300) -> list[QImage] | None:
    """The pages of ``pdf`` as images at ``dpi`` via poppler's ``pdftoppm``; None when it is
    not installed."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "form.pdf"
        src.write_bytes(pdf)
        subprocess.run([exe, "-r", str(dpi), "-png", str(src), str(Path(tmp) / "page")], check=True,
                       capture_output=True, timeout=120)
        return [QImage(str(p)) for p in sorted(Path(tmp).glob("page*.png"))]


def print_pdf(pdf: bytes, printer: QPrinter) -> bool:
    """Paint every page of ``pdf`` on ``printer`` (one image per page, fitted to the page).
    Returns False when the PDF cannot be rasterised here."""
    pages = rasterise_pdf(pdf)
    if pages is None:
        return False
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        for i, image in enumerate(pages):
            if i:
                printer.newPage()
            target = painter.viewport()
            size = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(target.x(), target.y(), size.width(), size.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(target)
    finally:
        painter.end()
    return True

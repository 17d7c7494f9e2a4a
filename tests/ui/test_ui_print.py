"""Forms from the desktop: a child's form saved as PDF (parsed back), and printed through
QPrinter (to a PDF printer here)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from carebook.model.register import Register
from carebook.ui import backend
from carebook.ui.print_dialog import PrintDialog, print_pdf


def test_child_file_saved_as_pdf_from_the_dialog(window: Any, ctx: Any, register: Register, tmp_path: Path,
                                                  qtbot: Any) -> None:
    child_id = register.child_ids()[0]
    name = register.child_detail(child_id).fields["name"]
    dialog = PrintDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("child_file"))
    out = tmp_path / "档案.pdf"
    dialog.save_to(out)
    ctx.tasks.wait_idle()
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert name in text
    assert "档案" in dialog.status.text()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
def test_printing_paints_every_page_on_the_printer(qapp: object, register: Register, tmp_path: Path) -> None:
    pdf = backend.render_form(register, "visit_sheet", register.child_ids()[0])
    pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert print_pdf(pdf, printer)
    assert len(PdfReader(out).pages) == pages


def test_batch_printing_the_filtered_list(window: Any, ctx: Any, register: Register, tmp_path: Path) -> None:
    page = window.register_page
    ctx.tasks.wait_idle()
    page.risk.setCurrentIndex(page.risk.findData("red"))
    ctx.tasks.wait_idle()
    ids = page.model.ids()
    assert 0 < len(ids) < 25
    page.batch_print_to("visit_sheet", tmp_path / "forms")
    ctx.tasks.wait_idle()
    files = sorted((tmp_path / "forms").glob("*.pdf"))
    assert len(files) == len(ids)
    names = {r.name for r in register.child_rows(ids)}
    assert {f.name.split("-")[0] for f in files} == names

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


def test_entrustment_drafted_from_the_print_dialog_and_a_changed_signed_one_replaced(
        window: Any, ctx: Any, register: Register, tmp_path: Path, qtbot: Any, monkeypatch: Any) -> None:
    """QA: a signed confirmation reprinted with another guardian under the same number; and the
    app could not draft a confirmation at all (its message pointed to the command line). The
    dialog now offers to draft one (none yet) or to replace the signed one whose contents changed
    (it becomes renewed); saying no prints nothing."""
    import datetime as dt

    from sqlalchemy import select

    from carebook.model.entrustments import Entrustment
    from carebook.model.services.entrustments import mark_signed
    from entrustment_helpers import CHILD_ID, GUARDIAN_NAME

    child = register.register_child({
        "name": "欧阳小雨", "id_number": CHILD_ID, "registration_type": "农业",
        "father.name": "欧阳建国", "father.status": "外出务工", "mother.name": "李秀英", "mother.status": "外出务工",
        "guardian.name": GUARDIAN_NAME, "guardian.relation": "祖母",
    })
    child_id = str(child.record_id)
    dialog = PrintDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("entrustment"))
    asked: list[str] = []
    answers = [False, True, True]
    monkeypatch.setattr(dialog, "ask_draft", lambda q: (asked.append(q), answers.pop(0))[1])
    first = tmp_path / "first.pdf"
    dialog.save_to(first)  # no confirmation yet: "no" drafts and prints nothing
    ctx.tasks.wait_idle()
    assert len(asked) == 1 and not first.exists()
    assert register.read(lambda s: s.scalars(select(Entrustment)).all()) == []
    dialog.save_to(first)  # "yes": drafted, then saved and marked printed
    ctx.tasks.wait_idle()
    assert GUARDIAN_NAME in "".join(p.extract_text() for p in PdfReader(first).pages)
    (doc_no,) = register.read(lambda s: s.scalars(select(Entrustment.document_no)).all())
    register.write(mark_signed, doc_no, signed_on=dt.date.today(), signatories=["欧阳建国", GUARDIAN_NAME])
    register.update_child(child_id, {"guardian.name": "赵六"})
    again = tmp_path / "again.pdf"
    dialog.save_to(again)  # signed, guardian changed since: replaced after asking
    ctx.tasks.wait_idle()
    assert len(asked) == 3 and doc_no in asked[2] and "受委托监护人姓名" in asked[2]
    text = "".join(p.extract_text() for p in PdfReader(again).pages)
    assert "赵六" in text and doc_no not in text
    rows = register.read(lambda s: s.execute(select(Entrustment.document_no, Entrustment.status)).all())
    assert {(n == doc_no, st.code) for n, st in rows} == {(True, "renewed"), (False, "printed")}


def test_batch_printing_children_of_one_name_writes_a_file_each(ctx: Any, register: Register, tmp_path: Path) -> None:
    """QA: two children of one name were printed to one file (the name used the record id's first
    8 characters, a timestamp children registered together share) while the message said two."""
    import datetime as dt
    import random

    from ui_fixtures import make_id_number

    rng = random.Random(11)
    ids = [str(register.register_child({"name": "曾强子", "id_number": make_id_number(dt.date(2016, 5, 1 + k), True, rng),
                                        "registration_type": "农业"}).record_id) for k in range(2)]
    folder = tmp_path / "forms"
    for round_ in (1, 2):  # a second run into the same folder overwrites nothing
        written, skipped = backend.batch_forms(ctx.api, "child_file", ids, folder, _NoTask())  # type: ignore[arg-type]
        assert (written, skipped) == (2, [])
        assert len(list(folder.glob("*.pdf"))) == 2 * round_


class _NoTask:
    """A task context for calling a worker function directly: never cancelled, progress ignored."""

    def check(self) -> None:
        return None

    def progress(self, *_args: object) -> None:
        return None


def test_printing_a_confirmation_on_paper_marks_it_printed(window: Any, ctx: Any, register: Register,
                                                           qtbot: Any, monkeypatch: Any) -> None:
    """QA: only 另存为PDF marked a drafted confirmation printed; after 打印… on paper it stayed
    drafted and 登记签字 was refused (请先打印确认书)."""
    from PySide6.QtWidgets import QDialog
    from sqlalchemy import select

    import carebook.ui.print_dialog as print_dialog
    from carebook.model.entrustments import Entrustment
    from entrustment_helpers import CHILD_ID, GUARDIAN_NAME

    child_id = str(register.register_child({
        "name": "欧阳小雨", "id_number": CHILD_ID, "registration_type": "农业",
        "father.name": "欧阳建国", "father.status": "外出务工", "mother.name": "李秀英", "mother.status": "外出务工",
        "guardian.name": GUARDIAN_NAME, "guardian.relation": "祖母",
    }).record_id)
    register.draft_entrustment(child_id)

    class _Accepting:
        def __init__(self, *_args: object) -> None:
            pass

        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted

    printed: list[bytes] = []
    monkeypatch.setattr(print_dialog, "QPrintDialog", _Accepting)
    monkeypatch.setattr(print_dialog, "print_pdf", lambda pdf, _printer: printed.append(pdf) or True)
    dialog = PrintDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("entrustment"))
    dialog.make_pdf(dialog._print)
    ctx.tasks.wait_idle()
    ctx.tasks.wait_idle()
    assert len(printed) == 1
    assert register.read(lambda s: s.scalars(select(Entrustment.status)).one()).code == "printed"


def test_export_keeps_text_that_starts_with_equals_as_text(ctx: Any, register: Register, tmp_path: Path) -> None:
    """QA: a guardian named "=王五" was exported to the register's .xlsx as a formula cell (Excel
    or WPS would evaluate it: formula injection). It is text now, read back as typed."""
    import openpyxl

    child_id = register.child_ids()[0]
    register.update_child(child_id, {"guardian.name": "=王五", "notes": "=HYPERLINK(1)"})
    out = tmp_path / "名册.xlsx"
    assert backend.export_register(ctx.api, [child_id], out, _NoTask()) == 1  # type: ignore[arg-type]
    cells = [c for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "=王五" in [c.value for c in cells]

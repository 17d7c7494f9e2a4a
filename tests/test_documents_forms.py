"""The other printed forms: visit sheet (blank and filled), child file, mandatory report record,
township roster. Each is parsed back from the real PDF; QR codes are decoded with zbarimg."""

from __future__ import annotations

from pathlib import Path

import pytest

from carebook.documents import child_file, report_record, roster, visit_sheet
from carebook.documents.errors import MissingGlyphError
from carebook.documents.form_data import RosterRow
from carebook.documents.pdf_base import Layout
from carebook.documents.samples import (
    sample_child_file,
    sample_report,
    sample_roster,
    sample_visit_sheet,
)
from documents_helpers import assert_layout_sane, decode_qr, needs_fonts, pdftotext_pages, render_png

pytestmark = needs_fonts


@pytest.mark.parametrize("filled", [True, False])
def test_visit_sheet(filled: bool, tmp_path: Path) -> None:
    data = sample_visit_sheet(filled)
    layout = Layout()
    pdf = visit_sheet.render_visit_sheet(data, layout=layout)
    pages = pdftotext_pages(pdf, tmp_path)
    assert len(pages) == 1
    text = pages[0]
    for needle in (visit_sheet.TITLE, data.child.name, data.child.id_number, data.ref.document_id):
        assert needle in text
    assert data.guardian is not None and data.guardian.name in text
    if filled:
        assert data.visit is not None and data.visit.living_conditions in text.replace("\n", "")
    else:
        assert "空白表" in text
    assert decode_qr(pdf, tmp_path) == data.ref.qr_payload()
    assert_layout_sane(layout)
    render_png(pdf, tmp_path)


def test_child_file(tmp_path: Path) -> None:
    data = sample_child_file()
    layout = Layout()
    pdf = child_file.render_child_file(data, layout=layout)
    pages = pdftotext_pages(pdf, tmp_path)
    assert len(pages) >= 2
    assert child_file.TITLE in pages[0] and data.child.name in pages[0] and data.file_number in pages[0]
    text = "".join(pages)
    assert data.guardian is not None
    for needle in (data.child.id_number, data.guardian.name, data.guardian.id_number, data.ref.document_id):
        assert needle in text
    assert decode_qr(pdf, tmp_path, page=2) == data.ref.qr_payload()
    assert_layout_sane(layout)


def test_report_record(tmp_path: Path) -> None:
    data = sample_report()
    layout = Layout()
    pdf = report_record.render_report_record(data, layout=layout)
    text = "".join(pdftotext_pages(pdf, tmp_path)).replace("\n", "")
    for needle in (
        report_record.TITLE,
        data.child.name,
        data.child.id_number,
        data.receipt_number,
        data.police_station,
        data.ref.document_id,
        "注意保密",
    ):
        assert needle in text
    assert decode_qr(pdf, tmp_path) == data.ref.qr_payload()
    assert_layout_sane(layout)


def test_roster_of_200_repeats_the_header_on_every_page(tmp_path: Path) -> None:
    data = sample_roster(200)
    layout = Layout()
    pdf = roster.render_roster(data, layout=layout)
    pages = pdftotext_pages(pdf, tmp_path)
    assert len(pages) > 3
    headers = [h for h, _ in roster.COLUMNS]
    for text in pages:
        for h in headers:
            assert h in text
        assert data.ref.document_id in text
    text = "".join(pages)
    for row in data.rows:
        assert row.name in text and row.id_number in text
    assert "吉𠮷" in text
    page_w, page_h = layout.page_size
    assert page_w > page_h  # landscape
    assert_layout_sane(layout)
    assert decode_qr(pdf, tmp_path, page=len(pages)) == data.ref.qr_payload()


def test_roster_laid_out_a_page_at_a_time_prints_as_one_table(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Long rosters are split a page at a time (``roster.PagedRows``, linear instead of reportlab's
    quadratic split of one table): every page holds the same rows as with one table."""
    data = sample_roster(150)
    (tmp_path / "paged").mkdir()
    (tmp_path / "whole").mkdir()
    paged = pdftotext_pages(roster.render_roster(data), tmp_path / "paged")
    monkeypatch.setattr(roster, "PAGE_CHUNK", 10_000)  # one table, split by reportlab
    whole = pdftotext_pages(roster.render_roster(data), tmp_path / "whole")
    assert len(paged) == len(whole) > 5
    assert paged == whole


def test_roster_refuses_a_name_no_font_has() -> None:
    data = sample_roster(3)
    bad = RosterRow(village="向阳村", name="李\U0010fffd")
    data = type(data)(ref=data.ref, township=data.township, rows=(*data.rows, bad))
    with pytest.raises(MissingGlyphError, match="U\\+10FFFD"):
        roster.render_roster(data)


@pytest.mark.parametrize("rows", [24, 50])
def test_roster_footer_never_stands_alone_on_its_last_page(tmp_path: Path, rows: int) -> None:
    """QA: the demo roster's last page held only "制表人：", cut off from its table (24 and 50 rows
    of the sample did that before). The last rows now go with it."""
    data = sample_roster(rows)
    layout = Layout()
    pages = pdftotext_pages(roster.render_roster(data, layout=layout), tmp_path)
    assert "制表人" in pages[-1] and "公民身份号码" in pages[-1]  # the footer, under table rows
    assert data.rows[-1].id_number in pages[-1]
    text = "".join(pages)
    assert all(r.id_number in text for r in data.rows)
    assert_layout_sane(layout)

"""The entrustment-guardianship confirmation, parsed back from the real PDF."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from carebook.documents.entrustment import COPIES, TITLE, render_entrustment, write_entrustment
from carebook.documents.errors import MissingGlyphError
from carebook.documents.form_data import parse_qr_payload
from carebook.documents.pdf_base import Layout
from carebook.documents.samples import sample_entrustment
from documents_helpers import (
    assert_layout_sane,
    decode_qr,
    needs_fonts,
    pdftotext_pages,
    pypdf_pages,
    render_png,
)

pytestmark = needs_fonts


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_entrustment(sample_entrustment())


def test_three_pages_one_per_copy_each_marked(pdf: bytes, tmp_path: Path) -> None:
    data = sample_entrustment()
    pages = pdftotext_pages(pdf, tmp_path)
    assert len(pages) == len(COPIES) == 3
    for text, (_, mark) in zip(pages, COPIES, strict=True):
        assert TITLE in text
        assert mark in text
        assert data.child.name in text  # 张𠀀: Extension B, from the fallback font
        assert data.child.id_number in text
        assert data.guardian.name in text and data.guardian.id_number in text
        for p in data.parents:
            assert p.name in text and p.id_number in text and p.phone in text
        assert data.ref.document_id in text
        assert "第二十二条" in text.replace("\n", "") and "盖章" in text


def test_pypdf_reads_the_same(pdf: bytes) -> None:
    data = sample_entrustment()
    pages = pypdf_pages(pdf)
    assert len(pages) == 3
    for text in pages:  # the shared body (a form XObject) extracts on every page
        for needle in (
            TITLE,
            data.child.name,
            data.child.id_number,
            data.guardian.name,
            data.ref.document_id,
        ):
            assert needle in text


def test_qr_code_on_each_page_decodes_to_the_payload(pdf: bytes, tmp_path: Path) -> None:
    data = sample_entrustment()
    for page in range(1, len(COPIES) + 1):
        raw = decode_qr(pdf, tmp_path, page)
        assert raw == data.ref.qr_payload()
        payload = parse_qr_payload(raw)
        assert payload["doc"] == data.ref.document_id
        assert payload["child"] == data.child.record_id
        assert payload["ver"] == data.ref.record_version
        assert payload["kind"] == "entrustment"


def test_layout_blocks_inside_the_page_and_apart(tmp_path: Path) -> None:
    layout = Layout()
    pdf = render_entrustment(sample_entrustment(), layout=layout)
    assert_layout_sane(layout)
    assert {b.page for b in layout.blocks} == {1, 2, 3}
    png = render_png(pdf, tmp_path, 1, dpi=60)
    assert png.stat().st_size > 10_000


def test_long_addresses_still_fit_one_page_per_copy(tmp_path: Path) -> None:
    data = sample_entrustment()
    long = (
        "某某省某某市某某县幸福镇向阳村第三村民小组18-2号（村委会向东约200米，红色大门，门口有两棵槐树）" * 3
    )
    data = dataclasses.replace(
        data,
        child=dataclasses.replace(data.child, current_address=long),
        guardian=dataclasses.replace(data.guardian, address=long),
    )
    layout = Layout()
    pdf = render_entrustment(data, layout=layout)
    pages = pdftotext_pages(pdf, tmp_path)
    assert len(pages) == 3
    assert "18-2号" in pages[0].replace("\n", "")  # the house number was not split
    assert_layout_sane(layout)


def test_character_no_font_has_refuses_and_writes_nothing(tmp_path: Path) -> None:
    data = sample_entrustment(child_name="张\U0010fffd")
    out = tmp_path / "form.pdf"
    with pytest.raises(MissingGlyphError) as info:
        write_entrustment(data, out)
    assert "U+10FFFD" in info.value.message
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_one_parent_entrusting(tmp_path: Path) -> None:
    data = sample_entrustment()
    data = dataclasses.replace(data, parents=data.parents[:1])
    out = tmp_path / "one.pdf"
    write_entrustment(data, out)
    text = pdftotext_pages(out.read_bytes(), tmp_path)[0]
    assert data.parents[0].name in text and "李秀英" not in text


def test_sparse_record_prints_blanks_to_fill_by_hand(tmp_path: Path) -> None:
    data = sample_entrustment()
    data = dataclasses.replace(
        data,
        parents=(),
        child=dataclasses.replace(data.child, date_of_birth=None, id_number="", current_address=""),
        village_committee="",
        child_director="",
    )
    layout = Layout()
    pages = pdftotext_pages(render_entrustment(data, layout=layout), tmp_path)
    assert len(pages) == 3
    assert "委托人（父母）签字" in pages[0] and "年 月 日" in pages[0].replace("  ", " ")
    assert_layout_sane(layout)

"""The ToUnicode fix: characters above U+FFFF must extract and copy correctly from our PDFs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from reportlab.pdfgen.canvas import Canvas

from carebook.documents import tounicode_fix
from carebook.documents.cjk_text import TextStyle, draw_string
from carebook.documents.fonts import font_set_from

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
HANA_B = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")

needs_fonts = pytest.mark.skipif(
    not (WQY.is_file() and HANA_B.is_file()), reason="needs fonts-wqy-zenhei and fonts-hanazono"
)


def test_utf16_surrogate_pairs() -> None:
    assert tounicode_fix.utf16be_hex(0x5F20) == "5F20"
    assert tounicode_fix.utf16be_hex(0x20BB7) == "D842DFB7"
    assert tounicode_fix.utf16be_hex(0x20000) == "D840DC00"
    with pytest.raises(ValueError):
        tounicode_fix.utf16be_hex(0xD800)


def test_cmap_entries_and_block_sizes() -> None:
    subset = [0, *range(0x4E00, 0x4E00 + 150), 0x20BB7]
    cmap = tounicode_fix.make_to_unicode_cmap("AAAAAA+Test", subset)
    assert "<97> <D842DFB7>" in cmap  # code 151 -> 𠮷 as a surrogate pair
    assert "<01> <4E00>" in cmap
    counts = [int(n) for n in re.findall(r"(\d+) beginbfchar", cmap)]
    assert sum(counts) == len(subset) and max(counts) <= 100


def test_reportlab_still_has_the_bug() -> None:
    """When this fails, reportlab writes surrogate pairs itself: delete tounicode_fix.py."""
    cmap = tounicode_fix.ORIGINAL_MAKE_TO_UNICODE_CMAP("AAAAAA+Test", [0, 0x20BB7])
    assert "<01> <20BB7>" in cmap


@needs_fonts
def test_extension_b_extracts_correctly(tmp_path: Path) -> None:
    fs = font_set_from([WQY, HANA_B])  # registering fonts applies the fix
    assert tounicode_fix.is_applied()
    out = tmp_path / "kichi.pdf"
    canv = Canvas(str(out))
    draw_string(canv, 72, 700, "吉𠮷 张𠀀", TextStyle(size=14), fs)
    canv.save()
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert "吉𠮷" in text and "张𠀀" in text
    if shutil.which("pdftotext"):
        got = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True)
        assert "吉𠮷" in got.stdout and "张𠀀" in got.stdout

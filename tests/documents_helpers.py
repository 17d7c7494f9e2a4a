"""Helpers for the documents tests: read a PDF back, render it, decode its QR code."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from carebook.documents.pdf_base import Box, Layout

HAVE_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
HAVE_ZBAR = shutil.which("zbarimg") is not None

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
HANA_B = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
needs_fonts = pytest.mark.skipif(
    not (WQY.is_file() and HANA_B.is_file()), reason="needs fonts-wqy-zenhei and fonts-hanazono"
)


def pypdf_pages(pdf: bytes) -> list[str]:
    """Text of each page, extracted by pypdf."""
    return [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def pdftotext_pages(pdf: bytes, tmp: Path) -> list[str]:
    """Text of each page, extracted by poppler's pdftotext (skips the test without poppler)."""
    if not HAVE_POPPLER:
        pytest.skip("poppler-utils not installed")
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    n = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    out = []
    for i in range(1, n + 1):
        r = subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(r.stdout)
    return out


def render_png(pdf: bytes, tmp: Path, page: int = 1, dpi: int = 60, name: str = "page") -> Path:
    """Render one page to PNG with pdftoppm; returns the PNG path."""
    if not HAVE_POPPLER:
        pytest.skip("poppler-utils not installed")
    src = tmp / f"{name}.pdf"
    src.write_bytes(pdf)
    prefix = tmp / f"{name}-{page}-{dpi}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(src),
            str(prefix),
        ],
        check=True,
    )
    return prefix.with_suffix(".png")


def decode_qr(pdf: bytes, tmp: Path, page: int = 1) -> bytes:
    """The QR code content of one page, decoded by zbarimg from a 200 dpi rendering of the
    page's top-right corner (where every form has its code)."""
    if not HAVE_ZBAR:
        pytest.skip("zbarimg (Debian zbar-tools) not installed")
    if not HAVE_POPPLER:
        pytest.skip("poppler-utils not installed")
    dpi = 200
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[page - 1].mediabox
    width_px = round(float(box.width) / 72 * dpi)
    side = round(45 / 25.4 * dpi)  # the corner: 45 mm square
    src = tmp / "qr.pdf"
    src.write_bytes(pdf)
    prefix = tmp / f"qr-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            "-x",
            str(width_px - side),
            "-y",
            "0",
            "-W",
            str(side),
            "-H",
            str(side),
            str(src),
            str(prefix),
        ],
        check=True,
    )
    png = prefix.with_suffix(".png")
    r = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(png)], capture_output=True, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.rstrip(b"\n")


def assert_layout_sane(layout: Layout) -> None:
    """Every block inside the frame, on the page, apart from the QR codes, footers and each other."""
    pw, ph = layout.page_size
    fx0, fy0, fx1, fy1 = layout.frame
    assert layout.blocks
    for b in layout.blocks:
        assert b.x0 >= fx0 - 0.5 and b.x1 <= fx1 + 0.5, b
        assert b.y0 >= fy0 - 0.5 and b.y1 <= fy1 + 0.5, b
        assert b.x0 >= 0 and b.x1 <= pw and b.y0 >= 0 and b.y1 <= ph, b
        for r in layout.reserved:
            assert not b.overlaps(r), (b, r)
    by_page: dict[int, list[Box]] = {}
    for b in layout.blocks:
        if b.y1 - b.y0 > 0.01:
            by_page.setdefault(b.page, []).append(b)
    for blocks in by_page.values():
        for i, a in enumerate(blocks):
            for c in blocks[i + 1 :]:
                assert not a.overlaps(c), (a, c)

"""Chinese line breaking: no closing punctuation at a line start, Latin/digit runs kept whole,
lines within the width, nothing lost; and the CJKText flowable on real fonts."""

from __future__ import annotations

import html
import io
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfgen.canvas import Canvas

from carebook.documents.cjk_text import CLOSING, OPENING, CJKText, TextStyle, break_lines, units
from carebook.documents.fonts import default_font_set
from documents_helpers import HAVE_POPPLER


def measure(s: str) -> float:
    """A fixed-pitch measure: Han and full-width 10 pt, everything else 5 pt."""
    return sum(10.0 if ord(c) >= 0x2E80 else 5.0 for c in s)


def test_closing_punctuation_stays_with_the_previous_character() -> None:
    # 10 characters of 10 pt fit exactly; the comma must not start line 2.
    lines = break_lines("一二三四五六七八九十，好", 100, measure)
    assert not lines[1].startswith("，")
    assert lines == ["一二三四五六七八九", "十，好"]


def test_opening_punctuation_goes_with_the_next_character() -> None:
    lines = break_lines("一二三四五六七八九（十）", 100, measure)
    assert not lines[0].endswith("（")


def test_house_numbers_are_not_split() -> None:
    lines = break_lines("幸福镇向阳村3组18-2号101室", 100, measure)
    assert all("18-2" in line or "18" not in line for line in lines)
    assert "".join(lines) == "幸福镇向阳村3组18-2号101室"


def test_units() -> None:
    assert units("住3-2-101号。") == ["住", "3-2-101", "号。"]
    assert units("（甲）乙") == ["（甲）", "乙"]


def test_a_run_longer_than_the_line_is_split_as_a_last_resort() -> None:
    lines = break_lines("1" * 50, 100, measure)
    assert [len(x) for x in lines] == [20, 20, 10]


def test_a_number_after_opening_brackets_is_not_split_when_it_fits_a_line() -> None:
    # 《（ + 00000 is wider than the line; the number alone fits: the brackets end line 1
    # (found by the property test below: the forced split had broken the number)
    assert break_lines("《（0000000", 40, measure) == ["《（", "0000000"]
    # a unit at most SQUEEZE_LIMIT times the line's width stays whole on its line (drawn condensed)
    assert break_lines("《（00000", 40, measure) == ["《（00000"]
    assert break_lines("电话029-88886666", 50, measure) == ["电话", "029-88886666"]  # 60 <= 50 * 1.35
    assert break_lines("张《（00000》", 40, measure) == ["张", "《（", "00000》"]
    # the number's closing punctuation hangs rather than the number being split (11 digits fit 55)
    assert break_lines("张（13800138000），", 55, measure) == ["张", "（", "13800138000），"]
    assert break_lines("《（12345）》", 25, measure) == ["《（", "12345）》"]


def test_hard_breaks_and_first_line_indent() -> None:
    assert break_lines("甲\n乙", 100, measure) == ["甲", "乙"]
    assert break_lines("一二三四五六七八九十", 100, measure, first_width=80) == ["一二三四五六七八", "九十"]


TEXT = st.text(
    alphabet=st.sampled_from(
        list("张王李明华村组号路省市县") + list("0123456789AB-.:,") + list("，。、；：）》”（《“ ")
    ),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=40, max_value=200))
def test_line_breaking_rules_hold_for_any_text(text: str, width: int) -> None:
    lines = break_lines(text, width, measure)
    # nothing is lost but spaces at breaks
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    pos = 0
    ends: list[int] = []  # where each line ends in the text
    starts: list[int] = []
    for line in lines:
        start = text.index(line, pos) if line else pos
        starts.append(start)
        pos = start + len(line)
        ends.append(pos)
    for i, line in enumerate(lines):
        # every line fits unless it is one unbreakable unit (or a forced split of one)
        if measure(line) > width:
            assert len(units(line)) == 1
        if i == 0 or not line:
            continue
        previous = lines[i - 1]
        if " " in text[ends[i - 1] : starts[i]]:
            continue  # broken at a space
        # no line starts with closing punctuation
        assert line[0] not in CLOSING
        # a digit/Latin run is not broken across lines when it fits on one
        m1 = re.search(r"[0-9AB-]+$", previous)
        m2 = re.match(r"[0-9AB-]+", line)
        if m1 and m2:
            assert measure(m1.group() + m2.group()) > width


def test_cjktext_wraps_long_addresses_inside_the_width() -> None:
    fs = default_font_set()
    address = "某某省某某市某某县幸福镇向阳村第三村民小组18-2号（村委会东侧约200米，红色大门）" * 3
    para = CJKText(address, TextStyle(size=10.5), fs)
    _w, h = para.wrap(150, 1000)
    assert len(para.lines) > 3
    assert h == len(para.lines) * para.style.line_height
    for line in para.lines:
        assert fs.string_width(line, 10.5) <= 150 + 1e-6
        assert line[:1] not in CLOSING
        assert not line.endswith(tuple(OPENING))
    assert "".join(para.lines) == address
    assert any("18-2号" in line for line in para.lines)


def _word_boxes(pdf: bytes, tmp: Path) -> list[tuple[str, float, float]]:
    """(word, xMin, xMax) of every word poppler finds on page 1 (``pdftotext -bbox``), in points."""
    if not HAVE_POPPLER:
        pytest.skip("poppler-utils not installed")
    path = tmp / "words.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(html.unescape(m.group(3)), float(m.group(1)), float(m.group(2)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out)]


def test_a_line_with_hanging_punctuation_is_drawn_inside_its_width(tmp_path: Path) -> None:
    """QA: ``某镇向阳村（13800138000123456）。`` in a roster cell kept the number whole and let ``）。``
    hang over the next cell. The line is now condensed to the width it was given."""
    fs = default_font_set()
    style = TextStyle(size=10.5)
    number = "13800138000123456"
    width = fs.string_width(number, 10.5) + 2  # the number fits a line alone, not with its "）。"
    para = CJKText(f"某镇向阳村（{number}）。", style, fs)
    para.wrap(width, 1000)
    # the number kept whole, its brackets and punctuation with it (at most 1.35 times the width)
    assert para.lines[-1] == f"（{number}）。"
    assert width < fs.string_width(para.lines[-1], 10.5) <= width * 1.35
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=(400, 300))
    left = 50.0
    para.drawOn(canv, left, 100)
    canv.showPage()
    canv.save()
    words = _word_boxes(buf.getvalue(), tmp_path)
    last = [w for w in words if number in w[0]]
    assert last, words
    assert all(x_max <= left + width + 0.5 for _w, _x_min, x_max in words), (words, left + width)
    assert last[0][1] >= left - 0.5

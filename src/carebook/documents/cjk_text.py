"""Chinese text on paper: line breaking and a platypus flowable drawing with font fallback.

Line breaking follows the usual rules of Chinese typesetting (GB/T 15834 punctuation usage and
the W3C "Requirements for Chinese Text Layout", §3.1.7 line breaking rules):

* a line may break between any two Han characters;
* a run of Latin letters and digits (house numbers, phone numbers, ``3-2-101``) is never split,
  unless it alone is much wider than the line (up to :data:`SQUEEZE_LIMIT` times the width it is
  kept whole on a line of its own, drawn condensed);
* closing punctuation (，。、；：！？）》” …) never starts a line: it stays with the character before;
* opening punctuation (（《“ …) never ends a line: it goes with the character after (except
  before a Latin/digit run that only fits on a line of its own: the run is not split, and its
  closing punctuation may hang past the line's end: :class:`CJKText` then draws that line
  condensed to the width, so it never runs into the next table cell);
* spaces at a break are dropped; ``\\n`` is a hard break.

:class:`CJKText` draws each character in the first font of a :class:`FontSet` that has it, so
Extension B characters come from the fallback font; no glyph is ever silently dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from carebook.documents.fonts import FontSet, clean_text

#: Characters that must not start a line (W3C clreq 3.1.7; GB/T 15834).
CLOSING = set("，。、；：！？）》〉」』】〕〗〙〛”’…—％‰℃°·!%),.:;?]}")
#: Characters that must not end a line.
OPENING = set("（《〈「『【〔〖〘〚“‘([{￥$£#§@")

_FUZZ = 1e-6

#: How much wider than its line an unbreakable unit may be and still be kept whole on it, drawn
#: condensed (:meth:`CJKText.draw`): at most to 1/1.35 = 74 % of its width.
SQUEEZE_LIMIT = 1.35


def _is_word_char(ch: str) -> bool:
    """Letters, digits and joiners of a Latin/digit run that must stay on one line."""
    if ch in "-_./#:+&'@*×~":
        return True
    if ch.isspace() or unicodedata.east_asian_width(ch) in ("W", "F"):
        return False
    return unicodedata.category(ch)[0] in "LN"


_INNER = set(".:,")  # ASCII punctuation kept inside a run when a letter or digit follows


def _is_run_char(ch: str) -> bool:
    return _is_word_char(ch) and ch not in CLOSING and ch not in OPENING


def units(paragraph: str) -> list[str]:
    """Split one paragraph (no ``\\n``) into unbreakable units, glued by the rules above."""
    raw: list[str] = []
    i, n = 0, len(paragraph)
    while i < n:
        ch = paragraph[i]
        if _is_word_char(ch) and ch not in CLOSING | OPENING:
            j = i + 1
            while j < n:
                c = paragraph[j]
                if _is_word_char(c) and c not in CLOSING | OPENING:
                    j += 1
                elif c in _INNER and j + 1 < n and _is_run_char(paragraph[j + 1]):
                    j += 2  # 17:20, 3.5, 1,000 stay whole
                else:
                    break
            raw.append(paragraph[i:j])
            i = j
        else:
            raw.append(ch)
            i += 1
    glued: list[str] = []
    pending_open = ""
    for u in raw:
        if u in CLOSING and glued and not pending_open:
            glued[-1] += u
        elif u in OPENING:
            pending_open += u
        else:
            glued.append(pending_open + u)
            pending_open = ""
    if pending_open:
        glued.append(pending_open)
    return glued


def break_lines(
    text: str, width: float, measure: Callable[[str], float], first_width: float | None = None
) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points (``first_width`` for line 1).

    Args:
        text: cleaned text; ``\\n`` is a hard break.
        width: available width in points.
        measure: width of a string in points (font and size already chosen).
        first_width: width of the very first line (first-line indent), default ``width``.

    Returns:
        The lines, without the spaces dropped at breaks. An empty text gives ``[""]``.
    """
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for u in units(para):
            avail = first_width if (first_width is not None and not lines) else width
            uw = measure(u)
            if line and used + uw > avail + _FUZZ:
                lines.append(line.rstrip(" "))
                line, used = "", 0.0
                avail = width
                if u == " ":
                    continue
            if not line and uw > avail + _FUZZ:
                if uw <= avail * SQUEEZE_LIMIT:
                    # A unit a little wider than the line (a phone number in a narrow table column,
                    # a number in brackets): kept whole on its line, which CJKText draws condensed
                    # to the width (a number broken across lines is misread)
                    line, used = u, uw
                    continue
                # A single unit wider than the line. Opening punctuation glued to a run that fits
                # a line by itself (《（12345…》) is left at the line's end rather than split the
                # run (a number broken across lines is misread); the run's closing punctuation
                # may hang past the line's end, as it does in the split below. Otherwise the unit
                # is split by character (last resort).
                k = len(u) - len(u.lstrip("".join(OPENING)))
                head, rest = u[:k], u[k:]
                run = rest.rstrip("".join(CLOSING))
                if head and run and measure(head) <= avail + _FUZZ and measure(run) <= width + _FUZZ:
                    lines.append(head)
                    line, used = rest, measure(rest)
                    continue
                piece = ""
                for ch in u:
                    cw = measure(ch)
                    # never break before closing punctuation: let it hang in the margin
                    if piece and ch not in CLOSING and measure(piece) + cw > avail + _FUZZ:
                        lines.append(piece)
                        piece = ""
                        avail = width
                    piece += ch
                line, used = piece, measure(piece)
                continue
            line += u
            used += uw
        lines.append(line.rstrip(" "))
    return lines


@dataclass(frozen=True)
class TextStyle:
    """How a block of text looks. Sizes in points.

    Chinese size names (GB/T 9704 official documents): 小二 18 pt, 三号 16 pt, 四号 14 pt,
    小四 12 pt, 五号 10.5 pt, 小五 9 pt, 六号 7.5 pt.
    """

    size: float = 10.5
    leading: float | None = None  # default 1.45 x size
    align: str = "left"  # "left", "center", "right", "justify"
    bold: bool = False  # faux bold (fill + stroke): Chinese system fonts rarely have a bold face
    color: colors.Color = colors.black
    first_indent: float = 0.0  # points
    space_before: float = 0.0
    space_after: float = 0.0

    @property
    def line_height(self) -> float:
        """Distance between baselines, in points."""
        return self.leading if self.leading is not None else self.size * 1.45

    def but(self, **changes: object) -> TextStyle:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def draw_line(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    style: TextStyle,
    fonts: FontSet,
    *,
    char_space: float = 0.0,
    horiz_scale: float = 1.0,
) -> None:
    """Draw one line of text with its left end of baseline at (x, y), switching fonts per run.
    ``horiz_scale`` (< 1) draws it condensed to that fraction of its width (PDF ``Tz``).

    Raises :class:`~carebook.documents.errors.MissingGlyphError` for a character no font has.
    """
    if not text:
        return
    t = canv.beginText(x, y)
    if horiz_scale != 1.0:
        t.setHorizScale(100.0 * horiz_scale)
    t.setFillColor(style.color)
    if style.bold:
        t.setTextRenderMode(2)
        t.setStrokeColor(style.color)
        canv.setLineWidth(style.size * 0.035)
    if char_space:
        t.setCharSpace(char_space)
    for name, run in fonts.runs(text):
        t.setFont(name, style.size)
        t.textOut(run)
    canv.drawText(t)


def draw_string(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    style: TextStyle,
    fonts: FontSet,
    align: str = "left",
) -> float:
    """Draw a single line anchored at x ("left", "center" or "right"); return its width."""
    text = clean_text(text).replace("\n", " ")
    w = fonts.string_width(text, style.size)
    if align == "center":
        x -= w / 2
    elif align == "right":
        x -= w
    canv.saveState()
    draw_line(canv, x, y, text, style, fonts)
    canv.restoreState()
    return w


class CJKText(Flowable):  # type: ignore[misc]
    """A paragraph of Chinese (and Latin) text that wraps by :func:`break_lines`.

    Args:
        text: the text; ``\\n`` is a hard break. Cleaned with :func:`clean_text`.
        style: size, leading, alignment, faux bold, first-line indent.
        fonts: the font chain (per-character fallback).
        min_lines: reserve room for at least this many lines (blank lines for handwriting).

    Raises (on wrap/draw): :class:`~carebook.documents.errors.MissingGlyphError`.
    """

    def __init__(self, text: str, style: TextStyle, fonts: FontSet, min_lines: int = 1) -> None:
        super().__init__()
        self.text = clean_text(text)
        self.style = style
        self.fonts = fonts
        self.min_lines = min_lines
        self.lines: list[str] = []
        self._para_end: list[bool] = []
        self._avail = 0.0
        self.width: float = 0.0
        self.height: float = 0.0
        fonts.check(self.text)

    def _measure(self, s: str) -> float:
        return self.fonts.string_width(s, self.style.size)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self.lines and availWidth == self._avail:  # tables wrap each cell several times
            return self.width, self.height
        self._avail = availWidth
        first = availWidth - self.style.first_indent
        self.lines, self._para_end = [], []
        for k, para in enumerate(self.text.split("\n")):
            got = break_lines(para, availWidth, self._measure, first_width=first if k == 0 else None)
            self.lines += got
            self._para_end += [False] * (len(got) - 1) + [True]
        n = max(len(self.lines), self.min_lines)
        self.width = availWidth
        self.height = n * self.style.line_height
        return self.width, self.height

    def getSpaceBefore(self) -> float:
        return self.style.space_before

    def getSpaceAfter(self) -> float:
        return self.style.space_after

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.style.line_height)
        if fit <= 0 or fit >= len(self.lines):
            return []
        head = CJKText("\n".join(self.lines[:fit]), self.style.but(space_after=0), self.fonts)
        tail = CJKText(
            "\n".join(self.lines[fit:]), self.style.but(space_before=0, first_indent=0), self.fonts
        )
        return [head, tail]

    def draw(self) -> None:
        st = self.style
        lh = st.line_height
        top = self.height
        canv = self.canv
        for i, line in enumerate(self.lines):
            baseline = top - i * lh - (lh - st.size) / 2 - st.size * 0.86
            x = st.first_indent if i == 0 else 0.0
            avail = self._avail - x
            char_space = 0.0
            w = self._measure(line)
            squeeze = 1.0
            if w > avail + _FUZZ and avail > 0:
                # a line wider than its box (closing punctuation hanging after a number kept whole,
                # or a unit split by character): condensed to the box, never drawn over the next
                # table cell (clreq §3.1.7 allows compressing punctuation at a line's end)
                squeeze, w = avail / w, avail
            if st.align == "center":
                x += (avail - w) / 2
            elif st.align == "right":
                x += avail - w
            elif st.align == "justify" and not self._para_end[i] and len(line) > 1:
                char_space = max(0.0, (avail - w) / (len(line) - 1))
                if char_space > st.size * 0.5:
                    char_space = 0.0
            draw_line(canv, x, baseline, line, st, self.fonts, char_space=char_space, horiz_scale=squeeze)

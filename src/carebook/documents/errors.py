"""Errors raised while preparing or printing a paper form.

All are :class:`carebook.model.errors.CarebookError`: the command line prints the message on one
line and exits 1, the desktop shows it in a dialog. When one is raised no PDF is written.
"""

from __future__ import annotations

from carebook.model.errors import CarebookError


class FontError(CarebookError):
    """No usable font: none found on the machine, or the configured file cannot be embedded
    (missing, unreadable, not TrueType, OpenType with CFF outlines, embedding forbidden)."""


class MissingGlyphError(FontError):
    """A character that no available font can draw (缺字).

    Printing is refused rather than leaving an empty box or silently dropping the character
    (reportlab drops glyphs a font lacks without a word; see DESIGN.md "Pitfalls").

    Attributes:
        char: the character.
        codepoint: its Unicode code point (int).
        context: the text it was found in (e.g. a child's name), possibly empty.
    """

    def __init__(self, char: str, context: str = "") -> None:
        self.char = char
        self.codepoint = ord(char)
        self.context = context
        code = f"U+{self.codepoint:04X}"
        where_zh = f"（出现在“{context}”中）" if context else ""
        where_en = f' (in "{context}")' if context else ""
        super().__init__(
            f"无法打印字符“{char}”（{code}）{where_zh}：本机没有任何字体包含这个字，打印会留下空白。"
            "请安装包含该字的字体（Windows：SimSun-ExtB，文件 simsunb.ttf；Linux：花园明朝 HanaMinB，"
            "软件包 fonts-hanazono），或在设置中指定含该字的 TrueType 字体文件后重试；"
            "若该字录入有误，请先更正档案。",
            f"Cannot print the character {char!r} ({code}){where_en}: no font on this computer has "
            "it, so it would print as a blank. Install a font that has it (Windows: SimSun-ExtB, "
            "simsunb.ttf; Linux: HanaMinB from fonts-hanazono) or configure a TrueType font file "
            "that has it, then try again; if the character was entered by mistake, correct the "
            "record first.",
        )

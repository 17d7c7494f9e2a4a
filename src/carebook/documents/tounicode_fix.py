"""Fix reportlab's ToUnicode CMap for characters above U+FFFF (CJK Extension B and beyond).

reportlab 5.1 (``reportlab.pdfbase.ttfonts.makeToUnicodeCMap``) writes each entry of a
TrueType subset's ToUnicode CMap as ``<%04X>``, so a code point above U+FFFF such as U+20BB7
(𠮷) becomes five hex digits ``<20BB7>``. The PDF reference (ISO 32000-1 §9.10.3) requires the
destination of a ``bfchar`` entry to be UTF-16BE, i.e. a surrogate pair ``<D842DFB7>``; with five
digits viewers and text extractors read a wrong character (吉𠮷 extracts as 吉₻). The glyphs
themselves print correctly; only copying, searching and extraction were wrong.

This module replaces that one function with a correct one: destinations are written as UTF-16BE
hex (surrogate pairs above U+FFFF) and ``bfchar`` blocks hold at most 100 entries, as the
reference requires. :func:`apply` is called by :mod:`carebook.documents.fonts` whenever fonts
are registered; it is idempotent.

Drop this module (and its call in ``fonts.py``) once reportlab writes surrogate pairs itself;
``tests/test_documents_tounicode.py`` has a test that fails when that happens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import reportlab.pdfbase.ttfonts as _ttfonts

#: reportlab's own function, kept for the test that detects an upstream fix.
ORIGINAL_MAKE_TO_UNICODE_CMAP: Callable[[str, Sequence[int]], str] = _ttfonts.makeToUnicodeCMap

_BFCHAR_BLOCK = 100  # ISO 32000-1 §9.10.3 / Adobe TN 5411: at most 100 entries per block


def utf16be_hex(codepoint: int) -> str:
    """Return the UTF-16BE encoding of one code point as upper-case hex.

    ``0x5F20`` -> ``"5F20"``; ``0x20BB7`` -> ``"D842DFB7"`` (a surrogate pair).

    Raises:
        ValueError: for a negative code point, one above U+10FFFF, or a lone surrogate.
    """
    if not 0 <= codepoint <= 0x10FFFF or 0xD800 <= codepoint <= 0xDFFF:
        raise ValueError(f"not a Unicode scalar value: {codepoint:#x}")
    return chr(codepoint).encode("utf-16-be").hex().upper()


def make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """Build the ToUnicode CMap of one font subset, correct for code points above U+FFFF.

    Args:
        fontname: the subset's base font name (used as CMap name and registry).
        subset: the Unicode code point of each single-byte code 0..len-1 of the subset.

    Returns:
        The CMap program text (PostScript-like, ASCII), same shape as reportlab's.
    """
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    entries = list(enumerate(subset))
    for start in range(0, len(entries), _BFCHAR_BLOCK):
        block = entries[start : start + _BFCHAR_BLOCK]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(f"<{code:02X}> <{_dest(value)}>" for code, value in block)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def _dest(codepoint: int) -> str:
    # Code 0 of each subset is .notdef, mapped to U+0000 by reportlab; keep that.
    try:
        return utf16be_hex(codepoint)
    except ValueError:
        return f"{codepoint & 0xFFFF:04X}"


def apply() -> None:
    """Install :func:`make_to_unicode_cmap` in reportlab (idempotent, process-wide)."""
    _ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


def is_applied() -> bool:
    """Return True when reportlab currently uses the fixed function."""
    return _ttfonts.makeToUnicodeCMap is make_to_unicode_cmap

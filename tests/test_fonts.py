"""Font discovery, per-character fallback, refusal of CFF fonts and of characters no font has.

Runs against the fonts installed on this machine (Debian: fonts-wqy-zenhei, fonts-hanazono).
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from carebook.documents.errors import FontError, MissingGlyphError
from carebook.documents.fonts import (
    FontSet,
    FontSpec,
    clean_text,
    default_font_set,
    discover_fonts,
    font_set_from,
    sfnt_outline_kind,
)
from carebook.model.i18n import set_language

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
HANA_B = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")
HANA_A = Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")
URW_OTF = Path("/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf")

needs_fonts = pytest.mark.skipif(
    not (WQY.is_file() and HANA_B.is_file()),
    reason="needs Debian fonts-wqy-zenhei and fonts-hanazono",
)


def _fake_cff_otf(path: Path) -> Path:
    """A minimal sfnt with the 'OTTO' signature and a 'CFF ' table entry (header only)."""
    tables = [b"CFF ", b"cmap", b"head"]
    header = b"OTTO" + struct.pack(">HHHH", len(tables), 32, 1, 16)
    directory = b"".join(tag + struct.pack(">III", 0, 12 + 16 * len(tables), 0) for tag in tables)
    path.write_bytes(header + directory)
    return path


@needs_fonts
def test_discovery_on_this_machine_lists_wenquanyi_first_and_hanamin_b() -> None:
    specs = discover_fonts(env={}, platform="linux")
    paths = [s.path for s in specs]
    assert WQY in paths and HANA_B in paths
    assert paths.index(WQY) < paths.index(HANA_B)


def test_windows_discovery_order_and_ttc_subfont(tmp_path: Path) -> None:
    fonts = tmp_path / "Fonts"
    fonts.mkdir()
    for name in ("simsun.ttc", "simsunb.ttf", "msyh.ttc", "simhei.ttf"):
        (fonts / name).write_bytes(b"\0")
    specs = discover_fonts(env={"WINDIR": str(tmp_path)}, platform="win32", use_fontconfig=False)
    assert [s.path.name for s in specs] == ["simsun.ttc", "simsunb.ttf", "msyh.ttc", "simhei.ttf"]
    assert specs[0].subfont_index == 0


def test_configured_font_goes_first_and_parses_subfont_index(tmp_path: Path) -> None:
    specs = discover_fonts(f"{tmp_path / 'x.ttc'}#2", env={}, platform="linux", use_fontconfig=False)
    assert specs[0] == FontSpec(tmp_path / "x.ttc", 2)
    env_specs = discover_fonts(
        env={"CAREBOOK_FONT": "/nowhere/y.ttf"}, platform="linux", use_fontconfig=False
    )
    assert env_specs[0].path == Path("/nowhere/y.ttf")


@needs_fonts
def test_fallback_per_character_for_extension_b() -> None:
    fs = font_set_from([WQY, HANA_B])
    assert fs.font_for("张") == fs.primary_name
    assert fs.font_for("𠀀") != fs.primary_name  # U+20000, only HanaMinB has it
    runs = fs.runs("张𠀀吉𠮷")
    assert [text for _, text in runs] == ["张", "𠀀", "吉", "𠮷"]
    assert runs[0][0] == runs[2][0] != runs[1][0] == runs[3][0]


@needs_fonts
def test_character_no_font_has_is_refused_with_its_code() -> None:
    fs = font_set_from([WQY, HANA_B])
    for ch in ("\U0010fffd", "\u0378"):  # private use plane 16; unassigned in the Greek block
        with pytest.raises(MissingGlyphError) as info:
            fs.check(f"王{ch}明")
        err = info.value
        assert err.codepoint == ord(ch)
        assert f"U+{ord(ch):04X}" in err.message_zh and f"U+{ord(ch):04X}" in err.message_en
        assert "王" in err.message_zh  # the context, so the user knows which record
        assert err.message_zh.startswith("无法打印字符")


def test_cff_opentype_is_refused_with_guidance(tmp_path: Path) -> None:
    otf = _fake_cff_otf(tmp_path / "Fake-CFF.otf")
    assert sfnt_outline_kind(FontSpec(otf)) == "cff"
    with pytest.raises(FontError) as info:
        font_set_from([otf])
    assert "CFF" in info.value.message_zh and "TrueType" in info.value.message_zh
    set_language("en")
    try:
        assert "TrueType" in info.value.message
    finally:
        set_language("zh")


@pytest.mark.skipif(not URW_OTF.is_file(), reason="no real CFF .otf on this machine")
def test_real_cff_otf_from_the_system_is_refused() -> None:
    assert sfnt_outline_kind(FontSpec(URW_OTF)) == "cff"
    with pytest.raises(FontError):
        FontSet([FontSpec(URW_OTF)], strict_first=True)


def test_missing_configured_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontError) as info:
        font_set_from([tmp_path / "nope.ttf"])
    assert "找不到字体文件" in info.value.message_zh


def test_no_font_at_all_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all" * 10)
    with pytest.raises(FontError) as info:
        FontSet([FontSpec(junk)])
    assert "没有可用于打印的中文" in info.value.message_zh


@needs_fonts
def test_truetype_collection_subfont_is_truetype() -> None:
    assert sfnt_outline_kind(FontSpec(WQY, 0)) == "truetype"
    assert sfnt_outline_kind(FontSpec(WQY, 1)) == "truetype"


@needs_fonts
def test_environment_variable_overrides_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_FONT", str(HANA_A))
    fs = default_font_set()
    assert fs.primary_spec.path == HANA_A


def test_clean_text_drops_variation_selectors_and_controls() -> None:
    assert clean_text("葛\U000e0100亮\u200d\t好\r\n") == "葛亮 好 \n"


@needs_fonts
def test_widths_come_from_the_fallback_font() -> None:
    fs = font_set_from([WQY, HANA_B])
    assert fs.char_width("𠮷", 10) > 0
    assert fs.string_width("张𠮷", 10) == pytest.approx(fs.char_width("张", 10) + fs.char_width("𠮷", 10))

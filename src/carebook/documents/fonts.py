"""Chinese fonts for printed forms: discovery, registration and per-character fallback.

Forms embed TrueType fonts found on the machine (DESIGN.md "Paper"):

* Windows (``%WINDIR%\\Fonts``): SimSun ``simsun.ttc`` (subfont 0), SimSun-ExtB ``simsunb.ttf``
  for CJK Extension B, Microsoft YaHei ``msyh.ttc``, SimHei ``simhei.ttf``, Segoe UI Symbol for
  check boxes.
* Linux: AR PL UMing, WenQuanYi Zen Hei / Micro Hei, Droid Sans Fallback, HanaMinB / HanaMinA
  (Debian ``fonts-hanazono``; HanaMinB has Extension B), DejaVu Sans, then whatever fontconfig
  (``fc-list :lang=zh``) knows.

A configured font (argument, or the ``CAREBOOK_FONT`` environment variable: ``PATH`` or
``PATH#SUBFONT``) goes first and must load, or :class:`FontError` is raised with guidance.
OpenType fonts with CFF outlines (``OTTO``, a ``CFF ``/``CFF2`` table) cannot be embedded by
reportlab and are refused when configured, skipped when discovered.

Every character is drawn with the first font of the chain whose cmap maps it to a real glyph
(glyph id != 0); reportlab itself would silently drop a missing glyph (DESIGN.md "Pitfalls"). A
character no font has raises :class:`MissingGlyphError`. Registering fonts installs the
ToUnicode fix (:mod:`carebook.documents.tounicode_fix`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from carebook.documents import tounicode_fix
from carebook.documents.errors import FontError, MissingGlyphError

log = logging.getLogger(__name__)

#: Environment variable naming the primary font file (``PATH`` or ``PATH#SUBFONT``).
FONT_ENV = "CAREBOOK_FONT"

# Characters dropped before drawing: they only select variants or control joining, and a font
# lacking a glyph for them must not block a form (variation selectors, ZW(N)J, ZWSP, BOM, SHY).
_IGNORABLE = frozenset(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)


@dataclass(frozen=True)
class FontSpec:
    """One font file to try: ``path`` and, for a TrueType collection (.ttc), the subfont index."""

    path: Path
    subfont_index: int = 0

    @classmethod
    def parse(cls, text: str | os.PathLike[str]) -> FontSpec:
        """Parse ``PATH`` or ``PATH#INDEX`` (the subfont of a .ttc), e.g. ``simsun.ttc#0``."""
        raw = os.fspath(text)
        path, sep, index = raw.rpartition("#")
        if sep and index.isdigit():
            return cls(Path(path), int(index))
        return cls(Path(raw), 0)

    def __str__(self) -> str:
        return f"{self.path}#{self.subfont_index}" if self.subfont_index else str(self.path)


def _windows_candidates(env: Mapping[str, str]) -> list[FontSpec]:
    dirs = [Path(env.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = env.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    names = [
        ("simsun.ttc", 0),  # SimSun 宋体
        ("simsunb.ttf", 0),  # SimSun-ExtB: CJK Extension B
        ("SimsunExtG.ttf", 0),  # SimSun-ExtG (Windows 11): Extensions G and beyond
        ("msyh.ttc", 0),  # Microsoft YaHei 微软雅黑
        ("simhei.ttf", 0),  # SimHei 黑体
        ("seguisym.ttf", 0),  # Segoe UI Symbol: ☑ and other symbols
        ("arialuni.ttf", 0),
    ]
    return [FontSpec(d / n, i) for d in dirs for n, i in names]


_LINUX_CANDIDATES = [
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # AR PL UMing: Ming (Song) style
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",  # CJK Extension B
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # symbols such as ☑
]


def _fc_list(pattern: str) -> list[FontSpec]:
    """Ask fontconfig for TrueType files matching ``pattern``; [] without fontconfig."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, pattern, "file", "index"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    specs = []
    for line in sorted(out.splitlines()):
        # "/usr/share/fonts/x.ttc: :index=0" (format varies a little between versions)
        path, _, rest = line.partition(":")
        index = 0
        if "index=" in rest:
            digits = rest.split("index=", 1)[1].strip().split(":")[0]
            index = int(digits) if digits.isdigit() else 0
        if path.lower().endswith((".ttf", ".ttc")):
            specs.append(FontSpec(Path(path.strip()), index))
    return specs


def discover_fonts(
    primary: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    use_fontconfig: bool = True,
) -> list[FontSpec]:
    """List the font files to try, best first; only files that exist are listed.

    Args:
        primary: a configured font (``PATH`` or ``PATH#SUBFONT``); overrides ``CAREBOOK_FONT``.
            Listed first even when missing, so that :class:`FontSet` reports it.
        env: environment (default ``os.environ``), for ``WINDIR``, ``LOCALAPPDATA`` and
            ``CAREBOOK_FONT``.
        platform: ``sys.platform`` by default.
        use_fontconfig: also ask ``fc-list`` (Chinese fonts, then fonts with U+20000).
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    configured = primary if primary is not None else env.get(FONT_ENV) or None
    specs: list[FontSpec] = []
    if configured is not None:
        specs.append(FontSpec.parse(configured))
    if platform.startswith("win"):
        specs += _windows_candidates(env)
    else:
        specs += [FontSpec(Path(p)) for p in _LINUX_CANDIDATES]
        if use_fontconfig:
            specs += _fc_list(":lang=zh") + _fc_list(":charset=20000")
    seen: set[tuple[str, int]] = set()
    result = []
    for i, spec in enumerate(specs):
        key = (os.path.normcase(os.path.realpath(spec.path)), spec.subfont_index)
        if key in seen:
            continue
        seen.add(key)
        if (i == 0 and configured is not None) or spec.path.is_file():
            result.append(spec)
    return result


def sfnt_outline_kind(spec: FontSpec) -> str:
    """Return ``"truetype"``, ``"cff"`` or ``"unknown"`` from the font file's sfnt header.

    Reads the (collection and) table directory only: ``OTTO`` or a ``CFF ``/``CFF2`` table means
    CFF outlines (OpenType spec, "Font file organisation"); ``glyf`` means TrueType.

    Raises:
        OSError: the file cannot be read.
    """
    with open(spec.path, "rb") as f:
        head = f.read(12)
        offset = 0
        if head[:4] == b"ttcf":
            count = struct.unpack(">I", head[8:12])[0]
            if spec.subfont_index >= count:
                return "unknown"
            f.seek(12 + 4 * spec.subfont_index)
            offset = struct.unpack(">I", f.read(4))[0]
            f.seek(offset)
            head = f.read(12)
        if len(head) < 12:
            return "unknown"
        version = head[:4]
        num_tables = struct.unpack(">H", head[4:6])[0]
        directory = f.read(16 * num_tables)
    tags = {directory[i : i + 4] for i in range(0, len(directory), 16)}
    if version == b"OTTO" or b"CFF " in tags or b"CFF2" in tags:
        return "cff"
    if b"glyf" in tags:
        return "truetype"
    return "unknown"


_registry_lock = threading.Lock()
_registered: dict[FontSpec, TTFont] = {}


def load_font(spec: FontSpec) -> TTFont:
    """Load and register one TrueType font with reportlab (cached per process).

    Returns:
        The registered ``TTFont``; its ``fontName`` is the reportlab name to draw with.

    Raises:
        FontError: missing or unreadable file, CFF outlines, not a TrueType font, or a font
            whose licence forbids embedding.
    """
    with _registry_lock:
        tounicode_fix.apply()
        font = _registered.get(spec)
        if font is not None:
            return font
        path = str(spec.path)
        if not spec.path.is_file():
            raise FontError(
                f"找不到字体文件“{path}”。请检查设置中的字体路径，或清空该设置以自动查找本机字体。",
                f"Font file not found: {path}. Check the font path in the settings, or clear it to "
                "let Carebook find a font on this computer.",
            )
        try:
            kind = sfnt_outline_kind(spec)
        except OSError as exc:
            raise FontError(
                f"无法读取字体文件“{path}”：{exc}。", f"Cannot read the font file {path}: {exc}."
            ) from exc
        if kind == "cff":
            raise FontError(
                f"字体“{path}”是 OpenType（CFF/PostScript 轮廓）字体，无法嵌入 PDF 表格。"
                "请改用 TrueType 字体（.ttf 或 .ttc），例如 Windows 的宋体 simsun.ttc、"
                "Linux 的文泉驿正黑 wqy-zenhei.ttc。",
                f"The font {path} is OpenType with CFF (PostScript) outlines, which cannot be "
                "embedded in the forms. Use a TrueType font (.ttf or .ttc) instead, e.g. SimSun "
                "simsun.ttc on Windows or WenQuanYi Zen Hei wqy-zenhei.ttc on Linux.",
            )
        digest = hashlib.sha1(f"{path}#{spec.subfont_index}".encode()).hexdigest()[:8]
        name = f"CB-{spec.path.stem[:24]}-{spec.subfont_index}-{digest}"
        try:
            font = TTFont(name, path, subfontIndex=spec.subfont_index)
        except (TTFError, ValueError, OSError, struct.error, IndexError, KeyError) as exc:
            raise FontError(
                f"字体“{path}”无法使用（{exc}）。请改用其他 TrueType 字体（.ttf 或 .ttc）。",
                f"The font {path} cannot be used ({exc}). Use another TrueType font (.ttf or .ttc).",
            ) from exc
        _cache_big_tables(font)
        pdfmetrics.registerFont(font)
        _registered[spec] = font
        return font


def _cache_big_tables(font: TTFont) -> None:
    """Keep the font's ``glyf`` and ``loca`` tables instead of copying them for every subset.

    reportlab's ``makeSubset`` slices the whole ``glyf`` table out of the font file (10-20 MB
    for a CJK font) for each 256-glyph subset of each document; caching the slice on this font
    object (not globally) saves that copy. Costs one copy of the table in memory per font.
    """
    face = font.face
    original = face.get_table
    cache: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        if tag not in ("glyf", "loca"):
            return bytes(original(tag))
        data = cache.get(tag)
        if data is None:
            data = cache[tag] = bytes(original(tag))
        return data

    face.get_table = get_table


_NEEDS_CLEANING = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff\U000e0100-\U000e01ef]"
)


def clean_text(text: str) -> str:
    """Prepare text for drawing: drop variation selectors, zero-width joiners/spaces, BOM and
    soft hyphens; turn tabs, CR and other control characters into spaces; keep ``\\n``."""
    if not _NEEDS_CLEANING.search(text):
        return text
    out = []
    for ch in text:
        cp = ord(ch)
        if cp in _IGNORABLE:
            continue
        if ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) == "Cc":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


class FontSet:
    """An ordered chain of fonts, first choice first; each character uses the first that has it.

    Fonts are loaded lazily: a fallback is read only when a character needs it. Thread-safe for
    reading once built. Widths are in points.

    Args:
        specs: fonts to try, best first (see :func:`discover_fonts`).
        strict_first: when True (a configured font), the first font must load; otherwise fonts
            that fail to load are skipped with a log line.

    Raises:
        FontError: no font in ``specs`` loads, or ``strict_first`` and the first one fails.
    """

    def __init__(self, specs: Sequence[FontSpec], *, strict_first: bool = False) -> None:
        self._specs = list(specs)
        self._fonts: list[TTFont | None] = [None] * len(self._specs)
        self._failed: set[int] = set()
        self._lock = threading.Lock()
        self._choice: dict[int, str | None] = {}
        self._widths1: dict[str, float] = {}  # advance width at 1 pt, by character
        if strict_first and self._specs:
            self._fonts[0] = load_font(self._specs[0])
        if self.primary_name is None:
            tried = "、".join(str(s.path) for s in self._specs) or "（无）"
            tried_en = ", ".join(str(s.path) for s in self._specs) or "(none)"
            raise FontError(
                f"本机没有可用于打印的中文 TrueType 字体（已尝试：{tried}）。Windows 请确认已安装宋体"
                "（simsun.ttc）；Linux 请安装 fonts-wqy-zenhei 和 fonts-hanazono；"
                "也可在设置中指定字体文件。",
                f"No usable Chinese TrueType font on this computer (tried: {tried_en}). On Windows "
                "make sure SimSun (simsun.ttc) is installed; on Linux install fonts-wqy-zenhei and "
                "fonts-hanazono; or configure a font file in the settings.",
            )

    def _font(self, i: int) -> TTFont | None:
        font = self._fonts[i]
        if font is not None or i in self._failed:
            return font
        with self._lock:
            if self._fonts[i] is None and i not in self._failed:
                try:
                    self._fonts[i] = load_font(self._specs[i])
                except FontError as exc:
                    log.info("skipping font %s: %s", self._specs[i], exc.message_en)
                    self._failed.add(i)
            return self._fonts[i]

    @property
    def primary_name(self) -> str | None:
        """reportlab name of the first font that loads (the body font), or None."""
        for i in range(len(self._specs)):
            font = self._font(i)
            if font is not None:
                return str(font.fontName)
        return None

    @property
    def primary_spec(self) -> FontSpec:
        """The file of the body font."""
        for i, spec in enumerate(self._specs):
            if self._font(i) is not None:
                return spec
        raise AssertionError("FontSet without a loaded font")  # prevented by __init__

    def font_for(self, ch: str) -> str | None:
        """reportlab font name that draws ``ch`` (a single character), or None if none can."""
        cp = ord(ch)
        try:
            return self._choice[cp]
        except KeyError:
            pass
        choice = None
        for i in range(len(self._specs)):
            font = self._font(i)
            if font is not None and font.face.charToGlyph.get(cp, 0) != 0:
                choice = str(font.fontName)
                break
        self._choice[cp] = choice
        return choice

    def covers(self, ch: str) -> bool:
        """True when some font of the chain has a glyph for the character ``ch``."""
        return ch in " \n" or self.font_for(ch) is not None

    def check(self, text: str) -> None:
        """Raise :class:`MissingGlyphError` for the first character of ``text`` no font has."""
        for ch in clean_text(text):
            if not self.covers(ch):
                raise MissingGlyphError(ch, text)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split ``text`` (one line, already cleaned) into ``(font name, substring)`` runs.

        Spaces stay in the current run. Raises :class:`MissingGlyphError` for a character no
        font has.
        """
        runs: list[tuple[str, str]] = []
        current: str | None = None
        buf: list[str] = []
        for ch in text:
            name = current if ch == " " and current is not None else self.font_for(ch)
            if name is None:
                if ch == " ":
                    name = self.primary_name
                else:
                    raise MissingGlyphError(ch, text)
            if name != current and buf:
                assert current is not None
                runs.append((current, "".join(buf)))
                buf = []
            current = name
            buf.append(ch)
        if buf and current is not None:
            runs.append((current, "".join(buf)))
        return runs

    def char_width(self, ch: str, size: float) -> float:
        """Advance width of ``ch`` at ``size`` points, in points (its fallback font's metrics).

        Raises :class:`MissingGlyphError` if no font has it.
        """
        w = self._widths1.get(ch)
        if w is None:
            name = self.font_for(ch) if ch != " " else self.primary_name
            if name is None:
                raise MissingGlyphError(ch)
            w = pdfmetrics.stringWidth(ch, name, 1000.0) / 1000.0
            self._widths1[ch] = w
        return w * size

    def string_width(self, text: str, size: float) -> float:
        """Width of one line of text at ``size`` points, in points."""
        widths = self._widths1
        total = 0.0
        for ch in text:
            w = widths.get(ch)
            if w is None:
                w = self.char_width(ch, 1.0)
            total += w
        return total * size

    def loaded_fonts(self) -> list[FontSpec]:
        """The font files loaded so far (for diagnostics and the about box)."""
        return [s for s, f in zip(self._specs, self._fonts, strict=True) if f is not None]


_default_lock = threading.Lock()
_default_sets: dict[tuple[str | None, str | None], FontSet] = {}


def default_font_set(primary: str | os.PathLike[str] | None = None) -> FontSet:
    """Return the process-wide :class:`FontSet` for this machine (built once per setting).

    Args:
        primary: configured font file (``PATH`` or ``PATH#SUBFONT``); None uses ``CAREBOOK_FONT``
            or discovery.

    Raises:
        FontError: the configured font is unusable, or no font is found.
    """
    configured = os.fspath(primary) if primary is not None else None
    key = (configured, os.environ.get(FONT_ENV))
    with _default_lock:
        fs = _default_sets.get(key)
        if fs is None:
            specs = discover_fonts(configured)
            strict = configured is not None or bool(os.environ.get(FONT_ENV))
            fs = FontSet(specs, strict_first=strict)
            _default_sets[key] = fs
        return fs


def font_set_from(specs: Iterable[str | os.PathLike[str]]) -> FontSet:
    """Build a :class:`FontSet` from explicit files (first one strict), for tests and settings."""
    return FontSet([FontSpec.parse(s) for s in specs], strict_first=True)

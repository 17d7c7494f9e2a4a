"""Common page furniture of Carebook forms: page template, QR code, footer, tables, file output.

Every page carries, in its top-right corner, a QR code whose content is
:meth:`DocumentRef.qr_payload` (UTF-8 JSON bytes, byte mode, error correction M) and, in its
footer, the document id, the record version and the page number, so that a signed scan can be
matched back to its record (DESIGN.md "Paper").

Forms are rendered to bytes first and written atomically (temporary file, fsync, rename): a
form that fails (e.g. :class:`~carebook.documents.errors.MissingGlyphError`) leaves no PDF.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    KeepTogether,
    PageTemplate,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from carebook.documents.cjk_text import CJKText, TextStyle, draw_string
from carebook.documents.fonts import FontSet, default_font_set
from carebook.documents.form_data import DocumentRef
from carebook.model.errors import CarebookError

# Sizes in points (GB/T 9704-2012 names).
XIAO_ER = 18.0  # 小二
SAN_HAO = 16.0  # 三号
SI_HAO = 14.0  # 四号
XIAO_SI = 12.0  # 小四
WU_HAO = 10.5  # 五号
XIAO_WU = 9.0  # 小五

QR_SIZE = 23 * mm
LABEL_FILL = colors.Color(0.93, 0.93, 0.93)
#: Padding inside a table cell, in points (each side).
CELL_PADDING = 2.6
GRID = colors.Color(0.15, 0.15, 0.15)


@dataclass(frozen=True)
class Styles:
    """The text styles of a form, all in the same font chain (see :data:`STYLES`)."""

    title: TextStyle
    subtitle: TextStyle
    heading: TextStyle
    body: TextStyle
    cell: TextStyle
    label: TextStyle
    small: TextStyle

    def scaled(self, factor: float) -> Styles:
        """All sizes and leadings multiplied by ``factor`` (to fit a page)."""

        def sc(t: TextStyle) -> TextStyle:
            return t.but(
                size=t.size * factor, leading=t.line_height * factor, first_indent=t.first_indent * factor
            )

        return Styles(*(sc(getattr(self, f.name)) for f in fields(self)))


#: The default styles: title 小二 bold, headings 小四 bold, body and cells 五号, notes 小五.
STYLES = Styles(
    title=TextStyle(size=XIAO_ER, align="center", bold=True, leading=XIAO_ER * 1.3),
    subtitle=TextStyle(size=SI_HAO, align="center", leading=SI_HAO * 1.5),
    heading=TextStyle(size=WU_HAO + 0.5, bold=True, leading=(WU_HAO + 0.5) * 1.45, space_before=2),
    body=TextStyle(size=WU_HAO, align="justify", leading=WU_HAO * 1.55),
    cell=TextStyle(size=WU_HAO, leading=WU_HAO * 1.3),
    label=TextStyle(size=WU_HAO, align="center", leading=WU_HAO * 1.3),
    small=TextStyle(size=XIAO_WU, leading=XIAO_WU * 1.4),
)


def fit_to_height(
    make: Callable[[Styles], list[Flowable]],
    width: float,
    height: float,
    scales: Sequence[float] = (1.0, 0.94, 0.88, 0.82, 0.76),
    *,
    flow_if_too_long: bool = False,
) -> tuple[list[Flowable], Styles, bool]:
    """Build flowables that fit ``height`` points: try smaller type until they do.

    ``make`` is called with scaled :class:`Styles` and must return fresh flowables each time.
    If even the smallest scale is too tall, the result is wrapped in ``KeepInFrame(shrink)``,
    or, with ``flow_if_too_long``, built again at full size to run over several pages.

    Returns:
        The flowables, the styles used, and whether they fit without ``KeepInFrame``.
    """
    story: list[Flowable] = []
    styles = STYLES
    scratch = Canvas(io.BytesIO())  # some flowables (KeepTogether) need a canvas to wrap
    for factor in scales:
        styles = STYLES.scaled(factor)
        story = make(styles)
        total = 0.0
        for f in story:
            h = f.wrapOn(scratch, width, height)[1]
            if isinstance(f, KeepTogether):  # reports a huge height to force a split
                h = f._H
            total += h + f.getSpaceBefore() + f.getSpaceAfter()
        if total <= height:
            return story, styles, True
    if flow_if_too_long:
        return make(STYLES), STYLES, False
    return [KeepInFrame(width, height, story, mode="shrink")], styles, False


@dataclass
class PageInfo:
    """What the footer and QR of the current page show; updated by :class:`SetPageInfo`."""

    copy_label: str = ""  # "父母留存联" (printed)
    footer_note: str = ""


class SetPageInfo(Flowable):  # type: ignore[misc]
    """A zero-size flowable that sets the copy shown on the pages from here on."""

    def __init__(self, info: PageInfo) -> None:
        super().__init__()
        self.info = info
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        doc = getattr(self.canv, "_doctemplate", None)
        if isinstance(doc, FormDocTemplate):
            doc.page_info = self.info


@functools.lru_cache(maxsize=32)
def qr_modules(payload: bytes, level: str = "M", mask: int = 0) -> tuple[tuple[bool, ...], ...]:
    """The module matrix (rows of dark=True) of a QR code holding ``payload`` in byte mode.

    Error correction level M (ISO/IEC 18004: ~15 % of modules recoverable) survives a stamp or
    a fold. A fixed mask pattern is used instead of scoring all eight (ISO/IEC 18004 §7.8: any
    mask is valid; scoring only tunes readability) because scoring costs ten times more and
    forms are printed in batches.
    """
    qr = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    qr.addData(qrencoder.QR8bitByte(payload))
    qr.version = qr.calculate_version()
    qr.makeImpl(False, mask)
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


class SharedBody(Flowable):  # type: ignore[misc]
    """Flowables stacked top to bottom and drawn once into a PDF form XObject, then shown on
    every page that holds this same object (ISO 32000-1 §8.10: form XObjects).

    The copies of a form that differ only outside this block (the entrustment confirmation's
    three copies) share one drawing: faster to render and a smaller file. Text inside a form
    XObject extracts, copies and prints as usual.

    Args:
        flowables: the block's content; wrapped to the width given to :meth:`wrap`.
    """

    def __init__(self, flowables: Sequence[Flowable]) -> None:
        super().__init__()
        self.flowables = list(flowables)
        self._placed: list[tuple[Flowable, float, float]] = []  # (flowable, x, y from bottom)
        self._width = self._height = 0.0
        self._form_of: dict[int, str] = {}

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        placed: list[tuple[Flowable, float, float, float]] = []
        y = 0.0
        for i, f in enumerate(self.flowables):
            w, h = f.wrap(availWidth, availHeight)
            if i:
                y += f.getSpaceBefore()
            x = (availWidth - w) / 2 if w < availWidth and getattr(f, "hAlign", "LEFT") == "CENTER" else 0.0
            placed.append((f, x, y, h))
            y += h + (f.getSpaceAfter() if i < len(self.flowables) - 1 else 0.0)
        self._width, self._height = availWidth, y
        self._placed = [(f, x, y - top - h) for f, x, top, h in placed]
        return self._width, self._height

    def draw(self) -> None:
        canv = self.canv
        name = self._form_of.get(id(canv))
        if name is None:
            name = f"CBShared{id(self):x}"
            canv.beginForm(name, 0, 0, self._width, self._height)
            for f, x, y in self._placed:
                f.drawOn(canv, x, y)
            canv.endForm()
            self._form_of = {id(canv): name}
        canv.doForm(name)


def draw_qr(canv: Canvas, payload: bytes, x: float, y: float, size: float = QR_SIZE) -> None:
    """Draw a QR code holding exactly ``payload`` (byte mode) with its lower-left at (x, y).

    ``size`` (points) includes a quiet zone of 2 modules; the white page margin adds more.
    """
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.addLiteral(_qr_operators(payload, round(x, 3), round(y, 3), round(size, 3)))
    canv.restoreState()


@functools.lru_cache(maxsize=32)
def _qr_operators(payload: bytes, x: float, y: float, size: float) -> str:
    """PDF operators filling the dark modules: one path of ``re`` rectangles, then ``f``.

    Written as literal operators because reportlab's path API formats each number in Python,
    and a QR code has about a thousand runs; cached because every page of a document has the
    same code at the same place.
    """
    modules = qr_modules(payload)
    n = len(modules)
    border = 2
    box = size / (n + 2 * border)
    ops = []
    for r, row in enumerate(modules):
        yy = y + size - (r + border + 1) * box
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{x + (start + border) * box:.3f} {yy:.3f} {(c - start) * box:.3f} {box:.3f} re")
            else:
                c += 1
    ops.append("f")
    return "\n".join(ops)


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, in points from the lower-left corner: what was drawn where."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    what: str = ""

    def overlaps(self, other: Box) -> bool:
        """True when both are on the same page and their interiors intersect."""
        return (
            self.page == other.page
            and self.x0 < other.x1 - 0.01
            and other.x0 < self.x1 - 0.01
            and self.y0 < other.y1 - 0.01
            and other.y0 < self.y1 - 0.01
        )


@dataclass
class Layout:
    """Where a rendered form put things (for layout tests and previews).

    ``blocks`` are the top-level flowables of the body; ``reserved`` the QR code and the footer
    of each page; ``page_size`` is (width, height) in points.
    """

    page_size: tuple[float, float] = (0.0, 0.0)
    frame: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    blocks: list[Box] = field(default_factory=list)
    reserved: list[Box] = field(default_factory=list)


class _RecordingFrame(Frame):  # type: ignore[misc]
    """A frame that notes the box of every flowable it draws in ``log`` (when set)."""

    log: Layout | None = None

    def _add(self, flowable: Flowable, canv: Canvas, trySplit: int = 0) -> int:
        ok: int = super()._add(flowable, canv, trySplit)
        if ok and self.log is not None and not getattr(flowable, "_ZEROSIZE", False):
            w = getattr(flowable, "_width", None) or getattr(flowable, "width", 0.0) or 0.0
            h = getattr(flowable, "_height", None) or getattr(flowable, "height", 0.0) or 0.0
            y0 = self._y + flowable.getSpaceAfter()
            x0 = self._x
            if w < self._width and getattr(flowable, "hAlign", "LEFT") == "CENTER":
                x0 += (self._width - w) / 2
            page = canv.getPageNumber()
            self.log.blocks.append(Box(page, x0, y0, x0 + w, y0 + h, type(flowable).__name__))
        return ok

    add = _add  # reportlab's Frame calls the alias


class FormDocTemplate(BaseDocTemplate):  # type: ignore[misc]
    """A4 (portrait or landscape) page with QR code top-right and a footer.

    Args:
        buffer: where the PDF goes.
        ref: the document reference (QR and footer).
        fonts: font chain.
        title: PDF metadata title.
        landscape_page: A4 landscape instead of portrait.
        header_note: small text printed top-left (e.g. the unit), optional.
    """

    def __init__(
        self,
        buffer: io.BytesIO,
        ref: DocumentRef,
        fonts: FontSet,
        title: str,
        *,
        landscape_page: bool = False,
        header_note: str = "",
    ) -> None:
        pagesize = landscape(A4) if landscape_page else A4
        super().__init__(
            buffer,
            pagesize=pagesize,
            leftMargin=20 * mm,
            rightMargin=18 * mm,
            topMargin=28 * mm,
            bottomMargin=16 * mm,
            title=title,
            author="Carebook",
            subject=ref.document_id,
            creator="Carebook",
            invariant=1,
        )
        self.ref = ref
        self.fonts = fonts
        self.header_note = header_note
        self.page_info = PageInfo()
        self.layout: Layout | None = None
        frame = _RecordingFrame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=self._furniture)])

    def _furniture(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        pw, ph = self.pagesize
        info = self.page_info
        canv.saveState()
        # QR code, top right, inside the top margin.
        qx, qy = pw - self.rightMargin - QR_SIZE, ph - 4 * mm - QR_SIZE
        draw_qr(canv, self.ref.qr_payload(), qx, qy)
        page = canv.getPageNumber()
        if self.layout is not None:
            self.layout.reserved.append(Box(page, qx, qy, qx + QR_SIZE, qy + QR_SIZE, "qr"))
        small = STYLES.small
        if self.header_note:
            draw_string(canv, self.leftMargin, ph - 14 * mm, self.header_note, small, self.fonts)
        if info.copy_label:
            label = STYLES.subtitle.but(size=XIAO_SI, bold=True)
            draw_string(
                canv, qx - 4 * mm, ph - 14 * mm, f"【{info.copy_label}】", label, self.fonts, align="right"
            )
        # Footer: rule, document id and version, page number.
        y = self.bottomMargin - 8.5 * mm
        canv.setStrokeColor(colors.grey)
        canv.setLineWidth(0.4)
        canv.line(self.leftMargin, y + 4 * mm, pw - self.rightMargin, y + 4 * mm)
        left = f"文书编号：{self.ref.document_id}    记录版本：{self.ref.record_version}"
        draw_string(canv, self.leftMargin, y, left, small, self.fonts)
        right = f"第 {canv.getPageNumber()} 页"
        if info.footer_note:
            right = f"{info.footer_note}    {right}"
        draw_string(canv, pw - self.rightMargin, y, right, small, self.fonts, align="right")
        if self.layout is not None:
            box = Box(page, self.leftMargin, y - 3, pw - self.rightMargin, y + 4 * mm, "footer")
            self.layout.reserved.append(box)
        canv.restoreState()


def render(
    ref: DocumentRef,
    title: str,
    build_story: Callable[[FontSet, float, float], list[Flowable]],
    *,
    fonts: FontSet | None = None,
    landscape_page: bool = False,
    header_note: str = "",
    layout: Layout | None = None,
) -> bytes:
    """Render a form to PDF bytes.

    Args:
        ref: document reference (QR, footer, metadata).
        title: PDF metadata title.
        build_story: called with the font chain and the frame width and height (points);
            returns the flowables.
        fonts: the font chain; default :func:`default_font_set`.
        layout: if given, filled with where the blocks, QR codes and footers went.

    Raises:
        FontError, MissingGlyphError: no font, or a character no font has (nothing is written).
        FormLayoutError: a block of the form cannot be laid out on a page (a last resort: long
            texts run over pages, see :func:`text_chunks`).
    """
    fonts = fonts if fonts is not None else default_font_set()
    buf = io.BytesIO()
    doc = FormDocTemplate(buf, ref, fonts, title, landscape_page=landscape_page, header_note=header_note)
    if layout is not None:
        doc.layout = layout
        layout.page_size = doc.pagesize
        layout.frame = (
            doc.leftMargin,
            doc.bottomMargin,
            doc.leftMargin + doc.width,
            doc.bottomMargin + doc.height,
        )
        for frame in doc.pageTemplates[0].frames:
            frame.log = layout
    try:
        doc.build(build_story(fonts, doc.width, doc.height))
    except LayoutError as exc:
        raise FormLayoutError(title, str(exc)) from None
    return buf.getvalue()


class FormLayoutError(CarebookError):
    """表格排版失败: a block of a form is taller than a page and cannot be split (a last resort;
    the forms split long texts themselves). ``detail``: reportlab's description, shortened."""

    def __init__(self, title: str, detail: str) -> None:
        self.detail = detail[:160]
        super().__init__(
            f"“{title}”里有一项内容太长，一页纸放不下，没有生成文件。请把过长的文字（例如服务计划、走访记录）"
            "改短一些再打印，并把这个提示发给技术支持。",
            f"A part of “{title}” is too long to fit on a page; no file was written. Shorten the long "
            "text (a service plan, a visit record) and print again, and send this message to support.",
        )


def output_folder_error(path: str | os.PathLike[str]) -> CarebookError | None:
    """The error for an output path that names a folder (``--out /tmp/forms``), else None:
    :func:`write_pdf` would otherwise fail only at the final rename, with a traceback."""
    target = Path(path)
    if not target.is_dir():
        return None
    return CarebookError(f"{target} 是一个文件夹：请给出文件名，例如 {target / '表格.pdf'}",
                         f"{target} is a folder: give a file name, e.g. {target / 'form.pdf'}")


def write_pdf(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write PDF bytes atomically: temporary file in the same folder, fsync, rename.

    Returns:
        The final path.

    Raises:
        CarebookError: ``path`` is a folder (:func:`output_folder_error`; nothing is written).
        OSError: the folder is not writable or the disk is full (the old file, if any, is kept).
    """
    target = Path(path)
    refused = output_folder_error(target)
    if refused is not None:
        raise refused
    fd, tmp = tempfile.mkstemp(prefix=".carebook-", suffix=".pdf.tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# ---- tables -------------------------------------------------------------------------------


def text(fonts: FontSet, value: str, style: TextStyle | None = None, min_lines: int = 1) -> CJKText:
    """A table cell / paragraph of text (default style: ``STYLES.cell``)."""
    return CJKText(value, style or STYLES.cell, fonts, min_lines=min_lines)


def label(fonts: FontSet, value: str, style: TextStyle | None = None) -> CJKText:
    """A label cell (default style: ``STYLES.label``, centred)."""
    return CJKText(value, style or STYLES.label, fonts)


def grid(
    rows: Sequence[Sequence[object]],
    col_widths: Sequence[float],
    *,
    width: float,
    label_cells: Sequence[tuple[int, int]] = (),
    spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    header_rows: int = 0,
    repeat_rows: int = 0,
    padding: float = CELL_PADDING,
    min_row_height: float | None = None,
    joined: Sequence[tuple[int, int]] = (),
) -> Table:
    """A ruled table as on official forms.

    Args:
        rows: cells (flowables or ""); ``None`` is not allowed.
        col_widths: column widths as fractions of ``width`` (summing to 1).
        width: the table's width in points (reportlab fixes percentage widths at the first
            wrap, so they are resolved here).
        label_cells: (col, row) of label cells, shaded light grey.
        spans: ((col0, row0), (col1, row1)) spans.
        header_rows: leading rows shaded as header.
        repeat_rows: rows repeated at the top of each page when the table splits.
        min_row_height: minimum height of every row, in points.
        joined: ``(row0, row1)`` ranges (inclusive) of rows that read as one: the pieces of a
            long text (:func:`text_chunks`), with no rule between them; the table may break
            between them across pages (a single row taller than a page cannot be split).
    """
    heights = None
    if min_row_height is not None:
        heights = [min_row_height] * len(rows)
    table = Table(
        [list(r) for r in rows],
        colWidths=[f * width for f in col_widths],
        rowHeights=heights,
        repeatRows=repeat_rows,
        hAlign="CENTER",
    )
    cmds: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("BOX", (0, 0), (-1, -1), 1.1, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    for c, r in label_cells:
        cmds.append(("BACKGROUND", (c, r), (c, r), LABEL_FILL))
    if header_rows:
        cmds.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), LABEL_FILL))
    for a, b in spans:
        cmds.append(("SPAN", a, b))
    if joined:
        lines, paddings = _joined_rules(joined, len(col_widths), set(label_cells), spans)
        cmds[1:1] = lines  # after the grid, before the box
        cmds += paddings
        # where the table breaks across pages (maybe between joined rows), each part is closed
        cmds.append(("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 1.1, GRID))
        cmds.append(("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), 1.1, GRID))
    table.setStyle(TableStyle(cmds))
    return table


def _joined_rules(
    joined: Sequence[tuple[int, int]], ncols: int, labels: set[tuple[int, int]],
    spans: Sequence[tuple[tuple[int, int], tuple[int, int]]],
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Line commands that erase the rules between the rows of each joined range (painted over in
    the cells' fill) and draw again the column rules those rows have (none inside a span); and
    padding commands that set the pieces' lines at the text's own leading."""
    cmds: list[tuple[object, ...]] = []
    paddings: list[tuple[object, ...]] = []
    for r0, r1 in joined:
        for r in range(r0, r1):
            for c in range(ncols):
                fill = LABEL_FILL if (c, r) in labels and (c, r + 1) in labels else colors.white
                cmds.append(("LINEBELOW", (c, r), (c, r), 1.4, fill))
        for r in range(r0, r1 + 1):
            for c in range(ncols - 1):
                inside = any(a[0] <= c < b[0] and a[1] <= r <= b[1] for a, b in spans)
                if not inside:
                    cmds.append(("LINEAFTER", (c, r), (c, r), 0.6, GRID))
        cmds.append(("LINEBEFORE", (0, r0), (0, r1), 1.1, GRID))
        cmds.append(("LINEAFTER", (ncols - 1, r0), (ncols - 1, r1), 1.1, GRID))
        if r1 > r0:
            paddings.append(("TOPPADDING", (0, r0 + 1), (-1, r1), 0))
            paddings.append(("BOTTOMPADDING", (0, r0), (-1, r1 - 1), 0))
    return cmds, paddings


def text_chunks(text: str, style: TextStyle, fonts: FontSet, width: float, *, lines_per_row: int = 4,
                min_lines: int = 1) -> list[CJKText]:
    """``text`` broken into lines at ``width`` points (the cell's inner width: its column less
    the padding on both sides) and cut into pieces of ``lines_per_row`` lines, each a
    :class:`CJKText` that wraps to exactly those lines again: a long text as several table rows
    (see ``joined`` of :func:`grid`), so a service plan or a visit's findings run over to the
    next page instead of failing the layout. A text of at most ``lines_per_row`` lines gives one
    piece, holding at least ``min_lines`` lines (blank lines for handwriting)."""
    whole = CJKText(text, style, fonts, min_lines=min_lines)
    whole.wrap(width, 1e9)
    lines = whole.lines
    if len(lines) <= lines_per_row:
        return [whole]
    rest = style.but(first_indent=0)
    return [CJKText("\n".join(lines[i:i + lines_per_row]), style if i == 0 else rest, fonts)
            for i in range(0, len(lines), lines_per_row)]


@dataclass(frozen=True)
class Cells:
    """Shorthand for building cells in one font chain and one set of (possibly scaled) styles."""

    fonts: FontSet
    st: Styles = STYLES

    def t(self, value: str, style: TextStyle | None = None, min_lines: int = 1) -> CJKText:
        """A text cell (``st.cell`` unless given)."""
        return CJKText(value, style or self.st.cell, self.fonts, min_lines=min_lines)

    def lab(self, value: str) -> CJKText:
        """A label cell (``st.label``)."""
        return CJKText(value, self.st.label, self.fonts)

    def p(self, value: str, style: TextStyle | None = None) -> CJKText:
        """A body paragraph (``st.body`` unless given)."""
        return CJKText(value, style or self.st.body, self.fonts)


def fmt_date(value: object, blank: str = "    年  月  日") -> str:
    """``2026-03-01`` -> ``2026年3月1日``; None -> a blank to fill in by hand."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return blank


def checkbox(fonts: FontSet, checked: bool) -> str:
    """The check box character: ☑ when checked (■ if no font has ☑), □ otherwise."""
    if not checked:
        return "□"
    return "☑" if fonts.covers("☑") else "■"

"""Small helpers shared by the township's spreadsheet exports: heading styles, column widths,
and saving a workbook atomically (temporary file in the same folder, fsync, rename), so a
half-written ``.xlsx`` never replaces a good one."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from carebook.model.errors import CarebookError

_THIN = Side(style="thin", color="999999")
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
MONEY = "#,##0.00"


def title_rows(ws: Worksheet, title: str, subtitle: str, width: int) -> None:
    """Write a merged title (row 1) and a merged unit/date line (row 2) over ``width`` columns."""
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.cell(row=2, column=1, value=subtitle)
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def heading_row(
    ws: Worksheet, row: int, headings: Sequence[str], widths: Sequence[float] | None = None
) -> None:
    """Write bold, shaded, bordered headings on ``row``; freeze the panes below it."""
    for col, text in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        width = widths[col - 1] if widths else max(8.0, len(text) * 2.2)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def save_workbook(wb: Workbook, path: str | os.PathLike[str]) -> Path:
    """Save ``wb`` to ``path`` atomically and return the path.

    Raises:
        CarebookError: the folder does not exist or is not writable, or the disk is full (an
            existing file at ``path`` is kept as it was).
    """
    target = Path(path)
    buffer = io.BytesIO()
    wb.save(buffer)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".carebook-", suffix=".xlsx.tmp", dir=target.parent or Path("."))
    except OSError as exc:
        raise CarebookError(
            f"无法写入文件夹“{target.parent}”：{exc.strerror}。请换一个位置",
            f"cannot write to folder '{target.parent}': {exc.strerror}; choose another place",
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CarebookError(
            f"无法保存“{target}”：{exc.strerror}。请检查磁盘空间或换一个位置",
            f"cannot save '{target}': {exc.strerror}; check the disk space or choose another place",
        ) from None
    return target

"""Ledger files to grids of cells: Excel workbooks and CSV files as villages save them.

A workbook (``.xlsx``/``.xlsm``, Office Open XML) is read with openpyxl in read-only mode with the
cached values of formulas; a CSV in UTF-8, UTF-8 with BOM, GB18030 (Excel's "CSV" on Chinese
Windows) or UTF-16 (Excel's "Unicode text", tab-separated). Old binary ``.xls`` files and
password-protected workbooks (both OLE2 compound files) are refused with a message saying what
to do. Every failure is a :class:`LedgerFileError`, never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Final

from carebook.model.errors import CarebookError, os_error_text

XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES: Final = frozenset({".csv", ".txt"})

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class LedgerFileError(CarebookError):
    """A ledger file that cannot be read (台账文件无法读取): missing, of an unsupported type,
    damaged, password-protected, not in a known text encoding, or without a heading row."""


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except FileNotFoundError:
        raise LedgerFileError(f"找不到文件：{path}", f"File not found: {path}") from None
    except IsADirectoryError:
        raise LedgerFileError(
            f"{path} 是文件夹，不是台账文件", f"{path} is a folder, not a ledger file"
        ) from None
    except OSError as exc:
        raise LedgerFileError(
            f"无法打开文件 {path}：{os_error_text(exc)[0]}",
            f"Cannot open the file {path}: {os_error_text(exc)[1]}",
        ) from None


def _damaged(path: Path, exc: BaseException) -> LedgerFileError:
    return LedgerFileError(
        f"Excel 文件 {path.name} 已损坏或不是 .xlsx 格式，无法读取（{type(exc).__name__}）。"
        "请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
        f"The Excel file {path.name} is damaged or not in .xlsx format ({type(exc).__name__}). "
        "Open it in Excel or WPS, save it as .xlsx and import again",
    )


#: A range of merged cells: ``(first row, first column, last row, last column)``, 1-based.
Merge = tuple[int, int, int, int]

_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Za-z]+[0-9]+):([A-Za-z]+[0-9]+)"')


def sheet_merges(workbook: Any, sheet: Any) -> list[Merge]:
    """The merged ranges of a worksheet opened read-only (openpyxl does not read them in that
    mode): the ``<mergeCell ref="I4:I6"/>`` elements of its XML part (ECMA-376 Part 1, §18.3.1.55)."""
    from openpyxl.utils.cell import range_boundaries

    path = getattr(sheet, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if path is None or archive is None:
        return []
    out: list[Merge] = []
    for first, last in _MERGE_REF.findall(archive.read(path)):
        min_col, min_row, max_col, max_row = range_boundaries(f"{first.decode()}:{last.decode()}")
        if min_col is not None and min_row is not None and max_col is not None and max_row is not None:
            out.append((min_row, min_col, max_row, max_col))
    return out


def _xlsx_sheets(path: Path) -> list[tuple[str, list[tuple[Any, ...]], list[Merge]]]:
    """Every worksheet of a workbook as ``(name, rows, merged ranges)``, the active sheet first.

    A damaged workbook makes openpyxl, zipfile or the XML parser fail in many ways (BadZipFile,
    KeyError for a missing part, ParseError, ValueError, EOFError …); every failure while
    parsing the file is turned into a :class:`LedgerFileError`.
    """
    import openpyxl

    try:
        handle = path.open("rb")  # a handle, not a name: openpyxl would refuse a ".csv" name
    except OSError as exc:
        raise LedgerFileError(
            f"无法打开文件 {path}：{os_error_text(exc)[0]}",
            f"Cannot open the file {path}: {os_error_text(exc)[1]}",
        ) from None
    with handle:
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # any failure to parse an untrusted file; see the docstring
            raise _damaged(path, exc) from None
        try:
            sheets: list[tuple[str, list[tuple[Any, ...]], list[Merge]]] = []
            active = workbook.active
            ordered = [active] if active is not None else []
            ordered += [ws for ws in workbook.worksheets if ws is not active]
            for sheet in ordered:
                if not hasattr(sheet, "iter_rows"):
                    continue  # a chart sheet
                if hasattr(sheet, "reset_dimensions"):
                    sheet.reset_dimensions()  # recorded dimensions are often wrong; read every row
                rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
                sheets.append((str(sheet.title), rows, sheet_merges(workbook, sheet)))
            return sheets
        except Exception as exc:  # any failure to parse an untrusted file; see the docstring
            raise _damaged(path, exc) from None
        finally:
            workbook.close()


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a CSV file as Excel and WPS write them.

    Tries, in order: UTF-16 with a byte-order mark (Excel's "Unicode text"), UTF-8 with or
    without a BOM (strict), then GB18030 (strict; Excel's "CSV" on Chinese Windows, a superset
    of GBK and GB2312).

    Returns:
        ``(text, encoding)`` with ``encoding`` one of ``utf-16``, ``utf-8-sig``, ``utf-8``,
        ``gb18030``.

    Raises:
        LedgerFileError: the bytes are in none of these encodings, or are binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            text = data.decode("utf-8-sig")
            return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    raise LedgerFileError(
        "无法识别这个 CSV 文件的文字编码（不是 UTF-8 也不是 GB18030/GBK），或它不是文本文件。"
        "请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
        "Cannot tell the text encoding of this CSV file (neither UTF-8 nor GB18030/GBK), or it is "
        "not a text file. Open it in Excel or WPS, save it as .xlsx and import again",
    )


def _csv_rows(path: Path) -> tuple[list[tuple[Any, ...]], str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerFileError(
            f"无法读取文件 {path}：{os_error_text(exc)[0]}",
            f"Cannot read the file {path}: {os_error_text(exc)[1]}",
        ) from None
    text, encoding = decode_csv_bytes(data)
    head = "\n".join(text.splitlines()[:30])
    delimiter = max(",\t;", key=head.count) if head else ","
    try:
        rows = [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise LedgerFileError(
            f"CSV 文件 {path.name} 格式有误：{exc}", f"The CSV file {path.name} is malformed: {exc}"
        ) from None
    return rows, encoding


def read_grids(path: Path) -> tuple[list[tuple[str, list[tuple[Any, ...]], list[Merge]]], str | None]:
    """Read a ledger file into grids of cell values.

    The content decides the format, not the name: a workbook renamed ``.csv`` is still read as
    a workbook. Cell values are as openpyxl gives them (``str``, ``int``, ``float``,
    ``datetime``, ``bool``, ``None``) or, for a CSV, ``str``.

    Args:
        path: a ``.xlsx``/``.xlsm`` workbook or a ``.csv``/``.txt`` file.

    Returns:
        ``(sheets, encoding)``: ``sheets`` lists ``(sheet name, rows, merged ranges)`` with the
        active sheet first (one sheet named ``""`` without merges for a CSV; a merged range holds
        its value in its first cell only, the others are ``None``: see :data:`Merge`);
        ``encoding`` is the CSV's text encoding (see
        :func:`decode_csv_bytes`) or ``None`` for a workbook.

    Raises:
        LedgerFileError: the file is missing or unreadable, an old ``.xls`` or password-protected
            workbook, damaged, of another type, or in an unknown text encoding.
    """
    head = _read_head(path)
    suffix = path.suffix.lower()
    if head.startswith(_ZIP_MAGIC):
        return _xlsx_sheets(path), None
    if head.startswith(_OLE_MAGIC):
        raise LedgerFileError(
            f"{path.name} 是旧版 Excel（.xls）文件或设了打开密码，无法直接读取。"
            "请在 Excel 或 WPS 中去掉密码并另存为 .xlsx 后再导入",
            f"{path.name} is an old Excel (.xls) file or is password-protected. Remove the password "
            "and save it as .xlsx in Excel or WPS, then import again",
        )
    if suffix in XLSX_SUFFIXES:
        raise LedgerFileError(
            f"Excel 文件 {path.name} 已损坏或不是 .xlsx 格式，无法读取。"
            "请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
            f"The Excel file {path.name} is damaged or not in .xlsx format. Open it in Excel or WPS, "
            "save it as .xlsx and import again",
        )
    if suffix in CSV_SUFFIXES:
        rows, encoding = _csv_rows(path)
        return [("", rows, [])], encoding
    raise LedgerFileError(
        f"不支持的文件类型“{path.suffix or path.name}”：请导入 .xlsx 或 .csv 文件",
        f"Unsupported file type '{path.suffix or path.name}': import a .xlsx or .csv file",
    )

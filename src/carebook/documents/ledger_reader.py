"""Reading a village ledger (台账) from an Excel workbook or a CSV file.

:func:`read_ledger` opens a ``.xlsx`` workbook (openpyxl, read-only, cached values of formulas)
or a CSV file (UTF-8, UTF-8 with BOM, GB18030 as Excel on Chinese Windows writes it, or UTF-16
as Excel's "Unicode text" writes it), finds the heading row below the title rows, maps each
column to a register field (:mod:`carebook.documents.ledger_columns`), and returns the data rows
with the row numbers the user sees in Excel. Blank rows, repeated heading rows and total or
signature lines (合计, 填表人 …) are returned as skipped rows with a reason. Dates are parsed
(:mod:`carebook.documents.ledger_dates`); a cell that cannot be read is recorded as a problem of
its row, never dropped in silence.

Nothing here touches the register: validation against the rules of the register (ID numbers,
phones, dates in the future, duplicates) and the import itself are
:mod:`carebook.documents.ledger_import`'s work.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from carebook.documents.ledger_columns import (
    DATE_FIELDS,
    FIELD_LABELS_ZH,
    FREE_TEXT_FIELDS,
    ID_FIELDS,
    IGNORED,
    is_field,
    match_heading,
    match_two_level_heading,
    normalise_heading,
)
from carebook.documents.ledger_dates import LedgerDateError, parse_ledger_date
from carebook.documents.ledger_sources import LedgerFileError, Merge, read_grids
from carebook.model.errors import CarebookError
from carebook.model.i18n import msg

__all__ = [
    "CellProblem",
    "LedgerColumn",
    "LedgerFileError",
    "LedgerMappingError",
    "LedgerRow",
    "LedgerTable",
    "SkippedRow",
    "cell_text",
    "read_ledger",
]

#: How many rows from the top are searched for the heading row.
HEADER_SEARCH_ROWS: Final = 15
#: A row is a heading row when at least this many of its cells are known headings, or
#: :data:`MIN_HEADER_MATCHES_WITH_KEY` when one of them is the name or the ID number.
MIN_HEADER_MATCHES: Final = 3
MIN_HEADER_MATCHES_WITH_KEY: Final = 2
_KEY_FIELDS = frozenset({"name", "id_number"})

#: Words that open a total or signature line below the table (合计 …, 填表人：…).
FOOTER_WORDS: Final = (
    "合计",
    "总计",
    "小计",
    "共计",
    "总数",
    "填表人",
    "填报人",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "负责人",
    "填报日期",
    "填表日期",
    "报送日期",
    "单位负责人",
    "村委会盖章",
    "盖章",
    "签字",
)


#: A note below the table: 注：…, 说明：…, 备注：…, 填表说明：…
_NOTE_LINE = re.compile(r"^\s*(?:注|说明|备注|填表说明|填报说明)\s*\d?\s*[:：]")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_TRIM = " \t\r\n\u3000\u00a0" + _INVISIBLE


class LedgerMappingError(CarebookError):
    """A column mapping given by the user that cannot be applied (列对应关系有误): an unknown
    field, a column that does not exist, or one field given to two columns."""


@dataclass(frozen=True)
class LedgerColumn:
    """One column of the ledger (台账的一列).

    ``index`` is 0-based, ``letter`` is Excel's (``A``, ``AA``); ``header_text`` is the heading
    as written (``父亲/姓名`` for a two-row heading); ``field`` is the register field it is read
    into, or ``None`` when it is not read (unknown heading, 序号, or unmapped by the user).
    ``recognised`` tells whether the heading is a known wording (序号 is), so a preview can list
    the unknown ones.
    """

    index: int
    letter: str
    header_text: str
    field: str | None
    recognised: bool


@dataclass(frozen=True)
class CellProblem:
    """A cell whose content could not be read (无法识别的单元格): its field, its column letter and
    the reason in both languages."""

    field: str
    column: str
    message_zh: str
    message_en: str

    @property
    def message(self) -> str:
        """The reason in the current language."""
        return msg(self.message_zh, self.message_en)


@dataclass(frozen=True)
class LedgerRow:
    """One data row of the ledger (台账中的一行，即一名儿童).

    ``row_number`` is 1-based, as Excel shows it (for a CSV: the record's number as Excel shows
    it when it opens the file). ``values`` maps every mapped field to its value: text with outer
    spaces removed, a :class:`datetime.date` for the date fields, or ``None`` for an empty cell;
    a date cell that cannot be read keeps its text and has a :class:`CellProblem`. ``cells``
    maps each field to its column letter; ``raw`` is the row's cells as read, one per column.
    """

    row_number: int
    values: dict[str, str | dt.date | None]
    cells: dict[str, str]
    raw: tuple[Any, ...]
    problems: tuple[CellProblem, ...] = ()


@dataclass(frozen=True)
class SkippedRow:
    """A row that is not a child (跳过的行): blank, a repeated heading, or a total or signature
    line. ``reason_zh`` / ``reason_en`` say which."""

    row_number: int
    reason_zh: str
    reason_en: str

    @property
    def reason(self) -> str:
        """The reason in the current language."""
        return msg(self.reason_zh, self.reason_en)


@dataclass(frozen=True)
class LedgerTable:
    """A ledger as read (读取的台账).

    ``sheet_name`` is the worksheet's name (``None`` for a CSV); ``header_row_number`` is the
    1-based row of the heading, and ``header_rows`` is 2 when the heading spans two rows
    (``父亲`` over ``姓名 | 电话``). ``encoding`` is the text encoding of a CSV (``utf-8``,
    ``utf-8-sig``, ``gb18030``, ``utf-16``), ``None`` for a workbook.
    """

    path: Path
    sheet_name: str | None
    header_row_number: int
    columns: list[LedgerColumn]
    rows: list[LedgerRow]
    skipped: list[SkippedRow]
    header_rows: int = 1
    encoding: str | None = None

    @property
    def mapping(self) -> dict[int, str | None]:
        """Column index → field, in the form :func:`read_ledger`'s ``mapping_override`` takes."""
        return {c.index: c.field for c in self.columns}

    @property
    def unmapped(self) -> list[LedgerColumn]:
        """Columns with a heading that no field is read from (序号 excluded)."""
        return [c for c in self.columns if c.field is None and c.header_text and not c.recognised]

    def column_of(self, field_name: str) -> LedgerColumn | None:
        """The column read into ``field_name``, or ``None``."""
        return next((c for c in self.columns if c.field == field_name), None)


# --------------------------------------------------------------------------------------------
# Cells to text


def _trim(text: str) -> str:
    return text.strip(_TRIM)


def cell_text(value: Any) -> str | None:
    """The text of a cell as a child director means it: outer spaces removed, integral numbers
    without ``.0``, dates as ``YYYY-MM-DD``, booleans as 是/否; ``None`` for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _trim(str(value))
    return text or None


def _lost_digits(field_name: str, letter: str, shown: str) -> CellProblem:
    label = FIELD_LABELS_ZH.get(field_name, field_name)
    return CellProblem(
        field_name,
        letter,
        f"{label}“{shown}”被 Excel 当成了数字，后几位已丢失。请把这一列设为“文本”格式，"
        "重新输入完整号码后再导入",
        f"The {field_name} '{shown}' was stored by Excel as a number and its last digits are lost. "
        "Format the column as text, type the full number again and re-import",
    )


def _convert(field_name: str, letter: str, value: Any) -> tuple[str | dt.date | None, CellProblem | None]:
    """Convert one cell for its field; returns the value and a problem, if any."""
    if field_name in DATE_FIELDS:
        text = cell_text(value)
        if text is None:
            return None, None
        try:
            return parse_ledger_date(value if not isinstance(value, str) else text), None
        except LedgerDateError as exc:
            label = FIELD_LABELS_ZH.get(field_name, field_name)
            zh = (
                f"{label}{exc.message_zh[2:]}"
                if exc.message_zh.startswith("日期")
                else f"{label}：{exc.message_zh}"
            )
            return text, CellProblem(field_name, letter, zh, exc.message_en)
    if field_name in ID_FIELDS:
        if isinstance(value, float) and abs(value) >= 1e15:
            return cell_text(value), _lost_digits(field_name, letter, f"{value:.15g}")
        text = cell_text(value)
        if text is not None and _SCIENTIFIC.match(text):
            return text, _lost_digits(field_name, letter, text)
        return text, None
    return cell_text(value), None


# --------------------------------------------------------------------------------------------
# Finding the heading


def _row_texts(row: Sequence[Any]) -> list[str | None]:
    return [cell_text(v) if isinstance(v, str) else None for v in row]


def _heading_score(row: Sequence[Any]) -> int:
    """How many distinct known headings a row holds."""
    found = {match_heading(t) for t in _row_texts(row)}
    found.discard(None)
    return len(found)


def _two_level(parent: Sequence[Any], sub: Sequence[Any]) -> list[tuple[str, str | None]]:
    """Headings of a two-row heading: ``(text, field)`` per column. A parent heading merged over
    several columns holds its text in the first one only, so it is carried to the right over
    the columns that have a sub-heading."""
    parents = _row_texts(parent)
    subs = _row_texts(sub)
    width = max(len(parents), len(subs))
    parents += [None] * (width - len(parents))
    subs += [None] * (width - len(subs))
    out: list[tuple[str, str | None]] = []
    carried: str | None = None
    for top, below in zip(parents, subs, strict=True):
        if top is not None:
            carried = top
        elif below is None:
            carried = None
        if below is None:
            out.append((top or "", match_heading(top)))
        elif carried is None:
            out.append((below, match_heading(below)))
        else:
            out.append((f"{carried}/{below}", match_two_level_heading(carried, below)))
    return out


@dataclass
class _Heading:
    row_index: int  # 0-based index into the grid
    rows: int
    headings: list[tuple[str, str | None]]
    score: int


def _single(row: Sequence[Any]) -> list[tuple[str, str | None]]:
    return [(t or "", match_heading(t)) for t in _row_texts(row)]


def _distinct(headings: Iterable[tuple[str, str | None]]) -> int:
    return len({f for _, f in headings if f is not None})


def _find_heading(grid: Sequence[Sequence[Any]], header_row: int | None) -> _Heading | None:
    candidates = range(min(len(grid), HEADER_SEARCH_ROWS)) if header_row is None else [header_row - 1]
    best: _Heading | None = None
    for index in candidates:
        if not 0 <= index < len(grid):
            continue
        single = _single(grid[index])
        heading = _Heading(index, 1, single, _distinct(single))
        if index + 1 < len(grid):
            double = _two_level(grid[index], grid[index + 1])
            score = _distinct(double)
            # Two rows only when the upper one adds to what the lower one says alone.
            if score > max(heading.score, _heading_score(grid[index + 1])):
                heading = _Heading(index, 2, double, score)
        if (
            best is None
            or heading.score > best.score
            or (heading.score == best.score and _acceptable(heading) and not _acceptable(best))
        ):
            best = heading
    if best is None or (header_row is None and not _acceptable(best)):
        return None
    return best


def _acceptable(heading: _Heading) -> bool:
    if heading.score >= MIN_HEADER_MATCHES:
        return True
    fields = {f for _, f in heading.headings}
    return heading.score >= MIN_HEADER_MATCHES_WITH_KEY and bool(fields & _KEY_FIELDS)


# --------------------------------------------------------------------------------------------
# Mapping


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _columns(heading: _Heading, override: dict[int, str | None] | None) -> list[LedgerColumn]:
    auto: dict[int, str | None] = {}
    taken: set[str] = set()
    for index, (_, found) in enumerate(heading.headings):
        if found is None or found == IGNORED or found in taken:
            auto[index] = None
            continue
        auto[index] = found
        taken.add(found)
    if override:
        width = len(heading.headings)
        chosen: dict[str, int] = {}
        for index, target in override.items():
            if not 0 <= index < width:
                raise LedgerMappingError(
                    f"第 {index + 1} 列不存在（表头共 {width} 列）",
                    f"Column {index + 1} does not exist (the heading has {width} columns)",
                )
            if target is not None and not is_field(target):
                raise LedgerMappingError(f"未知的字段：{target}", f"Unknown field: {target}")
            if target is not None:
                if target in chosen:
                    raise LedgerMappingError(
                        f"“{FIELD_LABELS_ZH.get(target, target)}”被同时对应到 {_letter(chosen[target])} 列"
                        f"和 {_letter(index)} 列，请只保留一列",
                        f"The field {target} is given to both column {_letter(chosen[target])} and "
                        f"column {_letter(index)}; keep only one",
                    )
                chosen[target] = index
        for index, target in list(auto.items()):
            if index not in override and target in chosen:
                auto[index] = None  # the user gave this field to another column
        auto.update(override)
    return [
        LedgerColumn(index, _letter(index), text, auto[index], found is not None)
        for index, (text, found) in enumerate(heading.headings)
    ]


# --------------------------------------------------------------------------------------------
# Rows


def _footer_word(row: Sequence[Any], columns: Sequence[LedgerColumn]) -> str | None:
    for column in columns:
        if column.field in FREE_TEXT_FIELDS or column.index >= len(row):
            continue
        text = cell_text(row[column.index])
        if text is None or not isinstance(row[column.index], str):
            continue
        folded = normalise_heading(text)
        if _NOTE_LINE.match(text) or any(folded.startswith(word) for word in FOOTER_WORDS):
            return text if len(text) <= 20 else text[:19] + "…"
    return None


def _has_id_number(row: Sequence[Any], columns: Sequence[LedgerColumn]) -> bool:
    for column in columns:
        if column.field == "id_number" and column.index < len(row):
            text = cell_text(row[column.index]) or ""
            return sum(c.isdigit() for c in text) >= 15
    return False


def _classify(
    row_number: int, row: Sequence[Any], columns: Sequence[LedgerColumn]
) -> LedgerRow | SkippedRow | None:
    """A data row, a skipped row, or ``None`` for a blank row."""
    if all(cell_text(v) is None for v in row):
        return None
    mapped = [c for c in columns if c.field is not None]
    if _heading_score(row) >= MIN_HEADER_MATCHES:
        return SkippedRow(row_number, "重复的表头行", "a repeated heading row")
    footer = _footer_word(row, columns)
    if footer is not None and not _has_id_number(row, columns):
        return SkippedRow(
            row_number,
            f"合计、签字或说明行（“{footer}”）",
            f"a total, signature or note line ('{footer}')",
        )
    if all(c.index >= len(row) or cell_text(row[c.index]) is None for c in mapped):
        return SkippedRow(
            row_number,
            "这一行在要导入的列里没有内容（可能只有序号）",
            "the row has nothing in the columns being imported (perhaps only a running number)",
        )
    values: dict[str, str | dt.date | None] = {}
    cells: dict[str, str] = {}
    problems: list[CellProblem] = []
    for column in mapped:
        assert column.field is not None
        raw = row[column.index] if column.index < len(row) else None
        value, problem = _convert(column.field, column.letter, raw)
        values[column.field] = value
        cells[column.field] = column.letter
        if problem is not None:
            problems.append(problem)
    width = len(columns)
    padded = tuple(row[:width]) + (None,) * (width - len(row))
    return LedgerRow(row_number, values, cells, padded, tuple(problems))


def _table_rows(
    grid: Sequence[Sequence[Any]], first: int, columns: Sequence[LedgerColumn]
) -> Iterator[LedgerRow | SkippedRow]:
    blanks: list[int] = []
    for index in range(first, len(grid)):
        result = _classify(index + 1, grid[index], columns)
        if result is None:
            blanks.append(index + 1)
            continue
        # Blank rows are reported only between rows with content: the empty rows Excel keeps
        # after a table are no news to anyone.
        for number in blanks:
            yield SkippedRow(number, "空行", "a blank row")
        blanks.clear()
        yield result


def _fill_merged_down(grid: list[tuple[Any, ...]], merges: Sequence[Merge], first: int) -> list[tuple[Any, ...]]:
    """``grid`` with each range merged over several rows of the table (below the heading,
    0-based row ``first`` on) giving its value to every row it covers, in its first column:
    siblings on consecutive rows often share one merged 住址 or 父亲姓名 cell, which a reader sees
    as the value of each of those rows (Excel keeps it in the top cell only). Merges across
    columns only, or reaching into the heading, are left as they are."""
    fills = [(r0 - 1, c0 - 1, r1 - 1) for r0, c0, r1, _c1 in merges if r1 > r0 and r0 - 1 >= first]
    if not fills:
        return grid
    out = list(grid)
    for top, col, bottom in fills:
        if top >= len(out) or col >= len(out[top]):
            continue
        value = out[top][col]
        for index in range(top + 1, min(bottom, len(out) - 1) + 1):
            row = list(out[index]) + [None] * max(0, col + 1 - len(out[index]))
            if row[col] is None:
                row[col] = value
                out[index] = tuple(row)
    return out


# --------------------------------------------------------------------------------------------
# Entry point


def read_ledger(
    path: str | Path,
    *,
    mapping_override: dict[int, str | None] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> LedgerTable:
    """Read a village ledger.

    Args:
        path: a ``.xlsx``/``.xlsm`` workbook or a ``.csv``/``.txt`` file (the content decides:
            a workbook renamed ``.csv`` is still read as a workbook).
        mapping_override: column index (0-based) → field name from
            :data:`carebook.documents.ledger_columns.FIELDS`, or ``None`` to leave a column out;
            it replaces the automatic mapping for those columns (a field given to a column here is
            taken from any other column it was mapped to automatically).
        sheet: the worksheet to read; by default the one whose heading is recognised best,
            the active sheet first on a tie.
        header_row: the 1-based row of the heading, when the automatic search (the first
            :data:`HEADER_SEARCH_ROWS` rows) gets it wrong.

    Returns:
        The :class:`LedgerTable`, rows in file order.

    Raises:
        LedgerFileError: the file is missing or unreadable, of an unsupported type (``.xls``,
            password-protected), damaged, in an unknown text encoding, or has no heading row.
        LedgerMappingError: ``mapping_override`` names an unknown field or column, or gives one
            field to two columns.
    """
    path = Path(path)
    sheets, encoding = read_grids(path)
    if sheet is not None:
        named = [s for s in sheets if s[0] == sheet]
        if not named:
            raise LedgerFileError(
                f"文件中没有名为“{sheet}”的工作表（有：{'、'.join(s[0] for s in sheets)}）"
                if path.suffix.lower() != ".csv" else f"{path.name} 是 CSV 文件，没有工作表：请去掉 --sheet",
                f"The workbook has no sheet named '{sheet}' (it has: {', '.join(s[0] for s in sheets)})"
                if path.suffix.lower() != ".csv" else f"{path.name} is a CSV file without sheets: leave out --sheet",
            )
        sheets = named

    found: tuple[str, list[tuple[Any, ...]], _Heading, list[Merge]] | None = None
    for name, grid, merges in sheets:
        heading = _find_heading(grid, header_row)
        if heading is not None and (found is None or heading.score > found[2].score):
            found = (name, grid, heading, merges)
    if found is None and header_row is not None:
        raise LedgerFileError(
            f"{path.name} 的第 {header_row} 行不是表头（应有“姓名”“身份证号”“性别”等列名）。"
            "请检查 --header-row 给的行号，或去掉它让程序自己找",
            f"Row {header_row} of {path.name} is not a heading row (姓名, 身份证号, 性别 …). Check the "
            "row number given with --header-row, or leave it out to let Carebook find it",
        )
    if found is None:
        raise LedgerFileError(
            f"在 {path.name} 的前 {HEADER_SEARCH_ROWS} 行找不到表头（如“姓名”“身份证号”“性别”）。"
            "请确认这是儿童信息台账，并且表头在前几行",
            f"No heading row (such as 姓名, 身份证号, 性别) in the first {HEADER_SEARCH_ROWS} rows of "
            f"{path.name}. Check that this is a children's ledger with its heading near the top",
        )
    name, grid, heading, merges = found
    grid = _fill_merged_down(grid, merges, heading.row_index + heading.rows)
    columns = _columns(heading, mapping_override)
    data_rows: list[LedgerRow] = []
    skipped: list[SkippedRow] = []
    for item in _table_rows(grid, heading.row_index + heading.rows, columns):
        if isinstance(item, LedgerRow):
            data_rows.append(item)
        else:
            skipped.append(item)
    return LedgerTable(
        path=path,
        sheet_name=name if encoding is None else None,
        header_row_number=heading.row_index + 1,
        columns=columns,
        rows=data_rows,
        skipped=skipped,
        header_rows=heading.rows,
        encoding=encoding,
    )

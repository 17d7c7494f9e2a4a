"""Importing a village ledger (台账导入) into the register.

:func:`import_ledger` reads a ledger (:func:`~carebook.documents.ledger_reader.read_ledger`),
checks every row with the register's own rules (:func:`carebook.model.services.children.clean_child_input`:
ID numbers per GB 11643-1999, date of birth and sex agreeing with the ID number, phones, names,
coded values, required fields) plus the rules of an import (dates not in the future, the same
person twice in the file, an ID number already registered to a child of another name), and
imports the good rows through the register's bulk path
(:func:`carebook.model.services.bulk.import_children`) in one transaction.

Rules of the import:

- Without ``skip_bad`` a file with any bad row imports nothing; with it, the good rows are
  imported and each bad row is reported with its row number, column and reason.
- A child already in the register (same ID number after normalisation) is updated, never
  duplicated, so running the same import twice adds nobody. Empty cells never clear what the
  register holds, and an ID number registered to a child of another name is an error, not an
  update: a wrong ID number must not overwrite another child's file.
- The same ID number on several rows: the first row without other errors is kept and every other
  row is reported as a duplicate of it.
- 儿童类别 (``categories``): the register computes categories from the facts; of the ledger's
  categories only the child director's assessment that the facts cannot show (困境儿童,
  重点儿童) is kept, as ``assessed_categories``, added to any assessment already recorded.
- 最近走访日期 (``last_visit_date``) creates a visit on that date for a new child.
- 是否签订委托监护确认书 (``entrustment_signed``) is not imported: a signed confirmation is
  recorded in the register with its period, signing date and scan. The column is listed in
  :attr:`LedgerImportResult.unused_columns`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.documents.ledger_columns import FIELD_LABELS_ZH
from carebook.documents.ledger_reader import LedgerRow, LedgerTable, SkippedRow, read_ledger
from carebook.model.children import Child
from carebook.model.enums import Category
from carebook.model.errors import CarebookError, ValidationError
from carebook.model.i18n import msg
from carebook.model.idnumber import clean_id_number, parse_id_number
from carebook.model.register import Register
from carebook.model.services.bulk import import_children
from carebook.model.services.children import ChildInput, clean_child_input
from carebook.model.validation import clean_date

#: Ledger categories kept as the child director's assessment (the others follow from facts).
ASSESSED_FROM_LEDGER = frozenset({Category.IN_DIFFICULTY.code, Category.KEY_CHILD.code})

#: Ledger fields that are read but not stored, with the reason.
UNUSED_FIELDS: dict[str, tuple[str, str]] = {
    "entrustment_signed": (
        "委托监护确认书需在系统中登记签订日期、委托期限并上传扫描件，台账中的“是/否”不导入",
        "a signed confirmation is recorded with its signing date, period and scan; the yes/no "
        "column of the ledger is not imported",
    ),
}

#: Ledger field → the model field it is checked and stored as, where the names differ.
_MODEL_FIELD = {"categories": "assessed_categories"}
_LEDGER_FIELD = {v: k for k, v in _MODEL_FIELD.items()}

#: ``progress(done, total)``: see :func:`check_rows`.
Progress = Callable[[int, int], None]
#: How often (in rows) :func:`check_rows` reports progress.
PROGRESS_EVERY = 50

_CATEGORY_SPLIT = re.compile(r"[、,，;；/／\s]+")


@dataclass(frozen=True)
class RowError:
    """Why one row of the ledger cannot be imported (不能导入的行): the row number as Excel
    shows it, the column letter and the ledger field (both ``None`` when the reason concerns
    no single column), and the reason in both languages."""

    row: int
    column: str | None
    field: str | None
    reason_zh: str
    reason_en: str

    @property
    def reason(self) -> str:
        """The reason in the current language."""
        return msg(self.reason_zh, self.reason_en)

    def to_json(self) -> dict[str, Any]:
        """``{"row", "column", "field", "reason"}`` (reason in the current language)."""
        return {"row": self.row, "column": self.column, "field": self.field, "reason": self.reason}


@dataclass
class PreparedRow:
    """A row that passed the checks that need no register: its row number, the cleaned input
    for the register, the canonical ID number (or ``None``), the name, the last visit date and
    the ledger's assessed categories (codes)."""

    row_number: int
    child_input: ChildInput
    id_number: str | None
    name: str | None
    last_visit: dt.date | None
    assessed: list[str]


@dataclass
class LedgerImportResult:
    """What an import did or, for a dry run, would do (台账导入结果).

    ``imported``, ``updated`` and ``unchanged`` count children (created, changed, already up to
    date). ``written`` tells whether anything was committed: ``False`` for a dry run and when
    bad rows stopped the import (no ``skip_bad``). ``errors`` lists every reason per bad row,
    in row order; ``bad_rows`` the row numbers.
    """

    file: Path
    sheet: str | None
    header_row: int
    data_rows: int
    dry_run: bool
    skip_bad: bool
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    skipped_rows: list[SkippedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unmapped_columns: list[tuple[str, str]] = field(default_factory=list)
    unused_columns: list[tuple[str, str, str]] = field(default_factory=list)
    created_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        """Row numbers with at least one error, ascending."""
        return sorted({e.row for e in self.errors})

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` shape documented in ``docs/cli.md`` (section "ledger import")."""
        return {
            "file": str(self.file),
            "sheet": self.sheet,
            "header_row": self.header_row,
            "data_rows": self.data_rows,
            "dry_run": self.dry_run,
            "skip_bad": self.skip_bad,
            "written": self.written,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_rows,
            "skipped_rows": [{"row": s.row_number, "reason": s.reason} for s in self.skipped_rows],
            "errors": [e.to_json() for e in self.errors],
            "unmapped_columns": [{"column": c, "header": h} for c, h in self.unmapped_columns],
            "unused_columns": [{"column": c, "field": f, "reason": r} for c, f, r in self.unused_columns],
        }


# --------------------------------------------------------------------------------------------
# Checking rows (no register needed)


def _ledger_field(model_field: str) -> str:
    return _LEDGER_FIELD.get(model_field, model_field)


def _error(row: LedgerRow, ledger_field: str | None, zh: str, en: str) -> RowError:
    column = row.cells.get(ledger_field) if ledger_field else None
    return RowError(row.row_number, column, ledger_field, zh, en)


def _categories(row: LedgerRow, text: str) -> tuple[list[str], list[RowError]]:
    codes: list[str] = []
    errors: list[RowError] = []
    for word in _CATEGORY_SPLIT.split(text):
        if not word:
            continue
        try:
            codes.append(Category.parse(word, "categories").code)
        except ValidationError:
            errors.append(
                _error(
                    row,
                    "categories",
                    f"儿童类别“{word}”无法识别，应为农村留守儿童、困境儿童、事实无人抚养儿童、散居孤儿或重点儿童",
                    f"unknown category '{word}': use 农村留守儿童, 困境儿童, 事实无人抚养儿童, 散居孤儿 or 重点儿童",
                )
            )
    return [c for c in dict.fromkeys(codes) if c in ASSESSED_FROM_LEDGER], errors


def canonical_id(text: str) -> str:
    """The ID number used to recognise the same person: canonical (15 digits converted) when
    valid, else the typed characters folded (:func:`carebook.model.idnumber.clean_id_number`)."""
    try:
        return parse_id_number(text).number
    except ValidationError:
        return clean_id_number(text)


def check_row(row: LedgerRow, *, today: dt.date) -> tuple[PreparedRow | None, list[RowError]]:
    """Check one ledger row with the register's rules.

    Args:
        row: a data row from :func:`~carebook.documents.ledger_reader.read_ledger`.
        today: dates after it are refused.

    Returns:
        ``(prepared, errors)``: ``prepared`` is ``None`` when there are errors.
    """
    errors: list[RowError] = [
        RowError(row.row_number, p.column, p.field, p.message_zh, p.message_en) for p in row.problems
    ]
    unreadable = {p.field for p in row.problems}
    values: dict[str, Any] = {}
    assessed: list[str] = []
    last_visit: dt.date | None = None
    for name, value in row.values.items():
        if value is None or (isinstance(value, str) and not value.strip()) or name in unreadable:
            continue  # empty cells never clear anything
        if name in UNUSED_FIELDS:
            continue
        if name == "categories":
            assessed, category_errors = _categories(row, str(value))
            errors.extend(category_errors)
            continue
        if name == "last_visit_date":
            try:
                last_visit = clean_date(
                    value, name, today=today, label_zh="最近走访日期", label_en="last visit date"
                )
            except ValidationError as exc:
                errors.extend(_error(row, name, e.message_zh, e.message_en) for e in exc.errors)
            continue
        values[name] = value
    prepared: ChildInput | None = None
    try:
        prepared = clean_child_input(values, today=today)
    except ValidationError as exc:
        # a cell already reported unreadable (an ID number Excel turned into a number) is not
        # reported again as missing: one message per cell, the one that says what to do
        # (nor the date of birth and sex as missing, which come from that ID number)
        derived = {"date_of_birth", "sex"} if "id_number" in unreadable else set()
        errors.extend(_error(row, _ledger_field(e.field), e.message_zh, e.message_en) for e in exc.errors
                      if _ledger_field(e.field) not in unreadable
                      and not (e.field in derived and "必须填写" in e.message_zh))
    if errors or prepared is None:
        return None, errors
    number = prepared.child.get("id_number")
    return PreparedRow(row.row_number, prepared, number, prepared.child.get("name"), last_visit, assessed), []


def check_rows(
    rows: Sequence[LedgerRow], *, today: dt.date, progress: Progress | None = None
) -> tuple[list[PreparedRow], list[RowError]]:
    """Check every row, then find the same person (same canonical ID number) on several rows.

    Of the rows sharing an ID number, the first without other errors is kept; every other row
    is reported as a duplicate of it (also rows with other errors, so the person is named).

    Args:
        progress: called as ``progress(rows checked, rows)`` every :data:`PROGRESS_EVERY` rows
            and at the end; an exception it raises (a cancel) propagates.

    Returns:
        ``(good rows, errors)``; errors in row order.
    """
    prepared: dict[int, PreparedRow] = {}
    errors: list[RowError] = []
    for done, row in enumerate(rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(rows))
        good, row_errors = check_row(row, today=today)
        errors.extend(row_errors)
        if good is not None:
            prepared[row.row_number] = good
    groups: dict[str, list[LedgerRow]] = {}
    for row in rows:
        text = row.values.get("id_number")
        if isinstance(text, str) and text.strip():
            groups.setdefault(canonical_id(text), []).append(row)
    for number, group in groups.items():
        if len(group) < 2:
            continue
        kept = next((r for r in group if r.row_number in prepared), group[0])
        kept_name = kept.values.get("name")
        for row in group:
            if row is kept:
                continue
            prepared.pop(row.row_number, None)
            name = row.values.get("name")
            same_name = name == kept_name
            errors.append(
                _error(
                    row,
                    "id_number",
                    f"身份证号 {number} 与第 {kept.row_number} 行（{kept_name or '无姓名'}）重复"
                    + (
                        "，同一儿童只能登记一次，请删除重复的行"
                        if same_name
                        else "，但姓名不同：同一身份证号只能属于一名儿童，请对照证件核对"
                    ),
                    f"ID number {number} is also on row {kept.row_number} ({kept_name or 'no name'})"
                    + (
                        "; a child is registered once, delete the repeated row"
                        if same_name
                        else " under another name: one ID number belongs to one child, check the ID card"
                    ),
                )
            )
    errors.sort(key=lambda e: e.row)
    if progress is not None:
        progress(len(rows), len(rows))
    return [prepared[n] for n in sorted(prepared)], errors


# --------------------------------------------------------------------------------------------
# Importing


class _Rollback(Exception):
    """Raised inside the transaction to undo it (dry run, or bad rows without skip_bad)."""


def _existing(session: Session, numbers: Iterable[str]) -> dict[str, tuple[str, str, list[str]]]:
    """ID number → (record id, name, assessed categories) of children already registered."""
    wanted = sorted(set(numbers))
    found: dict[str, tuple[str, str, list[str]]] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        query = select(Child.id_number, Child.id, Child.name, Child.assessed_categories).where(
            Child.id_number.in_(chunk)
        )
        for number, record_id, name, assessed in session.execute(query):
            if number is not None:
                found[number] = (record_id, name, list(assessed or []))
    return found


def _check_against_register(
    session: Session,
    good: list[PreparedRow],
    errors: list[RowError],
    id_columns: Mapping[int, str | None],
) -> list[PreparedRow]:
    """Check the good rows against the register and return those to import. Appends an error
    for each ID number registered under another name; merges assessed categories with those
    already recorded."""
    existing = _existing(session, [p.id_number for p in good if p.id_number])
    kept: list[PreparedRow] = []
    for p in good:
        number = p.id_number
        found = existing.get(number) if number else None
        if found is None:
            if p.assessed:
                p.child_input.child["assessed_categories"] = list(p.assessed)
            kept.append(p)
            continue
        _record_id, name, assessed = found
        if p.name and name != p.name:
            errors.append(
                RowError(
                    p.row_number,
                    id_columns.get(p.row_number),
                    "id_number",
                    f"身份证号 {p.id_number} 已登记在“{name}”的档案中，与台账中的姓名“{p.name}”不一致，"
                    "为免覆盖他人档案未导入，请核对",
                    f"ID number {p.id_number} is registered to {name}, not {p.name}; not imported so as not "
                    "to overwrite another child's file: check it",
                )
            )
            continue
        merged = list(dict.fromkeys([*assessed, *p.assessed]))
        if merged != assessed:
            p.child_input.child["assessed_categories"] = merged
        kept.append(p)
    errors.sort(key=lambda e: e.row)
    return kept


def import_table(
    register: Register,
    table: LedgerTable,
    *,
    skip_bad: bool = False,
    dry_run: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> LedgerImportResult:
    """Check and import a ledger already read (the desktop wizard reads it first to show the
    column mapping).

    Args:
        register: the open register.
        table: from :func:`~carebook.documents.ledger_reader.read_ledger`.
        skip_bad: import the good rows even when some rows are bad.
        dry_run: check everything, count what would be imported, updated and unchanged, write
            nothing (the transaction is rolled back).
        today: the date against which future dates are refused (default: the register's today).
        progress: ``progress(rows checked, rows)`` while rows are checked (see
            :func:`check_rows`); an exception it raises to cancel stops the import before
            anything is written.

    Returns:
        The :class:`LedgerImportResult`. Bad rows are reported in it, not raised.

    Raises:
        CarebookError: the register cannot be written (raised by the model).
    """
    today = today or register.today()
    result = LedgerImportResult(
        file=table.path,
        sheet=table.sheet_name,
        header_row=table.header_row_number,
        data_rows=len(table.rows),
        dry_run=dry_run,
        skip_bad=skip_bad,
        skipped_rows=list(table.skipped),
        unmapped_columns=[(c.letter, c.header_text) for c in table.unmapped],
        unused_columns=[
            (c.letter, c.field, msg(*UNUSED_FIELDS[c.field]))
            for c in table.columns
            if c.field in UNUSED_FIELDS
        ],
    )
    good, errors = check_rows(table.rows, today=today, progress=progress)
    id_columns = {r.row_number: r.cells.get("id_number") for r in table.rows}
    try:
        # Even when bad rows already stop the import, the register is asked whether any ID
        # number is registered under another name, so the report is complete.
        with register.writing() as session:
            rows = _check_against_register(session, good, errors, id_columns)
            result.errors = errors
            if errors and not skip_bad:
                raise _Rollback
            if rows:
                outcome = import_children(
                    session,
                    [p.child_input for p in rows],
                    last_visits=[p.last_visit for p in rows],
                    today=today,
                )
                result.imported = len(outcome.created)
                result.updated = len(outcome.updated)
                result.unchanged = len(outcome.unchanged)
                result.created_ids = list(outcome.created)
                result.updated_ids = list(outcome.updated)
            if dry_run:
                raise _Rollback
            result.written = result.imported + result.updated > 0
    except _Rollback:
        return result
    except ValidationError as exc:  # the bulk path refused the batch: nothing was written
        raise CarebookError(
            f"导入失败，未写入任何数据：{exc.message_zh}", f"import failed, nothing written: {exc.message_en}"
        ) from exc
    return result


def import_ledger(
    register: Register,
    path: str | Path,
    *,
    skip_bad: bool = False,
    dry_run: bool = False,
    mapping_override: dict[int, str | None] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> LedgerImportResult:
    """Read a ledger file and import it (see the module docstring for the rules).

    Args:
        register: the open register.
        path: a ``.xlsx`` or ``.csv`` ledger.
        skip_bad: import the good rows even when some rows are bad.
        dry_run: check and count only; nothing is written.
        mapping_override, sheet, header_row: as :func:`~carebook.documents.ledger_reader.read_ledger`.
        today: the date against which future dates are refused (default: the register's today).
        progress: as :func:`import_table`.

    Returns:
        The :class:`LedgerImportResult`.

    Raises:
        LedgerFileError: the file cannot be read.
        LedgerMappingError: a bad ``mapping_override``.
        CarebookError: the register cannot be written.
    """
    table = read_ledger(path, mapping_override=mapping_override, sheet=sheet, header_row=header_row)
    return import_table(register, table, skip_bad=skip_bad, dry_run=dry_run, today=today, progress=progress)


def describe_error(error: RowError) -> str:
    """One line for people: ``第 11 行 F 列（出生日期）：…`` / ``row 11, column F (date_of_birth): …``."""
    label = FIELD_LABELS_ZH.get(error.field or "", error.field or "")
    if error.column:
        where_zh = f"第 {error.row} 行 {error.column} 列（{label}）"
        where_en = f"row {error.row}, column {error.column} ({error.field})"
    else:
        where_zh = f"第 {error.row} 行" + (f"（{label}）" if label else "")
        where_en = f"row {error.row}" + (f" ({error.field})" if error.field else "")
    return msg(f"{where_zh}：{error.reason_zh}", f"{where_en}: {error.reason_en}")

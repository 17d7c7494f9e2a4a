"""Importing village ledgers into a real encrypted register (carebook.documents.ledger_import)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from carebook.documents.ledger_import import LedgerImportResult, describe_error, import_ledger
from carebook.model.idnumber import id_number_check_character
from carebook.model.register import Register

SAMPLE = Path(__file__).parent / "data" / "ledger" / "village-ledger-sample.xlsx"
TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def today() -> dt.date:
    """The sample's dates (visits up to 2026-10-25) are in the past on this date."""
    return TODAY


def _id(first_17: str) -> str:
    return first_17 + id_number_check_character(first_17)


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _errors(result: LedgerImportResult) -> set[tuple[int, str | None, str | None]]:
    return {(e.row, e.column, e.field) for e in result.errors}


# ---------------------------------------------------------------------------------------------
# The sample ledger


def test_sample_with_skip_bad_imports_every_good_row(register: Register) -> None:
    result = import_ledger(register, SAMPLE, skip_bad=True)
    assert result.written and not result.dry_run
    assert result.data_rows == 40
    assert result.bad_rows == [6, 11, 12]
    assert (result.imported, result.updated, result.unchanged) == (37, 0, 0)
    assert _errors(result) == {
        (6, "E", "id_number"),  # wrong check character
        (11, "F", "date_of_birth"),  # 2031-02-30
        (12, "E", "id_number"),  # the ID number of row 4, another person
        (12, "C", "sex"),  # which also disagrees with the sex …
        (12, "F", "date_of_birth"),  # … and the date of birth of that person
    }
    by_row = {(e.row, e.field): e for e in result.errors}
    assert "校验码" in by_row[(6, "id_number")].reason_zh
    assert "2031-02-30" in by_row[(11, "date_of_birth")].reason_zh
    assert (
        "第 4 行" in by_row[(12, "id_number")].reason_zh and "姓名不同" in by_row[(12, "id_number")].reason_zh
    )
    assert describe_error(by_row[(11, "date_of_birth")]).startswith("第 11 行 F 列（出生日期）：")
    assert [s.row_number for s in result.skipped_rows] == [15, 45, 46, 47]
    assert [c for c, _f, _r in result.unused_columns] == ["Y"]

    rows = register.list_children()
    assert len(rows) == 37
    names = {r.name for r in rows}
    assert {"蔡涵", "潘然䶮", "杜梓䶮"} <= names
    assert "秦梦然" not in names and "孙宇" not in names


def test_sample_values_arrive_canonical(register: Register) -> None:
    import_ledger(register, SAMPLE, skip_bad=True)
    # Row 7: full-width digits; row 8: stray spaces; row 10: a phone number with dashes.
    full_width = register.child_detail("610423202309097935")
    assert full_width.fields["name"] == "龚怡宇"
    assert full_width.fields["id_number"] == "610423202309097935"
    spaced = register.child_detail("610402201610214583")
    assert spaced.fields["name"] == "王涵汐"
    dashed = register.child_detail("610402201212133681")
    father = next(m for m in dashed.members if m.role == "father")
    assert father.phone == "18808302401"
    assert father.status == "working_away"
    first = register.child_detail("610404201103211612")
    assert first.fields["date_of_birth"] == dt.date(2011, 3, 21)
    assert first.fields["sex"] == "1"
    assert first.fields["registration_type"] == "rural"
    assert first.fields["notes"] == "已申请低保"
    guardian = next(m for m in first.members if m.role == "guardian")
    assert (guardian.name, guardian.relation, guardian.phone) == ("万博", "64", "13124571206")
    assert guardian.id_number == "61040419560716513X"
    assert first.last_visit_date == dt.date(2026, 6, 28)
    assert [v.visit_date for v in first.visits] == [dt.date(2026, 6, 28)]
    rare = register.child_detail("610402201410152154")
    assert rare.fields["name"] == "杜梓䶮"


def test_second_run_adds_nobody_and_writes_nothing(register: Register, digest: Callable[[], str]) -> None:
    import_ledger(register, SAMPLE, skip_bad=True)
    before = digest()
    again = import_ledger(register, SAMPLE, skip_bad=True)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 37)
    assert not again.written
    assert digest() == before
    assert len(register.list_children()) == 37


def test_without_skip_bad_nothing_is_written(register: Register, digest: Callable[[], str]) -> None:
    before = digest()
    changes = register.change_count()
    result = import_ledger(register, SAMPLE)
    assert not result.written
    assert (result.imported, result.updated, result.unchanged) == (0, 0, 0)
    assert result.bad_rows == [6, 11, 12]
    assert digest() == before
    assert register.change_count() == changes
    assert register.list_children() == []


def test_dry_run_counts_and_writes_nothing(register: Register, digest: Callable[[], str]) -> None:
    before = digest()
    result = import_ledger(register, SAMPLE, skip_bad=True, dry_run=True)
    assert result.dry_run and not result.written
    assert (result.imported, result.updated, result.unchanged) == (37, 0, 0)
    assert digest() == before


def test_every_imported_record_is_in_the_change_log(
    register: Register, change_log: Callable[..., list[dict[str, Any]]]
) -> None:
    result = import_ledger(register, SAMPLE, skip_bad=True)
    inserts = [e for e in change_log() if e["op"] == "insert"]
    children = {e["record_id"] for e in inserts if e["entity"] == "child"}
    assert children == set(result.created_ids)
    assert len([e for e in inserts if e["entity"] == "family_member"]) == 37 * 3
    assert len([e for e in inserts if e["entity"] == "visit"]) == 37


def test_to_json_has_the_documented_shape(register: Register) -> None:
    data = import_ledger(register, SAMPLE, skip_bad=True).to_json()
    assert {"file", "imported", "updated", "unchanged", "skipped_rows", "errors", "dry_run"} <= set(data)
    assert data["errors"][0] == {
        "row": 6,
        "column": "E",
        "field": "id_number",
        "reason": "身份证号最后一位校验码不对，可能有数字抄错了，请对照证件核对",
    }
    assert data["skipped_rows"][0] == {"row": 15, "reason": "空行"}


# ---------------------------------------------------------------------------------------------
# Children already in the register

HEADING = ["序号", "姓名", "性别", "身份证号", "监护人电话", "备注", "儿童类别", "最近走访日期"]


def test_registered_child_is_updated_and_empty_cells_clear_nothing(
    register: Register, tmp_path: Path
) -> None:
    number = _id("61040220150305123")
    register.register_child(
        {
            "name": "张思远",
            "id_number": number,
            "notes": "在软件中写的备注",
            "guardian.name": "张爷爷",
            "guardian.relation": "祖父",
            "guardian.phone": "13800000001",
        }
    )
    path = _write_csv(
        tmp_path / "update.csv",
        [
            HEADING,
            [
                "1",
                "张思远",
                "男",
                number.lower()[:-1] + number[-1].lower(),
                "13900000002",
                "",
                "困境儿童",
                "",
            ],
        ],
    )
    result = import_ledger(register, path)
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 0)
    assert result.errors == []
    detail = register.child_detail(number)
    assert detail.fields["notes"] == "在软件中写的备注"
    guardian = next(m for m in detail.members if m.role == "guardian")
    assert (guardian.name, guardian.phone) == ("张爷爷", "13900000002")
    assert "in_difficulty" in detail.categories
    assert len(register.list_children()) == 1


def test_id_number_registered_under_another_name_is_not_overwritten(
    register: Register, tmp_path: Path, digest: Callable[[], str]
) -> None:
    number = _id("61040220150305123")
    register.register_child({"name": "张思远", "id_number": number})
    before = digest()
    path = _write_csv(tmp_path / "other.csv", [HEADING, ["1", "李明", "男", number, "", "", "", ""]])
    result = import_ledger(register, path, skip_bad=True)
    assert _errors(result) == {(2, "D", "id_number")}
    assert "张思远" in result.errors[0].reason_zh
    assert digest() == before


# ---------------------------------------------------------------------------------------------
# Row rules


def test_same_person_twice_keeps_the_first_good_row(register: Register, tmp_path: Path) -> None:
    number = _id("61040220150305123")
    legacy_15 = "610402150305123"  # the 15-digit form of another child
    legacy_18 = _id("61040219150305123")
    path = _write_csv(
        tmp_path / "dup.csv",
        [
            HEADING,
            ["1", "张思远", "女", number, "", "", "", ""],  # sex disagrees with the ID: bad
            ["2", "张思远", "男", number, "", "", "", ""],  # the first good row: kept
            ["3", "张思远", "男", f" {number} ", "", "", "", ""],  # the same child again
            ["4", "王五", "", legacy_18, "", "", "", ""],
            ["5", "王五", "", legacy_15, "", "", "", ""],
        ],
    )
    result = import_ledger(register, path, skip_bad=True, today=dt.date(2026, 11, 29))
    # 1915 makes 王五 an adult: that is an error too, and the duplicate is still found.
    assert (2, "D", "id_number") in _errors(result)
    assert (4, "D", "id_number") in _errors(result)
    assert (6, "D", "id_number") in _errors(result)
    duplicate = next(e for e in result.errors if e.row == 4 and e.field == "id_number")
    assert "第 3 行" in duplicate.reason_zh and "删除重复的行" in duplicate.reason_zh
    assert result.imported == 1
    assert [r.name for r in register.list_children()] == ["张思远"]


def test_dates_in_the_future_and_unknown_categories_are_errors(register: Register, tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "future.csv",
        [
            HEADING,
            ["1", "张思远", "男", _id("61040220150305123"), "", "", "困境儿童", "2026年12月1日"],
            ["2", "李明", "男", _id("61040220160406123"), "", "", "低保户", ""],
            [
                "3",
                "王芳",
                "女",
                _id("61040220170507124"),
                "138-0000-0003",
                "",
                "农村留守儿童、困境儿童",
                "2026.11.1",
            ],
        ],
        encoding="gb18030",
    )
    result = import_ledger(register, path, skip_bad=True)
    assert _errors(result) == {(2, "H", "last_visit_date"), (3, "G", "categories")}
    assert "不能晚于今天" in result.errors[0].reason_zh
    assert "低保户" in result.errors[1].reason_zh
    assert result.imported == 1
    detail = register.child_detail(_id("61040220170507124"))
    assert "in_difficulty" in detail.categories
    assert detail.last_visit_date == dt.date(2026, 11, 1)


def test_missing_name_and_id_number_are_reported(register: Register, tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "missing.csv",
        [
            HEADING,
            ["1", "", "男", _id("61040220150305123"), "", "", "", ""],
            ["2", "李明", "男", "", "", "", "", ""],
        ],
    )
    result = import_ledger(register, path, skip_bad=True)
    # The ledger has no date-of-birth column, so without an ID number that is missing too.
    assert _errors(result) == {(2, "B", "name"), (3, "D", "id_number"), (3, None, "date_of_birth")}
    assert result.imported == 0 and not result.written


def test_progress_is_reported_and_a_cancel_writes_nothing(
    register: Register, digest: Callable[[], str]
) -> None:
    seen: list[tuple[int, int]] = []
    import_ledger(register, SAMPLE, skip_bad=True, dry_run=True, progress=lambda d, n: seen.append((d, n)))
    assert seen[0] == (0, 40) and seen[-1] == (40, 40)

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        if done == total:
            raise Cancelled

    before = digest()
    with pytest.raises(Cancelled):
        import_ledger(register, SAMPLE, skip_bad=True, progress=cancel)
    assert digest() == before


def test_an_id_number_excel_turned_into_a_number_is_reported_once(register: Register, tmp_path: Path) -> None:
    """QA: the ID number stored by Excel as a number got its right message (被 Excel 当成了数字…设为
    “文本”格式) and a second, misleading one (必须填写). One message per cell now."""
    import openpyxl

    path = tmp_path / "num.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "性别", "身份证号"])
    sheet.append(["张思远", "男", 6.10404201103212e17])
    workbook.save(path)
    result = import_ledger(register, path, skip_bad=True)
    assert [(e.row, e.column, e.field) for e in result.errors] == [(2, "C", "id_number")]
    assert "文本" in result.errors[0].reason_zh and "必须填写" not in result.errors[0].reason_zh
    assert result.imported == 0

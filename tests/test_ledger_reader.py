"""Reading village ledgers from Excel and CSV files (carebook.documents.ledger_reader)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from carebook.documents.ledger_columns import FIELDS, IGNORED, match_heading, match_two_level_heading
from carebook.documents.ledger_reader import (
    LedgerFileError,
    LedgerMappingError,
    LedgerTable,
    read_ledger,
)
from carebook.documents.ledger_sources import decode_csv_bytes
from carebook.model.errors import CarebookError

SAMPLE = Path(__file__).parent / "data" / "ledger" / "village-ledger-sample.xlsx"

# ---------------------------------------------------------------------------------------------
# The village's sample ledger


@pytest.fixture(scope="module")
def sample() -> LedgerTable:
    return read_ledger(SAMPLE)


def test_sample_heading_is_found_below_the_title_rows(sample: LedgerTable) -> None:
    assert sample.sheet_name == "台账"
    assert sample.header_row_number == 3
    assert sample.header_rows == 1
    assert sample.encoding is None
    by_letter = {c.letter: c.field for c in sample.columns}
    assert by_letter == {
        "A": None,  # 序号
        "B": "name",
        "C": "sex",
        "D": "ethnic_group",
        "E": "id_number",
        "F": "date_of_birth",
        "G": "categories",
        "H": "registration_type",
        "I": "current_address",
        "J": "schooling_stage",
        "K": "school_name",
        "L": "health_status",
        "M": "father.name",
        "N": "father.status",
        "O": "father.work_place",
        "P": "father.phone",
        "Q": "mother.name",
        "R": "mother.status",
        "S": "mother.work_place",
        "T": "mother.phone",
        "U": "guardian.name",
        "V": "guardian.relation",
        "W": "guardian.phone",
        "X": "guardian.id_number",
        "Y": "entrustment_signed",
        "Z": "last_visit_date",
        "AA": "notes",
    }
    assert sample.unmapped == []
    assert sample.columns[0].recognised  # 序号 is known, just not read


def test_sample_rows_keep_their_excel_row_numbers(sample: LedgerTable) -> None:
    numbers = [r.row_number for r in sample.rows]
    assert numbers == [*range(4, 15), *range(16, 45)]
    assert len(sample.rows) == 40
    first = sample.rows[0]
    assert first.values["name"] == "蔡涵"
    assert first.values["id_number"] == "610404201103211612"
    assert first.cells["id_number"] == "E"
    assert first.raw[0] == 1 and len(first.raw) == 27


def test_sample_blank_total_and_signature_rows_are_skipped_with_reasons(sample: LedgerTable) -> None:
    skipped = {s.row_number: s.reason_zh for s in sample.skipped}
    assert set(skipped) == {15, 45, 46, 47}
    assert skipped[15] == "空行"
    assert "合计" in skipped[45]
    assert "填表人" in skipped[47]


def test_sample_dates_in_every_shape_are_read(sample: LedgerTable) -> None:
    rows = {r.row_number: r for r in sample.rows}
    assert rows[4].values["date_of_birth"] == dt.date(2011, 3, 21)  # 2011/03/21
    assert rows[5].values["date_of_birth"] == dt.date(2013, 7, 6)  # 20130706
    assert rows[7].values["date_of_birth"] == dt.date(2023, 9, 9)  # a real Excel date
    assert rows[9].values["date_of_birth"] == dt.date(2015, 12, 29)  # 2015.12.29
    assert rows[20].values["date_of_birth"] == dt.date(2012, 2, 19)  # 2012年2月19日
    assert rows[4].values["last_visit_date"] == dt.date(2026, 6, 28)
    assert rows[5].values["last_visit_date"] == dt.date(2026, 6, 27)  # 2026.6.27


def test_sample_impossible_date_is_a_problem_of_its_row_and_column(sample: LedgerTable) -> None:
    with_problems = {r.row_number: r.problems for r in sample.rows if r.problems}
    assert list(with_problems) == [11]
    (problem,) = with_problems[11]
    assert problem.field == "date_of_birth"
    assert problem.column == "F"
    assert "2031-02-30" in problem.message_zh
    row = next(r for r in sample.rows if r.row_number == 11)
    assert row.values["date_of_birth"] == "2031-02-30"  # kept as written for the preview


def test_sample_text_is_kept_as_written_for_the_model_to_normalise(sample: LedgerTable) -> None:
    rows = {r.row_number: r for r in sample.rows}
    assert rows[7].values["id_number"] == "６１０４２３２０２３０９０９７９３５"
    assert rows[8].values["id_number"] == "610402 201610214583"  # outer spaces trimmed only
    assert rows[10].values["father.phone"] == "188-0830-2401"
    assert rows[27].values["name"] == "潘然䶮"
    assert rows[44].values["name"] == "杜梓䶮"
    assert rows[4].values["notes"] == "已申请低保"
    assert rows[5].values["notes"] is None


# ---------------------------------------------------------------------------------------------
# Mapping corrected by the user


def test_mapping_override_replaces_and_moves_fields() -> None:
    table = read_ledger(SAMPLE, mapping_override={8: "registered_address", 26: None, 10: "name"})
    by_letter = {c.letter: c.field for c in table.columns}
    assert by_letter["I"] == "registered_address"
    assert by_letter["AA"] is None
    assert by_letter["K"] == "name"
    assert by_letter["B"] is None  # name was taken from B by the user's choice
    first = table.rows[0]
    assert first.values["registered_address"] == "陕西省西咸新区某某镇第2村8组19号"
    assert first.values["name"] == "某某初级中学"
    assert "notes" not in first.values and "current_address" not in first.values
    assert table.mapping[8] == "registered_address"


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({1: "nickname"}, "未知的字段"),
        ({99: "name"}, "不存在"),
        ({1: "name", 2: "name"}, "同时对应"),
    ],
)
def test_bad_mapping_override_is_a_clear_error(override: dict[int, str | None], needle: str) -> None:
    with pytest.raises(LedgerMappingError) as caught:
        read_ledger(SAMPLE, mapping_override=override)
    assert isinstance(caught.value, CarebookError)
    assert needle in caught.value.message_zh


def test_header_row_can_be_given() -> None:
    table = read_ledger(SAMPLE, header_row=3)
    assert table.header_row_number == 3 and len(table.rows) == 40


def test_a_wrong_header_row_or_a_sheet_of_a_csv_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(CarebookError) as caught:
        read_ledger(SAMPLE, header_row=99)
    assert "第 99 行不是表头" in caught.value.message_zh and "--header-row" in caught.value.message_zh
    csv_file = tmp_path / "台账.csv"
    csv_file.write_text("姓名,身份证号,性别\n", encoding="utf-8")
    with pytest.raises(CarebookError) as caught:
        read_ledger(csv_file, sheet="不存在")
    assert "CSV" in caught.value.message_zh and "--sheet" in caught.value.message_zh


# ---------------------------------------------------------------------------------------------
# Column wordings


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("姓名", "name"),
        ("儿童姓名", "name"),
        (" 姓 名 ", "name"),
        ("*姓名", "name"),
        ("身份证号", "id_number"),
        ("公民身份号码", "id_number"),
        ("身份证号码（18位）", "id_number"),
        ("身份证号(必填)", "id_number"),
        ("出生年月", "date_of_birth"),
        ("出生日期（年月日）", "date_of_birth"),
        ("人员类别", "categories"),
        ("户口性质", "registration_type"),
        ("户籍所在地", "registered_address"),
        ("家庭住址", "current_address"),
        ("在校情况", "schooling_stage"),
        ("就读学校", "school_name"),
        ("年级/班级", "school_grade"),
        ("身体状况", "health_status"),
        ("所患疾病", "illness_name"),
        ("预警等级", "risk_colour"),
        ("是否重点儿童", "key_child"),
        ("父亲情况", "father.status"),
        ("父亲务工地点", "father.work_place"),
        ("父亲联系电话", "father.phone"),
        ("父亲身份证号", "father.id_number"),
        ("母亲姓名", "mother.name"),
        ("母亲联系电话", "mother.phone"),
        ("实际监护人", "guardian.name"),
        ("受委托监护人姓名", "guardian.name"),
        ("委托监护人", "guardian.name"),
        ("监护人姓名", "guardian.name"),
        ("与儿童关系", "guardian.relation"),
        ("监护人关系", "guardian.relation"),
        ("监护人联系电话", "guardian.phone"),
        ("监护人身份证号", "guardian.id_number"),
        ("监护人住址", "guardian.address"),
        ("委托监护确认书", "entrustment_signed"),
        ("最近一次走访", "last_visit_date"),
        ("走访日期", "last_visit_date"),
        ("序号", IGNORED),
        ("家庭年收入", None),
        ("", None),
        (None, None),
    ],
)
def test_heading_wordings(heading: str | None, field: str | None) -> None:
    assert match_heading(heading) == field


def test_every_field_has_a_wording_and_the_names_are_the_contract() -> None:
    assert "father.name" in FIELDS and "guardian.address" in FIELDS and "entrustment_signed" in FIELDS
    assert len(FIELDS) == len(set(FIELDS)) == 22 + 10 + 5


def test_two_level_headings() -> None:
    assert match_two_level_heading("父亲", "姓名") == "father.name"
    assert match_two_level_heading("父亲情况", "电话") == "father.phone"
    assert match_two_level_heading("受委托监护人", "与儿童关系") == "guardian.relation"
    assert match_two_level_heading("基本信息", "性别") == "sex"


# ---------------------------------------------------------------------------------------------
# CSV files as Excel and WPS write them

CSV_ROWS = [
    ["某某村留守儿童台账", "", "", "", "", "", ""],
    ["填报单位：某某村", "", "", "", "", "", ""],
    ["序号", "儿童姓名", "公民身份号码", "出生年月", "受委托监护人姓名", "监护人联系电话", "家庭年收入"],
    ["1", "杜梓䶮", "610402201410152154", "2014年10月15日", "林瑶雅", "152-8195-1079", "1万"],
    ["2", "赵昊雨", "61048120140820642x", "41871", "曾宇", "15410763677", ""],
    ["", "", "", "", "", "", ""],
    ["3", "孙宇", "610481202303046698", "2031.2.30", "余子涵", "13507054474", ""],
    ["合计", "3人", "", "", "", "", ""],
    ["", "", "", "", "", "", ""],
]


def _write_csv(path: Path, encoding: str, delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(CSV_ROWS)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "detected", "delimiter", "suffix"),
    [
        ("utf-8", "utf-8", ",", ".csv"),
        ("utf-8-sig", "utf-8-sig", ",", ".csv"),
        ("gb18030", "gb18030", ",", ".csv"),
        ("utf-16", "utf-16", "\t", ".txt"),
    ],
)
def test_csv_in_each_encoding(
    tmp_path: Path, encoding: str, detected: str, delimiter: str, suffix: str
) -> None:
    path = _write_csv(tmp_path / f"台账{suffix}", encoding, delimiter)
    table = read_ledger(path)
    assert table.encoding == detected
    assert table.sheet_name is None
    assert table.header_row_number == 3
    assert [c.field for c in table.columns] == [
        None,
        "name",
        "id_number",
        "date_of_birth",
        "guardian.name",
        "guardian.phone",
        None,
    ]
    assert [c.header_text for c in table.unmapped] == ["家庭年收入"]
    assert [r.row_number for r in table.rows] == [4, 5, 7]
    first, second, third = table.rows
    assert first.values["name"] == "杜梓䶮"  # CJK Extension A survives GB18030
    assert first.values["date_of_birth"] == dt.date(2014, 10, 15)
    assert second.values["date_of_birth"] == dt.date(2014, 8, 20)  # Excel serial in a CSV
    assert second.values["id_number"] == "61048120140820642x"
    assert third.problems[0].column == "D"
    assert {s.row_number: s.reason_en for s in table.skipped} == {
        6: "a blank row",
        8: "a total, signature or note line ('合计')",
    }


def test_gbk_bytes_that_are_not_utf8_are_read_as_gb18030() -> None:
    data = "姓名,身份证号\r\n张思远,1\r\n".encode("gbk")
    text, encoding = decode_csv_bytes(data)
    assert encoding == "gb18030" and text.startswith("姓名")


def test_binary_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(path)
    assert "编码" in caught.value.message_zh


# ---------------------------------------------------------------------------------------------
# Workbooks built here


def _workbook(path: Path, rows: Sequence[Sequence[object]], *, first_sheet: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    if first_sheet is not None:
        sheet.title = first_sheet
        sheet.append(["填表说明：请按要求填写"])
        sheet = workbook.create_sheet("儿童信息")
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_two_row_heading_with_merged_person_groups(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["儿童信息统计表"])
    sheet.append(["序号", "姓名", "身份证号", "父亲", None, "母亲", None, "监护人", None, None])
    sheet.append([None, None, None, "姓名", "电话", "姓名", "情况", "姓名", "关系", "联系电话"])
    sheet.merge_cells("D2:E2")
    sheet.merge_cells("F2:G2")
    sheet.merge_cells("H2:J2")
    sheet.merge_cells("A2:A3")
    sheet.append(
        [
            1,
            "张思远",
            "610404201103211612",
            "张大",
            "13760995897",
            "李二",
            "外出务工",
            "张爷",
            "祖父",
            "13124571206",
        ]
    )
    path = tmp_path / "two.xlsx"
    workbook.save(path)
    table = read_ledger(path)
    assert table.header_row_number == 2 and table.header_rows == 2
    assert [c.field for c in table.columns] == [
        None,
        "name",
        "id_number",
        "father.name",
        "father.phone",
        "mother.name",
        "mother.status",
        "guardian.name",
        "guardian.relation",
        "guardian.phone",
    ]
    assert table.columns[3].header_text == "父亲/姓名"
    assert [r.row_number for r in table.rows] == [4]
    assert table.rows[0].values["guardian.relation"] == "祖父"


def test_ledger_sheet_is_chosen_over_an_instructions_sheet(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "book.xlsx",
        [["姓名", "性别", "身份证号"], ["张思远", "男", "610404201103211612"]],
        first_sheet="说明",
    )
    table = read_ledger(path)
    assert table.sheet_name == "儿童信息"
    assert len(table.rows) == 1
    assert read_ledger(path, sheet="儿童信息").rows[0].values["sex"] == "男"
    with pytest.raises(LedgerFileError):
        read_ledger(path, sheet="没有这张表")


def test_id_number_stored_as_a_number_is_flagged(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "num.xlsx",
        [["姓名", "性别", "身份证号", "父亲电话"], ["张思远", "男", 6.10404201103212e17, 13760995897]],
    )
    (row,) = read_ledger(path).rows
    assert row.values["father.phone"] == "13760995897"
    (problem,) = row.problems
    assert problem.field == "id_number" and problem.column == "C"
    assert "文本" in problem.message_zh


def test_note_lines_below_the_table_are_skipped(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "notes.xlsx",
        [
            ["序号", "姓名", "身份证号"],
            [1, "张思远", "610404201103211612"],
            [None, "说明：1. 身份证号请填18位", None],
            ["注：本表一式两份", None, None],
        ],
    )
    table = read_ledger(path)
    assert [r.row_number for r in table.rows] == [2]
    assert [s.row_number for s in table.skipped] == [3, 4]
    assert all("说明" in s.reason_zh for s in table.skipped)


def test_a_two_column_ledger_is_enough_when_it_has_the_name(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "small.xlsx", [["村儿童名单"], ["姓名", "身份证号"], ["张思远", "610404201103211612"]]
    )
    table = read_ledger(path)
    assert table.header_row_number == 2 and len(table.rows) == 1
    prose = _workbook(tmp_path / "prose.xlsx", [["性别", "民族"], ["男", "汉族"]])
    with pytest.raises(LedgerFileError):
        read_ledger(prose)


def test_repeated_headings_sequence_only_rows_and_trailing_blanks(tmp_path: Path) -> None:
    heading = ["序号", "姓名", "性别", "身份证号", "备注"]
    path = _workbook(
        tmp_path / "rep.xlsx",
        [
            heading,
            [1, "张思远", "男", "610404201103211612", "合计两次走访"],
            heading,
            [2, "李明", "男", "610404201205023911", None],
            [3, None, None, None, None],
            [None, None, None, None, None],
            [None, None, None, None, None],
        ],
    )
    table = read_ledger(path)
    # A footer word in a free-text column of a real child does not skip the child.
    assert [r.row_number for r in table.rows] == [2, 4]
    assert {s.row_number: s.reason_en for s in table.skipped} == {
        3: "a repeated heading row",
        5: "the row has nothing in the columns being imported (perhaps only a running number)",
    }


# ---------------------------------------------------------------------------------------------
# Files that cannot be read


def test_truncated_workbook_is_a_file_error(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    path = tmp_path / "broken.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(path)
    assert "损坏" in caught.value.message_zh
    assert "damaged" in caught.value.message_en


def test_workbook_damaged_inside_is_a_file_error(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "inner.xlsx"
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 3]
            target.writestr(item, data)
    with pytest.raises(LedgerFileError):
        read_ledger(path)


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "密码"),
        ("fake.xlsx", b"this is not a workbook", "损坏"),
        ("scan.pdf", b"%PDF-1.7\n", "不支持"),
        ("empty.csv", b"", "找不到表头"),
        ("prose.csv", "这是一封信，不是台账。\r\n".encode(), "找不到表头"),
    ],
)
def test_unreadable_files_are_clear_errors(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(path)
    assert needle in caught.value.message_zh


def test_missing_file_and_folder_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(tmp_path / "nowhere.xlsx")
    assert "找不到文件" in caught.value.message_zh
    with pytest.raises(LedgerFileError):
        read_ledger(tmp_path)


def test_workbook_renamed_csv_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(SAMPLE.read_bytes())
    assert len(read_ledger(path).rows) == 40


def test_cells_merged_over_sibling_rows_give_each_row_their_value(tmp_path: Path) -> None:
    """QA: a 住址 merged over three sibling rows (I4:I6) and a father's name merged over two
    imported with no address for the second and third child and a nameless father, silently.
    A range merged down over table rows now gives its value to every row it covers; the merged
    heading cells are read as before."""
    path = tmp_path / "merged.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["儿童信息台账"])
    sheet.append(["序号", "姓名", "身份证号", "现住址", "父亲姓名"])
    sheet.append([1, "尹小一", "610402201501010011", "东湾村3组18号", "尹建国"])
    sheet.append([2, "尹小二", "610402201601010012", None, None])
    sheet.append([3, "尹小三", "610402201701010013", None, "尹建军"])
    sheet.append([4, "马小四", "610402201801010014", "西湾村", "马建设"])
    sheet.merge_cells("D3:D5")  # one address for the three siblings
    sheet.merge_cells("E3:E4")  # one father for the first two
    sheet.merge_cells("A1:E1")  # the title, above the heading
    workbook.save(path)
    table = read_ledger(path)
    address, father = match_heading("现住址"), match_heading("父亲姓名")
    assert address and father
    assert [r.values[address] for r in table.rows] == ["东湾村3组18号"] * 3 + ["西湾村"]
    assert [r.values[father] for r in table.rows] == ["尹建国", "尹建国", "尹建军", "马建设"]
    assert table.header_row_number == 2

"""Township ledger (.xlsx, one sheet per category, every child once on 全部儿童) read back with
openpyxl; read back again by the ledger import; and the township commands end to end
(``ledger export``, ``allowances --out``, ``overview``) on a real encrypted register."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from carebook.cli.main import main
from carebook.documents.ledger_columns import IGNORED, match_heading
from carebook.documents.ledger_import import import_ledger
from carebook.documents.township_ledger_xlsx import (
    ALL_SHEET,
    COLUMNS,
    HEADING_ROW,
    STATISTICS_SHEET,
    STATUS_COLUMNS,
    category_sheet_name,
    write_township_ledger,
)
from carebook.model import keys
from carebook.model.children import Child
from carebook.model.db import open_database
from carebook.model.enums import Category
from carebook.model.register import Register
from carebook.model.services.staff import add_staff
from model_helpers import PASSPHRASE, TOWNSHIP_CODE, VILLAGE_CODE
from township_data import build_township


def sheet_rows(ws: Any) -> list[dict[str, Any]]:
    heads = [c.value for c in ws[HEADING_ROW]]
    return [dict(zip(heads, row, strict=True)) for row in ws.iter_rows(min_row=HEADING_ROW + 1, values_only=True)]


def register_children(reg: Register) -> list[tuple[str, str, str | None, dt.date, list[str], bool]]:
    def q(s: Any) -> list[tuple[str, str, str | None, dt.date, list[str], bool]]:
        return [(c.id, c.name, c.id_number, c.date_of_birth, list(c.categories), c.closed_reason is not None)
                for c in s.scalars(select(Child))]
    return reg.read(q)


def test_every_child_once_and_category_sheets(register: Register, today: dt.date, tmp_path: Path) -> None:
    town = build_township(register, today, villages=3, children=200, seed=5)
    with register.reading() as s:
        path, rows = write_township_ledger(s, tmp_path / "台账.xlsx", township="幸福镇", today=today)
    wb = load_workbook(path)
    assert wb.sheetnames == [ALL_SHEET, *[category_sheet_name(c) for c in Category], STATISTICS_SHEET]
    ws = wb[ALL_SHEET]
    assert ws.cell(row=1, column=1).value == "幸福镇农村留守儿童和困境儿童信息台账（全部儿童）"
    assert [c.value for c in ws[HEADING_ROW]] == list(COLUMNS + STATUS_COLUMNS)
    everyone = register_children(register)
    all_rows = sheet_rows(ws)
    # Every child of the register exactly once: same multiset of (name, ID number, date of birth).
    def key(name: Any, number: Any, born: Any) -> tuple[str, str, dt.date]:
        return str(name), str(number or ""), born.date() if isinstance(born, dt.datetime) else born
    assert Counter(key(r["姓名"], r["身份证号"], r["出生日期"]) for r in all_rows) == \
        Counter(key(n, i, b) for _id, n, i, b, _c, _closed in everyone)
    assert len(all_rows) == len(everyone) == 200
    assert [r["序号"] for r in all_rows] == list(range(1, 201))
    closed = [r for r in all_rows if r["档案状态"] == "已销档"]
    assert len(closed) == len(town.closed) == 3 and all(r["销档原因"] == "户籍迁出" for r in closed)
    assert all_rows[-1]["档案状态"] == "已销档"  # closed files come last
    # Category sheets: the open files in that category; a child in two categories on both.
    open_children = [c for c in everyone if not c[5]]
    two = [c for c in open_children if len(c[4]) >= 2]
    assert two, "the synthetic township has children in several categories"
    for category in Category:
        got = Counter(r["身份证号"] or r["姓名"] for r in sheet_rows(wb[category_sheet_name(category)]))
        want = Counter(i or n for _id, n, i, _b, cats, _closed in open_children if category.code in cats)
        assert got == want, category
    some = two[0]
    for code in some[4]:
        names = [r["姓名"] for r in sheet_rows(wb[Category(code).zh])]
        assert some[1] in names
    # The row of one child: categories, village, guardian and signed confirmation.
    signed = [r for r in all_rows if r["是否签订委托监护确认书"] == "是"]
    assert len(signed) == 6  # signed for a year (3) and expiring (3); the expired ones say 否
    # The first village code is the register's own village (东湾村); the others were added.
    assert {r["村（居）"] for r in all_rows} == {"东湾村", "第2村", "第3村"}
    assert all(isinstance(r["出生日期"], dt.datetime) for r in all_rows)
    assert len(rows) == 200
    # 统计表: per village and in total, consistent with the sheets.
    stats = sheet_rows(wb[STATISTICS_SHEET])
    assert [r["村（居）"] for r in stats] == ["东湾村", "第2村", "第3村", "合计"]
    total = stats[-1]
    assert total["在册人数"] == len([r for r in all_rows if r["档案状态"] == "在册"]) == 197
    assert total["男"] + total["女"] == 197 == total["0-5岁"] + total["6-13岁"] + total["14-17岁"]
    for category in Category:
        assert total[category.zh] == len(sheet_rows(wb[category_sheet_name(category)]))
    assert total["未结强制报告"] == 3 and total["委托监护已过期"] == 3
    assert sum(r["在册人数"] for r in stats[:-1]) == 197


def test_headings_are_the_ledger_imports(tmp_path: Path) -> None:
    """Every heading but 村（居） maps to the field the ledger import reads (the sample's order)."""
    mapped = [match_heading(h) for h in COLUMNS]
    assert mapped[0] == IGNORED and mapped[1] is None and None not in mapped[2:]
    sample = ["序号", "姓名", "性别", "民族", "身份证号", "出生日期", "儿童类别", "户籍性质", "现住址", "就学情况",
              "学校名称", "健康状况", "父亲姓名", "父亲状况", "父亲务工地", "父亲电话", "母亲姓名", "母亲状况",
              "母亲务工地", "母亲电话", "实际监护人", "与儿童关系", "监护人电话", "监护人身份证号",
              "是否签订委托监护确认书", "最近走访日期", "备注"]
    assert [c for c in COLUMNS if c != "村（居）"] == sample


def test_exported_sheet_reads_back_through_the_ledger_import(register: Register, today: dt.date, tmp_path: Path,
                                                             model_template: Path) -> None:
    build_township(register, today, villages=2, children=60, seed=9, extras=False)
    with register.reading() as s:
        path, _rows = write_township_ledger(s, tmp_path / "t.xlsx", township="幸福镇", today=today)
    other_dir = tmp_path / "other"
    shutil.copytree(model_template, other_dir)
    db = open_database(other_dir, passphrase=PASSPHRASE)
    other = Register(db.sessionmaker, data_dir=other_dir, today=lambda: today, close=db.close)
    try:
        result = import_ledger(other, path, sheet=ALL_SHEET, today=today, skip_bad=True)
        assert result.header_row == HEADING_ROW and result.data_rows == 60
        assert {h for _c, h in result.unmapped_columns} == {"村（居）", *STATUS_COLUMNS}
        mine = {(n, i, b) for _id, n, i, b, _c, _x in register_children(register)}
        without_id = {m for m in mine if m[1] is None}
        # The survey's columns have no "household registration" column, so the import refuses
        # the children without one (无户籍, no ID number yet); every other child comes back.
        assert {e.field for e in result.errors} <= {"id_number"} and len(result.bad_rows) == len(without_id)
        assert result.imported == 60 - len(without_id)
        theirs = {(n, i, b) for _id, n, i, b, _c, _x in register_children(other)}
        assert theirs == mine - without_id
    finally:
        other.close()


# -- command line ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_township_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", "township-cli-passphrase")
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    d = tmp_path / "township"
    assert main(["--data-dir", str(d), "init", "--role", "township", "--org-code", TOWNSHIP_CODE,
                 "--org-name", "幸福镇"]) == 0
    today = dt.date.today()
    reg = Register.open(d)
    try:
        build_township(reg, today, villages=2, children=40, seed=3)
        reg.write(add_staff, {"role": "supervisor", "name": "周建华", "unit": TOWNSHIP_CODE,
                              "appointed_on": "2019-03-01"}, today=today)
        reg.write(add_staff, {"role": "director", "name": "李秀英", "unit": VILLAGE_CODE,
                              "appointed_on": "2021-06-16"}, today=today)
    finally:
        reg.close()
    capsys.readouterr()
    out_xlsx, roster_pdf = tmp_path / "乡镇台账.xlsx", tmp_path / "roster.pdf"
    code, out, err = run(capsys, "--data-dir", str(d), "ledger", "export", "--out", str(out_xlsx),
                         "--roster", str(roster_pdf), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["children"], report["open"], report["closed"]) == (40, 38, 2)
    assert len(sheet_rows(load_workbook(out_xlsx)[ALL_SHEET])) == 40
    text = "".join(page.extract_text() for page in PdfReader(roster_pdf).pages)
    assert "花名册" in text
    assert re.search(r"1[3-9]\d{9}", text), "联系电话 left empty on the roster"
    code, out, err = run(capsys, "--data-dir", str(d), "ledger", "export", "--out", str(tmp_path / "x.csv"))
    assert code == 1 and ".xlsx" in err
    allow = tmp_path / "补贴.xlsx"
    code, out, err = run(capsys, "--data-dir", str(d), "allowances", "--from", "2021-01", "--to", "2021-12",
                         "--out", str(allow), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["total"] == "2600.00" and data["total_shares"] == {"district": "910.00", "new_city": "1690.00"}
    people = {p["name"]: (p["months"], p["amount"]) for p in data["people"]}
    assert people == {"周建华": (12, "1200.00"), "李秀英": (7, "1400.00")}
    total_row = sheet_rows(load_workbook(allow)["个人汇总"])[-1]
    assert total_row["序号"] == "合计" and float(total_row["补贴合计（元）"]) == 2600.0
    code, out, err = run(capsys, "--data-dir", str(d), "allowance-settings", "--director-monthly", "300",
                         "--payers", "县:50,镇:50", "--json")
    assert code == 0, err
    settings = json.loads(out)
    assert settings["director_monthly"] == "300" and [p["weight"] for p in settings["payers"]] == ["50", "50"]
    code, out, err = run(capsys, "--data-dir", str(d), "allowances", "--from", "2021-01", "--to", "2021-12", "--json")
    assert json.loads(out)["total_shares"] == {"payer1": "1650.00", "payer2": "1650.00"}  # 1200 + 7 x 300
    code, out, err = run(capsys, "--data-dir", str(d), "allowance-settings", "--payers", "新区:0")
    assert code == 1 and "名称:比例" in err
    code, out, err = run(capsys, "--data-dir", str(d), "allowance-settings", "--reset", "--json")
    assert json.loads(out)["director_monthly"] == "200"
    code, out, err = run(capsys, "--data-dir", str(d), "allowances", "--from", "2021-13", "--to", "2021-12")
    assert code == 1 and "年-月" in err and "Traceback" not in err
    code, out, err = run(capsys, "--data-dir", str(d), "overview", "--json")
    assert code == 0, err
    o = json.loads(out)
    assert o["totals"]["children"] == 38 and len(o["villages"]) == 2
    assert sum(v["children"] for v in o["villages"]) == 38
    assert o["directors"][0]["name"] == "李秀英"
    code, out, err = run(capsys, "--data-dir", str(d), "--lang", "en", "overview")
    assert code == 0 and "open files" in out

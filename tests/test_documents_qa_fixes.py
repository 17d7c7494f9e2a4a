"""Printed forms tell the truth of the register (QA defects): the entrustment confirmation ticks
only the reason the parents' situation gives (none when it gives none); the roster prints the
guardian's phone and the child's address; 重点儿童 是/否 agrees with the categories printed
beside it; printing a mandatory report is recorded in the access audit; an ``--out`` that is a
folder is refused in one line, with nothing written or recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from carebook.model.idnumber import id_number_check_character
from carebook.model.register import Register
from carebook.model.services.reports import create_report
from cli_helpers import cli_env, init_village, run
from documents_helpers import needs_fonts, pdftotext_pages

pytestmark = needs_fonts

PASSPHRASE = "form-qa-passphrase"
REASONS = ("父母双方外出务工", "一方外出务工、另一方无监护能力", "父母双方均无监护能力")


def _id(body17: str) -> str:
    return body17 + id_number_check_character(body17)


HOME_CHILD = _id("61040220150618031")  # both parents at home
AWAY_CHILD = _id("61040220160911042")  # both parents working away, no current address


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    cli_env(monkeypatch, PASSPHRASE)


@pytest.fixture()
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = init_village(capsys, tmp_path / "village")
    reg = Register.open(d)
    try:
        reg.register_child({
            "name": "曹小满", "id_number": HOME_CHILD, "registration_type": "农业",
            "current_address": "东湾村3组", "registered_address": "东湾村1组",
            "father.name": "曹建国", "father.status": "在家",
            "mother.name": "刘秀英", "mother.status": "在家",
        })
        reg.register_child({
            "name": "马小禾", "id_number": AWAY_CHILD, "registration_type": "农业",
            "registered_address": "西湾村5组",
            "father.name": "马建军", "father.status": "外出务工", "father.work_place": "广东省东莞市",
            "mother.name": "赵春梅", "mother.status": "外出务工", "mother.work_place": "浙江省宁波市",
            "guardian.name": "马大爷", "guardian.relation": "祖父", "guardian.phone": "13700000003",
        })
    finally:
        reg.close()
    return d


def _ticked(text: str) -> list[str]:
    flat = text.replace("\n", "").replace(" ", "")
    assert all(r in flat for r in REASONS), flat
    return [r for r in REASONS if f"☑{r}" in flat]


def test_entrustment_ticks_the_reason_the_facts_give(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(village)
    reg = Register.open(village)
    try:
        reg.update_child(HOME_CHILD, {"guardian.name": "曹大伯", "guardian.relation": "伯父"})
    finally:
        reg.close()
    out = tmp_path / "d.pdf"
    # both parents at home: no reason is true, so no confirmation is drafted (and none is stored)
    code, _o, err = run(capsys, "--data-dir", d, "form", "entrustment", "--child", HOME_CHILD, "--draft",
                        "--out", str(out))
    assert code == 1 and "不构成委托监护的事由" in err and "Traceback" not in err
    assert not out.exists()

    # the facts change: the father leaves to work, the mother falls seriously ill
    reg = Register.open(village)
    try:
        reg.update_child(HOME_CHILD, {"father.status": "外出务工", "mother.status": "重病"})
        assert reg.entrustment_rows(reg.child_detail(HOME_CHILD).id) == []
    finally:
        reg.close()
    code, _o, err = run(capsys, "--data-dir", d, "form", "entrustment", "--child", HOME_CHILD, "--draft",
                        "--out", str(out))
    assert code == 0, err
    assert _ticked(pdftotext_pages(out.read_bytes(), tmp_path)[0]) == ["一方外出务工、另一方无监护能力"]

    # both come home later: the printed confirmation is not printed again under its number with
    # other facts (two different papers, one number), and no new one can be drafted (no reason)
    reg = Register.open(village)
    try:
        reg.update_child(HOME_CHILD, {"father.status": "在家", "mother.status": "在家"})
    finally:
        reg.close()
    again = tmp_path / "again.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "entrustment", "--child", HOME_CHILD, "--out", str(again))
    assert code == 1 and not again.exists() and "还没有登记签字" in err and "父亲" in err
    code, _o, err = run(capsys, "--data-dir", d, "form", "entrustment", "--child", HOME_CHILD, "--draft",
                        "--replace", "--out", str(again))
    assert code == 1 and not again.exists() and "不构成委托监护的事由" in err
    page = pdftotext_pages(out.read_bytes(), tmp_path)[0]  # the paper printed while the facts held
    assert "□父母双方均无监护能力" in page.replace("\n", "").replace(" ", "")

    code, _o, err = run(capsys, "--data-dir", d, "form", "entrustment", "--child", AWAY_CHILD, "--draft",
                        "--out", str(out))
    assert code == 0, err
    assert _ticked(pdftotext_pages(out.read_bytes(), tmp_path)[0]) == ["父母双方外出务工"]


def _roster(capsys: pytest.CaptureFixture[str], village: Path, code: str, tmp_path: Path) -> tuple[int, Path, str]:
    """``form roster --village CODE`` into ``tmp_path/roster.pdf``: (exit code, the PDF's path, stderr)."""
    out = tmp_path / "roster.pdf"
    status, _o, err = run(capsys, "--data-dir", str(village), "form", "roster", "--village", code, "--out", str(out))
    return status, out, err


def test_roster_prints_guardian_phone_and_address(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _roster(capsys, village, "610402100200", tmp_path)
    assert code == 0, err
    text = pdftotext_pages(out.read_bytes(), tmp_path)[0]
    assert "13700000003" in text  # 马小禾's guardian
    assert "东湾村3组" in text and "东湾村1组" not in text  # current address first
    assert "西湾村5组" in text  # no current address: the registered one


def test_key_child_boxes_agree_with_the_categories(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(village)
    reg = Register.open(village)
    try:
        reg.update_child(AWAY_CHILD, {"schooling_stage": "辍学"})  # dropped out: a key child by the facts
        visit = reg.record_visit(AWAY_CHILD, {
            "visit_date": dt.date.today() - dt.timedelta(days=1), "method": "home", "visitor_name": "刘芳",
        }).record_id
        assert visit is not None
    finally:
        reg.close()
    code, shown, err = run(capsys, "--data-dir", d, "children", "show", AWAY_CHILD, "--json")
    assert code == 0, err
    child = json.loads(shown)
    assert "key_child" in child["categories"] and child["fields"]["key_child"] is False

    cf = tmp_path / "cf.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "child-file", "--child", AWAY_CHILD, "--out", str(cf))
    assert code == 0, err
    text = "".join(pdftotext_pages(cf.read_bytes(), tmp_path)).replace("\n", "").replace(" ", "")
    assert "重点儿童☑是□否" in text, text

    vs = tmp_path / "vs.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "visit-sheet", "--child", AWAY_CHILD, "--visit", visit,
                        "--out", str(vs))
    assert code == 0, err
    text = pdftotext_pages(vs.read_bytes(), tmp_path)[0].replace("\n", "").replace(" ", "")
    assert "列为重点儿童☑是" in text and "☑否" not in text and "□否" in text, text

    # not a key child: 否 on both
    code, _o, err = run(capsys, "--data-dir", d, "form", "child-file", "--child", HOME_CHILD, "--out", str(cf))
    assert code == 0, err
    text = "".join(pdftotext_pages(cf.read_bytes(), tmp_path)).replace("\n", "").replace(" ", "")
    assert "重点儿童□是☑否" in text


def test_printing_a_report_is_audited(village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(village)
    code, out, err = run(capsys, "--data-dir", d, "audit")
    assert code == 0 and out.strip() == "没有记录", (out, err)
    code, out, _e = run(capsys, "--data-dir", d, "audit", "--json")
    assert code == 0 and json.loads(out) == []

    reg = Register.open(village)
    try:
        report = reg.write(create_report, AWAY_CHILD, {
            "situations": ["abuse_injuries"], "reporter_name": "钱报告", "police_station": "幸福派出所",
        }).record_id
    finally:
        reg.close()
    assert report is not None
    rp = tmp_path / "rp.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "report", "--report", report, "--out", str(rp))
    assert code == 0, err
    assert "钱报告" in "".join(pdftotext_pages(rp.read_bytes(), tmp_path))
    code, out, _e = run(capsys, "--data-dir", d, "audit", "--json")
    [event] = json.loads(out)
    assert (event["action"], event["entity"], event["record_id"]) == ("open_report", "mandatory_report", report)
    code, out, _e = run(capsys, "--data-dir", d, "audit")
    assert "open_report" in out and report in out and "没有记录" not in out

    # an unknown report prints nothing and records nothing
    code, _o, err = run(capsys, "--data-dir", d, "form", "report", "--report", "no-such-report",
                        "--out", str(tmp_path / "x.pdf"))
    assert code == 1 and not (tmp_path / "x.pdf").exists()
    code, out, _e = run(capsys, "--data-dir", d, "audit", "--json")
    assert len(json.loads(out)) == 1


def test_out_folder_is_refused_in_one_line(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(village)
    folder = tmp_path / "qa-out"
    folder.mkdir()
    reg = Register.open(village)
    try:
        report = reg.write(create_report, AWAY_CHILD, {"situations": ["abuse_injuries"]}).record_id
    finally:
        reg.close()
    assert report is not None
    commands = [
        ("form", "roster", "--out", str(folder)),
        ("form", "entrustment", "--child", AWAY_CHILD, "--draft", "--out", str(folder)),
        ("form", "report", "--report", report, "--out", str(folder)),
        ("history", AWAY_CHILD, "--pdf", str(folder)),
    ]
    for args in commands:
        code, _o, err = run(capsys, "--data-dir", d, *args)
        assert code == 1, args
        lines = err.strip().splitlines()
        assert len(lines) == 1 and f"{folder} 是一个文件夹：请给出文件名" in lines[0], err
        assert "Traceback" not in err
        assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".carebook-*")), args
    reg = Register.open(village)
    try:
        assert reg.entrustment_rows() == []  # no draft recorded
    finally:
        reg.close()
    code, out, _e = run(capsys, "--data-dir", d, "audit", "--json")
    assert json.loads(out) == []  # the report was not read


def _long(marker: str, n: int) -> str:
    """``n`` characters of Chinese text with ``marker`` + a running number every sentence, so
    every piece can be found again in the extracted text."""
    out, i = "", 0
    while len(out) < n:
        out += f"{marker}{i:03d}每月入户走访一次，联系学校老师了解学习情况，协调镇卫生院做健康检查。"
        i += 1
    return out[:n]


def _body_text(pages: list[str]) -> str:
    """The pages' text without each page's header line and footer, without line breaks and
    spaces: a sentence broken by a page break reads whole again."""
    body = ["\n".join(p.split("文书编号")[0].splitlines()[1:]) for p in pages]
    return "".join(body).replace("\n", "").replace(" ", "")


def test_long_texts_run_over_pages_whole_and_readable(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: a service plan of 2,600 characters (4,000 are allowed) failed the child file with a
    reportlab LayoutError traceback; a visit with long findings was shrunk onto one unreadable
    page; a visit without a time printed 00:00. Now long texts run over pages at full size, every
    sentence printed once, and a visit's time is printed only when recorded."""
    reg = Register.open(village)
    try:
        reg.update_child(AWAY_CHILD, {"service_plan": _long("计划", 3900)})
        child_id = reg.child_detail(AWAY_CHILD).id
        short = reg.record_visit(child_id, {"visit_date": dt.date.today(), "visitor_name": "李秀英"})
        long_visit = reg.record_visit(child_id, {
            "visit_date": dt.date.today(), "visit_time": "14:30", "visitor_name": "李秀英",
            "living_conditions": _long("居住", 3900), "actions": _long("措施", 2000)})
    finally:
        reg.close()
    base = ["--data-dir", str(village), "form"]
    out = tmp_path / "file.pdf"
    code, _o, err = run(capsys, *base, "child-file", "--child", AWAY_CHILD, "--out", str(out))
    assert code == 0 and "Traceback" not in err, err
    text = _body_text(pdftotext_pages(out.read_bytes(), tmp_path))
    sentences = _long("计划", 3900).count("计划")
    assert sentences >= 90 and all(f"计划{m:03d}" in text for m in range(sentences))
    sheet = tmp_path / "sheet.pdf"
    code, _o, err = run(capsys, *base, "visit-sheet", "--child", AWAY_CHILD, "--visit", str(long_visit.record_id),
                        "--out", str(sheet))
    assert code == 0, err
    pages = pdftotext_pages(sheet.read_bytes(), tmp_path)
    assert len(pages) >= 3  # full size over several pages, not shrunk onto one
    flat = _body_text(pages)
    assert all(f"居住{m:03d}" in flat for m in range(sentences)) and "措施050" in flat
    assert "14:30" in flat
    code, _o, err = run(capsys, *base, "visit-sheet", "--child", AWAY_CHILD, "--visit", str(short.record_id),
                        "--out", str(sheet))
    assert code == 0, err
    one = pdftotext_pages(sheet.read_bytes(), tmp_path)
    assert len(one) == 1 and "00:00" not in one[0]


def test_roster_of_an_unknown_village_is_refused(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: ``form roster --village 610402100299`` (no such village) wrote an empty roster, exit 0."""
    code, out, err = _roster(capsys, village, "610402100299", tmp_path)
    assert code == 1 and not out.exists() and "610402100299" in err and "村代码" in err


def test_child_file_sections_are_numbered_without_gaps(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: with no grandparents recorded the sections went 一、二、四…: the numbers now follow the
    sections printed."""
    out = tmp_path / "file.pdf"
    code, _o, err = run(capsys, "--data-dir", str(village), "form", "child-file", "--child", AWAY_CHILD,
                        "--out", str(out))
    assert code == 0, err
    text = _body_text(pdftotext_pages(out.read_bytes(), tmp_path))
    headings = ["一、基本信息", "二、父母情况", "三、监护情况", "四、家庭收入与救助帮扶", "五、关爱服务计划", "六、近期走访"]
    positions = [text.find(h) for h in headings]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), list(zip(headings, positions, strict=True))
    assert "祖父母" not in text

"""``carebook form …`` on a real encrypted register: the PDFs hold the register's data, the QR
code carries the confirmation's document number, printing marks a drafted confirmation printed,
and a failing form writes no file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from carebook.cli.main import main
from carebook.documents.form_data import parse_qr_payload
from carebook.documents.from_model import render_form
from carebook.model.errors import NotFoundError
from carebook.model.idnumber import id_number_check_character
from carebook.model.register import Register
from carebook.model.services.entrustments import renew_entrustment
from carebook.model.services.reports import create_report
from documents_helpers import decode_qr, needs_fonts, pdftotext_pages

pytestmark = needs_fonts

PASSPHRASE = "form-test-passphrase"


def _id(body17: str) -> str:
    return body17 + id_number_check_character(body17)


CHILD_ID = _id("61040220150618031")
FATHER_ID = _id("61040219860302011")
GUARDIAN_ID = _id("61040219580120042")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_DATA_DIR", raising=False)
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    monkeypatch.delenv("CAREBOOK_FONT", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    d = tmp_path / "village"
    code, _out, err = run(
        capsys,
        "--data-dir",
        str(d),
        "init",
        "--role",
        "village",
        "--org-code",
        "610402100200",
        "--org-name",
        "东湾村",
        "--parent-code",
        "610402100",
        "--parent-name",
        "幸福镇",
        "--json",
    )
    assert code == 0, err
    reg = Register.open(d)
    try:
        reg.register_child(
            {
                "name": "张𠀀",
                "id_number": CHILD_ID,
                "registration_type": "农业",
                "current_address": "东湾村3组18-2号",
                "father.name": "张建国",
                "father.status": "外出务工",
                "father.id_number": FATHER_ID,
                "father.phone": "13800000001",
                "father.work_place": "广东省东莞市",
                "mother.name": "李秀英",
                "mother.status": "外出务工",
                "mother.phone": "13900000002",
                "mother.work_place": "浙江省宁波市",
                "guardian.name": "王桂兰",
                "guardian.relation": "祖母",
                "guardian.id_number": GUARDIAN_ID,
                "guardian.phone": "13700000003",
                "guardian.address": "东湾村3组18号",
            }
        )
    finally:
        reg.close()
    return d


def test_entrustment_draft_print_and_mark_printed(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wt.pdf"
    d = str(village)
    code, _o, err = run(
        capsys, "--data-dir", d, "form", "entrustment", "--child", CHILD_ID, "--out", str(out)
    )
    assert code == 1 and "起草" in err and not out.exists()  # no confirmation yet

    code, stdout, err = run(
        capsys,
        "--data-dir",
        d,
        "form",
        "entrustment",
        "--child",
        CHILD_ID,
        "--draft",
        "--from",
        "2026-03-01",
        "--to",
        "2027-02-28",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert str(out) in stdout
    pdf = out.read_bytes()
    pages = pdftotext_pages(pdf, tmp_path)
    assert len(pages) == 3
    reg = Register.open(village)
    try:
        rows = reg.entrustment_rows()
    finally:
        reg.close()
    assert len(rows) == 1
    row = rows[0]
    assert row.status == "printed"
    text = pages[0]
    for needle in (
        "委托监护确认书",
        "张𠀀",
        CHILD_ID,
        "王桂兰",
        GUARDIAN_ID,
        "张建国",
        FATHER_ID,
        "13800000001",
        "广东省东莞市",
        "东湾村村民委员会",
        row.document_no,
        "2026年3月1日",
        "2027年2月28日",
    ):
        assert needle in text, needle
    payload = parse_qr_payload(decode_qr(pdf, tmp_path))
    assert payload["doc"] == row.document_no and payload["kind"] == "entrustment"
    assert payload["child"] == row.child_id

    # printing again by document number keeps one confirmation
    again = tmp_path / "again.pdf"
    code, _o, err = run(
        capsys, "--data-dir", d, "form", "entrustment", "--entrustment", row.document_no, "--out", str(again)
    )
    assert code == 0, err
    assert row.document_no in pdftotext_pages(again.read_bytes(), tmp_path)[2]

    # a renewed confirmation is not printed again; --child prints the renewal
    reg = Register.open(village)
    try:
        reg.write(renew_entrustment, row.document_no, today=dt.date(2027, 2, 1))
    finally:
        reg.close()
    old = tmp_path / "old.pdf"
    code, _o, err = run(
        capsys, "--data-dir", d, "form", "entrustment", "--entrustment", row.document_no, "--out", str(old)
    )
    assert code == 1 and "续签" in err and not old.exists()
    new = tmp_path / "new.pdf"
    code, _o, err = run(
        capsys, "--data-dir", d, "form", "entrustment", "--child", CHILD_ID, "--out", str(new)
    )
    assert code == 0, err
    text = pdftotext_pages(new.read_bytes(), tmp_path)[0]
    assert "2027年3月1日" in text and row.document_no not in text


def test_visit_sheet_blank_and_filled(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(village)
    blank = tmp_path / "blank.pdf"
    code, _o, err = run(
        capsys, "--data-dir", d, "form", "visit-sheet", "--child", CHILD_ID, "--out", str(blank)
    )
    assert code == 0, err
    text = pdftotext_pages(blank.read_bytes(), tmp_path)[0]
    assert "空白表" in text and "张𠀀" in text and CHILD_ID in text and "王桂兰" in text

    reg = Register.open(village)
    try:
        visit = reg.record_visit(
            CHILD_ID,
            {
                "visit_date": dt.date.today() - dt.timedelta(days=2),
                "visit_time": "15:30",
                "method": "home",
                "visitor_name": "刘芳",
                "interviewee_name": "王桂兰",
                "interviewee_relation": "祖母",
                "living_conditions": "住房安全，卫生尚可。",
                "guardianship_situation": "祖母照料，监护较好。",
            },
        )
    finally:
        reg.close()
    visit_id = visit.record_id
    assert visit_id is not None
    filled = tmp_path / "filled.pdf"
    code, _o, err = run(
        capsys,
        "--data-dir",
        d,
        "form",
        "visit-sheet",
        "--child",
        CHILD_ID,
        "--visit",
        visit_id,
        "--out",
        str(filled),
    )
    assert code == 0, err
    text = pdftotext_pages(filled.read_bytes(), tmp_path)[0].replace("\n", "")
    assert "住房安全，卫生尚可。" in text and "刘芳" in text and visit_id in text


def test_child_file_report_and_roster(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(village)
    cf = tmp_path / "cf.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "child-file", "--child", CHILD_ID, "--out", str(cf))
    assert code == 0, err
    text = "".join(pdftotext_pages(cf.read_bytes(), tmp_path))
    assert "一人一档案" in text and "张𠀀" in text and CHILD_ID in text and GUARDIAN_ID in text

    reg = Register.open(village)
    try:
        report = reg.write(
            create_report,
            CHILD_ID,
            {
                "situations": ["abuse_injuries"],
                "police_station": "幸福派出所",
                "case_number": "幸派〔2026〕12号",
                "description": "手臂多处淤青。",
            },
        )
    finally:
        reg.close()
    report_id = report.record_id
    assert report_id is not None
    rp = tmp_path / "rp.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "report", "--report", report_id, "--out", str(rp))
    assert code == 0, err
    text = "".join(pdftotext_pages(rp.read_bytes(), tmp_path)).replace("\n", "")
    assert "强制报告记录表" in text and "幸福派出所" in text and "☑未成年人身体存在多处损伤" in text

    reg = Register.open(village)
    try:
        pdf = render_form(reg, "visit_sheet", CHILD_ID)
        with pytest.raises(NotFoundError):
            render_form(reg, "entrustment", CHILD_ID)  # none drafted yet
    finally:
        reg.close()
    assert "张𠀀" in pdftotext_pages(pdf, tmp_path)[0]

    ros = tmp_path / "roster.pdf"
    code, _o, err = run(capsys, "--data-dir", d, "form", "roster", "--out", str(ros))
    assert code == 0, err
    text = pdftotext_pages(ros.read_bytes(), tmp_path)[0]
    assert "花名册" in text and "张𠀀" in text and CHILD_ID in text


def test_unknown_child_and_bad_font_write_nothing(
    village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(village)
    out = tmp_path / "x.pdf"
    code, _o, err = run(
        capsys, "--data-dir", d, "form", "child-file", "--child", _id("11010120100101001"), "--out", str(out)
    )
    assert code == 1 and "找不到" in err and "Traceback" not in err and not out.exists()
    otf = tmp_path / "fake.otf"
    otf.write_bytes(b"OTTO" + b"\0" * 8)
    code, _o, err = run(
        capsys,
        "--data-dir",
        d,
        "form",
        "child-file",
        "--child",
        CHILD_ID,
        "--font",
        str(otf),
        "--out",
        str(out),
    )
    assert code == 1 and "TrueType" in err and not out.exists()


def test_usage_error_without_child_or_entrustment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--data-dir", str(tmp_path), "form", "entrustment", "--out", "x.pdf"])
    assert info.value.code == 2
    capsys.readouterr()


def test_json_payload_is_utf8_json() -> None:
    from carebook.documents.samples import sample_entrustment

    raw = sample_entrustment().ref.qr_payload()
    assert json.loads(raw.decode("utf-8"))["app"] == "carebook"

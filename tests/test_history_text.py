"""The history of a child's file reads in Chinese: the printed history (parsed back with
pdftotext) and ``carebook history`` show field labels, enumeration labels, dates as
2026年5月31日 and family members by relation and name, never the change log's raw column names
and codes; ``--json`` keeps the raw values; the confidential reporter of a mandatory report
never prints."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from carebook.documents import change_text
from carebook.model.enums import ReportSituation
from carebook.model.register import Register
from carebook.model.services.reports import create_report, update_report
from model_helpers import both_away, child_values

SITUATION = next(iter(ReportSituation))


def _file_with_changes(register: Register, today: dt.date) -> tuple[str, dict[str, object]]:
    values = child_values("韩小禾", dt.date(2015, 5, 31), male=False, seq=47, **both_away(today))
    child = register.register_child(values).record_id
    assert child is not None
    register.update_child(child, {"risk_colour": "red", "key_child": True, "income_sources": ["wages_away"],
                                  "father.status": "at_home", "father.phone": "13800000007"})
    report = register.write(create_report, child, {"situations": [SITUATION.code], "reporter_name": "钱保密"})
    assert report.record_id is not None
    register.write(update_report, report.record_id, {"reporter_name": "孙保密"})
    return child, values


def _pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


RAW = ("working_away", "at_home", "risk_colour", "key_child", "income_sources", "red", "status",
       "phone", SITUATION.code)


def test_printed_history_shows_labels_not_codes(register: Register, today: dt.date, tmp_path: Path) -> None:
    from carebook.documents.history_pdf import history_data, write_history

    child, _values = _file_with_changes(register, today)
    path = tmp_path / "history.pdf"
    write_history(history_data(register, child), path)
    text = _pdftotext(path)
    flat = "".join(text.split())  # table cells wrap: compare without spaces and line breaks
    for label in ("风险等级", "红色", "重点儿童", "家庭收入来源", "外出务工", "在家", "家庭成员（父亲张建国）",
                  "与儿童关系：父亲", "状况", "电话", "13800000007", "强制报告", "（保密）"):
        assert label in flat, label
    assert "出生日期：2015年5月31日" in flat
    for raw in RAW:
        assert raw not in text, raw
    assert "钱保密" not in flat and "孙保密" not in flat


def test_cli_history_text_reads_chinese_and_json_stays_raw(
        register: Register, today: dt.date, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from carebook.cli.main import main
    from model_helpers import PASSPHRASE

    _child, values = _file_with_changes(register, today)
    data_dir = register.data_dir
    register.close()
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "history", str(values["id_number"])]) == 0
    text = capsys.readouterr().out
    assert "风险等级：（空） → 红色" in text
    assert "家庭成员（父亲 张建国）  状况：外出务工 → 在家" in text
    assert "强制报告  报告人：（保密） → （保密）" in text
    for raw in RAW:
        assert raw not in text, raw
    assert "钱保密" not in text and "孙保密" not in text
    assert main(["--data-dir", str(data_dir), "history", str(values["id_number"]), "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert {"op": "update", "field": "status", "old": "working_away", "new": "at_home"}.items() <= \
        next(c for c in changes if c["field"] == "status" and c["entity"] == "family_member").items()
    assert any(c["field"] == "risk_colour" and c["new"] == "red" for c in changes)


def test_value_text_kinds() -> None:
    assert change_text.value_text("child", "risk_colour", "yellow") == "黄色"
    assert change_text.value_text("child", "risk_colour", "yellow", zh=False) == "yellow"
    assert change_text.value_text("family_member", "status", "working_away") == "外出务工"
    assert change_text.value_text("child", "key_child", False) == "否"
    assert change_text.value_text("child", "notes", None) == "（空）"
    assert change_text.value_text("child", "date_of_birth", "2026-05-31") == "2026年5月31日"
    assert change_text.value_text("assistance_record", "start_month", "2026-03") == "2026年3月"
    assert change_text.value_text("child", "ethnic_group", "01") == "汉族"
    assert change_text.value_text("child", "unknown_code_field", "abc") == "abc"
    assert change_text.value_text("child", "risk_colour", "no_such_code") == "no_such_code"
    assert change_text.value_text("entrustment", "parent_ids", ["m1", "m2"], names={"m1": "父亲 张建国"}) == \
        "父亲 张建国、m2"
    assert change_text.field_label("child", "risk_colour") == "风险等级"
    assert change_text.field_label("visit", "interviewee_name") == "受访人"
    assert change_text.field_label("entrustment", "signed_on") == "签订日期"
    assert change_text.field_label("child", "no_such_field") == "no_such_field"

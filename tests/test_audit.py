"""Audit: opening a mandatory report is logged (who, when, which installation) in the same
transaction, a report that does not exist logs nothing, and the log is local (not synced)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from carebook.model.audit import audit_events, open_report
from carebook.model.enums import ReportSituation
from carebook.model.errors import NotFoundError
from carebook.model.register import Register
from carebook.model.schema import TRACKED
from carebook.model.services.reports import create_report
from model_helpers import child_values

SITUATION = next(iter(ReportSituation)).code


def test_opening_a_report_is_logged(register: Register, today: dt.date) -> None:
    child = register.register_child(child_values("赵小雨", dt.date(2014, 6, 1), male=False, seq=41)).record_id
    report_id = register.write(create_report, child, {"situations": [SITUATION], "reporter_name": "钱报告"}).record_id
    assert register.read(audit_events) == []
    before = register.change_count()
    opened = register.write(open_report, report_id)
    assert opened["reporter_name"] == "钱报告" and opened["id"] == report_id
    [event] = register.read(audit_events, record_id=report_id)
    installation = register.installation()
    assert installation is not None
    assert (event.action, event.entity, event.installation_id) == ("open_report", "mandatory_report", installation.id)
    assert event.actor == "李秀英"  # the actor recorded for changes
    assert abs((dt.datetime.now(dt.UTC) - event.at_utc).total_seconds()) < 3600
    assert register.change_count() == before  # reading changes no record: nothing to sync
    register.write(open_report, report_id, actor="孙督导")
    assert [e.actor for e in register.read(audit_events, entity="mandatory_report")] == ["李秀英", "孙督导"]
    assert "audit_event" not in TRACKED


def test_missing_report_logs_nothing(register: Register) -> None:
    with pytest.raises(NotFoundError):
        register.write(open_report, "00000000-0000-4000-8000-000000000000")
    assert register.read(audit_events) == []


def test_printed_history_lists_every_change(register: Register, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from carebook.documents.history_pdf import history_data, write_history

    child = register.register_child(child_values("孙小梅", dt.date(2013, 2, 3), male=False, seq=43)).record_id
    assert child is not None
    register.update_child(child, {"risk_colour": "red"})
    register.update_child(child, {"risk_colour": "yellow"})
    data = history_data(register, child)
    assert [e.op for e in data.entries].count("update") >= 2
    path = tmp_path / "history.pdf"
    write_history(data, path)
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "孙小梅 档案变更记录" in text and "新建" in text and "李秀英" in text and "东湾村" in text
    assert "红色" in text and "黄色" in text and f"共 {len(data.entries)} 条记录" in text
    assert "red" not in text and "risk_colour" not in text  # labels, not the change log's codes


def test_cli_history_and_audit(register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from carebook.cli.main import main
    from model_helpers import PASSPHRASE

    values = child_values("周小川", dt.date(2012, 8, 9), seq=45)
    child = register.register_child(values).record_id
    assert child is not None
    register.update_child(child, {"risk_colour": "red"})
    report_id = register.write(create_report, child, {"situations": [SITUATION]}).record_id
    register.write(open_report, report_id)
    data_dir = register.data_dir
    register.close()
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "history", values["id_number"], "--json",
                 "--pdf", str(tmp_path / "h.pdf")]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert any(c["op"] == "update" and c["field"] == "risk_colour" and c["new"] == "red" for c in changes)
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")
    # --pdf alone writes the PDF and says so in one line (the text listing is for the screen)
    assert main(["--data-dir", str(data_dir), "history", values["id_number"], "--pdf", str(tmp_path / "h2.pdf")]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "h2.pdf" in out and (tmp_path / "h2.pdf").read_bytes().startswith(b"%PDF")
    assert main(["--data-dir", str(data_dir), "audit", "--json"]) == 0
    [event] = json.loads(capsys.readouterr().out)
    assert event["record_id"] == report_id and event["action"] == "open_report"

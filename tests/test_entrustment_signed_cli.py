"""``carebook form entrustment-signed``: a printed confirmation becomes signed with its date and
signatories; the scan is stored encrypted, attached to the confirmation and the child, and reads
back byte for byte; bad input records nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from carebook.cli.main import main
from carebook.model import keys
from carebook.model.attachment_store import read_attachment
from carebook.model.attachments import Attachment
from carebook.model.entrustments import Entrustment
from carebook.model.register import Register
from entrustment_helpers import CHILD_ID, CHILD_NAME, GUARDIAN_NAME, add_printed_entrustment

PASSPHRASE = "signed-test-passphrase"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)


@pytest.fixture()
def village(tmp_path: Path) -> tuple[Path, str, str]:
    d = tmp_path / "village"
    assert main(["--data-dir", str(d), "init", "--role", "village", "--org-code", "610402100200", "--org-name",
                 "东湾村", "--parent-code", "610402100", "--parent-name", "幸福镇"]) == 0
    reg = Register.open(d)
    try:
        child_id, document_no = add_printed_entrustment(reg)
    finally:
        reg.close()
    return d, child_id, document_no


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def state(d: Path) -> tuple[str, int]:
    reg = Register.open(d)
    try:
        status = reg.read(lambda s: s.scalars(select(Entrustment.status)).one().code)
        count = reg.read(lambda s: int(s.scalar(select(func.count()).select_from(Attachment)) or 0))
        return status, count
    finally:
        reg.close()


def test_signed_with_scan(village: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d, child_id, document_no = village
    scan = tmp_path / "签字确认书.pdf"
    scan.write_bytes(f"%PDF-1.4\n{CHILD_NAME} {CHILD_ID} {GUARDIAN_NAME}\n".encode() * 30)
    code, out, err = cli(capsys, "--data-dir", str(d), "form", "entrustment-signed", document_no, "--date", "2026-11-20",
                         "--signatory", "欧阳建国", "--signatory", GUARDIAN_NAME, "--scan", str(scan), "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["status"] == "signed" and done["signed_on"] == "2026-11-20" and done["child_id"] == child_id
    assert done["signatories"] == ["欧阳建国", GUARDIAN_NAME]
    assert done["scan"]["sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert done["scan"]["media_type"] == "application/pdf" and done["scan"]["filename"] == "签字确认书.pdf"
    for path in (d / "attachments").rglob("*"):  # stored sealed
        assert not path.is_file() or CHILD_NAME.encode() not in path.read_bytes()
    reg = Register.open(d)
    try:
        ent_id, scan_id, signatories = reg.read(lambda s: s.execute(select(
            Entrustment.id, Entrustment.scan_attachment_id, Entrustment.signatories)).one())
        assert scan_id == done["scan"]["attachment_id"] and signatories == done["signatories"]
        content = reg.read(read_attachment, reg.attachments_dir(), scan_id)
        assert content.data == scan.read_bytes()
        owner = reg.read(lambda s: s.execute(select(Attachment.owner_entity, Attachment.owner_id, Attachment.child_id)
                                             .where(Attachment.id == scan_id)).one())
        assert tuple(owner) == ("entrustment", ent_id, child_id)
    finally:
        reg.close()
    code, out, _err = cli(capsys, "--data-dir", str(d), "form", "entrustment-signed", document_no, "--date",
                          "2026-11-21", "--signatory", GUARDIAN_NAME)
    assert code == 0 and "已登记签字" in out  # recorded again (text output), still one attachment
    assert state(d) == ("signed", 1)
    code, out, _err = cli(capsys, "--data-dir", str(d), "check")
    assert code == 0


def test_bad_input_records_nothing(village: tuple[Path, str, str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    d, _child_id, document_no = village
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"not a pdf at all")
    text_file = tmp_path / "scan.txt"
    text_file.write_text("hello")
    base = ["--data-dir", str(d), "form", "entrustment-signed"]
    cases = [
        ([document_no, "--date", "2026-11-20", "--signatory", "王", "--scan", str(fake)], "不是有效的 PDF"),
        ([document_no, "--date", "2026-11-20", "--signatory", "王", "--scan", str(text_file)], "不是 PDF、JPG 或 PNG"),
        ([document_no, "--date", "2026-11-20", "--signatory", "王", "--scan", str(tmp_path / "nope.png")], "无法读取文件 nope.png：找不到这个文件"),
        ([document_no, "--date", "2999-01-01", "--signatory", "王"], "签订日期"),
        ([document_no, "--date", "2026-11-20", "--signatory", " "], "签字人"),
        (["WT-NOPE", "--date", "2026-11-20", "--signatory", "王"], "找不到"),
    ]
    for args, words in cases:
        code, _out, err = cli(capsys, *base, *args)
        assert code == 1 and words in err and "Traceback" not in err, (args, err)
    assert state(d) == ("printed", 0)
    assert not [p for p in (d / "attachments").rglob("*") if p.is_file()]
    with pytest.raises(SystemExit) as usage:  # --date is required
        main([*base, document_no, "--signatory", "王"])
    assert usage.value.code == 2


def test_a_signed_confirmation_is_not_reprinted_with_other_contents(
    village: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: after signing, the guardian's name and the father's situation were edited and the
    same document number printed again with the new guardian and no 委托事由 ticked. A signed
    confirmation now prints what was signed or nothing; a new confirmation prints the new facts."""
    import pypdf

    d, child_id, document_no = village
    base = ["--data-dir", str(d)]
    code, _out, err = cli(capsys, *base, "form", "entrustment-signed", document_no, "--date", "2026-11-20",
                          "--signatory", "欧阳建国", "--signatory", GUARDIAN_NAME)
    assert code == 0, err
    first = tmp_path / "first.pdf"
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--entrustment", document_no, "--out", str(first))
    assert code == 0, err  # nothing changed since: the signed contents print again
    assert GUARDIAN_NAME in "".join(p.extract_text() for p in pypdf.PdfReader(first).pages)
    code, _out, err = cli(capsys, *base, "children", "update", child_id, "--set", "guardian.name=赵六",
                          "--set", "father.status=at_home")
    assert code == 0, err
    again = tmp_path / "again.pdf"
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--entrustment", document_no, "--out", str(again))
    assert code == 1 and not again.exists()
    assert document_no in err and "受委托监护人姓名" in err and "父亲" in err and "起草一份新的确认书" in err
    assert "Traceback" not in err
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--child", child_id, "--out", str(again))
    assert code == 1 and not again.exists()  # the child's latest confirmation is that one
    # --draft alone does not help (the child has a confirmation); --draft --replace drafts a new one
    # from the file as it is now — refused while no parent is away (no reason for an entrustment)
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--child", child_id, "--draft", "--out", str(again))
    assert code == 1 and not again.exists()
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--child", child_id, "--draft", "--replace",
                          "--out", str(again))
    assert code == 1 and not again.exists() and "委托监护的事由" in err
    assert state(d)[0] == "signed"  # nothing changed
    code, _out, err = cli(capsys, *base, "children", "update", child_id, "--set", "father.status=working_away")
    assert code == 0, err
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--child", child_id, "--draft", "--replace",
                          "--out", str(again))
    assert code == 0, err
    text = "".join(p.extract_text() for p in pypdf.PdfReader(again).pages)
    assert "赵六" in text and document_no not in text
    reg = Register.open(d)
    try:
        rows = reg.read(lambda s: s.execute(select(Entrustment.document_no, Entrustment.status, Entrustment.renews_id,
                                                   Entrustment.id)).all())
    finally:
        reg.close()
    old = next(r for r in rows if r.document_no == document_no)
    new = next(r for r in rows if r.document_no != document_no)
    assert old.status.code == "renewed" and new.renews_id == old.id and new.status.code == "printed"
    # the lists name each confirmation's guardian as printed on it (QA: both said 赵六)
    reg = Register.open(d)
    try:
        listed = {r.document_no: r.guardian_name for r in reg.entrustment_rows(child_id)}
    finally:
        reg.close()
    assert listed == {document_no: GUARDIAN_NAME, new.document_no: "赵六"}


def test_an_expired_confirmation_is_not_reprinted_but_renewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: a confirmation whose period had ended was printed again under its number, no renewal
    offered. Now it is refused with the date it ended; --draft --replace drafts the renewal."""
    import datetime as dt

    from carebook.model.services.entrustments import (
        cancel_entrustment,
        draft_entrustment,
        mark_printed,
        mark_signed,
    )

    d = tmp_path / "village"
    assert main(["--data-dir", str(d), "init", "--role", "village", "--org-code", "610402100200", "--org-name",
                 "东湾村", "--parent-code", "610402100", "--parent-name", "幸福镇"]) == 0
    today = dt.date.today()
    reg = Register.open(d)
    try:
        child_id, first = add_printed_entrustment(reg)
        reg.write(cancel_entrustment, first)  # only the old, signed one below stays
        old = reg.write(draft_entrustment, child_id, period_from=today - dt.timedelta(days=400),
                        period_to=today - dt.timedelta(days=36), today=today)
        reg.write(mark_printed, str(old.record_id), printed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=399))
        reg.write(mark_signed, str(old.record_id), signed_on=today - dt.timedelta(days=398),
                  signatories=["欧阳建国", GUARDIAN_NAME], today=today)
        document_no = reg.read(lambda s: s.get(Entrustment, old.record_id).document_no)
    finally:
        reg.close()
    out = tmp_path / "old.pdf"
    code, _out, err = cli(capsys, "--data-dir", str(d), "form", "entrustment", "--child", child_id, "--out", str(out))
    assert code == 1 and not out.exists() and document_no in err and "到期" in err
    code, _out, err = cli(capsys, "--data-dir", str(d), "form", "entrustment", "--child", child_id, "--draft",
                          "--replace", "--out", str(out))
    assert code == 0, err
    reg = Register.open(d)
    try:
        statuses = reg.read(lambda s: {e.document_no: e.status.code for e in s.scalars(select(Entrustment))})
    finally:
        reg.close()
    assert statuses[document_no] == "renewed" and sorted(statuses.values()).count("printed") == 1


def test_a_replace_that_cannot_write_its_pdf_changes_nothing(
    village: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA: ``--draft --replace --out /nonexistent/x.pdf`` failed to write the PDF but had already
    renewed the printed confirmation and drafted a new one (each retry one more). Drafting,
    writing and marking printed are now one transaction. And signatures for a renewed confirmation
    are refused as such (it said "print it first")."""
    d, child_id, document_no = village
    base = ["--data-dir", str(d)]

    def confirmations() -> dict[str, str]:
        reg = Register.open(d)
        try:
            return reg.read(lambda s: {e.document_no: e.status.code for e in s.scalars(select(Entrustment))})
        finally:
            reg.close()

    before = confirmations()
    assert before == {document_no: "printed"}
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--child", child_id, "--draft", "--replace",
                          "--out", str(tmp_path / "missing-folder" / "x.pdf"))
    assert code == 1 and "Traceback" not in err
    assert confirmations() == before
    code, _out, err = cli(capsys, *base, "form", "entrustment", "--child", child_id, "--draft", "--replace",
                          "--out", str(tmp_path / "new.pdf"))
    assert code == 0, err
    after = confirmations()
    assert after[document_no] == "renewed" and sorted(after.values()) == ["printed", "renewed"]
    code, _out, err = cli(capsys, *base, "form", "entrustment-signed", document_no, "--date",
                          dt.date.today().isoformat(), "--signatory", GUARDIAN_NAME)
    assert code == 1 and f"{document_no} 已续签，不能再登记签字" in err and "请先打印" not in err

"""Allowance ledger (岗位补贴): the seed's rule (陕西咸人社民发〔2020〕56号) on hand-computed cases,
the settings, the register path through the staff services, and the .xlsx read back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from carebook.documents.allowance_xlsx import HEADING_ROW, SHEETS, write_allowance_xlsx
from carebook.model.allowances import (
    AllowanceSettings,
    Payer,
    PersonTotal,
    StaffPeriod,
    allowance_ledger,
    compute_allowances,
    load_allowance_settings,
    paid_months,
    parse_month,
    save_allowance_settings,
    split_amount,
)
from carebook.model.enums import OrgLevel, StaffRole
from carebook.model.errors import ValidationError
from carebook.model.installation import add_org_unit
from carebook.model.register import Register
from carebook.model.services.staff import add_staff, end_staff
from model_helpers import TOWNSHIP_CODE, VILLAGE_CODE, id_for

D = Decimal
DIRECTOR, SUPERVISOR = StaffRole.CHILD_DIRECTOR, StaffRole.CHILD_SUPERVISOR
Y2020 = ((2020, 1), (2020, 12))
Y2021 = ((2021, 1), (2021, 12))


def period(name: str, role: StaffRole, start: str, end: str | None = None) -> StaffPeriod:
    return StaffPeriod(name, name, role, dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None)


def person(people: list[PersonTotal], name: str) -> PersonTotal:
    return next(p for p in people if p.name == name)


def test_appointed_before_2020_is_paid_from_january_2020() -> None:
    ledger = compute_allowances([period("督导甲", SUPERVISOR, "2018-05-10"),
                                 period("主任甲", DIRECTOR, "2016-09-01")], (2019, 7), (2020, 12))
    sup = person(ledger.people, "督导甲")
    assert (sup.first_month, sup.last_month, sup.months) == ("2020-01", "2020-12", 12)
    assert sup.amount == D("1200.00") and sup.shares == (D("420.00"), D("780.00"))
    director = person(ledger.people, "主任甲")
    assert director.amount == D("2400.00") and director.shares == (D("840.00"), D("1560.00"))
    # 2019 months are in the period but nobody is paid for them.
    assert [m.month for m in ledger.months][:2] == ["2019-07", "2019-08"]
    assert ledger.months[0].people == 0 and ledger.months[0].amount == 0
    assert ledger.total == D("3600.00") and ledger.total_shares == (D("1260.00"), D("2340.00"))


def test_appointed_mid_month_is_paid_for_that_whole_month() -> None:
    ledger = compute_allowances([period("主任乙", DIRECTOR, "2020-03-17")], *Y2020)
    p = ledger.people[0]
    assert (p.first_month, p.months, p.amount, p.shares) == ("2020-03", 10, D("2000.00"), (D("700.00"), D("1300.00")))
    # The other start rule: paid from the next month unless appointed on the 1st.
    following = AllowanceSettings(start_rule="following_month")
    p = compute_allowances([period("主任乙", DIRECTOR, "2020-03-17")], *Y2020, following).people[0]
    assert (p.first_month, p.months, p.amount) == ("2020-04", 9, D("1800.00"))
    p = compute_allowances([period("主任丙", DIRECTOR, "2020-03-01")], *Y2020, following).people[0]
    assert (p.first_month, p.months) == ("2020-03", 10)


def test_replaced_mid_year_both_paid_for_the_handover_month() -> None:
    staff = [period("老主任", DIRECTOR, "2019-06-01", "2021-06-15"), period("新主任", DIRECTOR, "2021-06-16")]
    ledger = compute_allowances(staff, *Y2021)
    old, new = person(ledger.people, "老主任"), person(ledger.people, "新主任")
    assert (old.first_month, old.last_month, old.months, old.amount) == ("2021-01", "2021-06", 6, D("1200.00"))
    assert old.shares == (D("420.00"), D("780.00"))
    assert (new.first_month, new.last_month, new.months, new.amount) == ("2021-06", "2021-12", 7, D("1400.00"))
    assert new.shares == (D("490.00"), D("910.00"))
    june = next(m for m in ledger.months if m.month == "2021-06")
    assert (june.people, june.amount, june.shares) == (2, D("400.00"), (D("140.00"), D("260.00")))
    assert ledger.total == D("2600.00")
    # Not paying the month of leaving (unless the last day in office is the month's last day).
    strict = AllowanceSettings(pay_end_month=False)
    old = person(compute_allowances(staff, *Y2021, strict).people, "老主任")
    assert (old.last_month, old.months, old.amount) == ("2021-05", 5, D("1000.00"))


def test_ended_terms() -> None:
    staff = [period("督导乙", SUPERVISOR, "2020-02-01", "2020-09-30"),
             period("早离任", DIRECTOR, "2017-01-01", "2019-11-30")]
    ledger = compute_allowances(staff, *Y2020)
    sup = person(ledger.people, "督导乙")
    assert (sup.first_month, sup.last_month, sup.months, sup.amount) == ("2020-02", "2020-09", 8, D("800.00"))
    assert sup.shares == (D("280.00"), D("520.00"))
    gone = person(ledger.people, "早离任")
    assert (gone.months, gone.amount, gone.first_month) == (0, D(0), None)
    strict = AllowanceSettings(pay_end_month=False)  # ended on the last day of September: still paid
    assert person(compute_allowances(staff, *Y2020, strict).people, "督导乙").months == 8
    assert ledger.lines and all(line.amount == D("100.00") for line in ledger.lines)
    assert len(ledger.lines) == 8


def test_settings_amounts_shares_and_rounding() -> None:
    settings = AllowanceSettings(supervisor_monthly=D("150"), director_monthly=D("100"),
                                 payers=(Payer("a", "县", "county", D(1)), Payer("b", "镇", "township", D(2))))
    assert split_amount(D("100.00"), settings.payers) == (D("33.33"), D("66.67"))
    ledger = compute_allowances([period("主任丁", DIRECTOR, "2021-01-05", "2021-03-02")], *Y2021, settings)
    p = ledger.people[0]
    assert (p.months, p.amount, p.shares) == (3, D("300.00"), (D("99.99"), D("200.01")))
    assert sum(p.shares) == p.amount
    assert paid_months(dt.date(2020, 1, 31), None, AllowanceSettings(), (2020, 1), (2020, 2)) == [(2020, 1), (2020, 2)]
    with pytest.raises(ValidationError) as err:
        AllowanceSettings(director_monthly=D(-1), payers=(), start_rule="x").validate()
    assert {e.field for e in err.value.errors} == {"director_monthly", "payers", "start_rule"}
    with pytest.raises(ValidationError):
        compute_allowances([], (2021, 5), (2021, 4))


def test_month_parsing() -> None:
    for text in ("2021-03", "2021-3", "2021.03", "202103", "2021年3月", " 2021/03 "):
        assert parse_month(text) == (2021, 3)
    for bad in ("2021-13", "2021", "21-03", "", "March"):
        with pytest.raises(ValidationError) as err:
            parse_month(bad, "from")
        assert err.value.field == "from" and "年-月" in err.value.message_zh


def test_ledger_from_the_register_with_stored_settings(register: Register, today: dt.date) -> None:
    def setup(session: Session) -> None:
        add_org_unit(session, level=OrgLevel.VILLAGE, code="610402100202", name="西湾村", parent_code=TOWNSHIP_CODE)
        add_staff(session, {"role": "督导员", "name": "周建华", "id_number": id_for(dt.date(1980, 4, 2)),
                            "unit": TOWNSHIP_CODE, "appointed_on": "2019-03-01"}, today=today)
        add_staff(session, {"role": "儿童主任", "name": "李秀英", "id_number": id_for(dt.date(1985, 6, 1), male=False),
                            "unit": VILLAGE_CODE, "appointed_on": "2019-08-20"}, today=today)
        add_staff(session, {"role": "director", "name": "王芳", "id_number": id_for(dt.date(1990, 1, 9), male=False),
                            "unit": VILLAGE_CODE, "appointed_on": "2021-07-10"}, today=today, replace=True)
        add_staff(session, {"role": "director", "name": "赵敏", "unit": "610402100202",
                            "appointed_on": "2020-05-31"}, today=today)
        end_staff(session, "赵敏", ended_on="2021-02-01", today=today)
    register.write(setup)
    ledger = register.read(allowance_ledger, "2021-01", "2021-12")
    got = {p.name: (p.months, p.amount, p.shares) for p in ledger.people}
    assert got == {
        "周建华": (12, D("1200.00"), (D("420.00"), D("780.00"))),
        "李秀英": (7, D("1400.00"), (D("490.00"), D("910.00"))),  # replaced: ended 2021-07-09
        "王芳": (6, D("1200.00"), (D("420.00"), D("780.00"))),
        "赵敏": (2, D("400.00"), (D("140.00"), D("260.00"))),
    }
    assert next(p.name for p in ledger.people) == "周建华"  # supervisors first
    # Stored settings change the amounts; they are local (not synced) and validated.
    register.write(lambda s: save_allowance_settings(s, AllowanceSettings(director_monthly=D("300"))))
    assert register.read(load_allowance_settings).director_monthly == D("300")
    ledger = register.read(allowance_ledger, "2021-01", "2021-12")
    assert {p.name: p.amount for p in ledger.people}["王芳"] == D("1800.00")
    with pytest.raises(ValidationError):
        register.write(lambda s: save_allowance_settings(s, AllowanceSettings(start_rule="daily")))


def test_xlsx_read_back_matches_the_ledger(tmp_path: Path) -> None:
    staff = [period("老主任", DIRECTOR, "2019-06-01", "2021-06-15"), period("新主任", DIRECTOR, "2021-06-16"),
             period("督导甲", SUPERVISOR, "2018-05-10"), StaffPeriod("x", "无日期", DIRECTOR, None, None)]
    ledger = compute_allowances(staff, *Y2021)
    out = write_allowance_xlsx(ledger, tmp_path / "补贴.xlsx", unit_name="幸福镇")
    wb = load_workbook(out)
    assert wb.sheetnames == list(SHEETS)
    ws = wb["个人汇总"]
    head = [c.value for c in ws[HEADING_ROW]]
    assert head[:3] == ["序号", "姓名", "岗位"] and head[-2:] == ["新区承担（元）", "新城承担（元）"]
    rows = [r for r in ws.iter_rows(min_row=HEADING_ROW + 1, values_only=True)]
    people = {r[1]: r for r in rows[:-1]}
    assert set(people) == {"老主任", "新主任", "督导甲"}
    for p in ledger.people:
        r = people[p.name]
        assert r[2] == StaffRole(p.role).zh and r[9] == p.months
        assert [D(str(v)).quantize(D("0.01")) for v in r[10:14]] == [p.monthly_amount, p.amount, *p.shares]
    assert rows[-1][0] == "合计" and D(str(rows[-1][11])) == ledger.total == D("3800")
    assert [D(str(v)) for v in rows[-1][12:14]] == list(ledger.total_shares) == [D("1330"), D("2470")]
    months = list(wb["月度汇总"].iter_rows(min_row=HEADING_ROW + 1, values_only=True))
    assert len(months) == 13 and months[5][:3] == ("2021-06", 3, 500) and months[-1][0] == "合计"
    payers = list(wb["承担方汇总"].iter_rows(min_row=HEADING_ROW + 1, values_only=True))
    assert [(r[0], D(str(r[2]))) for r in payers] == [("新区", D("1330")), ("新城", D("2470")), ("合计", D("3800"))]
    detail = list(wb["明细"].iter_rows(min_row=HEADING_ROW + 1, values_only=True))
    assert len(detail) == len(ledger.lines) == 6 + 7 + 12
    assert sum(D(str(r[4])) for r in detail) == ledger.total
    notes = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "陕西咸人社民发〔2020〕56号" in notes and "无日期" in notes


# -- shares adding up to 100, plain numbers, the start rule in words (QA defect 3) ------------------


def test_shares_must_add_up_to_100_when_saved(register: Register) -> None:
    payers = (Payer("district", "新区", "district", D(35)), Payer("new_city", "新城", "new city", D(60)))
    with pytest.raises(ValidationError) as err:
        AllowanceSettings(payers=payers).validate()
    assert err.value.field == "payers"
    assert "合计应为100%" in err.value.message_zh and "95%" in err.value.message_zh
    before = register.read(load_allowance_settings)
    with pytest.raises(ValidationError, match="合计应为100%"):
        register.write(lambda s: save_allowance_settings(s, AllowanceSettings(payers=payers)))
    assert register.read(load_allowance_settings) == before
    good = (Payer("district", "新区", "district", D("35.5")), Payer("new_city", "新城", "new city", D("64.50")))
    register.write(lambda s: save_allowance_settings(s, AllowanceSettings(payers=good)))
    assert [p.weight for p in register.read(load_allowance_settings).payers] == [D("35.5"), D("64.5")]


def test_weights_stored_by_an_earlier_version_still_load(register: Register) -> None:
    """Settings saved before the 100 % rule (``新区:1,新城:2``) are read and split in proportion;
    saving other changes asks for shares adding up to 100."""
    from carebook.model import settings as settings_store

    old = {"payers": [{"code": "district", "zh": "新区", "en": "district", "weight": "1"},
                      {"code": "new_city", "zh": "新城", "en": "new city", "weight": "2"}]}
    register.write(lambda s: settings_store.set_value(s, "allowance_settings", old))
    loaded = register.read(load_allowance_settings)
    assert split_amount(D("300.00"), loaded.payers) == (D("100.00"), D("200.00"))
    import dataclasses

    with pytest.raises(ValidationError, match="合计应为100%"):
        register.write(lambda s: save_allowance_settings(s, dataclasses.replace(loaded, director_monthly=D(250))))


def test_plain_numbers_and_start_rule_labels() -> None:
    from carebook.model.allowances import plain_number, start_rule_label

    assert [plain_number(D(x)) for x in ("40", "4E+1", "35.50", "200.00", "0.00", "-0", "1E+2")] == \
        ["40", "40", "35.5", "200", "0", "0", "100"]
    settings = AllowanceSettings(director_monthly=D("2E+2"), payers=(
        Payer("district", "新区", "district", D("4E+1")), Payer("new_city", "新城", "new city", D("6E+1"))))
    assert '"weight": "40"' in settings.to_json() and '"director_monthly": "200"' in settings.to_json()
    assert start_rule_label("appointment_month")[0] == "从任职当月起算"
    assert start_rule_label("following_month")[0].startswith("从任职次月起算")


def test_allowance_settings_command_prints_plain_shares_and_refuses_95(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from carebook.cli.main import main
    from carebook.model import keys

    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", "allowance-cli-test-passphrase")
    monkeypatch.delenv("CAREBOOK_LANG", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    d = str(tmp_path / "town")
    assert main(["--data-dir", d, "init", "--role", "township", "--org-code", TOWNSHIP_CODE, "--org-name", "幸福镇",
                 "--parent-code", "610402", "--parent-name", "新区"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", d, "allowance-settings", "--payers", "新区:40,新城:60"]) == 0
    out = capsys.readouterr().out
    assert "新区 : 新城 = 40 : 60" in out and "E+" not in out
    assert "起算规则 从任职当月起算" in out and "appointment_month" not in out
    assert main(["--data-dir", d, "allowance-settings", "--payers", "新区:35,新城:60"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "合计应为100%" in err and "Traceback" not in err
    assert main(["--data-dir", d, "allowance-settings", "--json"]) == 0
    shown = capsys.readouterr().out
    assert '"weight": "40"' in shown and '"weight": "60"' in shown  # the refused change left nothing

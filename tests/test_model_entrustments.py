"""The entrustment-guardianship confirmation lifecycle and mandatory reports in the model:
drafted, printed, signed, expiring, expired, renewed, cancelled; the register's lists of
children without a signed confirmation; reports and referrals with their change log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from carebook.model.enums import EntrustmentStatus
from carebook.model.errors import StateError, ValidationError
from carebook.model.register import Register
from carebook.model.services import entrustments as ent
from carebook.model.services import reports as rep
from model_helpers import child_values, years_before


def _morning(day: dt.date) -> dt.datetime:
    """9 o'clock local time on ``day``, timezone-aware (a printing time)."""
    return dt.datetime.combine(day, dt.time(9)).astimezone()


def left_behind(register: Register, today: dt.date, name: str = "张思远", seq: int = 10) -> str:
    """Register a left-behind child (both parents away) with an entrusted guardian."""
    values = child_values(name, years_before(today, 9), seq=seq, father__name="张伟", father__status="外出务工",
                          mother__name="李娜", mother__status="外出务工", guardian__name="王秀兰",
                          guardian__relation="祖母", guardian__phone="13912345678")
    record = register.register_child(values).record_id
    assert record is not None
    return record


def test_lifecycle_drafted_printed_signed_expiring_expired(register: Register, today: dt.date,
                                                           change_log: Callable[..., list[dict[str, Any]]]) -> None:
    child = left_behind(register, today)
    assert [c for c, _ in register.entrustment_overview().missing] == [child]

    start = today - dt.timedelta(days=200)
    draft = register.write(ent.draft_entrustment, child, period_from=start, today=today)
    doc = draft.record_id
    assert doc is not None
    rows = register.entrustment_rows(child)
    assert rows[0].status == "drafted" and rows[0].reason == "both_away"
    assert rows[0].period_to == dt.date(start.year + 1, start.month, start.day) - dt.timedelta(days=1)
    assert rows[0].document_no.startswith("WT-610402100201-") and rows[0].document_no.isascii()
    with pytest.raises(StateError):  # signatures only after printing
        register.write(ent.mark_signed, doc, signed_on=today, signatories=["王秀兰"], today=today)

    register.write(ent.mark_printed, doc, printed_at=_morning(start))
    assert register.entrustment_rows(child)[0].status == "printed"
    assert register.entrustment_overview().missing  # printed but unsigned: still missing

    with pytest.raises(ValidationError) as err:
        register.write(ent.mark_signed, doc, signed_on=today + dt.timedelta(days=1), signatories=["王秀兰"], today=today)
    assert err.value.field == "signed_on"
    with pytest.raises(ValidationError):
        register.write(ent.mark_signed, doc, signed_on=today, signatories=["  "], today=today)
    signed = register.write(ent.mark_signed, doc, signed_on=start, signatories=["张伟", "李娜", "王秀兰"], today=today)
    fields = {c.field for c in signed.changes}
    assert {"status", "signed_on", "signatories"} <= fields
    assert register.entrustment_overview().missing == []
    assert register.entrustment_rows(child)[0].effective_status == "signed"

    # Expiring 30 days (the setting) before the end, expired after it; computed, not stored.
    period_to = register.entrustment_rows(child)[0].period_to
    settings = register.settings()

    def status_on(day: dt.date) -> EntrustmentStatus:
        return register.read(lambda s: ent.effective_status(ent.get_entrustment(s, doc), day, settings))

    assert status_on(period_to - dt.timedelta(days=31)) is EntrustmentStatus.SIGNED
    assert status_on(period_to - dt.timedelta(days=30)) is EntrustmentStatus.EXPIRING
    assert status_on(period_to) is EntrustmentStatus.EXPIRING
    assert status_on(period_to + dt.timedelta(days=1)) is EntrustmentStatus.EXPIRED
    settings.entrustment_expiring_days = 60
    assert status_on(period_to - dt.timedelta(days=45)) is EntrustmentStatus.EXPIRING

    entries = change_log()
    assert {e["entity"] for e in entries} >= {"entrustment"}
    assert any(e["entity"] == "entrustment" and e["field"] == "status" and e["new_value"] == '"signed"' for e in entries)


def test_expired_and_renewed(register: Register, today: dt.date) -> None:
    child = left_behind(register, today)
    start = today - dt.timedelta(days=400)
    doc = register.write(ent.draft_entrustment, child, period_from=start, today=today).record_id
    assert doc is not None
    register.write(ent.mark_printed, doc, printed_at=_morning(start))
    register.write(ent.mark_signed, doc, signed_on=start, signatories=["王秀兰"], today=today)
    overview = register.entrustment_overview()
    assert [r.id for r in overview.expired] == [doc]
    assert [c for c, _ in overview.missing] == [child]  # expired: no valid confirmation

    renewed = register.write(ent.renew_entrustment, doc, today=today).record_id
    assert renewed is not None
    rows = {r.id: r for r in register.entrustment_rows(child)}
    assert rows[doc].status == "renewed" and rows[renewed].status == "drafted"
    assert rows[renewed].period_from == today
    assert register.read(lambda s: ent.get_entrustment(s, renewed).renews_id) == doc
    with pytest.raises(StateError):
        register.write(ent.renew_entrustment, doc, today=today)
    register.write(ent.cancel_entrustment, renewed, note="父母返乡")
    assert {r.status for r in register.entrustment_rows(child)} == {"renewed", "cancelled"}
    with pytest.raises(StateError):
        register.write(ent.mark_printed, renewed)


def test_one_parent_at_home_needs_no_confirmation(register: Register, today: dt.date) -> None:
    values = child_values("李小雨", years_before(today, 7), male=False, father__name="李强",
                          father__status="外出务工", mother__name="赵敏", mother__status="在家",
                          guardian__name="赵敏", guardian__relation="母亲")
    register.register_child(values)
    assert register.entrustment_overview().missing == []


def test_draft_needs_a_guardian_and_a_sane_period(register: Register, today: dt.date) -> None:
    values = child_values("陈晨", years_before(today, 8), father__status="外出务工", mother__status="外出务工")
    child = register.register_child(values).record_id
    assert child is not None
    with pytest.raises(ValidationError) as err:
        register.write(ent.draft_entrustment, child, today=today)
    assert err.value.field == "guardian.name"
    other = left_behind(register, today, name="刘洋", seq=11)
    with pytest.raises(ValidationError) as err:
        register.write(ent.draft_entrustment, other, period_from=today, period_to=today - dt.timedelta(days=1),
                       today=today)
    assert err.value.field == "period_to"
    assert register.entrustment_rows() == []


def test_reports_and_referrals(register: Register, today: dt.date, digest: Callable[[], str]) -> None:
    child = left_behind(register, today)
    before = digest()
    with pytest.raises(ValidationError):
        register.write(rep.create_report, child, {"situations": []})
    with pytest.raises(ValidationError):
        register.write(rep.create_report, child, {"situations": ["not-a-situation"]})
    assert digest() == before  # rejected input writes nothing
    found = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    report = register.write(rep.create_report, child, {
        "situations": ["abandonment", "未满十六周岁未成年人无人监护、独自居住"], "found_at": found,
        "reported_at": found + dt.timedelta(hours=1), "reporter_name": "李秀英", "police_station": "幸福镇派出所",
        "case_number": "XF2026001"}).record_id
    assert report is not None
    rows = register.report_rows(open_only=True)
    assert rows[0].situations == ("abandonment", "alone_under_16")
    assert rows[0].status == "reported"
    assert not hasattr(rows[0], "reporter_name")  # the reporter stays out of lists
    referral = register.write(rep.create_referral, child, agency="民政", referred_on=today, report_id=report,
                              today=today).record_id
    assert referral is not None
    assert register.referral_rows(open_only=True)[0].agency == "civil_affairs"
    register.write(rep.update_referral, referral, status="done", outcome="已纳入事实无人抚养保障", closed_on=today,
                   today=today)
    assert register.referral_rows(open_only=True) == []
    register.write(rep.update_report, report, {"status": "closed", "outcome": "已结案"})
    assert register.report_rows(open_only=True) == []
    with pytest.raises(ValidationError):
        register.write(rep.update_report, report, {"reported_at": dt.datetime.now(dt.UTC) + dt.timedelta(days=2)})


def test_signing_date_not_before_printing(register: Register, today: dt.date, digest: Callable[[], str]) -> None:
    """QA: a confirmation printed on a day cannot have been signed the year before; nor in the
    future. Nothing is recorded when refused; a copy printed after signing keeps the first date."""
    child = left_behind(register, today)
    doc = register.write(ent.draft_entrustment, child, period_from=today - dt.timedelta(days=5), today=today).record_id
    assert doc is not None
    printed = today - dt.timedelta(days=3)
    register.write(ent.mark_printed, doc, printed_at=_morning(printed))
    before = digest()
    for day in (printed - dt.timedelta(days=1), printed.replace(year=printed.year - 1)):
        with pytest.raises(ValidationError, match="早于确认书的打印日期") as err:
            register.write(ent.mark_signed, doc, signed_on=day, signatories=["王秀兰"], today=today)
        assert err.value.field == "signed_on" and str(printed) in err.value.message_zh
    with pytest.raises(ValidationError, match="不能晚于今天"):
        register.write(ent.mark_signed, doc, signed_on=today + dt.timedelta(days=1), signatories=["王秀兰"], today=today)
    assert digest() == before
    register.write(ent.mark_signed, doc, signed_on=printed, signatories=["王秀兰"], today=today)
    register.write(ent.mark_printed, doc)  # a copy printed today, after signing
    register.write(ent.mark_signed, doc, signed_on=printed, signatories=["王秀兰", "张伟"], today=today)
    row = register.entrustment_rows(child)[0]
    assert row.status == "signed" and row.signed_on == printed

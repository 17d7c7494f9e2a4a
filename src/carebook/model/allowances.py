"""Post allowances (岗位补贴) of child supervisors and child directors, computed from their
appointment and end dates.

Source: 陕西咸人社民发〔2020〕56号 (Xixian New Area, 20 July 2020; ``shared/seed/``), section 二:
"给予儿童督导员岗位补贴，补贴标准每人每月100元；给予儿童主任岗位补贴，补贴标准每人每月200元，所需资金
新区与新城按35:65分担。……2020年1月以前已经配备督导员和儿童主任的，岗位补贴从2020年1月起计算，2020年1月后
新增或人员调整的，岗位补贴从任职起计算。" Other districts set their own amounts and shares
(陕民发〔2019〕52号: "补贴标准由各地自行确定"), so amounts, payers with their shares and the start
rule are :class:`AllowanceSettings`, stored per installation under ``allowance_settings``.

How months are counted (whole months, never pro rata by day):

* A person is paid for every calendar month from the *first paid month* through the *last paid
  month*, the full monthly amount each month.
* First paid month: the month of the appointment date (``start_rule="appointment_month"``, the
  seed's "从任职起计算": someone appointed on 20 March is paid for March), or the month after it
  unless appointed on the 1st (``"following_month"``); never before ``scheme_start`` (2020-01:
  people appointed before January 2020 are paid from January 2020).
* Last paid month: the month of the end date (``ended_on`` is the last day in office), or the
  month before it unless the end date is the last day of its month (``pay_end_month=False``);
  people still in office are paid through the last month asked for. With the default
  (``pay_end_month=True``) a mid-month replacement pays both the leaver and the newcomer for the
  month of the handover; the seed says nothing on the leaver's last month.
* Each monthly amount is split between the payers in proportion to their weights (35:65),
  computed in fen (0.01 yuan), rounded half up; the last payer takes the remainder so the shares
  always add up to the amount exactly. The weights are per cent: settings are saved only when
  they add up to 100 (:meth:`AllowanceSettings.validate`, used by the command line and the
  desktop dialog alike).

Everything here except :func:`load_allowance_settings`, :func:`save_allowance_settings` and
:func:`allowance_ledger` is pure computation on plain values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.enums import StaffRole
from carebook.model.errors import FieldError, ValidationError
from carebook.model.organisation import OrgUnit
from carebook.model.staff import Staff

SETTINGS_KEY = "allowance_settings"
FEN = Decimal("0.01")
START_RULES = ("appointment_month", "following_month")
#: The start rules in words: code -> (Chinese, English).
START_RULE_LABELS = {
    "appointment_month": ("从任职当月起算", "from the month of taking office"),
    "following_month": ("从任职次月起算（1日任职的当月起算）",
                        "from the month after taking office (the same month if appointed on the 1st)"),
}
#: The payers' shares (per cent) add up to this (docs/desktop.md; the seed's 35 : 65).
SHARES_TOTAL = Decimal(100)


def plain_number(value: Decimal) -> str:
    """A decimal as people write it: ``Decimal(40)`` -> ``"40"``, ``Decimal("35.50")`` ->
    ``"35.5"``, ``Decimal("1E+2")`` -> ``"100"`` (never ``4E+1``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def start_rule_label(code: str) -> tuple[str, str]:
    """The start rule ``code`` in words (Chinese, English); an unknown code as it is."""
    return START_RULE_LABELS.get(code, (code, code))

#: A calendar month as ``(year, month)``.
Month = tuple[int, int]


@dataclass(frozen=True)
class Payer:
    """补贴承担方: one funding source and its weight in the split (35 for 新区 in 35:65)."""

    code: str
    zh: str
    en: str
    weight: Decimal


def _default_payers() -> tuple[Payer, ...]:
    return (Payer("district", "新区", "district", Decimal(35)), Payer("new_city", "新城", "new city", Decimal(65)))


@dataclass(frozen=True)
class AllowanceSettings:
    """岗位补贴设置: monthly amounts in yuan per role, payers and their shares, and the start rule.

    Defaults are the seed's district (陕西咸人社民发〔2020〕56号): supervisor 100 yuan/month, director
    200 yuan/month, 新区 : 新城 = 35 : 65, paid from 2020-01 or from the month of taking office.
    See the module docstring for how months are counted.
    """

    supervisor_monthly: Decimal = Decimal(100)
    director_monthly: Decimal = Decimal(200)
    payers: tuple[Payer, ...] = field(default_factory=_default_payers)
    scheme_start: str = "2020-01"
    start_rule: str = "appointment_month"
    pay_end_month: bool = True

    def monthly_amount(self, role: StaffRole) -> Decimal:
        """The monthly amount in yuan for ``role``."""
        return self.director_monthly if role is StaffRole.CHILD_DIRECTOR else self.supervisor_monthly

    def validate(self, *, shares_total_100: bool = True) -> AllowanceSettings:
        """Return ``self`` if consistent.

        Args:
            shares_total_100: the payers' shares must add up to 100 (per cent), as every new
                setting must (command line and desktop dialog alike). Settings stored by an
                earlier Carebook with other weights (``1:2``) are read with ``False`` and still
                split in proportion; they must be corrected before anything else is saved.

        Raises:
            ValidationError: a negative amount, no payer, a weight not above 0, shares not adding
                up to 100, an unknown start rule or a bad ``scheme_start`` month; every problem
                is listed.
        """
        errors: list[FieldError] = []
        for name, value in (("supervisor_monthly", self.supervisor_monthly), ("director_monthly", self.director_monthly)):
            if value < 0:
                errors.append(FieldError(name, "补贴标准不能为负数", "an allowance cannot be negative"))
        if not self.payers:
            errors.append(FieldError("payers", "至少要有一个承担方", "at least one payer is needed"))
        for p in self.payers:
            if p.weight <= 0:
                errors.append(FieldError("payers", f"承担方“{p.zh}”的比例应大于0", f"payer {p.en} needs a share above 0"))
        total = sum((p.weight for p in self.payers), Decimal(0))
        if (shares_total_100 and self.payers and all(p.weight > 0 for p in self.payers)
                and total != SHARES_TOTAL):
            shares = "、".join(f"{p.zh}{plain_number(p.weight)}" for p in self.payers)
            errors.append(FieldError(
                "payers",
                f"各承担方的比例合计应为100%，现在是 {plain_number(total)}%（{shares}）：请改正比例，如 新区35、新城65",
                f"the payers' shares must add up to 100%; they add up to {plain_number(total)}%: correct them, "
                "e.g. 35 and 65",
            ))
        if self.start_rule not in START_RULES:
            errors.append(FieldError("start_rule", f"未知的起算规则“{self.start_rule}”", f"unknown start rule '{self.start_rule}'"))
        try:
            parse_month(self.scheme_start, "scheme_start")
        except ValidationError as exc:
            errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)
        return self

    def to_json(self) -> str:
        """The settings as JSON (amounts and weights as plain decimal strings: ``"100"``, never
        ``"1E+2"``)."""
        return json.dumps({
            "supervisor_monthly": plain_number(self.supervisor_monthly),
            "director_monthly": plain_number(self.director_monthly),
            "payers": [{"code": p.code, "zh": p.zh, "en": p.en, "weight": plain_number(p.weight)} for p in self.payers],
            "scheme_start": self.scheme_start, "start_rule": self.start_rule, "pay_end_month": self.pay_end_month,
        }, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AllowanceSettings:
        """Settings from :meth:`to_json`; missing keys take their defaults.

        Raises:
            ValidationError: a value that is not a number, or inconsistent settings.
        """
        data: dict[str, Any] = json.loads(text)
        base = cls()
        try:
            payers = tuple(Payer(str(p["code"]), str(p.get("zh", p["code"])), str(p.get("en", p["code"])),
                                 Decimal(str(p["weight"]))) for p in data["payers"]) if "payers" in data else base.payers
            made = cls(
                supervisor_monthly=Decimal(str(data.get("supervisor_monthly", base.supervisor_monthly))),
                director_monthly=Decimal(str(data.get("director_monthly", base.director_monthly))),
                payers=payers, scheme_start=str(data.get("scheme_start", base.scheme_start)),
                start_rule=str(data.get("start_rule", base.start_rule)),
                pay_end_month=bool(data.get("pay_end_month", base.pay_end_month)),
            )
        except (InvalidOperation, KeyError, TypeError):
            raise ValidationError.single("allowance_settings", "补贴设置有误，请重新设置",
                                         "the allowance settings are damaged; set them again") from None
        return made.validate(shares_total_100=False)


def load_allowance_settings(session: Session) -> AllowanceSettings:
    """The allowance settings of this installation (the seed's defaults if never saved)."""
    raw = settings_store.get_value(session, SETTINGS_KEY)
    return AllowanceSettings.from_json(json.dumps(raw)) if raw else AllowanceSettings()


def save_allowance_settings(session: Session, settings: AllowanceSettings) -> None:
    """Store the allowance settings (in the caller's transaction; not synced).

    Raises:
        ValidationError: inconsistent settings (see :meth:`AllowanceSettings.validate`).
    """
    settings_store.set_value(session, SETTINGS_KEY, json.loads(settings.validate().to_json()))


# -- months --------------------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-./年]\s*(\d{1,2})\s*月?|(\d{2}))\s*$")


def parse_month(text: str, field_name: str = "month") -> Month:
    """``YYYY-MM`` (also ``YYYY-M``, ``YYYY.MM``, ``YYYY/MM``, ``YYYYMM``, ``YYYY年M月``) to
    ``(year, month)``.

    Raises:
        ValidationError: not a month between 1900-01 and 9999-12.
    """
    match = _MONTH.match(str(text or ""))
    month = int(match.group(2) or match.group(3)) if match else 0
    if not match or not 1 <= month <= 12 or int(match.group(1)) < 1900:
        raise ValidationError.single(field_name, f"月份“{text}”应写成 年-月，如 2021-03",
                                     f"month '{text}' must be YYYY-MM, e.g. 2021-03")
    return int(match.group(1)), month


def month_text(month: Month) -> str:
    """``(2021, 3)`` -> ``"2021-03"``."""
    return f"{month[0]:04d}-{month[1]:02d}"


def month_of(day: dt.date) -> Month:
    """The calendar month of ``day``."""
    return day.year, day.month


def next_month(month: Month) -> Month:
    """The month after ``month``."""
    return (month[0] + 1, 1) if month[1] == 12 else (month[0], month[1] + 1)


def previous_month(month: Month) -> Month:
    """The month before ``month``."""
    return (month[0] - 1, 12) if month[1] == 1 else (month[0], month[1] - 1)


def months_between(first: Month, last: Month) -> Iterator[Month]:
    """Every month from ``first`` through ``last`` (nothing when ``last`` is before ``first``)."""
    month = first
    while month <= last:
        yield month
        month = next_month(month)


def _last_day(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def paid_months(
    appointed_on: dt.date, ended_on: dt.date | None, settings: AllowanceSettings, first: Month, last: Month,
) -> list[Month]:
    """The months between ``first`` and ``last`` (inclusive) for which a person appointed on
    ``appointed_on`` and in office through ``ended_on`` (``None``: still in office) is paid,
    under ``settings`` (see the module docstring)."""
    start = month_of(appointed_on)
    if settings.start_rule == "following_month" and appointed_on.day != 1:
        start = next_month(start)
    start = max(start, parse_month(settings.scheme_start, "scheme_start"), first)
    end = last
    if ended_on is not None:
        end_month = month_of(ended_on)
        if not settings.pay_end_month and not _last_day(ended_on):
            end_month = previous_month(end_month)
        end = min(end, end_month)
    return list(months_between(start, end))


def split_amount(amount: Decimal, payers: Sequence[Payer]) -> tuple[Decimal, ...]:
    """Split ``amount`` (yuan) between ``payers`` by weight, in fen, rounded half up; the last
    payer takes the remainder so the parts add up to ``amount`` exactly."""
    total = sum((p.weight for p in payers), Decimal(0))
    parts: list[Decimal] = []
    for p in payers[:-1]:
        parts.append((amount * p.weight / total).quantize(FEN, rounding=ROUND_HALF_UP))
    parts.append((amount - sum(parts, Decimal(0))).quantize(FEN))
    return tuple(parts)


# -- the ledger ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffPeriod:
    """任职期间: what the computation needs of one staff record (plain values)."""

    staff_id: str
    name: str
    role: StaffRole
    appointed_on: dt.date | None
    ended_on: dt.date | None
    unit_name: str = ""
    id_number: str | None = None


@dataclass(frozen=True)
class AllowanceLine:
    """补贴明细: one person's allowance for one month; ``shares`` in the order of the payers."""

    staff_id: str
    name: str
    role: str
    unit_name: str
    month: str
    amount: Decimal
    shares: tuple[Decimal, ...]


@dataclass(frozen=True)
class PersonTotal:
    """个人合计: one person over the period asked for: months paid, total, shares."""

    staff_id: str
    name: str
    role: str
    unit_name: str
    id_number: str | None
    appointed_on: dt.date | None
    ended_on: dt.date | None
    first_month: str | None
    last_month: str | None
    months: int
    monthly_amount: Decimal
    amount: Decimal
    shares: tuple[Decimal, ...]


@dataclass(frozen=True)
class MonthTotal:
    """月度合计: one month: how many people were paid, the total and the shares."""

    month: str
    people: int
    amount: Decimal
    shares: tuple[Decimal, ...]


@dataclass(frozen=True)
class AllowanceLedger:
    """补贴台账: the allowances from ``from_month`` through ``to_month`` (``YYYY-MM``): every
    person-month line, totals per person, per month and per payer (``total_shares`` in the
    order of ``payers``), the grand total, and the staff left out because their appointment date
    is unknown (``undated``: ``(staff_id, name)``)."""

    from_month: str
    to_month: str
    settings: AllowanceSettings
    lines: list[AllowanceLine]
    people: list[PersonTotal]
    months: list[MonthTotal]
    total: Decimal
    total_shares: tuple[Decimal, ...]
    undated: list[tuple[str, str]]

    @property
    def payers(self) -> tuple[Payer, ...]:
        """The payers, in the order of every ``shares`` tuple."""
        return self.settings.payers

    def to_json(self) -> dict[str, Any]:
        """The ``carebook allowances --json`` object (documented in docs/cli.md); amounts are
        strings with two decimals (yuan)."""
        def money(value: Decimal) -> str:
            return str(value.quantize(FEN))

        def shares(values: tuple[Decimal, ...]) -> dict[str, str]:
            return {p.code: money(v) for p, v in zip(self.payers, values, strict=True)}

        s = self.settings
        return {
            "from": self.from_month, "to": self.to_month,
            "settings": {"supervisor_monthly": money(s.supervisor_monthly), "director_monthly": money(s.director_monthly),
                         "payers": [{"code": p.code, "zh": p.zh, "en": p.en, "weight": str(p.weight)} for p in s.payers],
                         "scheme_start": s.scheme_start, "start_rule": s.start_rule, "pay_end_month": s.pay_end_month},
            "people": [{"staff_id": p.staff_id, "name": p.name, "role": p.role, "unit": p.unit_name,
                        "appointed_on": p.appointed_on.isoformat() if p.appointed_on else None,
                        "ended_on": p.ended_on.isoformat() if p.ended_on else None,
                        "first_month": p.first_month, "last_month": p.last_month, "months": p.months,
                        "monthly_amount": money(p.monthly_amount), "amount": money(p.amount),
                        "shares": shares(p.shares)} for p in self.people],
            "months": [{"month": m.month, "people": m.people, "amount": money(m.amount), "shares": shares(m.shares)}
                       for m in self.months],
            "total": money(self.total), "total_shares": shares(self.total_shares),
            "undated": [{"staff_id": i, "name": n} for i, n in self.undated],
        }


def _add(a: tuple[Decimal, ...], b: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def compute_allowances(
    staff: Sequence[StaffPeriod], first: Month, last: Month, settings: AllowanceSettings | None = None,
) -> AllowanceLedger:
    """The allowance ledger of ``staff`` from month ``first`` through ``last`` (pure).

    People are listed in the order given; a person with no paid month in the period is still
    listed (0 months) so the ledger shows everyone on the roster.

    Raises:
        ValidationError: ``last`` is before ``first``, or inconsistent settings.
    """
    settings = (settings or AllowanceSettings()).validate(shares_total_100=False)  # any weights split
    if last < first:
        raise ValidationError.single("to", "截止月份不能早于起始月份", "the last month cannot be before the first")
    zero = tuple(Decimal(0) for _ in settings.payers)
    lines: list[AllowanceLine] = []
    people: list[PersonTotal] = []
    by_month: dict[Month, tuple[int, Decimal, tuple[Decimal, ...]]] = {m: (0, Decimal(0), zero)
                                                                       for m in months_between(first, last)}
    undated: list[tuple[str, str]] = []
    for person in staff:
        monthly = settings.monthly_amount(person.role).quantize(FEN)
        if person.appointed_on is None:
            undated.append((person.staff_id, person.name))
            continue
        months = paid_months(person.appointed_on, person.ended_on, settings, first, last)
        split = split_amount(monthly, settings.payers)
        for m in months:
            lines.append(AllowanceLine(person.staff_id, person.name, person.role.code, person.unit_name,
                                       month_text(m), monthly, split))
            count, amount, shares = by_month[m]
            by_month[m] = (count + 1, amount + monthly, _add(shares, split))
        n = len(months)
        people.append(PersonTotal(
            person.staff_id, person.name, person.role.code, person.unit_name, person.id_number,
            person.appointed_on, person.ended_on, month_text(months[0]) if months else None,
            month_text(months[-1]) if months else None, n, monthly, monthly * n,
            tuple(s * n for s in split),
        ))
    month_totals = [MonthTotal(month_text(m), c, a, s) for m, (c, a, s) in sorted(by_month.items())]
    total = sum((p.amount for p in people), Decimal(0))
    total_shares = zero
    for p in people:
        total_shares = _add(total_shares, p.shares)
    return AllowanceLedger(month_text(first), month_text(last), settings, lines, people, month_totals,
                           total, total_shares, undated)


def staff_periods(session: Session) -> list[StaffPeriod]:
    """Every staff record as a :class:`StaffPeriod` (supervisors first, then directors, by
    unit and name), with the name of the unit served."""
    units = {uid: name for uid, name in session.execute(select(OrgUnit.id, OrgUnit.name))}
    rows = session.scalars(select(Staff)).all()
    periods = [StaffPeriod(s.id, s.name, s.role, s.appointed_on, s.ended_on,
                           units.get(s.org_unit_id or "", ""), s.id_number) for s in rows]
    periods.sort(key=lambda p: (p.role is StaffRole.CHILD_DIRECTOR, p.unit_name, p.appointed_on or dt.date.min, p.name))
    return periods


def allowance_ledger(
    session: Session, first: Month | str, last: Month | str, settings: AllowanceSettings | None = None,
) -> AllowanceLedger:
    """The allowance ledger of every staff record of the register from ``first`` through
    ``last`` (months as ``(year, month)`` or ``YYYY-MM`` text), with the stored settings unless
    ``settings`` is given.

    Raises:
        ValidationError: a bad month, ``last`` before ``first``, or inconsistent settings.
    """
    f = parse_month(first, "from") if isinstance(first, str) else first
    t = parse_month(last, "to") if isinstance(last, str) else last
    return compute_allowances(staff_periods(session), f, t, settings or load_allowance_settings(session))

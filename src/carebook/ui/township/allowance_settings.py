"""The allowance settings as the settings dialog edits them (补贴标准设置, issue 6 item 5).

:class:`AllowanceForm` holds what the dialog shows, as text; :func:`settings_from_form` checks it
and builds the model's :class:`~carebook.model.allowances.AllowanceSettings`. Loading and saving
go through the same model functions as ``carebook allowance-settings``
(:func:`~carebook.model.allowances.load_allowance_settings`,
:func:`~carebook.model.allowances.save_allowance_settings`) and run ON THE WORKER THREAD; the
form conversion is pure.

The dialog asks for the payers' shares in per cent, which must add up to 100 (the seed's
新区 : 新城 = 35 : 65, 陕西咸人社民发〔2020〕56号); the model itself splits by any positive weights,
and weights stored another way (``--payers 新区:1,新城:2`` on the command line) are shown as
per cent, rounded to 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from carebook.model.allowances import START_RULES, AllowanceSettings, Payer, parse_month
from carebook.model.errors import FieldError, ValidationError

HUNDRED = Decimal(100)
#: Codes the seed's payers keep (as ``carebook allowance-settings --payers`` gives them).
KNOWN_PAYERS = {"新区": ("district", "district"), "新城": ("new_city", "new city")}


@dataclass(frozen=True)
class AllowanceForm:
    """The settings as typed: monthly amounts in yuan (text), payers as ``(name, share in per
    cent)`` texts, the scheme's first month (``YYYY-MM``), the start rule code (one of
    :data:`~carebook.model.allowances.START_RULES`) and whether the month of leaving is paid."""

    supervisor_monthly: str
    director_monthly: str
    payers: tuple[tuple[str, str], ...]
    scheme_start: str
    start_rule: str
    pay_end_month: bool


def _plain(value: Decimal) -> str:
    """``Decimal("200.00")`` -> ``"200"``, ``Decimal("35.50")`` -> ``"35.5"`` (never ``2E+2``)."""
    return format(value.normalize(), "f")


def form_of(settings: AllowanceSettings) -> AllowanceForm:
    """The form showing ``settings``; payer weights as per cent of their sum (0.01 rounding)."""
    total = sum((p.weight for p in settings.payers), Decimal(0))
    shares = []
    for p in settings.payers:
        share = p.weight if total == HUNDRED or total <= 0 else (p.weight * HUNDRED / total).quantize(
            Decimal("0.01"), ROUND_HALF_UP)
        shares.append((p.zh, _plain(share)))
    return AllowanceForm(_plain(settings.supervisor_monthly), _plain(settings.director_monthly), tuple(shares),
                         settings.scheme_start, settings.start_rule, settings.pay_end_month)


def _amount(text: str, field: str, zh_role: str, en_role: str, errors: list[FieldError]) -> Decimal:
    try:
        value = Decimal(text.strip().replace("，", "").replace(",", "").removesuffix("元").strip())
    except InvalidOperation:
        errors.append(FieldError(field, f"{zh_role}每月补贴应是金额（元），如 200，现在是“{text}”",
                                 f"the monthly allowance of a {en_role} must be an amount in yuan, e.g. 200, not '{text}'"))
        return Decimal(0)
    if not value.is_finite():
        errors.append(FieldError(field, f"{zh_role}每月补贴应是金额（元），如 200",
                                 f"the monthly allowance of a {en_role} must be an amount in yuan, e.g. 200"))
        return Decimal(0)
    if value < 0:
        errors.append(FieldError(field, f"{zh_role}每月补贴不能为负数", f"the monthly allowance of a {en_role} cannot be negative"))
    elif value != value.quantize(Decimal("0.01")):
        errors.append(FieldError(field, f"{zh_role}每月补贴最多精确到分（两位小数）",
                                 f"the monthly allowance of a {en_role} has at most two decimals (fen)"))
    return value


def _payers(rows: tuple[tuple[str, str], ...], current: AllowanceSettings, errors: list[FieldError]) -> tuple[Payer, ...]:
    payers: list[Payer] = []
    seen: set[str] = set()
    known = {p.zh: (p.code, p.en) for p in current.payers}
    total = Decimal(0)
    filled = [(n.strip(), s.strip()) for n, s in rows if n.strip() or s.strip()]
    if not filled:
        errors.append(FieldError("payers", "至少要有一个承担方", "at least one payer is needed"))
        return ()
    for i, (name, share_text) in enumerate(filled, start=1):
        if not name:
            errors.append(FieldError("payers", f"第{i}个承担方没有名称", f"payer {i} has no name"))
            continue
        if name in seen:
            errors.append(FieldError("payers", f"承担方“{name}”写了两次", f"payer '{name}' is listed twice"))
            continue
        seen.add(name)
        try:
            share = Decimal(share_text.removesuffix("%").removesuffix("％").strip())
            ok = share.is_finite()
        except InvalidOperation:
            ok = False
        if not ok:
            errors.append(FieldError("payers", f"承担方“{name}”的比例应是百分数，如 35",
                                     f"the share of payer '{name}' must be a percentage, e.g. 35"))
            continue
        if share <= 0:
            errors.append(FieldError("payers", f"承担方“{name}”的比例应大于0", f"the share of payer '{name}' must be above 0"))
            continue
        total += share
        code, en = known.get(name) or KNOWN_PAYERS.get(name) or (f"payer{i}", name)
        if any(p.code == code for p in payers):
            code = f"payer{i}"
        payers.append(Payer(code, name, en, share))
    if payers and len(payers) == len(filled) and total != HUNDRED:
        errors.append(FieldError("payers", f"各承担方的比例合计应为100%，现在是 {_plain(total)}%",
                                 f"the payers' shares must add up to 100%; they add up to {_plain(total)}%"))
    return tuple(payers)


def settings_from_form(form: AllowanceForm, current: AllowanceSettings | None = None) -> AllowanceSettings:
    """Check ``form`` and build the settings (payer codes of ``current`` kept by name).

    Raises:
        ValidationError: every problem at once: an amount that is not a number, negative or
            finer than a fen; no payer, a payer without name, twice, or with a share that is not
            a number above 0; shares not adding up to 100; a bad month; an unknown start rule.
    """
    current = current or AllowanceSettings()
    errors: list[FieldError] = []
    supervisor = _amount(form.supervisor_monthly, "supervisor_monthly", "儿童督导员", "child supervisor", errors)
    director = _amount(form.director_monthly, "director_monthly", "儿童主任", "child director", errors)
    payers = _payers(form.payers, current, errors)
    scheme_start = form.scheme_start
    try:
        scheme_start = "{:04d}-{:02d}".format(*parse_month(form.scheme_start, "scheme_start"))
    except ValidationError:
        errors.append(FieldError("scheme_start", f"起算月份“{form.scheme_start}”应写成 年-月，如 2020-01",
                                 f"the first month '{form.scheme_start}' must be YYYY-MM, e.g. 2020-01"))
    if form.start_rule not in START_RULES:
        errors.append(FieldError("start_rule", "请选择起算规则", "choose when payment starts"))
    if errors:
        raise ValidationError(errors)
    return AllowanceSettings(supervisor_monthly=supervisor, director_monthly=director, payers=payers,
                             scheme_start=scheme_start, start_rule=form.start_rule,
                             pay_end_month=form.pay_end_month).validate()


def load_form(api: Any) -> AllowanceForm:
    """The stored settings (the seed's defaults if never saved) as a form. Worker thread."""
    from carebook.model.allowances import load_allowance_settings

    return form_of(api.read(load_allowance_settings))


def default_form() -> AllowanceForm:
    """The seed district's defaults (100 / 200 yuan a month, 新区 : 新城 = 35 : 65, from 2020-01)."""
    return form_of(AllowanceSettings())


def save_form(api: Any, form: AllowanceForm) -> AllowanceSettings:
    """Check ``form`` and store it as this installation's allowance settings in one write
    (as ``carebook allowance-settings``). Returns the settings saved. Worker thread.

    Raises:
        ValidationError: see :func:`settings_from_form`; nothing was written.
    """
    from carebook.model.allowances import load_allowance_settings, save_allowance_settings

    def work(session: Any) -> AllowanceSettings:
        try:
            current = load_allowance_settings(session)
        except ValidationError:  # damaged settings are replaced by the form's
            current = AllowanceSettings()
        settings = settings_from_form(form, current)
        save_allowance_settings(session, settings)
        return settings

    result: AllowanceSettings = api.write(work)
    return result

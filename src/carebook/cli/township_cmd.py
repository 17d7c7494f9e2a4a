"""The township's commands: ``carebook allowances`` (the allowance ledger, optionally as .xlsx),
``carebook ledger export`` (the township ledger .xlsx, optionally with the printed roster) and
``carebook overview`` (the township overview numbers).

``ledger export`` joins the ``ledger`` command group shared with :mod:`carebook.cli.ledger_cmd`
(``ledger import``) through :func:`carebook.cli.common.command_group`, in either order.
``--json`` shapes are documented in ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from carebook.cli.common import command_group, open_register, print_json
from carebook.model.allowances import (
    START_RULES,
    AllowanceSettings,
    Payer,
    allowance_ledger,
    load_allowance_settings,
    parse_month,
    plain_number,
    save_allowance_settings,
    start_rule_label,
)
from carebook.model.enums import Category
from carebook.model.i18n import msg
from carebook.model.queries.overview import TownshipOverview, VillageOverview, township_overview


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``allowances``, ``allowance-settings``, ``overview`` and ``ledger export``."""
    ap = sub.add_parser("allowances", help="allowance ledger of directors and supervisors (岗位补贴)")
    ap.add_argument("--from", dest="first", required=True, metavar="YYYY-MM", help="first month")
    ap.add_argument("--to", dest="last", required=True, metavar="YYYY-MM", help="last month")
    ap.add_argument("--out", metavar="FILE.xlsx", help="write the ledger workbook")
    ap.add_argument("--json", action="store_true")
    ap.set_defaults(func=run_allowances)

    sp = sub.add_parser("allowance-settings", help="show or change the allowance amounts, shares and start rule")
    sp.add_argument("--supervisor-monthly", metavar="YUAN", help="monthly allowance of a child supervisor")
    sp.add_argument("--director-monthly", metavar="YUAN", help="monthly allowance of a child director")
    sp.add_argument("--payers", metavar="NAME:SHARE,...", help="funding shares, e.g. 新区:35,新城:65")
    sp.add_argument("--scheme-start", metavar="YYYY-MM", help="people appointed earlier are paid from this month")
    sp.add_argument("--start-rule", choices=list(START_RULES), help="first paid month: the appointment's or the next")
    sp.add_argument("--pay-end-month", choices=["yes", "no"], help="whether the month of leaving is paid")
    sp.add_argument("--reset", action="store_true", help="back to the seed's defaults (100/200 yuan, 35:65, 2020-01)")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=run_allowance_settings)

    op = sub.add_parser("overview", help="township overview: per village counts, visits, reports, entrustments, sync")
    op.add_argument("--json", action="store_true")
    op.set_defaults(func=run_overview)

    group = command_group(sub, "ledger", "village ledgers (台账) in Excel or CSV", "ledger_command")
    lp = group.add_parser("export", help="township ledger .xlsx: all children, one sheet per category")
    lp.add_argument("--out", required=True, metavar="FILE.xlsx")
    lp.add_argument("--roster", metavar="FILE.pdf", help="also print the roster of open files to this PDF")
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(func=run_ledger_export)


def _check_xlsx(path: str, option: str) -> None:
    from carebook.model.errors import CarebookError

    if not path.lower().endswith(".xlsx"):
        raise CarebookError(f"{option} 应是 .xlsx 文件名", f"{option} must name a .xlsx file")


def run_allowances(args: argparse.Namespace) -> int:
    """Compute the allowance ledger; write it with ``--out``; print totals or ``--json``."""
    first, last = parse_month(args.first, "from"), parse_month(args.last, "to")
    if args.out:
        _check_xlsx(args.out, "--out")
    reg = open_register(args)
    try:
        ledger = reg.read(allowance_ledger, first, last)
        inst = reg.installation()
        unit = inst.org_name if inst else ""
    finally:
        reg.close()
    if args.out:
        from carebook.documents.allowance_xlsx import write_allowance_xlsx  # openpyxl: only when used

        write_allowance_xlsx(ledger, Path(args.out), unit_name=unit)
    if args.json:
        data = ledger.to_json()
        data["out"] = args.out
        print_json(data)
        return 0
    for p in ledger.people:
        print(msg(f"{p.name}\t{p.unit_name}\t{p.months} 个月\t{p.amount} 元",
                  f"{p.name}\t{p.unit_name}\t{p.months} months\t{p.amount} yuan"))
    shares = "，".join(f"{payer.zh} {amount}" for payer, amount in zip(ledger.payers, ledger.total_shares, strict=True))
    print(msg(f"合计 {ledger.total} 元（{shares}）", f"total {ledger.total} yuan ({shares})"))
    for _, name in ledger.undated:
        print(msg(f"提醒：{name} 没有任职日期，未计算", f"warning: {name} has no appointment date, left out"))
    if args.out:
        print(msg(f"已生成补贴台账：{args.out}", f"wrote the allowance ledger: {args.out}"))
    return 0


#: Payer codes of the names people use for the seed's district (新区 : 新城).
_PAYER_CODES = {"新区": ("district", "district"), "新城": ("new_city", "new city")}


def parse_payers(text: str) -> tuple[Payer, ...]:
    """``新区:35,新城:65`` to payers (codes ``district``, ``new_city``; other names get
    ``payer1``, ``payer2`` …).

    Raises:
        CarebookError: an item that is not NAME:SHARE with a positive number.
    """
    from carebook.model.errors import CarebookError

    payers: list[Payer] = []
    for i, item in enumerate(p for p in text.replace("，", ",").split(",") if p.strip()):
        name, sep, weight = item.replace("：", ":").partition(":")
        name = name.strip()
        try:
            share = Decimal(weight.strip())
        except InvalidOperation:
            share = Decimal(0)
        if not sep or not name or share <= 0:
            raise CarebookError(f"“{item}”应写成 名称:比例，如 新区:35,新城:65",
                                f"'{item}' must be NAME:SHARE, e.g. 新区:35,新城:65")
        code, en = _PAYER_CODES.get(name, (f"payer{i + 1}", name))
        payers.append(Payer(code, name, en, share))
    return tuple(payers)


def run_allowance_settings(args: argparse.Namespace) -> int:
    """Show, change or reset the allowance settings of this installation."""
    reg = open_register(args)
    try:
        current = AllowanceSettings() if args.reset else reg.read(load_allowance_settings)
        changes: dict[str, Any] = {}
        if args.supervisor_monthly is not None:
            changes["supervisor_monthly"] = _yuan(args.supervisor_monthly, "--supervisor-monthly")
        if args.director_monthly is not None:
            changes["director_monthly"] = _yuan(args.director_monthly, "--director-monthly")
        if args.payers is not None:
            changes["payers"] = parse_payers(args.payers)
        if args.scheme_start is not None:
            y, m = parse_month(args.scheme_start, "scheme_start")
            changes["scheme_start"] = f"{y:04d}-{m:02d}"
        if args.start_rule is not None:
            changes["start_rule"] = args.start_rule
        if args.pay_end_month is not None:
            changes["pay_end_month"] = args.pay_end_month == "yes"
        settings = dataclasses.replace(current, **changes)
        if changes or args.reset:
            reg.write(save_allowance_settings, settings)
    finally:
        reg.close()
    data = json.loads(settings.to_json())
    if args.json:
        print_json(data)
    else:
        names = " : ".join(p.zh for p in settings.payers)
        weights = " : ".join(plain_number(p.weight) for p in settings.payers)
        supervisor, director = plain_number(settings.supervisor_monthly), plain_number(settings.director_monthly)
        rule_zh, rule_en = start_rule_label(settings.start_rule)
        print(msg(f"儿童督导员 {supervisor} 元/月，儿童主任 {director} 元/月；"
                  f"分担 {names} = {weights}；{settings.scheme_start} 起算；起算规则 {rule_zh}；"
                  f"离任当月{'计发' if settings.pay_end_month else '不计发'}",
                  f"supervisor {supervisor} yuan/month, director {director} yuan/month; shares {names} = "
                  f"{weights}; from {settings.scheme_start}; start rule: {rule_en}; "
                  f"month of leaving {'paid' if settings.pay_end_month else 'not paid'}"))
    return 0


def _yuan(text: str, option: str) -> Decimal:
    from carebook.model.errors import CarebookError

    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0 or not value.is_finite():
        raise CarebookError(f"{option} 应是不小于0的金额（元），如 200", f"{option} must be an amount in yuan, e.g. 200")
    return value


def run_ledger_export(args: argparse.Namespace) -> int:
    """Write the township ledger workbook (and with ``--roster`` the printed roster)."""
    _check_xlsx(args.out, "--out")
    reg = open_register(args)
    try:
        inst = reg.installation()
        unit = inst.org_name if inst else ""
        from carebook.documents.township_ledger_xlsx import write_township_ledger  # openpyxl: only when used

        with reg.reading() as session:
            path, rows = write_township_ledger(session, Path(args.out), township=unit, today=reg.today())
        roster_path = None
        if args.roster:
            from carebook.documents import from_model, roster
            from carebook.model.queries.children import ChildFilter

            open_rows = reg.list_children(ChildFilter(closed=False))
            data = from_model.roster_data(open_rows, township=unit, today=reg.today(),
                                          contacts=reg.read(from_model.roster_contacts, [r.id for r in open_rows]))
            roster.write_roster(data, Path(args.roster))
            roster_path = args.roster
    finally:
        reg.close()
    per_category = {c.code: sum(1 for r in rows if not r.closed and c.code in r.categories) for c in Category}
    if args.json:
        print_json({"out": str(path), "roster": roster_path, "children": len(rows),
                    "open": sum(1 for r in rows if not r.closed), "closed": sum(1 for r in rows if r.closed),
                    "by_category": per_category})
    else:
        print(msg(f"已生成乡镇台账：{path}（{len(rows)} 名儿童）", f"wrote the township ledger: {path} ({len(rows)} children)"))
        if roster_path:
            print(msg(f"已生成花名册：{roster_path}", f"wrote the roster: {roster_path}"))
    return 0


def _village_json(v: VillageOverview) -> dict[str, Any]:
    return {
        "village_id": v.village_id, "code": v.code, "name": v.name, "children": v.children,
        "by_category": v.by_category, "by_age_band": v.by_age_band, "by_sex": v.by_sex,
        "cells": [{"category": c, "age_band": b, "sex": s, "count": n} for (c, b, s), n in v.by_category_band_sex.items()],
        "visits_this_month": v.visits_this_month, "overdue": v.overdue, "open_reports": v.open_reports,
        "open_referrals": v.open_referrals, "entrustments_missing": v.entrustments_missing,
        "entrustments_expiring": v.entrustments_expiring, "entrustments_expired": v.entrustments_expired,
        "sync": None if v.sync is None else {"last_bundle_at": v.sync.last_bundle_at, "gaps": v.sync.gaps,
                                             "pending_conflicts": v.sync.pending_conflicts},
    }


def overview_json(o: TownshipOverview) -> dict[str, Any]:
    """The ``carebook overview --json`` object (documented in docs/cli.md)."""
    return {
        "today": o.today, "month": o.month, "villages": [_village_json(v) for v in o.villages],
        "totals": _village_json(o.totals),
        "directors": [{"staff_id": a.staff_id, "name": a.name, "villages": list(a.villages), "children": a.children,
                       "visits_done": a.visits_done, "overdue": a.overdue, "open_reports": a.open_reports,
                       "open_referrals": a.open_referrals} for a in o.directors],
    }


def run_overview(args: argparse.Namespace) -> int:
    """Print the township overview."""
    from carebook.sync.trust_store import load_pending_enrolments

    reg = open_register(args)
    try:
        # Villages enrolled here (code and name only) are listed even before their first bundle.
        enrolled = reg.read(lambda s: [(p.village_code, p.village_name) for p in load_pending_enrolments(s)])
        o = reg.read(township_overview, today=reg.today(), expected_villages=enrolled)
    finally:
        reg.close()
    if args.json:
        print_json(overview_json(o))
        return 0
    for v in [*o.villages, o.totals]:
        bands = " ".join(f"{b}:{n}" for b, n in v.by_age_band.items())
        print(msg(f"{v.name}：在册 {v.children}（男 {v.by_sex['1']}，女 {v.by_sex['2']}；{bands}），本月走访 "
                  f"{v.visits_this_month}，逾期 {v.overdue}，未结报告 {v.open_reports}，未结转介 {v.open_referrals}，"
                  f"委托监护 缺 {v.entrustments_missing} / 将到期 {v.entrustments_expiring} / 过期 {v.entrustments_expired}",
                  f"{v.name}: {v.children} open files, {v.visits_this_month} visits this month, {v.overdue} overdue, "
                  f"{v.open_reports} open reports, {v.open_referrals} open referrals, entrustments missing "
                  f"{v.entrustments_missing} / expiring {v.entrustments_expiring} / expired {v.entrustments_expired}"))
    return 0

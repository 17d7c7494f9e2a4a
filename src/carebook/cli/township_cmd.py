"""The township's commands: ``carebook allowances`` (the allowance ledger, optionally as .xlsx),
``carebook ledger export`` (the township ledger .xlsx, optionally with the printed roster) and
``carebook overview`` (the township overview numbers).

``ledger export`` joins the ``ledger`` command group of :mod:`carebook.cli.ledger_cmd` (which
owns ``ledger import``): :func:`register` finds that group among the commands already
registered and adds ``export`` to it, so this module must come after ``ledger_cmd`` in
``COMMAND_MODULES``. Without a ``ledger`` group it registers ``township-ledger`` instead.
``--json`` shapes are documented in ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from carebook.cli.common import open_register, print_json
from carebook.documents.allowance_xlsx import write_allowance_xlsx
from carebook.documents.township_ledger_xlsx import write_township_ledger
from carebook.model.allowances import allowance_ledger, parse_month
from carebook.model.enums import Category
from carebook.model.i18n import msg
from carebook.model.queries.overview import TownshipOverview, VillageOverview, township_overview


def _ledger_group(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> Any:
    parser = sub.choices.get("ledger")
    if parser is None:
        return None
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``allowances``, ``overview`` and ``ledger export`` (or ``township-ledger``)."""
    ap = sub.add_parser("allowances", help="allowance ledger of directors and supervisors (岗位补贴)")
    ap.add_argument("--from", dest="first", required=True, metavar="YYYY-MM", help="first month")
    ap.add_argument("--to", dest="last", required=True, metavar="YYYY-MM", help="last month")
    ap.add_argument("--out", metavar="FILE.xlsx", help="write the ledger workbook")
    ap.add_argument("--json", action="store_true")
    ap.set_defaults(func=run_allowances)

    op = sub.add_parser("overview", help="township overview: per village counts, visits, reports, entrustments, sync")
    op.add_argument("--json", action="store_true")
    op.set_defaults(func=run_overview)

    group = _ledger_group(sub)
    if group is not None:
        lp = group.add_parser("export", help="township ledger .xlsx: all children, one sheet per category")
    else:
        lp = sub.add_parser("township-ledger", help="township ledger .xlsx: all children, one sheet per category")
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


def run_ledger_export(args: argparse.Namespace) -> int:
    """Write the township ledger workbook (and with ``--roster`` the printed roster)."""
    _check_xlsx(args.out, "--out")
    reg = open_register(args)
    try:
        inst = reg.installation()
        unit = inst.org_name if inst else ""
        with reg.reading() as session:
            path, rows = write_township_ledger(session, Path(args.out), township=unit, today=reg.today())
        roster_path = None
        if args.roster:
            from carebook.documents import from_model, roster
            from carebook.model.queries.children import ChildFilter

            open_rows = reg.list_children(ChildFilter(closed=False))
            data = from_model.roster_data(open_rows, township=unit, today=reg.today())
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

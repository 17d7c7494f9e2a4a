"""``carebook staff add|list|update|end|training|assess``: the staff registry (实名制管理) of child
directors and child supervisors from the command line. ``--json`` shapes are documented in
``docs/cli.md``; the rules are those of :mod:`carebook.model.services.staff`."""

from __future__ import annotations

import argparse
from typing import Any

from carebook.cli.common import open_register, parse_assignments, print_json
from carebook.model.enums import StaffRole
from carebook.model.i18n import msg
from carebook.model.queries.staff import (
    StaffRow,
    director_assessment,
    staff_roster,
    training_records,
    training_warnings,
)
from carebook.model.register import Register
from carebook.model.services.staff import (
    STAFF_FIELDS,
    add_enrolled_villages,
    add_staff,
    add_training,
    end_staff,
    update_staff,
)

#: Fields with their own option (``--id-number``); every field is also accepted by ``--set``.
_OPTION_FIELDS = [name for name in STAFF_FIELDS if name not in ("role", "name")]


def _field_options(p: argparse.ArgumentParser) -> None:
    for name in _OPTION_FIELDS:
        spec = STAFF_FIELDS[name]
        p.add_argument(f"--{name.replace('_', '-')}", dest=f"f_{name}", metavar="VALUE", help=f"{spec.zh} ({spec.en})")
    p.add_argument("--unit", help="village (director) or township (supervisor): division code or exact name")
    p.add_argument("--covered", metavar="CODES", help="further villages covered, comma-separated (empty clears)")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="FIELD=VALUE",
                   help="any field, e.g. education=大专 (empty value clears)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``staff`` and its subcommands to the command line."""
    p = sub.add_parser("staff", help="child directors and supervisors (real-name registry)")
    ss = p.add_subparsers(dest="staff_command", required=True)

    ap = ss.add_parser("add", help="add a child director or supervisor")
    ap.add_argument("--role", required=True, help="director (儿童主任) or supervisor (儿童督导员)")
    ap.add_argument("--name", required=True)
    _field_options(ap)
    ap.add_argument("--replace", action="store_true",
                    help="the village's director in office is replaced (their term ends the day before)")
    ap.add_argument("--json", action="store_true")
    ap.set_defaults(func=run_add)

    lp = ss.add_parser("list", help="the staff roster")
    lp.add_argument("--role", help="director or supervisor")
    lp.add_argument("--all", action="store_true", help="include people whose term has ended")
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(func=run_list)

    up = ss.add_parser("update", help="change a person's record or assignment")
    up.add_argument("ref", metavar="PERSON", help="ID number, name or record id")
    up.add_argument("--role")
    up.add_argument("--name")
    _field_options(up)
    up.add_argument("--json", action="store_true")
    up.set_defaults(func=run_update)

    ep = ss.add_parser("end", help="end a person's term (离任; never deleted)")
    ep.add_argument("ref", metavar="PERSON", help="ID number, name or record id")
    ep.add_argument("--on", help="last day in office YYYY-MM-DD (default today)")
    ep.add_argument("--note")
    ep.add_argument("--json", action="store_true")
    ep.set_defaults(func=run_end)

    tp = ss.add_parser("training", help="record a training a person attended")
    tp.add_argument("ref", metavar="PERSON", help="ID number, name or record id")
    tp.add_argument("--held-on", required=True, help="date YYYY-MM-DD")
    tp.add_argument("--topic", required=True)
    tp.add_argument("--organiser")
    tp.add_argument("--hours")
    tp.add_argument("--json", action="store_true")
    tp.set_defaults(func=run_training)

    sp = ss.add_parser("assess", help="per director this month: visits done, overdue, open reports; training warnings")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=run_assess)


def _values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ("role", "name"):
        if getattr(args, key, None) is not None:
            values[key] = getattr(args, key)
    for name in _OPTION_FIELDS:
        value = getattr(args, f"f_{name}")
        if value is not None:
            values[name] = value
    for key in ("unit", "covered"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    values.update(parse_assignments(args.assignments))
    return values


def _row(reg: Register, staff_id: str | None) -> StaffRow:
    rows = reg.read(staff_roster, today=reg.today(), include_ended=True)
    return next(r for r in rows if r.id == staff_id)


def _print_row(r: StaffRow) -> None:
    role = StaffRole(r.role).label
    unit = r.unit_name or ""
    term = f"{r.appointed_on or '?'} – {r.ended_on or ''}"
    untrained = r.in_office and r.role == StaffRole.CHILD_DIRECTOR.code and r.trainings_this_year == 0
    note = msg("\t今年未参加培训", "\tno training this year") if untrained else ""
    print(f"{r.name}\t{role}\t{unit}\t{r.id_number or ''}\t{r.phone or ''}\t{term}{note}")


def _write_and_show(args: argparse.Namespace, fn: Any, *fn_args: Any, **kwargs: Any) -> int:
    values = next((a for a in fn_args if isinstance(a, dict)), {})

    def work(session: Any) -> Any:
        from carebook.sync.trust_store import load_pending_enrolments

        # Villages enrolled here but not heard from yet can be given a director already.
        add_enrolled_villages(session, values, {p.village_code: p.village_name
                                                for p in load_pending_enrolments(session)})
        return fn(session, *fn_args, today=reg.today(), **kwargs)

    reg = open_register(args)
    try:
        result = reg.write(work)
        row = _row(reg, result.record_id)
    finally:
        reg.close()
    if args.json:
        print_json(row.to_json())
    else:
        _print_row(row)
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Add a person; exit 1 with the first bad field's message when the input is wrong."""
    return _write_and_show(args, add_staff, _values(args), replace=args.replace)


def run_update(args: argparse.Namespace) -> int:
    """Change a person's record."""
    return _write_and_show(args, update_staff, args.ref, _values(args))


def run_end(args: argparse.Namespace) -> int:
    """End a person's term."""
    return _write_and_show(args, end_staff, args.ref, ended_on=args.on, note=args.note)


def run_list(args: argparse.Namespace) -> int:
    """Print the roster."""
    reg = open_register(args)
    try:
        rows = reg.read(staff_roster, today=reg.today(), role=args.role, include_ended=args.all)
    finally:
        reg.close()
    if args.json:
        print_json([r.to_json() for r in rows])
    else:
        for r in rows:
            _print_row(r)
        print(msg(f"共 {len(rows)} 人", f"{len(rows)} people"))
    return 0


def run_training(args: argparse.Namespace) -> int:
    """Record a training."""
    values: dict[str, Any] = {"held_on": args.held_on, "topic": args.topic}
    if args.organiser is not None:
        values["organiser"] = args.organiser
    if args.hours is not None:
        values["hours"] = args.hours
    reg = open_register(args)
    try:
        result = reg.write(add_training, args.ref, values, today=reg.today())
        row = next(t for t in reg.read(training_records) if t.id == result.record_id)
    finally:
        reg.close()
    if args.json:
        print_json({"id": row.id, "staff_id": row.staff_id, "staff_name": row.staff_name, "held_on": row.held_on,
                    "topic": row.topic, "organiser": row.organiser, "hours": row.hours})
    else:
        print(msg(f"已记录：{row.staff_name} {row.held_on} {row.topic}", f"recorded: {row.staff_name} {row.held_on} {row.topic}"))
    return 0


def run_assess(args: argparse.Namespace) -> int:
    """Print the assessment of every director this month and the training warnings."""
    reg = open_register(args)
    try:
        today = reg.today()
        rows = reg.read(director_assessment, today=today)
        warnings = reg.read(training_warnings, today=today)
    finally:
        reg.close()
    if args.json:
        print_json({
            "month": f"{today:%Y-%m}",
            "directors": [{"staff_id": a.staff_id, "name": a.name, "villages": list(a.villages), "children": a.children,
                           "visits_done": a.visits_done, "overdue": a.overdue, "open_reports": a.open_reports,
                           "open_referrals": a.open_referrals} for a in rows],
            "training_warnings": [{"staff_id": w.staff_id, "name": w.name, "unit": w.unit_name,
                                   "last_training": w.last_training} for w in warnings],
        })
        return 0
    if not rows:
        print(msg("本月没有在任的儿童主任（用 carebook staff add 登记）",
                  "no child director in office this month (register them with carebook staff add)"))
    for a in rows:
        print(msg(f"{a.name}（{'、'.join(a.villages)}）：在册 {a.children}，本月走访 {a.visits_done}，逾期 {a.overdue}，"
                  f"未结强制报告 {a.open_reports}，未结转介 {a.open_referrals}",
                  f"{a.name} ({', '.join(a.villages)}): {a.children} open files, {a.visits_done} visits this month, "
                  f"{a.overdue} overdue, {a.open_reports} open reports, {a.open_referrals} open referrals"))
    for w in warnings:
        print(msg(f"提醒：{w.name}（{w.unit_name or ''}）今年尚未参加培训", f"warning: {w.name} has had no training this year"))
    return 0

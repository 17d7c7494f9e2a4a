"""``carebook children list|show|update|close|reopen``: the register from the command line,
for automation and support. ``--json`` shapes are documented in ``docs/cli.md``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from carebook.cli.common import open_register, parse_assignments, print_json
from carebook.model.categories import category_labels
from carebook.model.child_fields import CHILD_FIELDS, MEMBER_FIELDS, MEMBER_ROLES, FieldSpec, field_label
from carebook.model.enums import ClosingReason, Sex
from carebook.model.ethnic import ethnic_group_name
from carebook.model.i18n import current_language, msg
from carebook.model.queries.children import ChildFilter
from carebook.model.recording import WriteResult
from carebook.model.validation import clean_date

CLOSE_REASONS = [r.code for r in ClosingReason]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``children`` and its subcommands to the command line."""
    p = sub.add_parser("children", help="list, show, update and close children's files")
    cs = p.add_subparsers(dest="children_command", required=True)

    lp = cs.add_parser("list", help="list the register")
    lp.add_argument("--search", help="name, pinyin initials (zsy) or end of the ID number")
    lp.add_argument("--category", help="left_behind, in_difficulty, de_facto_unsupported, orphan, key_child")
    lp.add_argument("--risk", help="red, yellow, blue, green")
    lp.add_argument("--overdue", action="store_true", help="only children whose visit is overdue")
    lp.add_argument("--village", help="village division code")
    state = lp.add_mutually_exclusive_group()
    state.add_argument("--closed", action="store_true", help="only closed files")
    state.add_argument("--all", action="store_true", help="open and closed files")
    lp.add_argument("--json", action="store_true")
    lp.set_defaults(func=run_list)

    sp = cs.add_parser("show", help="show one child's file")
    sp.add_argument("id", metavar="ID", help="ID number or record id")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=run_show)

    up = cs.add_parser("update", help="change fields of a child's file")
    up.add_argument("id", metavar="ID", help="ID number or record id")
    up.add_argument("--set", dest="assignments", action="append", required=True, metavar="FIELD=VALUE",
                    help="e.g. risk_colour=red, father.phone=13800000000 (empty value clears)")
    up.add_argument("--json", action="store_true")
    up.set_defaults(func=run_update)

    cp = cs.add_parser("close", help="close a child's file with a reason (never deleted)")
    cp.add_argument("id", metavar="ID", help="ID number or record id")
    cp.add_argument("--reason", required=True, choices=CLOSE_REASONS)
    cp.add_argument("--on", help="closing date YYYY-MM-DD (default today)")
    cp.add_argument("--note")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=run_close)

    rp = cs.add_parser("reopen", help="reopen a file closed by mistake")
    rp.add_argument("id", metavar="ID")
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(func=run_reopen)


def run_list(args: argparse.Namespace) -> int:
    """Print the register (one line per child, or a JSON array)."""
    closed: bool | None = True if args.closed else (None if args.all else False)
    flt = ChildFilter(search=args.search, category=args.category, risk_colour=args.risk,
                      overdue=True if args.overdue else None, closed=closed, village_code=args.village)
    reg = open_register(args)
    try:
        rows = reg.list_children(flt)
    finally:
        reg.close()
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    for r in rows:
        sex = Sex(r.sex).label
        cats = category_labels(list(r.categories)) or "-"
        state = msg("（已销档）", " (closed)") if r.closed else ""
        print(f"{r.id_number or r.id}  {r.name}  {sex}  {r.age}{msg('岁', 'y')}  {r.village_name}  {cats}{state}")
    print(msg(f"共 {len(rows)} 人", f"{len(rows)} children"))
    return 0


def shown_value(spec: FieldSpec | None, value: Any) -> str:
    """A stored field value as a person reads it in the current language: enumerations by
    their label (性别: 男, not 1; 风险等级: 红色, not red), ethnic groups by name (GB/T 3304:
    汉族, not 01), lists joined with 、, yes/no for booleans, ISO dates. ``--json`` keeps the
    codes; this is for the text output only."""
    if spec is None:
        return str(value)
    if spec.kind == "enum" and spec.enum is not None:
        member = spec.enum.lookup(value)
        return member.label if member is not None else str(value)
    if spec.kind == "enum_list" and spec.enum is not None:
        labels = []
        for item in value or []:
            member = spec.enum.lookup(item)
            labels.append(member.label if member is not None else str(item))
        return msg("、", ", ").join(labels)
    if spec.kind == "ethnic":
        return ethnic_group_name(str(value)) or str(value)
    if spec.kind == "bool":
        return msg("是", "yes") if value else msg("否", "no")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def run_show(args: argparse.Namespace) -> int:
    """Print one child's file."""
    from carebook.model.services.transfer import transferred_away_label, transferred_away_to

    reg = open_register(args)
    try:
        detail = reg.child_detail(args.id)
        moved = reg.read(transferred_away_to, detail.id)
    finally:
        reg.close()
    if args.json:
        print_json(detail.to_json())
        return 0
    zh = current_language() == "zh"
    print(f"{detail.fields['name']}  ({detail.id})")
    for key, value in detail.fields.items():
        if value in (None, "", [], False):
            continue
        print(f"  {field_label(key, zh)}: {shown_value(CHILD_FIELDS.get(key), value)}")
    print(f"  {msg('类别', 'categories')}: {category_labels(list(detail.categories)) or '-'}")
    for m in detail.members:
        role = MEMBER_ROLES.get(m.role)
        role_label = (role[0] if zh else role[1]) if role else m.role
        status = shown_value(MEMBER_FIELDS["status"], m.status) if m.status else ""
        print(f"  [{role_label}] {m.name or ''} {m.phone or ''} {status}".rstrip())
    print(f"  {msg('走访次数', 'visits')}: {len(detail.visits)}  {msg('下次走访', 'next visit')}: {detail.next_visit_due}")
    if moved is not None:
        print(f"  {transferred_away_label(*moved)}" + msg("（档案由新村管理，本村不能再修改）",
                                                          " (the new village keeps the file; read-only here)"))
    if detail.closed:
        print(f"  {msg('已销档', 'closed')}: {ClosingReason(detail.closed_reason or 'other').label} {detail.closed_on}"
              + (f"  {detail.closed_note}" if detail.closed_note else ""))
    return 0


def _print_result(args: argparse.Namespace, result: WriteResult, roles: dict[str, str] | None = None) -> None:
    """Print what was saved; ``roles`` names family members by record id (``father``…), so the
    line says whose field changed (父亲·姓名, not 家庭成员·姓名)."""
    if args.json:
        print_json({"id": result.record_id, "changes": [
            {"entity": c.entity, "record_id": c.record_id, "op": c.op, "field": c.field,
             "old": c.old, "new": c.new} for c in result.changes]})
        return
    from carebook.documents import change_text
    from carebook.model.child_fields import MEMBER_ROLES

    zh = current_language() == "zh"
    roles = roles or {}

    def owner(c: Any) -> str:
        role = MEMBER_ROLES.get(roles.get(c.record_id, "")) if c.entity == "family_member" else None
        if role is not None:
            return role[0] if zh else role[1]
        return change_text.entity_label(c.entity, zh)

    fields = [change_text.field_label(c.entity, c.field, zh) if c.entity == "child" else
              f"{owner(c)}{'·' if zh else ' '}{change_text.field_label(c.entity, c.field, zh)}"
              for c in result.changes if c.field]
    inserts = [f"{msg('新建', 'new')}{change_text.entity_label(c.entity, zh)}" for c in result.changes if c.op == "insert"]
    if not fields and not inserts:
        print(msg("没有变化", "nothing changed"))
    else:
        print(msg("已保存：", "saved: ") + "、".join(fields + inserts))


def run_update(args: argparse.Namespace) -> int:
    """Change fields (``--set FIELD=VALUE``)."""
    values = parse_assignments(args.assignments)
    reg = open_register(args)
    try:
        result = reg.update_child(args.id, dict(values))
        roles = {m.id: m.role for m in reg.child_detail(result.record_id or args.id).members}
    finally:
        reg.close()
    _print_result(args, result, roles)
    return 0


def run_close(args: argparse.Namespace) -> int:
    """Close a file with a reason."""
    reg = open_register(args)
    try:
        on = clean_date(args.on, "on", today=reg.today(), label_zh="销档日期", label_en="closing date") if args.on else None
        result = reg.close_child(args.id, args.reason, on=on or dt.date.today(), note=args.note)
    finally:
        reg.close()
    _print_result(args, result)
    return 0


def run_reopen(args: argparse.Namespace) -> int:
    """Reopen a closed file."""
    reg = open_register(args)
    try:
        result = reg.reopen_child(args.id)
    finally:
        reg.close()
    _print_result(args, result)
    return 0

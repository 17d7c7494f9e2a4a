"""``carebook township duplicates | merge-children | not-duplicate | transfer``: the supervisor's
duplicate review and transfers of children between villages (issue 6 item 3, issue 5 item 7).

See :mod:`carebook.model.queries.duplicates`, :mod:`carebook.model.services.duplicates` and
:mod:`carebook.model.services.transfer`; ``--json`` shapes are documented in ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
from typing import Any

from carebook.cli.common import command_group, open_register, print_json
from carebook.model.i18n import msg


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``township`` group's ``duplicates``, ``merge-children``, ``not-duplicate`` and ``transfer``."""
    group = command_group(sub, "township", "the supervisor's review: duplicate files, transfers", "township_command")
    dp = group.add_parser("duplicates", help="files that may be one child (same ID number, close names)")
    dp.add_argument("--all", action="store_true", help="also pairs already reviewed (merged or not duplicates)")
    dp.add_argument("--json", action="store_true")
    dp.set_defaults(func=run_duplicates)

    mp = group.add_parser("merge-children", help="merge file DROP into file KEEP (DROP is closed)")
    mp.add_argument("keep", metavar="KEEP", help="record id or ID number of the file to keep")
    mp.add_argument("drop", metavar="DROP", help="record id of the file to close (as listed by duplicates)")
    mp.add_argument("--json", action="store_true")
    mp.set_defaults(func=run_merge)

    np_ = group.add_parser("not-duplicate", help="mark two files as two children (the pair stops showing)")
    np_.add_argument("a", metavar="A", help="record id")
    np_.add_argument("b", metavar="B", help="record id")
    np_.add_argument("--json", action="store_true")
    np_.set_defaults(func=run_not_duplicate)

    tp = group.add_parser("transfer", help="transfer a child's file to another village")
    tp.add_argument("child", metavar="CHILD", help="record id or ID number")
    tp.add_argument("--to-village", required=True, metavar="CODE", help="the new village's 12-digit division code")
    tp.add_argument("--reason", required=True, metavar="TEXT", help="why (e.g. 随父母迁居)")
    tp.add_argument("--json", action="store_true")
    tp.set_defaults(func=run_transfer)


_KIND = {"same_id_number": ("身份证号相同", "same ID number"), "similar_name": ("姓名相近、出生日期相同",
         "close names, same date of birth"), "transfer": ("迁移（不是重复）", "a move (not a duplicate)")}
_STATUS = {"open": ("在册", "open"), "closed": ("已销档", "closed"), "parked": ("暂缓（号码重复）", "parked (ID taken)")}


def _line(s: Any) -> str:
    status = _STATUS.get(s.status, (s.status, s.status))
    return (f"  {s.id}  {s.name}  {s.id_number or '-'}  {s.date_of_birth or '-'}  {s.village_name or '-'}  "
            f"{msg(*status)}")


def _child_label(session: Any, ref: str | None) -> str | None:
    """``蔡涵（610404200001011234）``: a child's name and ID number (date of birth when there is
    none), for messages; ``None`` when ``ref`` (record id or ID number) is not in the register."""
    from carebook.model.children import Child
    from carebook.model.errors import NotFoundError
    from carebook.model.services.children import find_child

    ref = (ref or "").strip()
    if not ref:
        return None
    child = session.get(Child, ref)
    if child is None:
        try:
            child = find_child(session, ref)
        except NotFoundError:
            return None
    return f"{child.name}（{child.id_number or child.date_of_birth.isoformat()}）"


def run_duplicates(args: argparse.Namespace) -> int:
    """List candidate pairs (or ``--json``)."""
    from carebook.model.queries.duplicates import find_duplicates

    reg = open_register(args)
    try:
        found = reg.read(find_duplicates, include_reviewed=args.all)
    finally:
        reg.close()
    if args.json:
        print_json({"candidates": [c.to_json() for c in found]})
        return 0
    if not found:
        print(msg("没有发现疑似重复的档案", "no possible duplicates"))
        return 0
    for c in found:
        where = msg("同一村", "same village") if c.same_village else msg("不同村", "two villages")
        print(f"{msg(*_KIND.get(c.kind, (c.kind, c.kind)))} ({where})")
        print(_line(c.a))
        print(_line(c.b))
    return 0


def run_merge(args: argparse.Namespace) -> int:
    """Merge DROP into KEEP."""
    from carebook.model.services.duplicates import merge_children

    drop_id = args.drop.strip()
    reg = open_register(args)
    try:
        # Labels before the merge: the ID number moves from DROP to KEEP. A parked DROP is only
        # in the register after the merge, so it is looked up again then.
        drop_label = reg.read(lambda s: _child_label(s, drop_id))
        result = reg.write(merge_children, args.keep, args.drop, today=reg.today())
        keep_label = reg.read(lambda s: _child_label(s, result.record_id)) or result.record_id
        drop_label = drop_label or reg.read(lambda s: _child_label(s, drop_id)) or drop_id
    finally:
        reg.close()
    if args.json:
        print_json({"keep": result.record_id, "drop": drop_id, "changes": len(result.changes),
                    "keep_label": keep_label, "drop_label": drop_label})
        return 0
    print(msg(f"已合并：{drop_label} 并入 {keep_label}（{len(result.changes)} 项变更），将随同步包发给相关的村",
              f"merged {drop_label} into {keep_label} ({len(result.changes)} changes); "
              "the next bundles carry it to the villages"))
    return 0


def run_not_duplicate(args: argparse.Namespace) -> int:
    """Mark A and B as two children."""
    from carebook.model.services.duplicates import mark_not_duplicate

    reg = open_register(args)
    try:
        reg.write(mark_not_duplicate, args.a, args.b)
    finally:
        reg.close()
    if args.json:
        print_json({"a": args.a.strip(), "b": args.b.strip(), "reviewed": "not_duplicate"})
        return 0
    print(msg("已标记为不是重复档案", "marked as two different children"))
    return 0


def run_transfer(args: argparse.Namespace) -> int:
    """Transfer CHILD to the village --to-village."""
    from carebook.model.services.transfer import find_village, transfer_child

    reg = open_register(args)
    try:
        def _villages(session: Any) -> tuple[str, str, str, str]:
            from carebook.model.organisation import OrgUnit
            from carebook.model.services.children import find_child

            unit = session.get(OrgUnit, find_child(session, args.child).village_id)
            target = find_village(session, args.to_village)
            return (unit.code if unit else "", unit.name if unit else "", target.code, target.name)

        old_code, old_name, new_code, new_name = reg.read(_villages)
        result = reg.write(transfer_child, args.child, args.to_village, reason=args.reason, today=reg.today())
        label = reg.read(lambda s: _child_label(s, result.record_id)) or result.record_id
    finally:
        reg.close()
    if args.json:
        print_json({"child": result.record_id, "from_village": old_code, "to_village": new_code,
                    "changes": len(result.changes), "child_label": label})
        return 0
    print(msg(f"已把{label}从{old_name}转到{new_name}；原村保留已销档（迁出）的档案",
              f"transferred {label} from {old_name} to {new_name}; the old village keeps a closed file"))
    return 0

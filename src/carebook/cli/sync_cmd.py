"""``carebook bundle export|import`` and ``carebook conflicts list|resolve``: moving changes by USB
stick and deciding conflicts (the ``bundle`` group itself, with ``inspect``, comes from
:mod:`carebook.cli.bundle_cmd`; this module adds its actions to it).

``bundle export --to DIR`` writes one bundle per peer (a village: for its township; a township:
for each enrolled village) carrying every change the peer has not acknowledged; ``bundle import
FILE…`` verifies, backs up and applies each bundle in one transaction. ``conflicts list`` shows
both values of each conflict; ``conflicts resolve ID --keep a|b|value|current`` decides one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from carebook.cli.common import ask_passphrase_on_tty, command_group, data_dir_of, print_json
from carebook.model.errors import CarebookError
from carebook.model.i18n import msg
from carebook.model.installation import ACTOR_KEY
from carebook.model.settings import get_value
from carebook.sync.conflicts import (
    DUPLICATE_REVIEW_HINT,
    ConflictView,
    duplicate_summary_text,
    list_conflicts,
    resolve_conflict,
)
from carebook.sync.exchange import (
    ExportResult,
    ImportResult,
    RefusedBundle,
    SkippedBundle,
    SyncSite,
    export_bundles,
    import_bundles,
    import_bundles_skipping,
)
from carebook.sync.held_records import held_notes
from carebook.sync.merge import refused_merge


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``bundle export|import`` and ``conflicts list|resolve`` to the command line."""
    bundle = command_group(sub, "bundle", "sync bundles (USB stick)", "bundle_command")
    p = bundle.add_parser("export", help="write bundles of the changes not yet acknowledged",
                          description="Write one bundle per peer into DIR (e.g. the USB stick): a village "
                                      "writes one for its township, a township one for each enrolled village.")
    p.add_argument("--to", required=True, metavar="DIR", help="folder to write into (the USB stick)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_export)
    p = bundle.add_parser("import", help="verify and apply bundles",
                          description="Verify, back up and apply each bundle in one transaction. Importing "
                                      "the same bundle again changes nothing.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="bundle file(s) (.cbk), or any part of a split one, or a folder (every .cbk in it)")
    p.add_argument("--no-backup", action="store_true", help="do not take a backup first")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_import)
    conflicts = command_group(sub, "conflicts", "sync conflicts for the supervisor", "conflicts_command")
    p = conflicts.add_parser("list", help="list conflicts with both values",
                             description="List sync conflicts (open ones unless --all) with both values.")
    p.add_argument("--all", action="store_true", help="include resolved conflicts")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run_conflicts_list)
    p = conflicts.add_parser("resolve", help="decide a conflict",
                             description="Decide a conflict: keep value a, value b, a new --value, or the "
                                         "current one. The decision travels to the village as a correction.")
    p.add_argument("id", help="the conflict id (or its first 8 characters)")
    p.add_argument("--keep", required=True, choices=["a", "b", "value", "current"])
    p.add_argument("--value", help="with --keep value: the value as JSON (e.g. '\"张三\"') or plain text")
    p.add_argument("--note", help="a note kept with the decision")
    p.add_argument("--json", action="store_true", help="print the decided conflict as JSON")
    p.set_defaults(func=run_conflicts_resolve)


def open_site(args: argparse.Namespace, *, create: bool = False) -> SyncSite:
    """Open the register of ``--data-dir`` with access to its keys."""
    return SyncSite.open(data_dir_of(args), create=create, ask_passphrase=ask_passphrase_on_tty)


def run_export(args: argparse.Namespace) -> int:
    """``bundle export``."""
    target = Path(args.to).expanduser()
    if not target.is_dir():
        raise CarebookError(f"文件夹“{target}”不存在，请插好 U 盘或选择已有的文件夹",
                            f"folder '{target}' does not exist: plug in the USB stick or choose a folder")
    site = open_site(args)
    try:
        results = export_bundles(site, target)
    finally:
        site.close()
    if args.json:
        print_json([r.to_json() for r in results])
        return 0
    for r in results:
        _print_export(r)
    print(msg("已写入并校验，可以安全弹出 U 盘。", "Written and verified: the USB stick can be ejected safely."))
    return 0


def _print_export(r: ExportResult) -> None:
    files = ", ".join(str(p) for p in r.paths)
    print(msg(f"发给 {r.peer_name}（{r.peer_code}）：{r.changes} 条变更，{r.attachments} 个附件，{r.size} 字节 → {files}",
              f"For {r.peer_name} ({r.peer_code}): {r.changes} changes, {r.attachments} attachments, "
              f"{r.size} bytes -> {files}"))


def bundle_files_of(names: list[str]) -> list[Path]:
    """The files ``bundle import`` reads: each name as given, except that a folder stands for
    every ``*.cbk`` file directly inside it (sorted by name, so a sender's bundles come in
    order and split parts stay together).

    Raises:
        CarebookError: a folder without any ``.cbk`` file.
    """
    from carebook.sync.bundle_files import EXTENSION

    files: list[Path] = []
    for name in names:
        path = Path(name).expanduser()
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.iterdir() if p.suffix.lower() == EXTENSION and p.is_file())
        if not found:
            raise CarebookError(f"文件夹 {path} 里没有同步包（.cbk 文件），没有导入任何数据",
                                f"the folder {path} holds no bundle (.cbk file); nothing was imported")
        files.extend(found)
    return files


def run_import(args: argparse.Namespace) -> int:
    """``bundle import``."""
    from carebook.sync.bundle_files import group_bundle_paths

    files = bundle_files_of(args.files)
    several = len(group_bundle_paths(files)) > 1
    skipped: list[SkippedBundle] = []
    refused: list[RefusedBundle] = []
    site = open_site(args)
    try:
        if several:  # a folder or several files: skip those addressed to another PC, import the rest,
            # and a damaged one does not stop the others (it is named, and the exit code is 1)
            outcome = import_bundles_skipping(site, files, backup=not args.no_backup, keep_going=True)
            results, skipped, refused = outcome.results, outcome.skipped, outcome.refused
        else:
            results = import_bundles(site, files, backup=not args.no_backup)
    except IntegrityError as exc:  # last resort: the merge parks the collisions it foresees
        raise refused_merge(exc) from None
    finally:
        site.close()
    if args.json:  # skipped (another PC's) and refused bundles: items after the imported ones
        print_json([{**r.to_json(), "skipped": False} for r in results]
                   + [{**s.to_json(), "skipped": True} for s in skipped]
                   + [{**f.to_json(), "skipped": False, "refused": True} for f in refused])
        return 1 if refused else 0
    for r in results:
        _print_import(r)
    for s in skipped:
        print(msg(s.message_zh, s.message_en))
    for f in refused:
        print(msg(f"未导入 {f.message_zh}", f"Not imported: {f.message_en}"), file=sys.stderr)
    if refused and not results:
        print(msg(f"{len(refused)} 个同步包都没有导入（见上）。", f"None of the {len(refused)} bundles was imported "
                  "(see above)."), file=sys.stderr)
        return 1
    if refused:
        print(msg(f"{len(refused)} 个同步包没有导入（见上），其余的已导入。", f"{len(refused)} bundle(s) not imported "
                  "(see above); the others were imported."), file=sys.stderr)
        return 1
    return 0


def _print_import(r: ImportResult) -> None:
    who = f"{r.sender_name}（{r.sender_code}）"
    if r.already_imported:
        print(msg(f"{who} 的同步包 {r.bundle_id[:8]} 以前已经导入过，这次没有改动任何数据。",
                  f"Bundle {r.bundle_id[:8]} from {r.sender_name} was imported before; nothing changed."))
        return
    m = r.merge
    print(msg(f"已导入 {who} 的同步包 {r.bundle_id[:8]}：新变更 {m.applied} 条（重复 {m.duplicates} 条），"
              f"新增 {m.inserted}、修改 {m.updated} 条记录，冲突 {m.conflicts} 个。",
              f"Imported bundle {r.bundle_id[:8]} from {r.sender_name}: {m.applied} new changes "
              f"({m.duplicates} duplicates), {m.inserted} records added, {m.updated} changed, {m.conflicts} conflicts."))
    if r.restore:
        print(msg(f"这是乡镇发来的恢复包：本机现在有 {r.restored_children} 名儿童的档案（含以前的修改记录）。",
                  f"This is the township's restore bundle: this PC now holds {r.restored_children} children's "
                  "files (with their earlier history)."))
    _print_own_repair(r)
    if r.gaps:
        gaps = ", ".join(f"{a}-{b}" for a, b in r.gaps)
        print(msg(f"注意：对方还有较早的同步包没有导入（缺少 {gaps}），请找到并导入，或让对方重新导出。",
                  f"Note: earlier bundles from this sender are missing ({gaps}); import them or ask for a new export."))
    for line in held_notes(r.held):
        print(line)
    if m.clock_ahead_ms:
        days = m.clock_ahead_ms // 86_400_000
        print(msg(f"警告：对方电脑的时钟比本机快约 {days} 天，请让对方校准电脑时间。",
                  f"Warning: the sender's PC clock is about {days} days ahead; ask them to set the time right."))


def _print_own_repair(r: ImportResult) -> None:
    """What a village learnt about its own changes after a restore from an older backup."""
    o = r.own
    if o.recovered or o.renumbered:
        print(msg(f"本机曾从较早的备份恢复：已从乡镇找回丢失的 {o.recovered} 条变更，恢复后新做的 {o.renumbered} 条变更已重新编号，"
                  "请导出同步包交给乡镇。",
                  f"This PC was restored from an older backup: {o.recovered} lost changes came back from the "
                  f"township and {o.renumbered} changes made since were renumbered; export a bundle for the township."))
    if o.behind:
        print(msg(f"注意：本机可能从较早的备份恢复过，乡镇至少有本机的 {o.missing} 条变更而本机没有。请导出同步包交给乡镇，"
                  "乡镇的下一个回传包会把它们送回本机；在此之前不会丢失或覆盖任何数据。",
                  f"Note: this PC was probably restored from an older backup; the township holds at least {o.missing} of its "
                  "changes that it lacks. Export a bundle for the township; its next bundle brings them back. "
                  "Nothing is lost or overwritten meanwhile."))


def run_conflicts_list(args: argparse.Namespace) -> int:
    """``conflicts list``: each conflict with the child's name and village, the field's label
    and both values as words (``--json``: the conflict's keys plus ``child_name`` and
    ``village_name``, ``null`` for a record of nobody's file)."""
    from carebook.sync.conflict_values import conflict_subjects

    def read(session: Any) -> tuple[list[ConflictView], dict[tuple[str, str], tuple[str, str]]]:
        rows = list_conflicts(session, status=None if args.all else "open")
        return rows, conflict_subjects(session, [(c.entity, c.record_id) for c in rows])

    site = open_site(args)
    try:
        rows, subjects = site.register.read(read)
    finally:
        site.close()
    if args.json:
        print_json([{**c.to_json(), "child_name": subjects.get((c.entity, c.record_id), (None, None))[0],
                     "village_name": subjects.get((c.entity, c.record_id), (None, None))[1]} for c in rows])
        return 0
    if not rows:
        print(msg("没有待处理的冲突。", "No open conflicts."))
    for c in rows:
        _print_conflict(c, subjects.get((c.entity, c.record_id)))
    return 0


def _print_conflict(c: ConflictView, subject: tuple[str, str] | None = None) -> None:
    from carebook.documents.change_text import entity_label, field_label, value_text
    from carebook.model.i18n import current_language

    zh = current_language() == "zh"
    kind = {"concurrent_edit": msg("同时修改", "edited on both sides"),
            "edit_on_closed": msg("结案时另一方仍在修改", "edited while closed elsewhere"),
            "duplicate_key": msg("身份证号等重复登记", "same ID number registered twice")}.get(c.kind, c.kind)
    status = {"open": msg("待处理", "open"), "resolved": msg("已处理", "resolved")}.get(c.status, c.status)
    if subject is not None:
        child, village = subject
        who = msg(f"{child}（{village}）", f"{child} ({village})") if village else child
        if c.entity != "child":
            who += f" {entity_label(c.entity, zh)}"
    else:
        who = f"{entity_label(c.entity, zh)} {c.record_id[:8]}"
    label = field_label(c.entity, c.field, zh) if c.field else ""
    print(f"{c.id[:8]}  {kind}  {who}  {label}  [{status}]")
    if c.kind == "duplicate_key" and c.a_summary is not None and c.b_summary is not None:
        for side in sorted((c.a_summary, c.b_summary), key=lambda s: s.get("status") != "in_register"):
            print("    " + duplicate_summary_text(side))
        if c.status == "open":
            print("    " + msg(*DUPLICATE_REVIEW_HINT))
        return

    def shown(value: Any, field: str | None, actor: str) -> str:
        text = value_text(c.entity, field, value, zh=zh)
        other = f"{field_label(c.entity, field, zh)}，" if field and field != c.field else ""
        return f"{text}  （{other}{actor}）" if zh else f"{text}  ({other}{actor})"

    print(f"    a: {shown(c.a_value, c.a_field, c.a_actor)}")
    print(f"    b: {shown(c.b_value, c.b_field, c.b_actor)}"
          + (msg("  ← 当前采用", "  <- kept") if c.winner == "b" else ""))


def run_conflicts_resolve(args: argparse.Namespace) -> int:
    """``conflicts resolve``."""
    from carebook.sync.conflict_values import checked_decision_value

    value: Any = None
    if args.keep == "value":
        if args.value is None:
            raise CarebookError("--keep value 需要同时给出 --value", "--keep value needs --value")
        try:
            value = json.loads(args.value)
        except ValueError:
            value = args.value
    site = open_site(args)
    try:
        with site.register.writing() as session:
            actor = str(get_value(session, ACTOR_KEY) or "")
            if args.keep == "value":  # as children update --set would take it, or refused
                value = checked_decision_value(session, args.id, value)
            view = resolve_conflict(session, args.id, keep=args.keep, actor=actor, value=value, note=args.note)
    finally:
        site.close()
    if args.json:
        print_json(view.to_json())
    else:
        print(msg(f"冲突 {view.id[:8]} 已处理。", f"Conflict {view.id[:8]} resolved."))
    return 0


def run_init_from_enrolment(args: argparse.Namespace) -> int:
    """``init --enrolment FILE``: create the register of a village from the township's enrolment
    file: its code and name, its township, sync keys, the township pinned."""
    from carebook.cli.common import ask_new_passphrase_on_tty
    from carebook.sync.enrolment import read_enrolment_file
    from carebook.sync.exchange import setup_village_from_enrolment

    read_enrolment_file(Path(args.enrolment).expanduser(), args.enrolment_code)  # a bad file or code: create nothing
    site = SyncSite.open(data_dir_of(args), create=True, ask_passphrase=ask_new_passphrase_on_tty)
    try:
        if site.register.installation() is not None:
            raise CarebookError("这个数据目录已经初始化过了", "this data directory is already set up")
        inst = setup_village_from_enrolment(site, Path(args.enrolment).expanduser(), code=args.enrolment_code,
                                            actor=args.actor or "")
        own = site.keys().public().fingerprint
    finally:
        site.close()
    if args.json:
        print_json({"installation_id": inst.id, "role": inst.role.code, "org_code": inst.org_code,
                    "org_name": inst.org_name, "fingerprint": own})
    else:
        print(msg(f"已建立：{inst.org_name}（{inst.org_code}），角色：{inst.role.zh}",
                  f"Set up {inst.org_name} ({inst.org_code}) as {inst.role.en}"))
        print(msg(f"本机指纹：{own}（请在电话里与督导员核对）",
                  f"This computer's fingerprint: {own} (compare with the supervisor by phone)"))
        print(msg("请把登记文件从 U 盘上删除。", "Delete the enrolment file from the USB stick now."))
    return 0

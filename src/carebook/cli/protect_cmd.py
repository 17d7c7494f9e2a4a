"""Protection and recovery commands: ``carebook backup``, ``restore``, ``check``, ``recover``,
``recovery-sheet`` and ``rekey`` (see ``docs/cli.md``)."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from carebook.cli.common import (
    ask_new_passphrase_on_tty,
    ask_passphrase_on_tty,
    data_dir_of,
    database_url_of,
    open_database_of,
    print_json,
)
from carebook.model.errors import CarebookError
from carebook.model.i18n import msg

RECOVERY_KEY_ENV = "CAREBOOK_RECOVERY_KEY"
NEW_PASSPHRASE_ENV = "CAREBOOK_NEW_PASSPHRASE"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the protection commands to the command line."""
    p = sub.add_parser("backup", help="take an encrypted backup (optionally copy it to a USB stick)",
                       description="Write a verified, encrypted backup of the register with its key file into "
                                   "<data dir>/backups (rotated), and optionally copy both to DIR.")
    p.add_argument("--to", metavar="DIR", help="also copy the backup to DIR (a USB stick); the copy's key file "
                                                "keeps only the recovery wrap when there is a recovery key")
    p.add_argument("--list", action="store_true", help="list the backups instead of taking one")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_backup)

    p = sub.add_parser("restore", help="restore a backup file into the data directory",
                       description="Open a backup with the recovery key or the passphrase, check it, move the "
                                   "current register aside and put the backup in its place.")
    p.add_argument("file", metavar="FILE", help="the backup (.db); its .keys.json file must be beside it")
    p.add_argument("--recovery-key", metavar="KEY", help=f"the key from the recovery sheet (or ${RECOVERY_KEY_ENV})")
    p.add_argument("--replace", action="store_true", help="replace an existing register (it is moved aside, not deleted)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_restore)

    p = sub.add_parser("check", help="check the register (integrity, foreign keys, change log)",
                       description="Run SQLite's integrity and foreign-key checks and the change-log consistency "
                                   "checks. Exit code 0 when sound, 1 when a problem was found.")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_check)

    p = sub.add_parser("recover", help="move a damaged database aside and offer the latest backup",
                       description="What the app does at start-up: a database that fails its check is moved "
                                   "into <data dir>/damaged-<time>/ and the newest good backup is named.")
    p.add_argument("--restore-latest", action="store_true", help="restore the newest good backup offered")
    p.add_argument("--json", action="store_true", help="print the offer as JSON")
    p.set_defaults(func=run_recover)

    p = sub.add_parser("recovery-sheet", help="make a new recovery key and print its sheet (PDF)",
                       description="Create a new recovery key, write the recovery sheet, then add the key to the "
                                   "register. An earlier recovery key stops working.")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the sheet")
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (includes the recovery key: keep the output secret)")
    p.set_defaults(func=run_recovery_sheet)

    p = sub.add_parser("history", help="a child's history of changes (optionally printed to PDF)",
                       description="Every recorded change of a child's file: when, who, which installation, "
                                   "old and new value.")
    p.add_argument("child", metavar="ID", help="the child's ID number or record id")
    p.add_argument("--pdf", metavar="FILE.pdf", help="write the printable history to FILE.pdf")
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    p.set_defaults(func=run_history)

    p = sub.add_parser("audit", help="who opened which mandatory report, and when",
                       description="List the access audit: each opening of a mandatory report.")
    p.add_argument("--json", action="store_true", help="print the events as JSON")
    p.set_defaults(func=run_audit)

    p = sub.add_parser("rekey", help="re-encrypt the register under a new database key",
                       description="Take a backup, then re-encrypt the register (SQLCipher PRAGMA rekey) under a "
                                   "new random key wrapped as before; the recovery sheet stays valid.")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_rekey)


def _sqlcipher_only(args: argparse.Namespace) -> None:
    if database_url_of(args):
        raise CarebookError("PostgreSQL 数据库请用 pg_dump 备份和恢复。",
                            "Back up and restore a PostgreSQL register with pg_dump.")


def _paths(args: argparse.Namespace) -> Any:
    from carebook.model.paths import DataPaths

    return DataPaths.resolve(data_dir_of(args))


def _existing_folder(to: str) -> Path:
    """``backup --to``'s folder, which must exist: a missing one is taken for a USB stick that is
    not plugged in (as ``enrol create --out``) and refused before any backup is taken, rather than
    created as a local folder that looks like the stick.

    Raises:
        CarebookError: the folder does not exist, or is a file.
    """
    folder = Path(to).expanduser()
    if not folder.exists():
        raise CarebookError(f"找不到文件夹 {folder}：请插好 U 盘，或选择一个已有的文件夹",
                            f"no folder {folder}: plug in the USB stick or choose an existing folder")
    if not folder.is_dir():
        raise CarebookError(f"{folder} 不是文件夹：请选择 U 盘上的一个文件夹",
                            f"{folder} is not a folder: choose a folder on the USB stick")
    return folder


def run_backup(args: argparse.Namespace) -> int:
    """``carebook backup [--to DIR] [--list] [--json]``."""
    from carebook.model.backups import copy_backup, list_backups, load_attachment_list, take_backup
    from carebook.model.recovery import has_recovery_key

    _sqlcipher_only(args)
    if args.list:
        found = list_backups(_paths(args).backups)
        if args.json:
            print_json([b.to_json() for b in found])
        else:
            for b in found:
                print(f"{b.taken_at:%Y-%m-%d %H:%M}Z  {b.kind:<17} {b.size:>10}  {b.path}")
        return 0
    target = _existing_folder(args.to) if args.to else None
    db = open_database_of(args)
    try:
        path = take_backup(db, kind="manual")
        copied = copy_backup(path, db.keystore, target) if target is not None else None
        recovery = has_recovery_key(db.keystore.info)
        passphrase_wrap = "passphrase" in db.keystore.wrap_kinds
    finally:
        db.close()
    attachments = len(load_attachment_list(path))
    if args.json:
        print_json({"backup": str(path), "copy": str(copied) if copied else None, "has_recovery_key": recovery,
                    "attachments": attachments})
        return 0
    print(msg(f"已备份：{path}", f"backup written: {path}"))
    if attachments:
        print(msg(f"附件文件 {attachments} 个（加密）已一并备份", f"with {attachments} attachment files (encrypted)"))
    if copied:
        print(msg(f"已复制到：{copied}（连同 {copied.name}.keys.json）", f"copied to: {copied} (with {copied.name}.keys.json)"))
    if not recovery and passphrase_wrap:
        print(msg("提醒：还没有恢复密钥，电脑损坏后只能用密码恢复。请运行 carebook recovery-sheet。",
                  "Note: no recovery key yet; on a new PC only the passphrase can open this backup. "
                  "Run 'carebook recovery-sheet'."), file=sys.stderr)
    elif not recovery:
        print(msg("警告：还没有恢复密钥，密钥只在本机系统钥匙串中。电脑损坏后这个备份将无法打开！"
                  "请立即运行 carebook recovery-sheet 打印恢复单。",
                  "Warning: no recovery key yet and the key is only in this PC's keyring: on another PC this "
                  "backup cannot be opened! Run 'carebook recovery-sheet' now."), file=sys.stderr)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """``carebook restore FILE [--recovery-key KEY] [--replace] [--json]``."""
    from carebook.model.backups import restore_backup

    _sqlcipher_only(args)
    paths = _paths(args)
    if paths.database.exists() and not args.replace:
        raise CarebookError(
            f"{paths.root} 里已经有数据库。如确要用备份替换它（原数据库会移到 replaced-… 文件夹保存），请加 --replace。",
            f"{paths.root} already holds a register. To replace it with the backup (the current one is moved "
            "into a replaced-… folder), add --replace.",
        )
    recovery_key = args.recovery_key or os.environ.get(RECOVERY_KEY_ENV) or None
    new_passphrase = os.environ.get(NEW_PASSPHRASE_ENV) or None
    result = restore_backup(Path(args.file).expanduser(), paths, recovery_key=recovery_key,
                            new_passphrase=new_passphrase, ask_passphrase=ask_passphrase_on_tty)
    if args.json:
        print_json({"database": str(result.database), "replaced": str(result.replaced_dir) if result.replaced_dir else None,
                    "schema_revision": result.schema_revision, "new_keys": result.new_keys,
                    "attachments": {"copied": result.attachments.copied, "present": result.attachments.present,
                                    "missing": result.attachments.missing, "damaged": result.attachments.damaged}})
    else:
        print(msg(f"已恢复到 {result.database}", f"restored into {result.database}"))
        if result.replaced_dir:
            print(msg(f"原数据库已移到 {result.replaced_dir}", f"the previous register was moved to {result.replaced_dir}"))
        lost = result.attachments.missing + result.attachments.damaged
        if lost:
            print(msg(f"注意：{len(lost)} 个附件的文件不在备份中或已损坏：{'、'.join(lost[:5])}",
                      f"Note: the files of {len(lost)} attachments are not in the backup or damaged: "
                      f"{', '.join(lost[:5])}"), file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    """``carebook check [--json]``: exit 0 when sound, 1 when a problem was found."""
    from carebook.cli.common import open_register
    from carebook.model.db import DatabaseUnreadable
    from carebook.model.integrity import CheckProblem, CheckReport, check_register

    try:
        reg = open_register(args)
    except DatabaseUnreadable as exc:
        report = CheckReport(checks=["open"], problems=[CheckProblem("open", exc.message_zh, exc.message_en)])
    except Exception as exc:
        if isinstance(exc, CarebookError) or "sqlcipher" not in type(exc).__module__:
            raise
        report = CheckReport(checks=["open"], problems=[CheckProblem(
            "open", f"数据库无法打开：{exc}。请运行 carebook recover。",
            f"The database cannot be opened: {exc}. Run 'carebook recover'.")])
    else:
        try:
            report = check_register(reg.sessions, attachments_dir=reg.data_dir / "attachments" if reg.data_dir else None)
        finally:
            reg.close()
    if args.json:
        print_json(report.to_json())
    elif report.ok:
        print(msg(f"检查通过：{report.counts.get('records', 0)} 条记录，{report.counts.get('change_log', 0)} 条变更记录，没有发现问题。",
                  f"check passed: {report.counts.get('records', 0)} records, {report.counts.get('change_log', 0)} "
                  "change-log entries, no problem found."))
    else:
        for problem in report.problems:
            print(f"[{problem.check}] {problem.message}")
    return 0 if report.ok else 1


def run_recover(args: argparse.Namespace) -> int:
    """``carebook recover [--restore-latest] [--json]``."""
    from carebook.model.backups import restore_backup
    from carebook.model.integrity import recover_from_damage

    _sqlcipher_only(args)
    offer = recover_from_damage(data_dir_of(args), ask_passphrase=ask_passphrase_on_tty)
    restored = None
    no_backup = offer.status != "healthy" and offer.latest is None
    if args.restore_latest and offer.status != "healthy" and offer.latest is not None:
        restored = restore_backup(offer.latest, offer.data_dir, ask_passphrase=ask_passphrase_on_tty).database
    if args.json:
        print_json(offer.to_json() | {"restored": str(restored) if restored else None})
        return 1 if no_backup and args.restore_latest else 0
    if offer.status == "healthy":
        print(msg("数据库完好，不需要恢复。", "the database is sound; nothing to recover"))
        return 0
    print(offer.problem)
    if offer.moved_to:
        print(msg(f"损坏的数据库已移到 {offer.moved_to}", f"the damaged database was moved to {offer.moved_to}"))
    if restored:
        print(msg(f"已从 {offer.latest} 恢复", f"restored from {offer.latest}"))
    elif offer.latest:
        print(msg(f"最新的可用备份：{offer.latest}（用 --restore-latest 恢复）",
                  f"newest good backup: {offer.latest} (restore it with --restore-latest)"))
    else:
        print(msg("这台电脑上没有可以恢复的备份。请找到U盘上的备份，用 carebook restore 文件 恢复；"
                  "没有备份时请联系技术支持，从损坏的文件中抢救数据（不要重新 init）。",
                  "No backup to restore on this PC. Find a backup on a USB stick and restore it with "
                  "'carebook restore FILE'; without one, ask support to rescue data from the damaged file "
                  "(do not init again)."), file=sys.stderr if args.restore_latest else sys.stdout)
        return 1 if args.restore_latest else 0
    return 0


def run_recovery_sheet(args: argparse.Namespace) -> int:
    """``carebook recovery-sheet --out FILE.pdf [--json]``."""
    from carebook.documents.recovery_sheet import RecoverySheetData, write_recovery_sheet
    from carebook.model.installation import find_installation
    from carebook.model.recovery import (
        format_recovery_key,
        generate_recovery_key,
        recovery_public_key,
        set_recovery_key,
    )

    _sqlcipher_only(args)
    db = open_database_of(args)
    try:
        with db.sessionmaker() as session:
            inst = find_installation(session)
        if inst is None:
            raise CarebookError("请先运行 carebook init。", "run 'carebook init' first")
        key = generate_recovery_key()
        key_id = hashlib.sha256(recovery_public_key(key)).hexdigest()[:16]
        out = write_recovery_sheet(Path(args.out).expanduser(), RecoverySheetData(
            recovery_key=key, org_name=inst.org_name, org_code=inst.org_code, printed_on=dt.date.today(), key_id=key_id))
        set_recovery_key(db.keystore, key)  # only once the sheet is safely written
    finally:
        db.close()
    if args.json:
        print_json({"sheet": str(out), "key_id": key_id, "recovery_key": format_recovery_key(key)})
    else:
        print(msg(f"恢复单已写入 {out}。请立即打印，锁好保管，然后删除这个 PDF 文件。",
                  f"recovery sheet written to {out}. Print it now, lock it away, then delete the PDF."))
    return 0


def run_rekey(args: argparse.Namespace) -> int:
    """``carebook rekey [--json]``."""
    from carebook.model.keys import keyring_backend_usable
    from carebook.model.recovery import rotate_database_key

    _sqlcipher_only(args)
    db = open_database_of(args)
    keystore, paths = db.keystore, db.paths
    db.close()
    passphrase = os.environ.get("CAREBOOK_PASSPHRASE") or None
    if passphrase is None and "passphrase" in keystore.wrap_kinds:
        passphrase = ask_new_passphrase_on_tty()
    if passphrase is None and not keyring_backend_usable():
        passphrase = ask_new_passphrase_on_tty()
    result = rotate_database_key(paths, keystore, passphrase=passphrase)
    if args.json:
        print_json({"backup": str(result.backup), "fingerprint": result.fingerprint})
    else:
        print(msg(f"已更换数据库密钥（新指纹 {result.fingerprint}）；更换前的备份：{result.backup}",
                  f"database key rotated (new fingerprint {result.fingerprint}); backup taken first: {result.backup}"))
    return 0


def run_history(args: argparse.Namespace) -> int:
    """``carebook history ID [--pdf FILE.pdf] [--json]``."""
    from carebook.cli.common import open_register
    from carebook.documents import change_text
    from carebook.documents.history_pdf import history_data, write_history
    from carebook.model.i18n import current_language

    reg = open_register(args)
    try:
        data = history_data(reg, args.child)
    finally:
        reg.close()
    if args.pdf:  # the printable history only (the text listing is for the screen)
        path = Path(args.pdf).expanduser()
        write_history(data, path)
        if not args.json:
            print(msg(f"已写入 {path}（{len(data.entries)} 条记录）", f"written: {path} ({len(data.entries)} entries)"))
            return 0
    if args.json:
        print_json([{"at_utc": e.at_utc, "actor": e.actor, "origin": e.origin, "entity": e.entity,
                     "record_id": e.record_id, "op": e.op, "field": e.field, "old": e.old, "new": e.new}
                    for e in data.entries])
        return 0
    zh = current_language() == "zh"
    names = change_text.member_names(data.entries, zh)
    for e in data.entries:
        where = data.installations.get(e.origin, e.origin[:8])
        item = change_text.record_label(e.entity, e.record_id, names, zh)
        if e.op == "update":
            label = change_text.field_label(e.entity, e.field or "", zh)
            old = change_text.value_text(e.entity, e.field, e.old, zh=zh, names=names)
            new = change_text.value_text(e.entity, e.field, e.new, zh=zh, names=names)
            what = f"{label}{'：' if zh else ': '}{old} → {new}"
        else:
            record = e.new if e.op == "insert" else e.old
            summary = change_text.record_summary(e.entity, record, zh=zh, names=names, max_length=None) \
                if isinstance(record, dict) else ""
            what = change_text.op_label(e.op, zh) + (f"{'：' if zh else ': '}{summary}" if summary else "")
        print(f"{e.at_utc.astimezone():%Y-%m-%d %H:%M}  {e.actor}  {where}  {item}  {what}")
    if args.pdf:
        print(msg(f"已写入 {args.pdf}", f"written to {args.pdf}"))
    return 0


def run_audit(args: argparse.Namespace) -> int:
    """``carebook audit [--json]``."""
    from carebook.cli.common import open_register
    from carebook.model.audit import audit_events

    reg = open_register(args)
    try:
        events = reg.read(audit_events)
    finally:
        reg.close()
    if args.json:
        print_json([{"at_utc": e.at_utc, "actor": e.actor, "installation_id": e.installation_id,
                     "action": e.action, "entity": e.entity, "record_id": e.record_id} for e in events])
        return 0
    if not events:
        print(msg("没有记录", "no records"))
    for e in events:
        print(f"{e.at_utc.astimezone():%Y-%m-%d %H:%M}  {e.actor}  {e.action}  {e.record_id}")
    return 0

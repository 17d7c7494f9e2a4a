"""``carebook init``: set up a new installation (village, township or county)."""

from __future__ import annotations

import argparse
import contextlib
import shutil
from pathlib import Path

from carebook.cli.common import data_dir_of, database_url_of, open_register, print_json
from carebook.model.errors import CarebookError, FileAccessError
from carebook.model.i18n import msg
from carebook.model.keys import forget_keystore
from carebook.model.paths import DATABASE_FILENAME, KEYINFO_FILENAME, DataPaths
from carebook.sync.identity import ensure_installation_keys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` to the command line."""
    p = sub.add_parser("init", help="set up a new installation (village or township)",
                       description="Create the encrypted register in the data directory and record the "
                                   "organisation this PC serves.")
    p.add_argument("--enrolment", metavar="FILE", help="a village starts from the township's enrolment file "
                                                        "(role, codes and names come from it)")
    p.add_argument("--enrolment-code", help="the 12-digit code the supervisor reads out by phone")
    p.add_argument("--role", choices=["village", "township", "county"], help="required without --enrolment")
    p.add_argument("--org-code", help="division code: 12 digits (village), 9 (township), 6 (county)")
    p.add_argument("--org-name", help="e.g. 某某村民委员会")
    p.add_argument("--parent-code", help="the township's (or county's) division code")
    p.add_argument("--parent-name", help="the township's (or county's) name")
    p.add_argument("--actor", help="the name recorded as author of changes (the child director)")
    p.add_argument("--json", action="store_true", help="print the installation as JSON")
    p.set_defaults(func=run)


def _check_arguments(args: argparse.Namespace) -> None:
    """Every argument checked before anything is created (a refused ``init`` leaves nothing).

    Raises:
        CarebookError: a missing argument, a code of the wrong length for the role, a code not
            inside its parent (:mod:`carebook.model.division_rules`), a missing or too long name.
    """
    from carebook.model.division_rules import check_role_code, check_within
    from carebook.model.errors import ValidationError

    if not (args.role and args.org_code and args.org_name):
        raise CarebookError("请给出 --role、--org-code 和 --org-name（村里可以用 --enrolment 登记文件）",
                            "give --role, --org-code and --org-name (a village may use --enrolment FILE)")
    code = check_role_code(args.role, args.org_code, "org_code")
    if args.parent_code:
        check_within(code, args.parent_code, "parent_code")
    for value, max_length, label_zh, label_en in ((args.org_name, 100, "单位名称（--org-name）", "--org-name"),
                                                  (args.parent_name, 100, "上级名称（--parent-name）", "--parent-name"),
                                                  (args.actor, 100, "记录人（--actor）", "--actor")):
        if value is not None and len(value.strip()) > max_length:
            raise ValidationError.single("org_name", f"{label_zh}太长（最多{max_length}个字）",
                                         f"{label_en} is too long (at most {max_length} characters)")
    if not args.org_name.strip():
        raise CarebookError("请填写单位名称（--org-name）", "the organisation name (--org-name) is required")


def _existing(root: Path) -> list[Path]:
    """The data directory's paths that exist now (what a failed run must not remove)."""
    return [p for p in (root, *root.glob("*")) if p.exists()]


def _remove_new(root: Path, existed: list[Path]) -> None:
    """Remove what this run created in ``root`` (files and folders that were not in ``existed``)."""
    keep = set(existed)
    if root.exists():
        for path in sorted(root.glob("*"), reverse=True):
            if path in keep:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
        if root not in keep:
            with contextlib.suppress(OSError):
                root.rmdir()


def run(args: argparse.Namespace) -> int:
    """Create the register and initialise it. Arguments are checked first; if setting up
    fails half-way, the files this run created are removed (nothing it did not create)."""
    if args.enrolment:
        from carebook.cli.sync_cmd import run_init_from_enrolment

        return run_init_from_enrolment(args)
    _check_arguments(args)
    root = DataPaths.resolve(data_dir_of(args)).root if not database_url_of(args) else None
    fresh = root is not None and not (root / DATABASE_FILENAME).exists() and not (root / KEYINFO_FILENAME).exists()
    existed = _existing(root) if fresh and root is not None else []
    try:
        reg = open_register(args, create=True)
    except BaseException as exc:
        if fresh and root is not None:
            _remove_new(root, existed)
        if isinstance(exc, OSError):
            raise FileAccessError(exc, doing_zh="建立数据目录", doing_en="create the data directory") from None
        raise
    done = False
    try:
        if reg.installation() is not None:
            raise CarebookError("这个数据目录已经初始化过了", "this data directory is already set up")
        inst = reg.initialise(role=args.role, org_code=args.org_code, org_name=args.org_name,
                              parent_code=args.parent_code, parent_name=args.parent_name, actor=args.actor or "")
        keys = ensure_installation_keys(reg.keystore, inst.id)
        done = True
    finally:
        if not done and fresh and root is not None:
            keystore = reg.keystore
            reg.close()
            if keystore is not None:
                forget_keystore(keystore)
            _remove_new(root, existed)
        else:
            reg.close()
    if args.json:
        print_json({"installation_id": inst.id, "role": inst.role.code, "org_code": inst.org_code,
                    "org_name": inst.org_name, "fingerprint": keys.public().fingerprint})
    else:
        print(msg(f"已建立：{inst.org_name}（{inst.org_code}），角色：{inst.role.zh}",
                  f"Set up {inst.org_name} ({inst.org_code}) as {inst.role.en}"))
        print(msg(f"本机密钥指纹（电话核对用）：{keys.public().fingerprint}",
                  f"key fingerprint (compare by phone): {keys.public().fingerprint}"))
    return 0

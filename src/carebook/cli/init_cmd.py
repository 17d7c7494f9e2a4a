"""``carebook init``: set up a new installation (village, township or county)."""

from __future__ import annotations

import argparse

from carebook.cli.common import open_register, print_json
from carebook.model.errors import CarebookError
from carebook.model.i18n import msg
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


def run(args: argparse.Namespace) -> int:
    """Create the register and initialise it."""
    if args.enrolment:
        from carebook.cli.sync_cmd import run_init_from_enrolment

        return run_init_from_enrolment(args)
    if not (args.role and args.org_code and args.org_name):
        raise CarebookError("请给出 --role、--org-code 和 --org-name（村里可以用 --enrolment 登记文件）",
                            "give --role, --org-code and --org-name (a village may use --enrolment FILE)")
    reg = open_register(args, create=True)
    try:
        if reg.installation() is not None:
            raise CarebookError("这个数据目录已经初始化过了", "this data directory is already set up")
        inst = reg.initialise(role=args.role, org_code=args.org_code, org_name=args.org_name,
                              parent_code=args.parent_code, parent_name=args.parent_name, actor=args.actor or "")
        keys = ensure_installation_keys(reg.keystore, inst.id)
    finally:
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

"""``carebook demo [--no-open]``: a ready demo workspace with synthetic people.

A township (某某镇) with three villages and about 300 synthetic children, with visits,
entrustment confirmations in every state, a few mandatory reports and referrals. Every name and
ID number is made up (:mod:`carebook.model.synthetic`). The workspace lives in ``--data-dir``,
or ``$CAREBOOK_DATA_DIR``, or a ``demo`` folder inside the user data folder, never on top of a
real register. Where no OS keyring works and no ``$CAREBOOK_PASSPHRASE`` is set, the demo uses
the published passphrase :data:`DEMO_PASSPHRASE` (the data are synthetic).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from carebook.cli.common import print_json
from carebook.model.i18n import msg
from carebook.model.keys import PASSPHRASE_ENV, keyring_backend_usable
from carebook.model.paths import DATA_DIR_ENV, default_data_dir

DEMO_PASSPHRASE = "carebook-demo"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command line."""
    p = sub.add_parser("demo", help="create a demo workspace with synthetic children and open it")
    p.add_argument("--no-open", action="store_true", help="create it, but do not start the desktop app")
    p.add_argument("--children", type=int, default=300, help="how many synthetic children (default 300)")
    p.add_argument("--seed", type=int, default=20261129, help="random seed (same seed, same people)")
    p.add_argument("--json", action="store_true", help="print the workspace as JSON")
    p.set_defaults(func=run)


def demo_data_dir(args: argparse.Namespace) -> Path:
    """Where the demo lives: ``--data-dir``, else ``$CAREBOOK_DATA_DIR``, else
    ``<user data folder>/demo``."""
    if getattr(args, "data_dir", None):
        return Path(args.data_dir).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else default_data_dir() / "demo"


def run(args: argparse.Namespace) -> int:
    """Create (or reuse) the demo workspace, then open it unless ``--no-open``."""
    from carebook.model.demo_data import build_demo
    from carebook.model.register import Register

    data_dir = demo_data_dir(args)
    if not os.environ.get(PASSPHRASE_ENV) and not keyring_backend_usable():
        os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
        print(msg(f"（演示数据为虚构人员，数据库密码：{DEMO_PASSPHRASE}）",
                  f"(synthetic demo data; database passphrase: {DEMO_PASSPHRASE})"))
    reg = Register.open(data_dir, create=True)
    try:
        created = False
        if reg.installation() is None:
            build_demo(reg, children=args.children, seed=args.seed)
            created = True
        count = len(reg.list_children())
    finally:
        reg.close()
    if args.json:
        print_json({"data_dir": str(data_dir), "created": created, "children": count})
    else:
        print(msg(f"演示工作区：{data_dir}（{count} 名儿童）", f"demo workspace: {data_dir} ({count} children)"))
    if args.no_open:
        return 0
    from carebook.ui.app import run_app

    return run_app(data_dir)

"""``carebook demo [--no-open]``: a ready demo workspace with synthetic people.

A township (某某镇) with three villages and about 300 synthetic children, with visits,
entrustment confirmations in every state, a few mandatory reports and referrals. Every name and
ID number is made up (:mod:`carebook.model.synthetic`). The workspace lives in ``--data-dir``,
or ``$CAREBOOK_DATA_DIR``, or a ``demo`` folder inside the user data folder, never on top of a
real register: a folder that holds a register without the demo's marker file
(:data:`DEMO_MARKER`) is refused. Where no OS keyring works and no ``$CAREBOOK_PASSPHRASE`` is set, the demo uses
the published passphrase :data:`DEMO_PASSPHRASE` (the data are synthetic).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from carebook.cli.common import print_json
from carebook.model.errors import CarebookError
from carebook.model.i18n import msg
from carebook.model.keys import PASSPHRASE_ENV, keyring_backend_usable
from carebook.model.paths import DATA_DIR_ENV, default_data_dir

if TYPE_CHECKING:
    from carebook.model.register import Register

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


#: The file that marks a data directory as a demo workspace (written when the demo is built).
DEMO_MARKER = "carebook-demo.txt"
_MARKER_TEXT = ("Carebook demo workspace: every person in it is invented (synthetic).\n"
                "Carebook 演示工作区：其中的人员都是虚构的。\n")


def _not_a_demo(data_dir: Path) -> CarebookError:
    return CarebookError(
        f"{data_dir} 里是一个真实的 Carebook 数据库，不是演示工作区：演示不会打开或改动它。"
        "请用另一个文件夹（--data-dir）放演示，或不加 --data-dir（演示放在用户数据文件夹的 demo 文件夹里）。",
        f"{data_dir} holds a real Carebook register, not a demo workspace: the demo will not open or "
        "change it. Give the demo another folder (--data-dir), or none (it then lives in the 'demo' "
        "folder of the user data folder).")


def _is_legacy_demo(reg: Register) -> bool:
    """A demo built before the marker file existed: the demo township set up by the demo's
    supervisor (:mod:`carebook.model.demo_data`)."""
    from carebook.model.demo_data import SUPERVISOR, TOWNSHIP
    from carebook.model.installation import ACTOR_KEY
    from carebook.model.settings import get_value

    inst = reg.installation()
    return (inst is not None and (inst.org_code, inst.org_name) == TOWNSHIP
            and reg.read(get_value, ACTOR_KEY) == SUPERVISOR)


def run(args: argparse.Namespace) -> int:
    """Create (or reuse) the demo workspace, then open it unless ``--no-open``.

    Raises:
        CarebookError: the folder holds a real register (no :data:`DEMO_MARKER` and not a demo
            built before the marker existed), or no display to open it on.
    """
    from carebook.model.demo_data import build_demo
    from carebook.model.keys import WrongKeyError
    from carebook.model.paths import DATABASE_FILENAME
    from carebook.model.register import Register

    if not args.no_open:
        from carebook.cli.main import check_display

        check_display("carebook demo")
    data_dir = demo_data_dir(args)
    marked = (data_dir / DEMO_MARKER).is_file()
    existing = (data_dir / DATABASE_FILENAME).exists()
    if not os.environ.get(PASSPHRASE_ENV) and not keyring_backend_usable():
        os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
        print(msg(f"（演示数据为虚构人员，数据库密码：{DEMO_PASSPHRASE}）",
                  f"(synthetic demo data; database passphrase: {DEMO_PASSPHRASE})"),
              file=sys.stderr if args.json else sys.stdout)  # --json: standard output is the JSON only
    try:
        reg = Register.open(data_dir, create=True)
    except WrongKeyError:
        if existing and not marked:
            raise _not_a_demo(data_dir) from None
        raise
    try:
        created = False
        if existing and not marked:
            if not _is_legacy_demo(reg):
                raise _not_a_demo(data_dir)
            (data_dir / DEMO_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        if reg.installation() is None:
            (data_dir / DEMO_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
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

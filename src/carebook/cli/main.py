"""The ``carebook`` command: argument parsing, language, error handling, dispatch.

With no subcommand it starts the desktop app (``--screenshot FILE.png`` renders one page to a PNG
and exits). Exit codes: 0 success, 1 a user error (one line, no traceback), 2 a usage error,
130 interrupted (Ctrl-C: "已中断，数据没有改动"; every write is one transaction, so an
interrupted command changes nothing). This module imports only the standard library at load
time: the rest is imported inside :func:`main`, so a Ctrl-C while modules load is answered
like any other. A SQLite error that reaches the top (a damaged, unreadable or read-only
register) is told in words (:func:`carebook.model.db.database_error`), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from carebook import __version__
from carebook.model.i18n import msg, set_language

#: Command modules; each has ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES = [
    "carebook.cli.init_cmd",
    "carebook.cli.children_cmd",
    "carebook.cli.demo_cmd",
    "carebook.cli.bundle_cmd",
    "carebook.cli.sync_cmd",
    "carebook.cli.relay_cmd",
    "carebook.cli.ledger_cmd",
    "carebook.cli.form_cmd",
    "carebook.cli.protect_cmd",
    "carebook.cli.staff_cmd",
    "carebook.cli.township_cmd",
    "carebook.cli.duplicates_cmd",
]

#: Pages of ``--screenshot --page``: the village app's, then the township's (township role only).
PAGES = ("register", "child", "visits", "entrustments", "reports", "sync", "settings",
         "overview", "staff", "allowances", "enrolment", "duplicates")


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The full argument parser (also used by the documentation test); with ``commands=False``
    only the global options (the desktop start: no command module is imported)."""
    parser = argparse.ArgumentParser(
        prog="carebook",
        description="Carebook: the register of left-behind children and children in difficulty. "
                    "Without a command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"carebook {__version__}")
    parser.add_argument("--data-dir", help="data directory (default: $CAREBOOK_DATA_DIR or the user data folder)")
    parser.add_argument("--database-url", metavar="URL",
                        help="keep the register on a PostgreSQL server, e.g. postgresql+psycopg://carebook@dbhost/carebook "
                             "(default: $CAREBOOK_DATABASE_URL; keys and attachments stay in the data directory)")
    parser.add_argument("--lang", choices=["zh", "en"], help="message language (default zh, or $CAREBOOK_LANG)")
    parser.add_argument("--screenshot", metavar="FILE.png", help="render the main window to a PNG and exit")
    parser.add_argument("--page", choices=PAGES, default="register", help="page for --screenshot")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _starts_desktop(argv: Sequence[str]) -> bool:
    """Whether ``argv`` holds global options only (the desktop app or ``--screenshot``), so the
    command modules need not be imported: about a second of the app's start (issue 9)."""
    if any(arg == "-h" or (arg.startswith("--h") and "--help".startswith(arg)) for arg in argv):
        return False
    light = build_parser(commands=False)
    light.exit_on_error = False
    try:
        _, rest = light.parse_known_args(argv)
    except argparse.ArgumentError:
        return False  # the full parser reports it
    return not rest


def _screenshot(args: argparse.Namespace) -> int:
    from carebook.cli.common import open_register
    from carebook.ui.screenshot import take_screenshot

    reg = open_register(args)
    try:
        take_screenshot(reg, Path(args.screenshot), args.page)
    finally:
        reg.close()
    return 0


def check_display(command: str = "carebook") -> None:
    """Refuse to start the desktop where there is no display (Linux without ``$DISPLAY`` or
    ``$WAYLAND_DISPLAY`` and no ``$QT_QPA_PLATFORM``), where Qt would abort with its xcb plugin
    message (exit 134). ``command`` is shown in the ``xvfb-run`` suggestion.

    Raises:
        CarebookError: no display.
    """
    if sys.platform.startswith("linux") and not any(
            os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        from carebook.model.errors import CarebookError

        demo = command.endswith("demo")
        instead_zh = "请加 --no-open 只建立演示" if demo else "请使用命令（carebook --help）或 --screenshot"
        instead_en = "add --no-open to only build the demo" if demo else "use the commands (carebook --help) or --screenshot"
        raise CarebookError(f"没有图形界面（没有设置 DISPLAY）：{instead_zh}，或用 xvfb-run {command} 运行",
                            f"no display (DISPLAY is not set): {instead_en}, or run it under xvfb-run ({command})")


def _desktop(args: argparse.Namespace) -> int:
    from carebook.cli.common import data_dir_of

    check_display()
    from carebook.ui.app import run_app

    return run_app(data_dir_of(args))


def _early_language(argv: Sequence[str]) -> str:
    """The message language before the arguments are parsed (``--lang``, ``--lang=``,
    ``$CAREBOOK_LANG``, else ``zh``)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
    return os.environ.get("CAREBOOK_LANG", "zh")


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a Ctrl-C (a clean-up that fails on
    the interrupted connection raises e.g. SQLAlchemy's ``PendingRollbackError`` instead)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__context__
    return False


def _database_message(exc: BaseException, args: argparse.Namespace | None) -> str | None:
    """The user's message for a SQLite error of the register, or ``None`` (see
    :func:`carebook.model.db.database_error`)."""
    module = type(exc).__module__
    orig = getattr(exc, "orig", None)
    if not (module.startswith("sqlcipher3") or module.startswith("sqlalchemy")
            or type(orig).__module__.startswith("sqlcipher3")):
        return None
    from carebook.cli.common import data_dir_of
    from carebook.model.db import database_error
    from carebook.model.paths import DataPaths

    try:
        path = DataPaths.resolve(data_dir_of(args) if args is not None else None).database
    except Exception:
        path = Path("carebook.db")
    error = database_error(exc, path)
    return error.message if error is not None else None


def _os_message(exc: BaseException) -> str | None:
    """The user's message for a common operating-system error (missing file, no permission,
    read-only or full disk: :func:`carebook.model.errors.os_error_text`), else ``None``."""
    import errno

    if not isinstance(exc, OSError) or exc.errno not in (errno.ENOENT, errno.EACCES, errno.EPERM, errno.EROFS,
                                                         errno.ENOSPC):
        return None
    from carebook.model.errors import FileAccessError

    return FileAccessError(exc).message


def _named(exc: BaseException) -> str:
    """The message of a user error; a field rule's message that does not name its field
    (e.g. 内容太长（最多40个字）) gets the field's label in front (年级：内容太长…)."""
    from carebook.model.child_fields import field_label
    from carebook.model.errors import CarebookError, ValidationError
    from carebook.model.i18n import current_language

    assert isinstance(exc, CarebookError)
    if isinstance(exc, ValidationError) and exc.field:
        label = field_label(exc.field, current_language() == "zh")
        if label != exc.field and label not in exc.message:
            return msg(f"{label}：{exc.message}", f"{label}: {exc.message}")
    return exc.message


def _run(argv: list[str], parsed: list[argparse.Namespace]) -> int:
    from carebook.cli.common import stdout_utf8

    stdout_utf8()
    parser = build_parser(commands=not _starts_desktop(argv))
    args = parser.parse_args(argv)
    parsed.append(args)
    set_language(args.lang or os.environ.get("CAREBOOK_LANG", "zh"))
    if args.command is None:
        return _screenshot(args) if args.screenshot else _desktop(args)
    result: int = args.func(args)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(_early_language(argv))
    garbled = next((a for a in argv if any("\udc80" <= ch <= "\udcff" for ch in a)), None)
    if garbled is not None:  # bytes that are not UTF-8 (Python keeps them as lone surrogates, PEP 383)
        shown = garbled.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")[:80]
        print("carebook: " + msg(
            f"命令行参数里有无法识别的文字（不是 UTF-8 编码）：{shown}。没有做任何改动。"
            "请检查终端的编码设置（应为 UTF-8），或重新输入这段文字",
            f"An argument holds text that is not UTF-8: {shown}. Nothing was changed. Check the "
            "terminal's encoding (it should be UTF-8) or type the text again"), file=sys.stderr)
        return 2
    parsed: list[argparse.Namespace] = []
    try:
        from carebook.model.errors import CarebookError

        try:
            return _run(argv, parsed)
        except CarebookError as exc:
            print(f"carebook: {_named(exc)}", file=sys.stderr)
            return 1
        except Exception as exc:
            if _interrupted(exc):
                raise KeyboardInterrupt from None
            text = _database_message(exc, parsed[0] if parsed else None) or _os_message(exc)
            if text is None:
                raise
            print(f"carebook: {text}", file=sys.stderr)
            return 1
    except BrokenPipeError:  # output piped into e.g. ``head``, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 141
    except KeyboardInterrupt:
        print(msg("carebook：已中断，数据没有改动", "carebook: interrupted; nothing was changed"), file=sys.stderr)
        return 130

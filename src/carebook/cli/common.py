"""Helpers shared by the command modules: opening the register, JSON output, ``--set``.

Errors a person can cause are :class:`~carebook.model.errors.CarebookError`; :func:`main`
prints their message on one line and exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from carebook.model.errors import CarebookError
from carebook.model.i18n import msg
from carebook.model.jsonvalues import to_json_value
from carebook.model.register import Register


def data_dir_of(args: argparse.Namespace) -> Path | None:
    """The ``--data-dir`` given, if any (else the model resolves ``$CAREBOOK_DATA_DIR`` or the
    platform default)."""
    value = getattr(args, "data_dir", None)
    return Path(value).expanduser() if value else None


def ask_passphrase_on_tty() -> str | None:
    """Ask for the passphrase on the terminal (only when standard input is a terminal)."""
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(msg("请输入 Carebook 数据库密码：", "Carebook database passphrase: ")) or None


def ask_new_passphrase_on_tty() -> str | None:
    """Ask twice for a new passphrase on the terminal; ``None`` without a terminal.

    Raises:
        CarebookError: the two entries differ.
    """
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(msg("设置数据库密码（至少8位）：", "Choose a database passphrase (8+ characters): "))
    second = getpass.getpass(msg("再输入一次：", "Repeat it: "))
    if first != second:
        raise CarebookError("两次输入的密码不一致", "the two passphrases differ")
    return first or None


DATABASE_URL_ENV = "CAREBOOK_DATABASE_URL"


def database_url_of(args: argparse.Namespace) -> str | None:
    """The ``--database-url`` given, else ``$CAREBOOK_DATABASE_URL``, else ``None`` (the
    SQLCipher file in the data directory)."""
    return getattr(args, "database_url", None) or os.environ.get(DATABASE_URL_ENV) or None


def open_database_of(args: argparse.Namespace, *, create: bool = False) -> Any:
    """Open the database the command line names: a :class:`carebook.model.db_url.UrlDatabase`
    for ``--database-url`` (keys kept in ``--data-dir``), else the SQLCipher
    :class:`carebook.model.db.Database` of ``--data-dir``. Both have ``sessionmaker``,
    ``keystore``, ``paths`` and ``close()``.

    Raises:
        CarebookError: unreachable server, no database, wrong passphrase, newer schema, …
    """
    ask = ask_new_passphrase_on_tty if create else ask_passphrase_on_tty
    url = database_url_of(args)
    if url:
        from carebook.model.db_url import open_database_url
        from carebook.model.paths import DataPaths

        return open_database_url(url, data_dir=DataPaths.resolve(data_dir_of(args)), ask_passphrase=ask,
                                 create_keys=create)  # fmt: skip
    from carebook.model.db import open_database

    return open_database(data_dir_of(args), create=create, ask_passphrase=ask)


def open_register(args: argparse.Namespace, *, create: bool = False) -> Register:
    """Open the register of ``--data-dir`` (passphrase from ``$CAREBOOK_PASSPHRASE`` or the
    terminal when no keyring holds the key), or the PostgreSQL register of ``--database-url``.

    Raises:
        CarebookError: no database, wrong passphrase, newer schema, unreachable server, …
    """
    if database_url_of(args):
        db = open_database_of(args, create=create)
        reg = Register(db.sessionmaker, data_dir=db.paths.root if db.paths else None, close=db.close)
        reg.keystore = db.keystore  # the local key store (sync keys), as Register.open keeps it
        return reg
    ask = ask_new_passphrase_on_tty if create else ask_passphrase_on_tty
    return Register.open(data_dir_of(args), create=create, ask_passphrase=ask)


def print_json(value: Any) -> None:
    """Print ``value`` as JSON (UTF-8, indented, dates ISO 8601) on standard output."""
    json.dump(to_json_value(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``FIELD=VALUE`` strings to a dict (an empty VALUE clears the field).

    Raises:
        CarebookError: an item without ``=``.
    """
    values: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise CarebookError(f"“{item}”应写成 字段=值，如 risk_colour=red",
                                f"'{item}' must be FIELD=VALUE, e.g. risk_colour=red")
        key, value = item.split("=", 1)
        values[key.strip()] = value
    return values


def stdout_utf8() -> None:
    """Make standard output UTF-8 (Windows consoles default to the ANSI code page)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and os.name == "nt":
            reconfigure(encoding="utf-8", errors="replace")


def command_group(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str, dest: str,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The subcommands of group ``name`` (``bundle``, ``ledger``, …), made here unless another
    command module already made it: several modules add to one group (``ledger import`` and
    ``ledger export``; ``bundle inspect`` and ``bundle export``) in any order."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        return parser.add_subparsers(dest=dest, metavar="ACTION", required=True)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=dest, metavar="ACTION", required=True)

"""The name a user types for Carebook's command line on this PC (命令行程序名).

On Windows the installed program has two executables in one folder: ``Carebook.exe`` (the
desktop app, no console) and ``carebook-cli.exe`` (the command line; ``installer/carebook.spec``).
File names are case-insensitive there, so the command line cannot be called ``carebook``.
Messages that tell the user to run a command use :data:`CLI` so they name the program the user
actually has: ``carebook-cli recover`` on an installed Windows PC, ``carebook recover`` from
source and on Linux.
"""

from __future__ import annotations

import sys

#: ``"carebook-cli"`` in the frozen Windows build, else ``"carebook"``.
CLI: str = "carebook-cli" if sys.platform == "win32" and getattr(sys, "frozen", False) else "carebook"

__all__ = ["CLI"]

"""Entry script of the built app (PyInstaller): the ``carebook`` command.

Without a command it starts the desktop app, exactly like ``carebook`` from a source checkout.
A windowed Windows build has no console: ``sys.stdout``/``sys.stderr`` are ``None`` there, so
they are pointed at a log file in the temporary folder to keep ``print`` from failing.
"""

from __future__ import annotations

import os
import sys
import tempfile

if sys.stdout is None or sys.stderr is None:  # windowed build (Windows, console=False)
    _log = open(os.path.join(tempfile.gettempdir(), "carebook-output.log"), "a",  # noqa: SIM115
                encoding="utf-8", errors="replace")
    sys.stdout = sys.stdout or _log
    sys.stderr = sys.stderr or _log

from carebook.cli.main import main

raise SystemExit(main())

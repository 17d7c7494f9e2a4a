"""Start-up probe: quit the desktop app once its main window is ready (cold-start benchmark,
installer smoke test).

With ``CAREBOOK_EXIT_WHEN_READY=1`` in the environment, :func:`carebook.ui.app.run_app` calls
:func:`exit_when_ready` after showing the main window. The probe polls the event loop every
5 ms; when the window is visible, the worker has nothing left to do, the status bar is filled
and the register page holds its first rows (or the register is empty), it prints one line::

    carebook-ready <unix time in seconds, float>

to standard output and quits the event loop (exit code 0). When the start cannot get there
without a person (a damaged register would wait on the modal recovery message), it prints
``carebook-not-ready <reason>`` to standard output and exits with code 3 instead
(:func:`give_up`). The unix time lets a benchmark
measure from before the process started. ``bench/bench_cold_start.py`` and
``installer/build-linux.sh`` use it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

from PySide6.QtCore import QCoreApplication, QTimer

#: Environment variable that arms the probe ("1", "yes", "true" or "on").
EXIT_WHEN_READY_ENV = "CAREBOOK_EXIT_WHEN_READY"

def armed() -> bool:
    """Whether ``$CAREBOOK_EXIT_WHEN_READY`` asks the app to quit once ready."""
    return os.environ.get(EXIT_WHEN_READY_ENV, "").strip().lower() in {"1", "yes", "true", "on"}


def window_ready(window: Any, tasks: Any) -> bool:
    """Whether ``window`` (a :class:`~carebook.ui.main_window.MainWindow`) is shown with its
    register page filled: visible, the worker ``tasks`` idle, the status bar's change count
    shown and the first rows (up to 30) loaded."""
    if window is None or not window.isVisible() or not tasks.idle:
        return False
    label = getattr(window, "pending_label", None)
    if label is not None and not label.text():
        return False
    model = getattr(getattr(window, "register_page", None), "model", None)
    if model is None:
        return True
    rows = int(model.rowCount())
    is_loaded = getattr(model, "is_loaded", None)
    return rows == 0 or is_loaded is None or bool(is_loaded(0, min(30, rows) - 1))


def exit_when_ready(window_of: Callable[[], Any], tasks: Any, timeout_s: float = 120.0) -> QTimer:
    """Poll until :func:`window_ready` for ``window_of()``, then print the ready line and quit.

    Args:
        window_of: returns the current main window (it may be rebuilt).
        tasks: the app's :class:`~carebook.ui.tasks.TaskManager`.
        timeout_s: give up after this long: print ``carebook-not-ready`` to standard error
            and quit with exit code 3.

    Returns the polling timer (keep a reference while the event loop runs).
    """
    timer = QTimer()
    timer.setInterval(5)
    deadline = time.perf_counter() + timeout_s

    def poll() -> None:
        try:
            ready = window_ready(window_of(), tasks)
        except Exception as exc:  # reported once, not on every tick
            timer.stop()
            print(f"carebook-not-ready: {exc!r}", file=sys.stderr, flush=True)
            QCoreApplication.exit(3)
            return
        if ready:
            timer.stop()
            print(f"carebook-ready {time.time():.4f}", flush=True)
            QCoreApplication.exit(0)
        elif time.perf_counter() > deadline:
            timer.stop()
            print("carebook-not-ready: the main window did not get ready", file=sys.stderr, flush=True)
            QCoreApplication.exit(3)

    timer.timeout.connect(poll)
    timer.start()
    return timer


def give_up(reason: str) -> NoReturn:
    """Print ``carebook-not-ready <reason>`` (e.g. ``damaged-database``) to standard output and
    leave the process with exit code 3, for an armed start (:func:`armed`) that would otherwise
    wait on a modal dialog nobody answers.

    Raises:
        SystemExit: always (code 3); not caught by the start's ``except Exception``.
    """
    print(f"carebook-not-ready {reason}", flush=True)
    raise SystemExit(3)

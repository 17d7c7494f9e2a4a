"""Starting the desktop app: the QApplication, the language, the worker and the main window."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication

from carebook.ui.context import AppContext
from carebook.ui.i18n import install_language
from carebook.ui.tasks import TaskManager

log = logging.getLogger(__name__)

#: Chinese UI fonts in order of preference (Windows, then Linux packages).
UI_FONTS = ["Microsoft YaHei UI", "Microsoft YaHei", "SimSun", "Noto Sans CJK SC",
            "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Source Han Sans SC"]


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """Return the QApplication, creating it if needed.

    Sets the high-DPI rounding policy to pass-through (so 125% and 150% scale exactly), the
    application names, the Fusion style and a Chinese-capable UI font at 10 pt.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    QCoreApplication.setOrganizationName("Carebook")
    QCoreApplication.setApplicationName("Carebook")
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setStyle("Fusion")
    families = set(QFontDatabase.families())
    for family in UI_FONTS:
        if family in families:
            app.setFont(QFont(family, 10))
            break
    return app


def preferences(data_dir: Path) -> QSettings:
    """The UI preferences file of the installation: ``<data_dir>/ui-settings.ini``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return QSettings(str(data_dir / "ui-settings.ini"), QSettings.Format.IniFormat)


def make_context(api: Any, data_dir: Path, tasks: TaskManager | None = None) -> AppContext:
    """Build the shared context over an open register ``api`` and install the language
    stored in the preferences (default zh_CN)."""
    prefs = preferences(data_dir)
    ctx = AppContext(api, tasks or TaskManager(), prefs, data_dir)
    install_language(ctx.language())
    return ctx


def run_app(
    data_dir: Path | None = None,
    *,
    open_api: Callable[[Path], Any] | None = None,
    argv: Sequence[str] | None = None,
) -> int:
    """Run the desktop app until the main window closes; returns the exit code.

    Args:
        data_dir: the data directory (None: the default from ``carebook.model.paths``).
        open_api: opens the register for a data directory (called on the GUI thread before the
            window exists; the register is used from the worker afterwards). Default:
            :func:`carebook.ui.backend.open_register` asking for the passphrase in a dialog when
            no keyring holds the key (:class:`carebook.ui.start_checks.PassphrasePrompt`).
        argv: command-line arguments for Qt.

    A wrong passphrase is said and asked again (five tries). A damaged database file is moved
    aside and a backup offered before the window shows
    (:func:`carebook.ui.start_checks.open_with_recovery`). The first run (no organisation set
    up yet) shows the first-run wizard before the main window. When the register has an app
    lock (a PIN or password, :mod:`carebook.ui.lock_screen`), the window opens locked: the lock
    is read before the window is built and the window is locked before it is first shown, also
    when a passphrase was just typed. Once the window shows (after the PIN when it opened
    locked), the start checks run (:class:`carebook.ui.start_checks.StartChecks`: recovery-key
    rewrap, daily backup: their questions must not be hidden by the lock screen) and the app
    lock watches for idle time. A restore asked for in the app
    (:attr:`AppContext.restart_requested`) closes the window and the register, runs, and the
    register is opened again.
    """
    from carebook.ui import backend
    from carebook.ui.start_checks import PassphrasePrompt, Recovery, open_with_recovery

    data_dir = backend.resolve_data_dir(data_dir)
    app = make_application(argv)
    install_language(str(preferences(data_dir).value("ui/language", "zh_CN")))
    prompt = PassphrasePrompt(data_dir)
    opener = open_api or (lambda d: backend.open_register(d, prompt))
    note = ""
    wrong = 0
    while True:
        try:
            api = open_with_recovery(data_dir, opener, Recovery(data_dir, prompt))
        except Exception as exc:  # shown, not raised: the user sees why the register did not open
            _show_start_error(exc)
            if _wrong_secret(exc) and wrong < 4:  # a mistyped passphrase: ask again
                wrong += 1
                prompt.last = None
                continue
            return 1
        if api is None:
            return 0
        code, action = _run_window(app, api, data_dir, prompt, note)
        if action is None:
            return code
        note = _run_closed(action, data_dir)


def _wrong_secret(exc: BaseException) -> bool:
    from carebook.model.keys import PassphraseTooShort, WrongKeyError
    from carebook.model.recovery import RecoveryKeyError

    return isinstance(exc, WrongKeyError | PassphraseTooShort | RecoveryKeyError)


def _show_start_error(exc: BaseException) -> None:
    from PySide6.QtWidgets import QMessageBox

    from carebook.ui.errors import error_text

    log.warning("the register did not open", exc_info=exc)
    QMessageBox.critical(None, QCoreApplication.translate("Errors", "Carebook"), error_text(exc))


def _run_closed(action: Callable[[Path], str], data_dir: Path) -> str:
    """Run a restart action with the register closed (on a worker, events flowing); returns
    what to tell the user when the window shows again."""
    from carebook.ui.errors import error_text

    tasks = TaskManager()
    try:
        return str(tasks.run_sync(lambda t: action(data_dir), timeout_s=3600))
    except Exception as exc:
        log.warning("a restore did not complete", exc_info=exc)
        return error_text(exc)
    finally:
        tasks.shutdown()


def _run_window(app: QApplication, api: Any, data_dir: Path, prompt: Any, note: str) -> tuple[int, Any]:
    """Show the main window over the open register ``api`` until it closes. Returns the exit
    code and the restart action asked for (None: the app ends)."""
    from carebook.ui import backend
    from carebook.ui.lock_screen import AppLocker, read_start_lock
    from carebook.ui.main_window import MainWindow
    from carebook.ui.start_checks import StartChecks

    tasks = TaskManager()
    ctx = make_context(api, data_dir, tasks)
    if tasks.run_sync(lambda t: backend.needs_first_run(api)):
        from carebook.ui.first_run import FirstRunWizard

        wizard = FirstRunWizard(ctx)
        if not wizard.exec():
            tasks.run_sync(lambda t: backend.close_register(api))
            tasks.shutdown()
            return 0, None

    holder: dict[str, Any] = {}

    def build(start: bool = False) -> None:
        old = holder.get("window")
        at_start = read_start_lock(ctx) if start else None  # before the pages queue their queries
        window = MainWindow(ctx)
        holder["window"] = window
        holder["locker"] = AppLocker(window, ctx, at_start=at_start)  # locks before the first show
        if old is not None:
            window.setGeometry(old.geometry())
            old.hide()
            old.deleteLater()
        window.show()

    def switch_language(language: str) -> None:
        install_language(language)
        build()

    def restart(action: Any) -> None:
        holder["action"] = action
        window = holder.get("window")
        if window is not None:
            window.close()
        app.quit()

    ctx.language_changed.connect(switch_language)
    ctx.restart_requested.connect(restart)
    build(start=True)
    checks = StartChecks(ctx, holder["window"], prompt=prompt)

    def started() -> None:
        checks.run()
        if note:
            from carebook.ui.errors import show_message

            show_message(holder["window"], note, warning=False)

    _once_unlocked(holder["locker"], started)
    from carebook.ui import ready_probe

    probe = ready_probe.exit_when_ready(lambda: holder.get("window"), tasks) if ready_probe.armed() else None
    code = app.exec()
    del probe
    checks.stop()
    tasks.run_sync(lambda t: backend.close_register(api))
    tasks.shutdown()
    window = holder.pop("window", None)
    if window is not None:
        window.hide()
        window.deleteLater()
    return int(code), holder.get("action")


def _once_unlocked(locker: Any, fn: Callable[[], None]) -> None:
    """Call ``fn`` now when ``locker`` (an :class:`~carebook.ui.lock_screen.AppLocker`) is not
    locked, else once, when it is first unlocked."""
    if not locker.locked:
        fn()
        return

    def changed(locked: bool) -> None:
        if not locked:
            locker.locked_changed.disconnect(changed)
            fn()

    locker.locked_changed.connect(changed)


def ask_passphrase() -> str | None:
    """Ask for the database passphrase in a dialog (None when cancelled). The app itself uses
    :class:`carebook.ui.start_checks.PassphrasePrompt`, which also says why it asks."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    text, ok = QInputDialog.getText(
        None,
        QCoreApplication.translate("App", "Carebook"),
        QCoreApplication.translate(
            "App", "The key of the register is not in this computer's keyring.\n"
                   "Enter the register's passphrase (or the recovery key):"),
        QLineEdit.EchoMode.Password,
    )
    return text if ok and text else None


def ensure_offscreen_if_headless() -> None:
    """Use Qt's offscreen platform when there is no display (screenshots on a server)."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get(
        "WAYLAND_DISPLAY"
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

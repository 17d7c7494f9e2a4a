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
            no keyring holds the key.
        argv: command-line arguments for Qt.

    The first run (no organisation set up yet) shows the first-run wizard before the main
    window.
    """
    from carebook.ui import backend
    from carebook.ui.main_window import MainWindow

    data_dir = backend.resolve_data_dir(data_dir)
    app = make_application(argv)
    install_language(str(preferences(data_dir).value("ui/language", "zh_CN")))
    try:
        api = open_api(data_dir) if open_api else backend.open_register(data_dir, ask_passphrase)
    except Exception as exc:  # shown, not raised: the user sees why the register did not open
        from PySide6.QtWidgets import QMessageBox

        from carebook.ui.errors import error_text

        log.warning("the register did not open", exc_info=exc)
        QMessageBox.critical(None, QCoreApplication.translate("Errors", "Carebook"), error_text(exc))
        return 1
    tasks = TaskManager()
    ctx = make_context(api, data_dir, tasks)
    if tasks.run_sync(lambda t: backend.needs_first_run(api)):
        from carebook.ui.first_run import FirstRunWizard

        wizard = FirstRunWizard(ctx)
        if not wizard.exec():
            tasks.run_sync(lambda t: backend.close_register(api))
            tasks.shutdown()
            return 0

    holder: dict[str, MainWindow] = {}

    def build() -> None:
        old = holder.get("window")
        holder["window"] = MainWindow(ctx)
        if old is not None:
            holder["window"].setGeometry(old.geometry())
            old.hide()
            old.deleteLater()
        holder["window"].show()

    def switch_language(language: str) -> None:
        install_language(language)
        build()

    ctx.language_changed.connect(switch_language)
    build()
    from carebook.ui import ready_probe

    probe = ready_probe.exit_when_ready(lambda: holder.get("window"), tasks) if ready_probe.armed() else None
    code = app.exec()
    del probe
    tasks.run_sync(lambda t: backend.close_register(api))
    tasks.shutdown()
    return int(code)


def ask_passphrase() -> str | None:
    """Ask for the database passphrase in a dialog (None when cancelled)."""
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

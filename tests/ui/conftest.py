"""Fixtures of the desktop tests: offscreen Qt, a real register file with synthetic children,
the app context with its worker thread, the main window."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_fixtures import add_children, open_plain_register, set_up_village

from carebook.model.register import Register
from carebook.ui.context import AppContext


@pytest.fixture(scope="session")
def register_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A set-up village register file with 25 synthetic children, built once."""
    path = tmp_path_factory.mktemp("template") / "carebook.db"
    reg = open_plain_register(path)
    set_up_village(reg)
    add_children(reg, 25)
    reg.close()
    return path


@pytest.fixture
def register(tmp_path: Path, register_template: Path) -> Iterator[Register]:
    """A fresh copy of the template register (a real SQLite file) for one test."""
    path = tmp_path / "carebook.db"
    shutil.copyfile(register_template, path)
    reg = open_plain_register(path)
    yield reg
    reg.close()


@pytest.fixture
def empty_register(tmp_path: Path) -> Iterator[Register]:
    """A register file that has not been set up (first run)."""
    reg = open_plain_register(tmp_path / "carebook.db")
    yield reg
    reg.close()


@pytest.fixture
def ctx(qapp: object, register: Register, tmp_path: Path) -> Iterator[AppContext]:
    """The app context over ``register`` in Chinese, with its worker thread."""
    from carebook.ui.app import make_context

    context = make_context(register, tmp_path / "ui")
    yield context
    context.tasks.shutdown()


@pytest.fixture
def window(ctx: AppContext, qtbot: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The main window, shown, with the register page loaded. Closing it with unsaved edits
    discards them instead of asking (a test that checks the question patches the instance)."""
    from PySide6.QtWidgets import QMessageBox

    from carebook.ui.child_editor import ChildEditor
    from carebook.ui.main_window import MainWindow

    monkeypatch.setattr(ChildEditor, "ask_unsaved", lambda self: QMessageBox.StandardButton.Discard)

    win = MainWindow(ctx)
    qtbot.addWidget(win)  # type: ignore[attr-defined]
    win.resize(1024, 768)
    win.show()
    ctx.tasks.wait_idle()
    yield win
    ctx.tasks.wait_idle()


@pytest.fixture(autouse=True)
def _close_stray_message_boxes() -> Iterator[None]:
    """Close the message boxes a test left open (``show_message`` opens them non-blocking), so
    the next test in this process starts without another test's dialog on screen."""
    yield
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        return
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            widget.close()

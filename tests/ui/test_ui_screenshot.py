"""``--screenshot``: every page renders offscreen to a 1024x768 PNG; the command line does it
on an encrypted register; the app starts and closes over a register."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from ui_fixtures import add_children, set_up_village

from carebook.model.register import Register
from carebook.ui.screenshot import PAGES, take_screenshot


def _colours(image: QImage) -> int:
    step = 16
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_to_png(qapp: object, register: Register, tmp_path: Path, page: str) -> None:
    out = tmp_path / f"{page}.png"
    take_screenshot(register, out, page)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)
    assert _colours(image) > 8


def test_screenshot_refuses_an_unknown_page(qapp: object, register: Register, tmp_path: Path) -> None:
    from carebook.model.errors import CarebookError

    with pytest.raises(CarebookError, match="没有名为"):
        take_screenshot(register, tmp_path / "x.png", "nowhere")


def test_screenshot_leaves_nothing_beside_it_and_creates_no_folder(qapp: object, register: Register,
                                                                  tmp_path: Path) -> None:
    from carebook.model.errors import CarebookError

    out = tmp_path / "shots" / "register.png"
    (tmp_path / "shots").mkdir()
    take_screenshot(register, out, "register")
    assert [p.name for p in (tmp_path / "shots").iterdir()] == ["register.png"]  # no preferences folder
    with pytest.raises(CarebookError, match="不存在"):
        take_screenshot(register, tmp_path / "missing" / "x.png", "register")
    assert not (tmp_path / "missing").exists()


def test_command_line_screenshot_of_an_encrypted_register(tmp_path: Path) -> None:
    data = tmp_path / "data"
    reg = Register.open(data, passphrase="correct horse battery staple", create=True)
    try:
        set_up_village(reg)
        add_children(reg, 3)
    finally:
        reg.close()
    out = tmp_path / "child.png"
    env = {**os.environ, "CAREBOOK_PASSPHRASE": "correct horse battery staple", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "carebook", "--data-dir", str(data), "--screenshot", str(out), "--page", "child"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert QImage(str(out)).width() == 1024


def test_run_app_opens_the_main_window_and_closes(qapp: Any, register: Register, tmp_path: Path) -> None:
    from carebook.ui.app import run_app
    from carebook.ui.main_window import MainWindow

    seen: list[str] = []

    def step() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or (seen and windows[0].windowTitle() == seen[-1]):
            QTimer.singleShot(50, step)
            return
        window = windows[0]
        seen.append(window.windowTitle())
        if len(seen) == 1:  # choose English in the settings: the window is rebuilt in English
            settings = window.page_by_code("settings")
            window.show_page(5)
            index = settings.language.findData("en")
            settings.language.setCurrentIndex(index)
            settings.language.activated.emit(index)
            QTimer.singleShot(50, step)
        else:
            window.close()

    QTimer.singleShot(50, step)
    code = run_app(tmp_path / "ui", open_api=lambda _d: register)
    assert code == 0
    assert seen == ["儿童关爱台账 - 儿童名册", "Carebook - register of children"]
    from carebook.ui.app import preferences
    from carebook.ui.i18n import install_language

    assert preferences(tmp_path / "ui").value("ui/language") == "en"
    install_language("zh_CN")

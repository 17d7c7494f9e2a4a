"""The township main window over a test register, shared by the township UI tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def township_window(register: Any, folder: Path, qtbot: Any, *, language: str | None = None) -> Iterator[Any]:
    """The app's main window over ``register`` (app settings under ``folder``), shown at
    1024x768 with its first tasks done; the worker is shut down afterwards. ``language``
    (e.g. ``"zh_CN"``) is installed before the window is built."""
    from carebook.ui.app import make_context
    from carebook.ui.i18n import install_language
    from carebook.ui.main_window import MainWindow

    ctx = make_context(register, folder)
    if language:
        install_language(language)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    ctx.tasks.wait_idle()
    try:
        yield win
    finally:
        ctx.tasks.wait_idle()
        ctx.tasks.shutdown()


def open_page(win: Any, code: str) -> Any:
    """Show the page with ``code`` (e.g. ``"overview"``) and wait for its tasks; returns it."""
    page = win.page_by_code(code)
    assert page is not None, code
    win.show_page(win.pages.index(page))
    win.ctx.tasks.wait_idle()
    return page

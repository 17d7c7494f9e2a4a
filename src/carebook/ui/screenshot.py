"""``carebook --screenshot FILE.png --page PAGE``: the main window rendered offscreen to a PNG.

Used by the documentation and by people checking a layout: builds the main window at
1024x768 over the given register, shows PAGE (the first child's file for ``child``), waits
until the worker has delivered everything the page asked for, and saves ``QWidget.grab()``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize

from carebook.model.errors import CarebookError

PAGES = ("register", "child", "visits", "entrustments", "reports", "sync", "settings")
#: Pages shown for a township register only.
TOWNSHIP_PAGES = ("overview", "staff", "allowances", "enrolment", "duplicates")


def take_screenshot(register_api: Any, out: Path, page: str = "register", data_dir: Path | None = None,
                    size: QSize | None = None, language: str | None = None) -> None:
    """Render the main window on ``page`` over ``register_api`` and save it to ``out`` (PNG).

    Args:
        register_api: the open register (``carebook.model.register.Register``). It is used on
            the app's worker thread.
        out: the PNG file to write.
        page: one of :data:`PAGES`, or of :data:`TOWNSHIP_PAGES` for a township register.
        data_dir: where the UI preferences live (default: a temporary folder removed
            afterwards, so the user's own preferences are neither read nor changed and nothing
            is left next to ``out``).
        size: window size in device-independent pixels (default 1024x768).
        language: ``"zh_CN"`` or ``"en"``; default: the model's current message language
            (set by ``carebook --lang``), Chinese unless English was asked for.

    Raises:
        CarebookError: unknown page, no child in the register for ``child``, the folder of
            ``out`` does not exist (it is not created), or the PNG could not be written.
    """
    from carebook.model.i18n import current_language
    from carebook.ui import backend
    from carebook.ui.app import ensure_offscreen_if_headless, make_application, make_context
    from carebook.ui.i18n import install_language
    from carebook.ui.main_window import MainWindow

    if page not in PAGES + TOWNSHIP_PAGES:
        raise CarebookError(
            f"没有名为“{page}”的页面。可用：{'、'.join(PAGES + TOWNSHIP_PAGES)}。",
            f"There is no page called '{page}'. Choose one of: {', '.join(PAGES + TOWNSHIP_PAGES)}.",
        )
    if not out.resolve().parent.is_dir():
        raise CarebookError(f"文件夹 {out.resolve().parent} 不存在：请先建好它，或换一个文件夹保存截图。",
                            f"The folder {out.resolve().parent} does not exist: create it or choose another.")
    language = language or ("en" if current_language() == "en" else "zh_CN")
    ensure_offscreen_if_headless()
    make_application()
    prefs = None if data_dir is not None else tempfile.TemporaryDirectory(prefix="carebook-ui-screenshot-")
    ctx = make_context(register_api, Path(prefs.name) if prefs is not None else Path(str(data_dir)))
    install_language(language)
    try:
        window = MainWindow(ctx)
        window.resize(size or QSize(1024, 768))
        window.show()
        if page == "child":
            ids = ctx.tasks.run_sync(lambda t: backend.search_child_ids(register_api, backend.RegisterFilter()))
            if not ids:
                raise CarebookError(
                    "名册里还没有儿童，无法显示儿童档案。", "The register has no child to show."
                )
            window.open_child(ids[0])
        elif page != "register":
            target = window.page_by_code(page)
            if target is None:
                raise CarebookError(f"“{page}”页面只在乡镇（街道）的台账中显示。",
                                    f"The page '{page}' is shown for a township register only.")
            window.show_page(window.pages.index(target))
        else:
            window.show_page(0)
        _settle(ctx)
        window.repaint()
        image = window.grab()
        if not image.save(str(out), "PNG"):
            raise CarebookError(f"无法写入截图文件：{out}", f"Could not write the screenshot to {out}")
        window.close()
        window.deleteLater()
    finally:
        ctx.tasks.shutdown()
        if prefs is not None:
            prefs.cleanup()


def _settle(ctx: Any) -> None:
    """Let the worker and the event loop finish everything pending (a few rounds, since a
    delivered page of rows may ask for more)."""
    for _ in range(5):
        QCoreApplication.processEvents()
        ctx.tasks.wait_idle(60)

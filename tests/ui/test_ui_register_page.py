"""The register page over a real register file: lazily fetched rows, search as you type by
pinyin initials and ID-number ending, filters, export of the view to .xlsx."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import openpyxl
from PySide6.QtCore import Qt
from ui_fixtures import make_id_number

from carebook.model.register import Register
from carebook.ui.models.register_table import COL_NAME, ObjectRole


def _names(page: Any) -> list[str]:
    model = page.model
    return [model.index(r, COL_NAME).data() for r in range(model.rowCount())]


def _settle(ctx: Any, page: Any) -> None:
    for _ in range(3):
        ctx.tasks.wait_idle()
        for r in range(page.model.rowCount()):
            page.model.index(r, COL_NAME).data()  # asks for missing pages
    ctx.tasks.wait_idle()


def test_table_fetches_rows_lazily_and_shows_chinese_labels(window: Any, ctx: Any, register: Register) -> None:
    page = window.register_page
    _settle(ctx, page)
    assert page.model.rowCount() == 25
    assert page.count_label.text() == "共 25 名儿童"
    assert page.model.is_loaded(0, 24)
    sexes = {page.model.index(r, 1).data() for r in range(25)}
    assert sexes <= {"男", "女"}
    ids = [page.model.index(r, 0).data(ObjectRole) for r in range(25)]
    assert sorted(ids) == sorted(register.child_ids())
    assert page.model.headerData(0, Qt.Orientation.Horizontal) == "姓名"


def test_search_by_pinyin_initials_and_id_number_ending(
        window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    # 曾 reads ceng or zeng: the surname reading must be found by its initials (DESIGN.md).
    number = make_id_number(dt.date(2015, 5, 5), True, random.Random(99))
    child_id = register.register_child({"name": "曾思远", "id_number": number}).record_id
    page = window.register_page
    page.refresh()
    _settle(ctx, page)
    qtbot.keyClicks(page.search, "zsy")
    qtbot.waitUntil(lambda: ctx.tasks.idle and page.search.text() == "zsy" and page.model.rowCount() == 1,
                    timeout=5000)
    _settle(ctx, page)
    assert _names(page) == ["曾思远"]
    assert page.model.index(0, 0).data(ObjectRole) == child_id
    page.search.clear()
    qtbot.keyClicks(page.search, number[-6:])
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.count_label.text() == "共 1 名儿童", timeout=5000)
    _settle(ctx, page)
    assert _names(page) == ["曾思远"]
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 26, timeout=5000)


def test_filters_run_in_the_register(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    page = window.register_page
    _settle(ctx, page)
    red = page.risk.findData("red")
    page.risk.setCurrentIndex(red)
    ctx.tasks.wait_idle()
    _settle(ctx, page)
    expected = {r.id for r in register.list_children() if r.risk_colour == "red"}
    shown = {page.model.index(r, 0).data(ObjectRole) for r in range(page.model.rowCount())}
    assert shown == expected and expected
    assert {page.model.index(r, 4).data() for r in range(page.model.rowCount())} == {"红色"}
    page.risk.setCurrentIndex(0)
    page.key_only.setChecked(True)
    ctx.tasks.wait_idle()
    assert page.model.rowCount() == 0


def test_export_of_the_current_view_to_xlsx(window: Any, ctx: Any, tmp_path: Path) -> None:
    page = window.register_page
    _settle(ctx, page)
    out = tmp_path / "名册.xlsx"
    page.export_to(out)
    ctx.tasks.wait_idle()
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "性别", "年龄")
    assert [r[0] for r in rows[1:]] == _names(page)
    assert not (tmp_path / "名册.xlsx.part").exists()


def test_keyboard_shortcuts_reach_every_page(window: Any, ctx: Any, qtbot: Any) -> None:
    for i, code in enumerate(["register", "visits", "entrustments", "reports", "sync", "settings"]):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentWidget().code == code
        ctx.tasks.wait_idle()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.register_page
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.child_editor
    assert window.child_editor.child_id is None


def test_status_bar_shows_village_and_changes_not_yet_sent(window: Any, ctx: Any, register: Register) -> None:
    ctx.tasks.wait_idle()
    assert window.village_label.text() == "村（居）：示范村"
    assert window.bundle_label.text() == "最近交换：尚无"
    assert window.pending_label.text() == f"未上报的修改：{register.change_count()} 条"


def test_a_villages_register_has_no_village_column(window: Any, ctx: Any) -> None:
    """A village's own register hides the 村（居） column (always the same village there)."""
    from carebook.ui.models.register_table import COL_VILLAGE

    page = window.register_page
    _settle(ctx, page)
    assert not page.shows_village()
    assert page.table.isColumnHidden(COL_VILLAGE)

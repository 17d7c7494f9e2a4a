"""The old village's app says where a transferred child went (QA: it did not): the township
transfers a child to another village on real encrypted registers, the return bundle reaches the
old village, whose register shows "已转往 XX村（代码）" in the status column (closed files
included) and whose child file says it in its heading, read-only; ``children show`` says it too.
Synthetic people only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from carebook.sync.exchange import export_bundles, import_bundles
from carebook.ui.models.register_table import COL_STATUS, ObjectRole
from model_helpers import child_values, years_before
from sync_world import PASSPHRASE, SyncWorld, build_world


@pytest.fixture
def moved(tmp_path: Path) -> Iterator[tuple[SyncWorld, str, str]]:
    """A world where the township moved a child of village 1 to village 2; returns reached both."""
    from carebook.model.services.transfer import transfer_child

    world = build_world(tmp_path / "w", 2)
    try:
        first, second = world.villages
        birth = years_before(world.today, 9)
        child = first.register.register_child(child_values("钱小宝", birth, seq=61)).record_id
        stays = first.register.register_child(child_values("钱小贝", birth, seq=62)).record_id
        assert child and stays
        for village in world.villages:
            import_bundles(world.township, world.export(village), backup=False)
        to = second.installation().org_code
        with world.township.register.writing() as session:
            transfer_child(session, child, to, reason="随父母迁居", today=world.today)
        folder = world.stick / f"ret{time.monotonic_ns()}"
        folder.mkdir()
        for result in export_bundles(world.township, folder):
            village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
            import_bundles(village, result.paths, backup=False)
        yield world, child, stays
    finally:
        world.close()


@pytest.fixture
def old_village_window(qapp: object, qtbot: Any, moved: tuple[SyncWorld, str, str], tmp_path: Path) -> Iterator[Any]:
    from carebook.ui.app import make_context
    from carebook.ui.i18n import install_language
    from carebook.ui.main_window import MainWindow

    world, _child, _stays = moved
    ctx = make_context(world.villages[0].register, tmp_path / "ui")
    install_language("zh_CN")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    ctx.tasks.wait_idle()
    yield win
    ctx.tasks.wait_idle()
    ctx.tasks.shutdown()


def test_register_and_child_file_say_where_the_child_went(
        old_village_window: Any, moved: tuple[SyncWorld, str, str], qtbot: Any) -> None:
    world, child, stays = moved
    label = f"已转往 第2村（{world.villages[1].installation().org_code}）"
    win = old_village_window
    page = win.register_page
    page.include_closed.setChecked(True)
    win.ctx.tasks.wait_idle()

    def statuses() -> dict[str, str]:
        model = page.model
        for r in range(model.rowCount()):
            model.index(r, 0).data()  # ask for the page of rows
        win.ctx.tasks.wait_idle()
        return {model.index(r, 0).data(ObjectRole): model.index(r, COL_STATUS).data()
                for r in range(model.rowCount())}

    qtbot.waitUntil(lambda: set(statuses()) == {child, stays}, timeout=10000)
    shown = statuses()
    assert shown[child] == label and shown[stays] == ""
    assert page.model.headerData(COL_STATUS, Qt.Orientation.Horizontal) == "状态"

    editor = win.child_editor
    editor.load(child)
    win.ctx.tasks.wait_idle()
    qtbot.waitUntil(lambda: label in editor.subheading.text(), timeout=10000)
    assert "本村不能再修改" in editor.subheading.text()
    assert not editor.visit_button.isEnabled() and not editor.close_file_button.isEnabled()
    editor.load(stays)
    win.ctx.tasks.wait_idle()
    qtbot.waitUntil(lambda: "已转往" not in editor.subheading.text() and editor.child_id == stays, timeout=10000)


def test_children_show_says_where_the_child_went(moved: tuple[SyncWorld, str, str]) -> None:
    world, child, stays = moved
    code = world.villages[1].installation().org_code
    data_dir = world.villages[0].db.paths.root
    world.villages[0].close()
    env = {**os.environ, "CAREBOOK_PASSPHRASE": PASSPHRASE, "CAREBOOK_KEYRING": "off"}
    shown = subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(data_dir), "children", "show", child],
                           capture_output=True, text=True, env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert f"已转往 第2村（{code}）" in shown.stdout
    other = subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(data_dir), "children", "show", stays],
                           capture_output=True, text=True, env=env, timeout=120)
    assert other.returncode == 0 and "已转往" not in other.stdout

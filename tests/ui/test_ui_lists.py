"""The entrustments and reports pages and the register rows agree with the model's own
queries, on the demo township (synthetic people)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import open_plain_register

from carebook.model.demo_data import build_demo
from carebook.model.queries.children import ChildFilter
from carebook.model.queries.ui_child import register_rows
from carebook.model.register import Register


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "carebook.db"
    reg = open_plain_register(path)
    build_demo(reg, children=60)
    reg.close()
    return path


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Any:
    import shutil

    path = tmp_path / "carebook.db"
    shutil.copyfile(demo_template, path)
    reg = open_plain_register(path)
    yield reg
    reg.close()


@pytest.fixture
def demo_window(qapp: object, demo: Register, tmp_path: Path, qtbot: Any) -> Any:
    from carebook.ui.app import make_context
    from carebook.ui.main_window import MainWindow

    ctx = make_context(demo, tmp_path / "ui")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    ctx.tasks.wait_idle()
    yield win
    ctx.tasks.wait_idle()
    ctx.tasks.shutdown()


def test_register_rows_equal_the_models_rows(demo: Register) -> None:
    ids = demo.child_ids(ChildFilter(closed=None))
    assert len(ids) == 60
    assert demo.read(register_rows, ids, today=demo.today()) == demo.child_rows(ids)


def test_entrustments_page_matches_the_model(demo_window: Any, demo: Register) -> None:
    window = demo_window
    window.show_page(2)
    window.ctx.tasks.wait_idle()
    page = window.stack.currentWidget()
    overview = demo.entrustment_overview()
    missing = page.tree.topLevelItem(0)
    shown_missing = {missing.child(i).text(0) for i in range(missing.childCount())}
    # the demo is a township: each name is followed by the child's village
    assert shown_missing == {f"{name}（{demo.child_detail(cid).village_name}）" for cid, name in overview.missing}
    text = page.summary.text()
    assert f"即将到期 {len(overview.expiring)} 份" in text and f"已过期 {len(overview.expired)} 份" in text


def test_reports_page_lists_open_reports_and_referrals(demo_window: Any, demo: Register) -> None:
    window = demo_window
    window.show_page(3)
    window.ctx.tasks.wait_idle()
    page = window.stack.currentWidget()
    expected = len(demo.report_rows(open_only=True)) + len(demo.referral_rows(open_only=True))
    assert expected > 0
    assert page.tree.topLevelItemCount() == expected
    assert page.summary.text() == f"未办结 {expected} 项"

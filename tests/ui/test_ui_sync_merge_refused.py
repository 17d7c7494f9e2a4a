"""The app's bundle import when the database refuses what a bundle's changes decide (last resort;
:func:`carebook.sync.merge.merge_refusals`): the bundle gets a ``refused`` row saying nothing
changed, no traceback dialog, the register is untouched. Real registers and bundles
(tests/sync_world.py); a trigger stands for any constraint the merge did not foresee. Synthetic
people only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from carebook.model.services.transfer import transfer_child
from carebook.sync.exchange import export_bundles, import_bundles
from carebook.ui.app import make_context
from carebook.ui.i18n import install_language
from carebook.ui.pages.sync_page import SyncPage
from carebook.ui.sync.ops import attach_database
from model_helpers import child_values, years_before
from sync_world import SyncWorld, build_world, content_hash


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SyncWorld]:
    w = build_world(tmp_path / "w", 2)
    try:
        yield w
    finally:
        w.close()


def test_a_database_refusal_is_a_refused_row_and_changes_nothing(world: SyncWorld, tmp_path: Path, qapp: Any,
                                                                  qtbot: Any) -> None:
    first, second = world.villages
    child = second.register.register_child(child_values("钱小军", years_before(world.today, 7), seq=81)).record_id
    assert child
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    with world.township.register.writing() as session:  # the return bundle inserts the file at the first village
        transfer_child(session, child, first.installation().org_code, reason="搬家", today=world.today)
    folder = tmp_path / "back"
    folder.mkdir()
    paths = [p for r in export_bundles(world.township, folder)
             if r.peer_code == first.installation().org_code for p in r.paths]
    with first.register.writing() as session:
        session.execute(text("CREATE TRIGGER refuse_child BEFORE INSERT ON child "
                             "BEGIN SELECT RAISE(ABORT, 'synthetic refusal'); END"))
    before = content_hash(first)
    attach_database(first.register, first.db)
    ctx = make_context(first.register, tmp_path / "ui")
    install_language("zh_CN")
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    try:
        page.import_panel.import_paths(paths)
        for _ in range(3):
            ctx.tasks.wait_idle(60)
        assert page.import_panel.results.statuses() == ["refused"]
        row = page.import_panel.results.item(0, 1)
        assert row is not None and "未导入" in row.text() and "没有改动任何数据" in row.text()
        assert "Traceback" not in row.text()
    finally:
        ctx.tasks.shutdown()
    assert content_hash(first) == before

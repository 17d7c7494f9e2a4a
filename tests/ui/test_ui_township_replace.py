"""Re-enrolling a replaced village PC from the township's enrolment page (更换电脑重新登记), on real
encrypted registers: the action is offered for an active village only, makes the replacement
file on the worker (through the confirmation and folder dialogs), retires the old PC in the
table, refuses a village never enrolled with words; the new PC then gets the village's files
back through the sync page, which says how many children it restored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from township_window import township_window

from carebook.sync.exchange import export_bundles, import_bundles, setup_village_from_enrolment
from carebook.ui.sync.ops import attach_database
from carebook.ui.township.tables import table_texts
from sync_world import SyncWorld, build_world, create_site, village_code


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SyncWorld]:
    w = build_world(tmp_path / "w", 2)
    try:
        for i, village in enumerate(w.villages):
            w.import_ledger(village, 3 + i, seed=300 + i)
            import_bundles(w.township, w.export(village), backup=False)
        attach_database(w.township.register, w.township.db)
        yield w
    finally:
        w.close()


@pytest.fixture
def town_window(qapp: object, qtbot: Any, world: SyncWorld, tmp_path: Path) -> Iterator[Any]:
    with township_window(world.township.register, tmp_path / "ui", qtbot, language="zh_CN") as win:
        yield win


def _enrolment_page(win: Any) -> Any:
    page = win.page_by_code("enrolment")
    win.show_page(win.pages.index(page))
    win.ctx.tasks.wait_idle()
    return page


def test_re_enrol_a_replaced_pc_from_the_enrolment_page(world: SyncWorld, town_window: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    page = _enrolment_page(town_window)
    assert page.replace_button.text().startswith("更换电脑重新登记")
    assert not page.replace_button.isEnabled()  # nothing selected
    rows = table_texts(page.peers)
    row = next(i for i, r in enumerate(rows) if r[1] == village_code(0))
    page.peers.selectRow(row)
    assert page.replace_button.isEnabled()

    stick = tmp_path / "stick"
    stick.mkdir()
    asked: list[str] = []

    def confirm(box: QMessageBox) -> int:
        asked.append(box.text())
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "exec", confirm)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))
    page.choose_replacement()
    town_window.ctx.tasks.wait_idle()
    assert asked and "旧电脑将立即停用" in asked[0] and village_code(0) in asked[0]
    made = stick / f"enrol-{village_code(0)}.cbe"
    assert made.is_file()
    text = page.result.text()
    code = re.search(r"\d{4}-\d{4}-\d{4}", text)
    assert code is not None
    assert "新电脑" in text and "旧电脑已停用" in text and "下一步" in text and "登记码" in text
    town_window.ctx.tasks.wait_idle()
    states = {r[1]: r[4] for r in table_texts(page.peers) if r[4] != "有效"}
    assert list(states) == [village_code(0)]  # the old PC is shown retired
    retired_row = next(i for i, r in enumerate(table_texts(page.peers)) if r[1] == village_code(0))
    page.peers.selectRow(retired_row)
    assert not page.replace_button.isEnabled()  # a retired PC cannot be replaced again from its row

    # a village never enrolled here: refused in words, nothing written
    page.make_replacement(stick, "610402100299", "无此村")
    town_window.ctx.tasks.wait_idle()
    assert "无需" in page.result.text() and not (stick / "enrol-610402100299.cbe").exists()

    # the new PC: starts from the file (with the code the page showed), sends its first bundle,
    # and imports the township's restore bundle on its sync page
    new = create_site(tmp_path / "new-pc")
    world.villages.append(new)
    setup_village_from_enrolment(new, made, code=code.group())
    import_bundles(world.township, world.export(new), backup=False)
    back = tmp_path / "back"
    back.mkdir()
    mine = next(r for r in export_bundles(world.township, back) if r.peer_code == village_code(0))

    from carebook.ui.app import make_context
    from carebook.ui.pages.sync_page import SyncPage

    attach_database(new.register, new.db)
    ctx = make_context(new.register, tmp_path / "new-ui")
    sync_page = SyncPage(ctx)
    try:
        sync_page.show()
        sync_page.import_panel.import_paths(mine.paths)
        for _ in range(3):
            ctx.tasks.wait_idle(60)
        assert sync_page.import_panel.results.statuses() == ["imported"]
        result = sync_page.import_panel.results.item(0, 1).text()
        assert "恢复包" in result and "3 名儿童" in result
        assert len(new.register.child_ids()) == 3
    finally:
        ctx.tasks.wait_idle()
        ctx.tasks.shutdown()
        sync_page.close()


def test_the_enrolment_page_refuses_a_second_pc_for_an_enrolled_village(world: SyncWorld, tmp_path: Path) -> None:
    """The page's calls (worker side) refuse as ``enrol create`` does, through the same check:
    an ordinary file for a village with a PC in use, a code enrolled under another name (also
    for a replacement); nothing is written or recorded."""
    from carebook.model.errors import CarebookError
    from carebook.sync.trust_store import load_pending_enrolments
    from carebook.ui.township import data
    from carebook.ui.township.replacement import create_replacement_file

    stick = tmp_path / "stick"
    stick.mkdir()
    before = world.township.register.read(load_pending_enrolments)
    with pytest.raises(CarebookError) as refused:
        data.create_enrolment_file(world.township.register, village_code(0), "第1村", stick, 14, True)
    assert "已经有一台登记在用的电脑" in refused.value.message_zh and "更换电脑重新登记" in refused.value.message_zh
    assert "--replace" not in refused.value.message_zh
    with pytest.raises(CarebookError) as renamed:
        create_replacement_file(world.township.register, village_code(0), "第九村", stick, 14, True)
    assert "第1村" in renamed.value.message_zh and "第九村" in renamed.value.message_zh
    assert list(stick.iterdir()) == [] and world.township.register.read(load_pending_enrolments) == before
    # a village not enrolled yet still gets its file
    made = data.create_enrolment_file(world.township.register, "610402100209", "第9村", stick, 14, False)
    assert made.path.is_file() and made.code is None

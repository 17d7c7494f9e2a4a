"""The sync page on real encrypted registers (a township and one village from ``sync_world``):
export to a folder standing for the USB stick, import by a drop at the township, the return
bundle back at the village, and a conflict decided through the conflicts view."""

from __future__ import annotations

import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from carebook.model.queries.sync_status import unsent_change_count
from carebook.sync.conflicts import list_conflicts
from carebook.sync.exchange import SyncSite, export_bundles, import_bundles
from carebook.ui.app import make_context
from carebook.ui.context import AppContext
from carebook.ui.i18n import install_language
from carebook.ui.main_window import MainWindow
from carebook.ui.pages.sync_page import SyncPage
from carebook.ui.sync.ops import attach_database
from sync_world import SyncWorld, build_world


@dataclass
class Desk:
    """One installation's desktop: its site, app context and main window (on the sync page)."""

    site: SyncSite
    ctx: AppContext
    window: MainWindow | None
    page: SyncPage

    def settle(self) -> None:
        for _ in range(3):
            self.ctx.tasks.wait_idle(60)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SyncWorld]:
    w = build_world(tmp_path / "w", 1)
    try:
        w.import_ledger(w.villages[0], 4, seed=11)
        yield w
    finally:
        w.close()


def _desk(site: SyncSite, ui_dir: Path, qtbot: Any, *, main_window: bool = True) -> Desk:
    """The desktop of ``site``: the whole main window showing the sync page, or (the township,
    whose extra pages are another area's) the sync page alone at 1024x768."""
    attach_database(site.register, site.db)
    ctx = make_context(site.register, ui_dir)
    install_language("zh_CN")
    if main_window:
        window: MainWindow | None = MainWindow(ctx)
        assert window is not None
        page = window.page_by_code("sync")
        assert isinstance(page, SyncPage)
        qtbot.addWidget(window)
        window.resize(1024, 768)
        window.show()
        window.show_page(window.pages.index(page))
    else:
        window, page = None, SyncPage(ctx)
        qtbot.addWidget(page)
        page.resize(1024, 768)
        page.show()
        page.activate()
    desk = Desk(site, ctx, window, page)
    desk.settle()
    return desk


@pytest.fixture
def desks(world: SyncWorld, tmp_path: Path, qapp: Any, qtbot: Any) -> Iterator[tuple[Desk, Desk]]:
    village = _desk(world.villages[0], tmp_path / "ui-village", qtbot)
    town = _desk(world.township, tmp_path / "ui-town", qtbot, main_window=False)
    yield village, town
    for d in (village, town):
        d.settle()
        d.ctx.tasks.shutdown()


def _drop(page: SyncPage, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    page.dropEvent(event)


def _number(text: str) -> int:
    found = re.search(r"\d+", text)
    assert found is not None, text
    return int(found.group())


def _cell(table: Any, row: int, col: int) -> str:
    item = table.item(row, col)
    assert item is not None
    return str(item.text())


def _rows(page: SyncPage) -> list[tuple[str, str]]:
    table = page.import_panel.results
    return [(_cell(table, r, 0), _cell(table, r, 1)) for r in range(table.rowCount())]


def test_stick_round_trip_through_the_pages(desks: tuple[Desk, Desk], tmp_path: Path) -> None:
    village, town = desks
    unsent = village.site.register.read(unsent_change_count)
    assert unsent > 0
    assert f"{unsent}" in village.page.status.summary.text()
    assert "尚未收到" in village.page.status.summary.text()  # Chinese by default

    stick = tmp_path / "stick-from-village"
    stick.mkdir()
    village.page.export_panel.export_to_folder(stick)
    village.settle()
    outcome = village.page.export_panel.outcome.text()
    assert "可以拔出U盘了" in outcome
    files = sorted(stick.glob("*.cbk"))
    assert len(files) == 1 and village.page.export_panel.results.count() == 1
    assert "发给 幸福镇" in village.page.export_panel.results.item(0).text()

    # the township: the file dropped on the page is imported, one result row
    _drop(town.page, files)
    town.settle()
    assert town.page.tabs.currentWidget() is town.page.import_panel
    assert town.page.import_panel.results.statuses() == ["imported"]
    name, text = _rows(town.page)[0]
    assert name == files[0].name and "已导入" in text and "第1村" in text
    assert len(town.site.register.child_ids()) == 4
    # dropped again (the stick's folder this time): already imported, nothing changed
    _drop(town.page, [stick])
    town.settle()
    assert town.page.import_panel.results.statuses() == ["already"]
    assert "以前已经导入过" in _rows(town.page)[0][1]

    # a file that is not a bundle next to a good one: refused with its own message, the other goes on
    junk = stick / "cb-junk.cbk"
    junk.write_bytes(b"not a bundle at all")
    _drop(town.page, [junk, files[0]])
    town.settle()
    assert town.page.import_panel.results.statuses() == ["refused", "already"]
    assert "未导入" in _rows(town.page)[0][1]

    # the return bundle goes back; the village's unsent count drops to 0, the status bar follows
    back = tmp_path / "stick-from-township"
    back.mkdir()
    town.page.export_panel.export_to_folder(back)
    town.settle()
    assert "可以拔出U盘了" in town.page.export_panel.outcome.text()
    assert village.window is not None
    assert _number(village.window.pending_label.text()) == unsent
    village.page.import_panel.import_paths(sorted(back.glob("*.cbk")))
    village.settle()
    assert village.page.import_panel.results.statuses() == ["imported"]
    assert village.site.register.read(unsent_change_count) == 0
    assert _number(village.page.status.summary.text()) == 0
    assert _number(village.window.pending_label.text()) == 0
    assert village.page.status.peers.rowCount() == 1


def test_export_without_a_drive_folder_says_what_to_do(desks: tuple[Desk, Desk], tmp_path: Path) -> None:
    village, _town = desks
    from carebook.ui.errors import shown_messages

    village.page.export_panel.export_to_folder(tmp_path / "no-such-stick")
    village.settle()
    outcome = village.page.export_panel.outcome.text()
    assert "未导出" in outcome and "请插好 U 盘" in outcome
    assert "可以拔出" not in outcome
    assert "请插好 U 盘" in shown_messages[-1]


def test_the_township_stick_folder_skips_other_villages_bundles_as_the_cli_does(
        tmp_path: Path, qapp: Any, qtbot: Any) -> None:
    """A village imports the township's stick folder (one bundle per village, each named
    ``…-to<village code>.cbk``): its own bundle is imported, the other villages' are skipped
    with the note of ``carebook bundle import FOLDER`` (whose they are; not an error); a folder
    holding only other villages' bundles is refused, as the command line refuses it."""
    from sync_world import village_code

    world = build_world(tmp_path / "w3", 3)
    desks: list[Desk] = []
    try:
        for village in world.villages:
            world.deliver(world.township, world.export(village))
        stick = tmp_path / "stick-from-township"
        stick.mkdir()
        written = export_bundles(world.township, stick)
        assert len(written) == 3 and all(f"-to{r.peer_code}" in r.paths[0].name for r in written)
        second = _desk(world.villages[1], tmp_path / "ui-v1", qtbot, main_window=False)
        desks.append(second)
        second.page.import_panel.import_paths([stick])
        second.settle()
        rows = dict(_rows(second.page))
        statuses = dict(zip(rows, second.page.import_panel.results.statuses(), strict=True))
        by_code = {r.peer_code: r.paths[0].name for r in written}
        assert statuses == {by_code[village_code(0)]: "skipped", by_code[village_code(1)]: "imported",
                            by_code[village_code(2)]: "skipped"}
        assert "已导入" in rows[by_code[village_code(1)]]
        for i in (0, 2):
            text = rows[by_code[village_code(i)]]
            assert f"这个同步包是发给 第{i + 1}村（{village_code(i)}） 的，已跳过" in text
            assert "未导入" not in text and "拒绝" not in text
        outcome = second.page.import_panel.outcome.text()
        assert "拒绝" not in outcome and "已跳过" in outcome and "2" in outcome
        # the same folder again: its own bundle found imported before, the others still skipped
        second.page.import_panel.import_paths([stick])
        second.settle()
        assert sorted(second.page.import_panel.results.statuses()) == ["already", "skipped", "skipped"]

        # a folder with only the other villages' bundles, at the third village: refused (the wrong stick)
        only = tmp_path / "only-others"
        only.mkdir()
        for r in written:
            if r.peer_code != village_code(2):
                (only / r.paths[0].name).write_bytes(r.paths[0].read_bytes())
        third = _desk(world.villages[2], tmp_path / "ui-v2", qtbot, main_window=False)
        desks.append(third)
        third.page.import_panel.import_paths([only])
        third.settle()
        assert third.page.import_panel.results.statuses() == ["refused", "refused"]
        assert all("不是发给本村这台电脑" in text for _name, text in _rows(third.page))
    finally:
        for d in desks:
            d.settle()
            d.ctx.tasks.shutdown()
        world.close()


def _concurrent_edit(world: SyncWorld) -> str:
    """One full round, then both sides change the same field: the township records a conflict."""
    village, town = world.villages[0], world.township
    import_bundles(town, world.export(village), backup=False)
    folder = world.stick / "ret1"
    folder.mkdir()
    for r in export_bundles(town, folder):
        import_bundles(village, r.paths, backup=False)
    cid = village.register.child_ids()[0]
    village.register.update_child(cid, {"notes": "村里写的"})
    town.register.update_child(cid, {"notes": "乡镇写的"})
    import_bundles(town, world.export(village), backup=False)
    return cid


def test_conflict_decided_through_the_conflicts_view(world: SyncWorld, tmp_path: Path, qapp: Any,
                                                     qtbot: Any) -> None:
    cid = _concurrent_edit(world)
    town = _desk(world.township, tmp_path / "ui-town", qtbot, main_window=False)
    try:
        view = town.page.conflicts
        assert len(view.lines) == 1 and view.table.rowCount() == 1
        line = view.lines[0]
        child_name = str(world.township.register.child_detail(cid).fields["name"])
        assert line.child == child_name and line.field == "备注"
        both = {_cell(view.table, 0, 3).split("\n")[0], _cell(view.table, 0, 4).split("\n")[0]}
        assert "【当前采用】" in _cell(view.table, 0, 3 if line.winner == "a" else 4)
        assert both == {"村里写的", "乡镇写的"}
        assert town.page.tabs.tabText(2) == "冲突处理（1）"
        assert view.keep_a.isEnabled() and view.keep_current.isEnabled()
        view.table.selectRow(0)
        view.note.setText("电话核实过")
        view.decide("value", "核实后的备注")
        town.settle()
        assert list_conflicts_open(world.township) == []
        decided = world.township.register.read(list_conflicts, status="resolved")
        assert len(decided) == 1 and decided[0].note == "电话核实过"
        assert decided[0].decision == {"keep": "value", "value": "核实后的备注"}
        assert world.township.register.child_detail(cid).fields["notes"] == "核实后的备注"
        assert view.table.rowCount() == 0 and "已处理" in view.outcome.text()
        # the decision travels back to the village in the return bundle
        folder = world.stick / "ret2"
        folder.mkdir()
        for r in export_bundles(world.township, folder):
            import_bundles(world.villages[0], r.paths, backup=False)
        assert world.villages[0].register.child_detail(cid).fields["notes"] == "核实后的备注"
    finally:
        town.settle()
        town.ctx.tasks.shutdown()


def list_conflicts_open(site: SyncSite) -> list[Any]:
    """The open conflicts of ``site``."""
    return list(site.register.read(list_conflicts, status="open"))


def test_relay_buttons_wait_for_an_address(desks: tuple[Desk, Desk]) -> None:
    village, _town = desks
    relay = village.page.relay
    assert not relay.push_button.isEnabled() and not relay.pull_button.isEnabled()
    relay.url.setText("https://192.0.2.10:8765")
    relay.save_url()
    village.settle()
    assert relay.push_button.isEnabled() and relay.pull_button.isEnabled()
    village.page.reload()
    village.settle()
    assert relay.url.text() == "https://192.0.2.10:8765"
    not_a_cert = village.site.db.paths.root / "relay.pem"
    not_a_cert.write_text("hello", encoding="utf-8")
    relay.save_url(not_a_cert)
    village.settle()
    from carebook.ui.errors import shown_messages

    assert "不是中转站证书" in shown_messages[-1]


def test_upload_and_download_buttons_through_a_real_relay(world: SyncWorld, tmp_path: Path, qapp: Any, qtbot: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from carebook.sync.relay_exchange import resolve_relay
    from carebook.sync.relay_server import make_self_signed_cert, relay_in_thread
    from carebook.sync.relay_store import RelayStore

    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    village_site, town_site = world.villages[0], world.township
    world.deliver(town_site, world.export(village_site))  # the first bundle (enrolment proof) by stick
    village_site.register.update_child(village_site.register.child_ids()[0], {"notes": "网上传的"})
    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    make_self_signed_cert(cert, key, host="127.0.0.1")
    store = RelayStore(tmp_path / "relay")
    store.add_anchor(town_site.keys().public().signing_public_key)
    with relay_in_thread(store, tls_cert=cert, tls_key=key) as relay:
        resolve_relay(town_site, relay.url, cert.read_bytes())  # as `carebook push URL --cert F` keeps it
        village = _desk(village_site, tmp_path / "ui-village", qtbot)
        town = _desk(town_site, tmp_path / "ui-town", qtbot, main_window=False)
        try:
            assert not village.page.relay.push_button.isEnabled()
            village.page.relay.url.setText(relay.url)  # typed, the certificate chosen in the app
            village.page.relay.save_url(cert)
            village.settle()
            assert village.page.relay.push_button.isEnabled() and village.page.relay.url.text() == relay.url
            town.page.relay.push()  # publishes the enrolled keys (and a return bundle)
            town.settle()
            assert "发布登记名单" in town.page.relay.pushed.item(0).text()
            village.page.relay.push()
            village.settle()
            assert "已上传" in village.page.relay.pushed.item(0).text()
            town.page.relay.pull()
            town.settle()
            assert town.page.relay.pulled.statuses() == ["imported"]
            assert "已导入" in _cell(town.page.relay.pulled, 0, 1)
            assert town_site.register.child_detail(village_site.register.child_ids()[0]).fields["notes"] == "网上传的"
            town.page.relay.push()
            town.settle()
            village.page.relay.pull()
            village.settle()
            assert "imported" in village.page.relay.pulled.statuses()
            assert village_site.register.read(unsent_change_count) == 0
            assert village.window is not None and _number(village.window.pending_label.text()) == 0
        finally:
            for d in (village, town):
                d.settle()
                d.ctx.tasks.shutdown()

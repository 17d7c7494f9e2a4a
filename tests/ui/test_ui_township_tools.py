"""The township supervisor's remaining tools in the desktop app (issue 6 items 3, 5, 6): the
township ledger exported from the overview page and re-read with openpyxl (every child once),
the roster printed to PDF through the print dialog and parsed back, the allowance settings
dialog (saved through the model, refused with a message on bad input), and the pages of an
empty township register. All on real encrypted registers of the sync world (a township and two
villages exchanging real bundles); synthetic people only."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from township_window import open_page, township_window

from carebook.documents.township_ledger_xlsx import ALL_SHEET, COLUMNS, HEADING_ROW
from carebook.model.allowances import AllowanceSettings, load_allowance_settings
from carebook.model.enums import Category
from carebook.sync.exchange import export_bundles, import_bundles
from carebook.ui import errors
from carebook.ui.sync.ops import attach_database
from carebook.ui.township.tables import table_texts
from sync_world import TOWNSHIP_CODE, TOWNSHIP_NAME, SyncWorld, build_world, create_site


def sync_round(world: SyncWorld) -> None:
    """Every village sends to the township; the township answers every village."""
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncWorld]:
    """Two villages with 5 and 6 synthetic children; one file closed in village 1; synced."""
    w = build_world(tmp_path_factory.mktemp("township-tools"), 2)
    try:
        for i, village in enumerate(w.villages):
            w.import_ledger(village, 5 + i, seed=300 + i)
        first = w.villages[0].register.child_ids()[0]
        w.villages[0].register.close_child(first, "moved", on=w.today, note="随父母迁居")
        sync_round(w)
        attach_database(w.township.register, w.township.db)  # as the app's open_register does
        yield w
    finally:
        w.close()


@pytest.fixture
def town_window(qapp: object, qtbot: Any, world: SyncWorld, tmp_path: Path) -> Iterator[Any]:
    """The main window over the township's register, shown at 1024x768."""
    with township_window(world.township.register, tmp_path / "ui", qtbot) as win:
        yield win


_open = open_page


def _register_children(world: SyncWorld) -> list[tuple[str, str | None, bool]]:
    """(name, ID number, closed) of every child of the township's register."""
    from sqlalchemy import select

    from carebook.model.children import Child

    with world.township.register.reading() as s:
        return [(c.name, c.id_number, c.closed_reason is not None) for c in s.scalars(select(Child))]


# -- township ledger and roster (item 6) ------------------------------------------------------
def test_township_ledger_exported_from_the_overview_holds_every_child_once(
        world: SyncWorld, town_window: Any, tmp_path: Path) -> None:
    page = _open(town_window, "overview")
    assert page.ledger_button.text().replace("(&L)", "") == "导出乡镇台账（Excel）..."
    out = tmp_path / "台账.xlsx"
    shown_before = len(errors.shown_messages)
    page.export_ledger(out)
    town_window.ctx.tasks.wait_idle()
    children = _register_children(world)
    assert len(children) == 11 and sum(closed for *_x, closed in children) == 1
    assert page.last_ledger is not None and page.last_ledger.path == out
    assert (page.last_ledger.children, page.last_ledger.closed) == (11, 1)
    done = errors.shown_messages[shown_before:]
    assert len(done) == 1 and str(out) in done[0] and "11" in done[0]

    wb = openpyxl.load_workbook(out, read_only=True)
    ws = wb[ALL_SHEET]
    rows = [r for r in ws.iter_rows(min_row=HEADING_ROW + 1, values_only=True) if any(v is not None for v in r)]
    id_col, name_col = COLUMNS.index("身份证号"), COLUMNS.index("姓名")
    numbers = Counter(r[id_col] for r in rows)
    assert len(rows) == len(children)
    assert numbers == Counter(n for _name, n, _closed in children)  # every child once, none twice
    assert sorted(r[name_col] for r in rows) == sorted(name for name, *_ in children)
    # each category sheet holds that category's open files
    open_total = sum(1 for *_x, closed in children if not closed)
    for category in Category:
        sheet = [r for r in wb[category.zh].iter_rows(min_row=HEADING_ROW + 1, values_only=True)
                 if any(v is not None for v in r)]
        assert len(sheet) <= open_total
    wb.close()


def test_export_to_a_missing_folder_says_so_and_writes_nothing(world: SyncWorld, town_window: Any,
                                                               tmp_path: Path) -> None:
    page = _open(town_window, "overview")
    shown_before = len(errors.shown_messages)
    target = tmp_path / "no-such-folder" / "台账.xlsx"
    page.export_ledger(target)
    town_window.ctx.tasks.wait_idle()
    said = errors.shown_messages[shown_before:]
    assert len(said) == 1 and "no-such-folder" in said[0] and "Traceback" not in said[0]
    assert not target.exists() and page.ledger_button.isEnabled()


def test_roster_saved_as_pdf_through_the_print_dialog(world: SyncWorld, town_window: Any, tmp_path: Path,
                                                      qtbot: Any) -> None:
    page = _open(town_window, "overview")
    dialog = page.print_roster()
    qtbot.addWidget(dialog)
    assert dialog.kind.count() == 1 and dialog.isVisible()
    out = tmp_path / "花名册.pdf"
    dialog.save_to(out)
    town_window.ctx.tasks.wait_idle()
    assert dialog.last_saved == out and str(out) in dialog.status.text()
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    open_children = [(name, number) for name, number, closed in _register_children(world) if not closed]
    assert "花名册" in text and f"共 {len(open_children)} 人" in text
    assert re.search(r"\d+组\d+号", text), "住址 left empty on the roster"
    for name, number in open_children:
        assert name in text and str(number) in text
    closed = [number for _name, number, closed in _register_children(world) if closed]
    assert closed and all(str(n) not in text for n in closed)  # open files only
    # one village's roster
    assert [dialog.village.itemText(i) for i in range(dialog.village.count())][1:] == [
        "第1村（610402100201）", "第2村（610402100202）"]
    dialog.village.setCurrentIndex(2)
    one = tmp_path / "第2村花名册.pdf"
    dialog.save_to(one)
    town_window.ctx.tasks.wait_idle()
    text = "".join(p.extract_text() for p in PdfReader(one).pages)
    second = world.villages[1].register.list_children()
    assert second and f"共 {len(second)} 人" in text
    assert all(r.name in text for r in second)
    assert all(str(number) not in text for name, number, _c in _register_children(world)
               if name not in {r.name for r in second})
    dialog.close()


# -- allowance settings (item 5) --------------------------------------------------------------
def _settings(world: SyncWorld) -> AllowanceSettings:
    return world.township.register.read(load_allowance_settings)


def test_allowance_settings_dialog_saves_through_the_model(world: SyncWorld, town_window: Any,
                                                          qtbot: Any) -> None:
    from carebook.model.services.staff import add_staff

    with world.township.register.writing() as s:
        add_staff(s, {"role": "supervisor", "name": "钱督导", "unit": "610402100", "appointed_on": "2019-05-10"},
                  today=world.today)
    page = _open(town_window, "allowances")
    page.set_months("2020-01", "2020-12")
    page.compute()
    town_window.ctx.tasks.wait_idle()
    row = next(r for r in table_texts(page.people) if r[0] == "钱督导")
    assert row[3] == "12" and row[5] == "1200.00" and row[6:] == ["420.00", "780.00"]  # from 2020-01, 35:65

    dialog = page.open_settings()
    qtbot.addWidget(dialog)
    town_window.ctx.tasks.wait_idle()
    assert dialog.isVisible()
    assert (dialog.supervisor.text(), dialog.director.text(), dialog.scheme_start.text()) == ("100", "200", "2020-01")
    assert dialog.form().payers == (("新区", "35"), ("新城", "65"))
    assert dialog.share_total.text() == "合计：100%"
    dialog.supervisor.setText("150")
    dialog.payers.item(0, 1).setText("40")
    dialog.payers.item(1, 1).setText("60")
    dialog.scheme_start.setText("2020-07")
    dialog.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert not dialog.isVisible(), dialog.error.text()
    saved = _settings(world)
    assert saved.supervisor_monthly == Decimal(150) and saved.director_monthly == Decimal(200)
    assert [(p.code, p.zh, p.weight) for p in saved.payers] == [("district", "新区", Decimal(40)),
                                                                ("new_city", "新城", Decimal(60))]
    assert saved.scheme_start == "2020-07"
    # the ledger was computed again with the new settings: 6 months of 150 yuan, 40:60
    row = next(r for r in table_texts(page.people) if r[0] == "钱督导")
    assert row[3] == "6" and row[5] == "900.00" and row[6:] == ["360.00", "540.00"]

    # back to the seed's defaults through the dialog
    again = page.open_settings()
    qtbot.addWidget(again)
    town_window.ctx.tasks.wait_idle()
    assert again.supervisor.text() == "150" and again.form().payers == (("新区", "40"), ("新城", "60"))
    again.buttons.button(again.buttons.StandardButton.RestoreDefaults).click()
    again.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert not again.isVisible()
    assert _settings(world) == AllowanceSettings()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.director.setText("-200"), "儿童主任每月补贴不能为负数"),
    (lambda d: d.supervisor.setText("一百"), "应是金额"),
    (lambda d: d.payers.item(1, 1).setText("60"), "合计应为100%，现在是 95%"),
    (lambda d: d.payers.item(0, 1).setText("0"), "比例应大于0"),
    (lambda d: d.scheme_start.setText("2020-13"), "应写成 年-月"),
])
def test_bad_allowance_settings_are_refused_and_change_nothing(world: SyncWorld, town_window: Any, qtbot: Any,
                                                                change: Any, message: str) -> None:
    before = _settings(world)
    page = _open(town_window, "allowances")
    dialog = page.open_settings()
    qtbot.addWidget(dialog)
    town_window.ctx.tasks.wait_idle()
    change(dialog)
    dialog.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert message in dialog.error.text() and "Traceback" not in dialog.error.text()
    assert _settings(world) == before
    dialog.reject()


def test_a_payer_added_and_removed_in_the_dialog(world: SyncWorld, town_window: Any, qtbot: Any) -> None:
    page = _open(town_window, "allowances")
    dialog = page.open_settings()
    qtbot.addWidget(dialog)
    town_window.ctx.tasks.wait_idle()
    dialog.add_payer("县财政", "10")
    dialog.payers.item(1, 1).setText("55")
    assert dialog.share_total.text() == "合计：100%"
    dialog.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert not dialog.isVisible(), dialog.error.text()
    assert [(p.zh, p.weight) for p in _settings(world).payers] == [("新区", 35), ("新城", 55), ("县财政", 10)]
    again = page.open_settings()
    qtbot.addWidget(again)
    town_window.ctx.tasks.wait_idle()
    again.payers.setCurrentCell(2, 0)
    again.remove_payer()
    again.payers.item(1, 1).setText("65")
    again.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert _settings(world) == AllowanceSettings()


# -- an empty township register (item 4) -----------------------------------------------------
@pytest.fixture
def empty_township(qapp: object, qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    """The main window over a township register with no village, child or staff yet."""
    from carebook.sync.exchange import setup_installation
    from carebook.ui.app import make_context
    from carebook.ui.main_window import MainWindow

    site = create_site(tmp_path / "empty-township")
    setup_installation(site, role="township", org_code=TOWNSHIP_CODE, org_name=TOWNSHIP_NAME, actor="周督导")
    attach_database(site.register, site.db)
    ctx = make_context(site.register, tmp_path / "ui")
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
        site.close()


def test_township_pages_of_an_empty_register(empty_township: Any, tmp_path: Path) -> None:
    shown_before = len(errors.shown_messages)
    overview = _open(empty_township, "overview")
    assert table_texts(overview.village_table) == [["合计", "0", "0", "0", "0", "0", "0", "0", "0"]]
    assert overview.summary.text().startswith("共 0 个村")
    assert table_texts(overview.sync_table) == [] and table_texts(overview.director_table) == []
    assert not overview.no_directors.isHidden()  # on the Directors tab
    staff = _open(empty_township, "staff")
    assert table_texts(staff.roster) == [] and table_texts(staff.assessment) == []
    enrolment = _open(empty_township, "enrolment")
    assert table_texts(enrolment.peers) == [] and table_texts(enrolment.issued) == []
    allowances = _open(empty_township, "allowances")
    assert table_texts(allowances.people)[-1][0] == "合计"
    sync = _open(empty_township, "sync")
    assert sync.conflicts.table.rowCount() == 0
    # the ledger of an empty register: the headings, no child
    overview = _open(empty_township, "overview")
    out = tmp_path / "空台账.xlsx"
    overview.export_ledger(out)
    empty_township.ctx.tasks.wait_idle()
    assert overview.last_ledger is not None and overview.last_ledger.children == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    heading = next(wb[ALL_SHEET].iter_rows(min_row=HEADING_ROW, max_row=HEADING_ROW, values_only=True))
    assert tuple(heading[:len(COLUMNS)]) == COLUMNS
    wb.close()
    said = errors.shown_messages[shown_before:]
    assert len(said) == 1 and str(out) in said[0]  # only the export's done message, no error


def test_township_sync_page_shows_a_conflict_side_by_side(world: SyncWorld, town_window: Any) -> None:
    village = world.villages[1]
    cid = village.register.child_ids()[0]
    village.register.update_child(cid, {"notes": "村里写的备注"})
    world.township.register.update_child(cid, {"notes": "乡镇写的备注"})
    sync_round(world)
    page = _open(town_window, "sync")
    page.tabs.setCurrentWidget(page.conflicts)
    town_window.ctx.tasks.wait_idle()
    rows = [[page.conflicts.table.item(r, c).text() for c in range(page.conflicts.table.columnCount())]
            for r in range(page.conflicts.table.rowCount())]
    row = next(r for r in rows if "村里写的备注" in r[3] + r[4])
    assert {row[3].splitlines()[0], row[4].splitlines()[0]} == {"村里写的备注", "乡镇写的备注"}  # side by side
    assert "1" in page.tabs.tabText(page.tabs.indexOf(page.conflicts))

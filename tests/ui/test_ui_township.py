"""The township supervisor's workspace in the desktop app (issue 6): the overview page's numbers
checked cell by cell against an independent count over the registers of the sync end-to-end
world (a township and three villages exchanging real bundles; acceptance 1), a conflict shown
per village, a director added and trained through the dialogs, the allowance ledger exported on
the worker and re-read with openpyxl, and an enrolment file made from the page."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from township_window import open_page, township_window

from carebook.model.children import Child
from carebook.model.enums import Category
from carebook.model.idnumber import id_number_check_character
from carebook.model.visits import Visit
from carebook.sync.exchange import export_bundles, import_bundles
from carebook.sync.identity import load_installation_keys
from carebook.ui.sync.ops import attach_database
from carebook.ui.township.tables import table_texts
from sync_world import SyncWorld, build_world


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
    """Three villages with 6, 10 and 14 synthetic children and one visit today, synced."""
    w = build_world(tmp_path_factory.mktemp("township"), 3)
    try:
        for i, village in enumerate(w.villages):
            w.import_ledger(village, 6 + 4 * i, seed=100 + i)
        first = w.villages[0].register.child_ids()[0]
        w.villages[0].register.record_visit(first, {"visit_date": w.today, "visitor_name": "李秀英"})
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


def _independent_counts(world: SyncWorld) -> dict[str, Counter[str]]:
    """Per village name, counted from the township's child and visit rows with plain Python."""
    today = world.today
    with world.township.register.reading() as s:
        names = {v.installation().org_code: v.installation().org_name for v in world.villages}
        from carebook.model.organisation import OrgUnit

        unit_name = {u.id: u.name for u in s.scalars(select(OrgUnit))}
        children = [(c.id, c.village_id, c.closed_reason, c.date_of_birth, c.sex.code, c.categories, c.next_visit_due)
                    for c in s.scalars(select(Child))]
        visits = s.execute(select(Visit.child_id, Visit.visit_date)).all()
    village_of = {cid: unit_name[vid] for cid, vid, *_rest in children}
    out: dict[str, Counter[str]] = {n: Counter() for n in names.values()}
    for cid, _vid, closed, born, sex, categories, due in children:
        if closed is not None:
            continue
        n = out[village_of[cid]]
        n["children"] += 1
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        n["band " + ("0-5" if age <= 5 else "6-13" if age <= 13 else "14-17" if age <= 17 else "18+")] += 1
        n["sex " + sex] += 1
        cats = [getattr(x, "code", x) for x in (json.loads(categories) if isinstance(categories, str) else categories or [])]
        for cat in cats:
            n["cat " + cat] += 1
        if due is not None and due < today:
            n["overdue"] += 1
        if Category.LEFT_BEHIND.code in cats:
            n["missing"] += 1  # no entrustment was drafted in this world
    for child_id, day in visits:
        if (day.year, day.month) == (today.year, today.month) and child_id in village_of:
            out[village_of[child_id]]["visits"] += 1
    return out


def test_overview_page_matches_an_independent_count(world: SyncWorld, town_window: Any) -> None:
    titles = [town_window.nav.item(i).text() for i in range(town_window.nav.count())]
    assert titles[-5:] == ["总览", "工作人员", "补贴", "入网管理", "重复档案"]
    page = _open(town_window, "overview")
    expected = _independent_counts(world)
    villages = table_texts(page.village_table)
    assert [r[0] for r in villages] == ["第1村", "第2村", "第3村", "合计"]
    assert sum(n["children"] for n in expected.values()) == 30
    for row in villages[:-1]:
        n = expected[row[0]]
        assert row[1:] == [str(n["children"]), str(n["visits"]), str(n["overdue"]), "0", "0",
                           str(n["missing"]), "0", "0"], row
    assert villages[-1][1] == "30" and villages[-1][2] == str(sum(n["visits"] for n in expected.values()))
    assert int(villages[0][2]) >= 1  # the visit recorded today in village 1 reached the township
    cats = [c.code for c in Category]
    for row in table_texts(page.children_table)[:-1]:
        n = expected[row[0]]
        assert row[1:] == [str(n["children"]), *[str(n["cat " + c]) for c in cats],
                           *[str(n["band " + b]) for b in ("0-5", "6-13", "14-17", "18+")],
                           str(n["sex 1"]), str(n["sex 2"])], row
    # the charts hold the same totals
    assert page.category_chart.series()[0].values == tuple(sum(n["cat " + c] for n in expected.values()) for c in cats)
    assert sum(page.band_chart.series()[0].values) == 30 and sum(page.sex_chart.series()[0].values) == 30
    assert page.village_chart.series()[0].values == tuple(expected[v]["children"] for v in ("第1村", "第2村", "第3村"))
    # the cross table of one village adds up to its category counts
    page.cross_village.setCurrentIndex(2)
    cross = table_texts(page.cross_table)
    n = expected["第2村"]
    by_label = {r[0]: sum(int(x) for x in r[1:]) for r in cross}
    for c in Category:
        assert by_label.get(c.label, 0) == n["cat " + c.code]
    sync = table_texts(page.sync_table)
    assert [(r[0], r[2], r[3]) for r in sync] == [("第1村", "0", "0"), ("第2村", "0", "0"), ("第3村", "0", "0")]
    assert all(r[1][:4].isdigit() for r in sync)  # a date: every village's bundle arrived

    # A concurrent edit of one field is a conflict pending for village 2, shown after Refresh.
    village = world.villages[1]
    cid = village.register.child_ids()[0]
    village.register.update_child(cid, {"notes": "村里写的"})
    world.township.register.update_child(cid, {"notes": "乡镇写的"})
    sync_round(world)
    page.refresh_button.click()
    town_window.ctx.tasks.wait_idle()
    assert [r[3] for r in table_texts(page.sync_table)] == ["0", "1", "0"]


def test_village_installation_shows_no_township_pages(window: Any) -> None:
    assert window.page_by_code("overview") is None and len(window.pages) == 6


def test_staff_added_and_trained_through_the_dialogs(world: SyncWorld, town_window: Any, qtbot: Any) -> None:
    page = _open(town_window, "staff")
    dialog = page.add_person()
    dialog.name.setText("王建华")
    body = "61040219850315002"
    dialog.id_number.setText("610402198503150026")  # wrong check digit: refused, dialog stays open
    dialog.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert dialog.isVisible() and "校验码" in dialog.error.text()
    dialog.id_number.setText(body + id_number_check_character(body))
    dialog.phone.setText("13900002222")
    dialog.unit.setCurrentIndex(dialog.unit.findData("610402100202"))
    dialog.appointed_on.setText("2019-06-01")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), qtbot_button())
    town_window.ctx.tasks.wait_idle()
    assert not dialog.isVisible(), dialog.error.text()
    rows = table_texts(page.roster)
    row = next(r for r in rows if r[0] == "王建华")
    assert row[1] == "儿童主任" and row[2] == "第2村" and row[3] == "610402********" + (body + id_number_check_character(body))[-4:] and row[5] == "2019-06-01"
    assert "王建华" in page.warning.text() and page.warning.isVisible()
    # a bad date keeps the dialog open with the register's message
    page.roster.selectRow(rows.index(row))
    training = page.training_selected()
    training.held_on.setText("2026-13-40")
    training.topic.setText("儿童保护政策")
    training.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert training.isVisible() and training.error.text()
    training.held_on.setText(world.today.isoformat())
    training.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert not training.isVisible()
    assert "王建华" not in page.warning.text() or not page.warning.isVisible()
    assert any(r[1] == "王建华" and r[2] == "儿童保护政策" for r in table_texts(page.trainings))
    assessment = table_texts(page.assessment)
    assert any(r[0] == "王建华" and r[1] == "第2村" and r[2] == "10" for r in assessment)


def qtbot_button() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_allowance_export_reread_with_openpyxl(world: SyncWorld, town_window: Any, tmp_path: Path) -> None:
    from carebook.model.services.staff import add_staff

    with world.township.register.writing() as s:
        add_staff(s, {"role": "supervisor", "name": "周督导", "unit": "610402100", "appointed_on": "2021-03-15"},
                  today=world.today)
    page = _open(town_window, "allowances")
    page.set_months("2021-01", "2021-06")
    page.compute()
    town_window.ctx.tasks.wait_idle()
    people = {r[0]: r for r in table_texts(page.people)}
    # director appointed 2019 (from the staff test, or none): paid from 2021-01; supervisor from 2021-03
    sup = people["周督导"]
    assert sup[3] == "4" and sup[5] == "400.00" and sup[6:] == ["140.00", "260.00"]
    total = Decimal(people["合计"][5])
    out = tmp_path / "补贴.xlsx"
    page.export(out)
    town_window.ctx.tasks.wait_idle()
    assert page.last_export == out
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    sup_row = next(r for r in values if r[1] == "周督导")
    assert sup_row[9] == 4 and Decimal(str(sup_row[11])) == Decimal("400") and Decimal(str(sup_row[12])) == Decimal("140")
    total_row = next(r for r in values if r[0] == "合计")
    assert Decimal(str(total_row[11])) == total


def test_enrolment_file_made_and_fingerprints_shown(world: SyncWorld, town_window: Any, tmp_path: Path) -> None:
    page = _open(town_window, "enrolment")
    own = load_installation_keys(world.township.db.keystore).public().fingerprint
    assert own in page.own.text()
    peers = table_texts(page.peers)
    for v in world.villages:
        fp = load_installation_keys(v.db.keystore).public().fingerprint
        assert [v.installation().org_name, v.installation().org_code, fp] in [r[:3] for r in peers]
    stick = tmp_path / "stick"
    stick.mkdir()
    page.village_code.setText("610402100204")
    page.village_name.setText("第4村")
    page.make_file(stick)
    town_window.ctx.tasks.wait_idle()
    assert (stick / "enrol-610402100204.cbe").is_file()
    assert own in page.result.text() and "登记码" in page.result.text()
    expiry = (dt.datetime.now() + dt.timedelta(days=page.valid_days.value())).strftime("%Y-%m-%d")
    assert f"有效期至 {expiry} " in page.result.text() and "UTC" not in page.result.text()  # local, as the tables
    assert any(r[0] == "第4村" and r[3] == "未使用" for r in table_texts(page.issued))


def test_staff_edited_and_ended_through_the_dialogs(world: SyncWorld, town_window: Any) -> None:
    from carebook.model.services.staff import add_staff

    with world.township.register.writing() as s:
        add_staff(s, {"role": "director", "name": "赵春梅", "unit": "610402100203", "appointed_on": "2022-05-01"},
                  today=world.today)
    page = _open(town_window, "staff")
    rows = table_texts(page.roster)
    page.roster.selectRow(next(i for i, r in enumerate(rows) if r[0] == "赵春梅"))
    edit = page.edit_selected()
    assert edit.name.text() == "赵春梅" and edit.appointed_on.text() == "2022-05-01"
    edit.phone.setText("13700003333")
    assert edit.values() == {"phone": "13700003333"}  # only what changed is sent
    edit.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert not edit.isVisible()
    row = next(r for r in table_texts(page.roster) if r[0] == "赵春梅")
    assert row[4] == "13700003333"
    page.roster.selectRow(next(i for i, r in enumerate(table_texts(page.roster)) if r[0] == "赵春梅"))
    end = page.end_selected()
    end.ended_on.setText((world.today - dt.timedelta(days=1)).isoformat())
    end.note.setText("调离")
    end.buttons.accepted.emit()
    town_window.ctx.tasks.wait_idle()
    assert not end.isVisible()
    assert all(r[0] != "赵春梅" for r in table_texts(page.roster))  # ended terms are hidden by default
    page.show_ended.setChecked(True)
    town_window.ctx.tasks.wait_idle()
    row = next(r for r in table_texts(page.roster) if r[0] == "赵春梅")
    assert row[6] == (world.today - dt.timedelta(days=1)).isoformat()


def test_township_pages_reachable_by_keyboard(town_window: Any) -> None:
    from PySide6.QtGui import QAction, QKeySequence

    actions = {a.shortcut().toString(): a for a in town_window.findChildren(QAction) if not a.shortcut().isEmpty()}
    for key, code in (("Ctrl+7", "overview"), ("Ctrl+8", "staff"), ("Ctrl+9", "allowances"), ("Ctrl+0", "enrolment")):
        actions[QKeySequence(key).toString()].trigger()
        town_window.ctx.tasks.wait_idle()
        assert town_window.stack.currentWidget() is town_window.page_by_code(code)


def test_enrolment_tables_fill_the_width_and_name_the_village(town_window: Any) -> None:
    """入网管理: the first column of 已登记的村 is 村名 (not 姓名), both tables share the page's
    width among their columns (not packed on the left) and the fingerprint column shows the
    whole fingerprint; 补贴 and 入网管理 have icons of their own (no two pages share one)."""
    page = _open(town_window, "enrolment")
    assert page.peers.horizontalHeaderItem(0).text() == "村名"
    assert page.peers.rowCount() == 3
    for table in (page.peers, page.issued):
        header = table.horizontalHeader()
        used = sum(header.sectionSize(c) for c in range(table.columnCount()))
        assert used >= table.viewport().width() - 2, (table.objectName(), used, table.viewport().width())
    fingerprint = page.peers.item(0, 2).text()
    assert page.peers.horizontalHeader().sectionSize(2) >= page.peers.fontMetrics().horizontalAdvance(fingerprint)
    nav = town_window.nav
    images = [nav.item(i).icon().pixmap(22, 22).toImage() for i in range(nav.count())]
    titles = [nav.item(i).text() for i in range(nav.count())]
    for name in ("补贴", "入网管理"):
        mine = titles.index(name)
        assert all(images[mine] != other for i, other in enumerate(images) if i != mine), name


def _register_rows(page: Any) -> list[tuple[str, str]]:
    """(child id, village cell) of every row of the register page, every page of rows fetched."""
    from carebook.ui.models.register_table import COL_NAME, COL_VILLAGE, ObjectRole

    model = page.model
    for _ in range(3):
        page.ctx.tasks.wait_idle()
        for r in range(model.rowCount()):
            model.index(r, COL_NAME).data()  # asks for the pages not fetched yet
    page.ctx.tasks.wait_idle()
    return [(model.index(r, 0).data(ObjectRole), model.index(r, COL_VILLAGE).data()) for r in range(model.rowCount())]


def _runs(values: list[str]) -> list[str]:
    """``values`` with consecutive repeats collapsed (each village once when they are grouped)."""
    return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


def test_township_register_shows_each_childs_village_sortable_and_readable(world: SyncWorld,
                                                                           town_window: Any) -> None:
    """儿童名册 of a township: a 村（居） column beside 姓名 holds each child's village (checked
    against the villages' own registers), sorting by it groups the villages in the order of
    their codes (both directions), and every header and the name, village, sex, age and date
    cells read whole at 1024x768."""
    from PySide6.QtCore import Qt

    from carebook.ui.models.register_table import COL_NAME, COL_VILLAGE, COLUMN_COUNT

    page = _open(town_window, "register")
    assert page.shows_village()
    header = page.table.horizontalHeader()
    assert page.model.headerData(COL_VILLAGE, Qt.Orientation.Horizontal) == "村（居）"
    assert header.visualIndex(COL_VILLAGE) == header.visualIndex(COL_NAME) + 1
    village_of = {cid: v.installation().org_name for v in world.villages for cid in v.register.child_ids()}
    rows = _register_rows(page)
    assert len(rows) == 30
    assert {cid: village for cid, village in rows} == village_of

    page.table.sortByColumn(COL_VILLAGE, Qt.SortOrder.AscendingOrder)
    up = [v for _cid, v in _register_rows(page)]
    assert _runs(up) == ["第1村", "第2村", "第3村"] and sorted(up) == sorted(village_of.values())
    page.table.sortByColumn(COL_VILLAGE, Qt.SortOrder.DescendingOrder)
    down = [v for _cid, v in _register_rows(page)]
    assert _runs(down) == _runs(up)[::-1]
    assert [c for c in range(COLUMN_COUNT) if page.table.isColumnHidden(c)] == []
    assert _register_clipped(page) == []


def _register_clipped(page: Any) -> list[str]:
    """The register's headers, and its name, village, sex, age and date cells, that do not read
    whole in their column; also a column pushed past the table's right edge."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QFontMetrics

    from carebook.ui.models.register_table import (
        COL_AGE,
        COL_LAST_VISIT,
        COL_NAME,
        COL_NEXT_VISIT,
        COL_SEX,
        COL_VILLAGE,
        COLUMN_COUNT,
    )

    header = page.table.horizontalHeader()
    bold = QFont(header.font())
    bold.setBold(True)
    heads, cells = QFontMetrics(bold), page.table.fontMetrics()
    titles = [str(page.model.headerData(c, Qt.Orientation.Horizontal)) for c in range(COLUMN_COUNT)]
    out = [t for c, t in enumerate(titles) if heads.horizontalAdvance(t) + 8 > header.sectionSize(c)]
    for r in range(page.model.rowCount()):
        for c in (COL_NAME, COL_VILLAGE, COL_SEX, COL_AGE, COL_LAST_VISIT, COL_NEXT_VISIT):
            text = str(page.model.index(r, c).data() or "")
            if cells.horizontalAdvance(text) + 6 > header.sectionSize(c):
                out.append(text)
    last = max(range(COLUMN_COUNT), key=header.sectionViewportPosition)
    if header.sectionViewportPosition(last) + header.sectionSize(last) > page.table.viewport().width():
        out.append(f"column {last} past the edge")
    return out


def test_township_register_reads_whole_in_english(world: SyncWorld, qapp: object, qtbot: Any,
                                                  tmp_path: Path) -> None:
    """The English labels are longer (female, yellow, Next visit due): the township's register
    still shows them whole beside the village column at 1024x768."""
    from PySide6.QtCore import Qt

    with township_window(world.township.register, tmp_path / "ui-en", qtbot, language="en") as win:
        page = _open(win, "register")
        assert page.shows_village() and len(_register_rows(page)) == 30
        assert page.model.headerData(9, Qt.Orientation.Horizontal) == "Village"
        assert _register_clipped(page) == []


def test_enrolment_times_are_local_and_every_column_reads_whole(world: SyncWorld, town_window: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """入网管理 at 1024x768: 登记时间, 有效期至 and 使用情况 in local time as ``2026-11-29 16:33`` (the
    other pages' format; here in Beijing time, 8 hours after the stored UTC instant), headers
    without （UTC）, and every header and cell of both tables read whole."""
    from PySide6.QtGui import QFont, QFontMetrics

    from carebook.sync.trust_store import load_peers, load_pending_enrolments

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        page = _open(town_window, "enrolment")
        page.activate()
        town_window.ctx.tasks.wait_idle()
        with world.township.register.reading() as s:
            pinned = {p.code: p.pinned_at for p in load_peers(s)}
            issued = {e.village_code: (e.expires_at, e.used_at) for e in load_pending_enrolments(s)}
    finally:
        monkeypatch.undo()
        time.tzset()

    def beijing(moment: dt.datetime | None) -> str:
        return "" if moment is None else (moment.astimezone(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")

    assert [page.peers.horizontalHeaderItem(c).text() for c in range(5)] == ["村名", "代码", "指纹", "登记时间", "状态"]
    assert [page.issued.horizontalHeaderItem(c).text() for c in range(4)] == ["村（居）", "代码", "有效期至", "使用情况"]
    peers = table_texts(page.peers)
    assert len(peers) == 3 and all(r[3] == beijing(pinned[r[1]]) for r in peers), peers
    files = table_texts(page.issued)
    assert files and all(r[2] == beijing(issued[r[1]][0]) for r in files), files
    assert all(r[3] == (beijing(issued[r[1]][1]) if issued[r[1]][1] else "未使用") for r in files), files
    for table in (page.peers, page.issued):
        header = table.horizontalHeader()
        bold = QFont(header.font())
        bold.setBold(True)
        heads, cells = QFontMetrics(bold), table.fontMetrics()
        texts = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        clipped = [t for c, t in enumerate(texts) if heads.horizontalAdvance(t) + 8 > header.sectionSize(c)]
        clipped += [t for row in table_texts(table) for c, t in enumerate(row)
                    if cells.horizontalAdvance(t) + 6 > header.sectionSize(c)]
        assert clipped == [], (table.objectName(), clipped)
        used = sum(header.sectionSize(c) for c in range(table.columnCount()))
        assert used <= table.viewport().width() + 1, (table.objectName(), used)


def _tree_rows(tree: Any) -> list[tuple[str, str]]:
    """(child id, first column text) of every child row under the tree's groups (or at its top
    level when it has no groups)."""
    from PySide6.QtCore import Qt

    role = Qt.ItemDataRole.UserRole + 1
    out: list[tuple[str, str]] = []
    for g in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(g)
        items = [top.child(c) for c in range(top.childCount())] if top.childCount() else [top]
        out += [(str(i.data(0, role)), i.text(0)) for i in items if i.data(0, role)]
    return out


def test_township_lists_name_each_childs_village(world: SyncWorld, town_window: Any) -> None:
    """走访 and 委托监护 of a township list the children of every village: each name is followed
    by its village (checked against the villages' own registers), as the register's 村（居）
    column does; a village's own lists keep the bare name (tests/ui/test_ui_visits.py)."""
    village_of = {cid: v.installation().org_name for v in world.villages for cid in v.register.child_ids()}
    name_of = {cid: world.township.register.child_detail(cid).fields["name"] for cid in village_of}
    from carebook.model.queries.visits import due_visits
    from carebook.ui import backend

    page = _open(town_window, "visits")
    # this world's children were visited 10-23 days ago: a year on, every one is due
    later = world.township.register.read(due_visits, today=world.today + dt.timedelta(days=400))
    page._show(later, backend.village_names(town_window.ctx.api, [d.child_id for d in later]))
    due = _tree_rows(page.tree)
    assert len(later) == 30, [(d.name, d.due) for d in later]
    assert len(due) == 30
    assert {text for _cid, text in due} == {f"{name_of[cid]}（{village_of[cid]}）" for cid, _t in due}
    assert len({village_of[cid] for cid, _t in due}) == 3
    # a long name keeps its end (the village) when the column is too narrow, and reads whole in
    # its tooltip
    from PySide6.QtCore import Qt

    assert page.tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    group = page.tree.topLevelItem(0)
    assert all(group.child(i).toolTip(0) == group.child(i).text(0) for i in range(group.childCount()))
    missing = _tree_rows(_open(town_window, "entrustments").tree)
    assert missing, "the world has left-behind children without a confirmation"
    assert all(text == f"{name_of[cid]}（{village_of[cid]}）" for cid, text in missing)

"""The duplicate review page of the township (issue 6 item 3) over the sync world: two villages
register the same child (same ID number: the township parks the second file at merge), two
children with close names and one date of birth, and a child closed as moved away in one village
and registered again in the other. The page lists the three pairs side by side; merging keeps
one open file; a transfer without a reason is refused and changes nothing, with one it moves the
file and takes in the new village's registration; 不是同一人 removes the pair. Synthetic people."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QFont, QFontMetrics
from sqlalchemy import select

from carebook.model.children import Child
from carebook.model.idnumber import id_number_check_character
from carebook.model.services.children import close_child
from carebook.sync.exchange import export_bundles, import_bundles
from carebook.ui.sync.ops import attach_database
from carebook.ui.township.tables import table_texts
from sync_world import SyncWorld, build_world, village_code


def sync_round(world: SyncWorld) -> None:
    """Every village sends to the township; the township answers every village."""
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


def id_number(birth: dt.date, seq: int) -> str:
    body = f"610402{birth:%Y%m%d}{seq:03d}"
    return body + id_number_check_character(body)


BORN = dt.date(2015, 3, 2)
SAME = id_number(dt.date(2013, 6, 9), 511)  # registered in both villages
MOVED = id_number(dt.date(2012, 1, 20), 733)  # moved from village 1 to village 2


def _child(name: str, number: str) -> dict[str, Any]:
    return {"name": name, "id_number": number, "registration_type": "rural",
            "father.name": "王建国", "father.status": "working_away", "mother.name": "李秀英"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SyncWorld]:
    """Two villages (a few ledger children each) with the three kinds of pairs, synced."""
    w = build_world(tmp_path / "world", 2)
    try:
        one, two = w.villages
        w.import_ledger(one, 3, seed=400)
        w.import_ledger(two, 3, seed=401)
        one.register.register_child(_child("赵一凡", SAME))
        one.register.register_child(_child("张晓明", id_number(BORN, 101)))
        moved = one.register.register_child(_child("孙立新", MOVED)).record_id
        sync_round(w)
        one.register.write(close_child, moved, "moved", on=w.today, note="随父母迁居", transferred_to=village_code(1),
                           today=w.today)
        two.register.register_child(_child("赵一凡", SAME))
        two.register.register_child(_child("张小明", id_number(BORN, 202)))
        two.register.register_child(_child("孙立新", MOVED))
        sync_round(w)
        attach_database(w.township.register, w.township.db)
        yield w
    finally:
        w.close()


@pytest.fixture
def page(qapp: object, qtbot: Any, world: SyncWorld, tmp_path: Path) -> Iterator[Any]:
    """The duplicate review page in the township's main window (1024x768)."""
    from carebook.ui.app import make_context
    from carebook.ui.main_window import MainWindow

    ctx = make_context(world.township.register, tmp_path / "ui")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    ctx.tasks.wait_idle()
    target = win.page_by_code("duplicates")
    assert target is not None and win.nav.item(win.pages.index(target)).text() == "重复档案"
    win.show_page(win.pages.index(target))
    ctx.tasks.wait_idle()
    yield target
    ctx.tasks.wait_idle()
    ctx.tasks.shutdown()


def _files(world: SyncWorld, number: str) -> list[tuple[str, str, str | None, str | None]]:
    """(id, village name, closing reason, ID number) of every file of the township with the
    ID number ``number`` or merged away from it (closing note names the kept file)."""
    from carebook.model.organisation import OrgUnit

    with world.township.register.reading() as s:
        units = {u.id: u.name for u in s.scalars(select(OrgUnit))}
        return [(c.id, units.get(c.village_id, ""), c.closed_reason.code if c.closed_reason else None, c.id_number)
                for c in s.scalars(select(Child)) if c.id_number == number]


def _select(page: Any, kind: str) -> Any:
    kinds = [c.kind for c in page.view.candidates]
    page.pairs.selectRow(kinds.index(kind))
    c = page.selected()
    assert c is not None and c.kind == kind
    return c


def test_pairs_listed_and_shown_side_by_side(page: Any) -> None:
    rows = table_texts(page.pairs)
    assert sorted(c.kind for c in page.view.candidates) == ["same_id_number", "similar_name", "transfer"]
    assert len(rows) == 3 and not page.empty.isVisible() and "3" in page.count.text()
    by_kind = {c.kind: r for c, r in zip(page.view.candidates, rows, strict=True)}
    assert by_kind["same_id_number"][0] == "身份证号相同"
    assert by_kind["same_id_number"][1] == by_kind["same_id_number"][3] == "赵一凡"
    assert {by_kind["same_id_number"][2], by_kind["same_id_number"][4]} == {"第1村", "第2村"}
    assert {by_kind["similar_name"][1], by_kind["similar_name"][3]} == {"张晓明", "张小明"}
    assert by_kind["similar_name"][5] == BORN.isoformat()
    _select(page, "same_id_number")
    compare = table_texts(page.compare)
    labels = [page.compare.verticalHeaderItem(r).text() for r in range(page.compare.rowCount())]
    assert labels == ["姓名", "身份证号", "出生日期", "村（居）", "状态", "最后修改"]
    assert compare[0] == ["赵一凡", "赵一凡"] and compare[1] == [SAME, SAME]
    assert sorted(compare[3]) == ["第1村", "第2村"]
    assert compare[4][0] == "在册" and "身份证号" in compare[4][1]  # the second file was held back at import
    assert page.merge_button.isEnabled() and page.transfer_button.isEnabled()
    _select(page, "transfer")
    assert not page.merge_button.isEnabled()  # a closed file is transferred, not merged
    assert "迁出" in " ".join(table_texts(page.compare)[4])


def _unreadable(table: Any) -> list[str]:
    """The header and cell texts of ``table`` wider than their column (with a few pixels of padding)."""
    header = table.horizontalHeader()
    bold = QFont(header.font())
    bold.setBold(True)
    heads, cells = QFontMetrics(bold), table.fontMetrics()
    out = [h for c, h in enumerate(table.horizontalHeaderItem(c).text() for c in range(table.columnCount()))
           if heads.horizontalAdvance(h) + 8 > header.sectionSize(c)]
    for row in table_texts(table):
        out += [t for c, t in enumerate(row) if cells.horizontalAdvance(t) + 6 > header.sectionSize(c)]
    return out


def test_every_column_reads_whole_at_1024x768(page: Any) -> None:
    """The pair list (full and empty) and the comparison show every header, kind, name, village,
    date and row label whole in the 1024x768 window."""
    assert page.window().width() == 1024
    assert _unreadable(page.pairs) == []
    assert page.pairs.horizontalHeader().sectionSize(0) >= page.pairs.fontMetrics().horizontalAdvance(
        "姓名相近、出生日期相同")
    _select(page, "transfer")
    labels = [page.compare.verticalHeaderItem(r).text() for r in range(page.compare.rowCount())]
    vertical = page.compare.verticalHeader()
    assert all(vertical.fontMetrics().horizontalAdvance(t) + 6 <= vertical.width() for t in labels), labels
    assert _unreadable(page.compare) == []
    kind_width = page.pairs.horizontalHeader().sectionSize(0)
    for c in list(page.view.candidates):
        page.mark_not_duplicate(c)
        page.ctx.tasks.wait_idle()
    assert table_texts(page.pairs) == [] and _unreadable(page.pairs) == []
    assert page.pairs.horizontalHeader().sectionSize(0) == kind_width  # the empty list keeps 类型 readable


def test_merge_keeps_one_open_file_and_the_pair_leaves_the_list(world: SyncWorld, page: Any, qtbot: Any) -> None:
    c = _select(page, "same_id_number")
    dialog = page.merge_selected()
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.keep_a.isChecked() and not dialog.keep_b.isEnabled()
    assert "赵一凡（第1村" in dialog.explain.text() and "销档" in dialog.explain.text()
    dialog.buttons.accepted.emit()
    page.ctx.tasks.wait_idle()
    assert not dialog.isVisible(), dialog.error.text()
    assert [x.kind for x in page.view.candidates].count("same_id_number") == 0
    assert len(table_texts(page.pairs)) == 2 and "赵一凡" in page.result.text()
    with world.township.register.reading() as s:
        files = [(x.id, x.closed_reason, x.id_number, x.closed_note)
                 for x in s.scalars(select(Child).where(Child.name == "赵一凡"))]
    open_files = [f for f in files if f[1] is None]
    assert len(open_files) == 1 and open_files[0][0] == c.a.id and open_files[0][2] == SAME
    merged = [f for f in files if f[1] is not None]
    assert [f[0] for f in merged] == [c.b.id] and merged[0][2] is None and "合并" in merged[0][3]


def test_transfer_needs_a_reason_then_moves_the_file(world: SyncWorld, page: Any, qtbot: Any) -> None:
    c = _select(page, "transfer")
    assert c.a.closed_reason == "moved" and c.a.village_name == "第1村"
    before = _files(world, MOVED)
    dialog = page.transfer_selected()
    qtbot.addWidget(dialog)
    assert dialog.move_a.isChecked() and dialog.village.currentData() == village_code(1)
    assert dialog.merge_other.isChecked()
    dialog.buttons.accepted.emit()
    page.ctx.tasks.wait_idle()
    assert dialog.isVisible() and "转移原因" in dialog.error.text()
    assert _files(world, MOVED) == before  # refused: nothing changed
    dialog.reason.setText("随父母迁居")
    dialog.buttons.accepted.emit()
    page.ctx.tasks.wait_idle()
    assert not dialog.isVisible(), dialog.error.text()
    after = _files(world, MOVED)
    assert after == [(c.a.id, "第2村", None, MOVED)]  # one open file, now in village 2, with its history
    assert all(x.kind != "transfer" for x in page.view.candidates)
    with world.township.register.reading() as s:
        notes = s.get(Child, c.a.id).notes or ""
    assert "由第1村转入：随父母迁居" in notes


def test_not_the_same_child_removes_the_pair(world: SyncWorld, page: Any) -> None:
    c = _select(page, "similar_name")
    page.mark_not_duplicate(c)
    page.ctx.tasks.wait_idle()
    assert all(x.kind != "similar_name" for x in page.view.candidates)
    assert "张晓明" in page.result.text()
    with world.township.register.reading() as s:
        both = [x.closed_reason for x in s.scalars(select(Child).where(Child.name.in_(["张晓明", "张小明"])))]
    assert both == [None, None]  # two open files, nothing merged


def test_empty_list_says_so(page: Any) -> None:
    for c in list(page.view.candidates):
        page.mark_not_duplicate(c)
        page.ctx.tasks.wait_idle()
    assert page.view.candidates == [] and table_texts(page.pairs) == []
    assert page.empty.isVisible() and not page.merge_button.isEnabled()
    assert page.compare.rowCount() == 0 and page.compare.isHidden()


def test_a_pair_with_the_same_name_says_why_in_chinese(world: SyncWorld, page: Any) -> None:
    """Two files with the same name and date of birth (different ID numbers) in two villages:
    the comparison says why they are listed in Chinese (姓名相同), not the code ``same_name``."""
    one, two = world.villages
    one.register.register_child(_child("李想", id_number(BORN, 303)))
    two.register.register_child(_child("李想", id_number(BORN, 404)))
    sync_round(world)
    page.activate()
    page.ctx.tasks.wait_idle()
    row = next(i for i, c in enumerate(page.view.candidates) if c.a.name == c.b.name == "李想")
    page.pairs.selectRow(row)
    assert page.selected().match == "same_name"
    assert page.compare_note.text() == "列出原因：姓名相同。"
    assert table_texts(page.pairs)[row][0] == "姓名相近、出生日期相同"

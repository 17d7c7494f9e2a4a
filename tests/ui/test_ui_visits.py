"""Recording a visit from the due list: the dialog proposes the next visit from the frequency
settings, the visit is stored, and the due list updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton
from ui_fixtures import type_text

from carebook.model.register import Register
from carebook.ui.visit_dialog import VisitDialog


def test_recording_a_visit_updates_the_due_list(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    red = [r for r in register.list_children() if r.risk_colour == "red"]
    assert red
    window.show_page(1)
    ctx.tasks.wait_idle()
    page = window.visits_page
    listed = page.child_ids()
    assert len(listed) == len(register.due_visits()) == 25
    first_group = page.tree.topLevelItem(0)
    assert first_group.text(0).startswith("红色")
    child_id = listed[0]
    assert child_id in {r.id for r in red}
    button = page.tree.findChild(QPushButton, f"record-visit-{child_id}")
    assert button is not None and button.text() == "记录走访"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(VisitDialog)
    assert dialog is not None and dialog.isVisible()
    ctx.tasks.wait_idle()
    today = dt.date.today()
    # red risk: every 15 days by the default frequency settings
    assert dialog.next_visit.value() == today + dt.timedelta(days=15)
    assert "15" in dialog.next_hint.text()
    assert dialog.form.field("visitor_name").value() == "李主任"
    assert dialog.form.field("interviewee_name").value()  # the entrusted guardian, prefilled
    type_text(qtbot, dialog.form.field("guardianship_situation").editor, "祖母照料，监护良好")
    dialog.form.field("mark_key_child").editor.setChecked(True)
    with qtbot.waitSignal(dialog.recorded, timeout=5000):
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    ctx.tasks.wait_idle()
    assert not dialog.isVisible()
    detail = register.child_detail(child_id)
    assert detail.visits[0].fields["guardianship_situation"] == "祖母照料，监护良好"
    assert detail.next_visit_due == today + dt.timedelta(days=15)
    assert "key_child" in detail.categories
    assert child_id not in page.child_ids()
    assert len(page.child_ids()) == 24
    assert page.summary.text() == "逾期 0 人，本周应访 24 人"


def test_visit_date_in_the_future_is_refused_beside_the_field(window: Any, ctx: Any, register: Register,
                                                               qtbot: Any) -> None:
    child_id = register.child_ids()[0]
    dialog = VisitDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    dialog.open()
    ctx.tasks.wait_idle()
    dialog.visit_date.set_value(dt.date.today() + dt.timedelta(days=3))
    dialog.save()
    ctx.tasks.wait_idle()
    assert "不能晚于今天" in dialog.visit_date.error.text()
    assert dialog.isVisible()
    assert register.child_detail(child_id).visits == []


def test_recording_a_visit_with_a_photo_from_the_child_file(window: Any, ctx: Any, register: Register,
                                                             qtbot: Any, tmp_path: Path) -> None:
    child_id = register.child_ids()[1]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    assert editor.visits.row_count() == 0
    qtbot.mouseClick(editor.visit_button, Qt.MouseButton.LeftButton)
    dialog = editor.findChild(VisitDialog)
    ctx.tasks.wait_idle()
    photo = tmp_path / "走访照片.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(0x3366AA)
    assert image.save(str(photo))
    dialog.add_attachment(photo)
    qtbot.keyClick(dialog.visit_date.editor, Qt.Key.Key_Return)  # Enter saves
    ctx.tasks.wait_idle()
    assert not dialog.isVisible()
    assert editor.visits.row_count() == 1
    assert editor.visits.cells(0)[0] == dt.date.today().isoformat()
    assert editor.attachments.row_count() == 1
    assert editor.attachments.cells(0)[:2] == ["走访照片.png", "走访记录"]
    stored = [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]
    assert stored and all(photo.read_bytes() not in p.read_bytes() for p in stored)  # sealed, not clear
    from carebook.model.attachment_store import read_attachment

    attachment_id = editor.attachments.tree.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole + 1)
    content = register.read(read_attachment, tmp_path / "attachments", attachment_id)
    assert content.data == photo.read_bytes() and content.filename == "走访照片.png"


def test_next_visit_follows_the_visit_date_saved(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    """QA: typing a new visit date and pressing Enter at once saved the next-visit date proposed
    for the previous date (the new proposal was computed after the save had read the field)."""
    from carebook.ui.visit_dialog import VisitDialog

    child_id = register.child_ids()[0]
    dialog = VisitDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    ctx.tasks.wait_idle()  # the proposal for today is shown
    day = dt.date.today() - dt.timedelta(days=60)
    dialog.visit_date.set_value(day)  # changed, and saved before any new proposal arrived
    dialog.form.field("visitor_name").set_value("李秀英")
    dialog.save()
    ctx.tasks.wait_idle()
    visit = max(register.child_detail(child_id).visits, key=lambda v: v.visit_date)
    assert visit.visit_date == day
    assert visit.next_visit_date == register.propose_next_visit(child_id, day) != dt.date.today()


def test_cancelling_a_typed_visit_asks_first(window: Any, ctx: Any, register: Register, qtbot: Any,
                                             monkeypatch: Any) -> None:
    """QA: Esc or 取消 threw a long typed visit away without asking. Now it asks when something
    was typed; an untouched dialog closes at once."""
    from carebook.ui.visit_dialog import VisitDialog

    child_id = register.child_ids()[0]
    dialog = VisitDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    ctx.tasks.wait_idle()
    asked: list[bool] = []
    answers = [False, True]
    monkeypatch.setattr(dialog, "ask_discard", lambda: (asked.append(True), answers.pop(0))[1])
    dialog.show()
    dialog.reject()  # nothing typed (the prefilled visitor and date do not count): no question
    assert asked == [] and not dialog.isVisible()
    dialog = VisitDialog(ctx, child_id, window)
    qtbot.addWidget(dialog)
    ctx.tasks.wait_idle()
    monkeypatch.setattr(dialog, "ask_discard", lambda: (asked.append(True), answers.pop(0))[1])
    dialog.show()
    type_text(qtbot, dialog.form.field("living_conditions").editor, "房屋为砖混结构，采光通风较好")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # "keep typing"
    assert asked == [True] and dialog.isVisible()
    dialog.reject()  # "discard"
    assert asked == [True, True] and not dialog.isVisible()


def test_leaving_the_settings_page_with_unsaved_frequencies_asks(window: Any, ctx: Any, register: Register,
                                                                 monkeypatch: Any) -> None:
    """QA: visit frequencies changed on the settings page were lost without a word on leaving it."""
    from PySide6.QtWidgets import QMessageBox

    settings = window.page_by_code("settings")
    window.show_page(window.pages.index(settings))
    ctx.tasks.wait_idle()
    before = register.settings().default_visit_interval
    settings.default_interval.setValue(before + 7)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save]
    monkeypatch.setattr(settings, "ask_unsaved", lambda: answers.pop(0))
    window.show_page(0)
    assert window.stack.currentWidget() is settings  # Cancel: still there, the change kept
    window.show_page(0)  # Save
    ctx.tasks.wait_idle()
    assert window.stack.currentWidget() is not settings and not answers
    assert register.settings().default_visit_interval == before + 7
    window.show_page(window.pages.index(settings))
    ctx.tasks.wait_idle()
    window.show_page(0)  # nothing changed: no question (answers is empty: a question would fail)
    assert window.stack.currentWidget() is not settings

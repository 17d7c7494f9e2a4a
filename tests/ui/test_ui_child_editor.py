"""The child file editor over a real register: registering a child (an invalid ID number first:
message beside the field, nothing saved), the ID number filling date of birth and sex, undo,
the unsaved-changes guard, closing a file with a reason."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from ui_fixtures import make_id_number, type_text

from carebook.model.queries.children import ChildFilter
from carebook.model.register import Register
from carebook.ui.close_dialog import CloseFileDialog


def _all_ids(register: Register) -> list[str]:
    return register.child_ids(ChildFilter(closed=None))


def test_registering_a_child_invalid_id_first(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    before = _all_ids(register)
    window.open_child(None)
    editor = window.child_editor
    assert window.stack.currentWidget() is editor
    good = make_id_number(dt.date(2016, 8, 9), False, random.Random(5))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    type_text(qtbot, editor.identity.name.editor, "欧阳小梅")
    qtbot.keyClicks(editor.identity.id_number.editor, bad)
    # the mistake is pointed out as soon as 18 characters are typed ...
    assert "校验码" in editor.identity.id_number.error.text()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    ctx.tasks.wait_idle()
    # ... and saving is refused with the message beside the field, nothing written
    error = editor.identity.id_number.error
    assert not error.isHidden() and "身份证号" in error.text() and "校验码" in error.text()
    assert not editor.banner.isHidden() and "未保存" in editor.banner.text()
    assert _all_ids(register) == before
    assert editor.child_id is None

    editor.identity.id_number.editor.clear()
    qtbot.keyClicks(editor.identity.id_number.editor, good.lower())
    assert editor.identity.date_of_birth.value() == dt.date(2016, 8, 9)
    assert editor.identity.sex.editor.currentText() == "女"
    assert editor.identity.id_number.error.isHidden()
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    ctx.tasks.wait_idle()
    child_id = saved.args[0]
    assert set(_all_ids(register)) == {*before, child_id}
    detail = register.child_detail(child_id)
    assert detail.fields["name"] == "欧阳小梅" and detail.fields["id_number"] == good
    assert detail.fields["sex"] == "2" and detail.fields["date_of_birth"] == dt.date(2016, 8, 9)
    assert editor.child_id == child_id and not editor.is_dirty()
    assert editor.identity.id_number.error.isHidden()


def test_required_fields_are_marked_and_nothing_saved(window: Any, ctx: Any, register: Register,
                                                       qtbot: Any) -> None:
    before = _all_ids(register)
    window.open_child(None)
    editor = window.child_editor
    editor.save()
    ctx.tasks.wait_idle()
    assert "必须填写" in editor.identity.name.error.text()
    assert "必须填写" in editor.identity.id_number.error.text()
    assert editor.tabs.currentIndex() == 0
    assert _all_ids(register) == before


def test_update_changes_only_edited_fields_and_undo(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    child_id = register.child_ids()[0]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    assert editor.identity.name.value() == register.child_detail(child_id).fields["name"]
    assert editor.values_to_save() == {}
    school = editor.schooling.fields()["school_name"]
    type_text(qtbot, school.editor, "示范小学")
    qtbot.keyClicks(editor.family.fields()["father.phone"].editor, "13800138000")
    assert editor.values_to_save() == {"school_name": "示范小学", "father.phone": "13800138000"}
    editor.undo()  # the phone goes, the school stays
    assert editor.values_to_save() == {"school_name": "示范小学"}
    editor.save()
    ctx.tasks.wait_idle()
    detail = register.child_detail(child_id)
    assert detail.fields["school_name"] == "示范小学"
    father = next(m for m in detail.members if m.role == "father")
    assert father.phone is None
    history = [h for h in register.child_history(child_id) if h.op == "update"]
    assert [h.field for h in history] == ["school_name"]
    editor.load(child_id)
    ctx.tasks.wait_idle()
    assert any("示范小学" in editor.history.cells(r)[4] for r in range(editor.history.row_count()))


def test_unsaved_changes_are_guarded(window: Any, ctx: Any, register: Register, qtbot: Any,
                                     monkeypatch: Any) -> None:
    child_id = register.child_ids()[0]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    type_text(qtbot, editor.identity.fields()["current_address"].editor, "示范村3组")
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel]
    monkeypatch.setattr(editor, "ask_unsaved", lambda: answers.pop(0))
    qtbot.keyClick(editor.identity.name.editor, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is editor  # cancelled: still editing
    window.show_page(1)
    assert window.stack.currentWidget() is editor
    assert window.nav.currentRow() == 0
    answers.append(QMessageBox.StandardButton.Discard)
    window.show_page(1)
    assert not answers
    assert window.stack.currentWidget() is window.visits_page
    assert register.child_detail(child_id).fields["current_address"] is None


def test_closing_a_child_with_a_reason(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    child_id = register.child_ids()[0]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    qtbot.mouseClick(editor.close_file_button, Qt.MouseButton.LeftButton)
    dialog = editor.findChild(CloseFileDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.save()  # no reason chosen yet
    assert "原因" in dialog.reason.error.text()
    combo = dialog.reason.editor
    combo.setCurrentIndex(combo.findText("户籍迁出"))
    type_text(qtbot, dialog.note.editor, "随父母迁往西安")
    dialog.save()
    ctx.tasks.wait_idle()
    detail = register.child_detail(child_id)
    assert detail.closed and detail.closed_reason == "moved" and detail.closed_note == "随父母迁往西安"
    assert "销档" in editor.subheading.text() and "户籍迁出" in editor.subheading.text()
    assert not editor.visit_button.isEnabled()
    assert child_id not in register.child_ids()


def test_family_field_error_is_shown_on_its_tab(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    child_id = register.child_ids()[0]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    phone = editor.family.fields()["mother.phone"]
    qtbot.keyClicks(phone.editor, "12345")
    editor.save()
    ctx.tasks.wait_idle()
    assert editor.tabs.currentWidget() is editor.family
    assert "电话号码" in phone.error.text() and not phone.error.isHidden()
    assert editor.is_dirty()
    mother = next(m for m in register.child_detail(child_id).members if m.role == "mother")
    assert mother.phone != "12345"


def test_history_tab_reads_in_chinese_labels(window: Any, ctx: Any, register: Register, qtbot: Any) -> None:
    """The 变更记录 tab shows field and enumeration labels and family members by relation, not
    column names and codes (``risk_colour``, ``red``, ``working_away``)."""
    child_id = register.child_ids()[0]
    register.update_child(child_id, {"risk_colour": "red", "father.status": "working_away"})
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    rows = [editor.history.cells(r) for r in range(editor.history.row_count())]
    text = "\n".join("|".join(str(c) for c in row) for row in rows)
    assert "红色" in text and "外出务工" in text
    assert "家庭成员（父亲" in text
    for code in ("risk_colour", "working_away", "family_member", "|red|", "status"):
        assert code not in text, code


def test_a_change_made_meanwhile_is_never_overwritten_unseen(window: Any, ctx: Any, register: Register,
                                                             qtbot: Any, monkeypatch: Any) -> None:
    """QA: the editor sent its record version but saving ignored it, so a note and a risk colour
    changed meanwhile (by `carebook children update`, or a sync import) were replaced without a
    word. Now: the same fields changed meanwhile -> nothing saved, the user is asked (reload /
    overwrite / keep editing); other fields changed meanwhile are kept and the user's own saved."""
    child_id = register.child_ids()[0]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    notes = editor.fields()["notes"]
    # meanwhile, elsewhere: a note that matters, and the school
    register.update_child(child_id, {"notes": "孩子被打，需立即转介", "school_name": "中心小学"})
    notes.editor.clear()
    type_text(qtbot, notes.editor, "一切正常")
    asked: list[str] = []
    answers = ["edit"]
    monkeypatch.setattr(editor, "ask_conflict", lambda exc: (asked.append(exc.message), answers.pop(0))[1])
    editor.save()
    ctx.tasks.wait_idle()
    assert len(asked) == 1 and "备注" in asked[0] and "没有保存" in asked[0]
    detail = register.child_detail(child_id)
    assert detail.fields["notes"] == "孩子被打，需立即转介"  # not overwritten
    assert editor.values_to_save() == {"notes": "一切正常"}  # the user's edit still in the form
    # reload: the latest values are shown, the user's edit dropped
    answers.append("reload")
    editor.save()
    ctx.tasks.wait_idle()
    assert notes.value() == "孩子被打，需立即转介" and editor.values_to_save() == {}
    # another field changed meanwhile does not block saving this one, and is kept
    register.update_child(child_id, {"school_name": "示范小学"})
    type_text(qtbot, editor.fields()["current_address"].editor, "示范村3组")
    editor.save()
    ctx.tasks.wait_idle()
    detail = register.child_detail(child_id)
    assert detail.fields["current_address"] == "示范村3组" and detail.fields["school_name"] == "示范小学"
    assert len(asked) == 2
    # overwrite, knowingly
    register.update_child(child_id, {"notes": "已转介"})
    notes.editor.clear()
    type_text(qtbot, notes.editor, "已家访")
    answers.append("overwrite")
    editor.save()
    ctx.tasks.wait_idle()
    assert len(asked) == 3 and register.child_detail(child_id).fields["notes"] == "已家访"


def test_every_drop_down_reads_its_longest_item_whole(window: Any, ctx: Any, register: Register) -> None:
    """QA: 风险等级 showed "（未填" cut off. Every drop-down of the file is wide enough for its items."""
    from PySide6.QtWidgets import QComboBox

    window.open_child(register.child_ids()[0])
    ctx.tasks.wait_idle()
    editor = window.child_editor
    combos = editor.findChildren(QComboBox)
    assert len(combos) > 10
    narrow = []
    for combo in combos:
        metrics = combo.fontMetrics()
        widest = max(metrics.horizontalAdvance(combo.itemText(i)) for i in range(combo.count()))
        if combo.sizeHint().width() < widest + 20:  # the text, and room for the arrow
            narrow.append((combo.itemText(0), combo.sizeHint().width(), widest))
    assert narrow == []


def test_heading_keeps_the_childs_name_while_the_name_field_is_empty(window: Any, ctx: Any,
                                                                     register: Register, qtbot: Any) -> None:
    """QA: clearing the name field of an existing child made the heading read 新儿童 *."""
    child_id = register.child_ids()[0]
    name = register.child_detail(child_id).fields["name"]
    window.open_child(child_id)
    ctx.tasks.wait_idle()
    editor = window.child_editor
    editor.identity.name.editor.selectAll()
    qtbot.keyClick(editor.identity.name.editor, Qt.Key.Key_Backspace)  # as a user empties it
    assert editor.identity.name.value() in (None, "")
    assert editor.heading.text().startswith(name) and editor.heading.text().endswith("*")

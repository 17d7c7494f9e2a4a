"""登记签字 in the app: on the entrustments page a printed confirmation is recorded signed with
its date, signatories and scan (through the backend, on the worker); the scan is listed in the
child's attachments, stored sealed, and opens as a decrypted temporary copy that is deleted
afterwards. Bad input records nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from carebook.model.register import Register
from carebook.ui import attachment_viewer, backend
from carebook.ui.sign_dialog import SignEntrustmentDialog, split_names
from entrustment_helpers import CHILD_ID, CHILD_NAME, GUARDIAN_NAME, add_printed_entrustment


def _printed_item(page: Any) -> Any:
    group = next(page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())
                 if page.tree.topLevelItem(i).text(0).startswith("已打印"))
    return group


def _open_dialog(window: Any, register: Register) -> tuple[Any, SignEntrustmentDialog]:
    window.show_page(2)
    window.ctx.tasks.wait_idle()
    page = window.stack.currentWidget()
    group = _printed_item(page)
    assert group.text(0) == "已打印、待签字（1）" and group.child(0).text(0) == CHILD_NAME
    assert not page.sign_button.isEnabled()
    page.tree.setCurrentItem(group.child(0))
    assert page.sign_button.isEnabled() and page.sign_button.text() == "登记签字..."
    page.sign_button.click()
    dialog = page.findChild(SignEntrustmentDialog)
    assert dialog is not None and dialog.isVisible()
    return page, dialog


def test_record_signatures_with_a_scan_and_open_it(window: Any, ctx: Any, register: Register, qtbot: Any,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    child_id, document_no = add_printed_entrustment(register)
    page, dialog = _open_dialog(window, register)
    assert dialog.signatories.value() == GUARDIAN_NAME  # prefilled with the entrusted guardian
    from PySide6.QtWidgets import QLabel

    assert any(document_no in label.text() and CHILD_NAME in label.text() for label in dialog.findChildren(QLabel))
    scan = tmp_path / "签字确认书.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + f"{CHILD_NAME} {CHILD_ID}".encode() * 50)
    dialog.signed_on.set_value(dt.date.today() - dt.timedelta(days=2))
    dialog.signatories.set_value(f"欧阳建国、{GUARDIAN_NAME}")
    dialog.set_scan(scan)
    dialog.buttons.accepted.emit()
    ctx.tasks.wait_idle()
    assert not dialog.isVisible()

    [row] = register.entrustment_rows(child_id)
    assert row.status == "signed" and row.signed_on == dt.date.today() - dt.timedelta(days=2)
    ctx.tasks.wait_idle()
    assert _printed_item(page).text(0) == "已打印、待签字（0）"
    for path in (tmp_path / "attachments").rglob("*"):  # sealed on disk
        assert not path.is_file() or CHILD_NAME.encode() not in path.read_bytes()

    data = backend.load_child(register, child_id)
    [attachment] = data.attachments
    assert attachment.cells[:2] == ("签字确认书.png", "委托监护确认书")
    urls: list[str] = []

    class Viewer:  # the system viewer, not started in tests
        @staticmethod
        def openUrl(url: Any) -> bool:
            urls.append(url.toLocalFile())
            return True

    monkeypatch.setattr(attachment_viewer, "QDesktopServices", Viewer)
    window.open_child(child_id)  # double-click in the child's Attachments tab
    ctx.tasks.wait_idle()
    editor = window.child_editor
    assert editor.attachments.cells(0)[:2] == ["签字确认书.png", "委托监护确认书"]
    editor.attachments.activated.emit(attachment.record_id)
    ctx.tasks.wait_idle()
    qtbot.waitUntil(lambda: bool(urls))
    copy = Path(urls[-1])
    assert copy == attachment_viewer.opened[-1]
    assert copy.read_bytes() == scan.read_bytes() and copy.name == "签字确认书.png"
    assert (copy.stat().st_mode & 0o077) == 0  # private to this user
    attachment_viewer.cleanup()
    assert not copy.exists()


def test_bad_input_records_nothing(window: Any, ctx: Any, register: Register, tmp_path: Path) -> None:
    from carebook.ui.errors import shown_messages

    child_id, _document_no = add_printed_entrustment(register)
    _page, dialog = _open_dialog(window, register)
    dialog.signatories.set_value("")
    dialog.buttons.accepted.emit()
    ctx.tasks.wait_idle()
    assert dialog.isVisible() and dialog.signatories.error.text() == "请填写签字人。"
    dialog.signatories.set_value(GUARDIAN_NAME)
    dialog.signed_on.set_value("2999-01-01")
    dialog.buttons.accepted.emit()
    ctx.tasks.wait_idle()
    assert dialog.isVisible() and dialog.signed_on.error.text()  # a date in the future, beside the field
    dialog.signed_on.set_value(dt.date.today())
    not_a_scan = tmp_path / "scan.pdf"
    not_a_scan.write_bytes(b"plain text, not a PDF")
    dialog.set_scan(not_a_scan)
    dialog.buttons.accepted.emit()
    ctx.tasks.wait_idle()
    assert dialog.isVisible() and "不是有效的 PDF" in shown_messages[-1]
    assert register.entrustment_rows(child_id)[0].status == "printed"
    assert not [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]


def test_names_are_split_on_chinese_and_latin_separators() -> None:
    assert split_names("张三、李四，王五, 赵六  钱七") == ["张三", "李四", "王五", "赵六", "钱七"]
    assert split_names(" 、 ") == []

"""Protection in the desktop on real encrypted registers (issue 8): back up now (with the copy
to a USB folder) and the database check from the settings page, a restore through the backup
panel, a damaged database at start (header damaged: found when opening; a bad sector in the
middle: found by the start-up check) moved aside and the newest backup restored, the recovery
key at the passphrase prompt followed by a new passphrase, a refused keyring, the printed
history and the audited opening of a mandatory report."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from carebook.model import keys
from carebook.model.backups import list_backups, take_backup
from carebook.model.db import Database, open_database
from carebook.model.keys import unlock_keystore
from carebook.model.recovery import format_recovery_key, set_recovery_key
from carebook.model.register import Register
from carebook.ui import protect_ops
from carebook.ui.app import make_context
from carebook.ui.context import AppContext
from carebook.ui.i18n import install_language
from carebook.ui.pages.settings_page import SettingsPage
from carebook.ui.start_checks import (
    PassphrasePrompt,
    Recovery,
    RecoveryChoice,
    StartChecks,
    open_with_recovery,
)
from keyring_helpers import MemoryKeyring
from protect_helpers import CHILD_NAME, PASSPHRASE, do_work, new_database, table_digest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fast scrypt, no passphrase in the environment, the keyring off unless a test sets one."""
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    monkeypatch.delenv(keys.PASSPHRASE_ENV, raising=False)
    monkeypatch.setenv(keys.KEYRING_ENV, "off")
    install_language("zh_CN")
    yield


def _register(db: Database) -> Register:
    """The register over ``db`` as the app opens it (key store and database attached)."""
    reg = Register(db.sessionmaker, data_dir=db.paths.root, close=db.close)
    reg.keystore = db.keystore
    reg.database = db
    return reg


def _settle(ctx: AppContext) -> None:
    for _ in range(4):
        ctx.tasks.wait_idle(60)


@pytest.fixture
def desk(tmp_path: Path, qapp: Any, qtbot: Any) -> Iterator[tuple[Register, AppContext, SettingsPage]]:
    """An encrypted village register with some work, its app context and the settings page."""
    db = new_database(tmp_path / "data")
    do_work(db)
    reg = _register(db)
    ctx = make_context(reg, tmp_path / "data")
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1024, 768)
    page.show()
    page.activate()
    _settle(ctx)
    yield reg, ctx, page
    _settle(ctx)
    ctx.tasks.shutdown()
    reg.close()


def test_backup_now_with_usb_copy_and_check(desk: tuple[Register, AppContext, SettingsPage], tmp_path: Path,
                                            qtbot: Any) -> None:
    _reg, ctx, page = desk
    panel = page.backup_panel
    assert "还没有备份" in panel.summary.text()
    stick = tmp_path / "stick" / "carebook"
    stick.mkdir(parents=True)
    panel.set_usb_folder(stick)
    assert panel.usb_check.isChecked()
    qtbot.mouseClick(panel.backup_button, Qt.MouseButton.LeftButton)
    _settle(ctx)
    backups = list_backups(tmp_path / "data" / "backups")
    assert [b.kind for b in backups] == ["manual"] and backups[0].has_key_file
    copied = stick / backups[0].path.name
    assert copied.exists() and (stick / (copied.name + ".keys.json")).exists()
    assert "已备份" in panel.result.text() and "U盘" in panel.result.text()
    assert "共 1 个备份" in panel.summary.text()
    # the backup opens with the register's key and holds the same rows
    copy = open_database(tmp_path / "data", passphrase=PASSPHRASE)
    copy.close()

    panel.set_usb_folder(tmp_path / "stick-not-plugged")  # a stick that is not there: no copy, said so
    qtbot.mouseClick(panel.backup_button, Qt.MouseButton.LeftButton)
    _settle(ctx)
    assert "没有找到U盘文件夹" in panel.result.text()

    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    _settle(ctx)
    assert panel.result.text().startswith("检查通过")
    assert page.grab().save(str(tmp_path / "settings-backup.png"))  # the page paints (looked at by hand)


def test_restore_through_the_panel(desk: tuple[Register, AppContext, SettingsPage], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    reg, ctx, page = desk
    data = tmp_path / "data"
    backup = take_backup(reg.database)
    before = table_digest(reg.database)
    do_work(reg.database, 2, start=5)  # work after the backup: the restore takes it away
    assert table_digest(reg.database) != before
    panel = page.backup_panel
    asked: list[bool] = []
    monkeypatch.setattr(panel, "ask_secret", lambda new_passphrase=False: asked.append(new_passphrase) or "wrong passphrase")
    monkeypatch.setattr(panel, "confirm_restore", lambda plan: True)
    actions: list[Any] = []
    ctx.restart_requested.connect(actions.append)
    panel.restore_from(backup)
    _settle(ctx)
    assert asked == [False] and not actions  # a wrong passphrase: refused, nothing asked of the app
    assert "密码" in panel.result.text()
    monkeypatch.setattr(panel, "ask_secret", lambda new_passphrase=False: PASSPHRASE)
    panel.restore_from(backup)
    _settle(ctx)
    assert len(actions) == 1
    ctx.tasks.run_sync(lambda t: reg.close())
    text = actions[0](data)
    assert "已恢复" in text and "replaced-" in text
    reopened = open_database(data, passphrase=PASSPHRASE)
    try:
        assert table_digest(reopened) == before
    finally:
        reopened.close()
    assert any(p.name.startswith("replaced-") for p in data.iterdir())


def _damage(path: Path, offset: int, length: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\x00" * length)


def test_damaged_header_at_start_is_moved_aside_and_the_backup_restored(tmp_path: Path, qapp: Any) -> None:
    from carebook.ui import backend

    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    take_backup(db, kind="daily")
    before = table_digest(db)
    db.close()
    _damage(data / "carebook.db", 0, 4096)  # the first page: the key no longer opens the file
    prompt = PassphrasePrompt(data)
    asked: list[str] = []
    prompt.ask_unlock = lambda text: asked.append(text) or PASSPHRASE  # type: ignore[method-assign]
    recovery = Recovery(data, prompt)
    shown: list[str] = []
    recovery.ask = lambda offer, text: shown.append(offer.problem + "|" + text) or RecoveryChoice.LATEST
    told: list[str] = []
    recovery.tell = lambda text, warning: told.append(text)
    api = open_with_recovery(data, lambda d: backend.open_register(d, prompt), recovery)
    try:
        assert api is not None and table_digest(api.database) == before
    finally:
        api.close()
    assert len(asked) == 1  # the passphrase was asked once, then remembered for the recovery
    assert len(shown) == 1 and shown[0].split("|")[1]  # the newest backup was offered
    damaged = [p for p in data.iterdir() if p.name.startswith("damaged-")]
    assert len(damaged) == 1 and (damaged[0] / "carebook.db").exists()
    assert told and "恢复" in told[0]


def test_no_backup_and_quit_is_no_crash_loop(tmp_path: Path, qapp: Any) -> None:
    from carebook.ui import backend

    data = tmp_path / "data"
    db = new_database(data)
    db.close()
    _damage(data / "carebook.db", 0, 4096)
    prompt = PassphrasePrompt(data)
    prompt.ask_unlock = lambda text: PASSPHRASE  # type: ignore[method-assign]
    recovery = Recovery(data, prompt)
    texts: list[str] = []
    recovery.ask = lambda offer, text: texts.append(text) or RecoveryChoice.QUIT
    assert open_with_recovery(data, lambda d: backend.open_register(d, prompt), recovery) is None
    assert texts == [""]  # no backup to offer
    assert not (data / "carebook.db").exists()
    # the next start does not open the damaged file again: it asks again, the user quits again
    assert open_with_recovery(data, lambda d: backend.open_register(d, prompt), recovery) is None
    assert len([p for p in data.iterdir() if p.name.startswith("damaged-")]) == 1


def test_run_app_on_a_damaged_file_restores_and_opens(tmp_path: Path, qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole start on the desktop: the damage message, 恢复最新的备份, the main window."""
    from carebook.ui.app import run_app
    from carebook.ui.main_window import MainWindow

    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    take_backup(db, kind="daily")
    db.close()
    _damage(data / "carebook.db", 0, 4096)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    seen: list[str] = []

    def step() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                seen.append(w.text())
                buttons = [b for b in w.buttons() if b.text() in ("恢复最新的备份", "OK", "确定", "&OK")]
                (buttons[0] if buttons else w.buttons()[0]).click()
                QTimer.singleShot(50, step)
                return
            if isinstance(w, MainWindow) and w.isVisible():
                seen.append("window")
                w.close()
                return
        QTimer.singleShot(50, step)

    QTimer.singleShot(50, step)
    assert run_app(data) == 0
    assert "已损坏" in seen[0] and "damaged-" in seen[0]
    assert seen[-1] == "window"
    assert (data / "carebook.db").exists()


def test_damage_found_by_the_start_check_is_recovered(tmp_path: Path, qapp: Any, qtbot: Any) -> None:
    from carebook.ui.main_window import MainWindow

    data = tmp_path / "data"
    db = new_database(data)
    do_work(db, 20)
    take_backup(db, kind="daily")
    before = table_digest(db)
    db.close()
    size = (data / "carebook.db").stat().st_size
    _damage(data / "carebook.db", size // 2 // 4096 * 4096, 4096 * 4)  # a bad sector in the middle
    reg = _register(open_database(data, passphrase=PASSPHRASE))  # opening does not read every page
    ctx = make_context(reg, data)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    checks = StartChecks(ctx, window)
    offered: list[str] = []
    checks.offer_recovery = lambda problem: offered.append(problem) or True
    actions: list[Any] = []
    ctx.restart_requested.connect(actions.append)
    checks.run()
    checks.wait()
    _settle(ctx)
    assert checks.result is not None and checks.result.damage and offered
    assert len(list_backups(data / "backups")) == 1  # a damaged file is never backed up
    ctx.tasks.run_sync(lambda t: reg.close())
    ctx.tasks.shutdown()
    os.environ[keys.PASSPHRASE_ENV] = PASSPHRASE
    try:
        text = actions[0](data)
    finally:
        del os.environ[keys.PASSPHRASE_ENV]
    assert "damaged-" in text
    reopened = open_database(data, passphrase=PASSPHRASE)
    try:
        assert table_digest(reopened) == before
    finally:
        reopened.close()


def test_start_check_takes_the_daily_backup_once(desk: tuple[Register, AppContext, SettingsPage], tmp_path: Path,
                                                 qtbot: Any) -> None:
    from carebook.ui.main_window import MainWindow

    _reg, ctx, _page = desk
    stick = tmp_path / "stick"
    stick.mkdir()
    ctx.prefs.setValue("backup/usb_folder", str(stick))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    for _ in range(2):
        checks = StartChecks(ctx, window)
        checks.run()
        checks.wait()
        _settle(ctx)
    daily = [b for b in list_backups(tmp_path / "data" / "backups") if b.kind == "daily"]
    assert len(daily) == 1  # the second start of the day takes none
    assert (stick / daily[0].path.name).exists()
    assert "今天的备份" in window.statusBar().currentMessage() or window.statusBar().currentMessage() == ""


def test_recovery_key_at_the_prompt_then_a_new_passphrase(tmp_path: Path, qapp: Any, qtbot: Any) -> None:
    from carebook.ui import backend
    from carebook.ui.main_window import MainWindow

    data = tmp_path / "data"
    db = new_database(data)
    recovery_key = set_recovery_key(db.keystore)
    do_work(db)
    before = table_digest(db)
    db.close()
    prompt = PassphrasePrompt(data)
    prompt.ask_unlock = lambda text: format_recovery_key(recovery_key)  # type: ignore[method-assign]
    api = backend.open_register(data, prompt)
    assert protect_ops.unlocked_with_recovery_key(api)
    ctx = make_context(api, data)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    answers = iter(["short", "a new everyday passphrase"])  # too short first: asked again
    asked: list[bool] = []

    def ask(parent: Any, keyring_works: bool) -> str:
        asked.append(keyring_works)
        return next(answers)

    checks = StartChecks(ctx, window, ask_passphrase=ask)
    monkey_warnings: list[str] = []
    import carebook.ui.start_checks as start_checks

    original = start_checks.QMessageBox.warning
    start_checks.QMessageBox.warning = lambda *a, **k: monkey_warnings.append(a[2])  # type: ignore[assignment]
    try:
        checks.run()
    finally:
        start_checks.QMessageBox.warning = original  # type: ignore[method-assign]
    checks.wait()
    _settle(ctx)
    assert asked == [False, False] and monkey_warnings and "8" in monkey_warnings[0]
    assert checks.rewrapped == "passphrase" and not protect_ops.unlocked_with_recovery_key(api)
    ctx.tasks.run_sync(lambda t: api.close())
    ctx.tasks.shutdown()
    store = unlock_keystore(data, passphrase="a new everyday passphrase")
    assert store.mode == "passphrase" and "recovery" in store.wrap_kinds  # the sheet still works too
    assert unlock_keystore(data, passphrase=format_recovery_key(recovery_key)).mode == "recovery"
    reopened = open_database(data, passphrase="a new everyday passphrase")
    try:
        assert table_digest(reopened) == before
    finally:
        reopened.close()


class DenyingKeyring(MemoryKeyring):
    """A keyring that works until the user refuses access (``deny``)."""

    deny = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.deny:
            raise keyring.errors.KeyringLocked("access denied by the user")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.deny:
            raise keyring.errors.PasswordSetError("access denied by the user")
        super().set_password(service, username, password)


@pytest.fixture
def denying_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[DenyingKeyring]:
    monkeypatch.delenv(keys.KEYRING_ENV, raising=False)
    previous = keyring.get_keyring()
    backend = DenyingKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_keyring_refused_falls_back_to_the_passphrase(tmp_path: Path, qapp: Any, qtbot: Any,
                                                      denying_keyring: DenyingKeyring) -> None:
    from carebook.ui import backend
    from carebook.ui.main_window import MainWindow

    data = tmp_path / "data"
    db = new_database(data, use_keyring=True, passphrase=PASSPHRASE)
    key_hex = db.keystore.database_key.hex()
    db.close()
    denying_keyring.deny = True
    prompt = PassphrasePrompt(data)
    texts: list[str] = []
    prompt.ask_unlock = lambda text: texts.append(text) or PASSPHRASE  # type: ignore[method-assign]
    api = backend.open_register(data, prompt)
    assert "拒绝" in texts[0]  # the prompt says why it asks
    ctx = make_context(api, data)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    StartChecks(ctx, window)._keyring_note()
    assert "钥匙串" in window.statusBar().currentMessage()
    _settle(ctx)
    ctx.tasks.run_sync(lambda t: api.close())
    ctx.tasks.shutdown()
    on_disk = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert key_hex.encode() not in on_disk and bytes.fromhex(key_hex) not in on_disk

    # a new register where the keyring refuses: a new passphrase is asked (twice in the dialog)
    fresh = tmp_path / "fresh"
    prompt = PassphrasePrompt(fresh)
    prompt.ask_new = lambda: "a brand new passphrase"  # type: ignore[method-assign]
    created = backend.open_register(fresh, prompt)
    try:
        assert created.keystore.wrap_kinds == ["passphrase"]
    finally:
        created.close()
    info = json.loads((fresh / "keyinfo.json").read_text(encoding="utf-8"))
    assert [w["kind"] for w in info["wraps"]] == ["passphrase"]
    assert unlock_keystore(fresh, passphrase="a brand new passphrase").mode == "passphrase"


def test_print_history_and_open_a_report_audited(tmp_path: Path, qapp: Any, qtbot: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox as Box

    from carebook.model.audit import audit_events
    from carebook.model.services import reports as report_services
    from carebook.ui.child_editor import ChildEditor
    from carebook.ui.history_print import HistoryPrintDialog

    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)  # the first child: risk colour changed from none to yellow
    reg = _register(db)
    child_id = next(c for c in reg.child_ids() if reg.child_detail(c).fields["name"] == CHILD_NAME)
    reg.update_child(child_id, {"guardian.phone": "13800001111"})
    reg.update_child(child_id, {"guardian.phone": "13912345678"})
    report_id = reg.write(report_services.create_report, child_id, {
        "situations": ["abandonment"], "found_at": dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),
        "reporter_name": "王报告"}).record_id
    ctx = make_context(reg, data)
    monkeypatch.setattr(ChildEditor, "ask_unsaved", lambda self: Box.StandardButton.Discard)
    editor = ChildEditor(ctx)
    qtbot.addWidget(editor)
    editor.resize(1024, 768)
    editor.show()
    editor.load(child_id)
    _settle(ctx)
    assert editor.history_print.isEnabled()
    editor.print_history()
    dialog = editor.history_dialog
    assert isinstance(dialog, HistoryPrintDialog)
    out = tmp_path / "history.pdf"
    dialog.save_to(out)
    _settle(ctx)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert CHILD_NAME in text and "13800001111" in text and "13912345678" in text
    dialog.close()

    assert reg.read(audit_events) == []
    editor.open_report(report_id)
    _settle(ctx)
    events = reg.read(audit_events)
    assert [(e.action, e.record_id, e.actor) for e in events] == [("open_report", report_id, "李秀英")]
    shown = editor.report_dialog
    labels = [w.text() for w in shown.findChildren(type(editor.heading))]
    assert "王报告" in labels
    shown.close()
    _settle(ctx)
    ctx.tasks.shutdown()
    reg.close()

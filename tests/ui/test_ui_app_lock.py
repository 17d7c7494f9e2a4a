"""The app lock in the desktop: a PIN set in the settings page, the window locked after the
idle minutes (a fake clock stands for the time passing) with the register's data taken out of
the window, a wrong PIN refused with a growing wait, the right one giving the window back."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from carebook.model.register import Register
from carebook.ui.context import AppContext
from carebook.ui.lock_screen import AppLocker


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _settle(ctx: AppContext) -> None:
    for _ in range(3):
        ctx.tasks.wait_idle()


def test_idle_lock_hides_the_data_and_the_pin_unlocks(window: Any, ctx: AppContext, register: Register,
                                                       qtbot: Any) -> None:
    from carebook.ui.app_lock_panel import AppLockDialog

    clock = FakeClock()
    locker = AppLocker(window, ctx, clock=clock, poll_ms=60_000, wall_clock=clock)
    _settle(ctx)
    locker.lock_now()  # no PIN yet: nothing locks, the user is told where to set one
    assert not locker.locked
    settings = window.page_by_code("settings")
    window.show_page(window.pages.index(settings))
    _settle(ctx)
    panel = settings.app_lock_panel
    assert "未设置" in panel.status.text()
    panel.edit()  # set the PIN and the idle minutes through the settings page
    dialog = panel.dialog
    assert isinstance(dialog, AppLockDialog)
    qtbot.keyClicks(dialog.new, "2468")
    qtbot.keyClicks(dialog.repeat, "2469")
    dialog.save()
    assert "不一样" in dialog.error.text()  # the two entries differ: nothing stored
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, "2468")
    dialog.minutes.setValue(5)
    dialog.save()
    _settle(ctx)
    assert "5 分钟" in panel.status.text()
    window.show_page(0)
    _settle(ctx)
    assert locker.config is not None and locker.config.idle_minutes == 5
    table = window.register_page.table
    assert table.isVisible() and table.model().rowCount() > 0
    first_name = table.model().index(0, 0).data()

    clock.now += 4 * 60  # four minutes: not yet
    locker.poll()
    assert not locker.locked
    qtbot.keyClick(window.register_page.search, "z")  # activity resets the idle time
    clock.now += 4 * 60
    locker.poll()
    assert not locker.locked
    clock.now += 61
    locker.poll()
    assert locker.locked
    assert not table.isVisible() and not window.register_page.isVisible()
    assert window.centralWidget() is locker.screen and not window.menuBar().isVisible()
    shot = window.grab()
    assert not shot.isNull() and shot.width() >= 900
    texts = [w.text() for w in window.findChildren(QLineEdit)] + [window.windowTitle()]
    assert not any(first_name in t for t in texts)

    from carebook.ui.errors import show_message

    show_message(window, "某个任务的结果：欧阳思远")  # a message arriving while locked is hidden too
    _settle(ctx)
    late = [w for w in QApplication.topLevelWidgets() if w.objectName() == "carebook-message"]
    assert late and not any(w.isVisible() for w in late)
    screen = locker.screen
    assert screen is not None
    for _attempt in range(1, 4):  # wrong three times: refused, then a wait
        qtbot.keyClicks(screen.secret, "1111")
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        _settle(ctx)
        assert locker.locked
        assert "不对" in screen.message.text()
    assert "30" in screen.message.text() and not screen.secret.isEnabled()
    locker.try_unlock("2468")  # during the wait even the right PIN is not tried
    _settle(ctx)
    assert locker.locked
    clock.now += 31
    locker._tick()
    assert screen.secret.isEnabled()
    qtbot.keyClicks(screen.secret, "2468")
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    _settle(ctx)
    assert not locker.locked
    assert window.centralWidget() is not None and table.isVisible() and window.menuBar().isVisible()
    assert any(w.isVisible() for w in late if shiboken6.isValid(w))  # shown again after unlocking
    assert locker.failures == 0


def test_wrong_pins_still_make_the_next_start_wait(window: Any, ctx: AppContext, register: Register,
                                                   qtbot: Any) -> None:
    """Quitting the app at the lock screen and starting it again does not reset the wait: the
    new window opens locked, the right PIN is not even tried until the wait is over."""
    from carebook.model.app_lock import lockout_state
    from carebook.ui import protect_ops
    from carebook.ui.main_window import MainWindow

    protect_ops.set_app_lock(register, "2468", 10, None)
    clock = FakeClock()
    clock.now = 1_800_000_000.0
    locker = AppLocker(window, ctx, clock=clock, poll_ms=60_000, wall_clock=clock)
    _settle(ctx)
    assert not locker.locked  # no wrong attempts stored: the window opens unlocked
    locker.lock_now()
    screen = locker.screen
    assert screen is not None
    for _attempt in range(4):  # four wrong PINs, waiting out the first wait
        clock.now += 31
        locker._tick()
        qtbot.keyClicks(screen.secret, "1111")
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        _settle(ctx)
    assert locker.failures == 4 and "60" in screen.message.text()
    # The app is ended at the lock screen (the process killed) and started again 10 s later.
    app = QApplication.instance()
    assert app is not None
    app.removeEventFilter(locker)
    window.removeEventFilter(locker)
    locker.timer.stop()
    window.close()
    clock.now += 10
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    second.show()
    _settle(ctx)
    again = AppLocker(second, ctx, clock=clock, poll_ms=60_000, wall_clock=clock)
    _settle(ctx)
    assert again.locked and again.failures == 4
    new_screen = again.screen
    assert new_screen is not None and second.centralWidget() is new_screen
    assert not new_screen.secret.isEnabled() and "50" in new_screen.message.text()
    again.try_unlock("2468")  # the right PIN during the wait: not tried
    _settle(ctx)
    assert again.locked
    clock.now += 49
    again._tick()
    assert not new_screen.secret.isEnabled()
    clock.now += 1
    again._tick()
    assert new_screen.secret.isEnabled()
    qtbot.keyClicks(new_screen.secret, "2468")
    qtbot.keyClick(new_screen.secret, Qt.Key.Key_Return)
    _settle(ctx)
    assert not again.locked and again.failures == 0
    assert lockout_state(register, now=clock.now).failures == 0  # the count is cleared in the register


def test_changing_and_removing_the_lock_needs_the_current_pin(window: Any, ctx: AppContext, register: Register,
                                                             qtbot: Any, monkeypatch: Any) -> None:
    from carebook.model.app_lock import app_lock_config, verify_app_lock
    from carebook.ui import protect_ops

    protect_ops.set_app_lock(register, "2468", 10, None)
    settings = window.page_by_code("settings")
    window.show_page(window.pages.index(settings))
    _settle(ctx)
    panel = settings.app_lock_panel
    panel.edit()
    dialog = panel.dialog
    qtbot.keyClicks(dialog.current, "1357")  # wrong current PIN: refused, nothing changed
    dialog.minutes.setValue(60)
    dialog.save()
    _settle(ctx)
    assert "不对" in dialog.error.text() and app_lock_config(register).idle_minutes == 10
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, "2468")  # right PIN, new one left empty: only the minutes change
    dialog.save()
    _settle(ctx)
    assert app_lock_config(register).idle_minutes == 60 and verify_app_lock(register, "2468")
    monkeypatch.setattr(panel, "ask_current", lambda: "1357")
    panel.remove()
    _settle(ctx)
    assert app_lock_config(register) is not None
    monkeypatch.setattr(panel, "ask_current", lambda: "2468")
    panel.remove()
    _settle(ctx)
    assert app_lock_config(register) is None and "未设置" in panel.status.text()

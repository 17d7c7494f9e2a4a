"""The app lock in the desktop: a PIN set in the settings page, the window locked after the
idle minutes (a fake clock stands for the time passing) with the register's data taken out of
the window, a wrong PIN refused with a growing wait, the right one giving the window back; the
app started (``run_app``) over a register with a PIN opens locked, its first painted frame the
lock screen, and over one without a PIN straight to the register."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

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


# -- the start of the app ------------------------------------------------------------------------
def _child_names(register: Register) -> list[str]:
    from sqlalchemy import select

    from carebook.model.children import Child

    with register.sessions() as session:
        return list(session.scalars(select(Child.name)))


def _visible_texts(window: Any) -> list[str]:
    """Every text a visible widget of ``window`` shows: labels, fields, buttons, the cells of
    the visible tables and lists, and the window title."""
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QListView

    texts = [window.windowTitle()]
    for w in window.findChildren(QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QLabel | QLineEdit | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model, top = w.model(), QModelIndex()
            columns = 1 if isinstance(w, QListView) else model.columnCount(top)
            texts += [str(model.index(r, c).data()) for r in range(model.rowCount(top)) for c in range(columns)]
    return texts


class FirstPaint(QObject):
    """Application-wide event filter: at the first paint of the main window (or of anything
    inside it) it notes what that frame holds: the central widget, whether the register page,
    its table and the menu bar are visible, and every visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, Any] = {}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        from carebook.ui.main_window import MainWindow

        if (not self.seen and event.type() == QEvent.Type.Paint and isinstance(watched, QWidget)
                and isinstance(watched.window(), MainWindow)):
            window = watched.window()
            assert isinstance(window, MainWindow)
            self.seen = {"central": window.centralWidget(), "register": window.register_page.isVisible(),
                         "table": window.register_page.table.isVisible(),
                         "menus": window.menuBar().isVisible(), "texts": _visible_texts(window)}
        return False


def _start_app(register: Register, tmp_path: Any, script: Callable[[Any, AppLocker], None]) -> FirstPaint:
    """Start the app as ``carebook`` does (:func:`carebook.ui.app.run_app`, the register given
    instead of opened) and run ``script(window, locker)`` once the main window shows; the
    script ends by closing the window. Returns what the first painted frame held."""
    from carebook.ui.app import run_app
    from carebook.ui.main_window import MainWindow

    app = QApplication.instance()
    assert app is not None
    first = FirstPaint()
    app.installEventFilter(first)
    failed: list[BaseException] = []

    def step() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(20, step)
            return
        window = windows[0]
        lockers = [c for c in window.children() if isinstance(c, AppLocker)]
        try:
            assert len(lockers) == 1
            script(window, lockers[0])
        except BaseException as exc:  # ended, not left hanging: raised below
            failed.append(exc)
            QCoreApplication.exit(1)

    QTimer.singleShot(0, step)
    QTimer.singleShot(120_000, lambda: QCoreApplication.exit(2))
    try:
        code = run_app(tmp_path / "ui", open_api=lambda _d: register)
    finally:
        app.removeEventFilter(first)
    if failed:
        raise failed[0]
    assert code == 0
    return first


def test_a_register_with_a_pin_opens_locked_and_the_pin_shows_the_register(
        register: Register, tmp_path: Any, qtbot: Any, monkeypatch: Any) -> None:
    """The keyring gives the key, nobody is asked anything: with a PIN set the window still
    shows nothing of the register until the PIN is typed. The very first frame painted is the
    lock screen; the start checks (their questions would be hidden) wait for the unlock."""
    from carebook.ui import protect_ops
    from carebook.ui.lock_screen import LockScreen
    from carebook.ui.start_checks import StartChecks

    protect_ops.set_app_lock(register, "2468", 10, None)
    names = _child_names(register)
    assert len(names) == 25
    checks_run: list[bool] = []
    original_run = StartChecks.run

    def run_checks(self: StartChecks) -> None:
        checks_run.append(True)
        original_run(self)

    monkeypatch.setattr(StartChecks, "run", run_checks)

    def script(window: Any, locker: AppLocker) -> None:
        ctx = window.ctx
        _settle(ctx)
        assert locker.locked and not checks_run
        screen = locker.screen
        assert isinstance(screen, LockScreen) and window.centralWidget() is screen
        assert window.register_page.model.rowCount() == 25  # loaded behind the lock, not shown
        assert not window.register_page.isVisible() and not window.register_page.table.isVisible()
        assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
        shown = " ".join(_visible_texts(window))
        assert not any(name in shown for name in names)
        # The window's picture is the lock screen's, pixel for pixel: nothing else is painted.
        rgb = QImage.Format.Format_RGB32
        assert window.grab().toImage().convertToFormat(rgb) == screen.grab().toImage().convertToFormat(rgb)
        window.close()  # refused while locked
        assert window.isVisible() and "解锁" in screen.message.text()
        qtbot.keyClicks(screen.secret, "1111")
        qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
        _settle(ctx)
        assert locker.locked and "不对" in screen.message.text()
        qtbot.keyClicks(screen.secret, "2468")
        qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
        _settle(ctx)
        assert not locker.locked and checks_run == [True]
        table = window.register_page.table
        assert table.isVisible() and window.menuBar().isVisible()
        shown = " ".join(_visible_texts(window))
        assert sum(name in shown for name in names) >= 10
        window.close()

    first = _start_app(register, tmp_path, script)
    assert isinstance(first.seen["central"], LockScreen)
    assert not first.seen["register"] and not first.seen["table"] and not first.seen["menus"]
    assert not any(name in text for text in first.seen["texts"] for name in names)


def test_wrong_pins_stored_before_the_start_still_make_it_wait(register: Register, tmp_path: Any,
                                                               qtbot: Any) -> None:
    """Three wrong PINs, then the app is killed and started again at once: it opens locked with
    the rest of the 30 s wait, during which even the right PIN is not tried."""
    from carebook.model.app_lock import attempt_unlock, lockout_state
    from carebook.ui import protect_ops

    protect_ops.set_app_lock(register, "2468", 10, None)
    now = time.time()
    for _attempt in range(3):
        assert not attempt_unlock(register, "1111", now=now).ok
    assert lockout_state(register, now=now).wait_seconds == 30

    def script(window: Any, locker: AppLocker) -> None:
        _settle(window.ctx)
        screen = locker.screen
        assert locker.locked and screen is not None and locker.failures == 3
        assert not screen.secret.isEnabled() and not screen.unlock_button.isEnabled()
        assert "3" in screen.message.text() and ("30" in screen.message.text() or "29" in screen.message.text())
        locker.try_unlock("2468")  # the right PIN during the wait: not tried
        _settle(window.ctx)
        assert locker.locked
        # 31 seconds later (both clocks of the lock moved on instead of waiting)
        locker.clock = lambda: time.monotonic() + 31
        locker.wall_clock = lambda: time.time() + 31
        locker._tick()
        assert screen.secret.isEnabled()
        qtbot.keyClicks(screen.secret, "2468")
        qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
        _settle(window.ctx)
        assert not locker.locked and window.register_page.table.isVisible()
        window.close()

    first = _start_app(register, tmp_path, script)
    assert not first.seen["register"] and not first.seen["table"]
    assert lockout_state(register, now=time.time() + 40).failures == 0


def test_a_register_without_a_pin_opens_straight_to_the_register(register: Register, tmp_path: Any,
                                                                 monkeypatch: Any) -> None:
    from carebook.ui.lock_screen import LockScreen
    from carebook.ui.start_checks import StartChecks

    names = _child_names(register)
    checks_run: list[bool] = []
    original_run = StartChecks.run

    def run_checks(self: StartChecks) -> None:
        checks_run.append(True)
        original_run(self)

    monkeypatch.setattr(StartChecks, "run", run_checks)

    def script(window: Any, locker: AppLocker) -> None:
        _settle(window.ctx)
        assert not locker.locked and locker.screen is None and checks_run == [True]
        assert window.register_page.table.isVisible() and window.menuBar().isVisible()
        shown = " ".join(_visible_texts(window))
        assert sum(name in shown for name in names) >= 10
        window.close()

    first = _start_app(register, tmp_path, script)
    assert not isinstance(first.seen["central"], LockScreen)
    assert first.seen["register"] and first.seen["table"] and first.seen["menus"]


def test_a_start_that_cannot_read_the_lock_opens_locked(window: Any, ctx: AppContext, register: Register,
                                                        qtbot: Any) -> None:
    """Fail closed: when the lock's settings could not be read at the start, the window opens
    locked; the PIN typed is then checked by the model, which holds the truth."""
    from carebook.ui import protect_ops
    from carebook.ui.lock_screen import StartLock

    protect_ops.set_app_lock(register, "2468", 10, None)
    locker = AppLocker(window, ctx, poll_ms=60_000, at_start=StartLock(None, None, unreadable=True))
    screen = locker.screen
    assert locker.locked and screen is not None and not window.register_page.isVisible()
    _settle(ctx)
    assert locker.config is not None  # read again on the worker
    qtbot.keyClicks(screen.secret, "1111")
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    _settle(ctx)
    assert locker.locked
    qtbot.keyClicks(screen.secret, "2468")
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)
    _settle(ctx)
    assert not locker.locked and window.register_page.isVisible()

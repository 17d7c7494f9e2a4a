"""The app lock in the desktop (程序锁): the lock screen and what drives it.

After the idle minutes of the lock (:mod:`carebook.model.app_lock`; no key press, mouse click,
mouse move or wheel anywhere in the app, seen by an application-wide event filter) or on
锁定 (Ctrl+L), the main window's whole content is taken out of the window and replaced by the
lock screen: the register, the child file, the menus, the status bar and every other open
window of the app are hidden, not merely covered, until the PIN or password is entered.
Wrong attempts are refused with a clear message; from the third one on, the next attempt
waits :func:`carebook.model.app_lock.lockout_seconds` (30 s doubling to 15 minutes). The
check runs on the worker (scrypt, :func:`carebook.model.app_lock.attempt_unlock`), which keeps
the count of wrong attempts and the time of the last one in the register: quitting and
restarting the app does not reset the wait. When the register holds wrong attempts not yet
cleared by the right PIN (the app was ended at the lock screen), the window locks as soon as it
opens, with whatever wait is still due. Unsaved edits in the child file survive the lock.

At the start of the app (:func:`carebook.ui.app.run_app`) the lock's settings are read before
the main window is built (:func:`read_start_lock`) and, when a PIN or password is set, the
window is locked before it is first shown (``AppLocker(..., at_start=...)``): no frame of the
register is ever painted, whether the register's key came from the keyring or a passphrase was
typed (the PIN is asked either way: one rule, and the passphrase is not the PIN). Settings that
could not be read at the start lock the window too (fail closed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carebook.ui import protect_ops
from carebook.ui.context import AppContext
from carebook.ui.errors import show_message

# Entity name announced when the lock's settings change (``ctx.notify_changed(APP_LOCK)``).
APP_LOCK = "app_lock"

# The events that count as the user being there.
ACTIVITY_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})

# How often the idle time is looked at (milliseconds).
POLL_MS = 5000

log = logging.getLogger(__name__)


def read_lock_settings(api: Any, now: float) -> tuple[Any, Any]:
    """The register's app lock as ``(config, state)``: the ``AppLockConfig`` (None when no PIN
    or password is set) and the :class:`carebook.model.app_lock.LockoutState` at ``now``
    (wall-clock seconds since the Unix epoch). Runs SQL: call it on the worker."""
    from carebook.model.app_lock import lockout_state

    return protect_ops.app_lock_config(api), lockout_state(api, now=now)


@dataclass(frozen=True)
class StartLock:
    """The app lock as read at the start of the app, before the main window is built.

    Attributes:
        config: the ``AppLockConfig``, or None (no PIN set, or not readable).
        state: the :class:`carebook.model.app_lock.LockoutState`, or None when not readable.
        unreadable: True when the settings could not be read (the window then opens locked).
    """

    config: Any
    state: Any
    unreadable: bool = False

    @property
    def locks(self) -> bool:
        """Whether the window must open locked: a PIN or password is set, or that is unknown."""
        return self.config is not None or self.unreadable


def read_start_lock(ctx: AppContext, now: float | None = None) -> StartLock:
    """Read the app lock on the worker and wait for it (a few milliseconds; events are
    processed meanwhile), for the start of the app: call it before the main window is built,
    so that the read is not queued behind the pages' first queries. ``now``: wall-clock
    seconds (``time.time()`` by default). Never raises: a failure is logged and gives
    ``StartLock(None, None, unreadable=True)``."""
    api = ctx.api
    at = time.time() if now is None else now
    try:
        config, state = ctx.tasks.run_sync(lambda t: read_lock_settings(api, at), timeout_s=60)
    except Exception as exc:  # fail closed: the window opens locked
        log.warning("the app lock's settings could not be read at start; the window opens locked", exc_info=exc)
        return StartLock(None, None, unreadable=True)
    return StartLock(config, state)


class LockScreen(QWidget):
    """What the main window shows while locked: who is locked out, one PIN/password field,
    the 解锁 button and a message line. Holds no data of any child."""

    unlock_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock-screen")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the style sheet's background, also in the window
        self.setStyleSheet("QWidget#lock-screen { background: #eef2f6; }"
                           "QFrame#lock-card { background: white; border: 1px solid #c9d3dd; border-radius: 8px; }")
        card = QFrame()
        card.setObjectName("lock-card")
        card.setFixedWidth(420)
        self.title = QLabel(self.tr("Carebook is locked"))
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.explain = QLabel(self.tr("The app locked itself to keep the children's files private. "
                                      "Enter the PIN or password to go on where you left off."))
        self.explain.setWordWrap(True)
        self.secret = QLineEdit()
        self.secret.setObjectName("lock-secret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(self.tr("PIN or password"))
        self.secret.setMinimumHeight(34)
        self.unlock_button = QPushButton(self.tr("&Unlock"))
        self.unlock_button.setObjectName("lock-unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setMinimumHeight(34)
        self.message = QLabel()
        self.message.setObjectName("lock-message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        row = QHBoxLayout()
        row.addWidget(self.secret, 1)
        row.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)
        inner.addWidget(self.title)
        inner.addWidget(self.explain)
        inner.addLayout(row)
        inner.addWidget(self.message)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(card)
        middle.addStretch(1)
        outer.addLayout(middle)
        outer.addStretch(2)
        self.unlock_button.clicked.connect(self._submit)
        self.secret.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        text = self.secret.text()
        if not text.strip():
            self.message.setText(self.tr("Enter the PIN or password."))
            return
        self.secret.clear()
        self.unlock_requested.emit(text)

    def set_waiting(self, seconds: int) -> None:
        """Refuse input for ``seconds`` (0: accept again)."""
        self.secret.setEnabled(seconds <= 0)
        self.unlock_button.setEnabled(seconds <= 0)
        if seconds <= 0:
            self.secret.setFocus()


class AppLocker(QObject):
    """Locks ``window`` after the idle minutes of the register's app lock, or on demand.

    Args:
        window: the main window whose central widget, menus and status bar are hidden.
        ctx: the app context (the lock's settings and the PIN check run on its worker).
        clock: seconds, monotonic (tests pass a fake clock to simulate idle time).
        poll_ms: how often the idle time is looked at.
        wall_clock: seconds since the Unix epoch, given to the model with each attempt (the
            stored time of the last wrong one; tests pass a fake clock).
        at_start: the lock as read at the start of the app (:func:`read_start_lock`, before
            the window was built): applied at once instead of read on the worker, and when
            it :attr:`StartLock.locks` the window is locked before this constructor returns
            (call it before ``window.show()``). None (a window rebuilt for another language,
            tests): read on the worker; the window then locks only when wrong attempts are
            stored.

    Signals:
        locked_changed(bool): the window was locked (True) or unlocked (False).
    """

    locked_changed = Signal(bool)

    def __init__(self, window: QMainWindow, ctx: AppContext, *, clock: Callable[[], float] = time.monotonic,
                 poll_ms: int = POLL_MS, wall_clock: Callable[[], float] = time.time,
                 at_start: StartLock | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.clock = clock
        self.wall_clock = wall_clock
        self.config: Any = None
        self._first_load = True
        self.failures = 0
        self._last_activity = clock()
        self._locked = False
        self._content: QWidget | None = None
        self._hidden_windows: list[QWidget] = []
        self._disabled_actions: list[QAction] = []
        self._wait_until = 0.0
        self.screen: LockScreen | None = None

        self.lock_action = QAction(self.tr("&Lock now"), window)
        self.lock_action.setObjectName("lock-now")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.lock_action.triggered.connect(self.lock_now)
        menus = [m for m in (a.menu() for a in window.menuBar().actions()) if isinstance(m, QMenu)]
        if menus:  # the File menu, above Quit
            actions = menus[0].actions()
            menus[0].insertAction(actions[-1] if actions else None, self.lock_action)  # type: ignore[arg-type]
        window.addAction(self.lock_action)

        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        window.installEventFilter(self)
        ctx.changed.connect(self._on_changed)
        if at_start is None:
            self.reload()
            return
        self._first_load = False
        if at_start.unreadable:
            self.reload()  # read again on the worker: the idle lock works once it can be read
        else:
            self._set_config((at_start.config, at_start.state))
        if at_start.locks:
            self.lock()

    # -- settings ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the lock's settings and the stored wrong attempts on the worker."""
        api = self.ctx.api
        now = self.wall_clock()
        self.ctx.task(lambda t: read_lock_settings(api, now), self).success(self._set_config).failure(
            lambda e: None).run()

    def _set_config(self, loaded: tuple[Any, Any]) -> None:
        config, state = loaded
        self.config = config
        first, self._first_load = self._first_load, False
        if config is None or self._locked:
            return
        self.failures = int(state.failures)
        self._wait_until = self.clock() + float(state.wait_seconds)
        if first and self.failures > 0:  # the app was ended at the lock screen: lock again at once
            self.lock()

    def _on_changed(self, entities: frozenset[str]) -> None:
        if APP_LOCK in entities:
            self.reload()

    # -- idle -------------------------------------------------------------------------------
    def touch(self) -> None:
        """Record user activity now."""
        self._last_activity = self.clock()

    def idle_seconds(self) -> float:
        """Seconds since the last key press, click or mouse move."""
        return self.clock() - self._last_activity

    def poll(self) -> None:
        """Lock when a lock is set and its idle minutes have passed."""
        if self._locked or self.config is None:
            return
        if self.idle_seconds() >= int(self.config.idle_minutes) * 60:
            self.lock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Every input event anywhere in the app counts as activity; a window of the app that
        shows while locked (a message of a task that finished late) is hidden until unlocked;
        closing the window while locked is refused (its unsaved-changes question would name
        the child)."""
        kind = event.type()
        if kind in ACTIVITY_EVENTS and not self._locked:
            self._last_activity = self.clock()
        if (self._locked and kind == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow()
                and watched is not self.window and not isinstance(watched, QMenu)):
            QTimer.singleShot(0, lambda w=watched: self._hide_while_locked(w))  # a message that arrived late
        if watched is self.window and kind == QEvent.Type.Close and self._locked and isinstance(event, QCloseEvent):
            event.ignore()
            if self.screen is not None:
                self.screen.message.setText(self.tr("Unlock first, then close Carebook."))
            return True
        return False

    def _hide_while_locked(self, widget: QWidget) -> None:
        if self._locked and shiboken6.isValid(widget) and widget.isVisible():
            widget.hide()
            self._hidden_windows.append(widget)

    # -- locking ----------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        """Whether the window is locked now."""
        return self._locked

    def lock_now(self) -> None:
        """锁定: lock at once, or say how to set a PIN when there is none."""
        if self.config is None:
            show_message(self.window, self.tr("No PIN or password is set. Set one in Settings under "
                                              "'App lock' first."), warning=False)
            return
        self.lock()

    def lock(self) -> None:
        """Hide everything the window and the app's other windows show behind the lock screen."""
        if self._locked:
            return
        self._locked = True
        self._hidden_windows = [w for w in QApplication.topLevelWidgets()
                                if w is not self.window and w.isVisible() and not w.isHidden()]
        for w in self._hidden_windows:
            w.hide()
        self._content = self.window.takeCentralWidget()
        self._disabled_actions = [a for a in self.window.findChildren(QAction)
                                  if a.isEnabled() and a is not self.lock_action]
        for a in self._disabled_actions:
            a.setEnabled(False)
        self.lock_action.setEnabled(False)
        self.window.menuBar().hide()
        self.window.statusBar().hide()
        self.screen = LockScreen()
        self.screen.unlock_requested.connect(self.try_unlock)
        self.window.setCentralWidget(self.screen)
        self.screen.secret.setFocus()
        if self.clock() < self._wait_until:
            self._start_countdown()
        elif self.failures:
            self.screen.message.setText(self.tr("Wrong PIN or password (%1 wrong in a row). Try again.")
                                        .replace("%1", str(self.failures)))
        self.locked_changed.emit(True)

    def try_unlock(self, attempt: str) -> None:
        """Check ``attempt`` on the worker; unlock when right, else count the failure."""
        if self.screen is None or self.clock() < self._wait_until:
            return
        self.screen.set_waiting(1)
        self.screen.message.setText(self.tr("Checking..."))
        api = self.ctx.api
        now = self.wall_clock()

        def check(t: Any) -> Any:
            from carebook.model.app_lock import attempt_unlock

            return attempt_unlock(api, attempt, now=now)

        self.ctx.task(check, self).success(self._checked).failure(self._check_failed).run()

    def _check_failed(self, exc: BaseException) -> None:
        if self.screen is not None:
            self.screen.set_waiting(0)
            self.screen.message.setText(self.tr("The PIN could not be checked. Try again."))

    def _checked(self, result: Any) -> None:
        if result.ok:
            self.failures = 0
            self._wait_until = 0.0
            self.unlock()
            return
        self.failures = int(result.failures)
        wait = float(result.wait_seconds)
        self._wait_until = self.clock() + wait
        if self.screen is None:
            return
        if wait > 0:
            self._start_countdown()
        else:
            self.screen.set_waiting(0)
            self.screen.message.setText(self.tr("Wrong PIN or password (%1 wrong in a row). Try again.")
                                        .replace("%1", str(self.failures)))

    def _start_countdown(self) -> None:
        self._tick()
        self._countdown.start()

    def _tick(self) -> None:
        if self.screen is None:
            self._countdown.stop()
            return
        left = int(self._wait_until - self.clock() + 0.999)
        if left <= 0:
            self._countdown.stop()
            self.screen.set_waiting(0)
            self.screen.message.setText(self.tr("Try again."))
            return
        self.screen.set_waiting(left)
        self.screen.message.setText(
            self.tr("Wrong PIN or password (%1 wrong in a row). Wait %2 seconds before the next try.")
            .replace("%1", str(self.failures)).replace("%2", str(left)))

    def unlock(self) -> None:
        """Put the window's content, menus and other windows back."""
        if not self._locked:
            return
        self._countdown.stop()
        screen = self.window.takeCentralWidget()
        if self._content is not None:
            self.window.setCentralWidget(self._content)
            self._content.show()
        self._content = None
        if screen is not None:
            screen.deleteLater()
        self.screen = None
        self.window.menuBar().show()
        self.window.statusBar().show()
        for a in self._disabled_actions:
            if shiboken6.isValid(a):
                a.setEnabled(True)
        self._disabled_actions = []
        self.lock_action.setEnabled(True)
        for w in self._hidden_windows:
            if shiboken6.isValid(w):
                w.show()
        self._hidden_windows = []
        self._locked = False
        self.touch()
        self.locked_changed.emit(False)

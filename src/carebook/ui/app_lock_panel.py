"""The app lock's part of the settings page (程序锁): set, change or remove the PIN or password
and the idle minutes (:mod:`carebook.model.app_lock`; the lock itself is
:mod:`carebook.ui.lock_screen`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from carebook.model.app_lock import DEFAULT_IDLE_MINUTES, MAX_IDLE_MINUTES
from carebook.model.errors import ValidationError
from carebook.ui import protect_ops
from carebook.ui.context import AppContext
from carebook.ui.errors import error_text, show_error, show_message
from carebook.ui.lock_screen import APP_LOCK


class AppLockDialog(QDialog):
    """Set or change the PIN/password (程序锁密码) and the idle minutes. When a lock is set, the
    current PIN/password is asked first, and an empty new one keeps it (only the minutes
    change)."""

    def __init__(self, ctx: AppContext, config: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.config = config
        self.setObjectName("app-lock-dialog")
        self.setWindowTitle(self.tr("App lock"))
        self.current = QLineEdit()
        self.new = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.current, self.new, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.minutes = QSpinBox()
        self.minutes.setRange(1, MAX_IDLE_MINUTES)
        self.minutes.setSuffix(self.tr(" min"))
        self.minutes.setValue(int(config.idle_minutes) if config is not None else DEFAULT_IDLE_MINUTES)
        hint = QLabel(self.tr("A PIN has at least 4 digits; a password at least 6 characters. Keep it to "
                              "yourself: whoever knows it can read every file when the app is open."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.error = QLabel()
        self.error.setObjectName("app-lock-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        form = QFormLayout()
        if config is not None:
            form.addRow(self.tr("Current PIN or password"), self.current)
            self.new.setPlaceholderText(self.tr("empty: keep the current one"))
        form.addRow(self.tr("New PIN or password"), self.new)
        form.addRow(self.tr("Repeat it"), self.repeat)
        form.addRow(self.tr("Lock after idle for"), self.minutes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def save(self) -> None:
        """Check the fields, then store on the worker; errors stay in the dialog."""
        new, repeat = self.new.text(), self.repeat.text()
        if new != repeat:
            self.error.setText(self.tr("The two new entries differ. Type them again."))
            return
        if self.config is None and not new:
            self.error.setText(self.tr("Enter a PIN or password."))
            return
        api, current, minutes = self.ctx.api, self.current.text(), self.minutes.value()
        if new:
            fn: Any = lambda t: protect_ops.set_app_lock(api, new, minutes, current)  # noqa: E731
        else:
            fn = lambda t: protect_ops.change_idle_minutes(api, current, minutes)  # noqa: E731
        self.error.setText(self.tr("Saving..."))
        self.ctx.task(fn, self).success(self._saved).failure(self._failed).run()

    def _saved(self, _config: Any) -> None:
        self.ctx.notify_changed(APP_LOCK)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.error.setText(error_text(exc))
        else:
            self.error.clear()
            show_error(self, exc)


class AppLockPanel(QGroupBox):
    """程序锁 in the settings page: what is set, and buttons to set, change or remove it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.config: Any = None
        self.setObjectName("app-lock-panel")
        self.setTitle(self.tr("App lock"))
        self.status = QLabel()
        self.status.setObjectName("app-lock-status")
        self.status.setWordWrap(True)
        self.set_button = QPushButton(self.tr("Set PIN or password..."))
        self.set_button.setObjectName("app-lock-set")
        self.remove_button = QPushButton(self.tr("Remove the lock..."))
        self.remove_button.setObjectName("app-lock-remove")
        self.set_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.set_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        hint = QLabel(self.tr("Ctrl+L locks at once. The lock keeps passers-by out of an open app; "
                              "lock the Windows account too when leaving the PC."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        ctx.changed.connect(lambda e: self.refresh() if APP_LOCK in e else None)

    def refresh(self) -> None:
        """Read the lock's settings on the worker."""
        api = self.ctx.api
        self.ctx.task(lambda t: protect_ops.app_lock_config(api), self).success(self._show).failure(
            lambda e: None).run()

    def _show(self, config: Any) -> None:
        self.config = config
        if config is None:
            self.status.setText(self.tr("No lock: anyone at this PC can use the open app."))
            self.set_button.setText(self.tr("Set PIN or password..."))
        else:
            kind = self.tr("PIN") if config.kind == "pin" else self.tr("Password")
            self.status.setText(self.tr("%1 set: the app locks after %2 idle minutes.")
                                .replace("%1", kind).replace("%2", str(config.idle_minutes)))
            self.set_button.setText(self.tr("Change..."))
        self.remove_button.setEnabled(config is not None)

    def edit(self) -> None:
        """Open the dialog that sets or changes the lock."""
        dialog = AppLockDialog(self.ctx, self.config, self)
        dialog.open()
        self.dialog = dialog

    def ask_current(self) -> str | None:
        """Ask for the current PIN/password (None when cancelled)."""
        text, ok = QInputDialog.getText(self, self.tr("Remove the lock"), self.tr("Current PIN or password:"),
                                        QLineEdit.EchoMode.Password)
        return text if ok and text else None

    def remove(self) -> None:
        """Remove the lock after the current PIN/password."""
        current = self.ask_current()
        if current is None:
            return
        api = self.ctx.api
        self.ctx.task(lambda t: protect_ops.clear_app_lock(api, current), self).success(self._removed).run()

    def _removed(self, _result: object) -> None:
        self.ctx.notify_changed(APP_LOCK)
        show_message(self, self.tr("The app lock is removed."), warning=False)

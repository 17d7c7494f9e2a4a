"""备份与恢复 in the settings page: the backups kept, 立即备份 (back up now), 从备份恢复... (restore a
backup: choose the file, give the passphrase or the recovery key when its key is not in this
PC's keyring, confirm; the app closes the register, restores and opens it again), 检查数据库
(the database check in words), and a USB folder every backup is also copied to when the stick
is plugged in (the daily backup at start-up too, see :mod:`carebook.ui.start_checks`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carebook.model.errors import CarebookError
from carebook.ui import protect_ops
from carebook.ui.context import AppContext
from carebook.ui.errors import error_text, show_error, show_message

# The preference holding the USB folder backups are copied to ("" = no copy).
USB_FOLDER_KEY = "backup/usb_folder"


def usb_folder(ctx: AppContext) -> Path | None:
    """The USB folder chosen for backup copies, or None."""
    value = str(ctx.prefs.value(USB_FOLDER_KEY, "") or "")
    return Path(value) if value else None


def summary_text(summary: protect_ops.BackupSummary) -> str:
    """The backups kept, in words."""
    if summary.count == 0:
        return QCoreApplication.translate("BackupPanel", "No backup yet. Backups are kept in %1.").replace(
            "%1", str(summary.directory))
    return (QCoreApplication.translate("BackupPanel", "%1 backups kept in %2; the newest: %3.")
            .replace("%1", str(summary.count)).replace("%2", str(summary.directory))
            .replace("%3", summary.latest_text))


class SecretDialog(QDialog):
    """Asks for what opens a backup: the register's passphrase or the recovery key from the
    recovery sheet; or (``new_passphrase``) a new passphrase, twice, which may be left empty
    when ``optional``."""

    def __init__(self, title: str, text: str, *, new_passphrase: bool = False, optional: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optional = optional
        self.setObjectName("secret-dialog")
        self.setWindowTitle(title)
        label = QLabel(text)
        label.setWordWrap(True)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.new = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.new, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        self.with_new = new_passphrase
        if new_passphrase:
            form.addRow(self.tr("New passphrase (8 characters or more)"), self.new)
            form.addRow(self.tr("Repeat it"), self.repeat)
        else:
            form.addRow(self.tr("Passphrase or recovery key"), self.secret)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def _accept(self) -> None:
        if self.with_new:
            if self.optional and not self.new.text() and not self.repeat.text():
                self.accept()
                return
            if len(self.new.text()) < 8:
                self.error.setText(self.tr("The passphrase needs at least 8 characters."))
                return
            if self.new.text() != self.repeat.text():
                self.error.setText(self.tr("The two entries differ. Type them again."))
                return
        elif not self.secret.text().strip():
            self.error.setText(self.tr("Enter the passphrase or the recovery key."))
            return
        self.accept()

    def value(self) -> str:
        """What was typed (the new passphrase in new-passphrase mode)."""
        return self.new.text() if self.with_new else self.secret.text().strip()


class BackupPanel(QGroupBox):
    """备份与恢复: the backups kept, the USB folder option and the three actions."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("backup-panel")
        self.setTitle(self.tr("Backup and restore"))
        self.summary = QLabel()
        self.summary.setObjectName("backup-summary")
        self.summary.setWordWrap(True)
        self.usb_check = QCheckBox(self.tr("Also copy every backup to this folder on a USB stick (when plugged in):"))
        self.usb_check.setObjectName("backup-usb")
        self.usb_path = QLineEdit()
        self.usb_path.setReadOnly(True)
        self.usb_path.setPlaceholderText(self.tr("no folder chosen"))
        self.usb_choose = QPushButton(self.tr("Choose..."))
        folder = usb_folder(ctx)
        self.usb_check.setChecked(folder is not None)
        self.usb_path.setText(str(folder) if folder else "")
        self.usb_check.toggled.connect(self._usb_toggled)
        self.usb_choose.clicked.connect(self._choose_usb)

        self.backup_button = QPushButton(self.tr("&Back up now"))
        self.backup_button.setObjectName("backup-now")
        self.restore_button = QPushButton(self.tr("&Restore from a backup..."))
        self.restore_button.setObjectName("backup-restore")
        self.check_button = QPushButton(self.tr("&Check the database"))
        self.check_button.setObjectName("backup-check")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button.clicked.connect(self.choose_restore)
        self.check_button.clicked.connect(self.check_database)
        self.result = QLabel()
        self.result.setObjectName("backup-result")
        self.result.setWordWrap(True)

        usb_row = QHBoxLayout()
        usb_row.addWidget(self.usb_path, 1)
        usb_row.addWidget(self.usb_choose)
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.check_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        hint = QLabel(self.tr("A backup is taken every day when Carebook starts; backups stay encrypted. Keep "
                              "the recovery sheet: on a new PC a backup opens with it."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(hint)
        layout.addWidget(self.usb_check)
        layout.addLayout(usb_row)
        layout.addLayout(buttons)
        layout.addWidget(self.result)

    # -- summary ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the list of backups on the worker."""
        api = self.ctx.api
        self.ctx.task(lambda t: protect_ops.backup_summary(api), self).success(self._show_summary).failure(
            lambda e: None).run()

    def _show_summary(self, summary: protect_ops.BackupSummary) -> None:
        self.summary.setText(summary_text(summary))

    # -- USB folder -----------------------------------------------------------------------------
    def choose_usb_folder(self) -> str:
        """Ask for the folder (empty when cancelled)."""
        return QFileDialog.getExistingDirectory(self, self.tr("Folder on the USB stick for backup copies"))

    def _choose_usb(self) -> None:
        name = self.choose_usb_folder()
        if name:
            self.set_usb_folder(Path(name))

    def set_usb_folder(self, folder: Path | None) -> None:
        """Remember ``folder`` (None: no copies)."""
        self.ctx.prefs.setValue(USB_FOLDER_KEY, str(folder) if folder else "")
        self.ctx.prefs.sync()
        self.usb_path.setText(str(folder) if folder else "")
        self.usb_check.blockSignals(True)
        self.usb_check.setChecked(folder is not None)
        self.usb_check.blockSignals(False)

    def _usb_toggled(self, on: bool) -> None:
        if not on:
            self.set_usb_folder(None)
        elif not self.usb_path.text():
            self._choose_usb()
            if not self.usb_path.text():
                self.usb_check.setChecked(False)

    # -- back up now ----------------------------------------------------------------------------
    def backup_now(self) -> None:
        """Take a backup on the worker (with a progress window) and copy it to the USB folder."""
        api, folder = self.ctx.api, usb_folder(self.ctx)
        self.backup_button.setEnabled(False)
        self.result.setText(self.tr("Backing up..."))
        self.ctx.task(lambda t: protect_ops.backup_now(api, folder), self).with_progress(
            self, self.tr("Backing up the register..."), cancellable=False).success(self._backed_up).failure(
            self._failed).finally_(lambda: self.backup_button.setEnabled(True)).run()

    def _backed_up(self, summary: protect_ops.BackupSummary) -> None:
        lines = [self.tr("Backup written: %1").replace("%1", str(summary.taken))]
        if summary.copied:
            lines.append(self.tr("Copied to the USB stick: %1").replace("%1", str(summary.copied)))
        if summary.copy_note:
            lines.append(summary.copy_note)
        self.result.setText("\n".join(lines))
        self._show_summary(summary)

    def _failed(self, exc: BaseException) -> None:
        self.result.setText(error_text(exc))
        show_error(self, exc)

    # -- check ----------------------------------------------------------------------------------
    def check_database(self) -> None:
        """Run the database check on the worker and say the result."""
        api = self.ctx.api
        self.check_button.setEnabled(False)
        self.result.setText(self.tr("Checking the database..."))
        self.ctx.task(lambda t: protect_ops.check_database(api), self).with_progress(
            self, self.tr("Checking the database..."), cancellable=False).success(self._checked).failure(
            self._failed).finally_(lambda: self.check_button.setEnabled(True)).run()

    def _checked(self, result: protect_ops.CheckResult) -> None:
        text = "\n".join(result.lines)
        self.result.setText(text)
        show_message(self, text, warning=not result.ok)

    # -- restore --------------------------------------------------------------------------------
    def choose_backup_file(self) -> str:
        """Ask for the backup file (empty when cancelled)."""
        start = str(Path(self.ctx.data_dir) / "backups")
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a backup"), start,
                                              self.tr("Carebook backups (*.db)"))
        return name

    def ask_secret(self, new_passphrase: bool = False) -> str | None:
        """Ask for the passphrase or recovery key (or a new passphrase); None when cancelled."""
        if new_passphrase:
            text = self.tr("This PC has no working keyring, so the restored register needs a new passphrase.")
        else:
            text = self.tr("The key of this backup is not in this PC's keyring. Enter the register's passphrase "
                           "or the recovery key from the recovery sheet.")
        dialog = SecretDialog(self.tr("Restore from a backup"), text, new_passphrase=new_passphrase, parent=self)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def confirm_restore(self, plan: protect_ops.RestorePlan) -> bool:
        """Ask before replacing the register."""
        answer = QMessageBox.question(
            self, self.tr("Restore from a backup"),
            self.tr("Replace the register with the backup of %1?\n\nThe register in use now is moved into a "
                    "'replaced-...' folder of the data folder and kept, not deleted. Carebook then opens the "
                    "restored register.").replace("%1", plan.taken_text),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def choose_restore(self) -> None:
        """从备份恢复...: choose the file, then :meth:`restore_from`."""
        name = self.choose_backup_file()
        if name:
            self.restore_from(Path(name))

    def restore_from(self, backup: Path) -> None:
        """Check ``backup`` on the worker (asking for the passphrase or recovery key when its key
        is not in the keyring), confirm, then ask the app to restore it with the register
        closed (:attr:`AppContext.restart_requested`). Nothing changes before the confirmation."""
        data_dir = Path(self.ctx.data_dir)
        self.result.setText(self.tr("Checking the backup..."))
        self.ctx.task(lambda t: protect_ops.restore_needs_secret(backup, data_dir), self).success(
            lambda needs: self._plan(backup, needs)).failure(self._failed).run()

    def _plan(self, backup: Path, needs_secret: bool) -> None:
        secret = self.ask_secret() if needs_secret else None
        if needs_secret and secret is None:
            self.result.clear()
            return
        data_dir = Path(self.ctx.data_dir)
        self.ctx.task(lambda t: protect_ops.plan_restore(backup, data_dir, secret), self).success(
            lambda plan: self._confirm(plan, secret)).failure(self._failed).run()

    def _confirm(self, plan: protect_ops.RestorePlan, secret: str | None) -> None:
        new_passphrase = None
        if plan.needs_new_passphrase:
            new_passphrase = self.ask_secret(new_passphrase=True)
            if new_passphrase is None:
                self.result.clear()
                return
        if not self.confirm_restore(plan):
            self.result.clear()
            return
        self.result.setText(self.tr("Restoring: Carebook closes the register and opens it again..."))
        self.ctx.restart_requested.emit(restore_action(plan.path, secret, new_passphrase))


def restore_action(backup: Path, secret: str | None, new_passphrase: str | None) -> Any:
    """The action the app runs with the register closed: restore ``backup`` and return what to
    tell the user. Raises the errors of :func:`carebook.ui.protect_ops.restore`."""

    def action(data_dir: Path) -> str:
        result = protect_ops.restore(backup, data_dir, secret, new_passphrase)
        text = QCoreApplication.translate("BackupPanel", "The backup of %1 is restored.").replace(
            "%1", backup.name)
        if result.replaced_dir is not None:
            text += "\n" + QCoreApplication.translate(
                "BackupPanel", "The register used before is kept in %1.").replace("%1", str(result.replaced_dir))
        return text

    return action


def describe_error(exc: BaseException) -> str:
    """The user's words for a restore failure."""
    if isinstance(exc, CarebookError):
        return exc.message
    return error_text(exc)

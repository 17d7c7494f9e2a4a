"""What the desktop does around opening the register (启动检查): the passphrase prompt, a
damaged database, the recovery key typed at the prompt, and the daily backup.

* :class:`PassphrasePrompt` asks for the passphrase when no keyring gives the key (saying
  why: the keyring refused or lost the entry, or this PC keeps no key in a keyring), or for a
  NEW passphrase, twice, when a register is created where no keyring works. It remembers the
  last answer for this start only, so the damage check and a restore do not ask again.
* :func:`open_with_recovery` opens the register; when the file is damaged (not a wrong
  passphrase) it is moved aside (:func:`carebook.model.integrity.recover_from_damage`, never
  deleted, so there is no crash loop), the user is told in plain words and offered the
  newest good backup (restore it, choose another backup file, or quit).
* :func:`after_open` runs once the main window shows: after an unlock with the recovery key
  it asks for a new passphrase (or puts the key back into this PC's keyring) and rewraps the
  key (:func:`carebook.model.recovery.rewrap_keystore`); it says when the keyring was refused;
  and on a thread of its own (not the database worker: the pages stay responsive) it checks the
  file (``PRAGMA quick_check``) and takes the daily backup
  (:func:`carebook.model.backups.daily_backup`), copied to the USB folder when plugged in. A
  damage found then is offered the same recovery (the register is closed first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QMainWindow, QMessageBox, QWidget

from carebook.model.errors import CarebookError
from carebook.ui import protect_ops
from carebook.ui.backup_panel import SecretDialog, usb_folder
from carebook.ui.context import AppContext
from carebook.ui.errors import error_text
from carebook.ui.tasks import Task, TaskManager

log = logging.getLogger(__name__)
T = TypeVar("T")


# -- the passphrase prompt -----------------------------------------------------------------------
def _has_keyring_wrap(data_dir: Path) -> bool:
    import json

    try:
        doc = json.loads((data_dir / "keyinfo.json").read_text(encoding="utf-8"))
        return any(w.get("kind") == "keyring" for w in doc.get("wraps", []))
    except (OSError, ValueError, AttributeError):
        return False


class PassphrasePrompt:
    """The ``ask_passphrase`` of the desktop for one data directory.

    Calling it asks in a dialog and returns the text (None when cancelled). ``last`` holds the
    last answer (in memory, for this start only); with ``reuse_once`` the next call answers
    ``last`` without asking (the register reopened after a restore)."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.parent = parent
        self.last: str | None = None
        self.reuse_once = False

    def __call__(self) -> str | None:
        if self.reuse_once and self.last:  # reopening right after a restore: no second question
            self.reuse_once = False
            return self.last
        if not (self.data_dir / "keyinfo.json").exists():
            answer = self.ask_new()
        else:
            answer = self.ask_unlock(self.explanation())
        if answer:
            self.last = answer
        return answer

    def explanation(self) -> str:
        """Why the passphrase is asked."""
        if _has_keyring_wrap(self.data_dir):
            return QCoreApplication.translate("StartChecks", "The key of the register did not come from this computer's keyring (access was refused, "
                       "or the entry is gone).\nEnter the register's passphrase (or the recovery key):")
        return QCoreApplication.translate("StartChecks", "The key of the register is not in this computer's keyring.\n"
                   "Enter the register's passphrase (or the recovery key):")

    def ask_unlock(self, text: str) -> str | None:
        """Ask for the passphrase or the recovery key."""
        answer, ok = QInputDialog.getText(self.parent, QCoreApplication.translate("StartChecks", "Carebook"), text, QLineEdit.EchoMode.Password)
        return answer if ok and answer else None

    def ask_new(self) -> str | None:
        """Ask for a new passphrase, twice (a register created where no keyring works)."""
        dialog = SecretDialog(
            QCoreApplication.translate("StartChecks", "Carebook"),
            QCoreApplication.translate("StartChecks", "This computer's keyring cannot keep the register's key (there is none, or access was refused). "
                "Choose a passphrase for the register; it will be asked each time Carebook starts."),
            new_passphrase=True, parent=self.parent)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


# -- a damaged database at start-up -------------------------------------------------------------
def is_damage(exc: BaseException) -> bool:
    """Whether opening failed because the database FILE is damaged (not a key problem, not a
    database busy in another Carebook)."""
    names = {c.__name__ for c in type(exc).__mro__}  # by name: ui does not import the db layer
    if "DatabaseUnreadable" in names:  # carebook.model.db: the key does not open the file
        return True
    if isinstance(exc, CarebookError):
        return False
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return False
    return "DatabaseError" in names and any(
        word in text for word in ("malformed", "not a database", "corrupt", "disk image", "hmac"))


class RecoveryChoice:
    """The user's answer to the damage message: ``latest``, ``choose`` or ``quit``."""

    LATEST = "latest"
    CHOOSE = "choose"
    QUIT = "quit"


def damage_text(offer: Any, backup_text: str) -> str:
    """The damage message in plain words: what happened, where the file went, what to do."""
    lines = [QCoreApplication.translate("StartChecks", "The register's database file is damaged and cannot be used (a disk fault or a power cut, "
                 "perhaps)."), offer.problem]
    if offer.moved_to is not None:
        lines.append(QCoreApplication.translate("StartChecks", "The damaged file was moved to %1 and kept; nothing was deleted.")
                     .replace("%1", str(offer.moved_to)))
    if backup_text:
        lines.append(QCoreApplication.translate("StartChecks", "The newest good backup is from %1. Restore it? Work done after it must be "
                         "entered again.").replace("%1", backup_text))
    else:
        lines.append(QCoreApplication.translate("StartChecks", "There is no good backup in the data folder. Choose a backup file (from a USB stick), "
                         "or ask the township supervisor for help."))
    return "\n\n".join(line for line in lines if line)


def ask_recovery(offer: Any, backup_text: str, parent: QWidget | None = None) -> str:
    """Show the damage message; return a :class:`RecoveryChoice`."""
    box = QMessageBox(parent)
    box.setObjectName("damage-message")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("StartChecks", "Carebook"))
    box.setText(damage_text(offer, backup_text))
    latest = box.addButton(QCoreApplication.translate("StartChecks", "Restore the newest backup"), QMessageBox.ButtonRole.AcceptRole) if backup_text else None
    choose = box.addButton(QCoreApplication.translate("StartChecks", "Choose a backup file..."), QMessageBox.ButtonRole.ActionRole)
    quit_button = box.addButton(QCoreApplication.translate("StartChecks", "Quit"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(latest or choose)
    box.exec()
    clicked = box.clickedButton()
    if latest is not None and clicked is latest:
        return RecoveryChoice.LATEST
    if clicked is choose:
        return RecoveryChoice.CHOOSE
    del quit_button
    return RecoveryChoice.QUIT


def _choose_file(data_dir: Path, parent: QWidget | None) -> Path | None:
    from PySide6.QtWidgets import QFileDialog

    name, _ = QFileDialog.getOpenFileName(parent, QCoreApplication.translate("StartChecks", "Choose a backup"), str(data_dir / "backups"),
                                          QCoreApplication.translate("StartChecks", "Carebook backups (*.db)"))
    return Path(name) if name else None


def _backup_text(offer: Any) -> str:
    if offer.latest is None:
        return ""
    info = next((b for b in offer.backups if b.path == offer.latest), None)
    if info is None:
        return str(offer.latest.name)
    return f"{info.taken_at.astimezone():{protect_ops.TIME_FORMAT}}"


class Recovery:
    """The recovery of a damaged register for one start (overridable parts for tests:
    :attr:`ask`, :attr:`choose_file`, :attr:`ask_new_passphrase`, :attr:`tell`)."""

    def __init__(self, data_dir: Path, prompt: PassphrasePrompt, parent: QWidget | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.prompt = prompt
        self.parent = parent
        self.ask: Callable[[Any, str], str] = lambda offer, text: ask_recovery(offer, text, parent)
        self.choose_file: Callable[[], Path | None] = lambda: _choose_file(self.data_dir, parent)
        self.ask_secret: Callable[[], str | None] = self._ask_secret
        self.ask_new_passphrase: Callable[[], str | None] = self._ask_new_passphrase
        self.tell: Callable[[str, bool], None] = self._tell

    def _ask_secret(self) -> str | None:
        return self.prompt.ask_unlock(QCoreApplication.translate("StartChecks", "Enter the passphrase of the backup (or the recovery key):"))

    def _ask_new_passphrase(self) -> str | None:
        dialog = SecretDialog(QCoreApplication.translate("StartChecks", "Carebook"), QCoreApplication.translate("StartChecks", "This PC has no working keyring, so the restored register "
                                                   "needs a new passphrase."), new_passphrase=True,
                              parent=self.parent)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def _tell(self, text: str, warning: bool) -> None:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information)
        box.setWindowTitle(QCoreApplication.translate("StartChecks", "Carebook"))
        box.setText(text)
        box.exec()

    def run(self) -> bool:
        """Move a damaged register aside (or find it missing) and restore what the user picks.
        Returns True when a backup was restored (open the register again), False to quit."""
        from carebook.model.integrity import recover_from_damage

        offer = recover_from_damage(self.data_dir, passphrase=self.prompt.last, ask_passphrase=self.prompt)
        log.warning("start-up recovery: %s %s", offer.status, offer.moved_to)
        if offer.status == "healthy":
            return True
        while True:
            choice = self.ask(offer, _backup_text(offer))
            if choice == RecoveryChoice.QUIT:
                return False
            backup = offer.latest if choice == RecoveryChoice.LATEST else self.choose_file()
            if backup is None:
                continue
            try:
                self.restore(backup)
            except CarebookError as exc:
                self.tell(error_text(exc), True)
                continue
            self.tell(QCoreApplication.translate("StartChecks", "The backup is restored. Carebook opens it now."), False)
            return True

    def restore(self, backup: Path) -> None:
        """Restore ``backup`` with the secret typed at this start (asking when it does not open
        the backup). Raises CarebookError."""
        from carebook.model.keys import KeyAccessError
        from carebook.model.recovery import RecoveryKeyError

        secret = self.prompt.last
        data_dir = self.data_dir
        try:
            plan = _off_gui_thread(lambda: protect_ops.plan_restore(backup, data_dir, secret))
        except (KeyAccessError, RecoveryKeyError):
            secret = self.ask_secret()
            if secret is None:
                raise
            plan = _off_gui_thread(lambda: protect_ops.plan_restore(backup, data_dir, secret))
        new_passphrase = self.ask_new_passphrase() if plan.needs_new_passphrase else None
        if plan.needs_new_passphrase and new_passphrase is None:
            raise CarebookError("没有设置新密码，备份没有恢复。", "No new passphrase was set; the backup was not restored.")
        _off_gui_thread(lambda: protect_ops.restore(backup, data_dir, secret, new_passphrase))
        self.prompt.last = new_passphrase or secret
        self.prompt.reuse_once = True


def _off_gui_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` (checking or copying a backup: seconds for a big register) on a worker thread
    while the GUI thread keeps processing events; raises what ``fn`` raised."""
    tasks = TaskManager()
    try:
        return tasks.run_sync(lambda t: fn(), timeout_s=3600)
    finally:
        tasks.shutdown()


def open_with_recovery(data_dir: Path, open_api: Callable[[Path], Any], recovery: Recovery) -> Any:
    """Open the register with ``open_api``; on a damaged or missing database file (beside its
    key information), run ``recovery`` and try again. Returns the register, or None when the
    user quit. Other errors (a wrong passphrase, a busy database) propagate.

    With ``CAREBOOK_EXIT_WHEN_READY`` set (:mod:`carebook.ui.ready_probe`) nobody answers the
    recovery message: the start prints ``carebook-not-ready damaged-database`` (or
    ``missing-database``) and exits with code 3, leaving the files as they are.
    """
    from carebook.ui import ready_probe

    for _attempt in range(3):
        missing = (data_dir / "keyinfo.json").exists() and not (data_dir / "carebook.db").exists()
        if not missing:
            try:
                return open_api(data_dir)
            except Exception as exc:
                if not is_damage(exc):
                    raise
                log.warning("the register did not open: damaged (%s)", " ".join(str(exc).split()))
        if ready_probe.armed():
            ready_probe.give_up("missing-database" if missing else "damaged-database")
        if not recovery.run():
            return None
    return open_api(data_dir)


# -- once the window shows -----------------------------------------------------------------------
def ask_rewrap_passphrase(parent: QWidget | None, keyring_works: bool) -> str | None:
    """After a recovery-key unlock: the new passphrase (None: keyring only, or cancelled)."""
    if keyring_works:
        text = QCoreApplication.translate("StartChecks", "Carebook was opened with the recovery key. The key will be kept in this computer's keyring "
                   "again, so the sheet is not needed each day. You may also set a new passphrase (leave empty "
                   "for none).")
    else:
        text = QCoreApplication.translate("StartChecks", "Carebook was opened with the recovery key. Choose a new passphrase for everyday use; keep "
                   "the recovery sheet locked away.")
    dialog = SecretDialog(QCoreApplication.translate("StartChecks", "New passphrase"), text, new_passphrase=True, optional=keyring_works, parent=parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.value() or None


class StartChecks:
    """What runs once the main window of a start shows (see the module docstring).

    Args:
        ctx: the app context.
        window: the main window (messages go over it; its status bar says the backup).
        ask_passphrase: asks for the new passphrase after a recovery-key unlock
            (:func:`ask_rewrap_passphrase` by default; tests pass their own).
        prompt: the passphrase prompt of this start (its last answer opens the register again
            for a recovery).
    """

    def __init__(self, ctx: AppContext, window: QMainWindow,
                 ask_passphrase: Callable[[QWidget | None, bool], str | None] = ask_rewrap_passphrase,
                 prompt: PassphrasePrompt | None = None) -> None:
        self.ctx = ctx
        self.prompt = prompt
        self.window = window
        self.ask_passphrase = ask_passphrase
        self.result: protect_ops.StartUpResult | None = None
        self.rewrapped: str | None = None
        self.background: TaskManager | None = None
        self.offer_recovery: Callable[[str], bool] = self._offer_recovery

    def run(self) -> None:
        """The recovery-key rewrap (asked now), then the background check and daily backup."""
        if protect_ops.unlocked_with_recovery_key(self.ctx.api):
            self.rewrap()
        else:
            self._keyring_note()
        api, folder = self.ctx.api, usb_folder(self.ctx)
        # Its own thread, not the database worker: the check and the backup use their own
        # connections, and at 10,000 children they take seconds (bench/bench_start_checks.py)
        # during which the pages' queries must not wait.
        self.background = TaskManager()
        Task(self.background, lambda t: protect_ops.start_up(api, folder), self.window).success(
            self._started).failure(self._start_failed).finally_(self._stop_background).run()

    def _stop_background(self) -> None:
        background = self.background
        if background is not None:
            self.background = None
            QTimer.singleShot(0, background.shutdown)

    def stop(self, timeout_ms: int = 600_000) -> None:
        """Let a running check or backup finish (a backup is never cut off half-way), then end
        its thread. Called when the app closes."""
        background, self.background = self.background, None
        if background is not None:
            background.shutdown(timeout_ms)

    def wait(self, timeout_s: float = 120.0) -> None:
        """Process events until the start-up check and backup have finished (tests)."""
        if self.background is not None:
            self.background.wait_idle(timeout_s)

    def _keyring_note(self) -> None:
        keystore = getattr(self.ctx.api, "keystore", None)
        problem = getattr(keystore, "keyring_problem", None)
        if keystore is not None and problem and "keyring" in getattr(keystore, "wrap_kinds", []):
            self.window.statusBar().showMessage(
                QCoreApplication.translate("StartChecks", "The keyring did not give the key (%1); the register was opened with the passphrase.")
                .replace("%1", str(problem)), 60_000)

    def rewrap(self) -> None:
        """Ask for a new passphrase (or keep the key in the keyring) and rewrap on the worker;
        asked again while the answer is refused (e.g. too short) or when no keyring works and
        nothing was given."""
        from carebook.model.keys import keyring_backend_usable

        keyring_works = keyring_backend_usable()
        while True:
            answer = self.ask_passphrase(self.window, keyring_works)
            if answer is None and not keyring_works:
                self.window.statusBar().showMessage(QCoreApplication.translate("StartChecks", "Opened with the recovery key; no new passphrase was set. "
                                                        "The recovery key will be needed again next time."), 60_000)
                return
            try:
                self.rewrapped = self.ctx.tasks.run_sync(_rewrap_fn(self.ctx.api, answer))
            except CarebookError as exc:
                QMessageBox.warning(self.window, QCoreApplication.translate("StartChecks", "Carebook"), error_text(exc))
                continue
            self.window.statusBar().showMessage(QCoreApplication.translate("StartChecks", "The register's key is kept for everyday use again."), 30_000)
            return

    def _started(self, result: protect_ops.StartUpResult) -> None:
        self.result = result
        if result.damage:
            if self.offer_recovery(result.damage):
                self.ctx.restart_requested.emit(recover_action(self.prompt))
            return
        summary = result.summary
        if summary is not None and summary.taken is not None:
            text = QCoreApplication.translate("StartChecks", "Today's backup is written: %1").replace("%1", summary.taken.name)
            if summary.copied is not None:
                text += QCoreApplication.translate("StartChecks", " (copied to the USB stick)")
            elif summary.copy_note:
                text += " " + summary.copy_note
            self.window.statusBar().showMessage(text, 30_000)

    def _start_failed(self, exc: BaseException) -> None:
        log.warning("start-up backup failed", exc_info=exc)
        self.window.statusBar().showMessage(QCoreApplication.translate("StartChecks", "Today's backup failed: %1").replace("%1", error_text(exc)), 120_000)

    def _offer_recovery(self, problem: str) -> bool:
        answer = QMessageBox.warning(
            self.window, QCoreApplication.translate("StartChecks", "Carebook"),
            QCoreApplication.translate("StartChecks", "The check at start found the register's database file damaged:\n%1\n\nCarebook can move the "
                "damaged file aside (it is kept) and restore the newest good backup. Do it now?")
            .replace("%1", problem),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        return answer == QMessageBox.StandardButton.Yes


def _rewrap_fn(api: Any, passphrase: str | None) -> Callable[[Any], str]:
    return lambda t: protect_ops.rewrap_after_recovery(api, passphrase)


def recover_action(prompt: PassphrasePrompt | None = None) -> Callable[[Path], str]:
    """The action run with the register closed after a damage found at start: move the file
    aside and restore the newest good backup, with the secret typed at this start (``prompt``).
    Raises CarebookError."""

    def action(data_dir: Path) -> str:
        from carebook.model.integrity import recover_from_damage

        secret = prompt.last if prompt is not None else None
        offer = recover_from_damage(data_dir, passphrase=secret, ask_passphrase=prompt)
        if offer.status == "healthy":
            return QCoreApplication.translate("StartChecks", "The database file passed the check; nothing was changed.")
        if offer.latest is None:
            return damage_text(offer, "")
        protect_ops.restore(offer.latest, data_dir, secret, None)
        return QCoreApplication.translate("StartChecks", "The damaged file was moved to %1 and the backup %2 restored.").replace(
            "%1", str(offer.moved_to)).replace("%2", offer.latest.name)

    return action

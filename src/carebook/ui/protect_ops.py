"""The desktop's calls into the protection layer (保护与恢复): app lock, backups, the database
check, restore, the recovery-key unlock, the printed history and the audited report details.

The protection counterpart of :mod:`carebook.ui.backend`. Functions taking ``api`` run ON THE
WORKER THREAD (inside a task) on the register the app opened; the restore functions run while
the register is CLOSED (between two windows, see :mod:`carebook.ui.app`). Results are plain
frozen dataclasses whose texts are already in the current language (Chinese by default, via
:func:`carebook.model.i18n.msg`). Nothing here runs SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook.model.errors import CarebookError
from carebook.model.i18n import msg

#: The local-time display of a backup's time.
TIME_FORMAT = "%Y-%m-%d %H:%M"


class BackupUnavailableError(CarebookError):
    """The register was opened without its key store (a screenshot, a test register), so it
    cannot be backed up from this window (无法备份)."""

    def __init__(self) -> None:
        super().__init__(
            "这个窗口打开名册时没有带上数据库密钥，无法备份或检查。请关闭后用桌面程序重新打开。",
            "This window opened the register without its key, so it cannot back it up. Close it "
            "and open Carebook again.",
        )


def keystore_of(api: Any) -> Any:
    """The unlocked key store of the app's register. Raises :class:`BackupUnavailableError`."""
    keystore = getattr(api, "keystore", None)
    if keystore is None or getattr(api, "data_dir", None) is None:
        raise BackupUnavailableError()
    return keystore


def data_dir_of(api: Any) -> Path:
    """The data directory of the app's register (``Register.data_dir``)."""
    return Path(api.data_dir)


# -- app lock ------------------------------------------------------------------------------------
def app_lock_config(api: Any) -> Any:
    """The lock's ``AppLockConfig`` (kind ``pin``/``password``, idle minutes) or ``None``."""
    from carebook.model.app_lock import app_lock_config as config

    return config(api)


def set_app_lock(api: Any, secret: str, idle_minutes: int, current: str | None) -> Any:
    """Set or change the PIN/password and the idle minutes; returns the new ``AppLockConfig``.

    ``current`` must be the present PIN/password when a lock is already set.

    Raises:
        ValidationError: too short, idle minutes outside 1–240, or a wrong current secret
            (nothing stored).
    """
    from carebook.model import app_lock
    from carebook.model.errors import ValidationError

    if app_lock.app_lock_config(api) is not None and not app_lock.verify_app_lock(api, current or ""):
        raise ValidationError.single("current", "当前的 PIN 或密码不对。", "The current PIN or password is wrong.")
    return app_lock.set_app_lock(api, secret, idle_minutes=idle_minutes)


def change_idle_minutes(api: Any, current: str, idle_minutes: int) -> Any:
    """Change only the idle minutes of the lock after checking the present PIN/password;
    returns the ``AppLockConfig``. Raises ValidationError (wrong secret, minutes outside 1–240)."""
    from carebook.model import app_lock
    from carebook.model.errors import ValidationError

    if not app_lock.verify_app_lock(api, current):
        raise ValidationError.single("current", "当前的 PIN 或密码不对。", "The current PIN or password is wrong.")
    app_lock.set_idle_minutes(api, idle_minutes)
    return app_lock.app_lock_config(api)


def clear_app_lock(api: Any, current: str) -> None:
    """Remove the lock after checking the present PIN/password. Raises ValidationError when
    it is wrong (the lock stays)."""
    from carebook.model import app_lock
    from carebook.model.errors import ValidationError

    if not app_lock.verify_app_lock(api, current):
        raise ValidationError.single("current", "当前的 PIN 或密码不对。", "The current PIN or password is wrong.")
    app_lock.clear_app_lock(api)


def verify_app_lock(api: Any, attempt: str) -> bool:
    """Whether ``attempt`` unlocks (scrypt, about 50 ms: on the worker)."""
    from carebook.model.app_lock import verify_app_lock as verify

    return verify(api, attempt)


# -- backups -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupSummary:
    """The backups of the register: their ``directory``, ``count``, the newest one's time
    and kind as text (``latest_text``, empty when none), and what the last action did:
    ``taken`` (a new backup), ``copied`` (its copy on the USB folder) and ``copy_note`` (why
    no copy was made, empty when none was asked)."""

    directory: Path
    count: int
    latest_text: str
    taken: Path | None = None
    copied: Path | None = None
    copy_note: str = ""


def _kind_label(kind: str) -> str:
    labels = {"daily": msg("每日", "daily"), "manual": msg("手动", "manual"),
              "before-import": msg("导入前", "before import"), "before-relay-pull": msg("下载前", "before download"),
              "rekey": msg("换密钥前", "before rekey"), "restore": msg("恢复前", "before restore"),
              "migration": msg("升级前", "before upgrade")}
    return labels.get(kind, kind)


def _summary(directory: Path, taken: Path | None = None, copied: Path | None = None,
             copy_note: str = "") -> BackupSummary:
    from carebook.model.backups import list_backups

    found = list_backups(directory)
    latest = ""
    if found:
        newest = found[0]
        latest = f"{newest.taken_at.astimezone():{TIME_FORMAT}}（{_kind_label(newest.kind)}）"
    return BackupSummary(directory, len(found), latest, taken, copied, copy_note)


def backup_summary(api: Any) -> BackupSummary:
    """The backups in ``<data dir>/backups`` (none for a register opened without a data dir)."""
    from carebook.model.paths import DataPaths

    if getattr(api, "data_dir", None) is None:
        return BackupSummary(Path(), 0, "")
    return _summary(DataPaths(data_dir_of(api)).backups)


def _copy_to_usb(backup: Path, keystore: Any, usb_folder: Path | None) -> tuple[Path | None, str]:
    from carebook.model.backups import copy_backup

    if usb_folder is None:
        return None, ""
    if not usb_folder.is_dir():
        return None, msg(f"没有找到U盘文件夹 {usb_folder}（U盘没插？），这次没有复制。",
                         f"The USB folder {usb_folder} is not there (stick not plugged in?); no copy this time.")
    try:
        return copy_backup(backup, keystore, usb_folder), ""
    except CarebookError as exc:
        return None, exc.message


def backup_now(api: Any, usb_folder: Path | None) -> BackupSummary:
    """Take a ``manual`` backup (verified, with its key file, rotated) and copy it to
    ``usb_folder`` when that folder is there. Raises BackupUnavailableError, BackupError."""
    from carebook.model.backups import take_backup_of_closed
    from carebook.model.paths import DataPaths

    keystore = keystore_of(api)
    paths = DataPaths(data_dir_of(api))
    taken = take_backup_of_closed(paths, keystore, kind="manual")
    copied, note = _copy_to_usb(taken, keystore, usb_folder)
    return _summary(paths.backups, taken, copied, note)


@dataclass(frozen=True)
class StartUpResult:
    """What the start-up task found and did: ``damage`` (why the database is damaged, empty
    when sound) and the backup ``summary`` (``summary.taken`` is today's daily backup when one
    was due). ``skipped`` says why nothing was done (no key store)."""

    damage: str
    summary: BackupSummary | None
    skipped: str = ""


def start_up(api: Any, usb_folder: Path | None) -> StartUpResult:
    """At start-up, after the register opened: check the file (``PRAGMA quick_check`` on its
    own connection); when sound, take the daily backup if none was taken in the last 24 hours
    (:func:`carebook.model.backups.daily_backup`, rotated) and copy it to ``usb_folder`` when
    that folder is there. A damaged file is reported, never backed up."""
    from carebook.model.backups import daily_backup
    from carebook.model.integrity import quick_diagnosis
    from carebook.model.paths import DataPaths

    try:
        keystore = keystore_of(api)
    except BackupUnavailableError as exc:
        return StartUpResult("", None, exc.message)
    paths = DataPaths(data_dir_of(api))
    problem = quick_diagnosis(paths, keystore.database_key)
    if problem is not None:
        return StartUpResult(problem, None)
    taken = daily_backup(paths, keystore)
    copied, note = _copy_to_usb(taken, keystore, usb_folder) if taken is not None else (None, "")
    return StartUpResult("", _summary(paths.backups, taken, copied, note))


@dataclass(frozen=True)
class CheckResult:
    """The database check in words: ``ok`` and the ``lines`` to show (a summary first)."""

    ok: bool
    lines: list[str] = field(default_factory=list)


def check_database(api: Any) -> CheckResult:
    """Run ``carebook check`` on the open register (integrity, foreign keys, change log; reads
    only) and say the result in words."""
    from carebook.model.integrity import check_open_register

    report = check_open_register(api)
    log = report.counts.get("change_log", 0)
    if report.ok:
        return CheckResult(True, [msg(f"检查通过：数据库完好，{log} 条变更记录前后一致，没有发现问题。",
                                      f"Check passed: the database is sound and its {log} change-log entries "
                                      "are consistent. No problem found.")])
    lines = [msg(f"检查发现 {len(report.problems)} 个问题：", f"The check found {len(report.problems)} problem(s):")]
    lines += [p.message for p in report.problems]
    lines.append(msg("请先立即备份，然后联系乡镇督导员；如果数据库已损坏，请从备份恢复。",
                     "Take a backup now, then contact the township supervisor; if the database is damaged, "
                     "restore a backup."))
    return CheckResult(False, lines)


# -- restore (the register is closed) -----------------------------------------------------------
@dataclass(frozen=True)
class RestorePlan:
    """A backup checked before anything is replaced: its ``path``, ``taken_text`` (local time
    and kind) and whether a new passphrase must be given for this PC
    (``needs_new_passphrase``: opened with the recovery key where no keyring works)."""

    path: Path
    taken_text: str
    needs_new_passphrase: bool


def _secret_args(secret: str | None) -> dict[str, str | None]:
    from carebook.model.recovery import is_recovery_key

    if secret and is_recovery_key(secret):
        return {"recovery_key": secret, "passphrase": None}
    return {"recovery_key": None, "passphrase": secret or None}


def restore_needs_secret(backup: Path, data_dir: Path) -> bool:
    """Whether opening ``backup`` needs the passphrase or the recovery key (False when this
    PC's keyring holds its key). Reads only."""
    from carebook.model.backups import key_for_backup
    from carebook.model.keys import KeyAccessError
    from carebook.model.paths import DataPaths
    from carebook.model.recovery import RecoveryKeyError

    try:
        key_for_backup(Path(backup), DataPaths(data_dir))
    except (KeyAccessError, RecoveryKeyError):
        return True
    except CarebookError:
        return False  # another problem: the plan says it
    return False


def plan_restore(backup: Path, data_dir: Path, secret: str | None) -> RestorePlan:
    """Open ``backup`` with ``secret`` (the passphrase or the recovery key; None: this PC's
    keyring) and check it, changing nothing.

    Raises:
        RestoreError: damaged, foreign or newer backup, no key file.
        WrongKeyError, RecoveryKeyError, PassphraseRequired: the secret does not open it.
    """
    from carebook.model.backups import _taken_at, key_for_backup, kind_of, verify_backup
    from carebook.model.keys import keyring_backend_usable
    from carebook.model.paths import DataPaths

    backup = Path(backup)
    args = _secret_args(secret)
    key = key_for_backup(backup, DataPaths(data_dir), recovery_key=args["recovery_key"], passphrase=args["passphrase"])
    verify_backup(backup, key)
    taken = f"{_taken_at(backup).astimezone():{TIME_FORMAT}}（{_kind_label(kind_of(backup.name))}）"
    needs_new = args["recovery_key"] is not None and not keyring_backend_usable()
    return RestorePlan(backup, taken, needs_new)


def restore(backup: Path, data_dir: Path, secret: str | None, new_passphrase: str | None) -> Any:
    """Restore ``backup`` into ``data_dir`` (the register must be CLOSED): the current register
    is moved into ``replaced-<time>/``, never deleted. Returns the model's ``RestoreResult``.
    Raises the errors of :func:`plan_restore`."""
    from carebook.model.backups import restore_backup

    args = _secret_args(secret)
    return restore_backup(Path(backup), data_dir, recovery_key=args["recovery_key"], passphrase=args["passphrase"],
                          new_passphrase=new_passphrase or None)


# -- after unlocking with the recovery key --------------------------------------------------------
def unlocked_with_recovery_key(api: Any) -> bool:
    """Whether the register was opened with the recovery key typed at the passphrase prompt."""
    keystore = getattr(api, "keystore", None)
    return keystore is not None and getattr(keystore, "mode", "") == "recovery"


def rewrap_after_recovery(api: Any, new_passphrase: str | None) -> str:
    """Give the register's key a new everyday wrap after a recovery-key unlock
    (:func:`carebook.model.recovery.rewrap_keystore`): this PC's keyring when it works, and
    ``new_passphrase`` when given (required without a keyring). The recovery wrap is kept.
    Returns the new key store's mode (``keyring`` or ``passphrase``).

    Raises:
        PassphraseRequired: no keyring works and no passphrase was given (nothing changed).
        PassphraseTooShort: fewer than 8 characters (nothing changed).
    """
    from carebook.model.keys import keyring_backend_usable
    from carebook.model.recovery import rewrap_keystore

    new = rewrap_keystore(keystore_of(api), passphrase=new_passphrase or None, use_keyring=keyring_backend_usable())
    api.keystore = new
    database = getattr(api, "database", None)
    if database is not None:
        database.keystore = new
    return str(new.mode)


# -- history and reports ------------------------------------------------------------------------
def history_pdf(api: Any, child_id: str) -> bytes:
    """The printed history of changes of one child (A4 landscape PDF). Raises NotFoundError,
    FontError, MissingGlyphError."""
    from carebook.documents.history_pdf import history_data, render_history

    return render_history(history_data(api, child_id, today=api.today()))


def save_history_pdf(api: Any, child_id: str, path: Path) -> Path:
    """Render the history of ``child_id`` and write it atomically to ``path``."""
    from carebook.documents.pdf_base import write_pdf

    return Path(write_pdf(path, history_pdf(api, child_id)))


@dataclass(frozen=True)
class ReportDetails:
    """A mandatory report as shown (labels and texts in the current language, the reporter
    included): ``rows`` of (label, text)."""

    record_id: str
    rows: list[tuple[str, str]]


REPORT_FIELDS = {
    "situations": ("情形", "Situations"), "description": ("情况描述", "Description"),
    "found_at": ("发现时间", "Found at"), "reported_at": ("报告时间", "Reported at"),
    "reporter_name": ("报告人", "Reporter"), "police_station": ("报告的派出所", "Police station"),
    "officer": ("接报民警", "Officer"), "case_number": ("案件编号", "Case number"),
    "actions": ("采取的措施", "Actions"), "outcome": ("处理结果", "Outcome"), "status": ("状态", "Status"),
}


def report_details(api: Any, record_id: str) -> ReportDetails | None:
    """Every recorded field of the mandatory report ``record_id``, read through
    :func:`carebook.model.audit.open_report`, which logs the opening (who, when, which
    installation) in the same transaction. ``None`` when ``record_id`` is not a mandatory
    report (a referral: nothing is logged)."""
    from carebook.model.audit import open_report
    from carebook.model.errors import NotFoundError

    try:
        values = api.write(open_report, record_id)
    except NotFoundError:
        return None
    from carebook.ui.backend import _enum_label

    rows = []
    for key in [*REPORT_FIELDS, *(k for k in values if k not in REPORT_FIELDS)]:
        value = values.get(key)
        if key in ("id", "child_id") or value in (None, "", []):
            continue
        zh, en = REPORT_FIELDS.get(key, (key, key))
        if key == "situations" and isinstance(value, list):
            text = "、".join(_enum_label("ReportSituation", v) for v in value)
        elif key == "status":
            text = _enum_label("ReportStatus", value)
        elif key.endswith("_at") and isinstance(value, str):
            text = dt.datetime.fromisoformat(value).astimezone().strftime(TIME_FORMAT)
        else:
            text = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
        rows.append((msg(zh, en), text))
    return ReportDetails(record_id, rows)


def audit_trail(api: Any, record_id: str) -> list[str]:
    """Who opened the report ``record_id`` and when, one line each, oldest first."""
    from carebook.model.audit import audit_events

    return [f"{e.at_utc.astimezone():{TIME_FORMAT}}  {e.actor}"
            for e in api.read(audit_events, entity="mandatory_report", record_id=record_id)]


def today() -> dt.date:
    """Today on this PC."""
    return dt.date.today()

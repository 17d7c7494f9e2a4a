"""``carebook check``: is the register sound? And what to do at start-up when it is not
(完整性检查与损坏恢复).

:func:`check_register` runs, on an open register:

* ``integrity``: SQLite's ``PRAGMA integrity_check`` (pages, indexes, b-trees);
* ``foreign_keys``: ``PRAGMA foreign_key_check`` (every reference points at a record);
* ``log_sequence``: no origin sequence number is used twice; this installation's own numbers
  run 1, 2, … without a gap, and the stored counter is not behind the log (else the next
  write would reuse a number that peers already hold);
* ``log_inserts``: every record of a tracked table has an ``insert`` entry in the change log
  (the history and sync start from it);
* ``log_values``: for records changed only here, the last logged value of each field equals
  the stored value (nothing was written behind the log's back);
* ``attachments`` (when given the attachments folder): every attachment record has its sealed
  file and it opens (see :mod:`carebook.model.attachment_check`).

On PostgreSQL the two ``PRAGMA`` checks are skipped. Checks only read.

:func:`recover_from_damage` is what the desktop and the command line call before opening: a
damaged database is moved aside into ``<data_dir>/damaged-<stamp>/`` (never deleted, never
opened again automatically, so no crash loop) and the backups that open with this
installation's key are offered, newest first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from carebook.model import settings as settings_store
from carebook.model.base import Base
from carebook.model.changelog import ChangeLogEntry
from carebook.model.command_name import CLI
from carebook.model.i18n import msg
from carebook.model.jsonvalues import to_json_value
from carebook.model.paths import DataPaths
from carebook.model.recording import SEQ_KEY, tracked_columns

CHECKS = ("integrity", "foreign_keys", "log_sequence", "log_inserts", "log_values")
MAX_DETAILS = 20


@dataclass(frozen=True)
class CheckProblem:
    """One problem found: the ``check`` that found it, a message in both languages, and a few
    ``details`` (JSON-compatible; at most :data:`MAX_DETAILS` per check)."""

    check: str
    message_zh: str
    message_en: str
    details: list[Any] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The message in the current language."""
        return msg(self.message_zh, self.message_en)


@dataclass
class CheckReport:
    """The result of :func:`check_register`: the checks run, counts of what was looked at,
    and the problems (empty when the register is sound)."""

    checks: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[CheckProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no check found a problem."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """JSON shape: ``{"ok": bool, "checks": [...], "counts": {...}, "problems": [{"check",
        "message", "message_zh", "message_en", "details"}]}``."""
        return {
            "ok": self.ok, "checks": list(self.checks), "counts": dict(self.counts),
            "problems": [{"check": p.check, "message": p.message, "message_zh": p.message_zh,
                          "message_en": p.message_en, "details": p.details} for p in self.problems],
        }


def _tracked_classes() -> dict[str, type[Any]]:
    import carebook.model.schema  # noqa: F401  (registers every table)

    return {m.class_.__tablename__: m.class_ for m in Base.registry.mappers
            if getattr(m.class_, "__tracked__", False)}


def _pragma_checks(session: Session, report: CheckReport) -> None:
    rows = [str(r[0]) for r in session.execute(text("PRAGMA integrity_check")).all()]
    report.checks.append("integrity")
    if rows != ["ok"]:
        report.problems.append(CheckProblem(
            "integrity", "数据库文件已损坏（SQLite 完整性检查未通过）。请从备份恢复。",
            "The database file is damaged (SQLite integrity check failed). Restore from a backup.",
            rows[:MAX_DETAILS]))
    fk = session.execute(text("PRAGMA foreign_key_check")).all()
    report.checks.append("foreign_keys")
    if fk:
        report.problems.append(CheckProblem(
            "foreign_keys", f"有 {len(fk)} 条记录引用了不存在的记录。",
            f"{len(fk)} records refer to records that do not exist.",
            [{"table": r[0], "rowid": r[1], "parent": r[2]} for r in fk[:MAX_DETAILS]]))


def _sequence_checks(session: Session, report: CheckReport, local_origin: str | None) -> None:
    report.checks.append("log_sequence")
    dupes = session.execute(text(
        "SELECT origin, origin_seq, count(*) FROM change_log GROUP BY origin, origin_seq HAVING count(*) > 1"
    )).all()
    if dupes:
        report.problems.append(CheckProblem(
            "log_sequence", f"变更记录中有 {len(dupes)} 个重复的序号。",
            f"{len(dupes)} origin sequence numbers are used twice in the change log.",
            [{"origin": r[0], "origin_seq": r[1], "count": r[2]} for r in dupes[:MAX_DETAILS]]))
    if local_origin is None:
        return
    count, top = session.execute(text(
        "SELECT count(*), coalesce(max(origin_seq), 0) FROM change_log WHERE origin = :o"
    ), {"o": local_origin}).one()
    report.counts["local_changes"] = int(count)
    if int(count) != int(top):
        report.problems.append(CheckProblem(
            "log_sequence", f"本机变更记录的序号不连续（{count} 条，最大序号 {top}）。",
            f"This installation's change numbers have gaps ({count} entries, highest {top}).",
            [{"count": int(count), "max_origin_seq": int(top)}]))
    counter = int(settings_store.get_value(session, SEQ_KEY, 0) or 0)
    if counter < int(top):
        report.problems.append(CheckProblem(
            "log_sequence", f"本机变更计数器（{counter}）落后于变更记录（{top}）。",
            f"The change counter ({counter}) is behind the change log ({top}).",
            [{"counter": counter, "max_origin_seq": int(top)}]))


def _log_checks(session: Session, report: CheckReport, local_origin: str | None) -> None:
    classes = _tracked_classes()
    report.checks += ["log_inserts", "log_values"]
    missing: list[dict[str, str]] = []
    mismatched: list[dict[str, Any]] = []
    records = 0
    for table, cls in sorted(classes.items()):
        # last logged value per (record, field), and which records have remote entries
        inserted: set[str] = set()
        remote: set[str] = set()
        last: dict[tuple[str, str], Any] = {}
        deleted: set[str] = set()
        rows = session.execute(
            select(ChangeLogEntry.record_id, ChangeLogEntry.op, ChangeLogEntry.field,
                   ChangeLogEntry.new_value, ChangeLogEntry.origin)
            .where(ChangeLogEntry.entity == table).order_by(ChangeLogEntry.seq)
        ).all()
        for record_id, op, field_name, new_value, origin in rows:
            if origin != local_origin:
                remote.add(record_id)
            if op == "insert":
                inserted.add(record_id)
                deleted.discard(record_id)
                snapshot = json.loads(new_value) if new_value else {}
                if isinstance(snapshot, dict):
                    for key, value in snapshot.items():
                        last[(record_id, key)] = value
            elif op == "update" and field_name:
                last[(record_id, field_name)] = json.loads(new_value) if new_value is not None else None
            elif op == "delete":
                deleted.add(record_id)
        for obj in session.scalars(select(cls)):
            records += 1
            if obj.id not in inserted:
                if len(missing) < MAX_DETAILS:
                    missing.append({"entity": table, "record_id": obj.id})
                report.counts["records_without_insert"] = report.counts.get("records_without_insert", 0) + 1
                continue
            if obj.id in remote:
                continue  # merged records: last-writer-wins by clock, not by local order
            for key in tracked_columns(obj):
                if (obj.id, key) not in last:
                    continue
                stored = to_json_value(getattr(obj, key))
                if stored != last[(obj.id, key)] and len(mismatched) < MAX_DETAILS:
                    mismatched.append({"entity": table, "record_id": obj.id, "field": key,
                                       "logged": last[(obj.id, key)], "stored": stored})
    report.counts["records"] = records
    if missing:
        n = report.counts.get("records_without_insert", len(missing))
        report.problems.append(CheckProblem(
            "log_inserts", f"有 {n} 条记录在变更记录中没有建立记录。",
            f"{n} records have no insert entry in the change log.", missing))
    if mismatched:
        report.problems.append(CheckProblem(
            "log_values", f"有 {len(mismatched)} 个字段的保存值与最后一条变更记录不符。",
            f"{len(mismatched)} stored field values differ from the last logged value.", mismatched))


def check_register(sessions: sessionmaker[Session], *, progress: Callable[[str], None] | None = None,
                   attachments_dir: Path | None = None) -> CheckReport:
    """Run every check of the module docstring on the register behind ``sessions`` (reads only)
    and return the report. With ``attachments_dir`` (``<data dir>/attachments``) the
    ``attachments`` check runs too (:mod:`carebook.model.attachment_check`: every record has
    its file and every file opens)."""
    from carebook.model.installation import find_installation

    report = CheckReport()
    with sessions() as session:
        try:
            if session.get_bind().dialect.name == "sqlite":
                if progress:
                    progress("integrity")
                _pragma_checks(session, report)
            installation = find_installation(session)
            local = installation.id if installation is not None else None
            if progress:
                progress("log")
            _sequence_checks(session, report, local)
            _log_checks(session, report, local)
            report.counts["change_log"] = int(session.scalar(text("SELECT count(*) FROM change_log")) or 0)
            if attachments_dir is not None:
                from carebook.model.attachment_check import check_attachments

                if progress:
                    progress("attachments")
                check_attachments(session, attachments_dir, report)
        except DBAPIError as exc:  # pages so damaged that reading fails: report, don't crash
            report.problems.append(CheckProblem(
                "integrity", f"读取数据库时出错：文件有损坏的部分。请运行 {CLI} recover 从备份恢复。",
                f"Reading the database failed: {exc.orig}. Run '{CLI} recover' to restore a backup.",
                [str(exc.orig)]))
        finally:
            session.rollback()
    return report


# --------------------------------------------------------------------------- start-up recovery


@dataclass(frozen=True)
class RecoveryOffer:
    """What :func:`recover_from_damage` found and did.

    ``status`` is ``"healthy"`` (nothing done), ``"missing"`` (no database file) or
    ``"damaged"`` (the file was moved into ``moved_to``); ``problem`` says why (current
    language); ``backups`` are the backups of ``<data_dir>/backups`` newest first, and
    ``latest`` the newest that opens with this installation's key and passes
    ``PRAGMA quick_check`` (offer it; restore with
    :func:`carebook.model.backups.restore_backup`)."""

    status: str
    data_dir: Path
    problem: str = ""
    moved_to: Path | None = None
    backups: list[Any] = field(default_factory=list)
    latest: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON shape: ``{"status", "data_dir", "problem", "moved_to", "latest", "backups": [...]}``."""
        return {"status": self.status, "data_dir": str(self.data_dir), "problem": self.problem,
                "moved_to": str(self.moved_to) if self.moved_to else None,
                "latest": str(self.latest) if self.latest else None,
                "backups": [b.to_json() for b in self.backups]}


def _not_damage(exc: Exception) -> None:
    """Re-raise what is not damage: a database busy in another Carebook (never move it
    aside), or an OS error such as a denied permission."""
    from carebook.model.db import DatabaseBusy

    text_ = str(exc).lower()
    if "locked" in text_ or "busy" in text_:
        raise DatabaseBusy() from exc
    if isinstance(exc, OSError):
        raise exc


def _diagnose(paths: DataPaths, key: bytes) -> str | None:
    """Return why the database at ``paths`` is damaged, or ``None`` when it opens and passes
    ``PRAGMA quick_check``."""
    from carebook.model.db import connect_sqlcipher
    from carebook.model.keys import WrongKeyError

    try:
        conn = connect_sqlcipher(paths.database, key)
    except WrongKeyError:
        return msg("数据库文件无法用本机密钥打开（文件头已损坏）。", "The database file does not open with this key (damaged header).")
    except Exception as exc:
        _not_damage(exc)
        return msg("数据库文件无法打开（文件已损坏）。", f"The database file cannot be opened: {exc}")
    try:
        result = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        conn.execute("SELECT count(*) FROM change_log").fetchone()
    except Exception as exc:
        _not_damage(exc)
        return msg("数据库文件已损坏（读到了损坏的部分）。", f"The database file is damaged: {exc}")
    finally:
        conn.close()
    if result != ["ok"]:
        return msg("数据库文件已损坏（完整性检查未通过）。", f"The database file is damaged: {'; '.join(result[:3])}")
    return None


def quick_diagnosis(data_dir: Path | DataPaths, key: bytes) -> str | None:
    """Why the database of ``data_dir`` is damaged (current language), or ``None`` when it
    opens with ``key`` and passes ``PRAGMA quick_check``. Reads only, on its own connection,
    so it runs while the register is open (the desktop's check after start-up). Raises
    :class:`carebook.model.db.DatabaseBusy` when the file is locked, OSError when unreadable."""
    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths(Path(data_dir))
    return _diagnose(paths, key)


def check_open_register(register: Any, *, progress: Callable[[str], None] | None = None) -> CheckReport:
    """:func:`check_register` on an open :class:`~carebook.model.register.Register` (the
    desktop's 检查数据库 button), its attachment files included when it has a data directory.
    Reads only."""
    attachments = register.data_dir / "attachments" if getattr(register, "data_dir", None) else None
    return check_register(register.sessions, progress=progress, attachments_dir=attachments)


def recover_from_damage(
    data_dir: Path | DataPaths | None,
    *,
    passphrase: str | None = None,
    ask_passphrase: Callable[[], str | None] | None = None,
) -> RecoveryOffer:
    """Check the database of ``data_dir`` before opening it; move a damaged one aside.

    First finishes a key rotation interrupted half-way
    (:func:`carebook.model.recovery.finish_interrupted_rekey`). Then unlocks the key (errors of
    :func:`carebook.model.keys.unlock_keystore` propagate: a key problem is not damage), opens
    the file read-only-in-effect and runs ``PRAGMA quick_check``. When it fails, the database
    and its ``-wal``/``-shm`` files are moved into ``<data_dir>/damaged-<stamp>/`` with copies of
    the key files. Returns a :class:`RecoveryOffer` listing the backups to restore."""
    from carebook.model.backups import key_for_backup, list_backups, move_register_aside, verify_backup
    from carebook.model.errors import CarebookError
    from carebook.model.keys import unlock_keystore
    from carebook.model.recovery import finish_interrupted_rekey

    paths = data_dir if isinstance(data_dir, DataPaths) else DataPaths.resolve(data_dir)
    finish_interrupted_rekey(paths)
    backups = list_backups(paths.backups)
    if not paths.keyinfo.exists() and not paths.database.exists():
        return RecoveryOffer("missing", paths.root, msg("没有数据库。", "No database."), backups=backups)
    keystore = unlock_keystore(paths, passphrase=passphrase, ask_passphrase=ask_passphrase)
    status, problem, moved = "healthy", "", None
    if not paths.database.exists():
        status, problem = "missing", msg("数据库文件不见了。", "The database file is missing.")
    else:
        diagnosis = _diagnose(paths, keystore.database_key)
        if diagnosis is not None:
            status, problem = "damaged", diagnosis
            moved = move_register_aside(paths, "damaged")
    latest = None
    if status != "healthy":
        for info in backups:
            try:
                key = keystore.database_key
                if info.has_key_file:  # taken under an older key (before a rekey)?
                    key = key_for_backup(info.path, paths, passphrase=passphrase)
                verify_backup(info.path, key)
            except CarebookError:
                continue
            latest = info.path
            break
    return RecoveryOffer(status, paths.root, problem, moved, backups, latest)

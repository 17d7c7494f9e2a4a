"""The register facade: one object per open database that the desktop, the command line and
sync call. Each method runs in its own transaction and returns plain data.

Like Anki's ``Collection``: callers never see sessions. Writes attach a change recorder (so
every write lands in the change log) and commit, or roll back entirely on error. The object is
safe to share between threads, but the desktop runs all its calls on one worker thread so
writes are serialised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from carebook.model import settings as settings_store
from carebook.model.changelog import ChangeLogEntry
from carebook.model.enums import ClosingReason, Role
from carebook.model.installation import (
    ACTOR_KEY,
    Installation,
    find_installation,
    get_installation,
    initialise,
)
from carebook.model.queries import children as child_queries
from carebook.model.queries import visits as visit_queries
from carebook.model.queries.rows import ChildDetail, ChildRow, DueVisit, HistoryEntry
from carebook.model.recording import WriteResult, attach_recorder
from carebook.model.services import children as child_services
from carebook.model.services import entrustments as entrustment_services
from carebook.model.services import reports as report_services
from carebook.model.services import visits as visit_services
from carebook.model.settings import RegisterSettings, load_settings, save_settings

T = TypeVar("T")

ChildFilter = child_queries.ChildFilter


class Register:
    """The register of one installation.

    Args:
        sessions: a ``sessionmaker`` bound to the opened database.
        data_dir: the data directory (attachments, backups live there), if any.
        today: the function giving today's date (injectable for tests).
        close: called by :meth:`close` (e.g. to dispose the engine).
    """

    def __init__(
        self, sessions: sessionmaker[Session], *, data_dir: Path | None = None,
        today: Callable[[], dt.date] | None = None, close: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.data_dir = data_dir
        self.today = today or dt.date.today
        self._close = close
        #: The unlocked key store (small secrets such as the sync keys), when opened from disk.
        self.keystore: Any = None
        #: The open :class:`carebook.model.db.Database` (sync builds its site on it), when opened
        #: from disk.
        self.database: Any = None

    @classmethod
    def open(cls, data_dir: Path | None = None, *, passphrase: str | None = None, create: bool = False,
             ask_passphrase: Callable[[], str | None] | None = None) -> Register:
        """Open (or with ``create`` make) the encrypted register in ``data_dir``.

        Raises:
            CarebookError: see :func:`carebook.model.db.open_database` (wrong passphrase,
                newer schema, no keyring and no passphrase, …).
        """
        from carebook.model.db import open_database

        db = open_database(data_dir, passphrase=passphrase, create=create, ask_passphrase=ask_passphrase)
        register = cls(db.sessionmaker, data_dir=db.path.parent, close=db.close)
        register.keystore = db.keystore
        register.database = db
        return register

    def close(self) -> None:
        """Release the database."""
        if self._close:
            self._close()

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        with self.sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def writing(self, actor: str | None = None) -> Iterator[Session]:
        """A session whose writes are recorded in the change log and committed at the end, or
        rolled back entirely if anything raises."""
        with self.sessions() as session, session.begin():
            installation = get_installation(session)
            name = actor or settings_store.get_value(session, ACTOR_KEY) or installation.org_name
            attach_recorder(session, installation.id, name)
            yield session

    def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a read query ``fn(session, *args, **kwargs)``."""
        with self.reading() as session:
            return fn(session, *args, **kwargs)

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a write service ``fn(session, *args, **kwargs)`` in one recorded transaction."""
        with self.writing() as session:
            return fn(session, *args, **kwargs)

    # -- installation and settings --------------------------------------------------------
    def installation(self) -> Installation | None:
        """This installation's identity, or ``None`` before set-up."""
        return self.read(find_installation)

    def initialise(self, *, role: Role | str, org_code: str, org_name: str, parent_code: str | None = None,
                   parent_name: str | None = None, actor: str = "") -> Installation:
        """Set up this installation (see :func:`carebook.model.installation.initialise`)."""
        with self.sessions() as session, session.begin():
            return initialise(session, role=Role.parse(role, "role"), org_code=org_code, org_name=org_name,
                              parent_code=parent_code, parent_name=parent_name, actor=actor)

    def settings(self) -> RegisterSettings:
        """The register settings."""
        return self.read(load_settings)

    def save_settings(self, settings: RegisterSettings) -> None:
        """Store the register settings and recompute every child's derived columns with them
        (categories and the next visit due follow the thresholds and visit frequencies)."""
        from carebook.model.children import Child
        from carebook.model.services.derived import refresh_children

        with self.sessions() as session, session.begin():
            save_settings(session, settings)
            refresh_children(session, list(session.scalars(select(Child.id))), settings, self.today())

    def set_actor(self, name: str) -> None:
        """Set the name recorded as the author of changes (the child director's name)."""
        with self.sessions() as session, session.begin():
            settings_store.set_value(session, ACTOR_KEY, name)

    # -- children ---------------------------------------------------------------------------
    def register_child(self, values: dict[str, Any]) -> WriteResult:
        """Register a child (see :func:`carebook.model.services.children.register_child`)."""
        return self.write(child_services.register_child, values, today=self.today())

    def update_child(self, ref: str, values: dict[str, Any], *, expected_version: int | None = None) -> WriteResult:
        """Change a child's file (see :func:`carebook.model.services.children.update_child`;
        ``expected_version``: refuse with ``EditConflictError`` when the record changed since)."""
        return self.write(child_services.update_child, ref, values, today=self.today(),
                          expected_version=expected_version)

    def close_child(self, ref: str, reason: ClosingReason | str, *, on: dt.date | None = None,
                    note: str | None = None) -> WriteResult:
        """Close a child's file with a reason."""
        return self.write(child_services.close_child, ref, reason, on=on, note=note, today=self.today())

    def reopen_child(self, ref: str) -> WriteResult:
        """Reopen a closed file."""
        return self.write(child_services.reopen_child, ref, today=self.today())

    def child_ids(self, flt: ChildFilter | None = None, *, sort: str = "name", descending: bool = False) -> list[str]:
        """Ids of matching children, sorted (see :func:`carebook.model.queries.children.child_ids`)."""
        return self.read(child_queries.child_ids, flt, sort=sort, descending=descending, today=self.today())

    def child_rows(self, ids: list[str]) -> list[ChildRow]:
        """Register rows for ``ids``, in that order."""
        return self.read(child_queries.child_rows, ids, today=self.today())

    def list_children(self, flt: ChildFilter | None = None, *, sort: str = "name") -> list[ChildRow]:
        """Register rows matching ``flt``."""
        return self.read(child_queries.list_children, flt, sort=sort, today=self.today())

    def search(self, text: str, *, include_closed: bool = False) -> list[ChildRow]:
        """Children whose name, pinyin initials or ID-number end match ``text``."""
        return self.list_children(ChildFilter(search=text, closed=None if include_closed else False))

    def child_detail(self, ref: str) -> ChildDetail:
        """The whole file of one child (by record id or ID number)."""
        return self.read(child_queries.child_detail, ref, today=self.today())

    def child_history(self, ref: str) -> list[HistoryEntry]:
        """Every recorded change of one child's file, oldest first."""
        return self.read(child_queries.child_history, ref)

    # -- visits -----------------------------------------------------------------------------
    def record_visit(self, child_ref: str, values: dict[str, Any]) -> WriteResult:
        """Record a visit (see :func:`carebook.model.services.visits.record_visit`)."""
        return self.write(visit_services.record_visit, child_ref, values, today=self.today())

    def propose_next_visit(self, child_ref: str, visit_date: dt.date) -> dt.date:
        """The next visit date proposed after a visit on ``visit_date``."""
        return self.read(visit_services.next_visit_proposal, child_ref, visit_date)

    def due_visits(self) -> list[DueVisit]:
        """Visits overdue or due this week, riskiest first."""
        return self.read(visit_queries.due_visits, today=self.today())

    # -- entrustments, reports, attachments -------------------------------------------------
    def draft_entrustment(self, child_ref: str, **kwargs: Any) -> WriteResult:
        """Draft an entrustment-guardianship confirmation (see
        :func:`carebook.model.services.entrustments.draft_entrustment`)."""
        return self.write(entrustment_services.draft_entrustment, child_ref, today=self.today(), **kwargs)

    def entrustment_rows(self, child_id: str | None = None) -> list[entrustment_services.EntrustmentRow]:
        """Every confirmation (optionally of one child), with its effective status."""
        return self.read(entrustment_services.entrustment_rows, today=self.today(), child_id=child_id)

    def entrustment_overview(self) -> entrustment_services.EntrustmentOverview:
        """Children without a signed confirmation, and confirmations expiring or expired."""
        return self.read(entrustment_services.entrustment_overview, today=self.today())

    def report_rows(self, *, open_only: bool = False, child_id: str | None = None) -> list[report_services.ReportRow]:
        """Mandatory reports, newest first (without the confidential reporter)."""
        return self.read(report_services.report_rows, open_only=open_only, child_id=child_id)

    def referral_rows(self, *, open_only: bool = False, child_id: str | None = None) -> list[report_services.ReferralRow]:
        """Referrals, newest first."""
        return self.read(report_services.referral_rows, open_only=open_only, child_id=child_id)

    def attachments_dir(self) -> Path:
        """Where attachment files are kept (``<data dir>/attachments``)."""
        if self.data_dir is None:
            raise RuntimeError("this register has no data directory")
        return self.data_dir / "attachments"

    # -- change log -------------------------------------------------------------------------
    def change_count(self) -> int:
        """Number of change-log rows."""
        return self.read(lambda s: int(s.scalar(select(func.count()).select_from(ChangeLogEntry)) or 0))

    def local_change_count_since(self, origin_seq: int) -> int:
        """Number of changes made here with an origin sequence number above ``origin_seq``
        (the changes a peer that acknowledged ``origin_seq`` has not yet received)."""
        def query(session: Session) -> int:
            me = get_installation(session).id
            return int(session.scalar(select(func.count()).select_from(ChangeLogEntry).where(
                ChangeLogEntry.origin == me, ChangeLogEntry.origin_seq > origin_seq)) or 0)
        return self.read(query)

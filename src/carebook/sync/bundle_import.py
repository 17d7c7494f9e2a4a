"""Importing bundles (导入同步包, issue 5 item 6): verify, decrypt, back up, apply.

One bundle is verified (signature, sender, addressee, format and schema version) and decrypted,
its sender's authority over every change it carries is checked, a backup of the register is
taken, and the whole bundle is applied. A bundle imported before (or a renamed copy) changes
nothing and says so.

Several bundles at once (the township's stick: one bundle per village; a folder of parts) are
imported by an :class:`ImportBatch`: **one transaction for all of them, a savepoint for each**.
A refused bundle is rolled back to its savepoint and changes nothing, the bundles before it stay
applied, and everything is committed at the end; an interruption (Ctrl-C, Cancel in the app, a
crash or a pulled plug) leaves the register as it was before the batch, and a rerun completes it
(bundles of earlier imports are recognised as imported). One backup is taken before the first
bundle that changes anything. The per-bundle costs that one transaction saves (a commit with its
WAL sync, the installation, its keys and settings read again) made 30 small village bundles
import at about two thirds of the rate of one bundle of the same size (``bench/README.md``,
``bench_sync.py``).

The only database check SQLite defers to the commit is a foreign key (``PRAGMA
defer_foreign_keys``; the merge parks records whose references are missing, so this is a last
resort): if the batch's commit is refused for it, the batch is rolled back entirely and the
bundles are imported again one transaction each (:func:`import_groups`), so one bad bundle
does not keep the others out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from carebook.model import migrations
from carebook.model.attachment_store import AttachmentStore
from carebook.model.db import backup_database, default_backup_name
from carebook.model.enums import Role
from carebook.model.errors import CarebookError
from carebook.model.gc_pause import gc_paused
from carebook.model.installation import Installation, get_installation
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.settings import RegisterSettings, load_settings
from carebook.model.sync_state import SyncImport, SyncPeer
from carebook.sync.authority import check_authority
from carebook.sync.bundle_files import group_bundle_paths, read_bundle, recipient_code_of_name
from carebook.sync.bundle_format import OpenedBundle
from carebook.sync.changes import Payload, decode_payload, store_attachments
from carebook.sync.errors import BundleError, PayloadCorruptError, WrongRecipientError
from carebook.sync.held_records import HeldRecords, duplicate_files, held_records
from carebook.sync.identity import InstallationKeys
from carebook.sync.merge import MergeResult, apply_changes, refused_merge
from carebook.sync.peer_store import (
    add_received_range,
    counters,
    known_peers,
    pending_enrolments,
    pin_peer,
    received_summary,
    save_own_proof,
    save_pending_enrolment,
)
from carebook.sync.restore import (
    OwnRepair,
    SenderRestoredError,
    count_children,
    first_reused,
    note_resend,
    repair_before_apply,
    settle_after_apply,
    settle_claims,
)

if TYPE_CHECKING:
    from carebook.sync.exchange import SyncSite


class SchemaTooNewError(BundleError):
    """The bundle was written by a Carebook with a newer register schema (数据结构版本过新)."""

    def __init__(self, revision: str) -> None:
        self.revision = revision
        super().__init__(
            f"这个同步包来自更新版本的 Carebook（数据结构 {revision}），已拒绝导入，没有改动任何数据。"
            "请先把本机的 Carebook 升级到最新版本，再导入。",
            f"This bundle comes from a newer Carebook (schema {revision}); nothing was imported. "
            "Update Carebook on this computer, then import it again.",
        )


class ForeignChangesError(BundleError):
    """A village's bundle carries changes it did not make (伪造的变更)."""

    def __init__(self) -> None:
        super().__init__(
            "这个村的同步包里含有不是该村产生的变更，已拒绝导入，没有改动任何数据。请联系技术支持。",
            "This village bundle carries changes the village did not make; it was refused and "
            "nothing was imported. Contact support.",
        )


@dataclass
class ImportResult:
    """导入结果: one bundle imported (or found already imported): who sent it, its id and range, what the
    merge did, the gaps still missing in the sender's log (ranges of positions), whether a
    backup was taken, and what stays held back (``held``: files held for the duplicate review,
    records waiting for changes not received yet; :mod:`carebook.sync.held_records`)."""

    bundle_id: str
    sender_code: str
    sender_name: str
    already_imported: bool
    seq_from: int | None = None
    seq_to: int | None = None
    merge: MergeResult = field(default_factory=MergeResult)
    gaps: list[tuple[int, int]] = field(default_factory=list)
    backup: Path | None = None
    newly_enrolled: bool = False
    restore: bool = False
    restored_children: int | None = None
    own: OwnRepair = field(default_factory=OwnRepair)
    held: HeldRecords = field(default_factory=HeldRecords)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``held``'s keys: :meth:`HeldRecords.to_json`)."""
        m = self.merge
        return {
            "bundle_id": self.bundle_id, "sender_code": self.sender_code, "sender_name": self.sender_name,
            "already_imported": self.already_imported, "seq_from": self.seq_from, "seq_to": self.seq_to,
            "applied": m.applied, "duplicates": m.duplicates, "inserted": m.inserted, "updated": m.updated,
            "deleted": m.deleted, "parked": m.parked, "conflicts": m.conflicts, "clock_ahead_ms": m.clock_ahead_ms,
            "gaps": [list(g) for g in self.gaps], "backup": str(self.backup) if self.backup else None,
            "newly_enrolled": self.newly_enrolled, "restore": self.restore,
            "restored_children": self.restored_children, "own_missing": self.own.missing,
            "own_recovered": self.own.recovered, "own_renumbered": self.own.renumbered,
            "own_behind": self.own.behind, **self.held.to_json(),
        }


@dataclass
class _Opened:
    """A bundle verified, decrypted and checked, ready to apply."""

    opened: OpenedBundle
    payload: Payload


class ImportBatch:
    """一批同步包的导入: bundles imported one after another in **one** transaction, each in its
    own savepoint (see the module docstring). Use as a context manager::

        with ImportBatch(site) as batch:
            for group in group_bundle_paths(files):
                result = batch.import_group(group)   # raises the bundle's refusal

    Leaving the block normally, or by a refusal (a :class:`CarebookError`: nothing of the refused
    bundle was applied), commits every bundle applied in it, and the one write a refusal keeps (the
    note asking a village restored from a backup to send again: :func:`carebook.sync.restore.note_resend`).
    Leaving it by any other exception (Ctrl-C, a cancelled task, an unexpected error) rolls back
    every bundle applied since the last :meth:`commit`: an interrupted import changes nothing.

    Args:
        site: the open register and its keys.
        backup: take a backup (:func:`carebook.model.db.backup_database`, in the register's
            ``backups`` folder) before the first bundle that changes anything.
        now: the instant to check bundle and enrolment expiry against (tests); UTC now by default.
        today: the business date for the derived columns (tests); today by default.
        backup_path: a backup already taken of the register as it is (no other is taken).

    Raises (from :meth:`import_group` and on leaving the block):
        BundleError: the bundle was refused; nothing of it was applied.
        sqlalchemy.exc.IntegrityError: the commit was refused (a deferred foreign key: see the
            module docstring); nothing of the batch was applied.
    """

    def __init__(self, site: SyncSite, *, backup: bool = True, now: datetime | None = None,
                 today: dt.date | None = None, backup_path: Path | None = None) -> None:
        self._site = site
        self._backup = backup
        self._now = now
        self._today = today
        self._session: Session | None = None
        self._keys: InstallationKeys | None = None
        self._me: Installation | None = None  # read once: neither changes during an import
        self._settings: RegisterSettings | None = None
        self._revisions: frozenset[str] | None = None  # the schema revisions this Carebook knows
        self._backup_path: Path | None = backup_path
        self._broken = False

    def __enter__(self) -> ImportBatch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if self._broken or (exc_type is not None and not issubclass(exc_type, CarebookError)):
                session.rollback()
            else:
                _commit(session)
        finally:
            session.close()

    def commit(self) -> None:
        """Commit the bundles applied so far; the next one starts a new transaction.

        Raises:
            sqlalchemy.exc.IntegrityError: the database refused the commit (a deferred foreign
                key); the bundles applied since the last commit were rolled back.
        """
        if self._session is None:
            return
        _commit(self._session)

    @property
    def backup_path(self) -> Path | None:
        """The backup this batch took (or was given); ``None`` before one is taken."""
        return self._backup_path

    def _open_session(self) -> Session:
        if self._session is None:
            # BEGIN IMMEDIATE: the write lock from the first read, so no other writer can slip in
            # between the checks and the writes (and fail this batch half-way with SQLITE_BUSY)
            self._session = self._site.db.write_sessionmaker()
            self._session.info["apply_remote"] = True
        return self._session

    def import_group(self, paths: Path | Sequence[Path]) -> ImportResult:
        """Verify, decrypt and apply one bundle (its file, or the parts of a split bundle) in this
        batch's transaction. Python's cyclic garbage collector is paused meanwhile
        (:func:`carebook.model.gc_pause.gc_paused`).

        Returns:
            the :class:`ImportResult` (``already_imported`` for a bundle imported before, in this
            batch or earlier).

        Raises:
            BundleError: refused (truncated, corrupt, forged, unknown sender, wrongly addressed,
                too new, …); nothing of it was applied, the bundles before it stay applied.
            CarebookError: not initialised; the installation's keys unreadable.
        """
        if self._broken:
            raise RuntimeError("the batch's transaction was lost; open a new ImportBatch")
        with gc_paused():
            return self._import(paths)

    def _import(self, paths: Path | Sequence[Path]) -> ImportResult:
        if self._keys is None:
            self._keys = self._site.keys()
        session = self._open_session()
        if self._me is None:
            self._me = get_installation(session)
            self._settings = load_settings(session)
            self._revisions = frozenset(migrations.revision_graph())
        me = self._me
        checked = _open_and_check(session, paths, me, self._keys, self._now, self._revisions)
        if isinstance(checked, ImportResult):
            return checked
        if self._backup and self._backup_path is None:
            # Before the first bundle's writes: commit what the batch holds so far (at most the
            # resend notes of refused bundles) so the backup holds the register as it is now.
            session.commit()
            backups = self._site.db.paths.backups
            backups.mkdir(parents=True, exist_ok=True)
            self._backup_path = backup_database(self._site.db, _backup_target(backups, checked.opened.header.bundle_id))
        savepoint = session.begin_nested()
        try:
            result = _apply(session, self._site, me, checked, now=self._now, today=self._today,
                            settings=self._settings)
        except BaseException as exc:
            try:
                savepoint.rollback()
            except Exception:  # the transaction itself is gone: nothing of the batch is kept
                self._broken = True
            if isinstance(exc, IntegrityError) and not self._broken:  # a last resort: see merge_refusals
                raise refused_merge(exc) from None
            raise
        savepoint.commit()
        result.backup = self._backup_path
        return result


def _commit(session: Session) -> None:
    """Commit ``session``; when the commit fails, roll back for certain: SQLite keeps a
    transaction open whose ``COMMIT`` failed on a deferred foreign key (sqlite.org/foreignkeys.html
    §4.2), which SQLAlchemy does not know, and the connection would go back to the pool inside it."""
    raw = session.connection().connection.dbapi_connection
    try:
        session.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            if raw is not None and raw.in_transaction:
                raw.execute("ROLLBACK")
        session.rollback()
        raise


def _open_and_check(session: Session, paths: Path | Sequence[Path], me: Installation,
                    keys: InstallationKeys, now: datetime | None,
                    revisions: frozenset[str] | None = None) -> ImportResult | _Opened:
    """Verify and decrypt the bundle, and check it against the register: an :class:`ImportResult`
    (``already_imported``) for one imported before, else the opened bundle (``revisions``: the
    schema revisions this Carebook knows, read once per batch; read here when ``None``). Writes nothing,
    except the note asking a restored village to send again (:func:`carebook.sync.restore.note_resend`,
    in the batch's transaction, outside any bundle's savepoint) before raising
    :class:`SenderRestoredError`."""
    try:
        opened = read_bundle(paths, my_keys=keys, known_peers=known_peers(session),
                             pending_enrolments=pending_enrolments(session), now=now)
    except WrongRecipientError as exc:  # say whose it is, in words for this PC's role
        given = [paths] if isinstance(paths, Path) else list(paths)
        raise WrongRecipientError(exc.recipient_key_id, at_village=me.role is Role.VILLAGE,
                                  recipient=_recipient_label(session, given)) from None
    header = opened.header
    known = revisions if revisions is not None else frozenset(migrations.revision_graph())
    if header.schema_version not in known:
        raise SchemaTooNewError(header.schema_version)
    sender = opened.sender
    if session.get(SyncImport, header.bundle_id) is not None:
        return ImportResult(header.bundle_id, sender.code, sender.name, True, header.seq_from, header.seq_to)
    payload = decode_payload(opened.payload)
    if sender.role == "village" and any(c.origin != sender.installation_id for c in payload.changes):
        raise ForeignChangesError()
    if len(payload.changes) != header.counts.get("changes", len(payload.changes)):
        raise PayloadCorruptError("count")
    check_authority(session, payload.changes, me=me, sender=sender)  # who may change what (sync/authority.py)
    if me.role is not Role.VILLAGE and sender.role == "village":  # restored from a backup? (sync/restore.py)
        reused = first_reused(session, payload.changes, sender.installation_id)
        if reused is not None:
            note_resend(session, sender.installation_id, reused - 1)  # kept: committed with the batch
            raise SenderRestoredError(sender.installation_id, reused, f"{sender.name}（{sender.code}）")
    return _Opened(opened, payload)


def _apply(session: Session, site: SyncSite, me: Installation, checked: _Opened, *,
           now: datetime | None, today: dt.date | None, settings: RegisterSettings | None) -> ImportResult:
    """Apply a checked bundle in the caller's transaction and record it as imported (``settings``:
    the register's, for the derived columns; read from the register when ``None``)."""
    opened, payload = checked.opened, checked.payload
    header, sender = opened.header, opened.sender
    if payload.attachments:
        store_attachments(payload.attachments, AttachmentStore.of(session, site.db.paths.attachments))
    result = ImportResult(header.bundle_id, sender.code, sender.name, False, header.seq_from, header.seq_to,
                          newly_enrolled=opened.newly_enrolled is not None)
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    pinned: SyncPeer | None = None  # its counters row, in step with the peer just pinned
    if opened.newly_enrolled is not None:
        pinned = pin_peer(session, sender)
        save_pending_enrolment(session, opened.newly_enrolled)
    from_township = me.role is Role.VILLAGE and sender.role == "township"
    if from_township:
        result.own = repair_before_apply(session, me.id, header.acks, payload.changes, counters(session, sender))
    held_before = duplicate_files(session)
    result.merge = apply_changes(session, payload.changes, me=me.id,
                                 record_conflicts=me.role is not Role.VILLAGE, today=today, settings=settings)
    result.held = held_records(session, held_before, township=me.role is not Role.VILLAGE)
    if from_township:
        settle_after_apply(session, me.id, header.acks, payload.changes, result.own)
        result.restore = header.acks.get("restore") is True
        result.restored_children = count_children(session) if result.restore else None
    elif sender.role == "village":
        settle_claims(session, sender.installation_id, header.acks)
    row = pinned if pinned is not None else counters(session, sender)
    newest = header.seq_to is None or header.seq_to >= row.received_to
    if header.seq_from is not None and header.seq_to is not None:
        newest = header.seq_to >= received_summary(session, sender.installation_id, highest=True)[0]
        row.received_to, result.gaps = add_received_range(session, sender.installation_id,
                                                           header.seq_from, header.seq_to)
    acked = header.acks.get("received_to")
    if isinstance(acked, int) and (acked > row.acked_to or newest):
        # the peer's newest bundle says what it has: lower after a restore from a backup,
        # in which case the next export carries those changes again
        row.acked_to = acked
    row.last_import_at = stamp
    if from_township:
        save_own_proof(session, None)
    session.add(SyncImport(bundle_id=header.bundle_id, sender_id=sender.installation_id, seq_from=header.seq_from,
                           seq_to=header.seq_to, imported_at=stamp, applied=result.merge.applied,
                           duplicates=result.merge.duplicates))
    session.flush()
    return result


#: Per group of bundle files: its result, or the refusal that kept it out.
GroupOutcome = ImportResult | CarebookError


def import_groups(site: SyncSite, groups: Sequence[Sequence[Path]], *, backup: bool = True,
                  now: datetime | None = None, today: dt.date | None = None,
                  stop: Callable[[CarebookError], bool] = lambda exc: False,
                  before: Callable[[int, Sequence[Path]], None] | None = None) -> list[GroupOutcome]:
    """Import bundle groups (each a bundle's file, or a split bundle's parts: see
    :func:`carebook.sync.bundle_files.group_bundle_paths`) in one :class:`ImportBatch`.

    Args:
        stop: called with each refusal; when it returns true no later group is tried (the
            refusal is the last item returned).
        before: called with the index and files of each group before it is imported (progress;
            it may raise to stop, e.g. Cancel in the app: then nothing of the batch is kept).

    Returns:
        per group tried, in order: its :class:`ImportResult` or the :class:`CarebookError` that
        refused it (nothing of that group applied).

    Raises:
        whatever ``before`` raises, and errors other than a :class:`CarebookError`, Ctrl-C
        included: nothing of the batch is kept. When the batch's commit is refused (a deferred
        foreign key: see the module docstring), the groups are imported again one transaction
        each (after the same backup), and the one the database refuses is reported as a
        :class:`carebook.sync.merge.MergeRefusedError`.
    """
    first = ImportBatch(site, backup=backup, now=now, today=today)
    try:
        return _import_groups(first, groups, stop=stop, before=before, one_each=False)
    except IntegrityError:
        again = ImportBatch(site, backup=backup, now=now, today=today, backup_path=first.backup_path)
        return _import_groups(again, groups, stop=stop, before=before, one_each=True)


def _import_groups(batch: ImportBatch, groups: Sequence[Sequence[Path]], *, stop: Callable[[CarebookError], bool],
                   before: Callable[[int, Sequence[Path]], None] | None, one_each: bool) -> list[GroupOutcome]:
    out: list[GroupOutcome] = []
    # the collector paused for the whole batch, not per bundle: between bundles a full collection
    # would walk every object the process holds (the app's, or a long-lived caller's) again
    with gc_paused(), batch:
        for i, group in enumerate(groups):
            if before is not None:
                before(i, group)
            item: GroupOutcome
            try:
                item = batch.import_group(group)
                if one_each:
                    try:
                        batch.commit()
                    except IntegrityError as exc:
                        item = refused_merge(exc)
            except CarebookError as exc:
                item = exc
            out.append(item)
            if isinstance(item, CarebookError) and stop(item):
                break
    return out


def import_bundles(site: SyncSite, paths: Sequence[Path], *, backup: bool = True,
                   now: datetime | None = None) -> list[ImportResult]:
    """Import bundle files (a split bundle's parts are grouped) in one :class:`ImportBatch`.

    Raises the first refusal (a :class:`carebook.sync.errors.BundleError`); bundles before it
    stay imported, nothing of the refused one is.
    """
    results: list[ImportResult] = []
    for item in import_groups(site, group_bundle_paths(paths), backup=backup, now=now, stop=lambda exc: True):
        if isinstance(item, CarebookError):
            raise item
        results.append(item)
    return results


@dataclass(frozen=True)
class SkippedBundle:
    """已跳过的同步包: a bundle of a folder (or multi-file) import addressed to another
    installation: its file(s), the addressee's code and name when the file name says (else
    empty), and the note to show (Chinese, English)."""

    paths: list[Path]
    recipient_code: str
    recipient_name: str
    message_zh: str
    message_en: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"files": [str(p) for p in self.paths], "recipient_code": self.recipient_code or None,
                "recipient_name": self.recipient_name or None, "message": self.message_zh}


@dataclass(frozen=True)
class RefusedBundle:
    """未导入的同步包: a bundle of a folder (or multi-file) import refused for another reason than
    its addressee (damaged, truncated, forged, from a retired PC …): its file(s) and the refusal
    (nothing of it was imported)."""

    paths: list[Path]
    error: CarebookError

    @property
    def message_zh(self) -> str:
        """``文件名：原因`` in Chinese."""
        return f"{self.paths[0].name}：{self.error.message_zh}"

    @property
    def message_en(self) -> str:
        """``file name: reason`` in English."""
        return f"{self.paths[0].name}: {self.error.message_en}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"files": [str(p) for p in self.paths], "message": self.message_zh}


@dataclass
class ImportOutcome:
    """What :func:`import_bundles_skipping` did: the bundles imported (or found imported before),
    those skipped as addressed to another installation, and (with ``keep_going``) those refused,
    each in the order given."""

    results: list[ImportResult] = field(default_factory=list)
    skipped: list[SkippedBundle] = field(default_factory=list)
    refused: list[RefusedBundle] = field(default_factory=list)


def skipped_bundle(site: SyncSite, paths: Sequence[Path]) -> SkippedBundle:
    """The note for a bundle (its file(s) ``paths``) refused as addressed to another installation
    (:class:`WrongRecipientError`) in a folder import: whom it is for, from its file name
    (``…-to<code>.cbk``) and the unit of that code when this register knows it."""
    group = list(paths)
    with site.register.reading() as session:
        code = recipient_code_of_name(group[0].name) or ""
        unit = session.get(OrgUnit, unit_id_for_code(code)) if code else None
        name = unit.name if unit is not None else ""
    who_zh = f"{name}（{code}）" if name else (code or "另一台电脑")
    who_en = f"{name} ({code})" if name else (code or "another computer")
    return SkippedBundle(group, code, name, f"{group[0].name}：这个同步包是发给 {who_zh} 的，已跳过。",
                         f"{group[0].name}: this bundle is for {who_en}; skipped.")


def import_bundles_skipping(site: SyncSite, paths: Sequence[Path], *, backup: bool = True,
                            now: datetime | None = None, keep_going: bool = False) -> ImportOutcome:
    """Import the bundles among ``paths`` (a folder's files, or several files given at once, e.g.
    the township's stick with one bundle per village) in one :class:`ImportBatch`, skipping each
    bundle addressed to another installation (:class:`WrongRecipientError`) with a note.

    Without ``keep_going`` any other refusal is raised as :func:`import_bundles` does (bundles
    before it stay imported); with it, a refused bundle (damaged, truncated, forged …: nothing of
    it imported) is listed in ``refused`` with its file name and the others are still imported —
    also when every bundle was refused (each is named). When no bundle was imported and none was
    refused, the first :class:`WrongRecipientError` is raised (every bundle was addressed
    elsewhere: the wrong stick)."""
    outcome = ImportOutcome()
    groups = group_bundle_paths(paths)
    elsewhere: list[tuple[list[Path], WrongRecipientError]] = []
    first_refusal: CarebookError | None = None

    def stop(exc: CarebookError) -> bool:  # another PC's bundle is skipped, never a reason to stop
        return not keep_going and not isinstance(exc, WrongRecipientError)

    for group, item in zip(groups, import_groups(site, groups, backup=backup, now=now, stop=stop), strict=False):
        if isinstance(item, ImportResult):
            outcome.results.append(item)
        elif isinstance(item, WrongRecipientError):
            elsewhere.append((list(group), item))
        else:
            if not keep_going:
                raise item
            first_refusal = first_refusal or item
            outcome.refused.append(RefusedBundle(list(group), item))
    if not outcome.results and first_refusal is None and elsewhere:
        raise elsewhere[0][1]
    outcome.skipped.extend(skipped_bundle(site, group) for group, _exc in elsewhere)
    return outcome


def _recipient_label(session: Session, paths: Sequence[Path]) -> str:
    """``名称（代码）`` of the addressee named in the bundle's file name, or the code, or ''."""
    code = recipient_code_of_name(paths[0].name) if paths else None
    if not code:
        return ""
    unit = session.get(OrgUnit, unit_id_for_code(code))
    return f"{unit.name}（{code}）" if unit is not None else code


def import_bundle(site: SyncSite, paths: Path | Sequence[Path], *, backup: bool = True,
                  now: datetime | None = None, today: dt.date | None = None) -> ImportResult:
    """Verify, decrypt and apply one bundle (its file, or a split bundle's parts) in one
    transaction (see the module docstring).

    Raises:
        BundleError: refused (truncated, corrupt, forged, unknown sender, wrongly addressed,
            too new, …); nothing was changed.
    """
    with ImportBatch(site, backup=backup, now=now, today=today) as batch:
        return batch.import_group(paths)


def _backup_target(folder: Path, bundle_id: str) -> Path:
    """A backup file name not yet taken: ``before-import-<bundle>-carebook-<UTC stamp>[-n].db``."""
    base = f"before-import-{bundle_id[:8]}-{default_backup_name()}"[:-3]
    candidate, n = folder / f"{base}.db", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{base}-{n}.db"
    return candidate


__all__ = [
    "ForeignChangesError", "GroupOutcome", "ImportBatch", "ImportOutcome", "ImportResult", "RefusedBundle",
    "SchemaTooNewError", "SkippedBundle", "import_bundle", "import_bundles", "import_bundles_skipping",
    "import_groups", "skipped_bundle",
]

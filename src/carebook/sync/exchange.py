"""Export and import of bundles: the container (:mod:`carebook.sync.bundle_files`), change
capture (:mod:`carebook.sync.changes`), routing and merge tied together, plus the set-up steps
(township keys, enrolment files, a village started from one).

Export (issue 5 item 5) carries every change the peer has not acknowledged (at-least-once:
exporting never marks anything as delivered; only the peer's acknowledgement does), so a lost
stick or a failed write loses nothing. Import (item 6) verifies and decrypts first, takes a
backup, and applies the whole bundle in one transaction: a crash or any refusal leaves the
register as it was; importing the same bundle again changes nothing and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from carebook.model import migrations
from carebook.model.attachment_store import AttachmentStore
from carebook.model.db import Database, backup_database, default_backup_name, open_database
from carebook.model.enums import Role
from carebook.model.errors import CarebookError
from carebook.model.gc_pause import gc_paused
from carebook.model.installation import Installation, get_installation
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.register import Register
from carebook.model.sync_state import SyncImport, SyncPeer
from carebook.sync.atomic_files import (
    FAT32_MAX_FILE_SIZE,
    FreeSpace,
    default_free_space,
)
from carebook.sync.authority import check_authority
from carebook.sync.bundle_files import (
    bundle_file_name,
    group_bundle_paths,
    read_bundle,
    recipient_code_of_name,
    write_bundle,
)
from carebook.sync.bundle_format import seal_bundle
from carebook.sync.changes import (
    Payload,
    collect_attachments,
    decode_payload,
    encode_payload,
    last_position,
    local_contexts,
    log_rows_after,
    store_attachments,
    stored_contexts,
)
from carebook.sync.enrolment import (
    DEFAULT_VALIDITY,
    EnrolmentFile,
    create_enrolment,
    read_enrolment_file,
)
from carebook.sync.errors import BundleError, PayloadCorruptError, SyncError, WrongRecipientError
from carebook.sync.held_records import HeldRecords, duplicate_files, held_records
from carebook.sync.identity import InstallationKeys, ensure_installation_keys
from carebook.sync.merge import MergeResult, apply_changes
from carebook.sync.peer_store import (
    active_peers,
    add_received_range,
    counters,
    known_peers,
    own_proof,
    pending_enrolments,
    pin_peer,
    received_summary,
    save_own_proof,
    save_pending_enrolment,
)
from carebook.sync.peers import Peer
from carebook.sync.restore import (
    OwnRepair,
    SenderRestoredError,
    claim_acks,
    count_children,
    first_reused,
    note_resend,
    repair_before_apply,
    return_extras,
    settle_after_apply,
    settle_claims,
)
from carebook.sync.routing import RoutingFacts, route_changes, routing_facts
from carebook.sync.trust_store import start_village_from_enrolment


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


class NoPeerError(SyncError):
    """没有已登记的对端: there is nobody to export to."""

    def __init__(self) -> None:
        super().__init__(
            "本机还没有登记的乡镇或村，无法导出同步包。村里请先用登记文件初始化（carebook init --enrolment）；"
            "乡镇请先为各村制作登记文件并导入各村的第一个同步包。",
            "No township or village is enrolled here, so there is nobody to export to. A village "
            "starts from an enrolment file (carebook init --enrolment); a township enrols villages "
            "and imports their first bundles.",
        )


# --------------------------------------------------------------------------- the site


@dataclass
class SyncSite:
    """本机同步站点: an open register with access to its keys: what export and import need.

    ``db`` is the open database (engine, key store, paths); ``register`` the facade over it.
    """

    db: Database
    register: Register

    @classmethod
    def open(cls, data_dir: Path | None, *, passphrase: str | None = None, create: bool = False,
             ask_passphrase: Callable[[], str | None] | None = None) -> SyncSite:
        """Open (or create) the register in ``data_dir``; see :func:`carebook.model.db.open_database`."""
        db = open_database(data_dir, passphrase=passphrase, create=create, ask_passphrase=ask_passphrase)
        return cls(db, Register(db.sessionmaker, data_dir=db.paths.root, close=db.close))

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def keys(self) -> InstallationKeys:
        """This installation's sync keys, made now if set-up did not make them.

        Raises:
            NotInitialisedError: before set-up.
            IdentityCorruptError: the stored keys are unreadable or belong to another installation.
        """
        return ensure_installation_keys(self.db.keystore, self.installation().id)

    def installation(self) -> Installation:
        """This installation. Raises NotInitialisedError before set-up."""
        return self.register.read(get_installation)


def setup_installation(site: SyncSite, *, role: Role | str, org_code: str, org_name: str,
                       parent_code: str | None = None, parent_name: str | None = None, actor: str = "") -> Installation:
    """Initialise the register and make this installation's sync keys (``carebook init``)."""
    inst = site.register.initialise(role=role, org_code=org_code, org_name=org_name, parent_code=parent_code,
                                    parent_name=parent_name, actor=actor)
    ensure_installation_keys(site.db.keystore, inst.id)
    return inst


def create_enrolment_file(site: SyncSite, *, village_code: str, village_name: str, out: Path,
                          code: str | None = None, valid_for: timedelta = DEFAULT_VALIDITY,
                          now: datetime | None = None) -> EnrolmentFile:
    """Make the enrolment file for one village and keep its one-time secret here (township).

    ``out`` is a directory (the file is named ``enrol-<village code>.cbe``) or a file path.
    Written atomically and verified (:func:`carebook.sync.atomic_files.write_files_atomically`)
    before the enrolment is recorded, so a refused write records nothing. The command line and
    the desktop go through :mod:`carebook.sync.enrolment_issue`, which also checks the request.
    """
    inst = site.installation()
    enrolment = create_enrolment(site.keys(), township_code=inst.org_code, township_name=inst.org_name,
                                 village_code=village_code, village_name=village_name, valid_for=valid_for, now=now)
    from carebook.sync.enrolment_issue import write_and_record  # it imports this module

    write_and_record(site, enrolment, out, code)
    return enrolment


def setup_village_from_enrolment(site: SyncSite, enrolment_path: Path, *, code: str | None = None,
                                 actor: str = "", now: datetime | None = None) -> Installation:
    """Start a village installation from the township's enrolment file (``carebook init
    --enrolment FILE``): initialise the register, make keys, pin the township and keep the proof
    that the first bundles carry."""
    enrolment = read_enrolment_file(enrolment_path, code, now=now)
    inst = site.register.initialise(role=Role.VILLAGE, org_code=enrolment.village_code,
                                    org_name=enrolment.village_name, parent_code=enrolment.township_code,
                                    parent_name=enrolment.township_name, actor=actor)
    with site.register.sessions() as session, session.begin():
        _keys, township = start_village_from_enrolment(session, site.db.keystore, installation_id=inst.id,
                                                       village_code=inst.org_code, enrolment=enrolment)
        counters(session, township)
    return inst


# --------------------------------------------------------------------------- export


@dataclass
class ExportResult:
    """导出结果: one bundle written: its files, size in bytes, the peer (code, name), how many changes
    and attachments it carries, and the sender's log range it covers."""

    paths: list[Path]
    size: int
    peer_code: str
    peer_name: str
    changes: int
    attachments: int
    seq_from: int | None
    seq_to: int | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"files": [str(p) for p in self.paths], "size": self.size, "peer_code": self.peer_code,
                "peer_name": self.peer_name, "changes": self.changes, "attachments": self.attachments,
                "seq_from": self.seq_from, "seq_to": self.seq_to}


def export_bundles(site: SyncSite, to_dir: Path, *, peer_ids: Sequence[str] | None = None,
                   free_space: FreeSpace = default_free_space, part_size: int = FAT32_MAX_FILE_SIZE,
                   now: datetime | None = None) -> list[ExportResult]:
    """Write one bundle per active peer (a village: its township; a township: each enrolled
    village, or those in ``peer_ids``) into ``to_dir``.

    Raises:
        NoPeerError: nobody enrolled.
        InsufficientSpaceError, WriteFailedError, ReadBackFailedError: the write failed; no
            file is left under its final name and the next export carries the same changes.
    """
    keys = site.keys()
    results: list[ExportResult] = []
    with site.register.reading() as session:
        inst = get_installation(session)
        peers = [p for p in active_peers(session) if peer_ids is None or p.installation_id in peer_ids]
        if inst.role is Role.VILLAGE:
            peers = [p for p in peers if p.role == "township"][:1]
        if not peers:
            raise NoPeerError()
        shared = _SharedRows(session)
        counters_rows = [session.get(SyncPeer, p.installation_id) for p in peers]
        shared.after(min((r.acked_to if r is not None else 0) for r in counters_rows))  # read once
        sealed_list = [(_seal_for(session, inst, keys, peer, now, site.db.paths.attachments, shared), peer)
                       for peer in peers]
    for (sealed, count, attachments, seq), peer in sealed_list:
        written = write_bundle(to_dir, sealed, signer=keys.public(), part_size=part_size, free_space=free_space,
                               name=bundle_file_name(sealed.header, recipient_code=peer.code))
        results.append(ExportResult(written.paths, written.size, peer.code, peer.name, count, attachments, *seq))
    with site.register.sessions() as session, session.begin():
        for _sealed, peer in sealed_list:
            counters(session, peer).last_export_at = (now or datetime.now(UTC)).replace(microsecond=0)
    return results


class _SharedRows:
    """The local log rows read once for every peer of one export, with their routing facts."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.upto = last_position(session)
        self._from = self.upto
        self._rows: list[Any] = []
        self._facts: RoutingFacts | None = None

    def after(self, position: int) -> list[Any]:
        """Rows at positions ``position < seq <= upto``."""
        if position < self._from:
            self._rows = log_rows_after(self.session, position, self._from) + self._rows
            self._from = position
            self._facts = None
        return [c for c in self._rows if c.seq > position]

    def facts(self, rows: list[Any]) -> RoutingFacts:
        """Routing facts of every row read so far (``rows`` is among them)."""
        if self._facts is None:
            self._facts = routing_facts(self.session, self._rows)
        return self._facts


def _seal_for(session: Session, inst: Installation, keys: InstallationKeys, peer: Peer,
              now: datetime | None, attachments_dir: Path | None,
              shared: _SharedRows) -> tuple[Any, int, int, tuple[int | None, int | None]]:
    row = session.get(SyncPeer, peer.installation_id)
    acked_to, received_to = (row.acked_to, row.received_to) if row is not None else (0, 0)
    upto = shared.upto
    after = acked_to
    rows = shared.after(after)
    routed = route_changes(session, rows, my_id=inst.id, my_role=inst.role.code, peer_id=peer.installation_id,
                           peer_role=peer.role, peer_code=peer.code, my_unit_id=inst.org_unit_id,
                           facts=shared.facts(rows) if inst.role is not Role.VILLAGE else None, fresh=acked_to == 0)
    if inst.role is Role.VILLAGE:  # sequence safety after a restore (sync/restore.py)
        extras = claim_acks(session, inst.id)
    else:
        extras, resend = return_extras(session, peer, acked_to) if peer.role == "village" else ({}, [])
        if resend:
            have = {c.key for c in routed}
            routed = sorted([*routed, *(c for c in resend if c.key not in have)], key=lambda c: c.seq)
    mine = [c for c in routed if c.origin == inst.id]
    local_contexts(session, inst.id, mine)
    stored = stored_contexts(session, [c.key for c in routed if c.origin != inst.id])
    for c in routed:
        if c.origin != inst.id:
            c.ctx = stored.get(c.key, {})
    store = AttachmentStore.of(session, attachments_dir, create=False) if attachments_dir is not None else None
    attachments = collect_attachments(routed, store)
    payload = encode_payload(Payload(routed, attachments))
    seq = (after + 1, upto) if upto > after else (None, None)
    proof = own_proof(session) if inst.role is Role.VILLAGE else None
    sealed = seal_bundle(
        payload, sender=keys, sender_code=inst.org_code, recipient=peer, seq_from=seq[0],
        seq_to=seq[1], counts={"changes": len(routed), "attachments": len(attachments)},
        schema_version=migrations.head_revision() or "", acks={"received_to": received_to, **extras},
        enrolment=proof, created_at=now,
    )
    return sealed, len(routed), len(attachments), seq


# --------------------------------------------------------------------------- import


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


def import_bundles(site: SyncSite, paths: Sequence[Path], *, backup: bool = True,
                   now: datetime | None = None) -> list[ImportResult]:
    """Import bundle files (a split bundle's parts are grouped), each in its own transaction.

    Raises the first refusal (a :class:`carebook.sync.errors.BundleError`); bundles before it
    stay imported, nothing of the refused one is.
    """
    return [import_bundle(site, group, backup=backup, now=now) for group in group_bundle_paths(paths)]


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
    the township's stick with one bundle per village), skipping each bundle addressed to another
    installation (:class:`WrongRecipientError`) with a note, and importing the rest in order.

    Without ``keep_going`` any other refusal is raised as :func:`import_bundles` does (bundles
    before it stay imported); with it, a refused bundle (damaged, truncated, forged …: nothing of
    it imported) is listed in ``refused`` with its file name and the others are still imported.
    When no bundle was imported, the first refusal is raised either way (for a folder whose every
    bundle was addressed elsewhere: the first :class:`WrongRecipientError`, the wrong stick)."""
    outcome = ImportOutcome()
    elsewhere: list[tuple[list[Path], WrongRecipientError]] = []
    first_refusal: CarebookError | None = None
    for group in group_bundle_paths(paths):
        try:
            outcome.results.append(import_bundle(site, group, backup=backup, now=now))
        except WrongRecipientError as exc:
            elsewhere.append((list(group), exc))
        except CarebookError as exc:
            if not keep_going:
                raise
            first_refusal = first_refusal or exc
            outcome.refused.append(RefusedBundle(list(group), exc))
    if not outcome.results:
        if first_refusal is not None:
            raise first_refusal
        if elsewhere:
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
    """Verify, decrypt and apply one bundle in one transaction (see the module docstring).
    Python's cyclic garbage collector is paused meanwhile (:func:`carebook.model.gc_pause.gc_paused`).

    Raises:
        BundleError: refused (truncated, corrupt, forged, unknown sender, wrongly addressed,
            too new, …); nothing was changed.
    """
    with gc_paused():
        return _import_bundle(site, paths, backup=backup, now=now, today=today)


def _import_bundle(site: SyncSite, paths: Path | Sequence[Path], *, backup: bool,
                   now: datetime | None, today: dt.date | None) -> ImportResult:
    keys = site.keys()
    with site.register.reading() as session:
        me = get_installation(session)
        try:
            opened = read_bundle(paths, my_keys=keys, known_peers=known_peers(session),
                                 pending_enrolments=pending_enrolments(session), now=now)
        except WrongRecipientError as exc:  # say whose it is, in words for this PC's role
            given = [paths] if isinstance(paths, Path) else list(paths)
            raise WrongRecipientError(exc.recipient_key_id, at_village=me.role is Role.VILLAGE,
                                      recipient=_recipient_label(session, given)) from None
        header = opened.header
        if migrations.unknown_revisions([header.schema_version]):
            raise SchemaTooNewError(header.schema_version)
        done = session.get(SyncImport, header.bundle_id) is not None
    sender = opened.sender
    if done:
        return ImportResult(header.bundle_id, sender.code, sender.name, True, header.seq_from, header.seq_to)
    payload = decode_payload(opened.payload)
    if sender.role == "village" and any(c.origin != sender.installation_id for c in payload.changes):
        raise ForeignChangesError()
    if len(payload.changes) != header.counts.get("changes", len(payload.changes)):
        raise PayloadCorruptError("count")
    with site.register.reading() as session:  # who may change what (sync/authority.py)
        check_authority(session, payload.changes, me=me, sender=sender)
    if me.role is not Role.VILLAGE and sender.role == "village":  # restored from a backup? (sync/restore.py)
        with site.register.reading() as session:
            reused = first_reused(session, payload.changes, sender.installation_id)
        if reused is not None:
            with site.register.sessions() as session, session.begin():
                note_resend(session, sender.installation_id, reused - 1)
            raise SenderRestoredError(sender.installation_id, reused, f"{sender.name}（{sender.code}）")
    backup_path = None
    if backup:
        site.db.paths.backups.mkdir(parents=True, exist_ok=True)
        backup_path = backup_database(site.db, _backup_target(site.db.paths.backups, header.bundle_id))
    if payload.attachments:
        with site.register.sessions() as session, session.begin():
            store = AttachmentStore.of(session, site.db.paths.attachments)
        store_attachments(payload.attachments, store)
    result = ImportResult(header.bundle_id, sender.code, sender.name, False, header.seq_from, header.seq_to,
                          backup=backup_path, newly_enrolled=opened.newly_enrolled is not None)
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    with site.register.sessions() as session, session.begin():
        session.info["apply_remote"] = True
        if opened.newly_enrolled is not None:
            pin_peer(session, sender)
            save_pending_enrolment(session, opened.newly_enrolled)
        from_township = me.role is Role.VILLAGE and sender.role == "township"
        if from_township:
            result.own = repair_before_apply(session, me.id, header.acks, payload.changes, counters(session, sender))
        held_before = duplicate_files(session)
        result.merge = apply_changes(session, payload.changes, me=me.id,
                                     record_conflicts=me.role is not Role.VILLAGE, today=today)
        result.held = held_records(session, held_before, township=me.role is not Role.VILLAGE)
        if from_township:
            settle_after_apply(session, me.id, header.acks, payload.changes, result.own)
            result.restore = header.acks.get("restore") is True
            result.restored_children = count_children(session) if result.restore else None
        elif sender.role == "village":
            settle_claims(session, sender.installation_id, header.acks)
        row = counters(session, sender)
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
        if me.role is Role.VILLAGE and sender.role == "township":
            save_own_proof(session, None)
        session.add(SyncImport(bundle_id=header.bundle_id, sender_id=sender.installation_id, seq_from=header.seq_from,
                               seq_to=header.seq_to, imported_at=stamp, applied=result.merge.applied,
                               duplicates=result.merge.duplicates))
    return result


def _backup_target(folder: Path, bundle_id: str) -> Path:
    """A backup file name not yet taken: ``before-import-<bundle>-carebook-<UTC stamp>[-n].db``."""
    base = f"before-import-{bundle_id[:8]}-{default_backup_name()}"[:-3]
    candidate, n = folder / f"{base}.db", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{base}-{n}.db"
    return candidate


def enrolments(site: SyncSite) -> list[dict[str, Any]]:
    """The enrolments this township issued (without secrets), for listing."""
    with site.register.reading() as session:
        return [{"enrolment_id": p.enrolment_id, "village_code": p.village_code, "village_name": p.village_name,
                 "expires_at": p.expires_at.isoformat(), "used": p.used_at is not None}
                for p in pending_enrolments(session)]

"""Export and import of bundles: the container (:mod:`carebook.sync.bundle_files`), change
capture (:mod:`carebook.sync.changes`), routing and merge tied together, plus the set-up steps
(township keys, enrolment files, a village started from one).

Export (issue 5 item 5) carries every change the peer has not acknowledged (at-least-once:
exporting never marks anything as delivered; only the peer's acknowledgement does), so a lost
stick or a failed write loses nothing. Import (item 6: :mod:`carebook.sync.bundle_import`, its names
re-exported here) verifies and decrypts first, takes a backup, and applies the whole bundle in
one transaction (several bundles: one transaction, a savepoint each): a crash or any refusal
leaves the register as it was; importing the same bundle again changes nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from carebook.model import migrations
from carebook.model.attachment_store import AttachmentStore
from carebook.model.db import Database, open_database
from carebook.model.enums import Role
from carebook.model.installation import Installation, get_installation
from carebook.model.register import Register
from carebook.model.sync_state import SyncPeer
from carebook.sync.atomic_files import (
    FAT32_MAX_FILE_SIZE,
    FreeSpace,
    default_free_space,
)
from carebook.sync.bundle_files import bundle_file_name, write_bundle
from carebook.sync.bundle_format import seal_bundle
from carebook.sync.bundle_import import (
    ForeignChangesError,
    ImportOutcome,
    ImportResult,
    RefusedBundle,
    SchemaTooNewError,
    SkippedBundle,
    import_bundle,
    import_bundles,
    import_bundles_skipping,
    skipped_bundle,
)
from carebook.sync.changes import (
    Payload,
    collect_attachments,
    encode_payload,
    last_position,
    local_contexts,
    log_rows_after,
    stored_contexts,
)
from carebook.sync.enrolment import (
    DEFAULT_VALIDITY,
    EnrolmentFile,
    create_enrolment,
    read_enrolment_file,
)
from carebook.sync.errors import SyncError
from carebook.sync.identity import InstallationKeys, ensure_installation_keys
from carebook.sync.peer_store import active_peers, counters, own_proof, pending_enrolments
from carebook.sync.peers import Peer
from carebook.sync.restore import claim_acks, return_extras
from carebook.sync.routing import RoutingFacts, route_changes, routing_facts
from carebook.sync.trust_store import start_village_from_enrolment


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


def enrolments(site: SyncSite) -> list[dict[str, Any]]:
    """The enrolments this township issued (without secrets), for listing."""
    with site.register.reading() as session:
        return [{"enrolment_id": p.enrolment_id, "village_code": p.village_code, "village_name": p.village_name,
                 "expires_at": p.expires_at.isoformat(), "used": p.used_at is not None}
                for p in pending_enrolments(session)]


__all__ = [  # the import pipeline lives in sync/bundle_import.py; its names stay importable from here
    "ExportResult", "ForeignChangesError", "ImportOutcome", "ImportResult", "NoPeerError", "RefusedBundle",
    "SchemaTooNewError", "SkippedBundle", "SyncSite", "create_enrolment_file", "enrolments", "export_bundles",
    "import_bundle", "import_bundles", "import_bundles_skipping", "setup_installation",
    "setup_village_from_enrolment", "skipped_bundle",
]

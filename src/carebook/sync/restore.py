"""Giving a village back its register: re-enrolling a replaced village PC, the township's restore
bundle, and repairing a village's own change numbers after it was restored from an older backup
(issue 5 "sequence reuse", issue 6 item 7, issue 8 item 1).

**A replaced PC (更换电脑重新登记).** The old PC died or was stolen and there is no usable backup.

1. The supervisor makes a *replacement* enrolment file for the same village code
   (:func:`create_replacement_enrolment_file`, ``carebook enrol create --replace``). At that
   moment the old PC's keys are retired (its bundles are refused from then on with
   :class:`carebook.sync.errors.SenderRetiredError`) and any enrolment file of that village not
   used yet is withdrawn.
2. The new PC starts from the file (``carebook init --enrolment FILE``, or the first-run wizard):
   a NEW installation with new keys and a new installation id. Its first bundle (empty but for
   its set-up) carries its public keys and the enrolment proof, as for any village.
3. The township imports it, pins the new keys, and its next ``carebook bundle export`` for that
   village is the **restore bundle**: an ordinary bundle covering the township's whole log (the
   new peer has acknowledged nothing yet), routed as for any village (the village's children with
   their full history, the old PC's own changes included since their origin is not the new PC),
   with ``"restore": true`` in its ``acks`` so the village can say what it got back. It is
   encrypted to the new PC's X25519 key and signed by the township like every bundle: no new
   format, no plaintext anywhere.

**A village restored from an older backup.** Its log lacks the changes made after the backup,
which the township may already have; its next changes would reuse their numbers ``(origin,
origin_seq)`` with different content (:class:`carebook.sync.merge.SequenceReusedError`), and its
log positions would reuse positions the township has acknowledged. The repair, without losing or
silently overwriting anything:

* every township → village bundle's ``acks`` carries ``own_seq``/``own_hlc``: the highest
  sequence number of the village's *own* changes the township holds and its clock stamp. A village
  that lacks that change (or holds another change under that number) knows it was restored: it
  moves its sequence counter past ``own_seq``, moves its log positions after the last one
  acknowledged past the township's ``received_to`` (so everything not acknowledged is sent again),
  and asks for its lost changes (``resend_own_after`` in its next bundle's ``acks``);
* a township importing a village bundle whose change reuses a number with different content
  refuses it (:class:`SenderRestoredError`, nothing imported) and notes from which number that
  village's own changes must be sent back;
* while such a note stands, the township's bundles for that village carry the village's own
  changes after that number (``resend_after``); the village gives its own changes made after the
  restore that clash with them new numbers after the township's (in their original order), then
  takes its lost changes back. Its next bundle carries the renumbered changes; the township
  clears the note when the village's ``own_seq``/``own_hlc`` claim matches its own newest change
  from that village.

Where a change made after the restore and a lost change set the same field, the one made after
the restore wins (same PC, later sequence number); the lost value stays in the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.changelog import ChangeLogEntry
from carebook.model.children import Child
from carebook.model.enums import Role
from carebook.model.errors import CarebookError
from carebook.model.recording import SEQ_KEY
from carebook.model.sync_state import SyncChangeContext, SyncPeer
from carebook.sync import trust_store
from carebook.sync.aggregates import table_of
from carebook.sync.atomic_files import write_files_atomically
from carebook.sync.changes import Change, change_from_row, logged_stamps
from carebook.sync.enrolment import DEFAULT_VALIDITY, EnrolmentFile, create_enrolment, encode_enrolment
from carebook.sync.errors import SyncError
from carebook.sync.merge import SequenceReusedError
from carebook.sync.peer_store import counters
from carebook.sync.peers import Peer

if TYPE_CHECKING:
    from carebook.sync.exchange import SyncSite

#: Township setting: ``{village installation id: n}``, send that village its own changes after n.
RESEND_KEY = "sync.resend_own"
#: Village setting: ``{"own_seq": M, "own_hlc": H, "after": R}`` while this PC lacks its own
#: change M that the township holds (restored from an older backup), until it has it back.
BEHIND_KEY = "sync.own_behind"

_LOG = table_of(ChangeLogEntry)
_LOG_COLUMNS = (
    _LOG.c.seq, _LOG.c.origin, _LOG.c.origin_seq, _LOG.c.hlc, _LOG.c.entity, _LOG.c.record_id, _LOG.c.op,
    _LOG.c.field, _LOG.c.old_value, _LOG.c.new_value, _LOG.c.actor, _LOG.c.at_utc, _LOG.c.tx_id,
)
_CTX = table_of(SyncChangeContext)


class NothingToReplaceError(SyncError):
    """There is no PC of this village to replace (没有可更换的电脑): the village was never
    enrolled here; make an ordinary enrolment file instead."""

    def __init__(self, village_code: str) -> None:
        self.village_code = village_code
        super().__init__(
            f"村代码 {village_code} 在本乡镇还没有登记过电脑，无需“更换电脑重新登记”。请直接为该村制作登记文件。",
            f"No PC of village {village_code} is enrolled here, so there is nothing to replace. "
            "Make an ordinary enrolment file for the village instead.",
        )


class SenderRestoredError(SequenceReusedError):
    """A village's bundle reuses the numbers of changes the township already has, with other
    content: the village PC was restored from an older backup (村电脑从旧备份恢复). Refused; the
    township's next bundle for the village makes the village repair itself."""

    def __init__(self, origin: str, seq: int, village: str) -> None:
        super().__init__(origin, seq)
        self.message_zh = (
            f"{village}的电脑从较早的备份恢复过：这个同步包里的新变更与乡镇已收到的变更编号重复。为避免覆盖数据，"
            "本包没有导入，没有改动任何数据。乡镇已记下此事：请现在为该村导出同步包并带回村里导入，"
            "村里的电脑会找回丢失的变更并给新变更重新编号；然后请村里再导出同步包交给乡镇。"
        )
        self.message_en = (
            f"The PC of {village} was restored from an older backup: new changes in this bundle reuse "
            "the numbers of changes the township already has. Nothing was imported, so nothing is "
            "overwritten. The township has noted it: export a bundle for the village now and import it "
            "there; the village PC gets its lost changes back and renumbers its new ones. Then export "
            "again at the village and bring that bundle here."
        )
        self.args = (self.message_zh, self.message_en)


# --------------------------------------------------------------------------- replaced PC


@dataclass
class ReplacementEnrolment:
    """更换电脑的登记文件: the replacement enrolment made, where it was written and the earlier PCs
    of the village retired by it."""

    enrolment: EnrolmentFile
    path: Path
    retired: list[Peer]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (no secret)."""
        return {"file": str(self.path), "enrolment_id": self.enrolment.enrolment_id,
                "village_code": self.enrolment.village_code, "village_name": self.enrolment.village_name,
                "replacement": True, "retired": [p.installation_id for p in self.retired]}


def _to_replace(session: Session, village_code: str) -> tuple[list[Peer], list[str]]:
    """The active PCs of the village and the ids the withdrawn unused enrolments replaced."""
    active = [p for p in trust_store.load_peers(session)
              if p.role == "village" and p.code == village_code and not p.retired]
    unused = [p for p in trust_store.load_pending_enrolments(session)
              if p.village_code == village_code and p.used_at is None]
    if not active and not unused:
        raise NothingToReplaceError(village_code)
    return active, [i for p in unused for i in p.replaces]


def retire_village(session: Session, village_code: str) -> tuple[list[Peer], tuple[str, ...]]:
    """Retire every active PC of the village (their bundles are refused from now on) and withdraw
    its enrolment files not used yet, in the caller's transaction. Returns the retired peers and
    the installation ids the new enrolment replaces (those peers and any a withdrawn replacement
    enrolment named).

    Raises:
        NothingToReplaceError: the village has neither an enrolled PC nor an unused enrolment.
    """
    active, earlier = _to_replace(session, village_code)
    ids = {p.installation_id for p in active}
    peers = [p.retire() if p.installation_id in ids else p for p in trust_store.load_peers(session)]
    trust_store.save_peers(session, peers)
    retired = [p for p in peers if p.installation_id in ids]
    for peer in retired:
        counters(session, peer)
    kept = [p for p in trust_store.load_pending_enrolments(session)
            if not (p.village_code == village_code and p.used_at is None)]
    settings_store.set_value(session, trust_store.PENDING_KEY, [p.to_json_obj() for p in kept])
    replaces = tuple(dict.fromkeys([*earlier, *sorted(ids)]))
    return retired, replaces


def create_replacement_enrolment_file(site: SyncSite, *, village_code: str, village_name: str, out: Path,
                                      code: str | None = None, valid_for: dt.timedelta = DEFAULT_VALIDITY,
                                      now: dt.datetime | None = None) -> ReplacementEnrolment:
    """Re-enrol a village whose PC was replaced (township): retire the old PC's keys, withdraw the
    village's unused enrolment files, and write a new enrolment file marked as a replacement.

    ``out`` is a directory (file ``enrol-<village code>.cbe``) or a file path; the file is written
    atomically and verified before anything is retired, and sealed with ``code`` when given.

    Raises:
        CarebookError: this installation is a village.
        NothingToReplaceError: the village was never enrolled here.
        FileWriteError subclasses: the file could not be written (nothing was retired).
    """
    inst = site.installation()
    if inst.role is Role.VILLAGE:
        raise CarebookError("只有乡镇（街道）督导员可以制作登记文件", "only a township can enrol villages")
    with site.register.reading() as session:
        _to_replace(session, village_code)
    enrolment = dc_replace(create_enrolment(site.keys(), township_code=inst.org_code, township_name=inst.org_name,
                                            village_code=village_code, village_name=village_name,
                                            valid_for=valid_for, now=now), replacement=True)
    directory, name = (out, f"enrol-{village_code}.cbe") if out.is_dir() else (out.parent, out.name)
    written = write_files_atomically(directory, [(name, encode_enrolment(enrolment, code))])
    with site.register.sessions() as session, session.begin():
        retired, replaces = retire_village(session, village_code)
        trust_store.save_pending_enrolment(session, dc_replace(enrolment.pending(), replaces=replaces))
    return ReplacementEnrolment(enrolment, Path(written[0]), retired)


def is_replacement(session: Session, peer: Peer) -> bool:
    """True when ``peer`` was enrolled with a replacement enrolment (it replaced a PC)."""
    return any(p.enrolment_id == peer.enrolment_id and p.replaces
               for p in trust_store.load_pending_enrolments(session))


def count_children(session: Session) -> int:
    """Children's files in this register (what a village got back from a restore bundle)."""
    return int(session.scalar(select(func.count()).select_from(table_of(Child))) or 0)


# --------------------------------------------------------------------------- what bundles carry


def own_top(session: Session, origin: str) -> tuple[int, str] | None:
    """``(origin_seq, hlc)`` of the newest change of ``origin`` in this log, or None."""
    top = session.scalar(select(func.max(_LOG.c.origin_seq)).where(_LOG.c.origin == origin))
    if top is None:
        return None
    hlc = session.scalar(select(_LOG.c.hlc).where(_LOG.c.origin == origin, _LOG.c.origin_seq == top))
    return int(top), str(hlc)


def _resend(session: Session) -> dict[str, int]:
    value = settings_store.get_value(session, RESEND_KEY, {})
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def note_resend(session: Session, peer_id: str, after: int) -> None:
    """Township: send ``peer_id`` its own changes after ``after`` until it has them (the lowest
    of the requests stands)."""
    notes = _resend(session)
    notes[peer_id] = min(after, notes.get(peer_id, after))
    settings_store.set_value(session, RESEND_KEY, notes)


def clear_resend(session: Session, peer_id: str) -> None:
    """Township: the village has its own changes back; stop sending them."""
    notes = _resend(session)
    if notes.pop(peer_id, None) is not None:
        settings_store.set_value(session, RESEND_KEY, notes)


def return_extras(session: Session, peer: Peer, acked_to: int) -> tuple[dict[str, Any], list[Change]]:
    """Township → village: what the ``acks`` carry besides ``received_to`` (``own_seq``,
    ``own_hlc``; ``resend_after`` while a resend is noted; ``restore`` for a replacement PC that
    has acknowledged nothing yet) and the village's own changes to send back (log order)."""
    acks: dict[str, Any] = {}
    top = own_top(session, peer.installation_id)
    extra: list[Change] = []
    if top is not None:
        acks["own_seq"], acks["own_hlc"] = top
        after = _resend(session).get(peer.installation_id)
        if after is not None and top[0] > after:
            acks["resend_after"] = after
            rows = session.execute(select(*_LOG_COLUMNS).where(
                _LOG.c.origin == peer.installation_id, _LOG.c.origin_seq > after).order_by(_LOG.c.seq))
            extra = [change_from_row(r) for r in rows]
    if acked_to == 0 and is_replacement(session, peer):
        acks["restore"] = True
    return acks, extra


def claim_acks(session: Session, me: str) -> dict[str, Any]:
    """Village → township: this PC's newest own change (``own_seq``, ``own_hlc``) and, while it
    lacks own changes the township holds, ``resend_own_after``."""
    acks: dict[str, Any] = {}
    top = own_top(session, me)
    if top is not None:
        acks["own_seq"], acks["own_hlc"] = top
    behind = settings_store.get_value(session, BEHIND_KEY)
    if isinstance(behind, dict) and isinstance(behind.get("after"), int):
        acks["resend_own_after"] = behind["after"]
    return acks


# --------------------------------------------------------------------------- township import


def _stamps(session: Session, origin: str, seqs: Sequence[int]) -> dict[int, str]:
    """``{origin_seq: hlc}`` of the changes of ``origin`` numbered ``seqs`` held here: one range
    read on the unique index (a bundle's numbers are mostly consecutive, and mostly new)."""
    wanted = set(seqs)
    if not wanted:
        return {}
    return {seq: hlc for seq, hlc in logged_stamps(session, origin, min(wanted), max(wanted)) if seq in wanted}


def first_reused(session: Session, changes: Sequence[Change], origin: str) -> int | None:
    """The lowest sequence number of ``origin`` among ``changes`` that this log holds with
    another stamp (a different change under the same number), or None."""
    mine = {c.origin_seq: c.hlc for c in changes if c.origin == origin}
    if not mine:
        return None
    here = _stamps(session, origin, list(mine))
    clashes = [seq for seq, hlc in here.items() if mine[seq] != hlc]
    return min(clashes) if clashes else None


def settle_claims(session: Session, sender_id: str, acks: Mapping[str, Any]) -> None:
    """Township, after importing a village bundle: note the village's request for its own
    changes, or clear the note once its claim shows it has them (and more)."""
    after = acks.get("resend_own_after")
    if isinstance(after, int) and not isinstance(after, bool) and after >= 0:
        note_resend(session, sender_id, after)
        return
    seq, hlc = acks.get("own_seq"), acks.get("own_hlc")
    if not isinstance(seq, int) or not isinstance(hlc, str) or sender_id not in _resend(session):
        return
    top = own_top(session, sender_id)
    if top is not None and seq >= top[0] and _stamps(session, sender_id, [seq]).get(seq) == hlc:
        clear_resend(session, sender_id)


# --------------------------------------------------------------------------- village import


@dataclass
class OwnRepair:
    """本机变更的修复: what importing a township bundle did to this village's own changes after a
    restore from an older backup: own changes the township holds that this PC still lacks
    (``missing``, a lower bound: changes made after the restore may have taken their numbers), lost ones taken back (``recovered``), changes made after the restore given new
    numbers (``renumbered``), log rows moved to new positions (``moved``), and whether this PC
    still differs from the township (``behind``: a further exchange is needed)."""

    missing: int = 0
    recovered: int = 0
    renumbered: int = 0
    moved: int = 0
    behind: bool = False


def repair_before_apply(session: Session, me: str, acks: Mapping[str, Any], changes: Sequence[Change],
                        row: SyncPeer) -> OwnRepair:
    """Village, importing a township bundle, before its changes are applied (same transaction):
    detect a restore from an older backup and repair the own numbers and positions (see the
    module docstring). ``row`` is the township's counters row (``acked_to`` may be raised)."""
    rep = OwnRepair()
    top_seq, top_hlc = acks.get("own_seq"), acks.get("own_hlc")
    received_to = acks.get("received_to")
    received_to = received_to if isinstance(received_to, int) and not isinstance(received_to, bool) else 0
    diverged = False
    if isinstance(top_seq, int) and isinstance(top_hlc, str) and top_seq > 0:
        diverged = _stamps(session, me, [top_seq]).get(top_seq) != top_hlc
    resent = [c for c in changes if c.origin == me]
    here = _stamps(session, me, [c.origin_seq for c in resent]) if resent else {}
    clashes = [c.origin_seq for c in resent if c.origin_seq in here and here[c.origin_seq] != c.hlc]
    last = int(session.scalar(select(func.max(_LOG.c.seq))) or 0)
    if not (diverged or clashes or received_to > last):
        return rep
    acked_before = row.acked_to
    if diverged:
        behind = settings_store.get_value(session, BEHIND_KEY)
        known = int(session.scalar(select(func.max(_LOG.c.origin_seq)).where(
            _LOG.c.origin == me, _LOG.c.seq <= acked_before)) or 0)
        if isinstance(behind, dict) and isinstance(behind.get("after"), int):
            known = min(known, behind["after"])
        settings_store.set_value(session, BEHIND_KEY, {"own_seq": top_seq, "own_hlc": top_hlc, "after": known})
    if clashes:
        base = max([top_seq if isinstance(top_seq, int) else 0, *(c.origin_seq for c in resent)])
        rep.renumbered = _renumber_own(session, me, min(clashes), base)
    if received_to > acked_before:
        rep.moved = _shift_positions(session, acked_before, received_to - acked_before)
        row.acked_to = received_to
    counter = int(settings_store.get_value(session, SEQ_KEY, 0))
    newest = int(session.scalar(select(func.max(_LOG.c.origin_seq)).where(_LOG.c.origin == me)) or 0)
    settings_store.set_value(session, SEQ_KEY, max(counter, newest, top_seq if isinstance(top_seq, int) else 0))
    have = _stamps(session, me, [c.origin_seq for c in resent]) if resent else {}
    rep.recovered = sum(1 for c in resent if c.origin_seq not in have)
    return rep


def settle_after_apply(session: Session, me: str, acks: Mapping[str, Any], changes: Sequence[Change],
                       rep: OwnRepair) -> None:
    """Village, after the township's changes were applied: keep the (empty) contexts of own
    changes taken back, so they keep what they had seen; clear the restore note once this PC
    holds the township's newest own change; count what is still missing."""
    resent = [c for c in changes if c.origin == me and not c.ctx]
    if resent:
        stored = {s for s, in session.execute(select(_CTX.c.origin_seq).where(_CTX.c.origin == me))}
        rows = [{"origin": me, "origin_seq": c.origin_seq, "context": "{}"}
                for c in resent if c.origin_seq not in stored]
        if rows:
            session.execute(_CTX.insert(), rows)
    behind = settings_store.get_value(session, BEHIND_KEY)
    if not isinstance(behind, dict):
        return
    seq, hlc = behind.get("own_seq"), behind.get("own_hlc")
    if isinstance(seq, int) and _stamps(session, me, [seq]).get(seq) == hlc:
        settings_store.set_value(session, BEHIND_KEY, None)
        return
    rep.behind = True
    if isinstance(seq, int):
        have = int(session.scalar(select(func.count()).select_from(_LOG).where(
            _LOG.c.origin == me, _LOG.c.origin_seq <= seq)) or 0)
        rep.missing = max(0, seq - have)


def _renumber_own(session: Session, me: str, first: int, base: int) -> int:
    """Give own changes numbered ``first`` and above new numbers ``base + 1, …`` in log order
    (two steps through negative numbers so the unique index never sees a duplicate)."""
    rows = session.execute(select(_LOG.c.seq).where(_LOG.c.origin == me, _LOG.c.origin_seq >= first)
                           .order_by(_LOG.c.seq)).scalars().all()
    if not rows:
        return 0
    stmt = update(_LOG).where(_LOG.c.seq == bindparam("pos")).values(origin_seq=bindparam("to"))
    session.execute(stmt, [{"pos": pos, "to": -(i + 1)} for i, pos in enumerate(rows)])
    session.execute(stmt, [{"pos": pos, "to": base + i + 1} for i, pos in enumerate(rows)])
    return len(rows)


def _shift_positions(session: Session, after: int, delta: int) -> int:
    """Move every log row after position ``after`` up by ``delta`` (order kept), so that positions
    the peer acknowledged before a restore are not reused. Returns the rows moved."""
    moved = int(session.scalar(select(func.count()).select_from(_LOG).where(_LOG.c.seq > after)) or 0)
    if moved and delta > 0:
        session.execute(update(_LOG).where(_LOG.c.seq > after).values(seq=-_LOG.c.seq))
        session.execute(update(_LOG).where(_LOG.c.seq < 0).values(seq=-_LOG.c.seq + delta))
    top = int(session.scalar(select(func.max(_LOG.c.seq))) or 0)
    if 0 < top < after + delta:  # nothing after ``after``: the last (acknowledged) row goes up, so
        # the next change gets a position past the acknowledged ones
        session.execute(update(_LOG).where(_LOG.c.seq == top).values(seq=after + delta))
    return moved

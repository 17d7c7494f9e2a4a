"""Use cases of the entrustment-guardianship confirmation (委托监护确认书).

Lifecycle (DOMAIN.md, issue 4): *drafted* → *printed* → *signed* (date, signatories, scan
attached and hashed); a signed confirmation is *expiring* from ``entrustment_expiring_days``
(30) before the end of its period and *expired* after it; *renewed* when a new confirmation
replaces it; *cancelled* when withdrawn. Expiring and expired are not stored: they follow from
the date (:func:`effective_status`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from carebook.model.base import utc_now
from carebook.model.children import Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.enums import EntrustmentReason, EntrustmentStatus, ParentStatus, Relation
from carebook.model.errors import NotFoundError, StateError, ValidationError
from carebook.model.installation import get_installation
from carebook.model.recording import WriteResult, changes_of
from carebook.model.services.children import find_child
from carebook.model.services.derived import members_of
from carebook.model.settings import RegisterSettings, load_settings
from carebook.model.validation import clean_date

_ACTIVE = (EntrustmentStatus.DRAFTED, EntrustmentStatus.PRINTED, EntrustmentStatus.SIGNED)


def effective_status(
    entrustment: Entrustment, today: dt.date, settings: RegisterSettings | None = None
) -> EntrustmentStatus:
    """The status a person sees: the stored one, except that a signed confirmation is
    *expiring* within ``entrustment_expiring_days`` of ``period_to`` and *expired* after it."""
    s = settings or RegisterSettings()
    if entrustment.status is EntrustmentStatus.SIGNED:
        if today > entrustment.period_to:
            return EntrustmentStatus.EXPIRED
        if (entrustment.period_to - today).days <= s.entrustment_expiring_days:
            return EntrustmentStatus.EXPIRING
    return entrustment.status


def get_entrustment(session: Session, ref: str) -> Entrustment:
    """An entrustment by record id or document number.

    Raises:
        NotFoundError: no such confirmation.
    """
    ent = session.get(Entrustment, ref) or session.scalar(select(Entrustment).where(Entrustment.document_no == ref))
    if ent is None:
        raise NotFoundError(f"找不到委托监护确认书“{ref}”", f"no entrustment confirmation '{ref}'")
    return ent


def new_document_no(org_code: str, on: dt.date) -> str:
    """A document number ``WT-<org code>-<YYYYMMDD>-<6 hex>`` (ASCII, unique in practice)."""
    return f"WT-{org_code}-{on:%Y%m%d}-{secrets.token_hex(3).upper()}"


_CANNOT_CARE = frozenset({
    ParentStatus.SERIOUSLY_ILL, ParentStatus.SEVERELY_DISABLED, ParentStatus.IN_PRISON,
    ParentStatus.IN_DRUG_REHAB, ParentStatus.DEPRIVED_OF_LIBERTY, ParentStatus.MISSING,
    ParentStatus.DECEASED, ParentStatus.DECLARED_MISSING_OR_DEAD, ParentStatus.GUARDIANSHIP_REVOKED,
    ParentStatus.DEPORTED,
})


def reason_from_facts(members: Sequence[FamilyMember]) -> EntrustmentReason | None:
    """The 委托事由 the parents' recorded situation gives, or None when it gives none.

    Both working away: 父母双方外出务工; one away and the other unable to care (ill, disabled,
    detained, missing, dead, …): 一方外出务工、另一方无监护能力; both unable: 父母双方均无监护
    能力. A parent at home, of unknown situation, or not recorded at all gives no reason: the
    form is then printed with every reason box empty, for the director to tick by hand, rather
    than with a guess (a confirmation is signed: what it states must be true).
    """
    status: dict[Relation, ParentStatus | None] = {}
    for m in members:
        if m.relation in (Relation.FATHER, Relation.MOTHER) and not m.is_entrusted_guardian:
            status.setdefault(m.relation, m.status)
    father, mother = status.get(Relation.FATHER), status.get(Relation.MOTHER)
    away = [p is ParentStatus.WORKING_AWAY for p in (father, mother)]
    cannot = [p in _CANNOT_CARE for p in (father, mother)]
    if all(away):
        return EntrustmentReason.BOTH_AWAY
    if (away[0] and cannot[1]) or (away[1] and cannot[0]):
        return EntrustmentReason.ONE_AWAY_OTHER_INCAPABLE
    if all(cannot):
        return EntrustmentReason.BOTH_INCAPABLE
    return None



def draft_entrustment(
    session: Session, child_ref: str, *, period_from: dt.date | str | None = None,
    period_to: dt.date | str | None = None, reason: EntrustmentReason | str | None = None,
    guardian_id: str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Draft a confirmation for a child: the entrusted guardian (default: the child's),
    the parents who are away, the reason (from the parents' recorded situation when not given,
    :func:`reason_from_facts`) and the period (default: today for one year).

    Raises:
        NotFoundError: no such child.
        StateError: the child's file is closed.
        ValidationError: no entrusted guardian recorded, the period ends before it starts, or
            no reason was given and the parents' situation gives none.
    """
    today = today or dt.date.today()
    child = find_child(session, child_ref)
    if child.closed_reason is not None:
        raise StateError(f"“{child.name}”的档案已销档", f"{child.name}'s file is closed")
    members = members_of(session, child.id)
    guardian = next((m for m in members if (m.id == guardian_id if guardian_id else m.is_entrusted_guardian)), None)
    if guardian is None or not guardian.name:
        raise ValidationError.single(
            "guardian.name", "请先在档案中填写受委托监护人", "record the entrusted guardian in the file first")
    start = clean_date(period_from, "period_from", today=today, allow_future=True,
                       label_zh="委托起始日期", label_en="start of period") or today
    end = clean_date(period_to, "period_to", today=today, allow_future=True,
                     label_zh="委托截止日期", label_en="end of period")
    if end is None:
        try:
            end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        except ValueError:  # 29 February
            end = start.replace(year=start.year + 1, day=28)
    if end <= start:
        raise ValidationError.single("period_to", "委托截止日期应晚于起始日期", "the period must end after it starts")
    parents = [m.id for m in members if not m.is_entrusted_guardian and m.relation.is_parent and m.name]
    chosen = EntrustmentReason.parse(reason, "reason") if reason else reason_from_facts(members)
    if chosen is None:
        raise ValidationError.single(
            "reason",
            "父母的情况（在家、情况不详或没有登记）不构成委托监护的事由：请先在档案里登记父母外出务工或无监护能力的情况，"
            "或明确选择委托事由",
            "the parents' recorded situation (at home, unknown or not recorded) gives no reason for an entrustment: "
            "record that they work away or cannot care for the child first, or choose the reason",
        )
    ent = Entrustment(child_id=child.id, document_no=new_document_no(get_installation(session).org_code, today),
                      reason=chosen, guardian_id=guardian.id, parent_ids=parents, period_from=start, period_to=end)
    session.add(ent)
    session.flush()
    return WriteResult(ent.id, changes_of(session))


def mark_printed(session: Session, ref: str, *, printed_at: dt.datetime | None = None) -> WriteResult:
    """Record that the confirmation was printed (a drafted one becomes *printed*; printing
    again keeps the status and updates the time).

    Args:
        printed_at: when it was printed (timezone-aware; default now), for a confirmation
            printed before it was recorded (the demo's history, tests).

    Raises:
        NotFoundError: no such confirmation.
        StateError: it was cancelled or renewed.
    """
    ent = get_entrustment(session, ref)
    if ent.status not in _ACTIVE:
        raise StateError("这份确认书已作废或已续签，不能再打印", "this confirmation was cancelled or renewed")
    ent.printed_at = printed_at.astimezone(dt.UTC) if printed_at is not None else utc_now()
    if ent.status is EntrustmentStatus.DRAFTED:
        ent.status = EntrustmentStatus.PRINTED
    session.flush()
    return WriteResult(ent.id, changes_of(session))


def printed_date(ent: Entrustment) -> dt.date | None:
    """The day (this PC's local date) the confirmation was last printed, or ``None``."""
    return ent.printed_at.astimezone().date() if ent.printed_at is not None else None


def mark_signed(
    session: Session, ref: str, *, signed_on: dt.date | str, signatories: list[str],
    scan_attachment_id: str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Record the wet signatures: the date, who signed, and optionally the attached scan
    (an :class:`~carebook.model.attachments.Attachment` id; its SHA-256 is in the attachment).

    The paper is signed after it is printed: a date before the day it was printed (local date
    of ``printed_at``) is refused, as is a date in the future.

    Raises:
        NotFoundError: no such confirmation.
        StateError: not printed yet, or cancelled/renewed.
        ValidationError: no date, a date in the future or before the printing date, or nobody
            signed.
    """
    today = today or dt.date.today()
    ent = get_entrustment(session, ref)
    if ent.status in (EntrustmentStatus.RENEWED, EntrustmentStatus.CANCELLED):  # (QA: said "print it first")
        raise StateError(
            f"确认书 {ent.document_no} {ent.status.zh}，不能再登记签字；请为取代它的确认书登记",
            f"confirmation {ent.document_no} was {ent.status.en}: record the signatures of the one that replaced it")
    if ent.status not in (EntrustmentStatus.PRINTED, EntrustmentStatus.SIGNED):
        raise StateError("请先打印确认书，签字后再登记", "print the confirmation before recording signatures")
    on = clean_date(signed_on, "signed_on", today=today, label_zh="签订日期", label_en="date signed")
    if on is None:
        raise ValidationError.single("signed_on", "请填写签订日期", "the date signed is required")
    printed_on = printed_date(ent)
    if printed_on is not None and ent.status is EntrustmentStatus.SIGNED and ent.signed_on is not None:
        printed_on = min(printed_on, ent.signed_on)  # a copy printed after signing: the first print counts
    if printed_on is not None and on < printed_on:
        raise ValidationError.single(
            "signed_on",
            f"签订日期{on}早于确认书的打印日期{printed_on}：确认书打印后才能签字，请填写实际签字的日期",
            f"the date signed {on} is before the confirmation was printed ({printed_on}): it is signed "
            "after printing, give the day it was actually signed",
        )
    names = [n.strip() for n in signatories if n and n.strip()]
    if not names:
        raise ValidationError.single("signatories", "请填写签字人", "who signed is required")
    ent.status = EntrustmentStatus.SIGNED
    ent.signed_on = on
    ent.signatories = names
    if scan_attachment_id:
        ent.scan_attachment_id = scan_attachment_id
    session.flush()
    return WriteResult(ent.id, changes_of(session))


def renew_entrustment(
    session: Session, ref: str, *, period_from: dt.date | str | None = None,
    period_to: dt.date | str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Draft a new confirmation that renews ``ref``; the old one becomes *renewed*.

    Raises:
        NotFoundError: no such confirmation.
        StateError: it was cancelled or already renewed.
    """
    today = today or dt.date.today()
    old = get_entrustment(session, ref)
    if old.status not in _ACTIVE:
        raise StateError("这份确认书已作废或已续签", "this confirmation was cancelled or already renewed")
    start = period_from or max(today, old.period_to + dt.timedelta(days=1))
    result = draft_entrustment(session, old.child_id, period_from=start, period_to=period_to,
                               reason=old.reason, guardian_id=old.guardian_id, today=today)
    _replaced(session, old, str(result.record_id))
    return WriteResult(result.record_id, changes_of(session))


def _replaced(session: Session, old: Entrustment, new_id: str) -> None:
    """``old`` becomes *renewed*, replaced by the confirmation ``new_id`` (which points at it)."""
    new = session.get(Entrustment, new_id)
    assert new is not None
    new.renews_id = old.id
    old.status = EntrustmentStatus.RENEWED
    session.flush()


def replace_entrustment(
    session: Session, child_ref: str, *, period_from: dt.date | str | None = None,
    period_to: dt.date | str | None = None, today: dt.date | None = None,
) -> WriteResult:
    """Draft a new confirmation from the child's file as it is now — its entrusted guardian,
    the parents and the reason their situation gives (:func:`draft_entrustment`), from
    ``period_from`` (default today) — replacing the child's latest confirmation still in force,
    which becomes *renewed* (已续签) and points the new one at it. For a guardianship that
    changed during the period (another guardian, a parent back home): a signed confirmation is
    never reprinted with other contents (:class:`SignedEntrustmentChangedError`).

    Raises:
        NotFoundError: no such child; StateError: the file is closed;
        ValidationError: as :func:`draft_entrustment` (nothing is changed then).
    """
    today = today or dt.date.today()
    child = find_child(session, child_ref)
    old = session.scalars(
        select(Entrustment)
        .where(Entrustment.child_id == child.id, Entrustment.status.in_(_ACTIVE))
        .order_by(Entrustment.period_from.desc(), Entrustment.created_at.desc())
    ).first()
    result = draft_entrustment(session, child.id, period_from=period_from, period_to=period_to, today=today)
    if old is not None:
        _replaced(session, old, str(result.record_id))
    return WriteResult(result.record_id, changes_of(session))


def cancel_entrustment(session: Session, ref: str, *, note: str | None = None) -> WriteResult:
    """Withdraw a confirmation (e.g. the parents came home).

    Raises:
        NotFoundError: no such confirmation.
        StateError: already cancelled or renewed.
    """
    ent = get_entrustment(session, ref)
    if ent.status not in _ACTIVE:
        raise StateError("这份确认书已作废或已续签", "this confirmation was cancelled or already renewed")
    ent.status = EntrustmentStatus.CANCELLED
    if note:
        ent.notes = note
    session.flush()
    return WriteResult(ent.id, changes_of(session))


@dataclass(frozen=True)
class EntrustmentRow:
    """One confirmation as listed: child, guardian, period, stored and effective status."""

    id: str
    document_no: str
    child_id: str
    child_name: str
    guardian_name: str | None
    reason: str
    period_from: dt.date
    period_to: dt.date
    status: str
    effective_status: str
    signed_on: dt.date | None
    version: int


@dataclass(frozen=True)
class EntrustmentOverview:
    """What the register lists for entrustments: children whose parents are away with no
    signed (or expiring) confirmation, and confirmations expiring or expired."""

    missing: list[tuple[str, str]]
    expiring: list[EntrustmentRow]
    expired: list[EntrustmentRow]
    all_rows: list[EntrustmentRow]


def entrustment_rows(session: Session, *, today: dt.date | None = None, child_id: str | None = None) -> list[EntrustmentRow]:
    """Every confirmation (optionally of one child), newest period first; the guardian named as
    printed on it (:func:`guardian_names_as_printed`)."""
    today = today or dt.date.today()
    settings = load_settings(session)
    stmt = (select(Entrustment, Child.name, FamilyMember.name)
            .join(Child, Child.id == Entrustment.child_id)
            .outerjoin(FamilyMember, FamilyMember.id == Entrustment.guardian_id)
            .order_by(Entrustment.period_to.desc()))
    if child_id:
        stmt = stmt.where(Entrustment.child_id == child_id)
    found: list[tuple[Entrustment, str, str | None]] = [(e, c, g) for e, c, g in session.execute(stmt)]
    printed = guardian_names_as_printed(session, [r[0] for r in found])
    return [
        EntrustmentRow(
            id=e.id, document_no=e.document_no, child_id=e.child_id, child_name=cname,
            guardian_name=printed.get(e.id, gname),
            reason=e.reason.code, period_from=e.period_from, period_to=e.period_to, status=e.status.code,
            effective_status=effective_status(e, today, settings).code, signed_on=e.signed_on, version=e.version,
        )
        for e, cname, gname in found
    ]


def guardian_names_as_printed(session: Session, entrustments: Sequence[Entrustment]) -> dict[str, str | None]:
    """``{confirmation id: the guardian's name as printed on it}`` for the printed ones (printed,
    signed, renewed …) whose guardian record was renamed after the printing: the name before the
    first such change, from the change log (QA: a renewed confirmation was listed with the new
    guardian's name, the same as its replacement). Confirmations not listed keep the current name."""
    from carebook.model.changelog import ChangeLogEntry
    from carebook.model.jsonvalues import loads

    printed = [e for e in entrustments if e.printed_at is not None and e.guardian_id]
    ids = sorted({str(e.guardian_id) for e in printed})
    renames: dict[str, list[tuple[dt.datetime, str | None]]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ChangeLogEntry.record_id, ChangeLogEntry.at_utc, ChangeLogEntry.old_value)
            .where(ChangeLogEntry.entity == "family_member", ChangeLogEntry.field == "name",
                   ChangeLogEntry.op == "update", ChangeLogEntry.record_id.in_(ids[start:start + 500]))
            .order_by(ChangeLogEntry.at_utc))
        for rid, at, old in rows:
            renames.setdefault(rid, []).append((at, old))
    out: dict[str, str | None] = {}
    for e in printed:
        assert e.printed_at is not None
        later = [old for at, old in renames.get(str(e.guardian_id), []) if at > e.printed_at]
        if later:
            value = loads(later[0])
            out[e.id] = str(value) if value is not None else None
    return out


def entrustment_overview(session: Session, *, today: dt.date | None = None) -> EntrustmentOverview:
    """The entrustment lists of the register (see :class:`EntrustmentOverview`).

    A confirmation is needed where the parents' absence leaves the child without a guardian at
    home: both parents away, or one away and the other without guardianship capacity (Minors
    Protection Law 2020 art. 22; DOMAIN.md) — exactly the left-behind category, so *missing*
    lists open files in that category with no signed (or expiring) confirmation."""
    today = today or dt.date.today()
    rows = entrustment_rows(session, today=today)
    covered = {r.child_id for r in rows if r.effective_status in ("signed", "expiring")}
    away_children = session.execute(
        select(Child.id, Child.name)
        .where(Child.closed_reason.is_(None), cast(Child.categories, String).like('%"left_behind"%'))
        .order_by(Child.search_initials)
    ).all()
    missing = [(cid, name) for cid, name in away_children if cid not in covered]
    latest: dict[str, EntrustmentRow] = {}
    for r in rows:
        if r.status in ("signed",) and r.child_id not in latest:
            latest[r.child_id] = r
    return EntrustmentOverview(
        missing=missing,
        expiring=[r for r in latest.values() if r.effective_status == "expiring"],
        expired=[r for r in latest.values() if r.effective_status == "expired" and r.child_id not in covered],
        all_rows=rows,
    )


# --------------------------------------------------------------------------- reprinting a signed one

#: What a printed confirmation shows, per table (``documents/from_model.py``: ``child_summary``,
#: ``person``, the period and reason): a change to one of these after printing makes a reprint
#: differ from the paper that was signed.
PRINTED_FIELDS: dict[str, frozenset[str]] = {
    "child": frozenset({"name", "sex", "date_of_birth", "id_number", "ethnic_group", "registered_address",
                        "current_address", "school_name", "school_grade", "schooling_stage", "village_id"}),
    "family_member": frozenset({"name", "relation", "id_number", "phone", "address", "work_place", "status",
                                "date_of_birth", "health", "is_entrusted_guardian"}),
    "entrustment": frozenset({"period_from", "period_to", "guardian_id", "parent_ids", "reason"}),
}


class NoEntrustmentError(NotFoundError):
    """尚无确认书: the child has no confirmation (not cancelled) to print: draft one first."""

    def __init__(self, child_name: str) -> None:
        super().__init__(
            f"“{child_name}”还没有委托监护确认书，请先起草（在打印窗口选择起草，或 carebook form entrustment --draft）",
            f"{child_name} has no entrustment confirmation yet: draft one first (in the print window, "
            "or carebook form entrustment --draft)",
        )


class SignedEntrustmentChangedError(StateError):
    """确认书内容已变: a signed (or printed, ``signed=False``) confirmation cannot be printed again
    under its number, because what it prints changed after it was printed (``changed``: what, in
    the user's words). Printing it would give a paper that differs from the one signed (or handed
    out for signing)."""

    def __init__(self, document_no: str, printed_on: dt.date | None, changed: list[tuple[str, str]],
                 *, signed: bool = True) -> None:
        self.document_no = document_no
        self.changed = changed
        zh = "、".join(dict.fromkeys(z for z, _e in changed))
        en = ", ".join(dict.fromkeys(e for _z, e in changed))
        when_zh = f"（{printed_on.isoformat()} 打印）" if printed_on else ""
        when_en = f" (printed {printed_on.isoformat()})" if printed_on else ""
        if not signed:  # printed, not signed yet: the paper out there may still be signed
            super().__init__(
                f"委托监护确认书 {document_no} 已打印{when_zh}、还没有登记签字，但之后档案里的{zh}有修改：按原编号"
                "重印会有两份编号相同、内容不同的确认书，所以没有打印。请起草一份新的确认书（旧的会标为已续签），"
                "并把已打印的旧纸张作废。",
                f"Confirmation {document_no} was printed{when_en} and not yet signed, but {en} changed in the "
                "file since: a reprint under its number would make two different papers with one number, so "
                "nothing was printed. Draft a new confirmation (the old one is marked renewed) and void the "
                "old paper.",
            )
            return
        super().__init__(
            f"委托监护确认书 {document_no} 已签订{when_zh}，但之后档案里的{zh}有修改：按原编号重印的内容会与"
            "已签字的原件不一致，所以没有打印。原件的扫描件在儿童档案的“附件”里；如果监护情况确有变化，"
            "请起草一份新的确认书，请各方重新签字。",
            f"Confirmation {document_no} was signed{when_en}, but {en} changed in the file since: a reprint "
            "under its number would differ from the signed original, so nothing was printed. The scan of "
            "the original is in the child's Attachments; if the guardianship has changed, draft a new "
            "confirmation and have it signed again.",
        )


class EntrustmentExpiredError(StateError):
    """确认书已过期: the confirmation's period has ended; printing it again would hand out a paper
    no longer in force (QA: expired ones were reprinted silently). Draft a renewal."""

    def __init__(self, document_no: str, period_to: dt.date) -> None:
        self.document_no = document_no
        super().__init__(
            f"委托监护确认书 {document_no} 已于 {period_to.isoformat()} 到期，没有打印。请起草一份新的确认书"
            "（续签，旧的会标为已续签）。原件的扫描件在儿童档案的“附件”里。",
            f"Confirmation {document_no} ended on {period_to.isoformat()}; nothing was printed. Draft a new "
            "confirmation (a renewal; the old one is marked renewed). The scan of the original is in the "
            "child's Attachments.",
        )


def _printed_baseline(session: Session, ent: Entrustment) -> dt.datetime | None:
    """When the signed content was fixed: its last printing, else when it was recorded signed."""
    from carebook.model.changelog import ChangeLogEntry

    if ent.printed_at is not None:
        return ent.printed_at
    return session.scalar(
        select(ChangeLogEntry.at_utc)
        .where(ChangeLogEntry.entity == "entrustment", ChangeLogEntry.record_id == ent.id,
               ChangeLogEntry.field == "status", ChangeLogEntry.new_value == '"signed"')
        .order_by(ChangeLogEntry.at_utc)
    )


def changed_since_signing(session: Session, ent: Entrustment, guardian: FamilyMember | None,
                          parents: Sequence[FamilyMember]) -> list[tuple[str, str]]:
    """For a printed or signed confirmation: what it prints that was changed (change log) after
    it was printed — the child's identity block, the guardian's and the parents' details, its period
    and guardian — as ``(Chinese, English)`` labels, e.g. ``("受委托监护人姓名", "guardian name")``;
    empty when nothing changed, or the confirmation is only drafted (a draft prints the file as it
    is). The guardian printed is the
    one recorded at drafting (``guardian_id``): a guardian record deleted since counts as changed.
    """
    from carebook.model.changelog import ChangeLogEntry
    from carebook.model.child_fields import CHILD_FIELDS, MEMBER_FIELDS

    if ent.status not in (EntrustmentStatus.SIGNED, EntrustmentStatus.PRINTED):
        return []
    since = _printed_baseline(session, ent)
    if since is None:
        return []
    out: list[tuple[str, str]] = []
    if ent.guardian_id and (guardian is None or guardian.id != ent.guardian_id):
        out.append(("受委托监护人", "the entrusted guardian"))
    who: dict[tuple[str, str], tuple[str, str]] = {("child", ent.child_id): ("儿童", "the child's "),
                                                   ("entrustment", ent.id): ("确认书", "the confirmation's ")}
    if guardian is not None:
        who[("family_member", guardian.id)] = ("受委托监护人", "the guardian's ")
    for p in parents:
        rel = p.relation
        who.setdefault(("family_member", p.id), (rel.zh if rel else "父母", f"the {rel.en if rel else 'parent'}'s "))
    rows = session.execute(
        select(ChangeLogEntry.entity, ChangeLogEntry.record_id, ChangeLogEntry.field, ChangeLogEntry.op)
        .where(ChangeLogEntry.record_id.in_([rid for _e, rid in who]), ChangeLogEntry.at_utc > since)
        .order_by(ChangeLogEntry.seq)
    )
    period = {"period_from": ("委托期限", "period"), "period_to": ("委托期限", "period"),
              "guardian_id": ("受委托监护人", "guardian"), "parent_ids": ("父母", "parents"),
              "reason": ("委托事由", "reason")}
    for entity, rid, fld, op in rows:
        if (entity, rid) not in who:
            continue
        prefix_zh, prefix_en = who[(entity, rid)]
        if op == "delete":
            out.append((prefix_zh, prefix_en.removesuffix("'s ")))
            continue
        if op != "update" or fld not in PRINTED_FIELDS.get(entity, frozenset()):
            continue
        if entity == "entrustment":
            out.append(period[fld])
            continue
        spec = CHILD_FIELDS.get(fld) if entity == "child" else MEMBER_FIELDS.get(fld)
        zh, en = (spec.zh, spec.en) if spec is not None else (fld, fld)
        out.append((f"{prefix_zh}{zh}", f"{prefix_en}{en}"))
    return list(dict.fromkeys(out))

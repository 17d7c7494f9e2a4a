"""Read queries over children: lists, filters, search, the whole file, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, false, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, aliased

from carebook.model.changelog import ChangeLogEntry
from carebook.model.child_fields import CHILD_FIELDS, MEMBER_FIELDS, MEMBER_ROLES
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.enums import Category, RiskColour
from carebook.model.idnumber import clean_id_number
from carebook.model.jsonvalues import loads, to_json_value
from carebook.model.organisation import OrgUnit
from carebook.model.pinyin import first_letters
from carebook.model.queries.rows import ChildDetail, ChildRow, HistoryEntry, MemberView, VisitView
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.services.children import find_child
from carebook.model.validation import age_on
from carebook.model.visits import Visit

#: The entrusted guardian joined to a child. Made once: building an alias costs ~20 ms per call
#: in SQLAlchemy 2.1, more than the query itself.
_GUARDIAN = aliased(FamilyMember, name="guardian")


SORT_KEYS = ("name", "age", "risk", "last_visit", "next_due", "village", "sex", "categories", "guardian", "status")


@dataclass(frozen=True)
class ChildFilter:
    """Filters of the register. ``None`` means "any".

    ``search`` matches the name (substring), pinyin initials or full pinyin (``zsy`` finds
    张思远), or the end of the ID number (three or more digits, optionally ending in X).
    ``closed``: False (default) open files only, True closed only, None both.
    """

    search: str | None = None
    category: str | None = None
    risk_colour: str | None = None
    key_child: bool | None = None
    overdue: bool | None = None
    closed: bool | None = False
    village_code: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_NEXT_ID_CHAR = {**{str(d): str(d + 1) for d in range(9)}, "9": "X"}


def _prefix_range(column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix`` (digits and X), as a range the column's index can seek
    (SQLite's case-insensitive ``LIKE 'p%'`` cannot use an index: a full scan at 100,000
    children). The upper bound increments the last character (0-8, 9 -> X, X carries), so it
    holds for byte order and for collations that put digits before letters."""
    upper = prefix
    while upper and upper[-1] not in _NEXT_ID_CHAR:
        upper = upper[:-1]
    if not upper:
        return column >= prefix
    return and_(column >= prefix, column < upper[:-1] + _NEXT_ID_CHAR[upper[-1]])


def _id_suffix(query: str) -> str | None:
    """The end of an ID number typed as a search (3+ digits, optionally ending in X), canonical."""
    digits = clean_id_number(query.strip())
    if len(digits) >= 3 and digits[:-1].isdigit() and (digits[-1].isdigit() or digits[-1] == "X"):
        return digits
    return None


def search_condition(query: str) -> Any:
    """The SQL condition of a register search (see :class:`ChildFilter`)."""
    q = query.strip()
    digits = _id_suffix(q)
    if digits is not None:
        return _prefix_range(Child.id_number_rev, digits[::-1])
    if q.isascii():
        return Child.search_initials.like("% " + _escape_like(q.lower().replace(" ", "")) + "%", escape="\\")
    # a name typed with spaces (白 秀, or a full-width space from a Chinese input method) is the
    # name without them: names are stored without spaces (QA: "白 秀" found nothing)
    return Child.name.like("%" + _escape_like("".join(q.split())) + "%", escape="\\")


def _categories_text() -> Any:
    # LIKE on the JSON text (a JSON column has no LIKE operator in SQLAlchemy 2.1).
    return cast(Child.categories, String)


#: The distinct first characters of the names in the register, one index seek each (the
#: covering index ``ix_child_name_search`` is ordered by name): a few hundred surnames.
_FIRST_CHARS = text(
    "WITH RECURSIVE firsts(ch) AS ("
    " SELECT (SELECT substr(name, 1, 1) FROM child WHERE name > '' ORDER BY name LIMIT 1)"
    " UNION ALL"
    " SELECT (SELECT substr(name, 1, 1) FROM child WHERE name >= char(unicode(ch) + 1) ORDER BY name LIMIT 1)"
    " FROM firsts WHERE ch IS NOT NULL AND unicode(ch) < 1114111)"
    " SELECT ch FROM firsts WHERE ch IS NOT NULL"
)

#: Above this many candidate first characters the whole index is scanned instead.
_MAX_FIRST_CHARS = 300


def _first_char_ranges(session: Session, q: str) -> Any:
    """A condition on ``child.name`` that every child matched by the pinyin search ``q``
    (lower-case, no spaces) satisfies: its name starts with a character that has a reading
    beginning with ``q[0]`` (or none: see :func:`carebook.model.pinyin.first_letters`), as
    index ranges on ``ix_child_name_search``; ``None`` when it would not narrow the scan.

    The exact test stays the ``instr`` on the search key; this only skips the names that cannot
    match (at 100,000 children a three-letter search then reads a fifth to a half of the index
    instead of all of it)."""
    letter = q[:1]
    if not ("a" <= letter <= "z"):
        return None
    firsts = [ch for (ch,) in session.execute(_FIRST_CHARS) if ch]
    candidates = []
    for ch in firsts:
        letters = first_letters(ch)
        if letters is None or letter in letters:
            candidates.append(ch)
    if len(candidates) == len(firsts) or len(candidates) > _MAX_FIRST_CHARS:
        return None
    if not candidates:
        return false()
    return or_(*[and_(Child.name >= ch, Child.name < _next_char(ch)) if ord(ch) < 0x10FFFF else Child.name >= ch
                 for ch in candidates])


def _next_char(ch: str) -> str:
    """The character after ``ch`` in code-point order that text can hold (skipping the
    surrogates): names starting with ``ch`` sort below it in SQLite's binary collation."""
    code = ord(ch) + 1
    return chr(0xE000 if 0xD800 <= code <= 0xDFFF else code)


def _searched(query: str, sqlite: bool, session: Session | None = None) -> Any:
    """The search condition; on SQLite a name or pinyin search first scans the covering index
    ``ix_child_name_search`` (name, search_initials) for row ids: a substring ``LIKE`` cannot
    seek, and scanning the index instead of the whole table is about 10x less to read and
    decrypt at 100,000 children. A pinyin search scans only the names whose first character can
    start a matching word (:func:`_first_char_ranges`)."""
    condition = search_condition(query)
    if not sqlite or _id_suffix(query) is not None:  # the ID suffix seeks its own index
        return condition
    q = query.strip()
    if q.isascii():  # same match as the LIKE (keys and query are lower case), a third cheaper
        key = q.lower().replace(" ", "")
        condition = func.instr(Child.search_initials, " " + key) > 0
        ranges = _first_char_ranges(session, key) if session is not None else None
        if ranges is not None:
            condition = and_(ranges, condition)
    return literal_column("child.rowid").in_(select(literal_column("rowid")).select_from(Child).where(condition))


def _filtered(stmt: Select[Any], flt: ChildFilter, today: dt.date, *, sqlite: bool = False,
              session: Session | None = None) -> Select[Any]:
    if flt.closed is True:
        stmt = stmt.where(Child.closed_reason.is_not(None))
    elif flt.closed is False:
        stmt = stmt.where(Child.closed_reason.is_(None))
    if flt.search and flt.search.strip():
        stmt = stmt.where(_searched(flt.search, sqlite, session))
    if flt.category:
        code = Category.parse(flt.category, "category").code
        stmt = stmt.where(_categories_text().like(f'%"{code}"%'))
    if flt.risk_colour:
        stmt = stmt.where(Child.risk_colour == RiskColour.parse(flt.risk_colour, "risk_colour"))
    if flt.key_child is not None:
        stmt = stmt.where(_categories_text().like('%"key_child"%') if flt.key_child
                          else _categories_text().not_like('%"key_child"%'))
    if flt.overdue is True:
        stmt = stmt.where(and_(Child.next_visit_due.is_not(None), Child.next_visit_due < today))
    elif flt.overdue is False:
        stmt = stmt.where(or_(Child.next_visit_due.is_(None), Child.next_visit_due >= today))
    if flt.village_code:
        stmt = stmt.where(Child.village_id.in_(select(OrgUnit.id).where(OrgUnit.code == flt.village_code)))
    return stmt


def child_ids(
    session: Session, flt: ChildFilter | None = None, *, sort: str = "name", descending: bool = False,
    today: dt.date | None = None,
) -> list[str]:
    """Ids of the children matching ``flt``, sorted by ``sort`` (one of :data:`SORT_KEYS`).

    Cheap enough for 100,000 children: one indexed query returning ids only; rows are fetched
    by :func:`child_rows` as the view needs them.
    """
    today = today or dt.date.today()
    flt = flt or ChildFilter()
    order: list[Any]
    if sort == "age":
        order = [Child.date_of_birth.asc() if descending else Child.date_of_birth.desc()]
    elif sort == "risk":  # red, yellow, blue, green (highest risk first), then not rated
        rank = case({RiskColour.RED.code: 0, RiskColour.YELLOW.code: 1, RiskColour.BLUE.code: 2,
                     RiskColour.GREEN.code: 3}, value=cast(Child.risk_colour, String), else_=4)
        order = [rank.desc() if descending else rank.asc(), Child.search_initials]
    elif sort == "last_visit":
        order = [Child.last_visit_date.desc() if descending else Child.last_visit_date.asc()]
    elif sort == "next_due":
        order = [Child.next_visit_due.desc() if descending else Child.next_visit_due.asc()]
    elif sort == "village":  # by division code, the children of one village together by name
        code = select(OrgUnit.code).where(OrgUnit.id == Child.village_id).scalar_subquery()
        order = [code.desc() if descending else code.asc(), Child.search_initials]
    elif sort in ("sex", "categories", "status"):  # the column's stored code(s), then the name
        column = {"sex": cast(Child.sex, String), "categories": cast(Child.categories, String),
                  "status": cast(Child.closed_reason, String)}[sort]
        order = [column.desc() if descending else column.asc(), Child.search_initials]
    elif sort == "guardian":  # the entrusted guardian's name (none last), then the child's
        guardian = (select(FamilyMember.name).where(FamilyMember.child_id == Child.id,
                                                    FamilyMember.is_entrusted_guardian.is_(True))
                    .limit(1).scalar_subquery())
        order = [guardian.is_(None), guardian.desc() if descending else guardian.asc(), Child.search_initials]
    else:
        order = [Child.search_initials.desc() if descending else Child.search_initials.asc()]
    sqlite = session.get_bind().dialect.name == "sqlite"
    stmt = _filtered(select(Child.id), flt, today, sqlite=sqlite, session=session).order_by(*order, Child.id)
    return list(session.scalars(stmt))


#: The columns of a register row (not whole :class:`Child` objects: loading 46 columns into ORM
#: objects was most of the time of a search with a few hundred hits at 100,000 children).
_ROW_COLUMNS = (Child.id, Child.name, Child.sex, Child.date_of_birth, Child.id_number, Child.categories,
                Child.risk_colour, Child.last_visit_date, Child.next_visit_due, Child.closed_reason)


def child_rows(session: Session, ids: list[str], *, today: dt.date | None = None) -> list[ChildRow]:
    """The register rows for ``ids``, in the order given (ids not found are skipped)."""
    if not ids:
        return []
    today = today or dt.date.today()
    guardian = _GUARDIAN
    rows: dict[str, ChildRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = (
            select(*_ROW_COLUMNS, OrgUnit.code, OrgUnit.name, guardian.name)
            .join(OrgUnit, OrgUnit.id == Child.village_id)
            .outerjoin(guardian, and_(guardian.child_id == Child.id, guardian.is_entrusted_guardian.is_(True)))
            .where(Child.id.in_(chunk))
        )
        for (child_id, name, sex, birth, number, categories, risk, last_visit, next_due, closed_reason,
             vcode, vname, gname) in session.execute(stmt):
            if child_id in rows:
                continue
            cats = tuple(categories or ())
            rows[child_id] = ChildRow(
                id=child_id, name=name, sex=sex.code, date_of_birth=birth,
                age=age_on(birth, today), id_number=number,
                village_code=vcode, village_name=vname, categories=cats,
                risk_colour=risk.code if risk else None,
                key_child="key_child" in cats, guardian_name=gname,
                last_visit_date=last_visit, next_visit_due=next_due,
                overdue=bool(closed_reason is None and next_due and next_due < today),
                closed=closed_reason is not None,
                closed_reason=closed_reason.code if closed_reason else None,
            )
    return [rows[i] for i in ids if i in rows]


def list_children(session: Session, flt: ChildFilter | None = None, *, sort: str = "name",
                  today: dt.date | None = None) -> list[ChildRow]:
    """The register rows matching ``flt`` (see :func:`child_ids`)."""
    return child_rows(session, child_ids(session, flt, sort=sort, today=today), today=today)


def _member_role(m: FamilyMember) -> str:
    if m.is_entrusted_guardian:
        return "guardian"
    for role, (_zh, _en, relation) in MEMBER_ROLES.items():
        if relation is m.relation:
            return role
    return "other"


def member_view(m: FamilyMember) -> MemberView:
    """A plain view of a family member."""
    return MemberView(
        id=m.id, role=_member_role(m), relation=m.relation.code, name=m.name, id_number=m.id_number,
        date_of_birth=m.date_of_birth, phone=m.phone, status=m.status.code if m.status else None,
        work_place=m.work_place, away_since=m.away_since, last_contact=m.last_contact, address=m.address,
        health=m.health, capable_of_care=m.capable_of_care, lives_with_child=m.lives_with_child, notes=m.notes,
    )


_VISIT_FIELDS = (
    "visit_time", "place", "visitor_name", "interviewee_name", "interviewee_relation", "last_parent_contact",
    "living_conditions", "family_situation", "guardianship_situation", "mental_state",
    "schooling_situation", "health_situation", "guardian_opinion", "actions", "suggested_help",
    "outcome", "mark_key_child",
)


def visit_view(v: Visit) -> VisitView:
    """A plain view of a visit (enum fields as codes)."""
    return VisitView(
        id=v.id, child_id=v.child_id, visit_date=v.visit_date, kind=v.kind.code, method=v.method.code,
        fields={k: (getattr(v, k).code if hasattr(getattr(v, k), "code") else getattr(v, k)) for k in _VISIT_FIELDS},
        next_visit_date=v.next_visit_date,
    )


def child_detail(session: Session, ref: str, *, today: dt.date | None = None) -> ChildDetail:
    """The whole file of one child (by record id or ID number).

    Raises:
        NotFoundError: no such child.
    """
    today = today or dt.date.today()
    child = find_child(session, ref)
    village = session.get(OrgUnit, child.village_id)
    fields: dict[str, Any] = {}
    for key in CHILD_FIELDS:
        value = getattr(child, key)
        fields[key] = value.code if hasattr(value, "code") else (list(value) if isinstance(value, list) else value)
    members = session.scalars(select(FamilyMember).where(FamilyMember.child_id == child.id)
                              .order_by(FamilyMember.relation, FamilyMember.id))
    visits = session.scalars(select(Visit).where(Visit.child_id == child.id)
                             .order_by(Visit.visit_date.desc(), Visit.created_at.desc()))
    return ChildDetail(
        id=child.id, village_code=village.code if village else "", village_name=village.name if village else "",
        version=child.version, fields=fields, categories=tuple(child.categories or ()),
        age=age_on(child.date_of_birth, today), closed=child.closed_reason is not None,
        closed_reason=child.closed_reason.code if child.closed_reason else None,
        closed_on=child.closed_on, closed_note=child.closed_note,
        members=[member_view(m) for m in members], visits=[visit_view(v) for v in visits],
        last_visit_date=child.last_visit_date, next_visit_due=child.next_visit_due,
    )


def child_history(session: Session, ref: str) -> list[HistoryEntry]:
    """Every recorded change of a child's file, oldest first: the child, its family members,
    assistance, visits, entrustments, reports and referrals."""
    child = find_child(session, ref)
    related: list[tuple[str, list[str]]] = [("child", [child.id])]
    for model in (FamilyMember, AssistanceRecord, Visit, Entrustment, MandatoryReport, Referral):
        ids = list(session.scalars(select(model.id).where(model.child_id == child.id)))
        if ids:
            related.append((model.__tablename__, ids))
    cond = or_(*[and_(ChangeLogEntry.entity == entity, ChangeLogEntry.record_id.in_(ids)) for entity, ids in related])
    entries = session.scalars(select(ChangeLogEntry).where(cond).order_by(ChangeLogEntry.at_utc, ChangeLogEntry.seq))
    return [
        HistoryEntry(at_utc=e.at_utc, actor=e.actor, origin=e.origin, entity=e.entity, record_id=e.record_id,
                     op=e.op, field=e.field, old=loads(e.old_value), new=loads(e.new_value))
        for e in entries
    ]


def field_labels() -> dict[str, tuple[str, str]]:
    """Chinese and English labels of every child and member field (``role.field`` for members)."""
    labels = {k: (s.zh, s.en) for k, s in CHILD_FIELDS.items()}
    for role, (rzh, ren, _rel) in MEMBER_ROLES.items():
        for k, s in MEMBER_FIELDS.items():
            labels[f"{role}.{k}"] = (f"{rzh}{s.zh}", f"{ren} {s.en}")
    return labels


__all__ = ["ChildFilter", "child_detail", "child_history", "child_ids", "child_rows", "field_labels",
           "list_children", "search_condition", "to_json_value"]


def village_names(session: Session, child_ids: list[str] | set[str]) -> dict[str, str]:
    """The village (村（居）) of each child of ``child_ids``: ``{child id: village name}`` (a
    child whose village row is missing is left out). Read 500 ids at a time (SQLite's bound
    parameter limit of older builds)."""
    ids = sorted(set(child_ids))
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        stmt = select(Child.id, OrgUnit.name).join(OrgUnit, OrgUnit.id == Child.village_id).where(Child.id.in_(part))
        out.update({cid: name for cid, name in session.execute(stmt)})
    return out

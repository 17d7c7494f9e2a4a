"""The bulk path: importing many children (a village ledger, a benchmark) fast.

New children, their family members and visits are inserted with Core ``executemany`` rather than
one ORM object at a time, and their change-log rows are stamped by the session's recorder in the
same transaction, exactly as the ORM path would write them (one ``insert`` row per record with
the whole record). Children already in the register (same ID number) go through
:func:`~carebook.model.services.children.update_child`, so they are updated, never duplicated.

Measured in ``bench/bench_register.py`` (target: >= 20,000 children/s).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from carebook.model.base import new_id, utc_now
from carebook.model.categories import ChildFacts, ParentFacts, compute_categories, sort_categories
from carebook.model.changelog import ChangeLogEntry
from carebook.model.child_fields import MEMBER_ROLES
from carebook.model.children import Child, FamilyMember
from carebook.model.enums import Relation, VisitKind, VisitMethod
from carebook.model.errors import ValidationError
from carebook.model.installation import get_installation
from carebook.model.jsonvalues import to_json_value
from carebook.model.pinyin import search_key
from carebook.model.recording import ChangeRecorder, changes_of
from carebook.model.services.children import ChildInput, member_for_role, update_child
from carebook.model.services.derived import propose_next_visit
from carebook.model.settings import RegisterSettings, load_settings
from carebook.model.visits import Visit


@dataclass
class BulkResult:
    """What a bulk import did: ids of created and updated children, and how many were
    already up to date."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _defaults(model: type[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for attr in inspect(model).column_attrs:
        default = attr.columns[0].default
        if default is None:
            values[attr.key] = None
        elif getattr(default, "is_scalar", False):
            values[attr.key] = default.arg
        elif getattr(default, "is_callable", False) and attr.key not in ("id", "created_at", "updated_at"):
            values[attr.key] = default.arg(None)
        else:
            values[attr.key] = None
    return values


def _tracked(model: type[Any]) -> list[str]:
    skip: frozenset[str] = getattr(model, "untracked_columns", frozenset())
    return [a.key for a in inspect(model).column_attrs if a.key not in skip]


def _recorder(session: Session) -> ChangeRecorder:
    recorder = session.info.get("recorder")
    if not isinstance(recorder, ChangeRecorder):
        raise RuntimeError("bulk import needs a session with a change recorder (Register.writing)")
    return recorder


def _table(model: type[Any]) -> Table:
    """The table of ``model``: Core inserts take every row's values as given (``None`` included),
    so one ``executemany`` covers all rows (ORM bulk inserts split rows whose ``None`` keys differ
    into many small statements)."""
    return cast(Table, model.__table__)


#: SQLite page cache (KiB) while the bulk path inserts; restored afterwards.
BULK_CACHE_KIB = 131_072


def _memo(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembering its last argument (by identity): consecutive rows share the
    same ``now``, enumeration members and often the same date."""
    last_in: Any = object()
    last_out: Any = None

    def run(value: Any) -> Any:
        nonlocal last_in, last_out
        if value is not last_in:
            last_in, last_out = value, process(value)
        return last_out

    return run


def _insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys: column names) into ``model``'s table.

    On SQLite (``qmark`` drivers) the rows go to one DB-API ``executemany`` after each column
    type's own bind processor (what SQLAlchemy applies per row, without its per-row
    bookkeeping: a third of the import time at 100,000 children). Elsewhere, a Core
    ``executemany``. Explicit ``None`` values are stored as NULL in both (no column defaults).
    """
    if not rows:
        return
    table = _table(model)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.paramstyle != "qmark":
        session.execute(insert(table), rows)
        return
    keys = list(rows[0])
    processors = [table.c[key].type.bind_processor(dialect) for key in keys]
    getters = [(key, None if process is None else _memo(process)) for key, process in zip(keys, processors, strict=True)]
    quote = dialect.identifier_preparer
    sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(k) for k in keys)}) "
           f"VALUES ({', '.join('?' for _ in keys)})")
    params = [tuple([row[key] if process is None else process(row[key]) for key, process in getters])
              for row in rows]
    # Rows land at random places of the UUID and ID-number indexes: with SQLite's default 2 MB
    # page cache most inserts read (and decrypt) a page from disk once the register is large.
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        connection.exec_driver_sql(sql, params)
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


def _fresh_list(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _new_row(defaults: dict[str, Any], list_keys: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``defaults`` with fresh lists (cheaper than copying value by value)."""
    row = dict(defaults)
    for key in list_keys:
        row[key] = list(row[key])
    return row


def _list_keys(defaults: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k, v in defaults.items() if isinstance(v, list))


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _log_values(row: dict[str, Any], cols: list[str]) -> dict[str, Any]:
    """The tracked columns of ``row`` as JSON values (fast path for plain values)."""
    out: dict[str, Any] = {}
    for key in cols:
        value = row[key]
        out[key] = value if type(value) in _PLAIN else to_json_value(value)
    return out


def _load_existing(session: Session, ids: list[str]) -> dict[str, tuple[Child, list[FamilyMember]]]:
    """Children and their family members by child id, loaded in chunks (two queries a chunk)."""
    loaded: dict[str, tuple[Child, list[FamilyMember]]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        for child in session.scalars(select(Child).where(Child.id.in_(chunk))):
            loaded[child.id] = (child, [])
        for member in session.scalars(select(FamilyMember).where(FamilyMember.child_id.in_(chunk))
                                      .order_by(FamilyMember.relation, FamilyMember.id)):
            loaded[member.child_id][1].append(member)
    return loaded


def _unchanged(item: ChildInput, child: Child, members: list[FamilyMember]) -> bool:
    """True when applying ``item`` would change nothing (so the slower update path is skipped)."""
    for key, value in item.child.items():
        if getattr(child, key) != value:
            return False
    for role, fields in item.members.items():
        member = member_for_role(members, role)
        if member is None:
            if any(v not in (None, "", []) for v in fields.values()):
                return False
            continue
        for key, value in fields.items():
            if key == "relation" and (MEMBER_ROLES[role][2] is not None or value is None):
                continue
            if getattr(member, key) != value:
                return False
    return True


def import_children(
    session: Session,
    inputs: Sequence[ChildInput],
    *,
    last_visits: Sequence[dt.date | None] | None = None,
    village_id: str | None = None,
    today: dt.date | None = None,
    settings: RegisterSettings | None = None,
    visitor_name: str = "台账导入",
) -> BulkResult:
    """Insert or update many children from validated input (see
    :func:`~carebook.model.services.children.clean_child_input`), in the caller's transaction.

    Args:
        inputs: cleaned input per child; each new child needs name, sex, date of birth.
        last_visits: per child, the date of the last visit known from the ledger (a visit
            record with that date is created for a new child), or ``None``.
        village_id: the village of new children (default: this installation's unit).
        visitor_name: recorded as the visitor of those imported visits.

    Returns:
        ids created, updated and unchanged.

    Raises:
        ValidationError: an ID number appears twice in ``inputs`` (the caller should have
            reported it per row); nothing of this call is written when the caller rolls back.
    """
    today = today or dt.date.today()
    settings = settings or load_settings(session)
    recorder = _recorder(session)
    village_id = village_id or get_installation(session).org_unit_id
    now = utc_now()
    last_visits = list(last_visits) if last_visits is not None else [None] * len(inputs)
    numbers = [i.child.get("id_number") for i in inputs if i.child.get("id_number")]
    existing: dict[str, str] = {}
    for start in range(0, len(numbers), 900):
        chunk = numbers[start:start + 900]
        for found_number, found_id in session.execute(
                select(Child.id_number, Child.id).where(Child.id_number.in_(chunk))):
            if found_number:
                existing[found_number] = found_id
    child_defaults, member_defaults, visit_defaults = _defaults(Child), _defaults(FamilyMember), _defaults(Visit)
    child_cols, member_cols, visit_cols = _tracked(Child), _tracked(FamilyMember), _tracked(Visit)
    child_lists, member_lists, visit_lists = _list_keys(child_defaults), _list_keys(member_defaults), \
        _list_keys(visit_defaults)
    result = BulkResult()
    child_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    visit_rows: list[dict[str, Any]] = []
    log_rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    known = _load_existing(session, list(existing.values()))
    for item, last_visit in zip(inputs, last_visits, strict=True):
        number = item.child.get("id_number")
        if number and number in existing:
            if _unchanged(item, *known[existing[number]]):
                result.unchanged.append(existing[number])
                continue
            before = len(changes_of(session))
            update_child(session, number, {**item.child, **{f"{r}.{k}": v for r, f in item.members.items()
                                                             for k, v in f.items()}},
                         today=today, settings=settings)
            (result.updated if len(changes_of(session)) > before else result.unchanged).append(existing[number])
            continue
        if number:
            if number in seen:
                raise ValidationError.single("id_number", f"身份证号{number}重复", f"ID number {number} appears twice")
            seen.add(number)
        row = _new_row(child_defaults, child_lists)
        row.update({k: v for k, v in item.child.items() if v is not None})
        child_id = new_id()
        row.update(id=child_id, village_id=village_id, created_at=now, updated_at=now, version=1)
        parents: dict[str, ParentFacts] = {}
        for role, fields in item.members.items():
            if all(v in (None, "", []) for v in fields.values()):
                continue
            relation = MEMBER_ROLES[role][2] or fields.get("relation") or Relation.OTHER_RELATIVE
            member = _new_row(member_defaults, member_lists)
            member.update({k: v for k, v in fields.items() if v is not None and k != "relation"})
            member.update(id=new_id(), child_id=child_id, relation=relation, is_entrusted_guardian=(role == "guardian"),
                          created_at=now, updated_at=now, version=1)
            member_rows.append(member)
            if role in ("father", "mother"):
                parents[role] = ParentFacts(member.get("status"), member.get("away_since"))
        facts = ChildFacts(
            date_of_birth=row["date_of_birth"], registration_type=row["registration_type"],
            has_household_registration=row["has_household_registration"],
            father=parents.get("father", ParentFacts()), mother=parents.get("mother", ParentFacts()),
            parents_unknown=row["parents_unknown"], in_institution=row["in_institution"],
            health_status=row["health_status"], serious_illness=row["serious_illness"],
            schooling_stage=row["schooling_stage"], guardianship_quality=row["guardianship_quality"],
            improper_guardianship=bool(row["improper_guardianship"]), family_poverty=row["family_poverty"],
            assessed_categories=frozenset(row["assessed_categories"] or ()), key_child=row["key_child"],
        )
        row["categories"] = sort_categories(compute_categories(facts, today, settings))
        row["search_initials"] = search_key(row["name"])
        row["id_number_rev"] = number[::-1] if number else None
        risk = row["risk_colour"].code if row["risk_colour"] else None
        if last_visit is not None:
            next_due = propose_next_visit(row["categories"], risk, last_visit, today, settings)
            visit = _new_row(visit_defaults, visit_lists)
            visit.update(id=new_id(), child_id=child_id, visit_date=last_visit, kind=VisitKind.VISIT,
                         method=VisitMethod.HOME, visitor_name=visitor_name, next_visit_date=next_due,
                         created_at=now, updated_at=now, version=1)
            visit_rows.append(visit)
            row["last_visit_date"], row["next_visit_due"] = last_visit, next_due
        else:
            row["next_visit_due"] = today
        child_rows.append(row)
        result.created.append(child_id)
    for table, rows, cols in (("child", child_rows, child_cols), ("family_member", member_rows, member_cols),
                              ("visit", visit_rows, visit_cols)):
        for r in rows:
            log_rows.append(recorder.entry(session, table, r["id"], "insert", None, None,
                                           _log_values(r, cols), at=now))
    if child_rows:
        _insert_rows(session, Child, child_rows)
    if member_rows:
        _insert_rows(session, FamilyMember, member_rows)
    if visit_rows:
        _insert_rows(session, Visit, visit_rows)
    if log_rows:
        _insert_rows(session, ChangeLogEntry, log_rows)
        recorder.persist_counters(session)
    session.flush()
    return result


def insert_visits(session: Session, visits: Iterable[dict[str, Any]], *, today: dt.date | None = None) -> int:
    """Insert many visits (dicts of :class:`~carebook.model.visits.Visit` fields with at least
    ``child_id`` and ``visit_date``) with their change-log rows, then bring each child's last
    and next visit dates up to date. Used by the demo and the benchmarks. Returns the count."""
    recorder = _recorder(session)
    now = utc_now()
    defaults, cols = _defaults(Visit), _tracked(Visit)
    rows: list[dict[str, Any]] = []
    latest: dict[str, tuple[dt.date, dt.date | None]] = {}
    for v in visits:
        row = {k: _fresh_list(x) for k, x in defaults.items()}
        row.update(v)
        row.update(id=row.get("id") or new_id(), created_at=now, updated_at=now, version=1)
        rows.append(row)
        prev = latest.get(row["child_id"])
        if prev is None or row["visit_date"] > prev[0]:
            latest[row["child_id"]] = (row["visit_date"], row.get("next_visit_date"))
    if not rows:
        return 0
    logs = [recorder.entry(session, "visit", r["id"], "insert", None, None,
                           _log_values(r, cols), at=now) for r in rows]
    _insert_rows(session, Visit, rows)
    _insert_rows(session, ChangeLogEntry, logs)
    recorder.persist_counters(session)
    # One executemany; a child whose file already holds a later visit keeps its dates.
    child = _table(Child)
    session.execute(
        update(child)
        .where(child.c.id == bindparam("b_id"),
               or_(child.c.last_visit_date.is_(None), child.c.last_visit_date <= bindparam("b_last")))
        .values(last_visit_date=bindparam("b_last"), next_visit_due=bindparam("b_next")),
        [{"b_id": child_id, "b_last": last, "b_next": nxt} for child_id, (last, nxt) in latest.items()],
    )
    session.flush()
    return len(rows)

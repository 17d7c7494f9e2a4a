"""The bulk path: importing many children (a village ledger, a benchmark) fast.

New children, their family members and visits are inserted with one DB-API ``executemany`` per
table rather than one ORM object at a time, and their change-log rows are stamped by the
session's recorder (:meth:`~carebook.model.recording.ChangeRecorder.record_inserts`) in the same
transaction, exactly as the ORM path writes them: one ``insert`` row per record holding the
whole record (a test compares both byte for byte). Each record is built once in three forms:
its Python values (for the category rules), the driver row (column defaults converted once per
import, each column type's bind processor remembered per value) and its change-log values in
sorted key order (encoded once by the C JSON encoder). New records get time-ordered ids
(:func:`_new_ids`). Children already in the register (same ID number) go through
:func:`~carebook.model.services.children.update_child`, so they are updated, never duplicated.

Measured in ``bench/bench_register.py`` (target: >= 20,000 children/s; see ``bench/README.md``
for the figures and the floor SQLCipher sets).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, insert, inspect, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from carebook.model.base import utc_now
from carebook.model.categories import ChildFacts, ParentFacts, compute_categories, sort_categories
from carebook.model.changelog import ChangeLogEntry
from carebook.model.child_fields import MEMBER_ROLES
from carebook.model.children import Child, FamilyMember
from carebook.model.enums import Category, Relation, VisitKind, VisitMethod
from carebook.model.errors import ValidationError
from carebook.model.gc_pause import gc_paused
from carebook.model.jsonvalues import to_json_value
from carebook.model.pinyin import search_key
from carebook.model.recording import ChangeRecorder, changes_of
from carebook.model.services.children import (
    ChildInput,
    member_for_role,
    update_child,
    village_of_new_children,
)
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


#: SQLite page cache (KiB) while the bulk path inserts; restored afterwards. Rows land at random
#: places of the UUID, ID-number and name indexes: with SQLite's default 2 MB page cache most
#: inserts read (and decrypt) a page again once the register is large.
BULK_CACHE_KIB = 131_072

#: Bind-processor results remembered per column (codes, booleans, dates, instants, small JSON lists):
#: birth dates alone take some 6,600 values at 100,000 children.
_CACHE_LIMIT = 65_536


def _cached(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` (a column type's bind processor: a pure function of the value) remembering
    its results by value and type (lists by their items), up to :data:`_CACHE_LIMIT` values."""
    cache: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        cls = value.__class__
        try:
            key = (cls, tuple(value)) if cls is list else (cls, value)
            return cache[key]
        except KeyError:
            out = process(value)
            if len(cache) < _CACHE_LIMIT:
                cache[key] = out
            return out
        except TypeError:  # unhashable (a dict, a list of lists): not remembered
            return process(value)

    return run


#: JSON text of a change-log value; the dicts given are already in sorted key order (see
#: :class:`_Layout`), so the text is the one :func:`carebook.model.jsonvalues.dumps` writes.
_LOG_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False,
                             default=to_json_value).encode


class _Layout:
    """How one table's rows are inserted on the bulk path.

    ``keys``: the mapped attribute names in column order (an integer primary key left out); ``pos``: key -> position;
    ``raw``: the column defaults as Python values (``None`` where the default is made per row:
    ``id``, ``created_at``, ``updated_at``); ``db``: the same defaults as the driver gets them
    (after the column types' bind processors); ``convert``: per position, the bind processor
    (remembering its results) or ``None``; ``log``: the tracked columns' defaults as JSON
    values, in sorted key order (a copy updated with a record's values is its change-log
    ``new_value`` in the order :func:`~carebook.model.jsonvalues.dumps` sorts to); ``tracked``:
    the names of the tracked columns. On dialects other than SQLite (``qmark`` parameters) the
    rows go through SQLAlchemy instead (``dialect_rows=False``).
    """

    def __init__(self, model: type[Any], dialect: Dialect) -> None:
        # An integer primary key (change_log.seq) is left to the database: PostgreSQL refuses an
        # explicit NULL where SQLite would number the row.
        attrs = [a for a in inspect(model).column_attrs
                 if not (a.columns[0].primary_key and isinstance(a.columns[0].type, Integer))]
        self.model = model
        self.keys = tuple(a.key for a in attrs)
        self.pos = {k: i for i, k in enumerate(self.keys)}
        self.raw = _defaults(model)
        self.dialect_rows = dialect.paramstyle == "qmark"
        self.convert: list[Callable[[Any], Any] | None] = []
        self.json: list[Callable[[Any], Any] | None] = []
        for attr in attrs:
            col_type = attr.columns[0].type
            process = col_type.bind_processor(dialect) if self.dialect_rows else None
            py_type = _python_type(col_type)
            dated = py_type in (dt.date, dt.datetime)
            if process is not None and self.dialect_rows:
                self.convert.append(_cached(_then_driver_value(process)))
            elif dated and self.dialect_rows:
                self.convert.append(_cached(_driver_value))
            else:
                self.convert.append(None if process is None else _cached(process))
            self.json.append(_cached(to_json_value) if dated or py_type is Decimal else None)
        self.db = [self.raw[k] if c is None else c(self.raw[k]) for k, c in zip(self.keys, self.convert, strict=True)]
        tracked = sorted(_tracked(model))
        self.tracked = frozenset(tracked)
        self.log = {k: to_json_value(self.raw[k]) for k in tracked}
        table = _table(model)
        quote = dialect.identifier_preparer
        names = [a.columns[0].name for a in attrs]
        self.sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) "
                    f"VALUES ({', '.join('?' for _ in names)})")

    def set(self, db: list[Any], key: str, value: Any) -> None:
        """Put ``value`` (a Python value) into the driver row ``db`` at ``key``'s column."""
        i = self.pos[key]
        convert = self.convert[i]
        db[i] = value if convert is None else convert(value)

    def put(self, db: list[Any], log: dict[str, Any], key: str, value: Any) -> None:
        """Put ``value`` into the driver row ``db`` and, for a tracked column, into the
        change-log values ``log`` (as its JSON value)."""
        i = self.pos[key]
        convert = self.convert[i]
        db[i] = value if convert is None else convert(value)
        if key in self.tracked:
            as_json = self.json[i]
            log[key] = value if as_json is None else as_json(value)

    def insert(self, session: Session, rows: list[list[Any]]) -> None:
        """Insert driver rows (one DB-API ``executemany``; elsewhere a Core ``executemany`` of
        the same values as dicts: explicit ``None`` is stored as NULL in both)."""
        if not rows:
            return
        if self.dialect_rows:
            session.connection().exec_driver_sql(self.sql, list(map(tuple, rows)))
        else:
            # An autoincrement key left empty (the change log's ``seq``) is left out, so the
            # database numbers it (an explicit NULL violates NOT NULL on PostgreSQL).
            table = _table(self.model)
            auto = {c.name for c in table.primary_key.columns if c.autoincrement in (True, "auto")}
            session.execute(insert(table), [{k: v for k, v in zip(self.keys, r, strict=True)
                                             if not (v is None and k in auto)} for r in rows])


def _driver_value(value: Any) -> Any:
    """A date or instant as the SQLite driver's default adapters store it (ISO text; a space
    between date and time): done once per distinct value here instead of per row there."""
    cls = value.__class__
    if cls is dt.datetime:
        return value.isoformat(" ")
    if cls is dt.date:
        return value.isoformat()
    return value


def _then_driver_value(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` followed by :func:`_driver_value`."""
    return lambda value: _driver_value(process(value))


def _python_type(col_type: Any) -> Any:
    """The Python type a column holds, or ``None`` when its type does not say."""
    try:
        return col_type.python_type
    except NotImplementedError:
        return None


_HEX_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
_ID_LOCK = threading.Lock()
_last_id_stamp = (0, -1)  # (Unix milliseconds, counter) of the last id made


def _id_stream(chunk: int = 4096) -> Iterator[str]:
    """New record ids (see :func:`_new_ids`), made ``chunk`` at a time."""
    while True:
        yield from _new_ids(chunk)


def _new_ids(count: int) -> list[str]:
    """``count`` new record ids: time-ordered UUIDs (RFC 9562 version 7: 48-bit Unix
    milliseconds, a 12-bit counter in ``rand_a`` (the RFC's method 1, "fixed bit-length
    dedicated counter"), the variant and 62 random bits) as 36-character text, increasing
    within this process.

    Text ids like :func:`carebook.model.base.new_id`'s version 4 (every reader treats ids as
    opaque text); time-ordered so that a bulk import appends to the primary-key indexes and to
    ``family_member.child_id`` and ``ix_change_log_record`` instead of writing at random places
    in them: fewer pages touched, split and encrypted per row, smaller indexes (measured in
    ``bench/README.md``). The creation instant they reveal is stored with the record anyway
    (``created_at``).
    """
    global _last_id_stamp
    random_hex = os.urandom(8 * count).hex()
    variant = _HEX_VARIANT
    with _ID_LOCK:
        ms, counter = _last_id_stamp
        now = time.time_ns() // 1_000_000
        if now > ms:
            ms, counter = now, -1
        out: list[str] = []
        for i in range(0, 16 * count, 16):
            counter += 1
            if counter > 0xFFF:  # more than 4,096 ids in one millisecond: borrow the next one
                ms, counter = ms + 1, 0
            stamp = f"{ms:012x}"
            out.append(f"{stamp[:8]}-{stamp[8:]}-7{counter:03x}-{variant[random_hex[i]]}{random_hex[i + 1:i + 4]}-"
                       f"{random_hex[i + 4:i + 16]}")
        _last_id_stamp = (ms, counter)
    return out


@contextlib.contextmanager
def _bulk_cache(session: Session) -> Iterator[None]:
    """A :data:`BULK_CACHE_KIB` page cache on SQLite while the block runs (set once for all the
    tables: changing the cache size drops cached pages), restored afterwards."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


def _log_rows(session: Session, recorder: ChangeRecorder, log_layout: _Layout, entity: str,
              records: list[tuple[str, dict[str, Any]]], at: dt.datetime) -> list[list[Any]]:
    """Driver rows of ``change_log`` for one ``insert`` per ``(record_id, whole record as
    JSON values in sorted key order)`` of ``entity``, stamped by ``recorder``."""
    stamps = recorder.record_inserts(session, entity, records)
    row = list(log_layout.db)
    for key, value in (("origin", recorder.installation_id), ("entity", entity), ("op", "insert"),
                       ("field", None), ("old_value", None), ("actor", recorder.actor), ("at_utc", at),
                       ("tx_id", recorder.tx_id)):
        log_layout.set(row, key, value)
    pos = log_layout.pos
    i_seq, i_hlc, i_rid, i_new = pos["origin_seq"], pos["hlc"], pos["record_id"], pos["new_value"]
    out: list[list[Any]] = []
    encode = _LOG_JSON
    for (record_id, values), (seq, hlc) in zip(records, stamps, strict=True):
        r = row.copy()
        r[i_seq], r[i_hlc], r[i_rid], r[i_new] = seq, hlc, record_id, encode(values)
        out.append(r)
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
            reported it per row), or the unit of new children is not a village (a ledger
            imported at a township: :func:`~carebook.model.services.children.village_of_new_children`);
            nothing of this call is written when the caller rolls back.
    """
    with gc_paused():
        return _import_children(session, inputs, last_visits=last_visits, village_id=village_id, today=today,
                                settings=settings, visitor_name=visitor_name)


def _import_children(
    session: Session,
    inputs: Sequence[ChildInput],
    *,
    last_visits: Sequence[dt.date | None] | None = None,
    village_id: str | None = None,
    today: dt.date | None = None,
    settings: RegisterSettings | None = None,
    visitor_name: str = "台账导入",
) -> BulkResult:
    """The work of :func:`import_children` (with the garbage collector paused)."""
    today = today or dt.date.today()
    settings = settings or load_settings(session)
    recorder = _recorder(session)
    village_id = village_of_new_children(session, village_id)
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
    dialect = session.connection().dialect
    child_l, member_l, visit_l, log_l = (_Layout(m, dialect) for m in (Child, FamilyMember, Visit, ChangeLogEntry))
    result = BulkResult()
    child_rows: list[list[Any]] = []
    member_rows: list[list[Any]] = []
    visit_rows: list[list[Any]] = []
    child_logs: list[tuple[str, dict[str, Any]]] = []
    member_logs: list[tuple[str, dict[str, Any]]] = []
    visit_logs: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    sorted_categories: dict[frozenset[Category], list[str]] = {}
    known = _load_existing(session, list(existing.values()))
    ids = _id_stream()
    c_pos, c_conv, c_json, c_tracked = child_l.pos, child_l.convert, child_l.json, child_l.tracked
    m_pos, m_conv, m_json, m_tracked = member_l.pos, member_l.convert, member_l.json, member_l.tracked
    for key in ("created_at", "updated_at", "version"):  # the same for every new record
        for layout in (child_l, member_l, visit_l):
            layout.set(layout.db, key, now if key != "version" else 1)
    child_l.set(child_l.db, "village_id", village_id)
    child_l.log["village_id"] = village_id
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
        # Three forms of the new record at once: Python values (for the rules), the driver row
        # and the change-log values (JSON values in sorted key order).
        row = dict(child_l.raw)
        db = child_l.db.copy()
        log = child_l.log.copy()
        for key, value in item.child.items():
            if value is None or key == "village_id":
                continue
            row[key] = value
            i = c_pos[key]
            convert = c_conv[i]
            db[i] = value if convert is None else convert(value)
            if key in c_tracked:
                as_json = c_json[i]
                log[key] = value if as_json is None else as_json(value)
        child_id = next(ids)
        db[c_pos["id"]] = log["id"] = child_id
        parents: dict[str, ParentFacts] = {}
        for role, fields in item.members.items():
            if all(v in (None, "", []) for v in fields.values()):
                continue
            relation = MEMBER_ROLES[role][2] or fields.get("relation") or Relation.OTHER_RELATIVE
            mdb = member_l.db.copy()
            mlog = member_l.log.copy()
            for key, value in fields.items():
                if value is None or key == "relation":
                    continue
                i = m_pos[key]
                convert = m_conv[i]
                mdb[i] = value if convert is None else convert(value)
                if key in m_tracked:
                    as_json = m_json[i]
                    mlog[key] = value if as_json is None else as_json(value)
            member_id = next(ids)
            for key, value in (("id", member_id), ("child_id", child_id), ("relation", relation),
                               ("is_entrusted_guardian", role == "guardian")):
                member_l.put(mdb, mlog, key, value)
            member_rows.append(mdb)
            member_logs.append((member_id, mlog))
            if role in ("father", "mother"):
                parents[role] = ParentFacts(fields.get("status"), fields.get("away_since"))
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
        found = compute_categories(facts, today, settings)
        categories = sorted_categories.get(found)
        if categories is None:
            categories = sorted_categories[found] = sort_categories(found)
        child_l.set(db, "categories", categories)
        child_l.set(db, "search_initials", search_key(row["name"]))
        child_l.set(db, "id_number_rev", number[::-1] if number else None)
        risk = row["risk_colour"].code if row["risk_colour"] else None
        if last_visit is not None:
            next_due = propose_next_visit(categories, risk, last_visit, today, settings)
            vdb = visit_l.db.copy()
            vlog = visit_l.log.copy()
            visit_id = next(ids)
            for key, value in (("id", visit_id), ("child_id", child_id), ("visit_date", last_visit),
                               ("kind", VisitKind.VISIT), ("method", VisitMethod.HOME),
                               ("visitor_name", visitor_name), ("next_visit_date", next_due)):
                visit_l.put(vdb, vlog, key, value)
            visit_rows.append(vdb)
            visit_logs.append((visit_id, vlog))
            child_l.set(db, "last_visit_date", last_visit)
            child_l.set(db, "next_visit_due", next_due)
        else:
            child_l.set(db, "next_visit_due", today)
        child_rows.append(db)
        child_logs.append((child_id, log))
        result.created.append(child_id)
    log_rows = [*_log_rows(session, recorder, log_l, "child", child_logs, now),
                *_log_rows(session, recorder, log_l, "family_member", member_logs, now),
                *_log_rows(session, recorder, log_l, "visit", visit_logs, now)]
    with _bulk_cache(session):
        child_l.insert(session, child_rows)
        member_l.insert(session, member_rows)
        visit_l.insert(session, visit_rows)
        log_l.insert(session, log_rows)
    if log_rows:
        recorder.persist_counters(session)
    session.flush()
    return result


def insert_visits(session: Session, visits: Iterable[dict[str, Any]], *, today: dt.date | None = None) -> int:
    """Insert many visits (dicts of :class:`~carebook.model.visits.Visit` fields with at least
    ``child_id`` and ``visit_date``) with their change-log rows, then bring each child's last
    and next visit dates up to date. Used by the demo and the benchmarks. Returns the count."""
    with gc_paused():
        return _insert_visits(session, visits)


def _insert_visits(session: Session, visits: Iterable[dict[str, Any]]) -> int:
    recorder = _recorder(session)
    now = utc_now()
    dialect = session.connection().dialect
    layout, log_l = _Layout(Visit, dialect), _Layout(ChangeLogEntry, dialect)
    for key in ("created_at", "updated_at", "version"):
        layout.set(layout.db, key, now if key != "version" else 1)
    pos, conv, tracked = layout.pos, layout.convert, layout.tracked
    rows: list[list[Any]] = []
    logs: list[tuple[str, dict[str, Any]]] = []
    latest: dict[str, tuple[dt.date, dt.date | None]] = {}
    ids = _id_stream()
    for v in visits:
        db = layout.db.copy()
        log = layout.log.copy()
        for key, value in v.items():
            if key in ("created_at", "updated_at", "version"):
                continue
            i = pos[key]
            convert = conv[i]
            db[i] = value if convert is None else convert(value)
            if key in tracked:
                as_json = layout.json[i]
                log[key] = value if as_json is None else as_json(value)
        visit_id = v.get("id") or next(ids)
        db[pos["id"]] = log["id"] = visit_id
        rows.append(db)
        logs.append((visit_id, log))
        child_id, visit_date = v["child_id"], v["visit_date"]
        prev = latest.get(child_id)
        if prev is None or visit_date > prev[0]:
            latest[child_id] = (visit_date, v.get("next_visit_date"))
    if not rows:
        return 0
    log_rows = _log_rows(session, recorder, log_l, "visit", logs, now)
    with _bulk_cache(session):
        layout.insert(session, rows)
        log_l.insert(session, log_rows)
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

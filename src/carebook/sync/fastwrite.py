"""Batched writes for merges of many changes: ``executemany`` with the column types' own bind
processors applied in one tight loop.

SQLAlchemy's Core ``executemany`` builds a parameter dict per row and runs its processors per
row and key; for the tens of thousands of rows a bundle brings that bookkeeping costs more than
SQLite itself. On SQLite these helpers convert the values with the same processors (so the
stored values are exactly what the ORM would store) and hand plain tuples to the driver. Values
of date and date-time columns are also passed through the driver's own adapter for their type
(sqlcipher3's ``adapt_date``/``adapt_datetime``: ISO text), remembered by value, instead of
letting the driver call that Python function once per parameter: the stored text is the same
(the same function makes it). :func:`select_in` reads rows by a list of keys with plain SQL and
the columns' own result processors (the values Core would return), without SQLAlchemy's
per-execution rendering of an expanding ``IN`` list. On other databases (the township or county
on PostgreSQL) they fall back to Core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, DateTime, Table, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

_Processor = Callable[[Any], Any] | None
_CACHE: dict[tuple[str, str, tuple[str, ...]], list[_Processor]] = {}
#: Keys per ``IN`` list of :func:`select_in` (SQLite limits bound parameters).
IN_CHUNK = 500


def _is_temporal(col_type: TypeEngine[Any]) -> bool:
    """Whether a column type binds ``date``/``datetime`` values (directly or through a decorator)."""
    base = col_type.impl if isinstance(col_type, TypeDecorator) else col_type
    return isinstance(base, Date | DateTime)


def _driver_adapted(dialect: Dialect, process: _Processor) -> _Processor:
    """``process`` followed by what the DB-API driver does to the result before binding it: the
    adapter registered for the value's exact type (``dbapi.adapters[(type, PrepareProtocol)]``,
    as sqlite3/sqlcipher3 look it up), if any. Without an adapter table, ``process`` itself."""
    dbapi = getattr(dialect, "dbapi", None)
    adapters = getattr(dbapi, "adapters", None)
    protocol = getattr(dbapi, "PrepareProtocol", None)
    if not isinstance(adapters, dict) or protocol is None:
        return process

    def run(value: Any) -> Any:
        out = process(value) if process is not None else value
        adapt = adapters.get((type(out), protocol))
        return adapt(out) if adapt is not None else out

    return run


def _processors(session: Session, table: Table, columns: Sequence[str]) -> list[_Processor]:
    dialect = session.get_bind().dialect
    key = (dialect.name, table.name, tuple(columns))
    if key not in _CACHE:
        procs: list[_Processor] = []
        for name in columns:
            col_type = table.c[name].type
            proc: _Processor = col_type.bind_processor(dialect)
            if dialect.name == "sqlite" and _is_temporal(col_type):
                proc = _driver_adapted(dialect, proc)
            procs.append(proc)
        _CACHE[key] = procs
    return _CACHE[key]


def _bound(dialect: Dialect, table: Table, column: str, value: Any) -> Any:
    """``value`` as Core binds it for ``column`` (its type's bind processor, if any)."""
    proc = table.c[column].type.bind_processor(dialect)
    return proc(value) if proc is not None else value


_RESULTS: dict[tuple[str, str, tuple[str, ...]], list[_Processor]] = {}


def select_in(session: Session, table: Table, columns: Sequence[str], key: str, values: Iterable[Any], *,
              equal: Sequence[tuple[str, Any]] = ()) -> list[tuple[Any, ...]]:
    """The rows of ``table`` whose column ``key`` is among ``values`` (and each column of
    ``equal`` equals its value), as tuples of ``columns`` read as Core reads them (each column's
    result processor applied). ``values`` go in lists of :data:`IN_CHUNK`, in sorted order; the
    rows come in the database's order per list. On SQLite: plain SQL with ``?`` parameters, each
    value through its column type's bind processor as Core would bind it; elsewhere Core."""
    ordered = sorted(set(values))
    if not ordered:
        return []
    if not _is_sqlite(session):
        out: list[tuple[Any, ...]] = []
        stmt = select(*[table.c[c] for c in columns]).where(*[table.c[c] == v for c, v in equal])
        for start in range(0, len(ordered), IN_CHUNK):
            part = ordered[start:start + IN_CHUNK]
            out.extend(tuple(r) for r in session.execute(stmt.where(table.c[key].in_(part))))
        return out
    dialect = session.get_bind().dialect
    cache_key = (dialect.name, table.name, tuple(columns))
    procs = _RESULTS.get(cache_key)
    if procs is None:
        procs = _RESULTS[cache_key] = [table.c[c].type._cached_result_processor(dialect, None) for c in columns]
    head = ("SELECT " + ", ".join(f'"{c}"' for c in columns) + f' FROM "{table.name}" WHERE '
            + "".join(f'"{c}" = ? AND ' for c, _v in equal) + f'"{key}" IN (')
    fixed = [_bound(dialect, table, c, v) for c, v in equal]
    key_proc = table.c[key].type.bind_processor(dialect)
    rows: list[Any] = []
    for start in range(0, len(ordered), IN_CHUNK):
        part = ordered[start:start + IN_CHUNK]
        if key_proc is not None:
            part = [key_proc(v) for v in part]
        sql = head + ", ".join("?" * len(part)) + ")"
        rows.extend(_driver_run(session, sql, [*fixed, *part], many=False))
    if all(p is None for p in procs):
        return [tuple(r) for r in rows]
    return [tuple([v if p is None else p(v) for p, v in zip(procs, r, strict=True)]) for r in rows]


def _by_value(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembering its results by ``(type, value)`` for hashable values: a column's
    codes, dates and instants repeat across rows (the changes of one transaction share their
    instant); equal values give equal results. A list (a JSON column's value: categories, income
    sources) is remembered by its items when they are hashable and the result is immutable
    (JSON text); anything else is processed each time."""
    seen: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        key = (list, tuple(value)) if type(value) is list else (type(value), value)
        try:
            return seen[key]
        except KeyError:
            out = process(value)
            if key[0] is not list or isinstance(out, str | bytes):
                seen[key] = out
            return out
        except TypeError:
            return process(value)

    return run


def _column(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """``process`` applied to each value of one column (``None`` stays ``None`` and is never
    passed), remembered by value as :func:`_by_value` does. When the values other than ``None``
    are hashable and all of one type (a column's usual case), each distinct value is processed
    once and the column mapped with one dict lookup per row; otherwise through :func:`_by_value`."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:  # every value None
        return list(values)
    if len(kinds) == 1 and list not in kinds:
        try:
            distinct = set(values)
        except TypeError:  # unhashable values
            pass
        else:
            distinct.discard(None)
            mapping: dict[Any, Any] = {v: process(v) for v in distinct}
            mapping[None] = None
            return [mapping[v] for v in values]
    run = _by_value(process)
    return [None if v is None else run(v) for v in values]


def _convert(rows: Sequence[dict[str, Any]], columns: Sequence[str], procs: list[_Processor]) -> list[tuple[Any, ...]]:
    """The parameter tuples of ``rows`` (a missing key is ``None``): picked with one
    ``itemgetter`` call per row, then the columns that have a processor converted column by
    column (``None`` is never passed to a processor)."""
    if not rows or not columns:
        return [() for _ in rows]
    pick = itemgetter(*columns)
    try:
        tuples = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    except KeyError:
        tuples = [tuple([row.get(c) for c in columns]) for row in rows]
    if all(proc is None for proc in procs):
        return tuples
    converted: list[Any] = list(zip(*tuples, strict=True))
    for i, proc in enumerate(procs):
        if proc is not None:
            converted[i] = _column(proc, converted[i])
    return list(zip(*converted, strict=True))


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _driver_run(session: Session, sql: str, params: Sequence[Any], *, many: bool) -> list[Any]:
    """Run ``sql`` on the session's SQLite connection through the DB-API cursor itself, in the
    session's transaction (``executemany`` of ``params`` when ``many``); the rows fetched (none
    for ``many``). SQLAlchemy's execution layer is skipped (its per-call work, and per-parameter
    work on long ``IN`` lists, cost more than SQLite on a merge's many short statements); a
    driver error is raised as SQLAlchemy raises it (``sqlalchemy.exc.IntegrityError`` for a
    constraint, etc.), so callers handle errors as with Core.

    Raises:
        sqlalchemy.exc.DBAPIError: (its subclass for the driver's error) the database refused.
    """
    connection = session.connection()
    dialect = connection.dialect
    raw = connection.connection.dbapi_connection
    if raw is None:  # (a closed connection: let Core say so)
        result = connection.exec_driver_sql(sql, list(params) if many else tuple(params))
        return [] if many else list(result.fetchall())
    cursor = raw.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
            return []
        return list(cursor.execute(sql, params).fetchall())
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error,
                                  dialect=dialect) from exc
    finally:
        cursor.close()


def driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    """The rows of ``sql`` (SQLite's SQL, ``?`` parameters) read through the DB-API cursor in
    the session's transaction, as the driver gives them (no result processing: for columns
    whose values need none, e.g. integers and text). SQLite only.

    Raises:
        sqlalchemy.exc.DBAPIError: the database refused.
    """
    return _driver_run(session, sql, params, many=False)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts by column name; missing keys are NULL) into ``table``."""
    if not rows:
        return
    if not _is_sqlite(session):
        session.execute(insert(table), list(rows))
        return
    present: set[str] = set()
    for row in rows:
        present.update(row)
    columns = [c.name for c in table.columns if c.name in present]
    procs = _processors(session, table, columns)
    sql = (f'INSERT INTO "{table.name}" (' + ", ".join(f'"{c}"' for c in columns) + ") VALUES ("
           + ", ".join("?" for _ in columns) + ")")
    _driver_run(session, sql, _convert(rows, columns, procs), many=True)


def insert_tuples(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (value sequences in the order of ``columns``) into ``table``: as
    :func:`insert_rows` without building a dict per row."""
    if not rows:
        return
    if not _is_sqlite(session):
        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    procs = _processors(session, table, columns)
    tuples: list[Any] = rows if isinstance(rows, list) else list(rows)
    if any(proc is not None for proc in procs):
        converted: list[Any] = list(zip(*rows, strict=True))
        for i, proc in enumerate(procs):
            if proc is not None:
                converted[i] = _column(proc, converted[i])
        tuples = list(zip(*converted, strict=True))
    sql = (f'INSERT INTO "{table.name}" (' + ", ".join(f'"{c}"' for c in columns) + ") VALUES ("
           + ", ".join("?" for _ in columns) + ")")
    _driver_run(session, sql, tuples, many=True)


def update_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
                *, updated_at: Any = None, bump_version: bool = False) -> None:
    """``UPDATE table SET col = row[col], … WHERE id = row["id"]`` for each row; optionally set
    ``updated_at`` to one value for every row and add 1 to ``version``."""
    if not rows:
        return
    every = {"updated_at": updated_at} if updated_at is not None else {}
    if not _is_sqlite(session):
        values: dict[str, Any] = {**{c: bindparam(f"v_{c}") for c in columns}, **every}
        if bump_version:
            values["version"] = table.c.version + 1
        stmt = update(table).where(table.c.id == bindparam("_id")).values(values)
        session.connection().execute(stmt, [{"_id": r["id"], **{f"v_{c}": r.get(c) for c in columns}} for r in rows])
        return
    all_columns = [*columns, *every, "id"]
    procs = _processors(session, table, all_columns)
    assignments = [f'"{c}" = ?' for c in [*columns, *every]]
    if bump_version:
        assignments.append('"version" = "version" + 1')
    sql = f'UPDATE "{table.name}" SET ' + ", ".join(assignments) + ' WHERE "id" = ?'
    _driver_run(session, sql, _convert([{**r, **every} for r in rows], all_columns, procs), many=True)

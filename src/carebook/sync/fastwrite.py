"""Batched writes for merges of many changes: ``executemany`` with the column types' own bind
processors applied in one tight loop.

SQLAlchemy's Core ``executemany`` builds a parameter dict per row and runs its processors per
row and key; for the tens of thousands of rows a bundle brings that bookkeeping costs more than
SQLite itself. On SQLite these helpers convert the values with the same processors (so the
stored values are exactly what the ORM would store) and hand plain tuples to the driver. On
other databases (the township or county on PostgreSQL) they fall back to Core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

_Processor = Callable[[Any], Any] | None
_CACHE: dict[tuple[str, str, tuple[str, ...]], list[_Processor]] = {}


def _processors(session: Session, table: Table, columns: Sequence[str]) -> list[_Processor]:
    dialect = session.get_bind().dialect
    key = (dialect.name, table.name, tuple(columns))
    if key not in _CACHE:
        _CACHE[key] = [table.c[name].type.bind_processor(dialect) for name in columns]
    return _CACHE[key]


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
            run = _by_value(proc)
            converted[i] = [None if v is None else run(v) for v in converted[i]]
    return list(zip(*converted, strict=True))


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


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
    session.connection().exec_driver_sql(sql, _convert(rows, columns, procs))


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
                run = _by_value(proc)
                converted[i] = [None if v is None else run(v) for v in converted[i]]
        tuples = list(zip(*converted, strict=True))
    sql = (f'INSERT INTO "{table.name}" (' + ", ".join(f'"{c}"' for c in columns) + ") VALUES ("
           + ", ".join("?" for _ in columns) + ")")
    session.connection().exec_driver_sql(sql, tuples)


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
    session.connection().exec_driver_sql(sql, _convert([{**r, **every} for r in rows], all_columns, procs))

"""Helpers of the protection tests: a register with some work in it, an in-memory OS keyring,
and a content hash over every table of a register file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from carebook.model import keys
from carebook.model.db import Database, create_database, open_database
from carebook.model.register import Register
from carebook.model.schema import metadata
from keyring_helpers import MemoryKeyring  # noqa: F401  (re-exported for the protection tests)
from model_helpers import child_values

PASSPHRASE = "synthetic protect passphrase"
CHILD_NAME = "欧阳思远"
VILLAGE = ("610402100201", "东湾村", "610402100", "幸福镇")


def new_database(data_dir: Path, *, use_keyring: bool = False, passphrase: str | None = PASSPHRASE) -> Database:
    """A new register, set up as a village (fast scrypt for tests)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)
        db = create_database(data_dir, passphrase=passphrase, use_keyring=use_keyring)
    code, name, parent_code, parent_name = VILLAGE
    Register(db.sessionmaker, data_dir=data_dir).initialise(
        role="village", org_code=code, org_name=name, parent_code=parent_code, parent_name=parent_name, actor="李秀英")
    return db


def do_work(db: Database, n: int = 3, today: dt.date | None = None, start: int = 0) -> list[str]:
    """Register ``n`` synthetic children (the first named :data:`CHILD_NAME`), update one and
    record a visit; ``start`` offsets the synthetic people of a second call; returns the ID
    numbers."""
    today = today or dt.date.today()
    reg = Register(db.sessionmaker, data_dir=db.paths.root, today=lambda: today)
    numbers = []
    for i in range(start, start + n):
        name = CHILD_NAME if i == 0 else f"王小{'明红刚丽'[i % 4]}"
        values = child_values(name, dt.date(2015, 3, 5 + i), male=i % 2 == 0, seq=10 + i)
        result = reg.register_child(values)
        numbers.append(values["id_number"])
        if i == 0:
            reg.update_child(result.record_id or "", {"risk_colour": "yellow"})
            reg.record_visit(result.record_id or "", {"visit_date": today})
    return numbers


def table_digest(db: Database) -> str:
    """SHA-256 over every row of every table (sorted)."""
    h = hashlib.sha256()
    with db.sessionmaker() as session:
        for table in metadata.sorted_tables:
            h.update(table.name.encode())
            for row in sorted(repr(tuple(r)) for r in session.execute(select(table)).all()):
                h.update(row.encode())
    return h.hexdigest()


def digest_of(data_dir: Path, **kwargs: Any) -> str:
    """Open the register of ``data_dir``, return :func:`table_digest` and close it."""
    db = open_database(data_dir, **kwargs)
    try:
        return table_digest(db)
    finally:
        db.close()

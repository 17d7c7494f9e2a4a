"""Shared fixtures: a real SQLCipher-encrypted register of a village, in a temporary directory.

Creating a register (key derivation, migrations, set-up) takes ~0.15 s; copying a set-up
template and opening the copy ~0.08 s, so each test gets its own copy of one template made per
session. Every test file that needs a register asks for ``register`` (see ``tests/ui`` for the
desktop's own fixtures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model import keys
from carebook.model.changelog import ChangeLogEntry
from carebook.model.db import create_database, open_database
from carebook.model.register import Register
from carebook.model.schema import metadata
from model_helpers import (
    ACTOR,
    PASSPHRASE,
    TOWNSHIP_CODE,
    TOWNSHIP_NAME,
    VILLAGE_CODE,
    VILLAGE_NAME,
)


@pytest.fixture(scope="session")
def model_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding a set-up village register (made once per session)."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)  # test speed; the cost is stored in keyinfo.json
        db = create_database(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    try:
        Register(db.sessionmaker, data_dir=data_dir).initialise(
            role="village", org_code=VILLAGE_CODE, org_name=VILLAGE_NAME, parent_code=TOWNSHIP_CODE,
            parent_name=TOWNSHIP_NAME, actor=ACTOR,
        )
    finally:
        db.close()
    return data_dir


@pytest.fixture
def today() -> dt.date:
    """The date the register believes is today (the local date: created stamps use the clock)."""
    return dt.date.today()


@pytest.fixture
def register(model_template: Path, tmp_path: Path, today: dt.date) -> Iterator[Register]:
    """An open village register (a copy of the session template) with ``today`` injected."""
    data_dir = tmp_path / "data"
    shutil.copytree(model_template, data_dir)
    db = open_database(data_dir, passphrase=PASSPHRASE)
    reg = Register(db.sessionmaker, data_dir=data_dir, today=lambda: today, close=db.close)
    yield reg
    reg.close()


def _digest(session: Session) -> str:
    h = hashlib.sha256()
    for table in metadata.sorted_tables:
        h.update(table.name.encode())
        rows = session.execute(select(table)).all()
        for row in sorted(repr(tuple(r)) for r in rows):
            h.update(row.encode())
    return h.hexdigest()


@pytest.fixture
def digest(register: Register) -> Callable[[], str]:
    """A function returning the SHA-256 of every row of every table of ``register``."""
    return lambda: register.read(_digest)


def _log(session: Session, after: int) -> list[dict[str, Any]]:
    entries = session.scalars(select(ChangeLogEntry).where(ChangeLogEntry.seq > after).order_by(ChangeLogEntry.seq))
    return [
        {c.key: getattr(e, c.key) for c in ChangeLogEntry.__table__.columns}
        for e in entries
    ]


@pytest.fixture
def change_log(register: Register) -> Callable[..., list[dict[str, Any]]]:
    """``change_log(after=0)``: the change-log rows with ``seq > after`` as dicts, in order."""
    return lambda after=0: register.read(_log, after)


@pytest.fixture
def last_seq(register: Register) -> Callable[[], int]:
    """The highest change-log ``seq`` so far (0 when empty)."""
    def get(session: Session) -> int:
        return int(session.scalar(select(ChangeLogEntry.seq).order_by(ChangeLogEntry.seq.desc()).limit(1)) or 0)
    return lambda: register.read(get)


@pytest.fixture(scope="session", autouse=True)
def _postgres_cleanup() -> Iterator[None]:
    """At the end of the session, stop the throw-away PostgreSQL server of ``tests/pg_server.py``
    (if a test started one) and delete its ``/tmp/cbpg-*`` folder (``atexit`` does it too)."""
    yield
    module = sys.modules.get("pg_server")
    if module is not None:
        module.stop_server()

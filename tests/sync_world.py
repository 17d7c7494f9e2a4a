"""A township and its villages on real encrypted registers in temporary directories, for the
sync tests (and reusable by other tests: ``build_world(tmp_path, villages=3)``).

Each site is a real SQLCipher register opened with :class:`carebook.sync.exchange.SyncSite`
(passphrase, no keyring); the township enrols every village with a real enrolment file, each
village starts from it. Bundles travel through ``world.stick`` (a folder standing for the USB
stick). All personal data is synthetic.

Use the fixture in a test module with ``from sync_world import sync_world  # noqa: F401``, or
call :func:`build_world` (and ``world.close()``) for other sizes. Helpers: ``world.export(site)``
and ``world.deliver(site, paths)`` move bundles through the stick; :func:`tracked_state` gives
every record's synced values to compare registers; :func:`content_hash` hashes every table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from carebook.model import keys
from carebook.model.db import create_database
from carebook.model.idnumber import id_number_check_character
from carebook.model.register import Register
from carebook.model.schema import TRACKED, metadata
from carebook.model.services.bulk import import_children
from carebook.model.services.children import clean_child_input
from carebook.sync.exchange import (
    SyncSite,
    create_enrolment_file,
    export_bundles,
    import_bundles,
    setup_installation,
    setup_village_from_enrolment,
)

PASSPHRASE = "synthetic sync passphrase"
TOWNSHIP_CODE = "610402100"
TOWNSHIP_NAME = "幸福镇"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "小明秀英建国丽华志强海燕子涵雨轩浩然欣怡"


def village_code(i: int) -> str:
    """The division code of village ``i`` (0-based)."""
    return f"{TOWNSHIP_CODE}{201 + i:03d}"


def create_site(data_dir: Path) -> SyncSite:
    """A new empty encrypted register (fast key derivation for tests), opened as a site."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keys, "SCRYPT_N", 2**14)
        db = create_database(data_dir, passphrase=PASSPHRASE, use_keyring=False)
    return SyncSite(db, Register(db.sessionmaker, data_dir=data_dir, close=db.close))


def synthetic_ledger(n: int, *, seed: int, today: dt.date) -> list[dict[str, Any]]:
    """``n`` invented children (valid GB 11643 ID numbers, county 610402) as field dicts."""
    rng = random.Random(seed)
    rows = []
    used: set[str] = set()
    while len(rows) < n:
        birth = today - dt.timedelta(days=rng.randint(365, 15 * 365))
        first17 = f"610402{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        number = first17 + id_number_check_character(first17)
        if number in used:
            continue
        used.add(number)
        rows.append({
            "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)), "id_number": number,
            "registration_type": "rural", "current_address": f"{rng.randint(1, 99)}组{rng.randint(1, 40)}号",
            "father.name": rng.choice(SURNAMES) + rng.choice(GIVEN), "father.status": "working_away",
            "mother.name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "mother.status": rng.choice(["working_away", "at_home"]),
        })
    return rows


@dataclass
class SyncWorld:
    """The township, its villages and the stick folder."""

    township: SyncSite
    villages: list[SyncSite]
    stick: Path
    today: dt.date
    _counter: list[int] = field(default_factory=lambda: [0])

    def sites(self) -> list[SyncSite]:
        """Township first, then the villages."""
        return [self.township, *self.villages]

    def export(self, site: SyncSite) -> list[Path]:
        """Export from ``site`` into a fresh folder on the stick; returns the bundle files."""
        self._counter[0] += 1
        folder = self.stick / f"x{self._counter[0]:04d}"
        folder.mkdir()
        return [p for r in export_bundles(site, folder) for p in r.paths]

    def deliver(self, site: SyncSite, paths: list[Path]) -> None:
        """Import ``paths`` at ``site`` (no backups, for speed)."""
        import_bundles(site, paths, backup=False)

    def sync_round(self) -> None:
        """Every village sends to the township; the township answers every village (one folder
        per round on the stick, each return bundle imported by the village it is for)."""
        for village in self.villages:
            self.deliver(self.township, self.export(village))
        self._counter[0] += 1
        folder = self.stick / f"ret{self._counter[0]:04d}"
        folder.mkdir()
        for result in export_bundles(self.township, folder):
            village = next(v for v in self.villages if v.installation().org_code == result.peer_code)
            self.deliver(village, result.paths)

    def import_ledger(self, village: SyncSite, n: int, seed: int) -> list[str]:
        """The village imports a ledger of ``n`` synthetic children with a last visit each
        (bulk path, as the ledger importer does); returns the new child ids."""
        rows = synthetic_ledger(n, seed=seed, today=self.today)
        inputs = [clean_child_input(r, today=self.today) for r in rows]
        visits = [self.today - dt.timedelta(days=10 + i) for i in range(n)]
        with village.register.writing() as session:
            return import_children(session, inputs, last_visits=visits, today=self.today).created

    def close(self) -> None:
        """Close every register."""
        for site in self.sites():
            site.close()


def build_world(base: Path, villages: int = 3) -> SyncWorld:
    """A township with ``villages`` enrolled villages (enrolment file -> init -> first bundle
    imported by the township, so every village is pinned)."""
    township = create_site(base / "township")
    setup_installation(township, role="township", org_code=TOWNSHIP_CODE, org_name=TOWNSHIP_NAME, actor="周督导")
    stick = base / "stick"
    stick.mkdir()
    world = SyncWorld(township, [], stick, dt.date.today())
    for i in range(villages):
        enrol = create_enrolment_file(township, village_code=village_code(i), village_name=f"第{i + 1}村",
                                      out=stick)
        assert enrol.village_code == village_code(i)
        site = create_site(base / f"village{i}")
        setup_village_from_enrolment(site, stick / f"enrol-{village_code(i)}.cbe", actor=f"村{i + 1}儿童主任")
        world.villages.append(site)
    return world


@pytest.fixture
def sync_world(tmp_path: Path) -> Iterator[SyncWorld]:
    """A township and three villages, each village enrolled (see :func:`build_world`)."""
    world = build_world(tmp_path, 3)
    try:
        yield world
    finally:
        world.close()


# --------------------------------------------------------------------------- comparisons


def tracked_state(site: SyncSite) -> dict[tuple[str, str], dict[str, Any]]:
    """Every tracked record's tracked field values, by ``(table, id)``."""
    from carebook.model.jsonvalues import to_json_value
    from carebook.sync.merge import columns_of

    out: dict[tuple[str, str], dict[str, Any]] = {}
    with site.register.reading() as session:
        for entity in TRACKED:
            info = columns_of(entity)
            for row in session.execute(select(info.table)):
                out[(entity, row.id)] = {k: to_json_value(row._mapping[k]) for k in info.tracked}
    return out


def content_hash(site: SyncSite, skip: tuple[str, ...] = ()) -> str:
    """SHA-256 over every row of every table (sorted) but those in ``skip``, to prove nothing changed."""
    digest = hashlib.sha256()
    with site.register.reading() as session:
        for table in sorted(t for t in metadata.tables if t not in skip):
            rows = session.execute(text(f'SELECT * FROM "{table}"')).all()
            for row in sorted(repr(tuple(r)) for r in rows):
                digest.update(row.encode())
    return digest.hexdigest()


def kill_at_marker(args: list[str], marker: Path) -> None:
    """Run ``python -c <args>`` in a subprocess (keyring off), wait until it writes ``marker``
    (it then sleeps: the middle of the work under test), and SIGKILL it. Asserts that the marker
    came and that the process died of the signal."""
    import os
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-c", *args], env={**os.environ, "CAREBOOK_KEYRING": "0"})
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), "the subprocess reached the point where it is killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

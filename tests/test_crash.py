"""Crash tests: a real ``carebook`` process is killed with SIGKILL in the middle of a ledger
import, a bundle import, a bundle export and a backup; a WAL file is cut short. Each time the
register is consistent afterwards (``carebook check`` exits 0), nothing half-done is visible,
and a rerun completes.

The process is held at a known point by wrapping one internal function (the driver below) so
that the kill lands mid-operation every time, not by timing.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from carebook.cli.main import main
from carebook.model import keys
from carebook.model.backups import list_backups, restore_backup
from carebook.model.db import open_database
from carebook.model.integrity import check_register
from protect_helpers import PASSPHRASE, digest_of, new_database, table_digest
from sync_world import PASSPHRASE as SYNC_PASSPHRASE
from sync_world import build_world, content_hash

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX SIGKILL")

SAMPLE = Path(__file__).parent / "data" / "ledger" / "village-ledger-sample.xlsx"

_DRIVER = """
import importlib, sys, time
from pathlib import Path
marker, target, argv = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
module_name, attr = target.rsplit(".", 1)
module = importlib.import_module(module_name)
original = getattr(module, attr)
def held(*args, **kwargs):
    result = original(*args, **kwargs)
    marker.write_text("reached")
    time.sleep(120)
    return result
setattr(module, attr, held)
from carebook.cli.main import main
sys.exit(main(argv))
"""


def kill_midway(tmp_path: Path, target: str, argv: list[str], passphrase: str) -> None:
    """Run ``carebook ARGV`` with ``target`` (``module.function``) held after it returns, and
    SIGKILL the process there."""
    marker = tmp_path / f"marker-{time.monotonic_ns()}"
    env = {**os.environ, "CAREBOOK_KEYRING": "off", "CAREBOOK_PASSPHRASE": passphrase}
    proc = subprocess.Popen([sys.executable, "-c", _DRIVER, str(marker), target, *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(1200):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), f"{target} was not reached: {proc.stderr.read().decode() if proc.stderr else ''}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def cli_check(data_dir: Path, monkeypatch: pytest.MonkeyPatch, passphrase: str) -> int:
    """``carebook --data-dir D check``; returns its exit code."""
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", passphrase)
    return main(["--data-dir", str(data_dir), "check"])


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)


def _children(data_dir: Path, passphrase: str) -> int:
    db = open_database(data_dir, passphrase=passphrase)
    try:
        with db.sessionmaker() as session:
            return int(session.scalar(text("SELECT count(*) FROM child")) or 0)
    finally:
        db.close()


def test_kill_during_ledger_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    new_database(data).close()
    before = digest_of(data, passphrase=PASSPHRASE)
    argv = ["--data-dir", str(data), "ledger", "import", str(SAMPLE), "--skip-bad"]
    kill_midway(tmp_path, "carebook.documents.ledger_import.import_children", argv, PASSPHRASE)
    assert digest_of(data, passphrase=PASSPHRASE) == before  # the rows written were never committed
    assert cli_check(data, monkeypatch, PASSPHRASE) == 0
    assert main(argv) == 0  # the rerun completes
    assert _children(data, PASSPHRASE) > 0
    assert cli_check(data, monkeypatch, PASSPHRASE) == 0


def test_kill_during_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    new_database(data).close()
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data), "ledger", "import", str(SAMPLE), "--skip-bad"]) == 0
    before = digest_of(data, passphrase=PASSPHRASE)
    kill_midway(tmp_path, "carebook.model.db._fsync_file", ["--data-dir", str(data), "backup"], PASSPHRASE)
    assert list_backups(data / "backups") == []  # no backup under a final name
    assert cli_check(data, monkeypatch, PASSPHRASE) == 0
    assert main(["--data-dir", str(data), "backup"]) == 0
    [backup] = list_backups(data / "backups")
    restore_backup(backup.path, tmp_path / "restored", passphrase=PASSPHRASE)
    assert digest_of(tmp_path / "restored", passphrase=PASSPHRASE) == before


def test_kill_during_bundle_export_and_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world(tmp_path / "world", 1)
    village, township = world.villages[0], world.township
    world.import_ledger(village, 12, seed=7)
    village_dir, township_dir = village.db.paths.root, township.db.paths.root
    township_before = content_hash(township)
    world.close()
    stick = tmp_path / "stick"
    stick.mkdir()

    # export: killed after the bundle was renamed into place, before it was read back
    village_before = digest_of(village_dir, passphrase=SYNC_PASSPHRASE)
    kill_midway(tmp_path, "carebook.sync.atomic_files.read_back",
                ["--data-dir", str(village_dir), "bundle", "export", "--to", str(stick)], SYNC_PASSPHRASE)
    assert digest_of(village_dir, passphrase=SYNC_PASSPHRASE) == village_before
    assert cli_check(village_dir, monkeypatch, SYNC_PASSPHRASE) == 0
    again = tmp_path / "stick2"
    again.mkdir()
    assert main(["--data-dir", str(village_dir), "bundle", "export", "--to", str(again)]) == 0
    [bundle] = [p for p in again.iterdir() if not p.name.startswith(".")]

    # import: killed in the middle of the merge transaction
    kill_midway(tmp_path, "carebook.sync.merge._materialise",
                ["--data-dir", str(township_dir), "bundle", "import", "--no-backup", str(bundle)], SYNC_PASSPHRASE)
    from carebook.sync.exchange import SyncSite

    site = SyncSite.open(township_dir, passphrase=SYNC_PASSPHRASE)
    try:
        assert content_hash(site) == township_before
    finally:
        site.close()
    assert cli_check(township_dir, monkeypatch, SYNC_PASSPHRASE) == 0
    assert main(["--data-dir", str(township_dir), "bundle", "import", str(bundle)]) == 0
    assert _children(township_dir, SYNC_PASSPHRASE) == 12
    # the bundle left by the killed export is complete too: importing it changes nothing more
    leftovers = [p for p in stick.iterdir() if not p.name.startswith(".")]
    for path in leftovers:
        assert main(["--data-dir", str(township_dir), "bundle", "import", str(path)]) == 0
    assert _children(township_dir, SYNC_PASSPHRASE) == 12
    assert cli_check(township_dir, monkeypatch, SYNC_PASSPHRASE) == 0


_WRITER = """
import sys, time, datetime as dt
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from carebook.model.db import open_database
from carebook.model.register import Register
from model_helpers import child_values
db = open_database(Path(sys.argv[1]), passphrase=sys.argv[4])
with db.engine.connect() as conn:  # keep everything in the WAL: no checkpoint
    conn.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
    reg = Register(db.sessionmaker)
    for i in range(6):
        reg.register_child(child_values(f"王小{'一二三四五六'[i]}", dt.date(2014, 5, 1 + i), seq=20 + i))
    Path(sys.argv[2]).write_text("six committed")
    time.sleep(120)
"""


def test_truncated_wal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    new_database(data).close()
    marker = tmp_path / "marker"
    env = {**os.environ, "CAREBOOK_KEYRING": "off"}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(data), str(marker), str(Path(__file__).parent),
                             PASSPHRASE], env=env, stderr=subprocess.PIPE)
    try:
        for _ in range(1200):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    wal = data / "carebook.db-wal"
    size = wal.stat().st_size
    assert size > 32 + 4096  # the six transactions are in the WAL only
    seen = set()
    for cut in (size - 100, size // 2, 32 + 24 + 2000, 10):
        copy = tmp_path / f"cut-{cut}"
        shutil.copytree(data, copy)
        with open(copy / "carebook.db-wal", "r+b") as handle:
            handle.truncate(cut)
        count = _children(copy, PASSPHRASE)
        seen.add(count)
        assert 0 <= count <= 6
        db = open_database(copy, passphrase=PASSPHRASE)
        try:
            report = check_register(db.sessionmaker)
            assert report.ok, report.to_json()
            table_digest(db)
        finally:
            db.close()
        assert cli_check(copy, monkeypatch, PASSPHRASE) == 0
    assert _children(data, PASSPHRASE) == 6  # the whole WAL: every committed child
    assert 0 in seen and max(seen) < 6  # cut short: the torn transactions are gone, whole

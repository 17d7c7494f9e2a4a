"""A write that the operating system really refuses half-way (issue 5 acceptance 4, the hard case).

``test_sync_e2e`` fakes the free-space figure; here the free-space check passes (the disk has
room) and the OS then refuses the bundle's bytes *while they are written*. Without root, the way
to make the kernel refuse a write is a file-size limit: the command runs in a child process
with ``RLIMIT_FSIZE = N`` and SIGXFSZ ignored, so every ``write()`` past byte ``N`` of any file
fails with ``EFBIG`` — the same errno a FAT32 stick gives past 4 GiB − 1, and the same code
path as ``ENOSPC`` (``atomic_files._write_one`` → ``WriteFailedError`` with
``os_error_text``'s words).

Choosing ``N``: the limit applies to every file the process writes, the register and its WAL
included, so ``N`` is set well above the register's files (measured, not assumed) and far below
the bundle, which carries a 3 MiB incompressible scan (attachments travel inside bundles).
The failing command therefore opens and reads the register normally and fails only in the
bundle write, after ``N`` bytes of the temporary file are on disk.

Checked: a clear message in the user's words (no traceback), a non-zero exit, nothing in the
target folder (no final name, no ``cbtmp-*.tmp`` left), every table of the register unchanged
(content hash), and the next export without the limit carries the same changes (count, sequence
range, and the same change ids arriving at the township). A second test does the same for
``carebook backup --to DIR``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from carebook.model.attachment_store import add_attachment
from carebook.model.changelog import ChangeLogEntry
from carebook.model.queries.sync_status import unsent_change_count
from carebook.sync.exchange import SyncSite, import_bundle
from sync_world import PASSPHRASE, build_world, content_hash

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE semantics: Linux")

#: Runs ``python -m carebook ARGS…`` under a file-size limit of ``argv[1]`` bytes. SIGXFSZ is
#: ignored so that a write past the limit fails with EFBIG instead of killing the process
#: (CPython ignores it already at start-up; set here so the test does not depend on that).
_DRIVER = """
import resource, runpy, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["carebook", *sys.argv[2:]]
runpy.run_module("carebook", run_name="__main__", alter_sys=True)
"""

SCAN_BYTES = 3 * 1024 * 1024
EFBIG_ZH = "文件太大"


def _env() -> dict[str, str]:
    return {**os.environ, "CAREBOOK_PASSPHRASE": PASSPHRASE, "CAREBOOK_KEYRING": "0", "CAREBOOK_LANG": "zh"}


def _carebook(*args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process, under ``limit`` bytes per file if given."""
    if limit is None:
        command = [sys.executable, "-m", "carebook", *args]
    else:
        command = [sys.executable, "-c", _DRIVER, str(limit), *args]
    return subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=600, check=False)


@contextmanager
def _opened(data_dir: Path) -> Iterator[SyncSite]:
    site = SyncSite.open(data_dir, passphrase=PASSPHRASE)
    try:
        yield site
    finally:
        site.close()


def _largest_register_file(data_dir: Path) -> int:
    """The largest file of the register itself (database, WAL, shared memory, key files)."""
    return max(p.stat().st_size for p in data_dir.iterdir() if p.is_file())


def _limit_for(data_dir: Path) -> int:
    """``N``: twice the register's largest file plus 1 MiB (room for the WAL and for growth
    while opening), and asserted to stay 1 MiB below the scan (so below the bundle)."""
    limit = 2 * _largest_register_file(data_dir) + (1 << 20)
    assert limit + (1 << 20) < SCAN_BYTES, f"the register ({_largest_register_file(data_dir)} bytes) is too large for the test"
    return limit


def _add_scan(site: SyncSite, child_id: str, folder: Path) -> None:
    """Attach a synthetic 3 MiB 'JPEG' of random (incompressible) bytes to a child."""
    source = folder / "scan.jpg"
    source.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(SCAN_BYTES))
    with site.register.writing() as session:
        add_attachment(session, site.db.paths.attachments, source, owner_entity="child", owner_id=child_id,
                       child_id=child_id)


def _own_change_ids(site: SyncSite, origin: str) -> set[tuple[str, int]]:
    with site.register.reading() as session:
        rows = session.execute(select(ChangeLogEntry.origin, ChangeLogEntry.origin_seq)
                               .where(ChangeLogEntry.origin == origin))
        return {(o, int(s)) for o, s in rows}


def _assert_clear_failure(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_bundle_export_refused_midway_by_the_os_leaves_nothing_and_loses_nothing(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    village_dir = tmp_path / "village0"
    try:
        village = world.villages[0]
        children = world.import_ledger(village, 8, seed=4)
        _add_scan(village, children[0], tmp_path)
        village_id = village.installation().id
        unsent = village.register.read(unsent_change_count)
        own = _own_change_ids(village, village_id)
        assert unsent > 0 and len(own) == unsent
    finally:
        world.close()
    with _opened(village_dir) as site:
        before = content_hash(site)
    limit = _limit_for(village_dir)
    stick = tmp_path / "stick-efbig"
    stick.mkdir()

    failed = _carebook("--data-dir", str(village_dir), "bundle", "export", "--to", str(stick), limit=limit)

    _assert_clear_failure(failed, "写入文件失败", EFBIG_ZH)
    assert failed.returncode == 1
    assert sorted(p.name for p in stick.iterdir()) == []  # no final name, no cbtmp-*.tmp
    with _opened(village_dir) as site:
        assert content_hash(site) == before
        assert site.register.read(unsent_change_count) == unsent

    done = _carebook("--data-dir", str(village_dir), "bundle", "export", "--to", str(stick), "--json")
    assert done.returncode == 0, done.stderr
    exported: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(exported) == 1
    result = exported[0]
    assert result["size"] > limit  # the bundle really is larger than what the limit let through
    assert (result["changes"], result["attachments"]) == (unsent, 1)
    assert (result["seq_from"], result["seq_to"]) == (min(s for _, s in own), max(s for _, s in own))
    assert sorted(p.name for p in stick.iterdir()) == sorted(Path(f).name for f in result["files"])
    with _opened(tmp_path / "township") as township:
        imported = import_bundle(township, [Path(f) for f in result["files"]], backup=False)
        assert imported.merge.applied == unsent
        assert _own_change_ids(township, village_id) == own


def test_backup_copy_refused_midway_by_the_os_leaves_no_copy(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    village_dir = tmp_path / "village0"
    try:
        village = world.villages[0]
        children = world.import_ledger(village, 4, seed=5)
        _add_scan(village, children[0], tmp_path)
    finally:
        world.close()
    # A first backup without a limit puts the scan into the backups' shared attachment pool, so
    # the limited run below writes only a database-sized backup locally and fails copying the scan.
    first = _carebook("--data-dir", str(village_dir), "backup", "--json")
    assert first.returncode == 0, first.stderr
    with _opened(village_dir) as site:
        before = content_hash(site)
    limit = _limit_for(village_dir)
    stick = tmp_path / "stick-efbig"
    stick.mkdir()  # backup --to refuses a folder that does not exist (a stick not plugged in)

    failed = _carebook("--data-dir", str(village_dir), "backup", "--to", str(stick), limit=limit)

    _assert_clear_failure(failed, "无法把备份复制到", EFBIG_ZH)
    copied = [p for p in stick.rglob("*") if p.is_file()] if stick.exists() else []
    assert copied == []  # no backup under its name, no key file, no half-copied scan or temp file
    with _opened(village_dir) as site:
        assert content_hash(site) == before

    done = _carebook("--data-dir", str(village_dir), "backup", "--to", str(stick), "--json")
    assert done.returncode == 0, done.stderr
    copy = Path(json.loads(done.stdout)["copy"])
    assert copy.parent == stick and copy.is_file() and copy.with_name(copy.name + ".keys.json").is_file()
    assert sum(p.stat().st_size for p in (stick / "carebook-attachments").rglob("*") if p.is_file()) > SCAN_BYTES

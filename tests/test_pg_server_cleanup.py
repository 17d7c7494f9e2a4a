"""The throw-away PostgreSQL server's folders do not pile up in /tmp: a failed start removes
its folder, and folders left by killed runs (older than a day, no server running) are removed at
the next start, while a young folder or one whose server still runs is left alone. Real folders
and real processes; no PostgreSQL needed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import pg_server


def _folder(base: Path, name: str, *, pid: int | None, age_s: float) -> Path:
    folder = base / f"{pg_server.PREFIX}{name}"
    (folder / "data").mkdir(parents=True)
    if pid is not None:
        (folder / "data" / "postmaster.pid").write_text(f"{pid}\n{folder / 'data'}\n")
    stamp = time.time() - age_s
    os.utime(folder, (stamp, stamp))
    return folder


def test_stale_folders_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    server_like = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "postgres"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    day = pg_server.STALE_AFTER_S
    try:
        no_server = _folder(tmp_path, "a", pid=None, age_s=day + 60)
        dead = _folder(tmp_path, "b", pid=gone.pid, age_s=day + 60)
        reused = _folder(tmp_path, "c", pid=other.pid, age_s=day + 60)  # pid taken by something else
        running = _folder(tmp_path, "d", pid=server_like.pid, age_s=day + 60)
        young = _folder(tmp_path, "e", pid=gone.pid, age_s=60)
        unrelated = tmp_path / "cbother-x"
        unrelated.mkdir()
        os.utime(unrelated, (time.time() - 2 * day, time.time() - 2 * day))
        removed = pg_server.remove_stale_folders(tmp_path)
        assert sorted(removed) == sorted([no_server, dead, reused])
        assert running.exists() and young.exists() and unrelated.exists()
        assert not no_server.exists() and not dead.exists() and not reused.exists()
    finally:
        for p in (server_like, other):
            p.kill()
            p.wait()


def test_a_failed_start_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pg_server.ENV_URL, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(pg_server.glob, "glob", lambda pattern: ["/bin/false"])  # an initdb that fails
    server = pg_server._Server()
    server.start()
    assert server.admin_url is None and server.error and "could not start PostgreSQL" in server.error
    assert list(tmp_path.glob(f"{pg_server.PREFIX}*")) == []
    server.stop()  # again: nothing to do

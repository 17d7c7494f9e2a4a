"""A throw-away PostgreSQL server for the tests (and the benchmark).

``$CAREBOOK_TEST_PG_URL`` (an admin URL such as ``postgresql+psycopg://postgres@/postgres?host=/run/postgresql``)
uses an existing server. Otherwise the Debian ``postgresql`` binaries (``initdb``, ``pg_ctl`` in
``/usr/lib/postgresql/<version>/bin``, installed by ``tools/setup.sh``) start a private server in a
temporary directory, listening only on a Unix socket, with ``fsync=off`` (test data). As root
(CI), PostgreSQL refuses to run, so it runs as the ``postgres`` user through ``runuser``. One
server serves the whole test session (stopped at exit); each test gets its own database.

Its temporary directory (``/tmp/cbpg-*``) is removed when the session ends (``atexit``, registered
before the server starts, and :func:`stop_server`, which ``tests/conftest.py`` calls from a
session fixture's finaliser) and when the start fails. A run killed before either could run
leaves its folder: at the next start, :func:`remove_stale_folders` deletes ``cbpg-*`` folders
older than a day whose ``postmaster.pid`` names no running PostgreSQL process (or that have no
server at all).

:func:`fresh_database_url` skips the test, saying why, when no server can be had.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ENV_URL = "CAREBOOK_TEST_PG_URL"
PREFIX = "cbpg-"
#: A leftover folder younger than this is left alone (another run may be starting its server).
STALE_AFTER_S = 24 * 3600


def _server_running(folder: Path) -> bool:
    """Whether ``folder/data/postmaster.pid`` names a live PostgreSQL process (unreadable: assume so)."""
    pid_file = folder / "data" / "postmaster.pid"
    try:
        if not pid_file.exists():
            return False
        first = pid_file.read_text(errors="replace").splitlines()[:1]
    except OSError:
        return True
    if not first or not first[0].strip().isdigit():
        return False
    pid = int(first[0].strip())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"postgres" in cmdline  # a reused pid is not our server


def remove_stale_folders(base: Path | None = None, *, now: float | None = None) -> list[Path]:
    """Delete ``cbpg-*`` folders in ``base`` (the temp directory) left by aborted runs: older than
    :data:`STALE_AFTER_S` and with no running server. Returns the folders removed."""
    base = Path(base or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    for folder in base.glob(f"{PREFIX}*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or now - folder.stat().st_mtime < STALE_AFTER_S:
                continue
        except OSError:
            continue
        if _server_running(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


class _Server:
    def __init__(self) -> None:
        self.admin_url: str | None = None
        self.error: str | None = None
        self.directory: Path | None = None
        self.pg_ctl: str | None = None
        self.started = False

    def _as_postgres(self, args: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def start(self) -> None:
        self.started = True
        if os.environ.get(ENV_URL):
            self.admin_url = os.environ[ENV_URL]
            return
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = bins[-1] if bins else shutil.which("initdb")
        if not initdb:
            self.error = "PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
            return
        bindir = Path(initdb).parent
        self.pg_ctl = str(bindir / "pg_ctl")
        if os.geteuid() == 0 and not shutil.which("runuser"):
            self.error = "running as root without runuser: cannot start PostgreSQL as another user"
            return
        remove_stale_folders()
        directory = Path(tempfile.mkdtemp(prefix=PREFIX))
        self.directory = directory
        atexit.register(self.stop)
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres")
        data = directory / "data"
        try:
            subprocess.run(
                self._as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                   "--no-sync", "--locale=C"]),
                check=True, capture_output=True, timeout=120,
            )
            options = f"-k {directory} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            subprocess.run(
                self._as_postgres([self.pg_ctl, "-D", str(data), "-o", options, "-l", str(directory / "log"),
                                   "-w", "-t", "60", "start"]),
                check=True, capture_output=True, timeout=90,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            self.error = f"could not start PostgreSQL: {exc} {detail.decode(errors='replace')[:300]}"
            self.stop()
            return
        self.admin_url = f"postgresql+psycopg://postgres@/postgres?host={directory}"

    def stop(self) -> None:
        """Stop the server (if it runs) and delete its folder; safe to call more than once."""
        if self.directory is None:
            return
        data = self.directory / "data"
        if self.pg_ctl is not None and (data / "postmaster.pid").exists():
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                subprocess.run(self._as_postgres([self.pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                               capture_output=True, timeout=60, check=False)  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None


_SERVER = _Server()


def stop_server() -> None:
    """Stop the session's server, if one was started here, and delete its folder."""
    _SERVER.stop()


def admin_url() -> str | None:
    """The admin URL of the session's server (starting it on first use), or ``None``."""
    if not _SERVER.started:
        _SERVER.start()
    return _SERVER.admin_url


def fresh_database_url() -> str:
    """Create an empty database on the session's server and return its URL; skip the test with
    the reason when there is no server."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = admin_url()
    if url is None:
        pytest.skip(_SERVER.error or "no PostgreSQL server")
    name = f"cb_{uuid.uuid4().hex[:12]}"
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name is generated hex
    return parsed.set(database=name).render_as_string(hide_password=False)

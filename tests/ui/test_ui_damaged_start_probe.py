"""A scripted start (``CAREBOOK_EXIT_WHEN_READY=1``, :mod:`carebook.ui.ready_probe`) on a
damaged register: the real ``python -m carebook --data-dir D`` in a subprocess, offscreen. The
recovery message is modal and nobody answers it, so the start prints
``carebook-not-ready damaged-database`` and exits non-zero instead of hanging; the damage is
logged in one line, without a traceback, and the files are left as they are. Synthetic data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from carebook.model.backups import take_backup
from protect_helpers import PASSPHRASE, do_work, new_database


def test_armed_start_on_a_damaged_register_says_not_ready_and_exits(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    take_backup(db, kind="daily")
    db.close()
    with open(data / "carebook.db", "r+b") as handle:  # the first page: the key no longer opens it
        handle.write(b"\x00" * 4096)
    damaged = (data / "carebook.db").read_bytes()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CAREBOOK_KEYRING": "off",
           "CAREBOOK_PASSPHRASE": PASSPHRASE, "CAREBOOK_EXIT_WHEN_READY": "1",
           "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    proc = subprocess.run([sys.executable, "-m", "carebook", "--data-dir", str(data)],
                          capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode != 0
    assert "carebook-not-ready damaged-database" in proc.stdout.splitlines(), (proc.stdout, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "damaged" in proc.stderr  # the one log line
    # nothing moved aside or restored: a person decides at the next start
    assert (data / "carebook.db").read_bytes() == damaged
    assert not [p for p in data.iterdir() if p.name.startswith("damaged-")]

"""A backup killed half-way leaves ``<name>.db.pending``; pruning removes it once it is stale."""

from __future__ import annotations

import os
import time
from pathlib import Path

from carebook.model.backups import prune_backups


def test_stale_pending_backups_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    stale = tmp_path / "manual-carebook-20261101T000000Z.db.pending"
    fresh = tmp_path / "manual-carebook-20261129T000000Z.db.pending"
    for f in (stale, fresh):
        f.write_bytes(b"unfinished")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    prune_backups(tmp_path)
    assert not stale.exists()
    assert fresh.exists()

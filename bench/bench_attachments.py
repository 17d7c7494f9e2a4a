"""What sealing attachments costs: sealing and opening scans (MB/s) against a plain copy of the
same bytes (baseline, measured in the same run), a backup with its attachment files (first, and
a second one that finds them in the pool), and the check that opening a register does
(``prepare_store``) when there is nothing to seal.

    .venv/bin/python bench/bench_attachments.py                  # 40 scans of 2 MiB
    .venv/bin/python bench/bench_attachments.py --scans 200 --size 1

Synthetic data only; prints figures, asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from carebook.model import keys
from carebook.model.attachment_store import AttachmentStore, prepare_store
from carebook.model.backups import take_backup
from carebook.model.db import create_database
from carebook.model.register import Register


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scans", type=int, default=40)
    parser.add_argument("--size", type=float, default=2.0, help="MiB per scan")
    args = parser.parse_args()
    os.environ.setdefault("CAREBOOK_KEYRING", "off")
    keys.SCRYPT_N = 2**14
    size = int(args.size * 1024 * 1024)
    scans = [os.urandom(size) for _ in range(args.scans)]
    total_mb = args.scans * size / 1e6
    with tempfile.TemporaryDirectory(prefix="carebook-bench-att-") as tmp:
        root = Path(tmp)
        db = create_database(root / "data", passphrase="bench passphrase")
        Register(db.sessionmaker, data_dir=db.paths.root).initialise(
            role="village", org_code="610402100201", org_name="东湾村", parent_code="610402100", parent_name="幸福镇")

        # baseline: the same bytes written as plain files (temporary name, fsync, rename)
        plain = root / "plain"
        plain.mkdir()
        t0 = time.perf_counter()
        for data in scans:
            name = hashlib.sha256(data).hexdigest()
            tmp_path = plain / (name + ".tmp")
            with open(tmp_path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_path, plain / name)
        plain_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in scans:
            name = hashlib.sha256(data).hexdigest()
            assert hashlib.sha256((plain / name).read_bytes()).hexdigest() == name
        plain_read = time.perf_counter() - t0

        with db.sessionmaker() as session, session.begin():
            store = AttachmentStore.of(session, db.paths.attachments)
        t0 = time.perf_counter()
        digests = [store.put(data) for data in scans]
        seal = time.perf_counter() - t0
        t0 = time.perf_counter()
        for digest, data in zip(digests, scans, strict=True):
            assert store.get(digest) == data
        open_ = time.perf_counter() - t0

        t0 = time.perf_counter()
        take_backup(db, kind="manual")
        first_backup = time.perf_counter() - t0
        t0 = time.perf_counter()
        take_backup(db, kind="manual")
        second_backup = time.perf_counter() - t0

        checks = []
        for _ in range(20):
            t0 = time.perf_counter()
            prepare_store(db.sessionmaker, db.paths.attachments)
            checks.append(time.perf_counter() - t0)
        db.close()
        shutil.rmtree(root / "data")

    print(f"{args.scans} scans x {args.size} MiB = {total_mb:.0f} MB")
    print(f"write  plain (baseline) {total_mb / plain_write:8.1f} MB/s   sealed {total_mb / seal:8.1f} MB/s"
          f"   ratio {seal / plain_write:.2f}x")
    print(f"read   plain (baseline) {total_mb / plain_read:8.1f} MB/s   opened {total_mb / open_:8.1f} MB/s"
          f"   ratio {open_ / plain_read:.2f}x")
    print(f"backup with attachment files: first {first_backup:.2f} s, second (files already in the pool) "
          f"{second_backup:.2f} s")
    print(f"open-time check, nothing to seal: median {statistics.median(checks) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: render entrustment-guardianship confirmations (three A4 pages each) to PDF bytes.

Renders ``--forms`` distinct confirmations (default 500: different document ids, versions and
names, some with CJK Extension B characters from the fallback font) and prints forms per
second, in one process and, with ``--workers N`` (default: the number of CPUs), in a process
pool as a batch print would. The first form (font loading) is timed apart.

Target (issue 4, on the 2-core reference machine): >= 20 forms/s. Figures are printed, never
asserted. CPU time per form is printed too: on a busy machine wall-clock rates understate what
one free core does.

Usage: ``.venv/bin/python bench/bench_entrustment.py [--forms N] [--workers N]``
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

from carebook.documents.entrustment import render_entrustment
from carebook.documents.form_data import EntrustmentFormData
from carebook.documents.samples import sample_entrustment

NAMES = ["张𠀀", "吉𠮷", "王子涵", "李浩然", "陈欣怡", "刘梓萱", "赵宇轩", "黄一诺"]


def form(i: int) -> EntrustmentFormData:
    """The i-th synthetic confirmation."""
    data = sample_entrustment(child_name=NAMES[i % len(NAMES)], document_id=str(uuid.UUID(int=i + 1)))
    return dataclasses.replace(data, ref=dataclasses.replace(data.ref, record_version=1 + i % 7))


def render_range(start: int, stop: int) -> int:
    """Render forms start..stop-1; return the total bytes."""
    return sum(len(render_entrustment(form(i))) for i in range(start, stop))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    n = args.forms

    t0 = time.perf_counter()
    first = len(render_entrustment(form(0)))
    t1 = time.perf_counter()
    print(f"first form (loads fonts): {t1 - t0:.2f} s, {first / 1024:.0f} KiB")

    t0, c0 = time.perf_counter(), time.process_time()
    total = render_range(1, n + 1)
    dt_single = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(
        f"one process: {n} forms in {dt_single:.2f} s = {n / dt_single:.1f} forms/s "
        f"({3 * n / dt_single:.0f} pages/s), {total / n / 1024:.0f} KiB per form"
    )
    # CPU time is what one core costs, whatever else runs on the machine (wall time is not).
    print(
        f"CPU time: {1000 * cpu / n:.1f} ms per form = {n / cpu:.1f} forms per CPU-second; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )

    if args.workers > 1:
        w = args.workers
        chunks = [(1 + k * n // w, 1 + (k + 1) * n // w) for k in range(w)]
        with ProcessPoolExecutor(w) as pool:
            list(pool.map(render_range, [0] * w, [1] * w))  # warm up: load fonts in each worker
            t0 = time.perf_counter()
            list(pool.map(render_range, [a for a, _ in chunks], [b for _, b in chunks]))
            dt_pool = time.perf_counter() - t0
        print(f"{w} processes: {n} forms in {dt_pool:.2f} s = {n / dt_pool:.1f} forms/s")
    print("target: >= 20 forms/s")


if __name__ == "__main__":
    main()

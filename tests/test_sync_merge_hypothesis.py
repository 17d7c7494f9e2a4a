"""Convergence under random edits and random delivery (issue 5 acceptance 2): a township and two
villages edit shared children; bundles are delivered late, twice, out of order or dropped (and
then carried again by the next export). Every register ends with the same values, and every pair
of concurrent same-field edits with different values is recorded as a conflict at the township,
and nothing else is.

Strength. The registers (enrolled, each village with two children, everyone synced twice) are
built once per module and copied for each example, which then costs about 1 s of CPU (three real
SQLCipher registers, real bundle files, fsyncs). Measured on the shared 2-core machine under a
load average of 9: 30 examples in 134 s of wall time, 41 s of CPU for the whole file (before:
6 examples, each building its registers, 45 s). Profiles, chosen with
``CAREBOOK_HYPOTHESIS_PROFILE``:

* ``ci`` (default): 30 examples, well within a minute of CPU;
* ``thorough``: 400 examples (about 7 minutes of CPU), by hand before a release:
  ``CAREBOOK_HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/test_sync_merge_hypothesis.py
  --hypothesis-show-statistics``.

What matters is counted in every example (:class:`Situations`: concurrent same-field edits with
different values, bundles with changes dropped and their changes resent, duplicate deliveries,
bundles delivered out of order), reported as hypothesis events (``--hypothesis-show-statistics``)
and used as hypothesis targets, so the search steers towards more of each. That each situation is
really produced and handled does not rest on chance: ``COVERING_OPS`` is a fixed run (also the
property's first ``@example``) in which :func:`test_the_fixed_run_covers_every_situation` asserts
that every counter is non-zero.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings, target
from hypothesis import strategies as st
from sqlalchemy import func, select

from carebook.model.changelog import ChangeLogEntry
from carebook.sync.conflicts import list_conflicts
from carebook.sync.exchange import ImportResult, SyncSite, export_bundles, import_bundles
from sync_world import PASSPHRASE, SyncWorld, build_world, tracked_state

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
#: ``CAREBOOK_HYPOTHESIS_PROFILE`` → settings of the property below (see the module docstring).
PROFILES = {
    "ci": settings(max_examples=30, deadline=None, suppress_health_check=_SLOW_OK),
    "thorough": settings(max_examples=400, deadline=None, suppress_health_check=_SLOW_OK),
}
PROFILE = PROFILES[os.environ.get("CAREBOOK_HYPOTHESIS_PROFILE", "ci")]

FIELDS = ("notes", "school_name")
VALUES = ("甲", "乙", "丙")

edit = st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 3), st.sampled_from(FIELDS),
                 st.sampled_from(VALUES))
send = st.tuples(st.just("send"), st.integers(0, 2), st.sampled_from(["queue", "drop", "twice"]),
                 st.just(""), st.just(""))
deliver = st.tuples(st.just("deliver"), st.integers(0, 2), st.integers(0, 5), st.just(""), st.just(""))

Op = tuple[object, ...]

#: A fixed run producing every situation (see the module docstring): the township (0) and
#: village 1 edit the same field of the same child concurrently, with different values; village
#: 2 edits, its bundle is dropped and its change goes again with the next one; the township's
#: bundles are delivered twice and the later one first; village 1's first bundle arrives after
#: its second.
COVERING_OPS: list[Op] = [
    ("edit", 1, 0, "notes", "甲"),
    ("edit", 0, 0, "notes", "乙"),
    ("send", 1, "queue", "", ""),
    ("edit", 1, 1, "school_name", "丙"),
    ("send", 1, "queue", "", ""),
    ("deliver", 0, 1, "", ""),
    ("deliver", 0, 0, "", ""),
    ("edit", 2, 0, "notes", "丙"),
    ("send", 2, "drop", "", ""),
    ("edit", 2, 1, "notes", "甲"),
    ("send", 2, "queue", "", ""),
    ("deliver", 0, 0, "", ""),
    ("send", 0, "twice", "", ""),
    ("edit", 0, 2, "school_name", "甲"),
    ("send", 0, "twice", "", ""),
    ("deliver", 1, 2, "", ""),
    ("deliver", 1, 0, "", ""),
    ("deliver", 1, 0, "", ""),
    ("deliver", 1, 0, "", ""),
]


@dataclass
class Edit:
    """One edit made during the run, with what its site had seen when it was made."""

    site: int
    key: tuple[str, int]
    child: str
    field: str
    value: str
    seen: frozenset[tuple[str, int]]


@dataclass
class Situations:
    """What happened in one run, counted: concurrent same-field edits with different values
    (the conflicts expected), bundles with changes that were dropped (their changes go again
    with a later export), deliveries of a bundle already imported, and bundles imported after a
    later bundle of the same sender to the same site (out of order)."""

    concurrent_edits: int = 0
    dropped_with_changes: int = 0
    duplicate_deliveries: int = 0
    out_of_order: int = 0


@dataclass
class Queued:
    """A bundle on its way: its files, sender, the sender's export number, and its changes."""

    paths: list[Path]
    sender: int
    number: int
    changes: int


@dataclass
class Run:
    """The sites of one run and what is in transit to each (0 = township, 1–2 = villages)."""

    world: SyncWorld
    queues: dict[int, list[Queued]] = field(default_factory=lambda: {0: [], 1: [], 2: []})
    newest: dict[tuple[int, int], int] = field(default_factory=dict)
    seen: Situations = field(default_factory=Situations)
    exports: int = 0

    def send(self, sender: int, mode: str) -> None:
        """Export from ``sender``; queue, drop or queue twice what it wrote."""
        site = self.world.sites()[sender]
        self.exports += 1
        folder = self.world.stick / f"s{self.exports}"
        folder.mkdir()
        codes = [v.installation().org_code for v in self.world.villages]
        for result in export_bundles(site, folder):
            dest = 0 if sender else 1 + codes.index(result.peer_code)
            item = Queued(result.paths, sender, self.exports, result.changes)
            if mode == "drop":
                self.seen.dropped_with_changes += result.changes > 0
            self.queues[dest].extend([item] * (2 if mode == "twice" else 1))

    def deliver(self, dest: int, index: int) -> None:
        """Import the ``index``-th bundle in transit to ``dest``."""
        item = self.queues[dest].pop(index)
        results: list[ImportResult] = import_bundles(self.world.sites()[dest], item.paths, backup=False)
        self.seen.duplicate_deliveries += sum(r.already_imported for r in results)
        newest = self.newest.get((item.sender, dest), 0)
        self.seen.out_of_order += item.number < newest
        self.newest[(item.sender, dest)] = max(newest, item.number)

    def deliver_all(self, dest: int) -> None:
        """Import everything in transit to ``dest``, in queue order."""
        while self.queues[dest]:
            self.deliver(dest, 0)


def _keys(site: SyncSite, candidates: set[tuple[str, int]]) -> frozenset[tuple[str, int]]:
    with site.register.reading() as session:
        rows = session.execute(select(ChangeLogEntry.origin, ChangeLogEntry.origin_seq))
        return frozenset(k for k in ((o, s) for o, s in rows) if k in candidates)


def _last_key(site: SyncSite) -> tuple[str, int]:
    me = site.installation().id
    with site.register.reading() as session:
        return me, int(session.scalar(select(func.max(ChangeLogEntry.origin_seq)).where(
            ChangeLogEntry.origin == me)) or 0)


@dataclass(frozen=True)
class Template:
    """Registers of a township and two villages, enrolled, each village with two children, and
    everyone synced twice so all start from the same records; closed, to be copied per example."""

    folder: Path
    ids: list[list[str]]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Build the starting registers once for the module (:class:`Template`)."""
    folder = tmp_path_factory.mktemp("merge-template")
    world = build_world(folder, 2)
    try:
        ids = [world.import_ledger(v, 2, seed=20 + i) for i, v in enumerate(world.villages)]
        run = Run(world)
        for _ in range(2):  # everyone starts from the same files
            run.send(1, "queue")
            run.send(2, "queue")
            run.deliver_all(0)
            run.send(0, "queue")
            run.deliver_all(1)
            run.deliver_all(2)
    finally:
        world.close()
    shutil.rmtree(folder / "stick")
    return Template(folder, ids)


def open_copy(template: Template, base: Path) -> SyncWorld:
    """Copy the template's registers into ``base`` and open them (close with ``world.close()``)."""
    for name in ("township", "village0", "village1"):
        shutil.copytree(template.folder / name, base / name)
    (base / "stick").mkdir()
    sites = [SyncSite.open(base / n, passphrase=PASSPHRASE) for n in ("township", "village0", "village1")]
    return SyncWorld(sites[0], sites[1:], base / "stick", dt.date.today())


def run_ops(world: SyncWorld, ids: list[list[str]], ops: list[Op], shuffle_seed: int) -> Situations:
    """Play ``ops`` on ``world`` (started from the template), deliver everything left in a
    shuffled order, sync twice more, and check convergence and the conflicts recorded; returns
    what happened."""
    sites = world.sites()
    children = [c for pair in ids for c in pair]
    run = Run(world)
    edits: list[Edit] = []
    for op in ops:
        kind = op[0]
        if kind == "edit":
            _, who, child_index, field_name, value = op
            assert isinstance(who, int) and isinstance(child_index, int)
            child = children[child_index] if who == 0 else ids[who - 1][child_index % 2]
            site = sites[who]
            before = _last_key(site)
            site.register.update_child(child, {str(field_name): str(value)})
            after = _last_key(site)
            if after != before:
                known = {e.key for e in edits}
                edits.append(Edit(who, after, child, str(field_name), str(value), _keys(site, known)))
        elif kind == "send":
            _, who, mode, _, _ = op
            assert isinstance(who, int)
            run.send(who, str(mode))
        else:
            _, dest, pick, _, _ = op
            assert isinstance(dest, int) and isinstance(pick, int)
            if run.queues[dest]:
                run.deliver(dest, pick % len(run.queues[dest]))
    rng = random.Random(shuffle_seed)
    for dest in (0, 1, 2):
        rng.shuffle(run.queues[dest])
        run.deliver_all(dest)
    for _ in range(2):
        run.send(1, "queue")
        run.send(2, "queue")
        run.deliver_all(0)
        run.send(0, "queue")
        run.deliver_all(1)
        run.deliver_all(2)
    town = tracked_state(world.township)
    for village in world.villages:
        mine = tracked_state(village)
        assert all(town[k] == v for k, v in mine.items())
    expected: set[frozenset[tuple[str, int]]] = set()
    for i, a in enumerate(edits):
        for b in edits[i + 1:]:
            if (a.site != b.site and a.child == b.child and a.field == b.field and a.value != b.value
                    and a.key not in b.seen and b.key not in a.seen):
                expected.add(frozenset({a.key, b.key}))
    recorded = {frozenset({(c.a_origin, c.a_origin_seq), (c.b_origin, c.b_origin_seq)})
                for c in world.township.register.read(list_conflicts, status=None) if c.kind == "concurrent_edit"}
    assert recorded == expected
    run.seen.concurrent_edits = len(expected)
    return run.seen


def test_the_fixed_run_covers_every_situation(template: Template, tmp_path: Path) -> None:
    world = open_copy(template, tmp_path)
    try:
        seen = run_ops(world, template.ids, COVERING_OPS, shuffle_seed=1)
    finally:
        world.close()
    assert seen.concurrent_edits >= 1
    assert seen.dropped_with_changes >= 1
    assert seen.duplicate_deliveries >= 1
    assert seen.out_of_order >= 1


@PROFILE
@given(ops=st.lists(st.one_of(edit, edit, send, deliver), min_size=6, max_size=18), shuffle_seed=st.integers(0, 99))
@example(ops=COVERING_OPS, shuffle_seed=1)
def test_random_edits_and_deliveries_converge(template: Template, ops: list[Op], shuffle_seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = open_copy(template, Path(tmp))
        try:
            seen = run_ops(world, template.ids, ops, shuffle_seed)
        finally:
            world.close()
    for name, count in vars(seen).items():
        event(f"{name}: {min(count, 3)}{'+' if count >= 3 else ''}")
        target(float(min(count, 5)), label=name)

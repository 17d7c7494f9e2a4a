"""Cancelling a folder import in the app (a township importing three village bundles from one
stick, real encrypted registers): the bundles go in one transaction, so Cancel keeps nothing,
also of the bundles already applied, and the import panel says so."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carebook.ui.app import make_context
from carebook.ui.context import AppContext
from carebook.ui.i18n import install_language
from carebook.ui.pages.sync_page import SyncPage
from carebook.ui.sync import ops
from carebook.ui.tasks import TaskCancelled, TaskContext, _Job
from sync_world import SyncWorld, build_world, content_hash


@pytest.fixture
def stick(tmp_path: Path) -> Iterator[tuple[SyncWorld, Path]]:
    """Three villages with 4 children each; their bundles in one folder (the township's stick)."""
    world = build_world(tmp_path / "w", 3)
    try:
        folder = tmp_path / "stick"
        folder.mkdir()
        for i, village in enumerate(world.villages):
            world.import_ledger(village, 4, seed=70 + i)
            for bundle in world.export(village):
                shutil.copy2(bundle, folder / bundle.name)
        yield world, folder
    finally:
        world.close()


@pytest.fixture
def township(stick: tuple[SyncWorld, Path], tmp_path: Path, qapp: Any,
             qtbot: Any) -> Iterator[tuple[SyncWorld, Path, AppContext, SyncPage]]:
    """The township's sync page (alone, 1024x768) over the register of ``stick``'s world."""
    world, folder = stick
    ops.attach_database(world.township.register, world.township.db)
    ctx = make_context(world.township.register, tmp_path / "ui")
    install_language("zh_CN")
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.resize(1024, 768)
    page.show()
    page.activate()
    ctx.tasks.wait_idle(60)
    try:
        yield world, folder, ctx, page
    finally:
        ctx.tasks.wait_idle(60)
        ctx.tasks.shutdown()


def test_cancel_after_the_first_bundle_keeps_nothing(
        township: tuple[SyncWorld, Path, AppContext, SyncPage]) -> None:
    world, folder, ctx, _page = township
    before = content_hash(world.township)
    job: _Job[Any] = _Job(1, lambda t: None)
    seen: list[int] = []

    def emit(_job_id: int, done: int, total: int, _label: str) -> None:
        seen.append(done)
        if done == 0 and total == 3:  # "importing the first of 3": Cancel is pressed now
            job.abort.set()

    with pytest.raises(TaskCancelled):
        ops.import_files(ctx.api, [folder], TaskContext(job, emit))
    assert seen == [0]  # the first bundle was applied, the check before the second stopped it
    assert content_hash(world.township) == before
    lines = ops.import_files(ctx.api, [folder], TaskContext(_Job(2, lambda t: None), lambda *a: None))
    assert [line.status for line in lines] == ["imported"] * 3


def test_the_panel_says_a_cancelled_import_imported_nothing(
        township: tuple[SyncWorld, Path, AppContext, SyncPage]) -> None:
    world, folder, ctx, page = township
    before = content_hash(world.township)
    release = threading.Event()
    ctx.task(lambda t: release.wait(30), page).run()  # the worker is busy: the import waits in the queue
    job_id = page.import_panel.import_paths([folder])
    assert page.import_panel.outcome.text() == "正在导入……"
    ctx.tasks.cancel(job_id)
    release.set()
    ctx.tasks.wait_idle(60)
    assert page.import_panel.outcome.text() == "已取消：没有导入任何数据。"
    assert content_hash(world.township) == before

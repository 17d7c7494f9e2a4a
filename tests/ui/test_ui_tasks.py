"""The worker: one thread runs every task off the GUI thread, in order; queued searches
coalesce; cancel stops a long task; errors reach the user as friendly messages."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from carebook.model.errors import CarebookError, ValidationError
from carebook.ui import errors
from carebook.ui.tasks import Task, TaskCancelled, TaskContext, TaskManager


@pytest.fixture
def tasks(qapp: object) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


def test_tasks_run_on_one_worker_thread_in_order(tasks: TaskManager) -> None:
    seen_threads: set[int] = set()
    order: list[int] = []
    results: list[int] = []

    def job(i: int) -> int:
        seen_threads.add(threading.get_ident())
        order.append(i)
        return i * i

    for i in range(20):
        Task(tasks, lambda t, i=i: job(i)).success(results.append).run()
    tasks.wait_idle()
    assert order == list(range(20))
    assert results == [i * i for i in range(20)]
    assert len(seen_threads) == 1
    assert threading.get_ident() not in seen_threads


def test_queued_tasks_with_the_same_key_coalesce(tasks: TaskManager) -> None:
    gate = threading.Event()
    delivered: list[str] = []
    Task(tasks, lambda t: gate.wait(5)).run()  # holds the worker
    for text in ["z", "zs", "zsy"]:
        Task(tasks, lambda t, text=text: text).coalesce("search").success(delivered.append).run()
    gate.set()
    tasks.wait_idle()
    assert delivered == ["zsy"]


def test_cancel_stops_a_long_task_at_its_next_check(tasks: TaskManager) -> None:
    progress: list[tuple[int, int]] = []
    outcome: list[str] = []

    def long(t: TaskContext) -> str:
        for i in range(1000):
            t.check()
            t.progress(i, 1000)
            time.sleep(0.002)
        return "finished"

    job_id = (Task(tasks, long).success(outcome.append)
              .on_progress(lambda d, n, _l: progress.append((d, n))).finally_(lambda: outcome.append("end")).run())
    while not progress:
        QCoreApplication.processEvents()
    tasks.cancel(job_id)
    tasks.wait_idle()
    assert outcome == ["end"]
    assert progress[-1][0] < 999


def test_errors_are_shown_as_friendly_messages_never_tracebacks(tasks: TaskManager, qtbot: object) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    errors.shown_messages.clear()
    Task(tasks, lambda t: (_ for _ in ()).throw(CarebookError("身份证号不对，请核对", "wrong ID")), parent).run()
    Task(tasks, lambda t: 1 / 0, parent).run()
    Task(tasks, lambda t: (_ for _ in ()).throw(ValidationError.single("name", "“姓名”必须填写", "name")), parent).run()
    Task(tasks, lambda t: (_ for _ in ()).throw(TaskCancelled()), parent).run()
    tasks.wait_idle()
    assert errors.shown_messages[0] == "身份证号不对，请核对"
    assert "数据是安全的" in errors.shown_messages[1] and "Traceback" not in errors.shown_messages[1]
    assert "ZeroDivisionError" not in errors.shown_messages[1]
    assert errors.shown_messages[2] == "“姓名”必须填写"
    assert len(errors.shown_messages) == 3  # a cancelled task shows nothing


def test_run_sync_returns_the_result_and_raises_the_error(tasks: TaskManager) -> None:
    assert tasks.run_sync(lambda t: threading.get_ident()) != threading.get_ident()
    with pytest.raises(CarebookError):
        tasks.run_sync(lambda t: (_ for _ in ()).throw(CarebookError("错", "wrong")))


def test_callbacks_of_a_deleted_widget_are_skipped(tasks: TaskManager) -> None:
    parent = QWidget()
    called: list[int] = []
    gate = threading.Event()
    Task(tasks, lambda t: gate.wait(5)).run()
    Task(tasks, lambda t: 1, parent).success(called.append).run()
    import shiboken6

    shiboken6.delete(parent)
    gate.set()
    tasks.wait_idle()
    assert called == []

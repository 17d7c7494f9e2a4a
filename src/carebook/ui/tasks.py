"""Background work: one worker thread that owns all database work.

Modelled on Anki's ``taskman`` and ``QueryOp``: the GUI thread never waits for the database.
Every read and write runs as a *task* on ONE worker thread (a :class:`QThread` pulling from a
queue), so writes are serialised and a SQLite connection is only ever used by one thread. The
result comes back to the GUI thread through a queued signal and is handed to the ``success``
callback; an error goes to the ``failure`` callback or, by default, to a friendly message box
(never a traceback).

Usage::

    Task(ctx.tasks, lambda t: api.search(query)).success(self._show).run()
    Task(ctx.tasks, export).with_progress(self, self.tr("Exporting...")).success(done).run()

A task function receives a :class:`TaskContext`; long tasks call ``t.progress(done, total)``
and ``t.check()`` (raises :class:`TaskCancelled` once the user pressed Cancel). Tasks given the
same ``key`` coalesce: a queued task is dropped when a newer one with the same key arrives
(search as you type).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskCancelled(Exception):
    """Raised inside a task by :meth:`TaskContext.check` after the user cancelled it."""


class TaskContext:
    """What a running task sees: an abort flag and a progress reporter.

    Knows nothing of Qt widgets (calibre's threaded jobs take the same two things), so the
    functions it is passed to can live below the UI layer.
    """

    def __init__(self, job: _Job[Any], emit: Callable[[int, int, int, str], None]) -> None:
        self._job = job
        self._emit = emit
        self._last_emit = 0.0

    @property
    def aborted(self) -> bool:
        """True once the user asked to cancel."""
        return self._job.abort.is_set()

    def check(self) -> None:
        """Raise :class:`TaskCancelled` if the user asked to cancel."""
        if self._job.abort.is_set():
            raise TaskCancelled()

    def progress(self, done: int, total: int = 0, label: str = "") -> None:
        """Report progress: ``done`` of ``total`` units (``total`` 0 = unknown).

        Throttled to about 20 updates a second so a tight loop does not flood the GUI.
        """
        now = time.monotonic()
        if now - self._last_emit < 0.05 and done < total:
            return
        self._last_emit = now
        self._emit(self._job.id, done, total, label)


@dataclass(eq=False)
class _Job(Generic[T]):
    id: int
    fn: Callable[[TaskContext], T]
    key: str | None = None
    parent: QObject | None = None
    on_success: Callable[[T], None] | None = None
    on_failure: Callable[[BaseException], None] | None = None
    on_finally: Callable[[], None] | None = None
    on_progress: Callable[[int, int, str], None] | None = None
    abort: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    dropped: bool = False
    progress_dialog: QProgressDialog | None = None


class _Worker(QThread):
    """The single worker thread: runs queued jobs one after another."""

    job_done = Signal(int)
    job_dropped = Signal(object)
    job_progress = Signal(int, int, int, str)

    def __init__(self, jobs: queue.Queue[_Job[Any] | None]) -> None:
        super().__init__()
        self.setObjectName("carebook-db-worker")
        self._jobs = jobs
        self.current: _Job[Any] | None = None

    def run(self) -> None:  # runs in the worker thread
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job.dropped:
                # Dropped jobs are no longer in the manager's table: hand the last reference to
                # the GUI thread, so Qt objects their callbacks hold die in their own thread.
                self.job_dropped.emit(job)
                job = None
                continue
            self.current = job
            ctx = TaskContext(job, self.job_progress.emit)
            try:
                if job.abort.is_set():
                    raise TaskCancelled()
                job.result = job.fn(ctx)
            except BaseException as exc:
                job.error = exc
            finally:
                self.current = None
            job_id = job.id
            # The manager's table keeps the job alive; release this thread's references BEFORE
            # signalling, so the job (its callbacks, its progress dialog) is freed on the GUI
            # thread, never here: Qt objects must be destroyed in the thread that owns them.
            del ctx
            job = None
            self.job_done.emit(job_id)


class TaskManager(QObject):
    """Owns the worker thread and the queue of tasks; lives in the GUI thread.

    Start it once per application; call :meth:`shutdown` before the database is closed.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[_Job[Any] | None] = queue.Queue()
        self._jobs: dict[int, _Job[Any]] = {}
        self._next_id = 1
        self._worker = _Worker(self._queue)
        self._worker.job_done.connect(self._on_done)
        self._worker.job_dropped.connect(self._on_dropped)
        self._worker.job_progress.connect(self._on_progress)
        self._worker.start()

    # -- submitting ---------------------------------------------------------------------------
    def submit(self, job: _Job[Any]) -> int:
        """Queue ``job``; returns its id. Coalesces queued jobs that share ``job.key``."""
        job.id = self._next_id
        self._next_id += 1
        if job.key is not None:
            for other in self._jobs.values():
                if other.key == job.key:
                    other.dropped = True  # a running one finishes, but its result is ignored
        self._jobs = {i: j for i, j in self._jobs.items() if not j.dropped}
        self._jobs[job.id] = job
        self._queue.put(job)
        return job.id

    def _on_dropped(self, job: object) -> None:
        """Receive a dropped job from the worker so its last reference goes here, on the GUI
        thread (nothing else to do: it was superseded by a newer task with the same key)."""

    def cancel(self, job_id: int) -> None:
        """Ask the task to stop (it stops at its next :meth:`TaskContext.check`)."""
        job = self._jobs.get(job_id)
        if job is not None:
            job.abort.set()

    def run_sync(self, fn: Callable[[TaskContext], T], timeout_s: float = 120.0) -> T:
        """Run ``fn`` on the worker and wait for it, processing events meanwhile.

        For start-up, screenshots and tests only; widgets use :class:`Task`. Raises whatever
        ``fn`` raised.
        """
        box: dict[str, Any] = {}
        job: _Job[Any] = _Job(0, fn)
        job.on_success = lambda r: box.__setitem__("result", r)
        job.on_failure = lambda e: box.__setitem__("error", e)
        self.submit(job)
        deadline = time.monotonic() + timeout_s
        while "result" not in box and "error" not in box:
            if time.monotonic() > deadline:
                raise TimeoutError("the database worker did not answer in time")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            self._worker.wait(2)
        if "error" in box:
            raise box["error"]
        return box["result"]  # type: ignore[no-any-return]

    @property
    def idle(self) -> bool:
        """True when no task is queued or running."""
        return not self._jobs

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Process events until every queued task has finished and delivered its result."""
        deadline = time.monotonic() + timeout_s
        while self._jobs:
            if time.monotonic() > deadline:
                raise TimeoutError("the database worker did not finish in time")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            self._worker.wait(2)
        QCoreApplication.processEvents()

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Cancel queued tasks, finish the running one and stop the thread."""
        for job in self._jobs.values():
            job.abort.set()
        self._queue.put(None)
        self._worker.wait(timeout_ms)

    # -- results (GUI thread) --------------------------------------------------------------
    @Slot(int, int, int, str)
    def _on_progress(self, job_id: int, done: int, total: int, label: str) -> None:
        job = self._jobs.get(job_id)
        if job is None:
            return
        dialog = job.progress_dialog
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.setMaximum(max(total, 0))
            dialog.setValue(min(done, total) if total else 0)
            if label:
                dialog.setLabelText(label)
        if job.on_progress is not None and _alive(job.parent):
            job.on_progress(done, total, label)

    @Slot(int)
    def _on_done(self, job_id: int) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        if job.progress_dialog is not None and shiboken6.isValid(job.progress_dialog):
            job.progress_dialog.reset()
            job.progress_dialog.hide()
            job.progress_dialog.deleteLater()
        if job.dropped or not _alive(job.parent):
            return
        try:
            if job.error is None:
                if job.on_success is not None:
                    job.on_success(job.result)
            elif isinstance(job.error, TaskCancelled):
                pass
            elif job.on_failure is not None:
                job.on_failure(job.error)
            else:
                from carebook.ui.errors import show_error

                widget = job.parent if isinstance(job.parent, QWidget) else None
                show_error(widget, job.error)
        finally:
            if job.on_finally is not None and _alive(job.parent):
                job.on_finally()


def _alive(obj: QObject | None) -> bool:
    return obj is None or shiboken6.isValid(obj)


class Task(Generic[T]):
    """Builder for one background task (like Anki's ``QueryOp``).

    Args:
        manager: the application's :class:`TaskManager`.
        fn: runs on the worker thread with a :class:`TaskContext`; returns the result.
        parent: callbacks are skipped when this object has been deleted; errors are shown
            over it.
    """

    def __init__(
        self, manager: TaskManager, fn: Callable[[TaskContext], T], parent: QObject | None = None
    ) -> None:
        self._manager = manager
        self._job: _Job[T] = _Job(0, fn, parent=parent)
        self._progress: tuple[QWidget, str, bool] | None = None

    def success(self, fn: Callable[[T], None]) -> Task[T]:
        """Call ``fn(result)`` on the GUI thread when the task succeeds."""
        self._job.on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> Task[T]:
        """Call ``fn(error)`` on the GUI thread instead of showing the default message."""
        self._job.on_failure = fn
        return self

    def finally_(self, fn: Callable[[], None]) -> Task[T]:
        """Call ``fn()`` on the GUI thread after success, failure or cancel."""
        self._job.on_finally = fn
        return self

    def on_progress(self, fn: Callable[[int, int, str], None]) -> Task[T]:
        """Call ``fn(done, total, label)`` on the GUI thread for each progress report."""
        self._job.on_progress = fn
        return self

    def coalesce(self, key: str) -> Task[T]:
        """Drop any still-queued task with the same key when this one is submitted."""
        self._job.key = key
        return self

    def with_progress(self, parent: QWidget, label: str, cancellable: bool = True) -> Task[T]:
        """Show a progress dialog over ``parent`` (after 400 ms) with an optional Cancel."""
        self._progress = (parent, label, cancellable)
        return self

    def run(self) -> int:
        """Queue the task; returns an id for :meth:`TaskManager.cancel`."""
        if self._progress is not None:
            parent, label, cancellable = self._progress
            dialog = QProgressDialog(label, "", 0, 0, parent)
            dialog.setWindowTitle(QCoreApplication.translate("Task", "Please wait"))
            dialog.setMinimumDuration(400)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            if cancellable:
                dialog.setCancelButtonText(QCoreApplication.translate("Task", "Cancel"))
                abort = self._job.abort
                dialog.canceled.connect(abort.set)
            else:
                dialog.setCancelButton(None)
            self._job.progress_dialog = dialog
        return self._manager.submit(self._job)

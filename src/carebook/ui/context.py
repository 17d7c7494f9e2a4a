"""What every window and page of the desktop app shares: the register, the worker, the
preferences and the change notifications.

Views never talk to each other directly. A page that changes the register (through a task on
the worker) announces what it changed with :meth:`AppContext.notify_changed`; every page
listening to :attr:`AppContext.changed` decides from the entity names whether to refresh
(Anki's ``OpChanges``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QSettings, Signal

from carebook.ui.tasks import Task, TaskContext, TaskManager

T = TypeVar("T")

#: Entity names used in change notifications.
CHILDREN = "child"
VISITS = "visit"
ENTRUSTMENTS = "entrustment"
REPORTS = "report"
SETTINGS = "settings"
SYNC = "sync"


class AppContext(QObject):
    """The shared state of one running desktop app.

    Attributes:
        api: the register facade (``carebook.model.register.Register``); use it ONLY inside
            task functions, which run on the worker thread that owns the database.
        tasks: the :class:`TaskManager` of the single worker thread.
        prefs: per-installation UI preferences (language, window geometry), an INI file in
            the data directory.
        data_dir: the data directory.
    """

    #: Emitted on the GUI thread with a ``frozenset[str]`` of changed entity names.
    changed = Signal(object)
    #: Emitted when the user switched language (the main window is rebuilt).
    language_changed = Signal(str)
    #: Emitted with a callable ``action(data_dir) -> str`` to run while the register is closed
    #: (restoring a backup): the app closes its windows and the register, runs it, says the
    #: returned text and opens the register again (:func:`carebook.ui.app.run_app`).
    restart_requested = Signal(object)

    def __init__(self, api: Any, tasks: TaskManager, prefs: QSettings, data_dir: Path) -> None:
        super().__init__()
        self.api = api
        self.tasks = tasks
        self.prefs = prefs
        self.data_dir = data_dir

    def task(self, fn: Callable[[TaskContext], T], parent: QObject | None = None) -> Task[T]:
        """Start building a task (see :class:`~carebook.ui.tasks.Task`)."""
        return Task(self.tasks, fn, parent)

    def notify_changed(self, *entities: str) -> None:
        """Tell every view that records of ``entities`` changed."""
        self.changed.emit(frozenset(entities))

    def language(self) -> str:
        """The UI language code stored in the preferences (default ``"zh_CN"``)."""
        value = self.prefs.value("ui/language", "zh_CN")
        return str(value) if value else "zh_CN"

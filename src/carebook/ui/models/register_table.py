"""The register table: a Qt table model over child ids with rows fetched lazily.

Like Anki's browser table, the model holds only the list of ids the current filter and sort
matched (computed in SQL on the worker); the rows' columns are fetched from the worker in
pages of :data:`PAGE_SIZE` when the view first asks for them, so opening a register of 100,000
children costs one id query and one page. Until a page arrives its cells show an ellipsis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from carebook.model.codes import CodedEnum
from carebook.model.enums import Category, RiskColour, Sex
from carebook.ui.tasks import Task, TaskManager

PAGE_SIZE = 200

COL_NAME = 0
COL_SEX = 1
COL_AGE = 2
COL_CATEGORIES = 3
COL_RISK = 4
COL_GUARDIAN = 5
COL_LAST_VISIT = 6
COL_NEXT_VISIT = 7
COL_STATUS = 8
#: The village (村（居）) of the child: the last logical column, so the export's columns keep
#: their places; a township's register page shows it beside the name, a village's hides it.
COL_VILLAGE = 9
COLUMN_COUNT = 10

#: Sort keys of the register's id query (``carebook.model.queries.children.SORT_KEYS``) per
#: column (QA: sex, categories, guardian and status showed a sort arrow but sorted by name).
SORT_KEYS = ["name", "sex", "age", "categories", "risk", "guardian", "last_visit", "next_due", "status", "village"]

ObjectRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2

#: Background colours of the four-colour risk rating (四色管理), light enough for black text.
RISK_COLOURS = {
    "red": "#f8b4b4",
    "yellow": "#fbe7a1",
    "blue": "#b9d7f7",
    "green": "#c4ebc4",
}


class RegisterRowLike(Protocol):
    """The shape of one register row as the table reads it: the model's
    ``carebook.model.queries.rows.ChildRow`` (codes, not labels)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def age(self) -> int: ...
    @property
    def categories(self) -> tuple[str, ...]: ...
    @property
    def risk_colour(self) -> str | None: ...
    @property
    def guardian_name(self) -> str | None: ...
    @property
    def village_name(self) -> str: ...
    @property
    def last_visit_date(self) -> dt.date | None: ...
    @property
    def next_visit_due(self) -> dt.date | None: ...
    @property
    def overdue(self) -> bool: ...
    @property
    def closed(self) -> bool: ...


def _label(enum: type[CodedEnum], code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(enum(code).label)
    except ValueError:
        return code


def category_text(codes: Sequence[str]) -> str:
    """Category codes as labels in the current language, joined with 、."""
    return "、".join(_label(Category, c) for c in codes)


def _header(col: int) -> str:
    names = [
        QCoreApplication.translate("RegisterTable", "Name"),
        QCoreApplication.translate("RegisterTable", "Sex"),
        QCoreApplication.translate("RegisterTable", "Age"),
        QCoreApplication.translate("RegisterTable", "Categories"),
        QCoreApplication.translate("RegisterTable", "Risk"),
        QCoreApplication.translate("RegisterTable", "Guardian"),
        QCoreApplication.translate("RegisterTable", "Last visit"),
        QCoreApplication.translate("RegisterTable", "Next visit due"),
        QCoreApplication.translate("RegisterTable", "Status"),
        QCoreApplication.translate("RegisterTable", "Village"),
    ]
    return names[col]


_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, ObjectRole, SortRole, Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole,
})
_RISK_BRUSHES = {code: QBrush(QColor(colour)) for code, colour in RISK_COLOURS.items()}
_GREY = QBrush(QColor("#808080"))
_RED = QBrush(QColor("#b00020"))


def with_cells(rows: Sequence[RegisterRowLike]) -> list[tuple[RegisterRowLike, tuple[str, ...]]]:
    """Each row with the texts of its columns (computed on the worker)."""
    return [(row, tuple(RegisterTableModel._display(row, c) for c in range(COLUMN_COUNT))) for row in rows]


class RegisterTableModel(QAbstractTableModel):
    """Table of children (儿童名册) over a list of ids, rows fetched lazily on the worker.

    Args:
        tasks: the worker that runs ``fetch_rows``.
        fetch_rows: called ON THE WORKER with a list of ids; returns their rows (any order,
            missing ids allowed) as :class:`RegisterRowLike` objects.
        parent: Qt parent.

    Roles: DisplayRole text; :data:`ObjectRole` the child id; :data:`SortRole` the raw value
    of the cell; BackgroundRole the risk colour in the risk column.
    """

    #: Emitted with (sort_key, ascending) when the view asks to sort; the owner re-queries ids.
    sort_requested = Signal(str, bool)
    #: Emitted after a page of rows arrived (first row, last row).
    rows_loaded = Signal(int, int)

    def __init__(
        self,
        tasks: TaskManager,
        fetch_rows: Callable[[list[str]], Sequence[RegisterRowLike]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._fetch_rows = fetch_rows
        self._ids: list[str] = []
        self._rows: dict[str, tuple[RegisterRowLike, tuple[str, ...]]] = {}
        self._requested: set[int] = set()
        self._generation = 0
        self.today = dt.date.today()

    # -- content ----------------------------------------------------------------------------
    def set_ids(self, ids: list[str]) -> None:
        """Replace the list of children shown (the rows are fetched again as needed)."""
        self.beginResetModel()
        self._generation += 1
        self._ids = list(ids)
        self._rows.clear()
        self._requested.clear()
        self.endResetModel()

    def ids(self) -> list[str]:
        """The ids shown, in display order."""
        return list(self._ids)

    def invalidate(self, ids: Sequence[str] | None = None) -> None:
        """Forget cached rows (all, or those of ``ids``) and fetch them again."""
        if ids is None:
            self._rows.clear()
        else:
            for child_id in ids:
                self._rows.pop(child_id, None)
        self._requested.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, COLUMN_COUNT - 1))

    def row_of(self, index: int) -> RegisterRowLike | None:
        """The cached row at ``index`` (None until fetched)."""
        if 0 <= index < len(self._ids):
            cached = self._rows.get(self._ids[index])
            return cached[0] if cached else None
        return None

    def is_loaded(self, first: int = 0, last: int | None = None) -> bool:
        """True when rows ``first..last`` (default: the first page) are cached."""
        last = min(len(self._ids) - 1, first + PAGE_SIZE - 1 if last is None else last)
        return all(self._ids[i] in self._rows for i in range(first, last + 1))

    # -- Qt model interface ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of children matched."""
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns (:data:`COLUMN_COUNT`)."""
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles; row numbers on the vertical header."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            return _header(section)
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents; requests the row's page from the worker when not cached yet.

        Called thousands of times per repaint: unhandled roles return at once and the texts
        of a row are computed once, on the worker, when its page arrives.
        """
        if role not in _ROLES:
            return None
        r = index.row()
        if r < 0 or r >= len(self._ids):
            return None
        child_id = self._ids[r]
        if role == ObjectRole:
            return child_id
        cached = self._rows.get(child_id)
        if cached is None:
            self._request_page(r // PAGE_SIZE)
            if role == Qt.ItemDataRole.DisplayRole and index.column() == COL_NAME:
                return "…"
            return None
        row, cells = cached
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[col]
        if role == SortRole:
            return self._sort_value(row, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            if col == COL_RISK and row.risk_colour in _RISK_BRUSHES:
                return _RISK_BRUSHES[row.risk_colour or ""]
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.closed:
                return _GREY
            if col == COL_NEXT_VISIT and row.overdue:
                return _RED
            return None
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_NEXT_VISIT and row.overdue:
            return QCoreApplication.translate("RegisterTable", "Visit overdue")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask the owner to re-query the ids sorted by ``column`` (sorting runs in SQL)."""
        if 0 <= column < COLUMN_COUNT:
            self.sort_requested.emit(SORT_KEYS[column], order == Qt.SortOrder.AscendingOrder)

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _display(row: RegisterRowLike, col: int) -> str:
        if col == COL_NAME:
            return row.name
        if col == COL_SEX:
            return _label(Sex, row.sex)
        if col == COL_AGE:
            return str(row.age)
        if col == COL_CATEGORIES:
            return category_text(row.categories)
        if col == COL_RISK:
            return _label(RiskColour, row.risk_colour)
        if col == COL_GUARDIAN:
            return row.guardian_name or ""
        if col == COL_LAST_VISIT:
            return row.last_visit_date.isoformat() if row.last_visit_date else ""
        if col == COL_NEXT_VISIT:
            return row.next_visit_due.isoformat() if row.next_visit_due else ""
        if col == COL_STATUS:
            return str(getattr(row, "status", "") or "")
        if col == COL_VILLAGE:
            return row.village_name or ""
        return ""

    @staticmethod
    def _sort_value(row: RegisterRowLike, col: int) -> Any:
        values: list[Any] = [
            row.name,
            row.sex,
            row.age,
            ",".join(row.categories),
            row.risk_colour or "",
            row.guardian_name or "",
            row.last_visit_date.isoformat() if row.last_visit_date else "",
            row.next_visit_due.isoformat() if row.next_visit_due else "",
            str(getattr(row, "status", "") or ""),
            row.village_name or "",
        ]
        return values[col]

    def _request_page(self, page: int) -> None:
        if page in self._requested:
            return
        self._requested.add(page)
        ids = self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        generation = self._generation
        fetch = self._fetch_rows
        Task(self._tasks, lambda t: with_cells(fetch(ids)), self).success(
            lambda rows: self._page_arrived(generation, page, rows)
        ).run()

    def _page_arrived(self, generation: int, page: int,
                      rows: Sequence[tuple[RegisterRowLike, tuple[str, ...]]]) -> None:
        if generation != self._generation:
            return
        for row, cells in rows:
            self._rows[row.id] = (row, cells)
        first = page * PAGE_SIZE
        last = min(len(self._ids), first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, COLUMN_COUNT - 1))
            self.rows_loaded.emit(first, last)

"""Read-only tables of the township pages: built and filled the same way everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QWidget

#: Colour of a number that needs attention (overdue, gaps, conflicts, expired).
ALERT = "#b00020"
#: Colour of a number to watch (expiring).
WATCH = "#a15c00"
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def make_table(name: str, headers: Sequence[str], parent: QWidget | None = None, *,
               fit_rows: bool = False) -> QTableWidget:
    """A read-only, row-selecting, keyboard-navigable table named ``name`` with ``headers``;
    with ``fit_rows`` its height follows its rows (for tables inside a scrolling page)."""
    table = QTableWidget(0, len(headers), parent)
    table.setProperty("fitRows", fit_rows)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # sized to contents after each fill
    header.setStretchLastSection(False)
    return table


def cell_text(value: Any) -> str:
    """How a value is written in a cell: dates ISO, datetimes local ``YYYY-MM-DD HH:MM``,
    None empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def fill_table(table: QTableWidget, rows: Sequence[Sequence[Any]], *, ids: Sequence[str] | None = None,
               bold_last: bool = False, alert_columns: Sequence[int] = (), watch_columns: Sequence[int] = ()) -> None:
    """Replace the rows of ``table``: numbers right-aligned; non-zero numbers in
    ``alert_columns`` red, in ``watch_columns`` amber; ``ids[i]`` stored on row i's first cell
    (``ID_ROLE``); the last row bold (a totals row) with ``bold_last``."""
    table.setSortingEnabled(False)
    table.setUpdatesEnabled(False)
    table.clearContents()
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(cell_text(value))
            if isinstance(value, int) and not isinstance(value, bool):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if value and c in alert_columns:
                    item.setForeground(QBrush(QColor(ALERT)))
                elif value and c in watch_columns:
                    item.setForeground(QBrush(QColor(WATCH)))
            if bold_last and r == len(rows) - 1:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            if c == 0 and ids is not None:
                item.setData(ID_ROLE, ids[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.setUpdatesEnabled(True)
    if table.property("fitRows"):
        height = (table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                  + sum(table.rowHeight(r) for r in range(table.rowCount()))
                  + table.horizontalScrollBar().sizeHint().height())
        table.setFixedHeight(height)


def table_texts(table: QTableWidget) -> list[list[str]]:
    """Every cell's text, row by row (for tests and copying)."""
    out = []
    for r in range(table.rowCount()):
        row = []
        for c in range(table.columnCount()):
            item = table.item(r, c)
            row.append(item.text() if item is not None else "")
        out.append(row)
    return out


def heading(text: str) -> QLabel:
    """A page title label."""
    label = QLabel(text)
    label.setStyleSheet("font-size: 14pt; font-weight: bold;")
    return label


def section(text: str) -> QLabel:
    """A section heading inside a page."""
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold; margin-top: 6px;")
    return label

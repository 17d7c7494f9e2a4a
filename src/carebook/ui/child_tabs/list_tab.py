"""A read-mostly list tab of the child file (visits, entrustments, reports, attachments,
history): a table of rows with buttons above it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.widgets.rows import comfortable_rows

ID_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class ListRow:
    """One row of a list tab: the record id (may be empty) and the cells' text."""

    record_id: str
    cells: tuple[str, ...]


class ListTab(QWidget):
    """A table of rows with an optional row of buttons; double-click or Enter emits
    :attr:`activated` with the record id."""

    activated = Signal(str)

    def __init__(self, title: str, headers: Sequence[str], empty_text: str) -> None:
        super().__init__()
        self._title = title
        self.tree = QTreeWidget()
        self.tree.setObjectName(f"list-{title}")
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        comfortable_rows(self.tree)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setHeaderLabels(list(headers))
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemActivated.connect(self._activated)
        self.empty = QLabel(empty_text)
        self.empty.setStyleSheet("color: #666;")
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(self.buttons)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)

    def title(self) -> str:
        """The tab title."""
        return self._title

    def add_button(self, text: str) -> QPushButton:
        """Add a button above the list (right-aligned, in order)."""
        button = QPushButton(text)
        self.buttons.addWidget(button)
        return button

    def set_rows(self, rows: Sequence[ListRow]) -> None:
        """Show ``rows``."""
        self.tree.clear()
        for row in rows:
            item = QTreeWidgetItem(list(row.cells))
            item.setData(0, ID_ROLE, row.record_id)
            self.tree.addTopLevelItem(item)
        self.empty.setVisible(not rows)

    def row_count(self) -> int:
        """Number of rows shown."""
        return self.tree.topLevelItemCount()

    def cells(self, row: int) -> list[str]:
        """The cells of row ``row``."""
        item = self.tree.topLevelItem(row)
        if item is None:
            raise IndexError(row)
        return [item.text(c) for c in range(self.tree.columnCount())]

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        record_id = item.data(0, ID_ROLE)
        if record_id:
            self.activated.emit(str(record_id))

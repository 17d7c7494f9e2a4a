"""The due list (走访): visits due this week and overdue, grouped by risk colour, one click to
record a visit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from carebook.model.enums import RiskColour
from carebook.ui import backend
from carebook.ui.context import CHILDREN, SETTINGS, VISITS, AppContext
from carebook.ui.models.register_table import RISK_COLOURS, category_text
from carebook.ui.pages.base import Page, with_village
from carebook.ui.widgets.rows import comfortable_rows

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class VisitsPage(Page):
    """Visits due and overdue (走访提醒), grouped by risk (红、黄、蓝、绿, then unrated).

    Each child row has a 记录走访 button; Enter on a row records a visit too; double-click
    opens the child's file.
    """

    code = "visits"
    open_child = Signal(object)
    #: Emitted after the list was (re)loaded with the number of children listed.
    loaded = Signal(int)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        title = QLabel(self.title())
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.summary = QLabel()
        self.summary.setObjectName("visits-summary")
        self.tree = QTreeWidget()
        # a long name keeps its end, where a township's lists put the village (QA)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setObjectName("due-list")
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels([
            self.tr("Child"), self.tr("Categories"), self.tr("Last visit"), self.tr("Due"),
            self.tr("Status"), self.tr("Action"),
        ])
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        comfortable_rows(self.tree)
        self.tree.setRootIsDecorated(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate([150, 230, 100, 100, 130, 110]):
            self.tree.setColumnWidth(col, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.itemActivated.connect(lambda item, _c: self._record(item))
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.activate)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        hint = QLabel(self.tr("Enter or the button records a visit; double-click opens the child's file."))
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)
        ctx.changed.connect(self._on_changed)
        self.items: list[Any] = []

    def title(self) -> str:
        """走访."""
        return self.tr("Visits due")

    def activate(self) -> None:
        """Reload the due list on the worker."""
        api = self.ctx.api
        def load(_t: Any) -> tuple[list[Any], dict[str, str]]:
            items = backend.due_visits(api)
            return items, backend.village_names(api, [i.child_id for i in items])

        self.ctx.task(load, self).coalesce("due-list").success(lambda got: self._show(*got)).run()

    def _on_changed(self, entities: frozenset[str]) -> None:
        if entities & {VISITS, CHILDREN, SETTINGS}:
            self.activate()

    def _show(self, items: list[Any], villages: dict[str, str] | None = None) -> None:
        """List ``items`` (``DueVisit`` rows); on a township each name with its village
        (``villages``: child id -> village name)."""
        villages = villages or {}
        self.items = list(items)
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        overdue = sum(1 for i in items if i.days_overdue > 0)
        self.summary.setText(
            self.tr("%1 overdue, %2 due this week").replace("%1", str(overdue))
            .replace("%2", str(len(items) - overdue))
        )
        order = [*RISK_COLOURS.keys(), ""]
        for item in sorted(items, key=lambda i: (order.index(i.risk_colour or ""), -i.days_overdue, i.name)):
            code = item.risk_colour or ""
            group = groups.get(code)
            if group is None:
                group = QTreeWidgetItem([RiskColour(code).label if code else self.tr("Not rated")])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                if code in RISK_COLOURS:
                    group.setBackground(0, QBrush(QColor(RISK_COLOURS[code])))
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(group)
                group.setFirstColumnSpanned(True)  # only once the item is in the tree
                groups[code] = group
            if item.days_overdue > 0:
                status = self.tr("Overdue %1 days").replace("%1", str(item.days_overdue))
            else:
                status = self.tr("Due this week")
            row = QTreeWidgetItem([
                with_village(item.name, villages.get(item.child_id)), category_text(item.categories),
                item.last_visit_date.isoformat() if item.last_visit_date else self.tr("never"),
                item.due.isoformat(), status, "",
            ])
            row.setData(0, ID_ROLE, item.child_id)
            row.setToolTip(0, row.text(0))
            if item.days_overdue > 0:
                row.setForeground(4, QBrush(QColor("#b00020")))
            group.addChild(row)
            button = QPushButton(self.tr("Record visit"))
            button.setObjectName(f"record-visit-{item.child_id}")
            button.clicked.connect(lambda _=False, r=row: self._record(r))
            self.tree.setItemWidget(row, 5, button)
        for code in order:
            if code in groups:
                group = groups[code]
                group.setText(0, f"{group.text(0)}（{group.childCount()}）")
        self.tree.expandAll()
        self.loaded.emit(len(items))

    def child_ids(self) -> list[str]:
        """Ids of the children listed, in display order."""
        out: list[str] = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is None:
                continue
            for c in range(group.childCount()):
                child = group.child(c)
                if child is not None:
                    out.append(str(child.data(0, ID_ROLE)))
        return out

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        child_id = item.data(0, ID_ROLE)
        if child_id:
            self.open_child.emit(str(child_id))

    def _record(self, item: QTreeWidgetItem) -> None:
        child_id = item.data(0, ID_ROLE)
        if child_id:
            self.record_visit(str(child_id))

    def record_visit(self, child_id: str) -> None:
        """Open the visit dialog for ``child_id``."""
        from carebook.ui.visit_dialog import VisitDialog

        dialog = VisitDialog(self.ctx, child_id, self)
        dialog.open()

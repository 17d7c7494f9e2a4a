"""The reports page (强制报告与转介): open mandatory reports and referrals."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from carebook.ui import backend
from carebook.ui.context import CHILDREN, REPORTS, AppContext
from carebook.ui.pages.base import Page, with_village
from carebook.ui.widgets.rows import comfortable_rows

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class ReportsPage(Page):
    """Mandatory reports (强制报告) not yet closed and referrals (转介) in progress. The
    reporter's identity is not listed here (it is confidential)."""

    code = "reports"
    COLUMN_WIDTHS = (150, 110, 110, 260)
    open_child = Signal(object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        title = QLabel(self.title())
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        # a long name keeps its end, where a township's lists put the village (QA)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setObjectName("report-list")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels([self.tr("Child"), self.tr("Kind"), self.tr("Date"), self.tr("To"),
                                   self.tr("Status")])
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        comfortable_rows(self.tree)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        for col, width in enumerate(self.COLUMN_WIDTHS):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activated)
        self.empty = QLabel(self.tr("No open report or referral."))
        self.empty.setStyleSheet("color: #666;")
        guide = QLabel(self.tr(
            "Report to the police at once when a child is found injured in private parts, sexually "
            "assaulted, abandoned, missing or trafficked, or in other serious or imminent harm; a child "
            "under 16 living alone without a guardian must be reported too."))
        guide.setWordWrap(True)
        guide.setStyleSheet("background: #fff4e5; padding: 6px;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(guide)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty)
        ctx.changed.connect(lambda e: self.activate() if e & {CHILDREN, REPORTS} else None)

    def title(self) -> str:
        """强制报告与转介."""
        return self.tr("Reports and referrals")

    def activate(self) -> None:
        """Reload on the worker."""
        api = self.ctx.api
        def load(_t: Any) -> tuple[list[Any], dict[str, str]]:
            lines = backend.open_reports(api)
            return lines, backend.village_names(api, [r.child_id for r in lines])

        self.ctx.task(load, self).coalesce("reports").success(lambda got: self._show(*got)).run()

    def _show(self, lines: list[Any], villages: dict[str, str] | None = None) -> None:
        """List ``lines`` (open reports and referrals); on a township each child's name with its
        village (``villages``: child id -> village name)."""
        villages = villages or {}
        self.tree.clear()
        for r in lines:
            item = QTreeWidgetItem([with_village(r.child_name, villages.get(r.child_id)), r.kind_label, r.day.isoformat() if r.day else "", r.to,
                                    r.status_label])
            item.setData(0, ID_ROLE, r.child_id)
            item.setToolTip(0, item.text(0))
            self.tree.addTopLevelItem(item)
        self.empty.setVisible(not lines)
        self.summary.setText(self.tr("%1 open").replace("%1", str(len(lines))))

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        child_id = item.data(0, ID_ROLE)
        if child_id:
            self.open_child.emit(str(child_id))

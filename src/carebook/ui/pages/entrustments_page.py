"""The entrustments page (委托监护): children whose parents work away without a signed
confirmation, confirmations printed and waiting for signatures, and confirmations expiring or
expired; "Record signatures..." (登记签字) opens :class:`~carebook.ui.sign_dialog.SignEntrustmentDialog`
for the selected confirmation."""

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

from carebook.model.enums import EntrustmentStatus
from carebook.ui import backend
from carebook.ui.context import CHILDREN, ENTRUSTMENTS, AppContext
from carebook.ui.pages.base import Page, with_village
from carebook.ui.widgets.rows import comfortable_rows

ID_ROLE = Qt.ItemDataRole.UserRole + 1
ENTRUSTMENT_ROLE = Qt.ItemDataRole.UserRole + 2
"""Item data: ``(entrustment id, document number, child name, guardian name)`` of a row that
can be signed (printed, or signed and to be recorded again)."""


class EntrustmentsPage(Page):
    """Entrustment-guardianship confirmations (委托监护确认书) to follow up: double-click or Enter
    opens the child's file."""

    code = "entrustments"
    COLUMN_WIDTHS = (170, 200, 110, 110)
    open_child = Signal(object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        title = QLabel(self.title())
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.summary = QLabel()
        self.tree = QTreeWidget()
        # a long name keeps its end, where a township's lists put the village (QA)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setObjectName("entrustment-list")
        self.tree.setHeaderLabels([self.tr("Child"), self.tr("Entrusted guardian"), self.tr("From"),
                                   self.tr("To"), self.tr("Status")])
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setAlternatingRowColors(True)
        comfortable_rows(self.tree)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(True)
        for col, width in enumerate(self.COLUMN_WIDTHS):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activated)
        self.sign_button = QPushButton(self.tr("Record signatures..."))
        self.sign_button.setObjectName("record-signatures")
        self.sign_button.setToolTip(self.tr("Record the date, who signed and the scan of the selected "
                                            "printed confirmation"))
        self.sign_button.setEnabled(False)
        self.sign_button.clicked.connect(self.record_signatures)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addLayout(head)
        layout.addWidget(self.tree, 1)
        ctx.changed.connect(lambda e: self.activate() if e & {CHILDREN, ENTRUSTMENTS} else None)

    def title(self) -> str:
        """委托监护."""
        return self.tr("Entrustments")

    def activate(self) -> None:
        """Reload on the worker."""
        api = self.ctx.api
        def load(_t: Any) -> tuple[Any, dict[str, str]]:
            overview = backend.entrustment_overview(api)
            rows = [*overview.all_rows, *overview.expired, *overview.expiring]
            ids = [cid for cid, _name in overview.missing] + [e.child_id for e in rows]
            return overview, backend.village_names(api, ids)

        self.ctx.task(load, self).coalesce("entrustments").success(lambda got: self._show(*got)).run()

    def _show(self, overview: Any, villages: dict[str, str] | None = None) -> None:
        """Show ``overview`` (``EntrustmentOverview``); on a township each child's name with its
        village (``villages``: child id -> village name)."""
        villages = villages or {}
        self.tree.clear()
        follow_rows = sorted([*overview.expired, *overview.expiring], key=lambda r: r.period_to)
        missing = QTreeWidgetItem([self.tr("Left-behind children without a signed confirmation (%1)").replace(
            "%1", str(len(overview.missing)))])
        follow = QTreeWidgetItem([self.tr("Confirmations expired or expiring (%1)").replace(
            "%1", str(len(follow_rows)))])
        printed_rows = [r for r in overview.all_rows if r.status == EntrustmentStatus.PRINTED.code]
        printed = QTreeWidgetItem([self.tr("Printed, waiting for signatures (%1)").replace(
            "%1", str(len(printed_rows)))])
        for group in (missing, printed, follow):
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)  # only once the item is in the tree
        for child_id, name in overview.missing:
            item = QTreeWidgetItem([with_village(name, villages.get(child_id)), "", "", "", self.tr("Not signed")])
            item.setData(0, ID_ROLE, child_id)
            item.setToolTip(0, item.text(0))
            item.setForeground(4, QBrush(QColor("#b00020")))
            missing.addChild(item)
        for e in printed_rows:
            item = QTreeWidgetItem([with_village(e.child_name, villages.get(e.child_id)), e.guardian_name or "",
                                    e.period_from.isoformat(),
                                    e.period_to.isoformat(), EntrustmentStatus(e.effective_status).label])
            item.setData(0, ID_ROLE, e.child_id)
            item.setToolTip(0, item.text(0))
            item.setData(0, ENTRUSTMENT_ROLE, (e.id, e.document_no, e.child_name, e.guardian_name or ""))
            printed.addChild(item)
        for e in follow_rows:
            item = QTreeWidgetItem([with_village(e.child_name, villages.get(e.child_id)), e.guardian_name or "",
                                    e.period_from.isoformat(),
                                    e.period_to.isoformat(), EntrustmentStatus(e.effective_status).label])
            item.setData(0, ID_ROLE, e.child_id)
            item.setToolTip(0, item.text(0))
            item.setData(0, ENTRUSTMENT_ROLE, (e.id, e.document_no, e.child_name, e.guardian_name or ""))
            colour = "#b00020" if e.effective_status == "expired" else "#a15c00"
            item.setForeground(4, QBrush(QColor(colour)))
            follow.addChild(item)
        self.tree.expandAll()
        self._update_buttons()
        self.summary.setText(self.tr("%1 without a signed confirmation, %2 expiring, %3 expired")
                             .replace("%1", str(len(overview.missing))).replace("%2", str(len(overview.expiring)))
                             .replace("%3", str(len(overview.expired))))

    def selected_entrustment(self) -> tuple[str, str, str, str] | None:
        """``(id, document number, child name, guardian name)`` of the selected confirmation
        that can be signed, else ``None``."""
        item = self.tree.currentItem()
        data = item.data(0, ENTRUSTMENT_ROLE) if item is not None else None
        return tuple(data) if data else None

    def _update_buttons(self) -> None:
        self.sign_button.setEnabled(self.selected_entrustment() is not None)

    def record_signatures(self) -> None:
        """Open the 登记签字 dialog for the selected confirmation."""
        from carebook.ui.sign_dialog import SignEntrustmentDialog

        chosen = self.selected_entrustment()
        if chosen is None:
            return
        entrustment_id, document_no, child_name, guardian = chosen
        dialog = SignEntrustmentDialog(self.ctx, entrustment_id, document_no, child_name,
                                       [guardian] if guardian else [], self)
        dialog.open()

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        child_id = item.data(0, ID_ROLE)
        if child_id:
            self.open_child.emit(str(child_id))

"""The sync status (同步状态) at the top of the sync page: changes not yet received by the
township (issue 5 item 8), and per peer when a bundle last went out and came in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.sync.ops import SyncOverview


class StatusPanel(QWidget):
    """同步状态: a summary line (unsent changes, open conflicts, records waiting) and a small
    table of peers (name, changes it has not received, last bundle sent, last received)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setObjectName("sync-summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 11pt;")
        self.peers = QTableWidget(0, 4)
        self.peers.setObjectName("sync-peers")
        self.peers.setHorizontalHeaderLabels(
            [self.tr("Exchanges with"), self.tr("Not yet received"), self.tr("Last sent"),
             self.tr("Last received")]
        )
        self.peers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.peers.verticalHeader().setVisible(False)
        self.peers.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.peers.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.peers)

    def show_overview(self, info: SyncOverview) -> None:
        """Show ``info``."""
        lines = [self.tr("Changes made here not yet received by the township: %1").replace("%1", str(info.unsent))
                 if info.role == "village" else
                 self.tr("Changes made here not yet received by the villages: %1").replace("%1", str(info.unsent))]
        if info.open_conflicts:
            lines.append(self.tr("Open conflicts to decide: %1").replace("%1", str(info.open_conflicts)))
        if info.parked:
            lines.append(self.tr("Records waiting for changes not received yet: %1").replace("%1", str(info.parked)))
        if not info.peers and info.role == "village":
            lines.append(self.tr(
                "Not enrolled yet: a village starts from the enrolment file made by the township."
            ))
        elif not info.peers:
            lines.append(self.tr(
                "No village enrolled yet: make an enrolment file for each village on the Enrolment page."
            ))
        self.summary.setText("\n".join(lines))
        self.peers.setRowCount(0)
        never = self.tr("never")
        for p in info.peers:
            row = self.peers.rowCount()
            self.peers.insertRow(row)
            for col, text in enumerate((f"{p.name} ({p.code})", str(p.unacknowledged), p.last_export or never,
                                        p.last_import or never)):
                self.peers.setItem(row, col, QTableWidgetItem(text))
        self.peers.setVisible(bool(info.peers))
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the header and the rows, at most four rows (a township scrolls)."""
        rows = min(self.peers.rowCount(), 4)
        height = self.peers.horizontalHeader().sizeHint().height() + 2 * self.peers.frameWidth()
        height += sum(self.peers.rowHeight(r) for r in range(rows))
        self.peers.setFixedHeight(height)

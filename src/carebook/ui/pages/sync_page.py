"""The sync page (同步): exchange change bundles with the township (or the villages) by USB stick
or through the relay, and decide conflicts (issue 5 items 5, 6, 8, 9; issue 7 item 2).

At the top the status (changes not yet received, per peer the last bundle); below, tabs:
导出到U盘 (export), 导入同步包 (import; ``.cbk`` files dropped anywhere on the page go there),
冲突 (conflicts, with both values side by side) and 中转站 (relay upload/download). Every
database and file operation runs on the app's worker thread (:mod:`carebook.ui.tasks`).
"""

from __future__ import annotations

from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout

from carebook.ui.context import SETTINGS, SYNC, AppContext
from carebook.ui.pages.base import Page
from carebook.ui.sync import ops
from carebook.ui.sync.conflicts_view import ConflictsView
from carebook.ui.sync.export_panel import ExportPanel
from carebook.ui.sync.import_panel import ImportPanel, dropped_paths
from carebook.ui.sync.ops import SyncOverview
from carebook.ui.sync.relay_panel import RelayPanel
from carebook.ui.sync.status_panel import StatusPanel


class SyncPage(Page):
    """Exchange of change bundles (同步): status, export, import, conflicts and relay.

    Attributes ``status``, ``export_panel``, ``import_panel``, ``conflicts`` and ``relay`` are
    the parts; ``tabs`` holds the last four. Dropping ``.cbk`` files on the page imports them.
    """

    code = "sync"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        title = QLabel(self.title())
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.status = StatusPanel()
        self.summary = self.status.summary
        self.export_panel = ExportPanel(ctx)
        self.import_panel = ImportPanel(ctx)
        self.conflicts = ConflictsView(ctx)
        self.relay = RelayPanel(ctx)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sync-tabs")
        self.tabs.addTab(self.export_panel, self.tr("Export to USB stick"))
        self.tabs.addTab(self.import_panel, self.tr("Import bundles"))
        self.tabs.addTab(self.conflicts, self.tr("Conflicts"))
        self.tabs.addTab(self.relay, self.tr("Relay (network)"))
        self.conflicts.count_changed.connect(self._conflict_count)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        self.setAcceptDrops(True)
        ctx.changed.connect(self._on_changed)

    def title(self) -> str:
        """同步."""
        return self.tr("Sync")

    def activate(self) -> None:
        """Reload the status, the drive list and the conflicts."""
        self.export_panel.refresh_drives()
        self.reload()

    def reload(self) -> None:
        """Reload the status (on the worker) and the conflicts table."""
        api = self.ctx.api
        (self.ctx.task(lambda t: ops.load_overview(api), self).coalesce("sync-overview")
         .success(self._show).run())
        self.conflicts.reload()

    def _show(self, info: SyncOverview) -> None:
        self.status.show_overview(info)
        self.relay.set_url(info.relay_url)

    def _conflict_count(self, n: int) -> None:
        index = self.tabs.indexOf(self.conflicts)
        self.tabs.setTabText(index, self.tr("Conflicts (%1)").replace("%1", str(n)) if n else self.tr("Conflicts"))

    def _on_changed(self, entities: frozenset[str]) -> None:
        if (SYNC in entities or SETTINGS in entities) and self.isVisible():
            self.reload()

    # -- drag and drop: bundle files dropped anywhere on the page are imported ------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept drags carrying local files."""
        if self.import_panel.accepts(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting while the drag moves over the page."""
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Show the import tab and import what was dropped."""
        self.tabs.setCurrentWidget(self.import_panel)
        self.import_panel.drop(event)

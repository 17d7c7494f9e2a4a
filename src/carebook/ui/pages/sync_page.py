"""The sync page (同步): a placeholder until the USB and upload exchange lands."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from carebook.ui.context import AppContext
from carebook.ui.pages.base import Page
from carebook.ui.status import StatusInfo, load_status


class SyncPage(Page):
    """Exchange of change bundles with the township (同步). For now it shows what is waiting
    to be sent; exporting and importing bundles arrives with the sync layer."""

    code = "sync"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        title = QLabel(self.title())
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.summary = QLabel()
        self.summary.setObjectName("sync-summary")
        self.summary.setWordWrap(True)
        note = QLabel(
            self.tr(
                "Exchanging change bundles with the township by USB stick or upload is not "
                "available in this version yet. Your changes are kept and will all be sent "
                "with the first bundle."
            )
        )
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(note)
        layout.addStretch(1)

    def title(self) -> str:
        """同步."""
        return self.tr("Sync")

    def activate(self) -> None:
        """Reload the counts."""
        api = self.ctx.api
        self.ctx.task(lambda t: load_status(api), self).success(self._show).run()

    def _show(self, info: StatusInfo) -> None:
        self.summary.setText(
            self.tr("Changes not yet sent: %1\nLast bundle exchanged: %2")
            .replace("%1", str(info.pending_changes))
            .replace("%2", info.last_bundle or self.tr("none yet"))
        )

"""Export to a USB stick (导出到U盘): pick a removable drive (or any folder), write and verify a
bundle for each peer on the worker, and only then say the stick can be removed (issue 5 item 5)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.context import SYNC, AppContext
from carebook.ui.errors import error_text, show_error
from carebook.ui.sync import ops
from carebook.ui.sync.ops import DriveChoice, ExportLine

_PATH_ROLE = Qt.ItemDataRole.UserRole


class ExportPanel(QWidget):
    """导出到U盘: the drive list (refreshable, plus "choose folder..."), the export button and the
    outcome. :meth:`export_to_folder` is the entry point the button (and tests) use.

    Emits :attr:`exported` with the result lines after a verified export.
    """

    exported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        intro = QLabel(self.tr(
            "Insert the USB stick, choose it below and press Export to the selected drive. Every "
            "change the township (or village) has not confirmed yet is written, encrypted, and read "
            "back to check it."
        ))
        intro.setWordWrap(True)
        self.drives = QListWidget()
        self.drives.setObjectName("sync-drives")
        self.drives.setMaximumHeight(110)
        self.drives.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.drives.itemActivated.connect(lambda *_: self.export_selected())
        self.refresh_button = QPushButton(self.tr("&Refresh drives"))
        self.refresh_button.clicked.connect(self.refresh_drives)
        self.folder_button = QPushButton(self.tr("Choose &folder..."))
        self.folder_button.clicked.connect(self._choose_folder)
        self.export_button = QPushButton(self.tr("&Export to the selected drive"))
        self.export_button.setObjectName("sync-export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setObjectName("sync-export-outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.results = QListWidget()
        self.results.setObjectName("sync-export-results")
        self.results.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.drives)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(self.results, 1)
        self._update_buttons()

    # -- drives -----------------------------------------------------------------------------
    def refresh_drives(self) -> None:
        """List the removable drives mounted now (a quick look at the mount table)."""
        self._show_drives(ops.removable_drives())

    def _show_drives(self, drives: list[DriveChoice], chosen: Path | None = None) -> None:
        self.drives.clear()
        for d in drives:
            self._add_place(d.path, d.text)
        if chosen is not None:
            self._add_place(chosen, self.tr("Folder: %1").replace("%1", str(chosen)))
        if self.drives.count():
            self.drives.setCurrentRow(self.drives.count() - 1 if chosen is not None else 0)
        else:
            self.outcome.setText(self.tr(
                "No USB stick found. Insert one and press Refresh drives, or choose a folder."
            ))
        self._update_buttons()

    def _add_place(self, path: Path, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(_PATH_ROLE, str(path))
        self.drives.addItem(item)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose the folder to export to"))
        if folder:
            self._show_drives(ops.removable_drives(), Path(folder))

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(self.drives.currentItem() is not None)

    # -- export ----------------------------------------------------------------------------
    def export_selected(self) -> None:
        """Export to the drive or folder selected in the list."""
        item = self.drives.currentItem()
        if item is None:
            self.outcome.setText(self.tr("Choose a USB stick or a folder first."))
            return
        self.export_to_folder(Path(str(item.data(_PATH_ROLE))))

    def export_to_folder(self, folder: Path) -> None:
        """Write and verify the bundles into ``folder`` on the worker; on success list them and
        say the stick can be removed; on failure show the error's message (nothing is lost: the
        next export carries the same changes)."""
        api = self.ctx.api
        self.export_button.setEnabled(False)
        self.outcome.setStyleSheet("")
        self.outcome.setText(self.tr("Writing... do not remove the USB stick."))
        self.results.clear()
        (self.ctx.task(lambda t: ops.export_to(api, folder, t), self)
         .with_progress(self, self.tr("Writing and checking the bundles..."), cancellable=False)
         .success(self._done).failure(self._failed).finally_(self._update_buttons).run())

    def _done(self, lines: list[ExportLine]) -> None:
        for line in lines:
            self.results.addItem(line.text())
        self.outcome.setText(self.tr("Written and checked. You can remove the USB stick now."))
        self.outcome.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.ctx.notify_changed(SYNC)
        self.exported.emit(lines)

    def _failed(self, exc: BaseException) -> None:
        self.outcome.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.outcome.setText(self.tr("Not exported: %1").replace("%1", error_text(exc)))
        show_error(self, exc)

"""Import bundles (导入同步包): drop ``.cbk`` files (or parts, or a drive's folder) on the sync
page, or choose them; each bundle is verified, backed up and applied on the worker and gets its
own result row (issue 5 item 6). A bundle addressed to another PC, next to this PC's own (the
township's stick holds one per village), is skipped with a note saying whom it is for, as
``carebook bundle import FOLDER`` says it: not an error (:func:`carebook.ui.sync.ops.import_files`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.context import CHILDREN, ENTRUSTMENTS, REPORTS, SETTINGS, SYNC, VISITS, AppContext
from carebook.ui.errors import show_error
from carebook.ui.sync import ops
from carebook.ui.sync.ops import ImportLine

# Colour of a result row by status (imported, already imported, skipped as another PC's, refused).
STATUS_COLOURS = {"imported": "#1b5e20", "already": "#455a64", "skipped": "#455a64", "refused": "#b71c1c"}


def dropped_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    """The local files and folders carried by a drag (URLs that are not local files are ignored)."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


class ResultTable(QTableWidget):
    """结果表: one row per bundle: its file name(s), and the outcome with any notes (coloured by
    status). Shared by the import and relay panels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels([self.tr("Bundle"), self.tr("Result")])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 220)

    def show_lines(self, lines: Sequence[ImportLine]) -> None:
        """Replace the rows with ``lines``."""
        self.setRowCount(0)
        for line in lines:
            row = self.rowCount()
            self.insertRow(row)
            name = QTableWidgetItem(line.files)
            name.setToolTip(line.files)
            text = "\n".join([line.text, *line.notes])
            result = QTableWidgetItem(text)
            result.setToolTip(text)
            result.setData(Qt.ItemDataRole.UserRole, line.status)
            result.setForeground(QColor(STATUS_COLOURS.get(line.status, "#000000")))
            self.setItem(row, 0, name)
            self.setItem(row, 1, result)
        self.resizeRowsToContents()

    def statuses(self) -> list[str]:
        """The status (``imported``/``already``/``skipped``/``refused``) of each row, top to bottom."""
        out = []
        for row in range(self.rowCount()):
            item = self.item(row, 1)
            out.append(str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else "")
        return out


class ImportPanel(QWidget):
    """导入同步包: the drop hint, "choose files..." and "from the USB stick" buttons, and the result
    table. :meth:`import_paths` is the entry point of the drop, the buttons and tests.

    Emits :attr:`imported` with the result lines after an import run.
    """

    imported = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._settled = True  # the last import succeeded or failed (not cancelled)
        self.drop_hint = QLabel(self.tr(
            "Drag the bundle files (.cbk) from the USB stick and drop them anywhere on this page, "
            "or choose them. A backup is taken before the bundles are applied; a bundle imported "
            "before changes nothing."
        ))
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setFrameShape(QFrame.Shape.StyledPanel)
        self.drop_hint.setMinimumHeight(56)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setObjectName("sync-drop-area")
        self.files_button = QPushButton(self.tr("Choose &files..."))
        self.files_button.clicked.connect(self._choose_files)
        self.drive_button = QPushButton(self.tr("Import from the &USB stick"))
        self.drive_button.setObjectName("sync-import-drive")
        self.drive_button.clicked.connect(self.import_from_drives)
        buttons = QHBoxLayout()
        buttons.addWidget(self.drive_button)
        buttons.addWidget(self.files_button)
        buttons.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setObjectName("sync-import-outcome")
        self.outcome.setWordWrap(True)
        self.results = ResultTable()
        self.results.setObjectName("sync-import-results")
        layout = QVBoxLayout(self)
        layout.addWidget(self.drop_hint)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(self.results, 1)

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Choose bundle files"), "", self.tr("Carebook bundles (*.cbk)")
        )
        if files:
            self.import_paths([Path(f) for f in files])

    def import_from_drives(self) -> None:
        """Import every bundle at the top of (or one folder into) each removable drive."""
        drives = [d.path for d in ops.removable_drives()]
        if not drives:
            self.outcome.setText(self.tr(
                "No USB stick found. Insert it and try again, or choose the files."
            ))
            return
        self.import_paths(drives)

    def import_paths(self, paths: Sequence[Path]) -> int:
        """Import the bundles among ``paths`` (files, parts, or folders searched one level deep)
        on the worker and show one result row per bundle. Returns the task's id (for
        :meth:`carebook.ui.tasks.TaskManager.cancel`: a cancelled import keeps nothing)."""
        api = self.ctx.api
        chosen = list(paths)
        self.outcome.setText(self.tr("Importing..."))
        self.results.setRowCount(0)
        self._settled = False
        return (self.ctx.task(lambda t: ops.import_files(api, chosen, t), self)
                .with_progress(self, self.tr("Checking and importing the bundles..."))
                .success(self._done).failure(self._failed).finally_(self._after).run())

    def _after(self) -> None:
        """After success, failure or Cancel: a cancelled import (neither succeeded nor failed)
        changed nothing (the bundles are applied in one transaction), and says so."""
        if not self._settled:
            self.outcome.setText(self.tr("Cancelled: nothing was imported."))

    def _done(self, lines: list[ImportLine]) -> None:
        self._settled = True
        self.results.show_lines(lines)
        refused = sum(1 for line in lines if line.status == "refused")
        skipped = sum(1 for line in lines if line.status == "skipped")
        if refused:
            text = self.tr(
                "%1 bundle(s) were refused and changed nothing; see the reason in each row."
            ).replace("%1", str(refused))
        else:
            text = self.tr("Done.")
        if skipped:
            text += " " + self.tr(
                "%1 bundle(s) are for other computers, not this one: skipped (this is not a mistake). "
                "Take them to the computers they are for."
            ).replace("%1", str(skipped))
        self.outcome.setText(text)
        self.ctx.notify_changed(CHILDREN, VISITS, ENTRUSTMENTS, REPORTS, SETTINGS, SYNC)
        self.imported.emit(lines)

    def _failed(self, exc: BaseException) -> None:
        self._settled = True
        self.outcome.setText("")
        show_error(self, exc)

    # -- drag and drop (the page forwards its drops here) ------------------------------------
    def accepts(self, event: QDragEnterEvent) -> bool:
        """Whether a drag carries at least one local file or folder."""
        return bool(dropped_paths(event))

    def drop(self, event: QDropEvent) -> None:
        """Import what was dropped."""
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

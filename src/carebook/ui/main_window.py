"""The main window: navigation pane on the left, the pages in a stack, a status bar.

Pages: 儿童名册 (register), 走访 (visits due and overdue), 委托监护 (entrustments), 强制报告与
转介 (mandatory reports and referrals), 同步 (sync), 设置 (settings); the child file (一人一档案)
opens in the same stack. Every page is reachable with Ctrl+1..6; Ctrl+F searches the register,
Ctrl+N registers a new child.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QWidget,
)

from carebook.ui.context import SETTINGS, SYNC, AppContext

if TYPE_CHECKING:
    from carebook.ui.child_editor import ChildEditor
from carebook.ui.pages.base import Page
from carebook.ui.status import StatusInfo, load_status
from carebook.ui.township.pages import TOWNSHIP_ICONS, township_pages


class MainWindow(QMainWindow):
    """The Carebook main window (主窗口).

    Args:
        ctx: the shared app context; the window builds one of each page over it.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("carebook-main-window")
        self.setWindowTitle(self.tr("Carebook - register of children"))
        self.setMinimumSize(QSize(900, 600))

        from carebook.ui.pages.entrustments_page import EntrustmentsPage
        from carebook.ui.pages.register_page import RegisterPage
        from carebook.ui.pages.reports_page import ReportsPage
        from carebook.ui.pages.settings_page import SettingsPage
        from carebook.ui.pages.sync_page import SyncPage
        from carebook.ui.pages.visits_page import VisitsPage

        self.register_page = RegisterPage(ctx)
        self.visits_page = VisitsPage(ctx)
        self.pages: list[Page] = [
            self.register_page,
            self.visits_page,
            EntrustmentsPage(ctx),
            ReportsPage(ctx),
            SyncPage(ctx),
            SettingsPage(ctx),
        ]
        self.pages += township_pages(ctx)  # overview, staff, allowances, enrolment (township only)
        self._child_editor: ChildEditor | None = None  # built on first use (it is big)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setSpacing(2)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setStyleSheet("QListWidget#navigation { font-size: 11pt; }"
                               "QListWidget#navigation::item { padding: 8px 6px; }")
        icons = [
            QStyle.StandardPixmap.SP_FileDialogDetailedView,
            QStyle.StandardPixmap.SP_DialogYesButton,
            QStyle.StandardPixmap.SP_FileDialogContentsView,
            QStyle.StandardPixmap.SP_MessageBoxWarning,
            QStyle.StandardPixmap.SP_BrowserReload,
            QStyle.StandardPixmap.SP_FileDialogInfoView,
            *TOWNSHIP_ICONS,
        ]
        self.stack = QStackedWidget()
        for i, page in enumerate(self.pages):
            item = QListWidgetItem(self.style().standardIcon(icons[i]), page.title())
            item.setToolTip(self.tr("%1 (Ctrl+%2)").replace("%1", page.title()).replace("%2", str((i + 1) % 10)))
            self.nav.addItem(item)
            self.stack.addWidget(page)
        widest = max(self.nav.fontMetrics().horizontalAdvance(p.title()) for p in self.pages)
        self.nav.setFixedWidth(min(240, max(150, widest + 70)))
        self.nav.currentRowChanged.connect(self._on_nav)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.village_label = QLabel()
        self.bundle_label = QLabel()
        self.pending_label = QLabel()
        for label in (self.village_label, self.bundle_label, self.pending_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)

        self._build_menus()
        for page in self.pages:
            signal = getattr(page, "open_child", None)
            if signal is not None:
                signal.connect(self.open_child)
        ctx.changed.connect(self._on_changed)
        geometry = ctx.prefs.value("ui/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._current = -1
        self.nav.setCurrentRow(0)
        self.refresh_status()

    # -- menus and shortcuts ------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        new_child = QAction(self.tr("&New child..."), self)
        new_child.setShortcut(QKeySequence("Ctrl+N"))
        new_child.triggered.connect(lambda: self.open_child(None))
        file_menu.addAction(new_child)
        export = QAction(self.tr("&Export register view to Excel..."), self)
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.triggered.connect(self._export)
        file_menu.addAction(export)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for i, page in enumerate(self.pages):
            action = QAction(page.title(), self)
            if i < 10:
                action.setShortcut(QKeySequence(f"Ctrl+{(i + 1) % 10}"))
            action.triggered.connect(lambda _=False, row=i: self.show_page(row))
            view_menu.addAction(action)
        view_menu.addSeparator()
        search = QAction(self.tr("&Search the register"), self)
        search.setShortcut(QKeySequence("Ctrl+F"))
        search.triggered.connect(self._focus_search)
        view_menu.addAction(search)
        refresh = QAction(self.tr("&Refresh"), self)
        refresh.setShortcut(QKeySequence("F5"))
        refresh.triggered.connect(self._refresh)
        view_menu.addAction(refresh)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About Carebook"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -- navigation ---------------------------------------------------------------------------
    def show_page(self, row: int) -> None:
        """Show page ``row`` (0 register ... 5 settings)."""
        self.nav.setCurrentRow(row)
        if self._editor_shown() and row == 0:
            self._on_nav(0)

    @property
    def child_editor(self) -> ChildEditor:
        """The child file editor (built the first time it is needed)."""
        if self._child_editor is None:
            from carebook.ui.child_editor import ChildEditor

            self._child_editor = ChildEditor(self.ctx)
            self._child_editor.closed.connect(self._editor_closed)
            self.stack.addWidget(self._child_editor)
        return self._child_editor

    def _editor_shown(self) -> bool:
        return self._child_editor is not None and self.stack.currentWidget() is self._child_editor

    def page_by_code(self, code: str) -> Page | None:
        """Return the page whose ``code`` is ``code`` (``register``, ``visits`` ...)."""
        return next((p for p in self.pages if p.code == code), None)

    def _leave_ok(self) -> bool:
        current = self.stack.currentWidget()
        if self._child_editor is not None and current is self._child_editor:
            return self._child_editor.can_leave()
        return not isinstance(current, Page) or current.can_leave()

    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        if self.stack.currentWidget() is not self.pages[row] and not self._leave_ok():
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(self._current if self._current >= 0 else 0)
            self.nav.blockSignals(False)
            return
        self._current = row
        self.stack.setCurrentWidget(self.pages[row])
        self.pages[row].activate()

    def open_child(self, child_id: str | None) -> None:
        """Open the child file of ``child_id`` (None: register a new child)."""
        if self._editor_shown() and not self.child_editor.can_leave():
            return
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(0)
        self.nav.blockSignals(False)
        self._current = 0
        self.child_editor.load(child_id)
        self.stack.setCurrentWidget(self.child_editor)

    def _editor_closed(self) -> None:
        self.stack.setCurrentWidget(self.register_page)
        self.register_page.activate()

    def _focus_search(self) -> None:
        if self.stack.currentWidget() is not self.register_page:
            if not self._leave_ok():
                return
            self.show_page(0)
            self.stack.setCurrentWidget(self.register_page)
        self.register_page.focus_search()

    def _export(self) -> None:
        self._focus_search()
        self.register_page.export_view()

    def _refresh(self) -> None:
        current = self.stack.currentWidget()
        if isinstance(current, Page):
            current.activate()
        self.refresh_status()

    def _about(self) -> None:
        from carebook import __version__

        QMessageBox.about(
            self,
            self.tr("About Carebook"),
            self.tr("Carebook %1\nThe register of left-behind children and children in difficulty.")
            .replace("%1", __version__),
        )

    # -- status bar ---------------------------------------------------------------------------
    def refresh_status(self) -> None:
        """Reload the village name, last bundle and pending change count (on the worker)."""
        api = self.ctx.api
        self.ctx.task(lambda t: load_status(api), self).success(self._show_status).failure(
            lambda e: None
        ).run()

    def _show_status(self, info: StatusInfo) -> None:
        label = self.tr("Village: %1") if info.role == "village" else self.tr("Organisation: %1")
        self.village_label.setText(label.replace("%1", info.organisation or "-"))
        self.bundle_label.setText(
            self.tr("Last bundle: %1").replace("%1", info.last_bundle or self.tr("none yet"))
        )
        self.pending_label.setText(
            self.tr("Changes not yet sent: %1").replace("%1", str(info.pending_changes))
        )

    def _on_changed(self, entities: frozenset[str]) -> None:
        if entities & {SETTINGS, SYNC} or entities:
            self.refresh_status()

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Refuse to close while the child file holds unsaved edits the user wants to keep."""
        if not self._leave_ok():
            event.ignore()
            return
        self.ctx.prefs.setValue("ui/geometry", self.saveGeometry())
        event.accept()

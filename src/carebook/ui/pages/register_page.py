"""The register page (儿童名册): filters, search as you type, the lazily-fetched table,
export of the current view to Excel.

On a township the table has a village column (村（居）) beside the name, since its register
holds the children of every village; a village's own register hides it (always the same). The
role is read on the worker when the page is first shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from carebook.model.enums import Category, RiskColour, Sex
from carebook.ui import backend
from carebook.ui.backend import RegisterFilter
from carebook.ui.context import CHILDREN, VISITS, AppContext
from carebook.ui.errors import show_message
from carebook.ui.models.register_table import (
    COL_AGE,
    COL_CATEGORIES,
    COL_GUARDIAN,
    COL_LAST_VISIT,
    COL_NAME,
    COL_NEXT_VISIT,
    COL_RISK,
    COL_SEX,
    COL_VILLAGE,
    ObjectRole,
    RegisterTableModel,
)
from carebook.ui.pages.base import Page

SEARCH_DELAY_MS = 150

#: Column widths of a village's register (the categories and the status share the rest).
VILLAGE_WIDTHS = {COL_NAME: 90, COL_SEX: 50, COL_AGE: 50, COL_RISK: 60, COL_GUARDIAN: 90, COL_LAST_VISIT: 100,
                  COL_NEXT_VISIT: 100}
#: Column widths of a township's register, with the village column, read whole at 1024x768
#: (sex, age, risk and the dates at least as wide as their texts and header in the current language).
TOWNSHIP_WIDTHS = {COL_NAME: 76, COL_VILLAGE: 76, COL_SEX: 44, COL_AGE: 44, COL_RISK: 50, COL_GUARDIAN: 72,
                   COL_LAST_VISIT: 96, COL_NEXT_VISIT: 96}


class RegisterPage(Page):
    """The register of children (儿童名册) with filters and search.

    Signals:
        open_child(str): the user asked to open a child's file (by record id).
    """

    code = "register"
    open_child = Signal(object)
    #: Emitted after the id list of a search or filter arrived (number of children).
    searched = Signal(int)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self._filter = RegisterFilter()
        self._loaded_once = False
        api = ctx.api

        self.search = QLineEdit()
        self.search.setObjectName("register-search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("Search name, pinyin initials or ID number ending (Ctrl+F)")
        )
        self.category = QComboBox()
        self.category.setObjectName("filter-category")
        self.category.addItem(self.tr("All categories"), None)
        for cat in Category:
            self.category.addItem(cat.label, cat.value)
        self.risk = QComboBox()
        self.risk.setObjectName("filter-risk")
        self.risk.addItem(self.tr("All risk levels"), None)
        for colour in RiskColour:
            self.risk.addItem(colour.label, colour.value)
        self.key_only = QCheckBox(self.tr("&Key children"))
        self.overdue_only = QCheckBox(self.tr("&Overdue visits"))
        self.include_closed = QCheckBox(self.tr("Include c&losed files"))
        self.new_button = QPushButton(self.tr("&New child"))
        self.new_button.setToolTip(self.tr("Register a new child (Ctrl+N)"))
        self.export_button = QPushButton(self.tr("E&xport to Excel"))
        self.export_button.setToolTip(self.tr("Export the children shown to an .xlsx file (Ctrl+E)"))
        self.print_button = QPushButton(self.tr("&Batch print..."))
        self.print_button.setToolTip(self.tr("Print a form for every child shown, one PDF each"))

        self.model = RegisterTableModel(ctx.tasks, lambda ids: backend.register_rows(api, ids), self)
        self.model.sort_requested.connect(self._on_sort)
        self.table = QTableView()
        self.table.setObjectName("register-table")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.moveSection(header.visualIndex(COL_VILLAGE), header.visualIndex(COL_NAME) + 1)
        self._set_village_column(False)
        header.setSectionResizeMode(COL_CATEGORIES, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.count_label = QLabel()
        self.count_label.setObjectName("register-count")

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.category, 1)
        top.addWidget(self.risk, 1)
        second = QHBoxLayout()
        second.addWidget(self.key_only)
        second.addWidget(self.overdue_only)
        second.addWidget(self.include_closed)
        second.addStretch(1)
        second.addWidget(self.new_button)
        second.addWidget(self.export_button)
        second.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel(self.title())
        title.setObjectName("page-title")
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._search_enter)
        for combo in (self.category, self.risk):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for box in (self.key_only, self.overdue_only, self.include_closed):
            box.toggled.connect(lambda _b: self.refresh())
        self.new_button.clicked.connect(lambda: self.open_child.emit(None))
        self.export_button.clicked.connect(self.export_view)
        self.print_button.clicked.connect(self.batch_print)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, self.search.clear,
                  context=Qt.ShortcutContext.WidgetShortcut)
        ctx.changed.connect(self._on_changed)

    def title(self) -> str:
        """儿童名册."""
        return self.tr("Register of children")

    def activate(self) -> None:
        """Load the register the first time the page is shown (and learn whether this is a
        township's register, which shows the village column)."""
        if not self._loaded_once:
            self._loaded_once = True
            from carebook.ui.township.data import installation_role

            api = self.ctx.api
            self.ctx.task(lambda t: installation_role(api), self).success(
                lambda role: self._set_village_column(role == "township")).run()
            self.refresh()

    def shows_village(self) -> bool:
        """True when the table shows the village column (a township's register)."""
        return not self.table.isColumnHidden(COL_VILLAGE)

    def _set_village_column(self, shown: bool) -> None:
        self.table.setColumnHidden(COL_VILLAGE, not shown)
        for col, width in (TOWNSHIP_WIDTHS if shown else VILLAGE_WIDTHS).items():
            self.table.setColumnWidth(col, width)
        if shown:  # the narrow columns: as wide as their texts need (English labels are longer)
            for col, texts in ((COL_SEX, [str(Sex.MALE.label), str(Sex.FEMALE.label)]), (COL_AGE, ["18"]),
                               (COL_RISK, [str(c.label) for c in RiskColour]), (COL_LAST_VISIT, ["2026-12-31"]),
                               (COL_NEXT_VISIT, ["2026-12-31"])):
                self.table.setColumnWidth(col, max(self.table.columnWidth(col), self._text_width(col, texts)))

    def _text_width(self, col: int, texts: list[str]) -> int:
        """The width column ``col`` needs to show ``texts`` and its (bold) header whole, with the
        cell's padding and room for the sort arrow."""
        bold = QFont(self.table.horizontalHeader().font())
        bold.setBold(True)
        head = str(self.model.headerData(col, Qt.Orientation.Horizontal))
        cells = self.table.fontMetrics()
        return max(QFontMetrics(bold).horizontalAdvance(head) + 20,
                   max(cells.horizontalAdvance(t) for t in texts) + 12)

    def focus_search(self) -> None:
        """Put the cursor in the search box, text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def current_filter(self) -> RegisterFilter:
        """The filter the widgets describe now."""
        return RegisterFilter(
            text=self.search.text().strip(),
            category=self.category.currentData(),
            risk=self.risk.currentData(),
            key_only=self.key_only.isChecked(),
            overdue_only=self.overdue_only.isChecked(),
            include_closed=self.include_closed.isChecked(),
            sort_key=self._filter.sort_key,
            ascending=self._filter.ascending,
        )

    def refresh(self) -> None:
        """Re-run the id query for the current filter on the worker (newest query wins)."""
        self._timer.stop()
        self._filter = self.current_filter()
        query = self._filter
        api = self.ctx.api
        self.ctx.task(lambda t: backend.search_child_ids(api, query), self).coalesce(
            "register-ids"
        ).success(self._show_ids).run()

    def _show_ids(self, ids: list[str]) -> None:
        selected = self.selected_id()
        self.model.set_ids(ids)
        self.count_label.setText(self.tr("%1 children").replace("%1", str(len(ids))))
        if selected in ids:
            self.table.selectRow(ids.index(selected))
        self.searched.emit(len(ids))

    def selected_id(self) -> str | None:
        """Record id of the selected child, if any."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if rows:
            value = rows[0].data(ObjectRole)
            return str(value) if value else None
        return None

    def _on_sort(self, key: str, ascending: bool) -> None:
        self._filter = RegisterFilter(**{**self._filter.__dict__, "sort_key": key, "ascending": ascending})
        if self._loaded_once:
            self.refresh()

    def _search_enter(self) -> None:
        self.refresh()
        if self.model.rowCount() > 0:
            self.table.setFocus()
            self.table.selectRow(0)

    def _open_index(self, index: QModelIndex) -> None:
        child_id = index.data(ObjectRole)
        if child_id:
            self.open_child.emit(str(child_id))

    def _on_changed(self, entities: frozenset[str]) -> None:
        if entities & {CHILDREN, VISITS} and self._loaded_once:
            self.model.invalidate()
            self.refresh()

    # -- export ------------------------------------------------------------------------------
    def export_view(self) -> None:
        """Ask for a file name and export the children shown (current filter and order) to
        .xlsx on the worker, with progress and cancel."""
        ids = self.model.ids()
        if not ids:
            show_message(self, self.tr("There are no children in the current view to export."))
            return
        default = str(Path.home() / self.tr("register.xlsx"))
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export register"), default, self.tr("Excel workbook (*.xlsx)")
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> int:
        """Export the children shown to ``path`` (.xlsx) on the worker; returns the task id."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        ids = self.model.ids()
        api = self.ctx.api
        return (
            self.ctx.task(lambda t: backend.export_register(api, ids, path, t), self)
            .with_progress(self, self.tr("Exporting %1 children...").replace("%1", str(len(ids))))
            .success(lambda n: show_message(
                self, self.tr("Exported %1 children to %2.").replace("%1", str(n)).replace("%2", str(path)),
                warning=False))
            .run()
        )

    # -- batch printing -------------------------------------------------------------------------
    def batch_print(self) -> None:
        """Ask for a form and a folder, then write that form for every child shown."""
        from PySide6.QtWidgets import QInputDialog

        from carebook.ui.print_dialog import FORM_KINDS, form_labels

        ids = self.model.ids()
        if not ids:
            show_message(self, self.tr("There are no children in the current view to print."))
            return
        labels = form_labels()
        choice, ok = QInputDialog.getItem(self, self.tr("Batch print"), self.tr("Form to print for %1 children:")
                                          .replace("%1", str(len(ids))), [labels[k] for k in FORM_KINDS], 0, False)
        if not ok:
            return
        kind = FORM_KINDS[[labels[k] for k in FORM_KINDS].index(choice)]
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the PDF files"), str(Path.home()))
        if folder:
            self.batch_print_to(kind, Path(folder))

    def batch_print_to(self, kind: str, folder: Path) -> int:
        """Write ``kind`` for every child shown into ``folder`` on the worker, with progress
        and cancel; returns the task id. Children without that form (no confirmation) are
        listed at the end."""
        ids = self.model.ids()
        api = self.ctx.api
        return (
            self.ctx.task(lambda t: backend.batch_forms(api, kind, ids, folder, t), self)
            .with_progress(self, self.tr("Printing %1 forms...").replace("%1", str(len(ids))))
            .success(lambda r: show_message(
                self, self.tr("Wrote %1 PDF files to %2.").replace("%1", str(r[0])).replace("%2", str(folder))
                + ("\n" + "\n".join(r[1][:10]) if r[1] else ""), warning=bool(r[1])))
            .run()
        )

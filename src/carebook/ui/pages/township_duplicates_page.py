"""The duplicate review page (重复档案核查, issue 6 item 3): the pairs of files that may be one
child (:func:`carebook.model.queries.duplicates.find_duplicates`: the same ID number in two
villages, close names with the same date of birth, or a child closed as moved away to the
village of the other file), the selected pair side by side, and per pair 合并 (merge, choosing
the file kept), 转移 (transfer: the child moved) and 不是同一人 (not a duplicate).

Every action is one recorded transaction on the worker (:mod:`carebook.ui.township.duplicates`);
the list is read again afterwards. Errors are shown in the user's words, in the dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
)

from carebook.model.errors import CarebookError
from carebook.ui.context import CHILDREN, ENTRUSTMENTS, REPORTS, SYNC, VISITS, AppContext
from carebook.ui.errors import error_text, show_error
from carebook.ui.pages.base import Page
from carebook.ui.township import duplicates
from carebook.ui.township.duplicate_dialogs import MergeDialog, TransferDialog, file_label
from carebook.ui.township.tables import cell_text, fill_table, heading, make_table, section

_DIFFERENT = QColor("#fff3cd")


def _stretch(table: QTableWidget) -> None:
    """Share the table's width between its columns (again after a fill sized them to contents)."""
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)


def _text_width(table: QTableWidget, texts: list[str], bold: bool = False) -> int:
    """The width in pixels a column needs to show every one of ``texts`` whole, with the
    cell's padding (the header's font is bold)."""
    font = QFont(table.font())
    font.setBold(bold)
    metrics = QFontMetrics(font)
    return max((metrics.horizontalAdvance(t) for t in texts), default=0) + 24


_KINDS = ("same_id_number", "similar_name", "transfer")


class TownshipDuplicatesPage(Page):
    """重复档案: the duplicate review of the township (issue 6, item 3).

    Attributes: ``pairs`` (one row per candidate pair), ``compare`` (the selected pair side by
    side, differing values shaded), ``merge_button``, ``transfer_button``, ``not_duplicate_button``,
    ``empty`` (shown when there is nothing to review) and ``view`` (the last
    :class:`~carebook.ui.township.duplicates.DuplicatesView` loaded).
    """

    code = "duplicates"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.view: duplicates.DuplicatesView | None = None
        self.villages: list[duplicates.VillageChoice] = []
        self.dialog: Any = None
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.activate)
        self.count = QLabel()
        self.count.setObjectName("duplicates-count")
        top = QHBoxLayout()
        top.addWidget(heading(self.title()))
        top.addWidget(self.count, 1)
        top.addWidget(self.refresh_button)
        intro = QLabel(self.tr(
            "Files that may belong to one child: the same ID number in two villages, or close names with the "
            "same date of birth. A child closed as moved away to the other file's village has moved: "
            "transfer the file instead of merging. Pairs marked as two children are not shown again."))
        intro.setWordWrap(True)
        self.empty = QLabel(self.tr("No possible duplicates to review."))
        self.empty.setObjectName("duplicates-empty")
        self.empty.setStyleSheet("color: #2e7d32; font-weight: bold;")
        self.empty.hide()
        self.pairs = make_table("duplicates-pairs", [
            self.tr("Kind"), self.tr("File A"), self.tr("Village A"), self.tr("File B"), self.tr("Village B"),
            self.tr("Date of birth")])
        self.pairs.itemSelectionChanged.connect(self._show_selected)
        self._size_pairs()
        self.compare = make_table("duplicates-compare", [self.tr("File A"), self.tr("File B")], fit_rows=True)
        self.compare.setSelectionMode(self.compare.SelectionMode.NoSelection)
        self.compare.verticalHeader().setVisible(True)
        self.compare.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.compare_note = QLabel()
        self.compare_note.setWordWrap(True)
        self.merge_button = QPushButton(self.tr("&Merge..."))
        self.merge_button.setObjectName("duplicates-merge")
        self.merge_button.clicked.connect(self.merge_selected)
        self.transfer_button = QPushButton(self.tr("&Transfer..."))
        self.transfer_button.setObjectName("duplicates-transfer")
        self.transfer_button.clicked.connect(self.transfer_selected)
        self.not_duplicate_button = QPushButton(self.tr("&Not the same child"))
        self.not_duplicate_button.setObjectName("duplicates-not-duplicate")
        self.not_duplicate_button.clicked.connect(self.confirm_not_duplicate)
        actions = QHBoxLayout()
        for b in (self.merge_button, self.transfer_button, self.not_duplicate_button):
            actions.addWidget(b)
        self.result = QLabel()
        self.result.setObjectName("duplicates-result")
        actions.addWidget(self.result, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(intro)
        layout.addWidget(self.empty)
        layout.addWidget(self.pairs, 1)
        self.compare_title = section(self.tr("The selected pair side by side"))
        layout.addWidget(self.compare_title)
        layout.addWidget(self.compare)
        layout.addWidget(self.compare_note)
        layout.addLayout(actions)
        self._show_selected()  # nothing yet: no comparison, buttons off
        watched = {CHILDREN, SYNC}
        ctx.changed.connect(lambda e: self.activate() if e & watched and self.isVisible() else None)

    def title(self) -> str:
        """重复档案."""
        return self.tr("Duplicates")

    def activate(self) -> None:
        """Read the candidate pairs on the worker."""
        api = self.ctx.api
        self.refresh_button.setEnabled(False)
        self.ctx.task(lambda t: duplicates.load_duplicates(api), self).coalesce("township-duplicates").success(
            self.show_view).finally_(lambda: self.refresh_button.setEnabled(True)).run()
        self.ctx.task(lambda t: duplicates.load_villages(api), self).coalesce("township-duplicates-villages").success(
            self._show_villages).run()

    def _show_villages(self, villages: list[duplicates.VillageChoice]) -> None:
        self.villages = villages
        if self.view is not None:
            self.view.villages = villages
        self._set_buttons(self.selected())

    # -- showing ----------------------------------------------------------------------------------
    def kind_label(self, kind: str) -> str:
        """The kind of a pair in words."""
        return {
            "same_id_number": self.tr("Same ID number"),
            "similar_name": self.tr("Similar name, same date of birth"),
            "transfer": self.tr("Moved (transfer)"),
        }.get(kind, kind)

    def match_label(self, match: str) -> str:
        """What matched in words."""
        return {
            "id_number": self.tr("same ID number"),
            "same_name": self.tr("the same name"),
            "pinyin": self.tr("names sound the same"),
            "one_character": self.tr("names differ by one character"),
        }.get(match, match)

    def status_label(self, s: Any) -> str:
        """A file's status in words (with the closing reason)."""
        if s.status == "parked":
            return self.tr("Held back at import (ID number taken)")
        if s.status == "closed":
            from carebook.model.enums import ClosingReason

            reason = ""
            try:
                reason = str(ClosingReason(s.closed_reason).label) if s.closed_reason else ""
            except ValueError:
                reason = str(s.closed_reason)
            text = self.tr("Closed: %1").replace("%1", reason)
            if s.transferred_to:
                names = {v.code: v.name for v in self.view.villages} if self.view else {}
                text += self.tr(" (to %1)").replace("%1", names.get(s.transferred_to, s.transferred_to))
            return text
        return self.tr("Open")

    def show_view(self, view: duplicates.DuplicatesView) -> None:
        """Fill the list from ``view`` and keep the selection on the same pair when it is still there."""
        selected = self.selected()
        if not view.villages:
            view.villages = self.villages  # read by the second task (kept from the last one)
        self.view = view
        c = view.candidates
        self.count.setText(self.tr("%1 pairs to review").replace("%1", str(len(c))) if c else "")
        self.empty.setVisible(not c)
        fill_table(self.pairs, [[self.kind_label(x.kind), x.a.name, x.a.village_name or "", x.b.name,
                                 x.b.village_name or "", x.a.date_of_birth] for x in c],
                   ids=[x.pair_key for x in c])
        self._size_pairs()
        keys = [x.pair_key for x in c]
        row = keys.index(selected.pair_key) if selected is not None and selected.pair_key in keys else 0
        if c:
            self.pairs.selectRow(row)
        self._show_selected()

    def _size_pairs(self) -> None:
        """Size the pair list's columns so each reads whole at 1024x768: 类型 as wide as its
        longest label (whatever the list holds, so it does not jump between refreshes), 出生日期
        as wide as a date, the names and villages sharing the rest."""
        header = self.pairs.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        heads = [item.text() if (item := self.pairs.horizontalHeaderItem(i)) is not None else ""
                 for i in range(self.pairs.columnCount())]
        kinds = [self.kind_label(k) for k in _KINDS]
        last = self.pairs.columnCount() - 1
        for col, texts in ((0, kinds), (last, ["0000-00-00"])):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, max(_text_width(self.pairs, texts), _text_width(self.pairs, [heads[col]], True)))
        header.setMinimumSectionSize(_text_width(self.pairs, ["村（居）名称"]))

    def selected(self) -> Any:
        """The selected ``DuplicateCandidate`` (None: none)."""
        if self.view is None:
            return None
        rows = self.pairs.selectionModel().selectedRows() if self.pairs.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self.view.candidates[row] if 0 <= row < len(self.view.candidates) else None

    def _set_buttons(self, c: Any) -> None:
        any_closed = c is not None and "closed" in (c.a.status, c.b.status)
        self.merge_button.setEnabled(c is not None and not any_closed)
        self.merge_button.setToolTip(self.tr("A closed file cannot be merged; if the child moved, use Transfer.")
                                     if any_closed else "")
        self.transfer_button.setEnabled(c is not None and bool(self.view and self.view.villages))
        self.not_duplicate_button.setEnabled(c is not None)

    def _show_selected(self) -> None:
        c = self.selected()
        self._set_buttons(c)
        for w in (self.compare_title, self.compare, self.compare_note):
            w.setVisible(c is not None)
        if c is None:
            self.compare.setRowCount(0)
            self.compare_note.clear()
            return
        fields = [
            (self.tr("Name"), c.a.name, c.b.name),
            (self.tr("ID number"), c.a.id_number or "", c.b.id_number or ""),
            (self.tr("Date of birth"), cell_text(c.a.date_of_birth), cell_text(c.b.date_of_birth)),
            (self.tr("Village"), c.a.village_name or "", c.b.village_name or ""),
            (self.tr("Status"), self.status_label(c.a), self.status_label(c.b)),
            (self.tr("Last change"), cell_text(c.a.last_change), cell_text(c.b.last_change)),
        ]
        fill_table(self.compare, [[a, b] for _label, a, b in fields])
        _stretch(self.compare)
        self.compare.setVerticalHeaderLabels([label for label, _a, _b in fields])
        self.compare.verticalHeader().setMinimumWidth(
            _text_width(self.compare, [label for label, _a, _b in fields], bold=True))
        for r, (_label, a, b) in enumerate(fields):
            if a != b:
                for col in (0, 1):
                    item = self.compare.item(r, col)
                    if item is not None:
                        item.setBackground(QBrush(_DIFFERENT))
        bold = QFont(self.compare.font())
        bold.setBold(True)
        for col in (0, 1):
            item = self.compare.item(0, col)
            if item is not None:
                item.setFont(bold)
        note = self.tr("Why listed: %1.").replace("%1", self.match_label(c.match))
        if c.kind == "transfer":
            note += " " + self.tr("One file was closed as moved away to the other's village: transfer it.")
        self.compare_note.setText(note)

    # -- actions ----------------------------------------------------------------------------------
    def merge_selected(self) -> MergeDialog | None:
        """Open the merge dialog of the selected pair (returns it; None: nothing selected)."""
        c = self.selected()
        if c is None:
            return None
        dialog = MergeDialog(self, c)
        dialog.submitted.connect(lambda v: self._run(dialog, lambda api: duplicates.merge(api, v["keep"], v["drop"]),
                                                     self.tr("Merged: %1 kept.").replace("%1", file_label(
                                                         c.a if v["keep"] == c.a.id else c.b))))
        self._open(dialog)
        return dialog

    def transfer_selected(self) -> TransferDialog | None:
        """Open the transfer dialog of the selected pair (returns it; None: nothing selected)."""
        c = self.selected()
        if c is None or self.view is None:
            return None
        dialog = TransferDialog(self, c, self.view.villages)
        dialog.submitted.connect(lambda v: self._run(
            dialog, lambda api: duplicates.transfer(api, v["child"], v["village"], v["reason"], v["merge"]),
            self.tr("Transferred.")))
        self._open(dialog)
        return dialog

    def confirm_not_duplicate(self) -> None:
        """Ask, then remember the selected pair as two children."""
        c = self.selected()
        if c is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Not the same child"), self.tr(
            "%1 and %2 are two different children? The pair will not be listed again.").replace(
            "%1", file_label(c.a)).replace("%2", file_label(c.b)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Two children"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Cancel"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.mark_not_duplicate(c))
        box.open()

    def mark_not_duplicate(self, c: Any) -> int:
        """Remember the pair ``c`` as two children on the worker, then reload. Returns the task id."""
        api = self.ctx.api

        def done(_r: object) -> None:
            self.result.setText(self.tr("Kept as two children: %1 and %2.").replace("%1", c.a.name).replace(
                "%2", c.b.name))
            self.activate()

        return self.ctx.task(lambda t: duplicates.not_duplicate(api, c.a.id, c.b.id), self).success(done).run()

    def _open(self, dialog: Any) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()  # the one opened before
        self.dialog = dialog
        dialog.open()

    def _run(self, dialog: Any, fn: Any, done_text: str) -> None:
        api = self.ctx.api

        def refused(exc: BaseException) -> None:
            if not isinstance(exc, CarebookError):
                show_error(self, exc)  # a bug: logged, calm message
            dialog.refused(error_text(exc))

        def done(_result: object) -> None:
            dialog.saved()
            self.result.setText(done_text)
            self.ctx.notify_changed(CHILDREN, VISITS, ENTRUSTMENTS, REPORTS)
            self.activate()

        self.ctx.task(lambda t: fn(api), self).success(done).failure(refused).run()


"""The conflicts screen (冲突处理): every open sync conflict with both values side by side, for
the supervisor to decide (issue 5 item 9). The decision is written as a recorded change, so it
travels back to the village in the next return bundle (the sync layer's job). A value typed with
"Enter a value" follows the rules of an ordinary edit of that field, or is refused."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.context import CHILDREN, SYNC, AppContext
from carebook.ui.sync import ops
from carebook.ui.sync.ops import ConflictLine

_KEPT = QColor("#e8f5e9")


class ConflictsView(QWidget):
    """冲突处理: the table of open conflicts (child, field, kind, value A, value B) and the
    buttons keep A / keep B / enter a value / keep current, with a note.

    :meth:`reload` reads the conflicts on the worker; :meth:`decide` resolves the selected one.
    Emits :attr:`count_changed` with the number of open conflicts after each reload.
    """

    count_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lines: list[ConflictLine] = []
        intro = QLabel(self.tr(
            "The same item was changed in two places before either had seen the other's change. "
            "Nothing was lost: both values are kept here. Choose the right one; the village "
            "receives your decision with the next bundle. The shaded value is the one in use now."
        ))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("sync-conflicts")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Child"), self.tr("Item"), self.tr("Kind"), self.tr("Value A"), self.tr("Value B")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.note = QLineEdit()
        self.note.setObjectName("sync-conflict-note")
        self.note.setPlaceholderText(self.tr("Note kept with the decision (optional)"))
        note_label = QLabel(self.tr("&Note:"))
        note_label.setBuddy(self.note)
        self.keep_a = QPushButton(self.tr("Keep &A"))
        self.keep_b = QPushButton(self.tr("Keep &B"))
        self.enter_value = QPushButton(self.tr("Enter a &value..."))
        self.keep_current = QPushButton(self.tr("Keep &current"))
        self.keep_a.clicked.connect(lambda: self.decide("a"))
        self.keep_b.clicked.connect(lambda: self.decide("b"))
        self.enter_value.clicked.connect(self._ask_value)
        self.keep_current.clicked.connect(lambda: self.decide("current"))
        note_row = QHBoxLayout()
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)
        buttons = QHBoxLayout()
        for b in (self.keep_a, self.keep_b, self.enter_value, self.keep_current):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.outcome = QLabel()
        self.outcome.setObjectName("sync-conflict-outcome")
        self.outcome.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(note_row)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the open conflicts on the worker and show them."""
        api = self.ctx.api
        self.ctx.task(lambda t: ops.load_conflicts(api), self).coalesce("sync-conflicts").success(self._show).run()

    def _show(self, lines: list[ConflictLine]) -> None:
        self.lines = lines
        self.table.setRowCount(0)
        for line in lines:
            row = self.table.rowCount()
            self.table.insertRow(row)
            a = f"{line.a_text}\n（{line.a_actor}）" if line.a_actor else line.a_text
            b = f"{line.b_text}\n（{line.b_actor}）" if line.b_actor else line.b_text
            in_use = self.tr("[in use]")
            a, b = (f"{a}  {in_use}", b) if line.winner == "a" else (a, f"{b}  {in_use}")
            for col, text in enumerate((line.child, line.field or "-", line.kind_label, a, b)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if (col == 3 and line.winner == "a") or (col == 4 and line.winner == "b"):
                    item.setBackground(_KEPT)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        if lines:
            self.table.selectRow(0)
        elif not self.outcome.text():
            self.outcome.setText(self.tr("No open conflicts."))
        self._update_buttons()
        self.count_changed.emit(len(lines))

    def selected(self) -> ConflictLine | None:
        """The conflict of the selected row, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.lines):
            return None
        return self.lines[rows[0].row()]

    def _update_buttons(self) -> None:
        line = self.selected()
        for b in (self.keep_a, self.keep_b, self.enter_value):
            b.setEnabled(line is not None and line.decidable)
        self.keep_current.setEnabled(line is not None)

    # -- deciding --------------------------------------------------------------------------
    def _ask_value(self) -> None:
        line = self.selected()
        if line is None:
            return
        text, ok = QInputDialog.getText(
            self, self.tr("Enter a value"),
            self.tr("New value of %1 for %2:").replace("%1", line.field).replace("%2", line.child),
            QLineEdit.EchoMode.Normal, line.b_text if line.winner == "b" else line.a_text,
        )
        if ok:
            self.decide("value", text.strip())

    def decide(self, keep: str, value: Any = None) -> None:
        """Resolve the selected conflict on the worker: ``keep`` ``a``, ``b``, ``value`` (with
        ``value``) or ``current``; the note field goes with it. Then reload the table."""
        line = self.selected()
        if line is None:
            self.outcome.setText(self.tr("Choose a conflict in the table first."))
            return
        api = self.ctx.api
        note = self.note.text().strip() or None
        conflict_id = line.id
        (self.ctx.task(lambda t: _resolve(api, conflict_id, keep, value, note), self)
         .success(lambda _: self._decided(line)).run())

    def _decided(self, line: ConflictLine) -> None:
        self.note.clear()
        self.outcome.setText(self.tr("Decided: %1, %2. The village receives it with the next bundle.")
                             .replace("%1", line.child).replace("%2", line.field or line.kind_label))
        self.ctx.notify_changed(CHILDREN, SYNC)
        self.reload()



def _resolve(api: Any, conflict_id: str, keep: str, value: Any, note: str | None) -> None:
    """On the worker: a typed value is checked as an edit of the field would be (labels such as
    黄色 become codes, lengths and dates checked:
    :func:`carebook.sync.conflict_values.checked_decision_value`, as ``carebook conflicts
    resolve``); a refused value raises ValidationError and nothing is decided. Then
    :func:`carebook.ui.sync.ops.resolve`."""
    if keep == "value":
        from carebook.sync.conflict_values import checked_decision_value

        value = api.read(checked_decision_value, conflict_id, value)
    ops.resolve(api, conflict_id, keep, value, note)

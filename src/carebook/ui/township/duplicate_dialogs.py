"""The dialogs of the duplicate review (重复档案核查): 合并 (merge two files of one child, choosing
the one to keep, with the consequences spelt out before anything happens) and 转移 (the child
moved: the file goes to the chosen village, optionally taking in the new village's file of the
same child). The dialogs only collect choices; the page runs the action on the worker and keeps
the dialog open with the register's message when it refuses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from carebook.ui.township.duplicates import VillageChoice


def file_label(s: Any) -> str:
    """``张晓明（第1村，610402…1234）``: a file of a pair (``ChildSummary``) in one line."""
    number = s.id_number or QCoreApplication.translate("DuplicatesPage", "no ID number")
    village = s.village_name or QCoreApplication.translate("DuplicatesPage", "village unknown")
    return f"{s.name}（{village}，{number}）"


def short_label(s: Any) -> str:
    """``张晓明（第1村）``: a file of a pair by name and village."""
    village = s.village_name or QCoreApplication.translate("DuplicatesPage", "village unknown")
    return f"{s.name}（{village}）"


class _ActionDialog(QDialog):
    """A dialog with an explanation, an error line and OK/Cancel; OK emits :attr:`submitted`
    with :meth:`values` and leaves closing to the page (:meth:`saved` or :meth:`refused`)."""

    submitted = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, ok_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.layout_ = QVBoxLayout(self)
        self.explain = QLabel()
        self.explain.setObjectName("duplicate-explain")
        self.explain.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("dialog-error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            QCoreApplication.translate("TownshipDialog", "Cancel"))
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(520)

    def finish_layout(self) -> None:
        """Add the explanation, the error line and the buttons below the subclass's widgets."""
        self.layout_.addWidget(self.explain)
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)

    def values(self) -> dict[str, Any]:
        """The choices made."""
        raise NotImplementedError

    def _ok(self) -> None:
        self.buttons.setEnabled(False)
        self.submitted.emit(self.values())

    def saved(self) -> None:
        """The register took the action: close."""
        self.buttons.setEnabled(True)
        self.accept()

    def refused(self, text: str) -> None:
        """The register refused: show ``text`` (nothing was changed)."""
        self.buttons.setEnabled(True)
        self.error.setText(text)
        self.error.show()


class MergeDialog(_ActionDialog):
    """合并档案: keep one file of the pair (``candidate``: a ``DuplicateCandidate``), merge the
    other into it. A file parked at import (its ID number taken) cannot be the one kept."""

    def __init__(self, parent: QWidget | None, candidate: Any) -> None:
        super().__init__(parent, self.tr("Merge two files of one child"), self.tr("&Merge"))
        self.setObjectName("merge-dialog")
        self.candidate = candidate
        self.layout_.addWidget(QLabel(self.tr("Which file is kept?")))
        self.keep_a = QRadioButton(file_label(candidate.a))
        self.keep_b = QRadioButton(file_label(candidate.b))
        self.group = QButtonGroup(self)
        for button in (self.keep_a, self.keep_b):
            self.group.addButton(button)
            self.layout_.addWidget(button)
        if candidate.b.status == "parked":
            self.keep_b.setEnabled(False)
            self.keep_b.setToolTip(self.tr("This file was held back at import because its ID number is "
                                           "taken: it can only be merged into the other one."))
        self.keep_a.setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._explain())
        self.finish_layout()
        self._explain()

    def keep_and_drop(self) -> tuple[Any, Any]:
        """The files kept and merged in (``ChildSummary`` each)."""
        c = self.candidate
        return (c.a, c.b) if self.keep_a.isChecked() else (c.b, c.a)

    def _explain(self) -> None:
        keep, drop = self.keep_and_drop()
        text = self.tr(
            "The file of %1 is kept. The visits, assistance, entrustments, reports, referrals and "
            "attachments of %2 move into it, and its empty fields are filled from %2. The file of %2 "
            "is then closed as merged (never deleted). Both villages receive the change with their "
            "next bundle.").replace("%1", short_label(keep)).replace("%2", short_label(drop))
        if drop.status == "parked":
            text += " " + self.tr("(%1 was held back at import because its ID number is taken.)").replace(
                "%1", drop.name)
        self.explain.setText(text)

    def values(self) -> dict[str, Any]:
        """``{"keep": record id, "drop": record id}``."""
        keep, drop = self.keep_and_drop()
        return {"keep": keep.id, "drop": drop.id}


class TransferDialog(_ActionDialog):
    """转移: the child moved to another village. Choose the file that moves (a file in the
    register), the village it goes to (by default the other file's) and the reason; optionally
    merge the other file (the new village's registration of the same child) into it."""

    def __init__(self, parent: QWidget | None, candidate: Any, villages: Sequence[VillageChoice]) -> None:
        super().__init__(parent, self.tr("Transfer a child to another village"), self.tr("&Transfer"))
        self.setObjectName("transfer-dialog")
        self.candidate = candidate
        a, b = candidate.a, candidate.b
        self.move_a = QRadioButton(file_label(a))
        self.move_b = QRadioButton(file_label(b))
        self.group = QButtonGroup(self)
        self.group.addButton(self.move_a)
        self.group.addButton(self.move_b)
        if b.status == "parked":
            self.move_b.setEnabled(False)
            self.move_b.setToolTip(self.tr("This file was held back at import because its ID number is taken."))
        # the file closed as moved away is the one that moves; else the older one (a)
        (self.move_b if b.closed_reason == "moved" and b.status != "parked" else self.move_a).setChecked(True)
        self.village = QComboBox()
        self.village.setObjectName("transfer-village")
        for v in villages:
            self.village.addItem(f"{v.name}（{v.code}）", v.code)
        self.reason = QLineEdit()
        self.reason.setObjectName("transfer-reason")
        self.reason.setPlaceholderText(self.tr("e.g. moved with the parents"))
        self.merge_other = QCheckBox(self.tr("Then merge the other file into it (the same child registered again there)"))
        self.merge_other.setObjectName("transfer-merge-other")
        form = QFormLayout()
        moving = QVBoxLayout()
        moving.addWidget(self.move_a)
        moving.addWidget(self.move_b)
        form.addRow(self.tr("File that moves"), moving)
        form.addRow(self.tr("To &village"), self.village)
        form.addRow(self.tr("&Reason"), self.reason)
        form.addRow("", self.merge_other)
        self.layout_.addLayout(form)
        self.group.buttonToggled.connect(lambda *_: self._moving_changed())
        self.village.currentIndexChanged.connect(lambda *_: self._explain())
        self.merge_other.toggled.connect(lambda *_: self._explain())
        self.finish_layout()
        self._moving_changed()

    def moving_and_other(self) -> tuple[Any, Any]:
        """The file that moves and the other one (``ChildSummary`` each)."""
        c = self.candidate
        return (c.a, c.b) if self.move_a.isChecked() else (c.b, c.a)

    def _moving_changed(self) -> None:
        moving, other = self.moving_and_other()
        target = other.village_code if other.village_code and other.village_code != moving.village_code else None
        index = self.village.findData(target) if target else -1
        if index < 0:  # another village than the file's own
            index = next((i for i in range(self.village.count())
                          if self.village.itemData(i) != moving.village_code), 0)
        self.village.setCurrentIndex(index)
        can_merge = other.status != "closed"
        self.merge_other.setEnabled(can_merge)
        self.merge_other.setChecked(can_merge and self.candidate.kind in ("same_id_number", "transfer"))
        self._explain()

    def _explain(self) -> None:
        moving, other = self.moving_and_other()
        text = self.tr(
            "The file of %1 is closed in %2 as moved away, moved to %3 and opened there again, with its "
            "history. %2 keeps a closed file saying where the child went.").replace(
            "%1", moving.name).replace("%2", moving.village_name or "-").replace(
            "%3", self.village.currentText().split("（")[0] or "-")
        if self.merge_other.isChecked():
            text += " " + self.tr("Then the file of %1 is merged into it and closed as merged.").replace(
                "%1", short_label(other))
        self.explain.setText(text)

    def values(self) -> dict[str, Any]:
        """``{"child": record id, "village": division code, "reason": text, "merge": record id
        or None}``."""
        moving, other = self.moving_and_other()
        return {"child": moving.id, "village": str(self.village.currentData() or ""),
                "reason": self.reason.text(), "merge": other.id if self.merge_other.isChecked() else None}

"""Comfortable row heights for lists of people, without a style sheet (style sheets make every
widget below them slow to build)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize
from PySide6.QtWidgets import QAbstractItemView, QStyledItemDelegate, QStyleOptionViewItem

ROW_HEIGHT = 24


class RowHeightDelegate(QStyledItemDelegate):
    """Item delegate giving every row at least :data:`ROW_HEIGHT` pixels."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """The default size, at least ROW_HEIGHT high."""
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), ROW_HEIGHT))


def comfortable_rows(view: QAbstractItemView) -> None:
    """Give ``view`` rows of at least :data:`ROW_HEIGHT` pixels."""
    view.setItemDelegate(RowHeightDelegate(view))

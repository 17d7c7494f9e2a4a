"""A small horizontal bar chart drawn with QPainter (柱状图), so the overview needs no QtCharts.

One row per category (a village, an age band, a director), one bar per series in each row,
the value written after each bar, a legend on top. Horizontal bars keep long Chinese labels
readable. The chart also exposes its numbers as text (:meth:`BarChart.summary`, the accessible
description) for screen readers and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Colours that stay distinct for colour-blind readers (Okabe-Ito palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


@dataclass(frozen=True)
class Series:
    """One series of bars: its name in the legend, its colour (``#RRGGBB``) and one value per
    category (non-negative counts)."""

    name: str
    values: tuple[int, ...]
    colour: str = PALETTE[0]


class BarChart(QWidget):
    """柱状图: a titled horizontal bar chart of counts.

    Args:
        title: shown above the chart.
        parent: the parent widget.

    Call :meth:`set_data` with the category labels and the series (every series has one value
    per label). Negative values are drawn as zero.
    """

    ROW_GAP = 6
    BAR_HEIGHT = 14

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._labels: list[str] = []
        self._series: list[Series] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(title)
        self.setMinimumHeight(self.sizeHint().height())

    def set_data(self, labels: Sequence[str], series: Sequence[Series]) -> None:
        """Show ``labels`` (one row each) and ``series`` (one bar per row each).

        Raises:
            ValueError: a series has not exactly one value per label.
        """
        for s in series:
            if len(s.values) != len(labels):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(labels)} labels")
        self._labels = list(labels)
        self._series = list(series)
        self.setAccessibleDescription(self.summary())
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def labels(self) -> list[str]:
        """The category labels shown."""
        return list(self._labels)

    def series(self) -> list[Series]:
        """The series shown."""
        return list(self._series)

    def summary(self) -> str:
        """The numbers as text: one line per label, ``label: series value, ...``."""
        lines = [self._title] if self._title else []
        for i, label in enumerate(self._labels):
            lines.append(f"{label}: " + ", ".join(f"{s.name} {s.values[i]}" for s in self._series))
        return "\n".join(lines)

    def _row_height(self) -> int:
        return max(1, len(self._series)) * self.BAR_HEIGHT + self.ROW_GAP

    def sizeHint(self) -> QSize:
        """Height grows with the rows; width is what the layout gives."""
        fm = QFontMetrics(self.font())
        top = fm.height() * 2 + 8
        return QSize(360, top + max(1, len(self._labels)) * self._row_height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the title, the legend, the labels, the bars and their values."""
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        text_colour = self.palette().windowText().color()
        width = self.width()
        y = 2.0
        title_font = self.font()
        title_font.setBold(True)
        p.setFont(title_font)
        p.setPen(text_colour)
        p.drawText(QRectF(4, y, width - 8, fm.height()), Qt.AlignmentFlag.AlignLeft, self._title)
        p.setFont(self.font())
        # legend, right-aligned on the title line's next line
        y += fm.height() + 2
        x = 4.0
        for s in self._series:
            p.fillRect(QRectF(x, y + 3, 12, fm.height() - 6), QColor(s.colour))
            x += 16
            p.setPen(text_colour)
            p.drawText(QRectF(x, y, fm.horizontalAdvance(s.name) + 4, fm.height()), Qt.AlignmentFlag.AlignLeft, s.name)
            x += fm.horizontalAdvance(s.name) + 14
        y += fm.height() + 4
        if not self._labels:
            p.end()
            return
        label_w = min(max(fm.horizontalAdvance(lb) for lb in self._labels) + 10, width // 3)
        value_w = fm.horizontalAdvance("00000") + 6
        bar_space = max(10.0, width - label_w - value_w - 8)
        top = max((max(s.values, default=0) for s in self._series), default=0)
        scale = bar_space / top if top > 0 else 0.0
        row_h = self._row_height()
        for i, label in enumerate(self._labels):
            row_y = y + i * row_h
            p.setPen(text_colour)
            elided = fm.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 6)
            p.drawText(QRectF(4, row_y, label_w - 6, row_h - self.ROW_GAP),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, elided)
            for j, s in enumerate(self._series):
                value = max(0, s.values[i])
                bar_y = row_y + j * self.BAR_HEIGHT
                length = value * scale
                p.fillRect(QRectF(label_w, bar_y + 1, max(length, 1.0 if value else 0.0), self.BAR_HEIGHT - 2),
                           QColor(s.colour))
                p.setPen(text_colour)
                p.drawText(QRectF(label_w + length + 4, bar_y - 2, value_w, self.BAR_HEIGHT + 4),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(value))
        p.end()

"""Form building blocks: typed fields with an error label beside each, values in and out as
plain Python values, change tracking and a snapshot undo.

A :class:`Form` maps field names (the model's names, e.g. ``"id_number"``,
``"father.phone"``) to editors. ``values()`` returns ``{name: value}`` with ``None`` for blank;
``set_values()`` fills the editors without marking the form dirty; ``show_errors()`` puts the
model's Chinese validation messages beside the fields they name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")

ERROR_STYLE = "color: #b00020;"
INVALID_STYLE = "border: 1px solid #b00020;"


def parse_date_text(text: str) -> dt.date | str | None:
    """Read a date typed as 2015-03-05, 2015/3/5, 2015.3.5, 2015年3月5日 or 20150305.

    Returns the date, None for blank, or the text itself when it is not a date (the model's
    validation then says what is wrong with it).
    """
    text = text.strip()
    if not text:
        return None
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return text
    return text


class MultiCheck(QWidget):
    """A row of check boxes for a multi-valued coded field; the value is a list of codes."""

    toggled = Signal()

    def __init__(self, choices: Sequence[Enum]) -> None:
        super().__init__()
        from PySide6.QtWidgets import QGridLayout

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[tuple[str, QCheckBox]] = []
        for i, member in enumerate(choices):
            box = QCheckBox(str(getattr(member, "label", member.value)))
            box.clicked.connect(lambda _b: self.toggled.emit())
            grid.addWidget(box, i // 3, i % 3)
            self.boxes.append((str(member.value), box))

    def codes(self) -> list[str]:
        """The codes ticked, in the order of the choices."""
        return [code for code, box in self.boxes if box.isChecked()]

    def set_codes(self, codes: Iterable[Any]) -> None:
        """Tick exactly ``codes``."""
        wanted = {str(getattr(c, "value", c)) for c in codes}
        for code, box in self.boxes:
            box.setChecked(code in wanted)


class Field(QObject):
    """One field: an editor widget and the error label shown beside it.

    Kinds: ``text``, ``multiline``, ``date``, ``choice`` (a coded enumeration, blank allowed),
    ``bool`` and ``int``.
    """

    changed = Signal()

    def __init__(self, name: str, kind: str, editor: QWidget, choices: Sequence[Enum] = ()) -> None:
        super().__init__(editor)
        self.name = name
        self.kind = kind
        self.editor = editor
        self.choices = list(choices)
        self.error = QLabel()
        self.error.setObjectName(f"error-{name}")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        editor.setObjectName(f"field-{name}")
        if isinstance(editor, QLineEdit):
            editor.textEdited.connect(lambda _t: self.changed.emit())
        elif isinstance(editor, QPlainTextEdit):
            editor.textChanged.connect(self._plain_changed)
        elif isinstance(editor, QComboBox):
            editor.activated.connect(lambda _i: self.changed.emit())
        elif isinstance(editor, QCheckBox):
            editor.clicked.connect(lambda _b: self.changed.emit())
        elif isinstance(editor, QSpinBox):
            editor.valueChanged.connect(lambda _v: self.changed.emit())
        elif isinstance(editor, MultiCheck):
            editor.toggled.connect(self.changed)
        self._loading = False

    def _plain_changed(self) -> None:
        if not self._loading:
            self.changed.emit()

    def value(self) -> Any:
        """The field's value: str/date/enum/bool/int, or None when blank."""
        e = self.editor
        if isinstance(e, QLineEdit):
            text = e.text().strip()
            if self.kind == "date":
                return parse_date_text(text)
            return text or None
        if isinstance(e, QPlainTextEdit):
            return e.toPlainText().strip() or None
        if isinstance(e, QComboBox):
            return e.currentData()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QSpinBox):
            return e.value()
        if isinstance(e, MultiCheck):
            return e.codes()
        return None

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting :attr:`changed`."""
        e = self.editor
        self._loading = True
        e.blockSignals(True)
        try:
            if isinstance(e, QLineEdit):
                if isinstance(value, dt.date):
                    e.setText(value.isoformat())
                else:
                    e.setText("" if value is None else str(value))
                e.setCursorPosition(0)
            elif isinstance(e, QPlainTextEdit):
                e.setPlainText("" if value is None else str(value))
            elif isinstance(e, QComboBox):
                index = 0
                for i in range(e.count()):
                    data = e.itemData(i)
                    if data is not None and value is not None and str(data.value if isinstance(data, Enum) else data) == str(
                        value.value if isinstance(value, Enum) else value
                    ):
                        index = i
                        break
                e.setCurrentIndex(index)
            elif isinstance(e, QCheckBox):
                e.setChecked(bool(value))
            elif isinstance(e, QSpinBox):
                e.setValue(int(value or 0))
            elif isinstance(e, MultiCheck):
                e.set_codes(value or [])
        finally:
            e.blockSignals(False)
            self._loading = False

    def set_error(self, message: str | None) -> None:
        """Show ``message`` beside the field (None clears it)."""
        if message:
            self.error.setText(message)
            self.error.show()
            self.editor.setStyleSheet(f"#{self.editor.objectName()} {{ {INVALID_STYLE} }}")
        else:
            self.error.clear()
            self.error.hide()
            self.editor.setStyleSheet("")


class Form(QObject):
    """A set of named fields laid out in a :class:`QFormLayout`.

    Signals:
        changed: any field was edited by the user.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, prefix: str = "") -> None:
        super().__init__(parent)
        self.prefix = prefix
        self.fields: dict[str, Field] = {}
        self.layout = QFormLayout()
        self.layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    # -- building ---------------------------------------------------------------------------
    def _add(self, label: str, field: Field) -> Field:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(field.editor)
        box.addWidget(field.error)
        self.layout.addRow(label, holder)
        field.changed.connect(self.changed)
        self.fields[field.name] = field
        return field

    def text(self, name: str, label: str, placeholder: str = "", max_length: int = 200) -> Field:
        """Add a one-line text field."""
        edit = QLineEdit()
        edit.setMaxLength(max_length)
        edit.setPlaceholderText(placeholder)
        return self._add(label, Field(self.prefix + name, "text", edit))

    def multiline(self, name: str, label: str, height: int = 56) -> Field:
        """Add a multi-line text field (Tab moves on, as in the other fields)."""
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(height)
        return self._add(label, Field(self.prefix + name, "multiline", edit))

    def date(self, name: str, label: str) -> Field:
        """Add a date field typed as YYYY-MM-DD (other common forms accepted)."""
        edit = QLineEdit()
        edit.setPlaceholderText(self.tr("YYYY-MM-DD"))
        edit.setMaxLength(12)
        edit.setMaximumWidth(160)
        return self._add(label, Field(self.prefix + name, "date", edit))

    def choice(self, name: str, label: str, choices: Iterable[Enum], blank: bool = True) -> Field:
        """Add a drop-down of a coded enumeration (labels in the current language)."""
        combo = QComboBox()
        members = list(choices)
        if blank:
            combo.addItem(self.tr("(not set)"), None)
        for member in members:
            combo.addItem(str(getattr(member, "label", member.value)), member)
        _fit_items(combo)
        return self._add(label, Field(self.prefix + name, "choice", combo, members))

    def choice_pairs(self, name: str, label: str, pairs: Iterable[tuple[str, str]], blank: bool = True) -> Field:
        """Add a drop-down of ``(code, label)`` pairs; the value is the code."""
        combo = QComboBox()
        if blank:
            combo.addItem(self.tr("(not set)"), None)
        for code, text in pairs:
            combo.addItem(text, code)
        _fit_items(combo)
        return self._add(label, Field(self.prefix + name, "choice", combo))

    def check(self, name: str, label: str, text: str = "") -> Field:
        """Add a yes/no check box."""
        box = QCheckBox(text)
        return self._add(label, Field(self.prefix + name, "bool", box))

    def multi(self, name: str, label: str, choices: Iterable[Enum]) -> Field:
        """Add check boxes for a list of codes."""
        return self._add(label, Field(self.prefix + name, "multi", MultiCheck(list(choices))))

    def number(self, name: str, label: str, minimum: int = 0, maximum: int = 9999, suffix: str = "") -> Field:
        """Add a whole-number spin box."""
        spin = QSpinBox()
        spin.setRange(minimum, maximum)
        spin.setSuffix(suffix)
        spin.setMaximumWidth(140)
        return self._add(label, Field(self.prefix + name, "int", spin))

    # -- values -----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """``{field name without prefix: value}``."""
        n = len(self.prefix)
        return {name[n:]: f.value() for name, f in self.fields.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the fields named in ``values`` (names without prefix); others are cleared."""
        n = len(self.prefix)
        for name, f in self.fields.items():
            f.set_value(values.get(name[n:]))

    def field(self, name: str) -> Field:
        """The field called ``name`` (without prefix)."""
        return self.fields[self.prefix + name]

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Show messages beside the fields named in ``errors`` (full names, with prefix);
        clears the others. Returns the names that have no field here."""
        for name, f in self.fields.items():
            f.set_error(errors.get(name))
        return [name for name in errors if name not in self.fields]

    def first_error_field(self) -> Field | None:
        """The first field (in layout order) showing an error."""
        return next((f for f in self.fields.values() if not f.error.isHidden() and f.error.text()), None)


def _fit_items(combo: QComboBox) -> None:
    """Size a drop-down to read its longest item whole (QA: 风险等级 showed "（未填" cut off):
    at least as many characters as that item, Chinese ones counted double (they are about twice
    as wide as the average character Qt measures with)."""
    longest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in combo.itemText(i)) for i in range(combo.count())),
                  default=0)
    combo.setMinimumContentsLength(longest)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

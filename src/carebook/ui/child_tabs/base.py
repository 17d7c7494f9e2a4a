"""Base classes of the child file's tabs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QScrollArea, QVBoxLayout, QWidget

from carebook.ui.context import AppContext
from carebook.ui.widgets.form import Field, Form


class FormTab(QScrollArea):
    """A scrollable tab made of :class:`Form` groups. Its values are the union of the groups'
    values, keyed by full field name (``"name"``, ``"father.phone"``)."""

    changed = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWidgetResizable(True)
        self._inner = QWidget()
        self._box = QVBoxLayout(self._inner)
        self._box.setContentsMargins(8, 8, 8, 8)
        self.setWidget(self._inner)
        self.forms: list[Form] = []

    def title(self) -> str:
        """The tab's title (translated)."""
        raise NotImplementedError

    def add_form(self, title: str | None = None, prefix: str = "") -> Form:
        """Add a group of fields, framed with ``title`` when given."""
        form = Form(self, prefix)
        form.changed.connect(self.changed)
        if title:
            group = QGroupBox(title)
            group.setLayout(form.layout)
            self._box.addWidget(group)
        else:
            holder = QWidget()
            holder.setLayout(form.layout)
            self._box.addWidget(holder)
        self.forms.append(form)
        return form

    def finish(self) -> None:
        """Call after adding the groups: pushes them to the top."""
        self._box.addStretch(1)

    def fields(self) -> dict[str, Field]:
        """All fields by full name."""
        out: dict[str, Field] = {}
        for form in self.forms:
            out.update(form.fields)
        return out

    def values(self) -> dict[str, Any]:
        """``{full field name: value}``."""
        return {name: f.value() for name, f in self.fields().items()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill every field from ``values`` (full names); missing names are cleared."""
        for name, f in self.fields().items():
            f.set_value(values.get(name))

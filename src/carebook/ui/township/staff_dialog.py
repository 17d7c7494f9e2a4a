"""Dialogs of the staff registry (实名制管理): add or edit a person, end a term, record a
training. The dialogs only collect text; the page saves through the worker and keeps the dialog
open showing the message when the register refuses a field
(:mod:`carebook.model.services.staff` validates everything)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from carebook.model.enums import Education, EmploymentType, PoliticalStatus, Sex, StaffRole


def _enum_combo(enum: Any, blank: bool = True) -> QComboBox:
    combo = QComboBox()
    if blank:
        combo.addItem("", None)
    for member in enum:
        combo.addItem(str(member.label), member.code)
    return combo


def _set_combo(combo: QComboBox, code: str | None) -> None:
    index = combo.findData(code)
    combo.setCurrentIndex(index if index >= 0 else 0)


class _FormDialog(QDialog):
    """A dialog with a form, an error line and OK/Cancel; OK emits :attr:`submitted` with the
    values and leaves closing to the caller (:meth:`saved` or :meth:`refused`)."""

    submitted = Signal(object)

    def __init__(self, parent: QWidget | None, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("dialog-error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        save.setText(QCoreApplication.translate("TownshipDialog", "&Save"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(QCoreApplication.translate("TownshipDialog", "Cancel"))
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def values(self) -> dict[str, Any]:
        """The values to save (field name -> text, code or bool)."""
        raise NotImplementedError

    def _ok(self) -> None:
        self.buttons.setEnabled(False)
        self.submitted.emit(self.values())

    def saved(self) -> None:
        """The register took the values: close."""
        self.buttons.setEnabled(True)
        self.accept()

    def refused(self, text: str) -> None:
        """The register refused the values: show ``text`` and let the user correct them."""
        self.buttons.setEnabled(True)
        self.error.setText(text)
        self.error.show()


class StaffDialog(_FormDialog):
    """实名信息: add a child director or supervisor, or edit one (``row``: a ``StaffRow``).

    Args:
        parent: the page.
        units: villages and the township a person can serve, ``(code, name)``.
        row: the person to edit (None: a new person).
    """

    def __init__(self, parent: QWidget | None, units: Sequence[tuple[str, str]], row: Any = None) -> None:
        super().__init__(parent, self.tr("Edit %1").replace("%1", row.name) if row else self.tr("Add a person"))
        self.setObjectName("staff-dialog")
        self.row = row
        self.role = _enum_combo(StaffRole, blank=False)
        self.name = QLineEdit()
        self.sex = _enum_combo(Sex)
        self.ethnic_group = QLineEdit()
        self.ethnic_group.setPlaceholderText(self.tr("e.g. Han"))
        self.id_number = QLineEdit()
        self.id_number.setMaxLength(18)
        self.date_of_birth = QLineEdit()
        self.date_of_birth.setPlaceholderText(self.tr("YYYY-MM-DD (from the ID number if empty)"))
        self.political_status = _enum_combo(PoliticalStatus)
        self.education = _enum_combo(Education)
        self.phone = QLineEdit()
        self.employer = QLineEdit()
        self.employment_type = _enum_combo(EmploymentType)
        self.government_purchased = QCheckBox(self.tr("Government-purchased service"))
        self.unit = QComboBox()
        self.unit.setEditable(True)
        self.unit.addItem("", "")
        for code, name in units:
            self.unit.addItem(f"{name}（{code}）", code)
        self.covered = QLineEdit()
        self.covered.setPlaceholderText(self.tr("division codes, comma-separated"))
        self.appointed_on = QLineEdit()
        self.appointed_on.setPlaceholderText("YYYY-MM-DD")
        self.notes = QLineEdit()
        self.replace = QCheckBox(self.tr("Replaces the village's director in office (their term ends the day before)"))
        rows: list[tuple[str, QWidget]] = [
            (self.tr("&Role"), self.role), (self.tr("&Name"), self.name), (self.tr("&Sex"), self.sex),
            (self.tr("Ethnic &group"), self.ethnic_group), (self.tr("&ID number"), self.id_number),
            (self.tr("Date of &birth"), self.date_of_birth), (self.tr("&Political status"), self.political_status),
            (self.tr("&Education"), self.education), (self.tr("P&hone"), self.phone),
            (self.tr("Emp&loyer"), self.employer), (self.tr("&Full- or part-time"), self.employment_type),
            ("", self.government_purchased), (self.tr("&Village or township served"), self.unit),
            (self.tr("Further villages &covered"), self.covered), (self.tr("&Appointed on"), self.appointed_on),
            (self.tr("N&otes"), self.notes),
        ]
        for label, widget in rows:
            self.form.addRow(label, widget)
        if row is None:
            self.form.addRow("", self.replace)
            self.appointed_on.setText(dt.date.today().isoformat())
            _set_combo(self.role, StaffRole.CHILD_DIRECTOR.code)
        else:
            self._load(row)
        self.setMinimumWidth(520)

    def _load(self, r: Any) -> None:
        _set_combo(self.role, r.role)
        self.name.setText(r.name)
        _set_combo(self.sex, r.sex)
        self.ethnic_group.setText(r.ethnic_group or "")
        self.id_number.setText(r.id_number or "")
        self.date_of_birth.setText(r.date_of_birth.isoformat() if r.date_of_birth else "")
        _set_combo(self.political_status, r.political_status)
        _set_combo(self.education, r.education)
        self.phone.setText(r.phone or "")
        self.employer.setText(r.employer or "")
        _set_combo(self.employment_type, r.employment_type)
        self.government_purchased.setChecked(r.government_purchased)
        index = self.unit.findData(r.unit_code or "")
        if index >= 0:
            self.unit.setCurrentIndex(index)
        else:
            self.unit.setEditText(r.unit_code or "")
        self.covered.setText(",".join(c for c, _n in r.covered))
        self.appointed_on.setText(r.appointed_on.isoformat() if r.appointed_on else "")
        self.notes.setText(r.notes or "")

    def _all_values(self) -> dict[str, Any]:
        found = self.unit.findText(self.unit.currentText())
        unit = self.unit.itemData(found) if found > 0 else self.unit.currentText().strip()
        return {
            "role": self.role.currentData(), "name": self.name.text().strip(), "sex": self.sex.currentData(),
            "ethnic_group": self.ethnic_group.text().strip(), "id_number": self.id_number.text().strip(),
            "date_of_birth": self.date_of_birth.text().strip(), "political_status": self.political_status.currentData(),
            "education": self.education.currentData(), "phone": self.phone.text().strip(),
            "employer": self.employer.text().strip(), "employment_type": self.employment_type.currentData(),
            "government_purchased": self.government_purchased.isChecked(), "unit": unit or "",
            "covered": self.covered.text().strip(), "appointed_on": self.appointed_on.text().strip(),
            "notes": self.notes.text().strip(),
        }

    def values(self) -> dict[str, Any]:
        """A new person: every filled field. An edit: only the fields changed."""
        values = self._all_values()
        if self.row is None:
            return {k: v for k, v in values.items() if v not in (None, "") or k == "government_purchased"}
        r = self.row

        def iso(day: dt.date | None) -> str:
            return day.isoformat() if day else ""

        old: dict[str, Any] = {
            "role": r.role, "name": r.name, "sex": r.sex, "ethnic_group": r.ethnic_group or "",
            "id_number": r.id_number or "", "date_of_birth": iso(r.date_of_birth),
            "political_status": r.political_status, "education": r.education, "phone": r.phone or "",
            "employer": r.employer or "", "employment_type": r.employment_type,
            "government_purchased": r.government_purchased, "unit": r.unit_code or "",
            "covered": ",".join(c for c, _n in r.covered), "appointed_on": iso(r.appointed_on), "notes": r.notes or "",
        }
        return {k: ("" if v is None else v) for k, v in values.items() if v != old[k]}

    def replaces(self) -> bool:
        """True when the new director replaces the village's director in office."""
        return self.row is None and self.replace.isChecked()


class EndStaffDialog(_FormDialog):
    """离任: end a person's term (the record is kept)."""

    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent, self.tr("End the term of %1").replace("%1", name))
        self.setObjectName("end-staff-dialog")
        self.ended_on = QLineEdit(dt.date.today().isoformat())
        self.note = QLineEdit()
        self.form.addRow(self.tr("&Last day in office"), self.ended_on)
        self.form.addRow(self.tr("&Reason or note"), self.note)
        self.form.addRow("", QLabel(self.tr("The record is kept; it leaves the list of people in office.")))

    def values(self) -> dict[str, Any]:
        """``ended_on`` (text) and ``note`` (None when empty)."""
        return {"ended_on": self.ended_on.text().strip(), "note": self.note.text().strip() or None}


class TrainingDialog(_FormDialog):
    """培训记录: one training a person attended."""

    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent, self.tr("Training of %1").replace("%1", name))
        self.setObjectName("training-dialog")
        self.held_on = QLineEdit(dt.date.today().isoformat())
        self.topic = QLineEdit()
        self.organiser = QLineEdit()
        self.hours = QSpinBox()
        self.hours.setRange(0, 200)
        self.hours.setSpecialValueText(self.tr("not recorded"))
        self.form.addRow(self.tr("&Date held"), self.held_on)
        self.form.addRow(self.tr("&Topic"), self.topic)
        self.form.addRow(self.tr("&Organiser"), self.organiser)
        self.form.addRow(self.tr("&Hours"), self.hours)

    def values(self) -> dict[str, Any]:
        """``held_on``, ``topic``, and ``organiser`` / ``hours`` when given."""
        values: dict[str, Any] = {"held_on": self.held_on.text().strip(), "topic": self.topic.text().strip()}
        if self.organiser.text().strip():
            values["organiser"] = self.organiser.text().strip()
        if self.hours.value():
            values["hours"] = str(self.hours.value())
        return values

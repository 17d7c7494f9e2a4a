"""The identity tab of the child file: who the child is, where registered, and care marks."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from carebook.model.enums import RegistrationType, RiskColour, Sex
from carebook.model.errors import ValidationError
from carebook.model.ethnic import ETHNIC_GROUPS
from carebook.model.idnumber import parse_id_number
from carebook.ui.child_tabs.base import FormTab
from carebook.ui.context import AppContext


class IdentityTab(FormTab):
    """身份信息: name, sex, ethnic group, ID number (fills date of birth and sex as it is
    typed, GB 11643-1999), household registration, addresses, and the key-child mark and risk
    colour."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        form = self.add_form(self.tr("Identity"))
        self.name = form.text("name", self.tr("Name *"), max_length=40)
        self.id_number = form.text("id_number", self.tr("ID number"), self.tr("18 characters; fills date of birth and sex"), 21)
        self.sex = form.choice("sex", self.tr("Sex *"), [Sex.MALE, Sex.FEMALE, Sex.UNKNOWN])
        self.date_of_birth = form.date("date_of_birth", self.tr("Date of birth *"))
        form.choice_pairs("ethnic_group", self.tr("Ethnic group"), list(ETHNIC_GROUPS.items()))
        self.categories = QLabel()
        self.categories.setObjectName("computed-categories")
        self.categories.setWordWrap(True)
        form.layout.addRow(self.tr("Categories"), self.categories)

        reg = self.add_form(self.tr("Household registration and address"))
        reg.check("has_household_registration", self.tr("Household registration"), self.tr("Registered (has hukou)"))
        reg.choice("registration_type", self.tr("Registration type"), list(RegistrationType))
        reg.text("registered_address", self.tr("Registered address"))
        reg.text("current_address", self.tr("Current address"))
        reg.check("lives_in_school_dormitory", self.tr("School dormitory"), self.tr("Lives in a school dormitory"))
        reg.check("in_institution", self.tr("Institution"), self.tr("Lives in a welfare institution"))
        reg.check("parents_unknown", self.tr("Birth parents"), self.tr("Birth parents cannot be found"))

        care = self.add_form(self.tr("Care"))
        care.check("key_child", self.tr("Key child"), self.tr("Mark as key child (visited more often)"))
        care.choice("risk_colour", self.tr("Risk colour"), list(RiskColour))
        care.multiline("service_plan", self.tr("Service plan"), 60)
        care.multiline("notes", self.tr("Notes"), 48)
        self.finish()
        self.id_number.editor.textEdited.connect(self._id_typed)  # type: ignore[attr-defined]

    def title(self) -> str:
        """身份信息."""
        return self.tr("Identity")

    def _id_typed(self, text: str) -> None:
        """Fill date of birth and sex from a complete, valid ID number; otherwise say what is
        wrong once 18 characters are typed."""
        compact = "".join(text.split())
        if len(compact) < 15:
            self.id_number.set_error(None)
            return
        try:
            info = parse_id_number(compact)
        except ValidationError as exc:
            if len(compact) >= 18:
                self.id_number.set_error(exc.message)
            return
        self.id_number.set_error(None)
        self.date_of_birth.set_value(info.date_of_birth)
        self.date_of_birth.set_error(None)
        self.sex.set_value(info.sex)
        self.sex.set_error(None)
        self.changed.emit()

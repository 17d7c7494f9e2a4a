"""The family and guardianship tab: parents, grandparents, the entrusted guardian, who the
child lives with and how well they are cared for."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from carebook.model.enums import GuardianshipQuality, IncomeSource, ParentStatus, Relation
from carebook.ui.child_tabs.base import FormTab
from carebook.ui.context import AppContext
from carebook.ui.widgets.form import Form

#: Prefixes of the people on this tab, and their relation to the child (GB/T 4761).
PARENTS = {"father.": Relation.FATHER, "mother.": Relation.MOTHER}
GRANDPARENTS = {
    "paternal_grandfather.": Relation.PATERNAL_GRANDFATHER,
    "paternal_grandmother.": Relation.PATERNAL_GRANDMOTHER,
    "maternal_grandfather.": Relation.MATERNAL_GRANDFATHER,
    "maternal_grandmother.": Relation.MATERNAL_GRANDMOTHER,
}
GUARDIAN = "guardian."

#: Relations an entrusted guardian can have (parents excluded: they entrust).
GUARDIAN_RELATIONS = [r for r in Relation if r not in (Relation.FATHER, Relation.MOTHER)]


class FamilyTab(FormTab):
    """家庭与监护: father and mother (status, where they work, since when, last contact),
    grandparents, the entrusted guardian (受委托监护人), the actual guardianship and the
    family's income sources."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        row = QWidget()
        pair = QHBoxLayout(row)
        pair.setContentsMargins(0, 0, 0, 0)
        self._box.addWidget(row)
        for prefix, title in (("father.", self.tr("Father")), ("mother.", self.tr("Mother"))):
            form = self.add_form(title, prefix)
            item = self._box.itemAt(self._box.count() - 1)
            group = item.widget() if item is not None else None
            if group is not None:
                self._box.removeWidget(group)
                pair.addWidget(group)
            form.text("name", self.tr("Name"), max_length=40)
            form.text("id_number", self.tr("ID number"), "", 21)
            form.text("phone", self.tr("Phone"), "", 20)
            form.choice("status", self.tr("Status"), list(ParentStatus))
            form.text("work_place", self.tr("Works in"), self.tr("province / city"), 100)
            form.date("away_since", self.tr("Away since"))
            form.date("last_contact", self.tr("Last contact with child"))

        grand = self.add_form(self.tr("Grandparents"))
        labels = {
            "paternal_grandfather.": self.tr("Paternal grandfather"),
            "paternal_grandmother.": self.tr("Paternal grandmother"),
            "maternal_grandfather.": self.tr("Maternal grandfather"),
            "maternal_grandmother.": self.tr("Maternal grandmother"),
        }
        for prefix, label in labels.items():
            sub = Form(self, prefix)
            name = sub.text("name", label, max_length=40)
            born = sub.date("date_of_birth", "")
            holder = QWidget()
            line = QHBoxLayout(holder)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(name.editor, 2)
            line.addWidget(born.editor, 1)
            born.editor.setToolTip(self.tr("Date of birth"))
            grand.layout.addRow(label, holder)
            grand.layout.addRow("", name.error)
            grand.layout.addRow("", born.error)
            for f in (name, born):
                grand.fields[f.name] = f
                f.changed.connect(self.changed)

        guardian = self.add_form(self.tr("Entrusted guardian"), GUARDIAN)
        guardian.text("name", self.tr("Name"), max_length=40)
        guardian.choice("relation", self.tr("Relation to child"), GUARDIAN_RELATIONS)
        guardian.text("id_number", self.tr("ID number"), "", 21)
        guardian.text("phone", self.tr("Phone"), "", 20)
        guardian.date("date_of_birth", self.tr("Date of birth"))
        guardian.text("address", self.tr("Address"))
        guardian.text("health", self.tr("Health"), "", 100)
        guardian.check("capable_of_care", self.tr("Capacity"), self.tr("Able to care for the child"))

        care = self.add_form(self.tr("Actual guardianship"))
        care.text("living_with", self.tr("Lives with"), self.tr("e.g. grandparents"), 100)
        care.choice("guardianship_quality", self.tr("Guardianship"), list(GuardianshipQuality))
        care.multiline("improper_guardianship", self.tr("Improper guardianship"), 48)
        care.check("family_poverty", self.tr("Family poverty"), self.tr("The family is poor"))
        care.multi("income_sources", self.tr("Income sources"), list(IncomeSource))
        self.finish()

    def title(self) -> str:
        """家庭与监护."""
        return self.tr("Family and guardianship")

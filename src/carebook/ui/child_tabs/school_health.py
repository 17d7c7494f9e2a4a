"""The schooling and health tabs of the child file."""

from __future__ import annotations

from carebook.model.enums import DisabilityCategory, DisabilityGrade, HealthStatus, SchoolingStage
from carebook.ui.child_tabs.base import FormTab
from carebook.ui.context import AppContext


class SchoolingTab(FormTab):
    """就学: stage (not yet in kindergarten ... dropped out of compulsory education, not in
    school at 14-16), school name and grade."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        form = self.add_form(self.tr("Schooling"))
        form.choice("schooling_stage", self.tr("Stage"), list(SchoolingStage))
        form.text("school_name", self.tr("School"), "", 100)
        form.text("school_grade", self.tr("Grade / class"), self.tr("e.g. grade 3, class 2"), 40)
        self.finish()

    def title(self) -> str:
        """就学."""
        return self.tr("Schooling")


class HealthTab(FormTab):
    """健康: healthy / ill / disabled; disability category and grade (1-4) with certificate
    number; illness, serious-illness and high-medical-costs flags."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        form = self.add_form(self.tr("Health"))
        form.choice("health_status", self.tr("Health"), list(HealthStatus))
        form.choice("disability_category", self.tr("Disability category"), list(DisabilityCategory))
        form.choice("disability_grade", self.tr("Disability grade"), list(DisabilityGrade))
        form.text("disability_certificate", self.tr("Disability certificate no."), "", 40)
        form.text("illness_name", self.tr("Illness"), "", 100)
        form.check("serious_illness", self.tr("Serious illness"), self.tr("Seriously ill"))
        form.check("high_medical_costs", self.tr("Medical costs"), self.tr("High out-of-pocket medical costs"))
        self.finish()

    def title(self) -> str:
        """健康."""
        return self.tr("Health")

"""The child's file (一人一档案): the child, family members and assistance received.

One aggregate: :class:`Child` is the root; :class:`FamilyMember` (parents, grandparents, the
entrusted guardian and other relatives) and :class:`AssistanceRecord` belong to one child.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin
from carebook.model.enums import (
    AssistanceType,
    ClosingReason,
    DisabilityCategory,
    DisabilityGrade,
    GuardianshipQuality,
    HealthStatus,
    ParentStatus,
    RegistrationType,
    Relation,
    RiskColour,
    SchoolingStage,
    Sex,
)
from carebook.model.types import CodeType


class Child(RecordMixin, Base):
    """儿童档案: one child in the register.

    Identity, household registration, health, schooling, actual guardianship, income sources,
    key-child flag, risk colour and closing reason. Categories are computed from these facts by
    :func:`carebook.model.categories.compute_categories` and cached in ``categories``; the search
    keys ``search_initials`` and ``id_number_rev`` are derived too. None of the derived columns is
    recorded in the change log (each installation recomputes them).

    ``assessed_categories`` holds categories the child director assessed for reasons the facts
    cannot show (family poverty, improper guardianship): see the categories module.
    """

    __tablename__ = "child"
    __tracked__ = True
    untracked_columns = frozenset(
        {"created_at", "updated_at", "version", "categories", "search_initials", "id_number_rev",
         "last_visit_date", "next_visit_due"}
    )

    village_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # Identity
    name: Mapped[str] = mapped_column(String(40))
    sex: Mapped[Sex] = mapped_column(CodeType(Sex))
    ethnic_group: Mapped[str | None] = mapped_column(String(2), default=None)
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    has_household_registration: Mapped[bool] = mapped_column(Boolean, default=True)
    registration_type: Mapped[RegistrationType | None] = mapped_column(CodeType(RegistrationType), default=None)
    registered_address: Mapped[str | None] = mapped_column(String(200), default=None)
    current_address: Mapped[str | None] = mapped_column(String(200), default=None)
    lives_in_school_dormitory: Mapped[bool] = mapped_column(Boolean, default=False)
    in_institution: Mapped[bool] = mapped_column(Boolean, default=False)
    parents_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    # Health
    health_status: Mapped[HealthStatus | None] = mapped_column(CodeType(HealthStatus), default=None)
    disability_category: Mapped[DisabilityCategory | None] = mapped_column(CodeType(DisabilityCategory), default=None)
    disability_grade: Mapped[DisabilityGrade | None] = mapped_column(CodeType(DisabilityGrade), default=None)
    disability_certificate: Mapped[str | None] = mapped_column(String(40), default=None)
    illness_name: Mapped[str | None] = mapped_column(String(100), default=None)
    serious_illness: Mapped[bool] = mapped_column(Boolean, default=False)
    high_medical_costs: Mapped[bool] = mapped_column(Boolean, default=False)
    # Schooling
    schooling_stage: Mapped[SchoolingStage | None] = mapped_column(CodeType(SchoolingStage), default=None)
    school_name: Mapped[str | None] = mapped_column(String(100), default=None)
    school_grade: Mapped[str | None] = mapped_column(String(40), default=None)
    # Guardianship and family
    living_with: Mapped[str | None] = mapped_column(String(100), default=None)
    guardianship_quality: Mapped[GuardianshipQuality | None] = mapped_column(CodeType(GuardianshipQuality), default=None)
    improper_guardianship: Mapped[str | None] = mapped_column(Text, default=None)
    family_poverty: Mapped[bool] = mapped_column(Boolean, default=False)
    income_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Care
    assessed_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_child: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_colour: Mapped[RiskColour | None] = mapped_column(CodeType(RiskColour), default=None)
    service_plan: Mapped[str | None] = mapped_column(Text, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    # Closing
    closed_reason: Mapped[ClosingReason | None] = mapped_column(CodeType(ClosingReason), default=None)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    closed_note: Mapped[str | None] = mapped_column(Text, default=None)
    transferred_to: Mapped[str | None] = mapped_column(String(12), default=None)
    # Derived (not in the change log)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_initials: Mapped[str] = mapped_column(String(400), default="")
    id_number_rev: Mapped[str | None] = mapped_column(String(18), default=None, index=True)
    last_visit_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    next_visit_due: Mapped[dt.date | None] = mapped_column(Date, default=None, index=True)

    __table_args__ = (
        Index("ix_child_name_search", "name", "search_initials"),
        Index("ix_child_village_closed", "village_id", "closed_reason"),
    )

    @property
    def is_closed(self) -> bool:
        """True once the file is closed with a reason."""
        return self.closed_reason is not None


class FamilyMember(RecordMixin, Base):
    """家庭成员: a parent, grandparent, the entrusted guardian (受委托监护人) or another
    relative of one child. ``relation`` is read from the child's side (GB/T 4761).

    ``status``, ``work_place``, ``away_since`` and ``last_contact`` describe parents; the
    ``is_entrusted_guardian`` member's address, health and capacity describe the guardian.
    """

    __tablename__ = "family_member"
    __tracked__ = True

    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    relation: Mapped[Relation] = mapped_column(CodeType(Relation))
    name: Mapped[str | None] = mapped_column(String(40), default=None)
    id_number: Mapped[str | None] = mapped_column(String(18), default=None)
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    status: Mapped[ParentStatus | None] = mapped_column(CodeType(ParentStatus), default=None)
    work_place: Mapped[str | None] = mapped_column(String(100), default=None)
    away_since: Mapped[dt.date | None] = mapped_column(Date, default=None)
    last_contact: Mapped[dt.date | None] = mapped_column(Date, default=None)
    is_entrusted_guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    lives_with_child: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(200), default=None)
    health: Mapped[str | None] = mapped_column(String(100), default=None)
    capable_of_care: Mapped[bool | None] = mapped_column(Boolean, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class AssistanceRecord(RecordMixin, Base):
    """救助帮扶: assistance the child or family receives, with start month and monthly amount
    in yuan."""

    __tablename__ = "assistance_record"
    __tracked__ = True

    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    kind: Mapped[AssistanceType] = mapped_column(CodeType(AssistanceType))
    start_month: Mapped[str | None] = mapped_column(String(7), default=None)
    end_month: Mapped[str | None] = mapped_column(String(7), default=None)
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)

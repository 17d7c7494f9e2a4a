"""Staff under real-name management (实名制管理): child directors and child supervisors, their
assignments and training records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin
from carebook.model.enums import Education as EducationLevel
from carebook.model.enums import EmploymentType, PoliticalStatus, Sex, StaffRole
from carebook.model.types import CodeType


class Staff(RecordMixin, Base):
    """工作人员: a child director (儿童主任) or child supervisor (儿童督导员), with the
    real-name fields of DOMAIN.md. ``org_unit_id`` is the village (director) or township
    (supervisor) served; ``covered_org_ids`` lists further villages covered."""

    __tablename__ = "staff"
    __tracked__ = True

    role: Mapped[StaffRole] = mapped_column(CodeType(StaffRole))
    name: Mapped[str] = mapped_column(String(40))
    sex: Mapped[Sex | None] = mapped_column(CodeType(Sex), default=None)
    ethnic_group: Mapped[str | None] = mapped_column(String(2), default=None)
    id_number: Mapped[str | None] = mapped_column(String(18), default=None, index=True)
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, default=None)
    political_status: Mapped[PoliticalStatus | None] = mapped_column(CodeType(PoliticalStatus), default=None)
    education: Mapped[EducationLevel | None] = mapped_column(CodeType(EducationLevel), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    employer: Mapped[str | None] = mapped_column(String(100), default=None)
    employment_type: Mapped[EmploymentType | None] = mapped_column(CodeType(EmploymentType), default=None)
    government_purchased: Mapped[bool] = mapped_column(Boolean, default=False)
    org_unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit.id"), default=None, index=True)
    covered_org_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    appointed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class TrainingRecord(RecordMixin, Base):
    """培训记录: one training a staff member attended (directors are trained at least once a
    year, per the seed policy)."""

    __tablename__ = "training_record"
    __tracked__ = True

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str | None] = mapped_column(String(100), default=None)
    hours: Mapped[float | None] = mapped_column(Float, default=None)

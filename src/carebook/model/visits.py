"""Home visits (入户走访) and return visits (回访)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin
from carebook.model.enums import Relation, VisitKind, VisitMethod
from carebook.model.types import CodeType


class Visit(RecordMixin, Base):
    """走访记录: one visit to a child, with the fields of DOMAIN.md: date and time, place,
    visitor, the person interviewed and their relation, last contact with the parents, findings,
    the guardian's opinion, actions and suggested help, whether to mark as key child, and the
    next visit date. Return visits record the method and outcome."""

    __tablename__ = "visit"
    __tracked__ = True

    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"))
    visit_date: Mapped[dt.date] = mapped_column(Date)
    visit_time: Mapped[str | None] = mapped_column(String(5), default=None)  # HH:MM local
    kind: Mapped[VisitKind] = mapped_column(CodeType(VisitKind), default=VisitKind.VISIT)
    method: Mapped[VisitMethod] = mapped_column(CodeType(VisitMethod), default=VisitMethod.HOME)
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    visitor_name: Mapped[str | None] = mapped_column(String(40), default=None)
    visitor_staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), default=None)
    interviewee_name: Mapped[str | None] = mapped_column(String(40), default=None)
    interviewee_relation: Mapped[Relation | None] = mapped_column(CodeType(Relation), default=None)
    last_parent_contact: Mapped[dt.date | None] = mapped_column(Date, default=None)
    living_conditions: Mapped[str | None] = mapped_column(Text, default=None)
    family_situation: Mapped[str | None] = mapped_column(Text, default=None)
    guardianship_situation: Mapped[str | None] = mapped_column(Text, default=None)
    mental_state: Mapped[str | None] = mapped_column(Text, default=None)
    schooling_situation: Mapped[str | None] = mapped_column(Text, default=None)
    health_situation: Mapped[str | None] = mapped_column(Text, default=None)
    guardian_opinion: Mapped[str | None] = mapped_column(Text, default=None)
    actions: Mapped[str | None] = mapped_column(Text, default=None)
    suggested_help: Mapped[str | None] = mapped_column(Text, default=None)
    outcome: Mapped[str | None] = mapped_column(Text, default=None)
    mark_key_child: Mapped[bool] = mapped_column(Boolean, default=False)
    next_visit_date: Mapped[dt.date | None] = mapped_column(Date, default=None)

    __table_args__ = (Index("ix_visit_child_date", "child_id", "visit_date"),)

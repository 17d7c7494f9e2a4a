"""Organisation units: county, township, village, with their division codes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from carebook.model.base import Base, RecordMixin
from carebook.model.enums import OrgLevel
from carebook.model.types import CodeType


class OrgUnit(RecordMixin, Base):
    """组织单位: a county (县/区), township (乡镇/街道) or village/residents' committee (村/居).

    ``code`` is the division code: 6 digits (GB/T 2260, county), 9 (township) or 12 (village)
    digits of the statistical division codes. Codes change over time, so the name is kept with
    the code.
    """

    __tablename__ = "org_unit"
    __tracked__ = True

    level: Mapped[OrgLevel] = mapped_column(CodeType(OrgLevel))
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit.id"), default=None)

"""Organisation units: county, township, village, with their division codes."""

from __future__ import annotations

import uuid

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


#: Namespace of the deterministic ids of organisation units (RFC 9562 version 5 UUIDs).
ORG_UNIT_NAMESPACE = uuid.UUID("6c1f0e52-5b0f-4d3e-9a57-0c5d2f1f7a11")


def unit_id_for_code(code: str) -> str:
    """The record id of the organisation unit with division ``code``: a UUID version 5 of the
    code (RFC 9562), so that a village and its township that each create the unit at set-up
    give it the same id and their records merge instead of colliding on the unique code."""
    return str(uuid.uuid5(ORG_UNIT_NAMESPACE, code))

"""Importing this module registers every table of the register on
:data:`carebook.model.base.Base.metadata` (for Alembic and for tests)."""

from __future__ import annotations

from carebook.model import transfer_guard  # noqa: F401  (no writes to files transferred away)
from carebook.model.attachments import Attachment
from carebook.model.audit import AuditEvent  # noqa: F401  (local access audit, not synced)
from carebook.model.base import Base
from carebook.model.changelog import ChangeLogEntry, Setting
from carebook.model.children import AssistanceRecord, Child, FamilyMember
from carebook.model.entrustments import Entrustment
from carebook.model.organisation import OrgUnit
from carebook.model.reports import MandatoryReport, Referral
from carebook.model.staff import Staff, TrainingRecord
from carebook.model.sync_state import (  # noqa: F401  (registers the sync bookkeeping tables)
    SyncChangeContext,
    SyncConflict,
    SyncImport,
    SyncParked,
    SyncPeer,
    SyncReceivedRange,
)
from carebook.model.visits import Visit

metadata = Base.metadata

#: Tracked (synced) classes by table name.
TRACKED: dict[str, type[Base]] = {
    cls.__tablename__: cls
    for cls in (OrgUnit, Staff, TrainingRecord, Child, FamilyMember, AssistanceRecord, Visit,
                Entrustment, MandatoryReport, Referral, Attachment)
}

__all__ = [
    "TRACKED", "AssistanceRecord", "Attachment", "ChangeLogEntry", "Child", "Entrustment",
    "FamilyMember", "MandatoryReport", "OrgUnit", "Referral", "Setting", "Staff", "TrainingRecord",
    "Visit", "metadata",
]

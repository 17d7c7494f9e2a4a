"""This installation's identity: its id, role and organisation unit.

Stored in the ``setting`` table under ``installation``; written once by ``carebook init`` (or
the first-run wizard) and read by every service that records changes.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from carebook.model import settings as settings_store
from carebook.model.base import new_id
from carebook.model.command_name import CLI
from carebook.model.enums import OrgLevel, Role
from carebook.model.errors import CarebookError, ValidationError
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.recording import attach_recorder
from carebook.model.validation import clean_text

INSTALLATION_KEY = "installation"
ACTOR_KEY = "actor_name"


class NotInitialisedError(CarebookError):
    """The database has no installation yet: run ``carebook init`` or the first-run wizard."""

    def __init__(self) -> None:
        super().__init__(
            f"还没有初始化：请先运行 {CLI} init，或在程序中完成首次设置向导",
            f"not set up yet: run '{CLI} init' or the first-run wizard",
        )


@dataclass(frozen=True)
class Installation:
    """This installation: ``id`` (UUID text, the change-log origin), ``role`` (village,
    township or county), and its organisation unit (id, division code, name)."""

    id: str
    role: Role
    org_unit_id: str
    org_code: str
    org_name: str


def get_installation(session: Session) -> Installation:
    """Read this installation's identity.

    Raises:
        NotInitialisedError: ``init`` has not run.
    """
    data = settings_store.get_value(session, INSTALLATION_KEY)
    if not data:
        raise NotInitialisedError()
    return Installation(
        id=data["id"], role=Role(data["role"]), org_unit_id=data["org_unit_id"],
        org_code=data["org_code"], org_name=data["org_name"],
    )


def find_installation(session: Session) -> Installation | None:
    """This installation's identity, or ``None`` before ``init``."""
    try:
        return get_installation(session)
    except NotInitialisedError:
        return None


_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def clean_division_code(code: str, field: str) -> str:
    """A division code: 6 digits (county, GB/T 2260), 9 (township) or 12 (village).

    Raises:
        ValidationError: not 6, 9 or 12 digits.
    """
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValidationError.single(
            field,
            f"区划代码“{code}”应为6位（县）、9位（乡镇）或12位（村）数字",
            f"division code '{code}' must have 6 (county), 9 (township) or 12 (village) digits",
        )
    return code


def initialise(
    session: Session,
    *,
    role: Role,
    org_code: str,
    org_name: str,
    parent_code: str | None = None,
    parent_name: str | None = None,
    actor: str = "",
) -> Installation:
    """Set up this installation: create its organisation unit (and the parent township for a
    village), record them in the change log, and store the identity.

    Raises:
        CarebookError: already initialised.
        ValidationError: a bad code or a missing name.
    """
    if find_installation(session) is not None:
        raise CarebookError("这个数据目录已经初始化过了", "this data directory is already set up")
    org_code = clean_division_code(org_code, "org_code")
    name = clean_text(org_name, max_length=100, field="org_name")
    if not name:
        raise ValidationError.single("org_name", "请填写单位名称", "the organisation name is required")
    installation_id = new_id()
    level = {Role.VILLAGE: OrgLevel.VILLAGE, Role.TOWNSHIP: OrgLevel.TOWNSHIP, Role.COUNTY: OrgLevel.COUNTY}[role]
    attach_recorder(session, installation_id, actor or name)
    parent_id = None
    if parent_code:
        parent_code = clean_division_code(parent_code, "parent_code")
        parent_level = OrgLevel.TOWNSHIP if role is Role.VILLAGE else OrgLevel.COUNTY
        existing = session.scalar(select(OrgUnit).where(OrgUnit.code == parent_code))
        parent = existing or OrgUnit(id=unit_id_for_code(parent_code), level=parent_level, code=parent_code,
                                     name=parent_name or parent_code)
        session.add(parent)
        session.flush()
        parent_id = parent.id
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == org_code))
    if unit is None:
        unit = OrgUnit(id=unit_id_for_code(org_code), level=level, code=org_code, name=name, parent_id=parent_id)
        session.add(unit)
        session.flush()
    installation = Installation(installation_id, role, unit.id, org_code, name)
    data = asdict(installation)
    data["role"] = role.code
    settings_store.set_value(session, INSTALLATION_KEY, data)
    settings_store.set_value(session, ACTOR_KEY, actor or name)
    session.flush()
    return installation


def add_org_unit(session: Session, *, level: OrgLevel, code: str, name: str, parent_code: str | None = None) -> str:
    """Add an organisation unit (e.g. a village of this township) and return its id; an
    existing unit with the same code is returned unchanged.

    Raises:
        ValidationError: a bad code, a missing name, or an unknown parent code.
    """
    code = clean_division_code(code, "code")
    existing = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if existing is not None:
        return existing.id
    clean = clean_text(name, max_length=100, field="name")
    if not clean:
        raise ValidationError.single("name", "请填写单位名称", "the organisation name is required")
    parent_id = None
    if parent_code:
        parent = session.scalar(select(OrgUnit).where(OrgUnit.code == parent_code))
        if parent is None:
            raise ValidationError.single("parent_code", f"找不到上级单位{parent_code}", f"no unit {parent_code}")
        parent_id = parent.id
    unit = OrgUnit(level=level, code=code, name=clean, parent_id=parent_id)
    session.add(unit)
    session.flush()
    return unit.id

"""The facts shown in the main window's status bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StatusInfo:
    """Status bar facts: the organisation (village) name, when and which bundle was last
    exchanged (text, or None when none yet) and the number of local changes not yet sent."""

    organisation: str
    last_bundle: str | None
    pending_changes: int
    role: str = "village"


def load_status(api: Any) -> StatusInfo:
    """Read the status bar facts from the register ``api``. Runs on the worker thread.

    Before the first exchange every change made here counts as not yet sent.
    """
    from carebook.model.queries.ui_child import sync_status

    inst = api.installation()
    if inst is None:
        return StatusInfo("", None, 0)
    last_bundle, pending = api.read(sync_status, inst.id)
    return StatusInfo(inst.org_name, last_bundle, pending, inst.role.code)

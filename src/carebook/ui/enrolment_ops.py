"""Starting a village PC from the township's enrolment file in the first-run wizard (as
``carebook init --enrolment FILE``): read the file (sealed with the phone code or not) to show
what it is for, then set up the installation from it. Run on the worker; no Qt here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EnrolmentSummary:
    """What an enrolment file is for: the village (name, 12-digit code), its township (name,
    9-digit code) and the township's key fingerprint to compare by phone, the expiry (UTC text),
    and whether it re-enrols a replaced PC (the village's files then come back from the township)."""

    village_name: str
    village_code: str
    township_name: str
    township_code: str
    township_fingerprint: str
    expires_at: str
    replacement: bool


@dataclass(frozen=True)
class StartResult:
    """The village set up from the file: its summary and this PC's own fingerprint."""

    summary: EnrolmentSummary
    own_fingerprint: str


def read_enrolment(path: Path, code: str | None) -> EnrolmentSummary:
    """Read and check the enrolment file at ``path`` (``code``: the 12 digits read out by phone,
    for a sealed file).

    Raises:
        EnrolmentFileInvalidError, EnrolmentCodeRequiredError, EnrolmentCodeWrongError,
        EnrolmentExpiredError (all :class:`carebook.model.errors.CarebookError`).
    """
    from carebook.sync.enrolment import read_enrolment_file
    from carebook.sync.identity import PublicIdentity
    from carebook.sync.peers import format_utc

    e = read_enrolment_file(path, code or None)
    township = PublicIdentity(e.township_installation_id, e.township_signing_public_key,
                              e.township_encryption_public_key)
    return EnrolmentSummary(e.village_name, e.village_code, e.township_name, e.township_code,
                            township.fingerprint, format_utc(e.expires_at), e.replacement)


def start_from_enrolment(api: Any, path: Path, code: str | None, actor: str) -> StartResult:
    """Set up this PC as the village of the enrolment file: the register, its sync keys, the
    township pinned and the proof its first bundles carry (:func:`carebook.sync.exchange.setup_village_from_enrolment`).

    Raises:
        the errors of :func:`read_enrolment` (nothing set up); CarebookError when already set up;
        SyncUnavailableError: the register was opened without its database.
    """
    from carebook.model.errors import CarebookError
    from carebook.sync.exchange import setup_village_from_enrolment
    from carebook.ui.sync.ops import site_of

    summary = read_enrolment(path, code)
    if api.installation() is not None:
        raise CarebookError("这台电脑已经设置过了", "this computer is already set up")
    site = site_of(api)
    setup_village_from_enrolment(site, path, code=code or None, actor=actor)
    return StartResult(summary, site.keys().public().fingerprint)

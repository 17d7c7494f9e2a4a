"""Making an ordinary enrolment file at the township (``carebook enrol create``, the desktop
enrolment page): the one path both use, so both refuse the same requests and record nothing
when they fail.

Order: refuse a request :func:`carebook.sync.enrolment.check_enrolment_request` refuses (a village
that already has an active PC, a code enrolled under another name); write the file atomically and
verified (:func:`carebook.sync.atomic_files.write_files_atomically`); only then keep the
:class:`~carebook.sync.enrolment.PendingEnrolment` (one-time secret) in the encrypted register. A
file that cannot be written (a full or locked stick, a different file of that name) leaves no
issued enrolment behind. Replacement files (更换电脑) are made by
:func:`carebook.sync.restore.create_replacement_enrolment_file`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from carebook.model.enums import Role
from carebook.model.errors import CarebookError
from carebook.sync.atomic_files import write_files_atomically
from carebook.sync.enrolment import (
    DEFAULT_VALIDITY,
    EnrolmentFile,
    check_enrolment_request,
    create_enrolment,
    encode_enrolment,
)
from carebook.sync.exchange import SyncSite
from carebook.sync.trust_store import load_peers, save_pending_enrolment


@dataclass(frozen=True)
class IssuedEnrolment:
    """An enrolment file made and recorded: its contents and where it was written."""

    enrolment: EnrolmentFile
    path: Path


def check_new_enrolment(site: SyncSite, village_code: str, village_name: str, *, replacement: bool = False,
                        desktop: bool = False) -> None:
    """Refuse a request for an enrolment file this township must not make (see
    :func:`carebook.sync.enrolment.check_enrolment_request`); changes nothing."""
    with site.register.reading() as session:
        peers = load_peers(session)
    check_enrolment_request(peers, village_code, village_name, replacement=replacement, desktop=desktop)


def issue_enrolment_file(site: SyncSite, *, village_code: str, village_name: str, out: Path,
                         code: str | None = None, valid_for: timedelta = DEFAULT_VALIDITY,
                         now: datetime | None = None, desktop: bool = False) -> IssuedEnrolment:
    """Make an ordinary enrolment file for one village and keep its one-time secret here.

    ``out`` is a directory (file ``enrol-<village code>.cbe``) or a file path; the file is sealed
    with ``code`` when given.

    Raises:
        CarebookError: this installation is a village.
        VillageAlreadyEnrolledError, VillageNameMismatchError: the request is refused.
        FileWriteError subclasses, OSError: the file could not be written (nothing recorded).
    """
    inst = site.installation()
    if inst.role is Role.VILLAGE:
        raise CarebookError("只有乡镇（街道）督导员可以制作登记文件", "only a township can enrol villages")
    check_new_enrolment(site, village_code, village_name, desktop=desktop)
    enrolment = create_enrolment(site.keys(), township_code=inst.org_code, township_name=inst.org_name,
                                 village_code=village_code, village_name=village_name, valid_for=valid_for, now=now)
    return IssuedEnrolment(enrolment, write_and_record(site, enrolment, out, code))


def write_and_record(site: SyncSite, enrolment: EnrolmentFile, out: Path, code: str | None) -> Path:
    """Write ``enrolment`` (sealed with ``code`` when given) to ``out`` (a directory: file
    ``enrol-<village code>.cbe``; else the file path), atomically and verified, then keep its
    :class:`~carebook.sync.enrolment.PendingEnrolment` in the register; if that fails the file is
    removed. Returns the file written.

    Raises:
        FileWriteError subclasses, OSError: the file could not be written (nothing recorded).
    """
    directory, name = (out, f"enrol-{enrolment.village_code}.cbe") if out.is_dir() else (out.parent, out.name)
    written = Path(write_files_atomically(directory, [(name, encode_enrolment(enrolment, code))])[0])
    try:
        with site.register.sessions() as session, session.begin():
            save_pending_enrolment(session, enrolment.pending())
    except BaseException:
        with contextlib.suppress(OSError):  # a file the township does not know would only be refused
            written.unlink()
        raise
    return written

"""The township pages' calls into the register (乡镇督导员工作台的数据).

Every function here runs ON THE WORKER THREAD (inside a task) and calls the model's read
queries and services and the sync layer's enrolment functions through the register facade
(``api.read(fn, ...)``, ``api.write(fn, ...)``), as the command line does
(:mod:`carebook.cli.staff_cmd`, :mod:`carebook.cli.township_cmd`,
:mod:`carebook.cli.bundle_cmd`). Nothing here runs SQL or touches Qt widgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carebook.ui.tasks import TaskContext


def installation_role(api: Any) -> str:
    """This installation's role code (``"village"`` or ``"township"``; ``""`` before set-up)."""
    inst = api.installation()
    return "" if inst is None else str(inst.role.code)


def _enrolled(session: Any) -> list[tuple[str, str]]:
    from carebook.sync.trust_store import load_pending_enrolments

    return [(p.village_code, p.village_name) for p in load_pending_enrolments(session)]


# -- overview ---------------------------------------------------------------------------------
def load_overview(api: Any) -> Any:
    """The :class:`~carebook.model.queries.overview.TownshipOverview` on the register's today,
    villages enrolled here but not heard from yet included (as ``carebook overview``)."""
    from carebook.model.queries.overview import township_overview

    enrolled = api.read(_enrolled)
    return api.read(township_overview, today=api.today(), expected_villages=enrolled)


# -- staff ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaffView:
    """What the staff page shows: the roster (``StaffRow`` list, ended terms included when
    asked), training records (``TrainingRow``, newest first), training warnings
    (``TrainingWarning``), the directors' assessment this month (``DirectorAssessment``), the
    month (YYYY-MM) and the units a person can serve (``(code, name)``: villages and the
    township, enrolled villages included)."""

    roster: list[Any]
    trainings: list[Any]
    warnings: list[Any]
    assessment: list[Any]
    month: str
    units: list[tuple[str, str]]


def load_staff(api: Any, include_ended: bool) -> StaffView:
    """The staff page's content on the register's today."""
    from carebook.model.queries.overview import township_overview
    from carebook.model.queries.staff import staff_roster, training_records, training_warnings

    today = api.today()
    enrolled = api.read(_enrolled)
    overview = api.read(township_overview, today=today, expected_villages=enrolled)
    units = [(v.code, v.name) for v in overview.villages if v.code]
    inst = api.installation()
    if inst is not None and inst.role.code == "township":
        units.insert(0, (inst.org_code, inst.org_name))
    return StaffView(
        roster=api.read(staff_roster, today=today, include_ended=include_ended),
        trainings=api.read(training_records),
        warnings=api.read(training_warnings, today=today),
        assessment=list(overview.directors),
        month=overview.month,
        units=units,
    )


def _with_enrolled_units(api: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run the staff service ``fn`` in one write, after adding as units the villages enrolled
    here that have sent nothing yet (so they can be given a director already)."""
    from carebook.model.services.staff import add_enrolled_villages

    values = next((a for a in args if isinstance(a, dict)), {})

    def work(session: Any) -> Any:
        add_enrolled_villages(session, values, dict(_enrolled(session)))
        return fn(session, *args, today=api.today(), **kwargs)

    return api.write(work)


def add_staff(api: Any, values: dict[str, Any], replace: bool = False) -> str:
    """Add a person (field names of ``carebook.model.services.staff.STAFF_FIELDS`` plus
    ``unit`` and ``covered``, values as typed). Returns the new record id.

    Raises:
        ValidationError: bad fields (every one listed); nothing was written.
    """
    from carebook.model.services.staff import add_staff as add

    return str(_with_enrolled_units(api, add, values, replace=replace).record_id)


def update_staff(api: Any, staff_id: str, values: dict[str, Any]) -> str:
    """Change the fields in ``values`` of the person ``staff_id``. Raises ValidationError."""
    from carebook.model.services.staff import update_staff as update

    return str(_with_enrolled_units(api, update, staff_id, values).record_id)


def end_staff(api: Any, staff_id: str, ended_on: str, note: str | None) -> str:
    """End the person's term on ``ended_on`` (YYYY-MM-DD; never deleted). Raises
    ValidationError or StateError (already ended)."""
    from carebook.model.services.staff import end_staff as end

    return str(api.write(end, staff_id, ended_on=ended_on, note=note, today=api.today()).record_id)


def add_training(api: Any, staff_id: str, values: dict[str, Any]) -> str:
    """Record a training (``held_on``, ``topic``, ``organiser``, ``hours``) of the person."""
    from carebook.model.services.staff import add_training as add

    return str(api.write(add, staff_id, values, today=api.today()).record_id)


# -- allowances -------------------------------------------------------------------------------
def compute_allowances(api: Any, first: str, last: str) -> Any:
    """The :class:`~carebook.model.allowances.AllowanceLedger` from ``first`` through ``last``
    (YYYY-MM). Raises ValidationError on a bad range."""
    from carebook.model.allowances import allowance_ledger

    return api.read(allowance_ledger, first, last)


def export_allowances(api: Any, first: str, last: str, path: Path, t: TaskContext) -> tuple[Path, Any]:
    """Compute the ledger and write it to the workbook ``path`` (.xlsx, atomically); returns
    the path written and the ledger. Raises TaskCancelled before the file is written."""
    from carebook.documents.allowance_xlsx import write_allowance_xlsx

    t.progress(0, 3)
    ledger = compute_allowances(api, first, last)
    t.check()
    t.progress(1, 3)
    inst = api.installation()
    t.check()
    written = write_allowance_xlsx(ledger, path, unit_name=inst.org_name if inst else "")
    t.progress(3, 3)
    return Path(written), ledger


# -- enrolment --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeerView:
    """A pinned peer (已登记的村或乡镇): name, division code, role code, key fingerprint,
    when pinned (UTC text) and whether retired (a replaced PC)."""

    name: str
    code: str
    role: str
    fingerprint: str
    pinned_at: str
    retired: bool


@dataclass(frozen=True)
class EnrolmentView:
    """An enrolment file issued here (secret left out): village, code, expiry (UTC text) and
    when a village PC used it (None: not yet)."""

    village_name: str
    village_code: str
    expires_at: str
    used_at: str | None


@dataclass(frozen=True)
class EnrolmentPageData:
    """The enrolment page: this installation's name, role and fingerprint (None before its
    keys exist), the pinned peers and the enrolments issued."""

    org_name: str
    role: str
    own_fingerprint: str | None
    peers: list[PeerView]
    enrolments: list[EnrolmentView]


@dataclass(frozen=True)
class EnrolmentResult:
    """A new enrolment file: where it was written, the code sealing it (None: not sealed),
    the township's fingerprint to read out by phone and the expiry (UTC text)."""

    path: Path
    village_code: str
    village_name: str
    code: str | None
    fingerprint: str
    expires_at: str


def load_enrolments(api: Any) -> EnrolmentPageData:
    """Fingerprints, pinned peers and issued enrolments (as ``carebook enrol list``)."""
    from carebook.sync.errors import IdentityMissingError
    from carebook.sync.identity import load_installation_keys
    from carebook.sync.peers import format_utc
    from carebook.sync.trust_store import load_peers, load_pending_enrolments

    inst = api.installation()
    own: str | None = None
    db = getattr(api, "database", None)
    store = db.keystore if db is not None else getattr(api, "keystore", None)
    if store is not None:
        try:
            own = load_installation_keys(store).public().fingerprint
        except IdentityMissingError:
            own = None

    def listing(session: Any) -> tuple[list[PeerView], list[EnrolmentView]]:
        peers = [PeerView(p.name, p.code, str(getattr(p.role, "value", p.role)), p.fingerprint,
                          format_utc(p.pinned_at), p.retired) for p in load_peers(session)]
        pending = [EnrolmentView(p.village_name, p.village_code, format_utc(p.expires_at),
                                 format_utc(p.used_at) if p.used_at else None)
                   for p in load_pending_enrolments(session)]
        return peers, pending

    peers, pending = api.read(listing)
    peers.sort(key=lambda p: (p.retired, p.code))
    pending.sort(key=lambda p: p.village_code)
    return EnrolmentPageData(inst.org_name if inst else "", str(inst.role.code) if inst else "", own, peers, pending)


def checked_enrolment_request(api: Any, village_code: str, village_name: str, folder: Path,
                              valid_days: int, *, replacement: bool = False) -> tuple[str, str, Any]:
    """Check a request for an enrolment file (new or, with ``replacement``, 更换电脑): returns the
    canonical village code, the trimmed name and this township's sync site.

    Raises:
        CarebookError: a bad code or name, validity outside 1-90 days, a missing folder (USB
            stick not plugged in), or this installation is not a township.
        VillageAlreadyEnrolledError: a new (not replacement) file for a village that has an
            active enrolled PC; VillageNameMismatchError: a code enrolled under another name
            (:func:`carebook.sync.enrolment_issue.check_new_enrolment`, as ``enrol create``).
    """
    from carebook.model.enums import Role
    from carebook.model.errors import CarebookError
    from carebook.model.installation import clean_division_code
    from carebook.sync.enrolment_issue import check_new_enrolment
    from carebook.ui.sync.ops import site_of

    code_clean = clean_division_code(village_code, "village_code")
    name = village_name.strip()
    if not name:
        raise CarebookError("请填写村名", "the village name is required")
    if not 1 <= valid_days <= 90:
        raise CarebookError("有效天数应在 1 到 90 之间", "the file must be valid for 1 to 90 days")
    if not folder.is_dir():
        raise CarebookError(f"找不到文件夹 {folder}：请插好U盘后重新选择。",
                            f"The folder {folder} does not exist: plug in the USB stick and choose it again.")
    inst = api.installation()
    if inst is None or inst.role is not Role.TOWNSHIP:
        raise CarebookError("只有乡镇（街道）督导员可以制作登记文件", "only a township can enrol villages")
    site = site_of(api)
    check_new_enrolment(site, code_clean, name, replacement=replacement, desktop=True)
    return code_clean, name, site


def create_enrolment_file(api: Any, village_code: str, village_name: str, folder: Path, valid_days: int,
                          sealed: bool) -> EnrolmentResult:
    """Make the enrolment file ``enrol-<village code>.cbe`` for one village in ``folder`` (a
    USB stick), keep its one-time secret in the register, and return what to read out by phone.
    Same rules as ``carebook enrol create`` (township only, 1-90 days valid, no second PC for a
    village that has one in use, nothing recorded when the file cannot be written).

    Raises:
        CarebookError: not a township, a bad code or name, the folder cannot be written.
    """
    from carebook.model.errors import CarebookError
    from carebook.sync.enrolment import generate_enrolment_code
    from carebook.sync.enrolment_issue import issue_enrolment_file
    from carebook.sync.peers import format_utc

    code_clean, name, site = checked_enrolment_request(api, village_code, village_name, folder, valid_days)
    code = generate_enrolment_code() if sealed else None
    target = folder / f"enrol-{code_clean}.cbe"
    try:
        issued = issue_enrolment_file(site, village_code=code_clean, village_name=name, out=target, code=code,
                                      valid_for=dt.timedelta(days=valid_days), desktop=True)
    except OSError as exc:
        raise CarebookError(f"无法写入登记文件：{exc.strerror or exc}。请检查U盘是否写保护或已满。",
                            f"Could not write the enrolment file: {exc}. Check the stick is not full or locked.") from exc
    return EnrolmentResult(issued.path, code_clean, name, code, site.keys().public().fingerprint,
                           format_utc(issued.enrolment.expires_at))

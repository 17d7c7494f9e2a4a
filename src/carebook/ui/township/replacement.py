"""Re-enrolling a village whose PC was replaced (更换电脑重新登记), for the township's enrolment
page: the same rules as ``carebook enrol create --replace`` (:mod:`carebook.sync.restore`), run
on the worker through the app's register facade (no session use in widgets)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ReplacementResult:
    """A replacement enrolment file: where it was written, the village, the code sealing it
    (None: not sealed), the township's fingerprint to read out by phone, the expiry (UTC text)
    and how many old PCs of the village were retired."""

    path: Path
    village_code: str
    village_name: str
    code: str | None
    fingerprint: str
    expires_at: str
    retired: int


def create_replacement_file(api: Any, village_code: str, village_name: str, folder: Path, valid_days: int,
                            sealed: bool) -> ReplacementResult:
    """Retire the village's old PC and write ``enrol-<village code>.cbe`` marked as a replacement
    into ``folder`` (a USB stick); the new PC's first return bundle is its restore bundle.

    Raises:
        CarebookError: not a township, a bad code or name, a village never enrolled here
            (:class:`carebook.sync.restore.NothingToReplaceError`), or the folder cannot be
            written (nothing is retired then).
    """
    from carebook.model.errors import CarebookError
    from carebook.sync.enrolment import generate_enrolment_code
    from carebook.sync.peers import format_utc
    from carebook.sync.restore import create_replacement_enrolment_file
    from carebook.ui.township.data import checked_enrolment_request

    code_clean, name, site = checked_enrolment_request(api, village_code, village_name, folder, valid_days,
                                                       replacement=True)
    code = generate_enrolment_code() if sealed else None
    try:
        made = create_replacement_enrolment_file(site, village_code=code_clean, village_name=name,
                                                 out=folder / f"enrol-{code_clean}.cbe", code=code,
                                                 valid_for=dt.timedelta(days=valid_days))
    except OSError as exc:
        raise CarebookError(f"无法写入登记文件：{exc.strerror or exc}。请检查U盘是否写保护或已满。",
                            f"Could not write the enrolment file: {exc}. Check the stick is not full or locked.") from exc
    return ReplacementResult(made.path, code_clean, name, code, site.keys().public().fingerprint,
                             format_utc(made.enrolment.expires_at), len(made.retired))

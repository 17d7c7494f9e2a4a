"""The township's documents made from the app (乡镇台账与花名册): the township ledger workbook
and the printed roster, as ``carebook ledger export --out FILE.xlsx --roster FILE.pdf`` makes
them (:mod:`carebook.cli.township_cmd`).

Every function here runs ON THE WORKER THREAD (inside a task) and reads the register through
its facade (``api.read``); nothing here runs SQL or touches Qt widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carebook.ui.tasks import TaskContext


@dataclass(frozen=True)
class LedgerExport:
    """A township ledger written: the path, the children on its 全部儿童 sheet (every child
    of the register once), of which ``open`` in open files and ``closed`` closed."""

    path: Path
    children: int
    open: int
    closed: int


def _unit_name(api: Any) -> str:
    inst = api.installation()
    return str(inst.org_name) if inst is not None else ""


def export_township_ledger(api: Any, path: Path, t: TaskContext) -> LedgerExport:
    """Write the township ledger workbook (one sheet of every child, one per category in the
    national survey's column order, the statistics sheet; see
    :mod:`carebook.documents.township_ledger_xlsx`) to ``path`` atomically.

    Progress is reported in 4 steps; a cancel before the last step writes nothing.

    Raises:
        TaskCancelled: the user cancelled.
        CarebookError: the file cannot be written (the message says where and why).
    """
    from carebook.documents.township_ledger_xlsx import build_township_ledger, ledger_rows
    from carebook.documents.xlsx_out import save_workbook
    from carebook.model.queries.overview import township_overview

    t.progress(0, 4)
    today = api.today()
    township = _unit_name(api)
    rows = api.read(ledger_rows, today=today)
    t.check()
    t.progress(1, 4)
    overview = api.read(township_overview, today=today)
    t.check()
    t.progress(2, 4)
    workbook = build_township_ledger(rows, township=township, issued_on=today, overview=overview)
    t.check()
    t.progress(3, 4)
    written = save_workbook(workbook, path)
    t.progress(4, 4)
    closed = sum(1 for r in rows if r.closed)
    return LedgerExport(Path(written), len(rows), len(rows) - closed, closed)


def _roster_data(api: Any, village_code: str | None) -> Any:
    from carebook.documents.from_model import roster_contacts, roster_data
    from carebook.model.queries.children import ChildFilter

    rows = api.list_children(ChildFilter(closed=False, village_code=village_code or None))
    rows.sort(key=lambda r: r.village_code or "")  # by village, by name within a village (stable)
    contacts = api.read(roster_contacts, [r.id for r in rows])  # 联系电话 and 住址
    return roster_data(rows, township=_unit_name(api), today=api.today(), contacts=contacts)


def render_roster(api: Any, village_code: str | None = None) -> bytes:
    """The printed roster (花名册) of the open files, by village then name, as PDF bytes
    (A4 landscape; :mod:`carebook.documents.roster`); of one village with ``village_code``
    (12-digit division code). A whole township is slow to render (212 s for the open files of
    15,000 children on the reference PC, ``bench/bench_township_tools_ui.py``), so the dialog
    also offers one village at a time.

    Raises:
        FontError, MissingGlyphError: no usable font or a character no font has.
    """
    from carebook.documents.roster import render_roster as render

    return render(_roster_data(api, village_code))


def save_roster(api: Any, path: Path, village_code: str | None = None) -> Path:
    """Render the roster (of one village with ``village_code``) and write it to ``path``
    atomically; returns the path written.

    Raises:
        CarebookError: the folder cannot be written.
    """
    from carebook.documents.pdf_base import write_pdf
    from carebook.model.errors import CarebookError

    pdf = render_roster(api, village_code)
    try:
        return Path(write_pdf(path, pdf))
    except OSError as exc:
        raise CarebookError(f"无法保存花名册：{exc.strerror or exc}。请换一个位置。",
                            f"Could not save the roster: {exc.strerror or exc}. Choose another place.") from exc

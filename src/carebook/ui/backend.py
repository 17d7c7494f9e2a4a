"""The desktop app's calls into the register, in one place.

Every function here runs ON THE WORKER THREAD (inside a task) and calls the model's services
and read queries, which return plain dataclasses; nothing here runs SQL. Keeping the calls in
one module means a change of the model's API touches one UI file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook.ui.child_tabs.list_tab import ListRow
from carebook.ui.tasks import TaskContext


@dataclass(frozen=True)
class ChildFileData:
    """What the child file editor shows: the record id and version (None for a new child),
    the form values by full field name (``"name"``, ``"father.phone"``), the computed
    category labels, the closing text (None while open) and the rows of the list tabs."""

    child_id: str | None
    version: int | None
    values: dict[str, Any]
    category_labels: list[str]
    closed_text: str | None = None
    assistance: list[ListRow] = field(default_factory=list)
    visits: list[ListRow] = field(default_factory=list)
    entrustments: list[ListRow] = field(default_factory=list)
    reports: list[ListRow] = field(default_factory=list)
    attachments: list[ListRow] = field(default_factory=list)
    history: list[ListRow] = field(default_factory=list)

    @classmethod
    def empty(cls) -> ChildFileData:
        """The file of a new child: registered household, nothing else filled."""
        return cls(None, None, {"has_household_registration": True}, [])


@dataclass(frozen=True)
class RegisterFilter:
    """What the register page asks for: search text (name, pinyin initials or ID-number
    ending), category and risk codes (None = any), key children only, overdue visits only,
    closed files included, and the sort key and direction."""

    text: str = ""
    category: str | None = None
    risk: str | None = None
    key_only: bool = False
    overdue_only: bool = False
    include_closed: bool = False
    sort_key: str = "name"
    ascending: bool = True


def search_child_ids(api: Any, query: RegisterFilter) -> list[str]:
    """Ids of the children matching ``query``, in display order (SQL on the worker)."""
    from carebook.model.queries.children import ChildFilter

    flt = ChildFilter(
        search=query.text or None,
        category=query.category,
        risk_colour=query.risk,
        key_child=True if query.key_only else None,
        overdue=True if query.overdue_only else None,
        closed=None if query.include_closed else False,
    )
    return list(api.child_ids(flt, sort=query.sort_key, descending=not query.ascending))


@dataclass(frozen=True)
class RegisterRow:
    """A register row: the model's ``ChildRow`` (its attributes read through) and ``status``,
    the text of the register's status column: empty while open, the closing reason when closed,
    ``已转往 XX村（代码）`` for a file transferred away from this village."""

    row: Any
    status: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def register_rows(api: Any, ids: list[str]) -> Sequence[Any]:
    """The register rows (:class:`RegisterRow`) of ``ids``, in that order."""
    from carebook.model.enums import Role
    from carebook.model.queries.ui_child import register_rows as query
    from carebook.model.services.transfer import transferred_away_label

    rows = list(api.read(query, ids, today=api.today()))
    inst = api.installation()
    here = inst.org_code if inst is not None and inst.role is Role.VILLAGE else None
    out = []
    for row in rows:
        if here is not None and row.village_code != here:
            status = transferred_away_label(row.village_name, row.village_code)
        elif row.closed:
            status = _enum_label("ClosingReason", row.closed_reason) or "-"
        else:
            status = ""
        out.append(RegisterRow(row, status))
    return out


def export_register(api: Any, ids: list[str], path: Path, t: TaskContext) -> int:
    """Write the register rows of ``ids`` to the workbook ``path`` (.xlsx, one sheet, a header
    row, in the order given); returns the number of rows written. Writes to a temporary file
    and renames it, so a cancelled export leaves no half file. Raises TaskCancelled."""
    import openpyxl

    from carebook.documents.xlsx_out import text_safe
    from carebook.ui.models.register_table import COLUMN_COUNT, RegisterTableModel, _header

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("儿童名册")
    ws.append([_header(c) for c in range(COLUMN_COUNT)])
    written = 0
    step = 500
    for start in range(0, len(ids), step):
        t.check()
        chunk = ids[start : start + step]
        by_id = {row.id: row for row in register_rows(api, chunk)}
        for child_id in chunk:
            row = by_id.get(child_id)
            if row is not None:
                ws.append(text_safe(ws, [RegisterTableModel._display(row, c) for c in range(COLUMN_COUNT)]))
                written += 1
        t.progress(start + len(chunk), len(ids))
    t.check()
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return written


def today() -> dt.date:
    """Today's date on this PC (the register's clock for ages and due visits)."""
    return dt.date.today()


def resolve_data_dir(data_dir: Path | None) -> Path:
    """The data directory: ``data_dir`` or the default of :mod:`carebook.model.paths`."""
    from carebook.model.paths import resolve_data_dir as resolve

    return resolve(data_dir)


def open_register(data_dir: Path, ask_passphrase: Any = None) -> Any:
    """Open the register in ``data_dir``, creating it on first run.

    Raises:
        CarebookError: the key could not be found or the database not opened (the message
            says what to do).
    """
    from carebook.sync.exchange import SyncSite
    from carebook.ui.sync.ops import attach_database

    site = SyncSite.open(data_dir, create=True, ask_passphrase=ask_passphrase)
    site.register.keystore = site.db.keystore  # as Register.open keeps it
    attach_database(site.register, site.db)  # the sync page builds its SyncSite over it (keys, backups)
    return site.register


def close_register(api: Any) -> None:
    """Close the register."""
    close = getattr(api, "close", None)
    if callable(close):
        close()


def needs_first_run(api: Any) -> bool:
    """True when this installation has not been set up yet (the first-run wizard is due)."""
    return api.installation() is None


# -- child file ----------------------------------------------------------------------------------
def _enum_label(enum_name: str, code: Any) -> str:
    from carebook.model import enums

    if code in (None, ""):
        return ""
    enum = getattr(enums, enum_name)
    try:
        return str(enum(str(code)).label)
    except ValueError:
        return str(code)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        from carebook.model.i18n import msg

        return msg("是", "yes") if value else msg("否", "no")
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}={_text(v)}" for k, v in value.items())
    return str(value)


def closed_text(reason: str | None, on: dt.date | None, note: str | None) -> str | None:
    """The line shown for a closed file: date, reason, note (None while open)."""
    if reason is None:
        return None
    from carebook.model.i18n import msg

    label = _enum_label("ClosingReason", reason)
    day = on.isoformat() if on else ""
    text = msg(f"已于{day}销档：{label}", f"Closed on {day}: {label}")
    return text + (f"（{note}）" if note else "")



def _history_rows(entries: list[Any], *, zh: bool) -> list[ListRow]:
    """The child file's 变更记录 tab, newest first: (when, who, what, old value, new value) in
    the words of the printed history (:mod:`carebook.documents.change_text`: field and
    enumeration labels, family members by relation and name, the confidential reporter hidden)."""
    from carebook.documents import change_text

    names = change_text.member_names(entries, zh=zh)
    rows = []
    for h in reversed(entries):
        record = change_text.record_label(h.entity, h.record_id, names, zh=zh)
        if h.op == "update":
            what = change_text.field_label(h.entity, h.field or "", zh=zh)
            what = what if h.entity == "child" else f"{record}{'：' if zh else ': '}{what}"
            rows.append(ListRow(h.record_id, (
                _text(h.at_utc), h.actor, what,
                change_text.value_text(h.entity, h.field, h.old, zh=zh, names=names),
                change_text.value_text(h.entity, h.field, h.new, zh=zh, names=names))))
        else:
            op = change_text.op_label(h.op, zh=zh)
            summary = change_text.value_text(h.entity, None, h.new if h.op == "insert" else h.old, zh=zh, names=names)
            old, new = ("", summary) if h.op == "insert" else (summary, "")
            rows.append(ListRow(h.record_id, (_text(h.at_utc), h.actor, f"{record}{'：' if zh else ': '}{op}", old, new)))
    return rows

def load_child(api: Any, child_id: str) -> ChildFileData:
    """Everything the child file editor shows for ``child_id``."""
    from carebook.model.child_fields import MEMBER_FIELDS, MEMBER_ROLES
    from carebook.model.queries.ui_child import child_records

    detail = api.child_detail(child_id)
    values: dict[str, Any] = dict(detail.fields)
    for m in detail.members:
        if m.role not in MEMBER_ROLES:
            continue
        for key in MEMBER_FIELDS:
            values[f"{m.role}.{key}"] = getattr(m, key, None)
    from carebook.model.i18n import msg

    visits = [
        ListRow(v.id, (
            v.visit_date.isoformat(),
            _enum_label("VisitKind", v.kind) + " · " + _enum_label("VisitMethod", v.method),
            _text(v.fields.get("visitor_name")),
            _text(next((v.fields[k] for k in ("guardianship_situation", "living_conditions", "family_situation",
                                              "actions", "outcome") if v.fields.get(k)), "")),
            _text(v.next_visit_date),
        ))
        for v in detail.visits
    ]
    history = _history_rows(api.child_history(child_id), zh=msg("zh", "en") == "zh")
    records = api.read(child_records, detail.id)
    from carebook.model.services.transfer import transferred_away_label, transferred_away_to

    closed = closed_text(detail.closed_reason, detail.closed_on, detail.closed_note)
    moved = api.read(transferred_away_to, detail.id)
    if moved is not None:  # a village's copy of a file the township transferred away: say where
        closed = transferred_away_label(*moved) + msg("（本村不能再修改）", " (read-only here)") + (
            f"：{closed}" if closed and msg("zh", "en") == "zh" else f": {closed}" if closed else "")
    return ChildFileData(
        child_id=detail.id,
        version=detail.version,
        values=values,
        category_labels=[_enum_label("Category", c) for c in detail.categories],
        closed_text=closed,
        visits=visits,
        history=history,
        assistance=[ListRow(a.id, (_enum_label("AssistanceType", a.kind), a.start_month or "", a.end_month or "",
                                   _text(a.amount_yuan), a.notes or "")) for a in records.assistance],
        entrustments=[ListRow(e.id, (e.document_no, e.guardian_name or "", _text(e.period_from), _text(e.period_to),
                                     _enum_label("EntrustmentStatus", e.status))) for e in records.entrustments],
        reports=[ListRow(r.id, (r.kind_label, _text(r.day), r.to, r.status_label)) for r in records.reports],
        attachments=[ListRow(a.id, (a.filename, a.owner_label, _text(a.added))) for a in records.attachments],
    )


def save_child(api: Any, child_id: str | None, version: int | None, values: dict[str, Any],
               baseline: dict[str, Any] | None = None, *, overwrite: bool = False) -> str:
    """Register a new child (``child_id`` None) or update one with ``values`` (field name →
    value, only the fields to change for an update). Returns the child's id.

    An update never overwrites unseen a change made since the file was opened (by a sync import,
    another window or the command line): with ``baseline`` (the values :func:`load_child` gave when
    the file was opened), the file is read again and a field of ``values`` whose stored value is no
    longer its baseline value is a conflict; fields changed elsewhere that the user did not edit
    are kept as they are now (only ``values`` is written). The write itself is guarded by the
    record version just read. Without ``baseline``, any change since ``version`` is a conflict.
    ``overwrite`` (the user chose to, after seeing the conflict) writes ``values`` anyway.

    Raises:
        ValidationError: a bad field; nothing was written.
        EditConflictError: a conflict as above (``fields``: the fields that clash); nothing was
            written.
    """
    if child_id is None:
        return str(api.register_child(values).record_id)
    if not values:
        return child_id
    if overwrite:
        api.update_child(child_id, values)
        return child_id
    expected = version
    if baseline is not None:
        from carebook.model.errors import EditConflictError
        from carebook.model.queries.children import field_labels

        current = load_child(api, child_id)
        clashes = [k for k in values if current.values.get(k) != baseline.get(k)]
        if clashes:
            labels = field_labels()
            raise EditConflictError(clashes, [labels.get(k, (k, k)) for k in clashes])
        expected = current.version
    api.update_child(child_id, values, expected_version=expected)
    return child_id


def close_child(api: Any, child_id: str, reason: Any, on: Any, note: str | None) -> Any:
    """Close a child's file with a reason (never deleted)."""
    return api.close_child(child_id, reason, on=on if isinstance(on, dt.date) or on is None else str(on),
                           note=note)


def reopen_child(api: Any, child_id: str) -> Any:
    """Reopen a closed file."""
    return api.reopen_child(child_id)


# -- visits --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VisitContext:
    """What the visit dialog shows about the child: a heading (name, age, categories), the
    visitor's name (this installation's actor) and the entrusted guardian's name and relation
    code, to prefill the person interviewed."""

    heading: str
    visitor_name: str | None
    guardian_name: str | None
    guardian_relation: str | None


def visit_context(api: Any, child_id: str) -> VisitContext:
    """The child's heading and the names to prefill the visit dialog with."""
    from carebook.model.i18n import msg
    from carebook.model.queries.ui_child import actor_name

    detail = api.child_detail(child_id)
    guardian = next((m for m in detail.members if m.role == "guardian"), None)
    cats = "、".join(_enum_label("Category", c) for c in detail.categories)
    heading = msg(f"{detail.fields['name']}，{detail.age}岁", f"{detail.fields['name']}, {detail.age}")
    if cats:
        heading += f"（{cats}）"
    return VisitContext(heading, api.read(actor_name), guardian.name if guardian else None,
                        guardian.relation if guardian else None)


def propose_next_visit(api: Any, child_id: str, day: dt.date) -> tuple[dt.date, int]:
    """The next visit date proposed after a visit on ``day`` and the interval in days."""
    proposal: dt.date = api.propose_next_visit(child_id, day)
    return proposal, (proposal - day).days


def record_visit(api: Any, child_id: str, values: dict[str, Any], files: list[Path]) -> str:
    """Record a visit; returns its id. Attachments are stored when the register can store
    them.

    Raises:
        ValidationError: a bad field; nothing was written.
        CarebookError: the file is closed, or an attachment could not be stored.
    """
    for path in files:  # refuse unreadable or oversized files before anything is written
        check_attachment(path)
    result = api.record_visit(child_id, values)
    visit_id = str(result.record_id)
    for path in files:
        add_attachment(api, child_id, "visit", visit_id, path)
    return visit_id


def check_attachment(path: Path) -> None:
    """Raise CarebookError when ``path`` cannot be attached (missing, unreadable, > 50 MB)."""
    from carebook.model.attachment_store import MAX_ATTACHMENT_BYTES
    from carebook.model.errors import CarebookError

    try:
        size = path.stat().st_size
    except OSError:
        raise CarebookError(f"找不到文件 {path.name}，请重新选择", f"cannot find {path.name}") from None
    if size > MAX_ATTACHMENT_BYTES:
        raise CarebookError(f"文件 {path.name} 太大（{size // 1048576} MB），附件最大50 MB",
                            f"{path.name} is larger than 50 MB")


def add_attachment(api: Any, child_id: str, owner_entity: str, owner_id: str, path: Path) -> str:
    """Store ``path`` (photo or scan) as an attachment of a record of the child; returns its id."""
    from carebook.model.attachment_store import add_attachment as add

    result = api.write(add, api.attachments_dir(), path, owner_entity=owner_entity, owner_id=owner_id,
                       child_id=child_id)
    return str(result.record_id)


def record_entrustment_signatures(api: Any, ref: str, signed_on: Any, signatories: list[str],
                                  scan: Path | None) -> Any:
    """Record a printed confirmation signed (date, who signed) with the scan of the signed paper
    (sealed, attached to the confirmation and the child); returns the
    :class:`~carebook.model.services.entrustment_scans.SignedEntrustment`.

    Raises:
        ValidationError: no date, a future date, nobody signed (nothing written).
        CarebookError: not printed yet, cancelled or renewed, or a scan that is not a readable
            PDF/JPG/PNG of at most 50 MB (nothing written).
    """
    from carebook.model.services.entrustment_scans import record_signatures

    return api.write(record_signatures, api.attachments_dir(), ref, signed_on=signed_on,
                     signatories=signatories, scan=scan, today=api.today())


def attachment_copy(api: Any, attachment_id: str, folder: Path) -> Path:
    """Decrypt the attachment ``attachment_id`` into ``folder`` (a private temporary folder)
    under its original file name (made safe; a numbered folder keeps two equal names apart) and
    return the path.

    Raises:
        NotFoundError / AttachmentDamaged: no such attachment, its file is missing or damaged.
    """
    import re

    from carebook.model.attachment_store import read_attachment

    content = api.read(read_attachment, api.attachments_dir(), attachment_id)
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", content.filename).strip(" .") or "attachment"
    target_dir = folder / attachment_id[:8]
    target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = target_dir / name
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content.data)
    return target


def due_visits(api: Any) -> list[Any]:
    """Children whose visit is overdue or due this week (``DueVisit`` rows)."""
    return list(api.due_visits())


# -- settings -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SettingsView:
    """The settings page's content: the organisation as one text and the register settings."""

    organisation_text: str
    settings: Any


def settings_view(api: Any) -> SettingsView:
    """Organisation and register settings."""
    from carebook.model.i18n import msg

    inst = api.installation()
    if inst is None:
        text = msg("尚未设置", "not set up yet")
    else:
        text = msg(f"{inst.role.label}：{inst.org_name}（代码 {inst.org_code}）",
                   f"{inst.role.label}: {inst.org_name} (code {inst.org_code})")
    return SettingsView(text, api.settings())


def save_settings(api: Any, values: dict[str, Any]) -> None:
    """Change the visit settings named in ``values`` (RegisterSettings field names)."""
    import dataclasses

    current = api.settings()
    api.save_settings(dataclasses.replace(current, **values))


# -- lists of the other pages ---------------------------------------------------------------
def village_names(api: Any, child_ids: Iterable[str]) -> dict[str, str]:
    """On a township, whose lists hold the children of every village: ``{child id: village
    name}`` of ``child_ids``, for the lists to show beside each name. On a village (one village:
    nothing to tell apart), ``{}``."""
    from carebook.model.queries.children import village_names as query

    inst = api.installation()
    if inst is None or inst.role.code == "village":
        return {}
    ids = {str(i) for i in child_ids}
    return dict(api.read(query, ids)) if ids else {}


def entrustment_overview(api: Any) -> Any:
    """Left-behind children with no signed confirmation in force, and confirmations expiring
    or expired (``EntrustmentOverview`` of the model)."""
    return api.entrustment_overview()


def open_reports(api: Any) -> list[Any]:
    """Open mandatory reports and referrals."""
    from carebook.model.queries.ui_child import open_reports as query

    return list(api.read(query))


# -- first run ----------------------------------------------------------------------------------
def initialise(api: Any, role: str, org_code: str, org_name: str, parent_code: str | None,
               parent_name: str | None, actor: str) -> None:
    """Set up this installation (role, organisation, parent, the actor's name).

    Raises:
        ValidationError: a bad division code or a missing name.
        CarebookError: already set up.
    """
    api.initialise(role=role, org_code=org_code, org_name=org_name, parent_code=parent_code,
                   parent_name=parent_name, actor=actor)


def read_ledger(path: Path, override: dict[int, str | None] | None) -> Any:
    """Read a ledger file (``LedgerTable``) with an optional column mapping override.

    Raises:
        LedgerFileError, LedgerMappingError: the file or the mapping is unusable.
    """
    from carebook.documents.ledger_reader import read_ledger as read

    return read(path, mapping_override=override)


def ledger_field_labels() -> dict[str, str]:
    """Ledger field → label in the current language (Chinese labels; field names in English)."""
    from carebook.documents.ledger_columns import FIELD_LABELS_ZH, FIELDS
    from carebook.model.i18n import current_language

    if current_language() == "zh":
        return {f: FIELD_LABELS_ZH.get(f, f) for f in FIELDS}
    return {f: f for f in FIELDS}


def import_ledger_table(api: Any, table: Any, dry_run: bool, t: TaskContext) -> Any:
    """Check (``dry_run``) or import the good rows of ``table`` (``LedgerImportResult``).
    Cancelling stops the import before anything is written (raises TaskCancelled)."""
    from carebook.documents.ledger_import import import_table

    def progress(done: int, total: int) -> None:
        t.check()
        t.progress(done, total)

    return import_table(api, table, skip_bad=True, dry_run=dry_run, progress=progress)


# -- forms ----------------------------------------------------------------------------------------
def render_form(api: Any, kind: str, child_id: str) -> bytes:
    """The PDF of one child's form (``entrustment``, ``visit_sheet`` or ``child_file``).

    Raises:
        NotFoundError: no confirmation to print; FontError, MissingGlyphError: no usable font
            or a character no font has (the message names it).
    """
    from carebook.documents.from_model import render_form as render

    return render(api, kind, child_id)


def save_form(api: Any, kind: str, child_id: str, path: Path) -> Path:
    """Render one child's form and write it to ``path`` atomically; a printed entrustment
    confirmation is marked *printed*. Returns the path written."""
    from carebook.documents.pdf_base import write_pdf

    pdf = render_form(api, kind, child_id)
    out = Path(write_pdf(path, pdf))
    if kind == "entrustment":
        mark_entrustment_printed(api, child_id)
    return out


def draft_entrustment(api: Any, child_id: str, *, replace: bool = False) -> None:
    """Draft a confirmation for the child from its file as it is now (guardian, parents, the
    reason their situation gives, one year from today); with ``replace``, replacing the child's
    latest one, which becomes *renewed* (:func:`carebook.model.services.entrustments.replace_entrustment`).

    Raises:
        ValidationError: no entrusted guardian recorded, or the parents' situation gives no
            reason for an entrustment; nothing drafted.
    """
    from carebook.model.services.entrustments import replace_entrustment

    if replace:
        api.write(replace_entrustment, child_id, today=api.today())
    else:
        api.draft_entrustment(child_id)


def mark_entrustment_printed(api: Any, child_id: str) -> None:
    """Mark the child's latest drafted confirmation as printed (lifecycle, issue 4)."""
    from carebook.documents.from_model import latest_entrustment
    from carebook.model.enums import EntrustmentStatus
    from carebook.model.services.entrustments import mark_printed

    latest = api.read(lambda s: _latest_entrustment_ref(s, child_id, latest_entrustment))
    if latest is not None and latest[1] == EntrustmentStatus.DRAFTED.code:
        api.write(mark_printed, latest[0])


def _latest_entrustment_ref(session: Any, child_id: str, latest: Any) -> tuple[str, str] | None:
    e = latest(session, child_id)
    return None if e is None else (str(e.document_no), str(e.status.code))


def _batch_file(folder: Path, name: str, child_id: str, kind: str) -> Path:
    """``<name>-<id tail>-<kind>.pdf`` in ``folder``, never a file already there: the tail is the
    random end of the record id (record ids are UUIDv7, whose first characters are a timestamp
    shared by children registered together: QA found two children of one name printed to one
    file, the message saying two), and a number is added should even that name be taken."""
    base = f"{name}-{child_id.replace('-', '')[-8:]}-{kind}"
    path = folder / f"{base}.pdf"
    n = 2
    while path.exists():
        path = folder / f"{base}-{n}.pdf"
        n += 1
    return path


def batch_forms(api: Any, kind: str, ids: list[str], folder: Path, t: TaskContext) -> tuple[int, list[str]]:
    """Write form ``kind`` for each child of ``ids`` into ``folder``, one file per child
    (:func:`_batch_file`; an existing file is never overwritten).
    Returns (files written, one line per child skipped with the reason). Raises TaskCancelled
    (files already written stay)."""
    from carebook.model.errors import CarebookError

    folder.mkdir(parents=True, exist_ok=True)
    written, skipped = 0, []
    rows = {r.id: r for r in api.child_rows(ids)}
    for i, child_id in enumerate(ids):
        t.check()
        t.progress(i, len(ids))
        row = rows.get(child_id)
        name = row.name if row else child_id
        try:
            save_form(api, kind, child_id, _batch_file(folder, name, child_id, kind))
            written += 1
        except CarebookError as exc:
            skipped.append(f"{name}：{exc.message}")
    t.progress(len(ids), len(ids))
    return written, skipped

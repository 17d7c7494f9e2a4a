"""The sync page's calls into the sync layer, in one place (the sync counterpart of
:mod:`carebook.ui.backend`).

Every function taking ``api`` runs ON THE WORKER THREAD (inside a task): it opens nothing
itself, it uses the register the app opened, wrapped in a :class:`~carebook.sync.exchange.SyncSite`
(:func:`site_of`). Results come back as plain frozen dataclasses whose texts are already in the
current language (Chinese by default, via :func:`carebook.model.i18n.msg`), so the widgets only
place them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carebook.model.errors import CarebookError
from carebook.model.i18n import current_language, msg
from carebook.ui.tasks import TaskContext

#: File name ending of a bundle (and of each ``.partNNN.cbk`` part), see ``docs/bundle-format.md``.
BUNDLE_EXTENSION = ".cbk"


class SyncUnavailableError(CarebookError):
    """This window's register was opened without its key store (e.g. a screenshot), so it
    cannot sign, seal or open bundles (同步不可用)."""

    def __init__(self) -> None:
        super().__init__(
            "这个窗口打开名册时没有带上同步密钥，无法导出或导入同步包。请关闭后用桌面程序重新打开。",
            "This window opened the register without its sync keys, so it cannot export or import "
            "bundles. Close it and open Carebook again.",
        )


class NoBundleFilesError(CarebookError):
    """No ``.cbk`` file among what was dropped or chosen (没有同步包)."""

    def __init__(self) -> None:
        super().__init__(
            "没有找到同步包文件（.cbk）。请把 U 盘上以 .cbk 结尾的文件拖到这里，或点“选择文件”。",
            "No bundle file (.cbk) found. Drop the files ending in .cbk from the USB stick here, "
            "or press 'Choose files'.",
        )


def attach_database(register: Any, db: Any) -> None:
    """Remember the open :class:`carebook.model.db.Database` of ``register`` so the sync page can
    build a :class:`SyncSite` over it (keys, backups, attachments). Called where the app opens
    the register (:func:`carebook.ui.backend.open_register`)."""
    register.database = db


def site_of(api: Any) -> Any:
    """The :class:`carebook.sync.exchange.SyncSite` of the app's register ``api``.

    Raises:
        SyncUnavailableError: the register was opened without its database object.
    """
    from carebook.sync.exchange import SyncSite

    db = getattr(api, "database", None)
    if db is None:
        raise SyncUnavailableError()
    return SyncSite(db, api)


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class PeerLine:
    """One peer on the status panel: its name and code, changes it has not received, and when
    a bundle last went to it / came from it (local time text, or "" when never)."""

    name: str
    code: str
    unacknowledged: int
    last_export: str
    last_import: str


@dataclass(frozen=True)
class SyncOverview:
    """What the sync page's status panel shows: this installation's role (``village`` or
    ``township``), changes made here not yet received by the township (issue 5 item 8), the
    peers, open conflicts, records waiting for missing changes (not those held for the
    duplicate review: :mod:`carebook.sync.held_records`) and the remembered relay URL ("" when
    none)."""

    role: str
    unsent: int
    peers: list[PeerLine]
    open_conflicts: int
    parked: int
    relay_url: str


def _local(stamp: dt.datetime | None) -> str:
    if stamp is None:
        return ""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


def load_overview(api: Any) -> SyncOverview:
    """Read the sync status of ``api`` (unsent count, peers, conflicts, relay)."""
    from carebook.model import settings as settings_store
    from carebook.model.queries.sync_status import sync_status, unsent_change_count

    inst = api.installation()
    if inst is None:
        return SyncOverview("village", 0, [], 0, 0, "")

    def read(session: Any) -> tuple[int, Any, Any, int]:
        from carebook.sync.held_records import held_records

        relay = settings_store.get_value(session, "sync.relay", {}) or {}
        status = sync_status(session)
        # files held for the duplicate review (and their records) are not waiting for changes
        waiting = held_records(session, set(), township=True).waiting if status.parked_records else 0
        return unsent_change_count(session), status, relay, waiting

    unsent, status, relay, waiting = api.read(read)
    peers = [PeerLine(p.name, p.code, p.unacknowledged, _local(p.last_export_at), _local(p.last_import_at))
             for p in status.peers]
    url = str(relay.get("url") or "") if isinstance(relay, dict) else ""
    return SyncOverview(inst.role.code, unsent, peers, status.open_conflicts, waiting, url)


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class DriveChoice:
    """A place to export to: the folder and the text shown for it (label and path)."""

    path: Path
    text: str


def removable_drives() -> list[DriveChoice]:
    """The removable drives (U 盘) mounted now (:func:`carebook.sync.atomic_files.find_removable_drives`)."""
    from carebook.sync.atomic_files import find_removable_drives

    out = []
    for d in find_removable_drives():
        label = d.label or str(d.path)
        out.append(DriveChoice(d.path, label if label == str(d.path) else f"{label}  ({d.path})"))
    return out


@dataclass(frozen=True)
class ExportLine:
    """One bundle written and verified: for whom, how many changes and attachments, its files
    (names) and size in bytes."""

    peer: str
    changes: int
    attachments: int
    files: list[str]
    size: int

    def text(self) -> str:
        """One line for the result list."""
        files = "、".join(self.files) if current_language() == "zh" else ", ".join(self.files)
        return msg(f"发给 {self.peer}：{self.changes} 条变更，{self.attachments} 个附件，{_size(self.size)}（{files}）",
                   f"For {self.peer}: {self.changes} changes, {self.attachments} attachments, "
                   f"{_size(self.size)} ({files})")


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(1, n // 1024)} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def export_to(api: Any, folder: Path, t: TaskContext) -> list[ExportLine]:
    """Write a bundle for each peer into ``folder`` (the USB stick) with
    :func:`carebook.sync.exchange.export_bundles`: free space checked first, temporary name,
    fsync, rename, read back and compared — so when this returns, the stick can be removed.

    Raises:
        CarebookError: the folder is missing; NoPeerError, InsufficientSpaceError,
            WriteFailedError, ReadBackFailedError (nothing left under a final name; the next
            export carries the same changes); SyncUnavailableError.
    """
    from carebook.sync.exchange import export_bundles

    if not folder.is_dir():
        raise CarebookError(f"找不到“{folder}”：请插好 U 盘，点“刷新”，或选择一个已有的文件夹。",
                            f"'{folder}' is not there: plug in the USB stick, press Refresh, or choose a folder.")
    site = site_of(api)
    t.progress(0, 0, msg("正在写入并校验同步包……", "Writing and verifying the bundles..."))
    results = export_bundles(site, folder)
    t.progress(1, 1)
    return [ExportLine(f"{r.peer_name}（{r.peer_code}）", r.changes, r.attachments, [p.name for p in r.paths], r.size)
            for r in results]


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportLine:
    """The result of one bundle (a file, or a split bundle's parts): ``status`` is ``imported``,
    ``already`` (imported before: nothing changed), ``skipped`` (addressed to another PC, in a
    folder or several files where this PC's own bundles were imported: not an error, nothing
    changed; ``text`` says whose it is) or ``refused`` (nothing changed; ``text`` says why and
    what to do); ``text`` the whole line in the current language; ``notes`` further lines (gaps
    in the sender's sequence, records waiting, a PC clock ahead)."""

    files: str
    status: str
    text: str
    notes: list[str]


def bundle_files_in(paths: Sequence[Path]) -> list[Path]:
    """The bundle files among ``paths``: ``.cbk`` files as given, and those directly inside
    (or one folder below) each folder given (a drive's root), sorted by name."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(path.glob(f"*{BUNDLE_EXTENSION}")) + sorted(path.glob(f"*/*{BUNDLE_EXTENSION}"))
            found.extend(p for p in inside if p.is_file())
        elif path.suffix.lower() == BUNDLE_EXTENSION and path.is_file():
            found.append(path)
    return list(dict.fromkeys(found))


def import_files(api: Any, paths: Sequence[Path], t: TaskContext, *, backup: bool = True) -> list[ImportLine]:
    """Import the bundles among ``paths`` (see :func:`bundle_files_in`; a split bundle's parts are
    grouped) one by one, each verified and applied in its own savepoint of one transaction, after
    one backup (:func:`carebook.sync.bundle_import.import_groups`). A refused bundle changes
    nothing and does not stop the others: it gets its own ``refused`` line with its message.

    Bundles addressed to another PC (the township's stick holds one per village) are treated as
    ``bundle import FOLDER`` treats them: when this PC imported (or had imported) at least one
    of the bundles, they are ``skipped`` with the sync layer's note naming whom they are for
    (:func:`_skipped_lines`); when none was for this PC, they are ``refused`` (the wrong stick).

    Raises:
        NoBundleFilesError: no bundle file among ``paths``; SyncUnavailableError;
        TaskCancelled: between two bundles; the bundles are applied in one transaction, so
            nothing of this import is kept (the panel says so).
    """
    from carebook.sync.bundle_files import group_bundle_paths
    from carebook.sync.bundle_import import import_groups
    from carebook.sync.errors import WrongRecipientError

    files = bundle_files_in(paths)
    if not files:
        raise NoBundleFilesError()
    site = site_of(api)
    groups = group_bundle_paths(files)

    def before(i: int, group: Sequence[Path]) -> None:
        t.check()
        names = "、".join(p.name for p in group)
        t.progress(i, len(groups), msg(f"正在导入 {names}……", f"Importing {names}..."))

    lines: list[ImportLine] = []
    mine: list[list[Path]] = []  # imported now or before: the bundles that were for this PC
    elsewhere: dict[int, list[Path]] = {}  # line index -> a bundle addressed to another PC
    for group, item in zip(groups, import_groups(site, groups, backup=backup, before=before), strict=True):
        names = "、".join(p.name for p in group)
        if isinstance(item, CarebookError):
            if isinstance(item, WrongRecipientError):
                elsewhere[len(lines)] = list(group)
            lines.append(ImportLine(names, "refused", msg(f"未导入：{item.message}", f"Refused: {item.message}"), []))
            continue
        mine.append(list(group))
        lines.append(_import_line(names, item))
    if elsewhere and mine:
        for index, line in zip(elsewhere, _skipped_lines(site, mine, list(elsewhere.values())), strict=True):
            lines[index] = line if line is not None else lines[index]
    t.progress(len(groups), len(groups))
    return lines


def _skipped_lines(site: Any, mine: list[list[Path]], elsewhere: list[list[Path]]) -> list[ImportLine | None]:
    """The ``skipped`` line of each bundle of ``elsewhere`` (refused as addressed to another PC)
    in the words of ``bundle import FOLDER`` (:func:`carebook.sync.exchange.skipped_bundle`).
    ``mine`` (the bundles that were for this PC) is not needed to word them; it is kept for the
    caller's rule (skipped only when some bundle was for this PC)."""
    from carebook.sync.exchange import skipped_bundle

    out: list[ImportLine | None] = []
    for group in elsewhere:
        note = skipped_bundle(site, group)
        out.append(ImportLine("、".join(p.name for p in group), "skipped", msg(note.message_zh, note.message_en), []))
    return out


def _import_line(names: str, r: Any) -> ImportLine:
    who = f"{r.sender_name}（{r.sender_code}）"
    if r.already_imported:
        return ImportLine(names, "already", msg(f"{who} 的这个同步包以前已经导入过，这次没有改动任何数据。",
                                                f"This bundle from {who} was imported before; nothing changed."), [])
    m = r.merge
    text = msg(f"已导入 {who} 的 {m.applied} 条变更（新增 {m.inserted}、修改 {m.updated} 条记录，冲突 {m.conflicts} 个）。",
               f"Imported {m.applied} changes from {who} ({m.inserted} records added, {m.updated} changed, "
               f"{m.conflicts} conflicts).")
    notes = []
    if getattr(r, "restore", False):
        notes.append(msg(f"这是乡镇发来的恢复包：本机现在有 {r.restored_children} 名儿童的档案（含以前的修改记录）。",
                         f"This is the township's restore bundle: this PC now holds {r.restored_children} children's "
                         "files (with their earlier history)."))
    notes.extend(_own_repair_notes(r))
    if r.gaps:
        gaps = ", ".join(f"{a}-{b}" for a, b in r.gaps)
        notes.append(msg(f"对方还有较早的同步包没有导入（缺少第 {gaps} 条），请找到并导入，或请对方重新导出。",
                         f"Earlier bundles from this sender are missing ({gaps}); import them or ask for a new export."))
    from carebook.sync.held_records import held_notes

    notes.extend(held_notes(getattr(r, "held", None)))
    if m.clock_ahead_ms:
        days = m.clock_ahead_ms // 86_400_000
        notes.append(msg(f"对方电脑的时钟比本机快约 {days} 天，请让对方校准电脑时间。",
                         f"The sender's PC clock is about {days} days ahead; ask them to set the time right."))
    return ImportLine(names, "imported", text, notes)


def _own_repair_notes(r: Any) -> list[str]:
    """What a village learnt about its own changes after a restore from an older backup
    (:class:`carebook.sync.restore.OwnRepair`)."""
    o = getattr(r, "own", None)
    notes = []
    if o is not None and (o.recovered or o.renumbered):
        notes.append(msg(f"本机曾从较早的备份恢复：已从乡镇找回丢失的 {o.recovered} 条变更，恢复后新做的 {o.renumbered} 条变更"
                         "已重新编号，请导出同步包交给乡镇。",
                         f"This PC was restored from an older backup: {o.recovered} lost changes came back from the "
                         f"township and {o.renumbered} changes made since were renumbered; export a bundle for the "
                         "township."))
    if o is not None and o.behind:
        notes.append(msg(f"本机可能从较早的备份恢复过，乡镇至少有本机的 {o.missing} 条变更而本机没有。请导出同步包交给乡镇，"
                         "乡镇的下一个回传包会把它们送回本机；在此之前不会丢失或覆盖任何数据。",
                         f"This PC was probably restored from an older backup; the township holds at least {o.missing} "
                         "of its changes that it lacks. Export a bundle for the township; its next bundle brings them "
                         "back. Nothing is lost or overwritten meanwhile."))
    return notes


# --------------------------------------------------------------------------- conflicts


@dataclass(frozen=True)
class ConflictLine:
    """One open conflict for the conflicts screen: id, kind (``concurrent_edit``,
    ``edit_on_closed``, ``duplicate_key``) and its label, the child's name, the field's label,
    both values as text with who made them, and which one the merge kept (``a``/``b``)."""

    id: str
    kind: str
    kind_label: str
    child: str
    field: str
    a_text: str
    a_actor: str
    b_text: str
    b_actor: str
    winner: str

    @property
    def decidable(self) -> bool:
        """Whether A / B / a new value may be chosen (only a same-field edit; others: keep current)."""
        return self.kind == "concurrent_edit"


def _kind_label(kind: str) -> str:
    return {"concurrent_edit": msg("两边同时修改", "edited on both sides"),
            "edit_on_closed": msg("结案后另一方仍在修改", "edited while closed elsewhere"),
            "duplicate_key": msg("身份证号等重复登记", "same ID number registered twice")}.get(kind, kind)


def _value_text(field: str | None, value: Any) -> str:
    if value is None or value == "":
        return msg("（空）", "(empty)")
    if isinstance(value, bool):
        return msg("是", "yes") if value else msg("否", "no")
    if field:
        from carebook.model.child_fields import CHILD_FIELDS

        spec = CHILD_FIELDS.get(field)
        if spec is not None and spec.enum is not None and isinstance(value, str):
            try:
                return str(spec.enum.parse(value).label)
            except (ValueError, KeyError, CarebookError):
                pass
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _child_name(session: Any, entity: str, record_id: str) -> str:
    from carebook.model.schema import TRACKED, Child

    cls = TRACKED.get(entity)
    obj = session.get(cls, record_id) if cls is not None else None
    if obj is not None and not isinstance(obj, Child):
        child_id = getattr(obj, "child_id", None)
        obj = session.get(Child, child_id) if child_id else None
    return str(getattr(obj, "name", "") or "") if obj is not None else "-"


def load_conflicts(api: Any) -> list[ConflictLine]:
    """The open conflicts (:func:`carebook.sync.conflicts.list_conflicts`), oldest first."""
    from carebook.model.child_fields import field_label
    from carebook.sync.conflicts import duplicate_summary_text, list_conflicts

    zh = current_language() == "zh"

    def read(session: Any) -> list[ConflictLine]:
        out = []
        for c in list_conflicts(session, status="open"):
            label = field_label(c.field, zh) if c.field else ""
            if c.a_summary is not None and c.b_summary is not None:  # a duplicate: both files readably
                name = c.a_summary.get("name") or c.b_summary.get("name") or "-"
                out.append(ConflictLine(c.id, c.kind, _kind_label(c.kind), str(name), label,
                                        duplicate_summary_text(c.a_summary), c.a_actor,
                                        duplicate_summary_text(c.b_summary), c.b_actor, c.winner))
                continue
            out.append(ConflictLine(c.id, c.kind, _kind_label(c.kind), _child_name(session, c.entity, c.record_id),
                                    label, _value_text(c.field, c.a_value), c.a_actor,
                                    _value_text(c.field, c.b_value), c.b_actor, c.winner))
        return out

    result: list[ConflictLine] = api.read(read)
    return result


def resolve(api: Any, conflict_id: str, keep: str, value: Any = None, note: str | None = None) -> None:
    """Decide a conflict (:func:`carebook.sync.conflicts.resolve_conflict`) in one recorded
    transaction: ``keep`` is ``a``, ``b``, ``value`` (with ``value``) or ``current``. The
    decision travels to the village in the next return bundle.

    Raises:
        CarebookError: already resolved, not found, or a choice that does not fit the conflict.
    """
    from carebook.model.installation import ACTOR_KEY
    from carebook.model.settings import get_value
    from carebook.sync.conflicts import resolve_conflict

    with api.writing() as session:
        actor = str(get_value(session, ACTOR_KEY) or "")
        resolve_conflict(session, conflict_id, keep=keep, actor=actor, value=value, note=note or None)


# --------------------------------------------------------------------------- relay


def _bytes_progress(t: TaskContext, label: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        t.check()
        t.progress(done // 1024, total // 1024, label)
    return report


def _retry_notice(t: TaskContext) -> Callable[[int, int, str, float], None]:
    """Shows each retry of an unreachable relay in the task's progress line (a Cancel pressed
    meanwhile is honoured before the next wait)."""
    def report(failures: int, attempts: int, reason: str, delay: float) -> None:
        t.check()
        t.progress(0, 0, msg(f"连不上中转站（{reason}），{delay:.0f} 秒后再试（第 {failures + 1} 次，最多 {attempts} 次）……",
                             f"Cannot reach the relay ({reason}); trying again in {delay:.0f} s "
                             f"(try {failures + 1} of {attempts})..."))
    return report


def relay_push(api: Any, t: TaskContext) -> list[str]:
    """Upload every change the peers have not acknowledged through the remembered relay
    (:func:`carebook.sync.relay_exchange.push_via_relay`); returns one line per bundle.

    Raises:
        RelayNotConfiguredError, RelayError subclasses (unreachable, refused: what was
        uploaded stays there and the next push continues), NoPeerError, TaskCancelled.
    """
    from carebook.sync.relay_exchange import push_via_relay, resolve_relay

    site = site_of(api)
    settings = resolve_relay(site)
    report = push_via_relay(site, settings, progress=_bytes_progress(t, msg("正在上传……", "Uploading...")),
                            on_retry=_retry_notice(t))
    lines = []
    if report.published_keys:
        n = report.published_keys.get("villages", 0)
        lines.append(msg(f"已向中转站发布登记名单：{n} 个村", f"Published the key list to the relay: {n} villages"))
    for item in report.bundles:
        name = Path(item["files"][0]).name
        again = "" if item["status"] == "stored" else msg("（中转站已有，未重传）", " (already at the relay)")
        lines.append(msg(f"已上传 {name}（{_size(int(item['size']))}）{again}",
                         f"Uploaded {name} ({_size(int(item['size']))}){again}"))
    if not report.bundles:
        lines.append(msg("没有要上传的同步包。", "Nothing to upload."))
    return lines


def relay_pull(api: Any, t: TaskContext) -> list[ImportLine]:
    """Download what waits at the relay for this PC and import it as if it came by USB stick
    (:func:`carebook.sync.relay_exchange.pull_via_relay`); one line per bundle.

    Raises:
        RelayNotConfiguredError, RelayError subclasses, TaskCancelled.
    """
    from carebook.sync.relay_exchange import pull_via_relay, resolve_relay

    site = site_of(api)
    settings = resolve_relay(site)
    report = pull_via_relay(site, settings, progress=_bytes_progress(t, msg("正在下载……", "Downloading...")),
                            on_retry=_retry_notice(t))
    lines = []
    for item in report.imported:
        name = Path(str(item.get("file", ""))).name
        who = str(item.get("sender_code", ""))
        if item.get("already_imported"):
            lines.append(ImportLine(name, "already", msg(f"{who}：以前已导入，没有改动。",
                                                         f"{who}: imported before, nothing changed."), []))
        else:
            lines.append(ImportLine(name, "imported",
                                    msg(f"{who}：已导入 {item.get('applied', 0)} 条变更，冲突 {item.get('conflicts', 0)} 个。",
                                        f"{who}: imported {item.get('applied', 0)} changes, "
                                        f"{item.get('conflicts', 0)} conflicts."), []))
    for item in report.refused:
        name = Path(item["file"]).name
        lines.append(ImportLine(name, "refused", msg(f"未导入：{item['error']}", f"Refused: {item['error']}"), []))
    return lines


def save_relay_url(api: Any, url: str, cert: Path | None = None) -> None:
    """Remember ``url`` as the relay (local setting ``sync.relay``), with the relay's certificate
    file ``cert`` (PEM, given at enrolment) pinned when given; an earlier pinned certificate stays
    otherwise.

    Raises:
        CarebookError: the address does not start with http:// or https://; the certificate
            cannot be read or is not a PEM certificate; a certificate is pinned and the address
            is not https://.
    """
    from carebook.sync.relay_exchange import resolve_relay

    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        raise CarebookError("中转站地址应以 https:// 开头，例如 https://192.168.1.10:8765",
                            "The relay address starts with https://, e.g. https://192.168.1.10:8765")
    pem: bytes | None = None
    if cert is not None:
        try:
            pem = cert.read_bytes()
        except OSError as exc:
            raise CarebookError(f"读不了证书文件 {cert}：{exc}", f"cannot read {cert}: {exc}") from None
        if b"-----BEGIN CERTIFICATE-----" not in pem:
            raise CarebookError("这个文件不是中转站证书（应是 PEM 格式，以 -----BEGIN CERTIFICATE----- 开头）",
                                "this file is not the relay certificate (PEM, starting -----BEGIN CERTIFICATE-----)")
    resolve_relay(site_of(api), url, pem)

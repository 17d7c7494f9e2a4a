"""Push and pull through the inbox relay for one register: what ``carebook push``/``pull`` and
the desktop's "upload"/"download" buttons do (no Qt here: the app runs these on its worker
thread and passes a ``progress`` callback).

* :func:`push_via_relay` — a township first publishes its signed list of enrolled village keys;
  then every bundle is exported as for a USB stick (every change the peer has not acknowledged)
  into ``<data dir>/outbox/relay`` and uploaded (or the bundle files given are uploaded).
* :func:`pull_via_relay` — downloads what waits for this installation into ``<data dir>/inbox``
  and imports it exactly as bundles from a stick (one backup of a SQLCipher register first).

The relay URL and its pinned certificate are kept as a local setting (:data:`RELAY_SETTING`)
once given, so later calls need neither.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carebook.model import settings as settings_store
from carebook.model.db import Database, backup_database, default_backup_name
from carebook.model.enums import Role
from carebook.model.errors import CarebookError
from carebook.sync.errors import BundleError
from carebook.sync.exchange import SyncSite, export_bundles, import_bundles
from carebook.sync.peer_store import known_peers
from carebook.sync.relay_auth import sign_enrolled_keys
from carebook.sync.relay_client import DEFAULT_CHUNK, Progress, PulledBundle, RelayClient, RetryNotice

RELAY_SETTING = "sync.relay"
"""Local (never synced) setting: ``{"url": str, "cert_pem": str | None}``."""


class RelayNotConfiguredError(CarebookError):
    """No relay URL was given and none is remembered."""

    def __init__(self) -> None:
        super().__init__(
            "还没有设置中转站地址：请给出地址，如 https://192.168.1.10:8765（乡镇督导员会告诉您）。",
            "No relay is set up: give its address, e.g. https://192.168.1.10:8765 (the township "
            "supervisor has it).",
        )


class PinnedRelayNeedsHttpsError(CarebookError):
    """A certificate is pinned for the relay but the URL is plain ``http://``."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"本机为中转站保存了证书，但地址 {url} 不是 https://，为防冒充已停止。请改用 https:// 地址。",
            f"A certificate is pinned for the relay but {url} is not https://; stopped so nobody can "
            "stand in for the relay. Use the https:// address.",
        )


@dataclass(frozen=True)
class RelaySettings:
    """The remembered relay: its base URL and pinned certificate (PEM), if any."""

    url: str
    cert_pem: bytes | None


def load_relay_settings(site: SyncSite) -> RelaySettings | None:
    """The remembered relay, or ``None``."""
    saved: dict[str, Any] = site.register.read(settings_store.get_value, RELAY_SETTING, {}) or {}
    if not saved.get("url"):
        return None
    pem = saved.get("cert_pem")
    return RelaySettings(str(saved["url"]), str(pem).encode("ascii") if pem else None)


def save_relay_settings(site: SyncSite, settings: RelaySettings) -> None:
    """Remember the relay (local setting, in the register's own transaction)."""
    record = {"url": settings.url, "cert_pem": settings.cert_pem.decode("ascii") if settings.cert_pem else None}
    with site.register.sessions() as session, session.begin():
        settings_store.set_value(session, RELAY_SETTING, record)


def resolve_relay(site: SyncSite, url: str | None = None, cert_pem: bytes | None = None) -> RelaySettings:
    """The relay to use: ``url``/``cert_pem`` when given (then remembered), else the remembered
    ones; a remembered certificate stays pinned when only the URL changes.

    Raises:
        RelayNotConfiguredError: no URL given or remembered.
        PinnedRelayNeedsHttpsError: a pinned certificate with an ``http://`` URL.
    """
    saved = load_relay_settings(site)
    chosen = url or (saved.url if saved else None)
    if not chosen:
        raise RelayNotConfiguredError()
    pem = cert_pem or (saved.cert_pem if saved else None)
    if pem is not None and not chosen.lower().startswith("https://"):
        raise PinnedRelayNeedsHttpsError(chosen)
    settings = RelaySettings(chosen, pem)
    if saved != settings:
        save_relay_settings(site, settings)
    return settings


def relay_client(site: SyncSite, settings: RelaySettings, *, progress: Progress | None = None,
                 chunk_size: int = DEFAULT_CHUNK, on_retry: RetryNotice | None = None) -> RelayClient:  # fmt: skip
    """A client for ``settings`` signing as this installation (``progress`` and ``on_retry`` as
    :class:`carebook.sync.relay_client.RelayClient` takes them).

    Raises:
        CarebookError: the pinned certificate is not a PEM certificate.
    """
    try:
        return RelayClient(settings.url, site.keys(), pinned_cert=settings.cert_pem, chunk_size=chunk_size,
                           progress=progress, on_retry=on_retry)  # fmt: skip
    except ValueError:
        raise CarebookError("中转站证书文件不对（应是 PEM 格式的证书）",
                            "the relay certificate is not a PEM certificate") from None  # fmt: skip


@dataclass
class RelayPushReport:
    """What a push did: ``published_keys`` (township: ``{"serial", "villages"}``) and one entry
    per bundle ``{"files", "sha256", "size", "status", "retries"}``."""

    published_keys: dict[str, int] | None = None
    bundles: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the ``carebook push --json`` shape)."""
        return {"published_keys": self.published_keys, "bundles": self.bundles}


def publish_enrolled_keys(site: SyncSite, client: RelayClient) -> dict[str, int]:
    """Township: publish the signed list of its active enrolled villages; returns
    ``{"serial", "villages"}``."""
    inst = site.installation()
    villages = site.register.read(known_peers)
    keys = site.keys()
    serial = client.publish_keys(
        lambda s: sign_enrolled_keys(keys, township_code=inst.org_code, villages=villages, serial=s)
    )
    return {"serial": serial, "villages": sum(p.role == "village" and not p.retired for p in villages)}


def push_via_relay(
    site: SyncSite, settings: RelaySettings, *, files: Sequence[Path] = (), progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK, on_retry: RetryNotice | None = None,
) -> RelayPushReport:
    """Publish (township) and upload (see the module docstring); ``on_retry`` is told of each
    retry of an unreachable relay.

    Raises:
        NoPeerError: nobody to export to; RelayError subclasses: the relay could not be reached
        or refused (what was uploaded stays there; the next push continues).
    """
    report = RelayPushReport()
    with relay_client(site, settings, progress=progress, chunk_size=chunk_size, on_retry=on_retry) as client:
        if site.installation().role is not Role.VILLAGE:
            report.published_keys = publish_enrolled_keys(site, client)
        outbox: Path | None = None
        if files:
            groups = [[Path(f)] for f in files]
        else:
            root = site.db.paths.root if site.db.paths is not None else Path.cwd()
            outbox = root / "outbox" / "relay"
            if outbox.exists():
                shutil.rmtree(outbox)
            outbox.mkdir(parents=True)
            groups = [r.paths for r in export_bundles(site, outbox)]
        for paths in groups:
            result = client.push_file(paths)
            report.bundles.append({"files": [str(p) for p in paths], "sha256": result.sha256, "size": result.size,
                                   "status": result.status, "retries": result.retries})  # fmt: skip
        if outbox is not None:
            shutil.rmtree(outbox, ignore_errors=True)
    return report


@dataclass
class RelayPullReport:
    """What a pull did: the bundles downloaded; per bundle imported, the
    :meth:`carebook.sync.exchange.ImportResult.to_json` dict plus ``"file"``; per bundle refused,
    ``{"file", "error"}`` (the file is kept in ``<inbox>/refused``)."""

    downloaded: list[PulledBundle] = field(default_factory=list)
    imported: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the ``carebook pull --json`` shape)."""
        return {"downloaded": [{"file": str(p.path), "sha256": p.sha256, "size": p.size} for p in self.downloaded],
                "imported": self.imported, "refused": self.refused}  # fmt: skip


def pull_via_relay(
    site: SyncSite, settings: RelaySettings, *, dest: Path | None = None, import_bundles_too: bool = True,
    progress: Progress | None = None, on_retry: RetryNotice | None = None,
) -> RelayPullReport:
    """Download (``on_retry`` told of each retry of an unreachable relay), then import every
    bundle in the inbox folder (those just downloaded and any
    left by an earlier pull that stopped before importing). An imported bundle moves to
    ``<inbox>/imported``, a refused one to ``<inbox>/refused`` (kept: nothing is deleted).

    Raises:
        RelayError subclasses: the relay could not be reached or refused; bundles already
        downloaded stay in the inbox and are imported by the next pull.
    """
    root = site.db.paths.root if site.db.paths is not None else Path.cwd()
    folder = dest or root / "inbox"
    report = RelayPullReport()
    with relay_client(site, settings, progress=progress, on_retry=on_retry) as client:
        report.downloaded = client.pull(folder)
    if not import_bundles_too:
        return report
    waiting = sorted(p for p in folder.glob("*.cbk") if p.is_file())
    if not waiting:
        return report
    if isinstance(site.db, Database):  # one backup before the batch (PostgreSQL: pg_dump's job)
        site.db.paths.backups.mkdir(parents=True, exist_ok=True)
        backup_database(site.db, site.db.paths.backups / f"before-relay-pull-{default_backup_name()}")
    for path in waiting:
        try:
            result = import_bundles(site, [path], backup=False)[0]
        except BundleError as exc:
            report.refused.append({"file": path.name, "error": exc.message})
            _move(path, folder / "refused")
            continue
        report.imported.append({"file": path.name, **result.to_json()})
        _move(path, folder / "imported")
    return report


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        target.unlink()  # the same name is the same bundle (names carry the bundle id)
    path.replace(target)


__all__ = [
    "RELAY_SETTING",
    "PinnedRelayNeedsHttpsError",
    "RelayNotConfiguredError",
    "RelayPullReport",
    "RelayPushReport",
    "RelaySettings",
    "load_relay_settings",
    "publish_enrolled_keys",
    "pull_via_relay",
    "push_via_relay",
    "relay_client",
    "resolve_relay",
    "save_relay_settings",
]

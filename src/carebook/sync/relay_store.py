"""The inbox relay's storage: bundles as opaque files, resumable uploads, quotas.

The relay never holds a key that opens a bundle: it reads only the cleartext header (to check
that the uploader signed it and names the declared recipient) and the Ed25519 signature. Layout
under the store directory::

    anchors.json                     township public keys this relay trusts (hex list)
    keys/<township key id>.json      the latest enrolled-keys envelope of each township
    uploads/<sender key id>/<sha256>.part   bytes received so far
    uploads/<sender key id>/<sha256>.json   {"recipient", "size", "offset", "started_at"}
    mail/<recipient id>/<sha256>.cbk        complete bundles waiting for their addressee
    mail/<recipient id>/<sha256>.json       {"sender", "size", "stored_at"}
    mail/<recipient id>/<sha256>.delivered  marker: fetched and acknowledged (a re-upload is a no-op)

An upload is named by the SHA-256 of the whole bundle, so a retried or duplicated upload of the
same bytes resumes or is recognised as already stored: one copy per recipient. A chunk is
appended only once it has fully arrived; the offset is written (atomically) after the chunk is
fsynced, and on resume the data file is cut back to that offset, so a crash never leaves a
half-chunk behind. The final file is hashed and checked before it is renamed into the mailbox.

All methods are blocking and thread-safe (one lock per store; file work is short). File names
are hex digits and UUIDs only: nothing personal is ever in a path or a log line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carebook.sync.bundle_format import parse_container, signature_valid
from carebook.sync.errors import BundleError
from carebook.sync.relay_auth import EnrolledKeys, KeysListInvalid, RelayMember, verify_enrolled_keys

_SHA = re.compile(r"^[0-9a-f]{64}$")
MIB = 1024 * 1024


@dataclass(frozen=True)
class RelayLimits:
    """Size limits and quotas of a relay (bytes unless said otherwise).

    ``max_bundle``: largest bundle accepted; ``max_chunk``: largest request body;
    ``quota``: bytes one installation may have waiting on the relay (partial uploads plus
    undelivered bundles it sent); ``max_open_uploads``: unfinished uploads per installation.
    """

    max_bundle: int = 256 * MIB
    max_chunk: int = 8 * MIB
    quota: int = 1024 * MIB
    max_open_uploads: int = 16


class StoreRefused(Exception):
    """A store operation refused; ``code`` and HTTP ``status`` go back to the client, and
    ``extra`` (JSON-ready) with them (e.g. the current offset)."""

    def __init__(self, code: str, status: int, **extra: Any) -> None:
        self.code = code
        self.status = status
        self.extra = extra
        super().__init__(code)


@dataclass(frozen=True)
class UploadState:
    """Where an upload stands: ``offset`` bytes of ``size`` received; ``status`` is
    ``receiving``, ``stored`` (complete, waiting for its addressee) or ``delivered``."""

    sha256: str
    size: int
    offset: int
    status: str

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"sha256": self.sha256, "size": self.size, "offset": self.offset, "status": self.status}


@dataclass(frozen=True)
class StoredBundle:
    """A complete bundle waiting in a mailbox: its SHA-256, size, sender key id and when stored."""

    sha256: str
    size: int
    sender: str
    stored_at: str

    def to_json_obj(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"sha256": self.sha256, "size": self.size, "sender": self.sender, "stored_at": self.stored_at}


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_json_atomically(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(json.dumps(obj, sort_keys=True).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_bytes().decode("utf-8"))


def _check_sha(sha256: str) -> str:
    if not _SHA.match(sha256):
        raise StoreRefused("bad_request", 400, detail="sha256 must be 64 lower-case hex digits")
    return sha256


def _check_installation_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise StoreRefused("bad_request", 400, detail="recipient must be an installation id") from None


class RelayStore:
    """The relay's files (中转站存储) under ``root``, with ``limits``.

    Raises :class:`StoreRefused` for every refusal; ``OSError`` only for a failing disk.
    """

    def __init__(self, root: Path, limits: RelayLimits | None = None) -> None:
        self.root = Path(root)
        self.limits = limits or RelayLimits()
        self._lock = threading.RLock()
        self._upload_locks: dict[tuple[str, str], threading.Lock] = {}
        for sub in ("keys", "uploads", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._lists: dict[str, EnrolledKeys] = {}
        self._members: dict[str, RelayMember] = {}
        self._load_lists()

    # -- trust ----------------------------------------------------------------------------
    def anchors(self) -> list[bytes]:
        """Township Ed25519 public keys (raw 32 bytes) this relay trusts."""
        path = self.root / "anchors.json"
        if not path.exists():
            return []
        return [bytes.fromhex(h) for h in _read_json(path)["township_keys"]]

    def add_anchor(self, public_key: bytes) -> None:
        """Trust the township key ``public_key`` (raw 32 bytes) from now on."""
        if len(public_key) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        with self._lock:
            keys = self.anchors()
            if public_key not in keys:
                keys.append(public_key)
                _write_json_atomically(self.root / "anchors.json", {"township_keys": [k.hex() for k in keys]})

    def _load_lists(self) -> None:
        anchors = self.anchors()
        for path in sorted((self.root / "keys").glob("*.json")):
            try:
                listing = verify_enrolled_keys(path.read_bytes(), anchors)
            except KeysListInvalid:
                continue  # an anchor was removed by hand: its list no longer counts
            self._lists[listing.township.key_id] = listing
        self._rebuild_members()

    def _rebuild_members(self) -> None:
        members: dict[str, RelayMember] = {}
        for listing in self._lists.values():
            for member in listing.all_members():
                members.setdefault(member.key_id, member)
        self._members = members

    def members(self) -> dict[str, RelayMember]:
        """Enrolled installations by signing key id (a snapshot)."""
        with self._lock:
            return dict(self._members)

    def township_member(self, public_key: bytes) -> RelayMember | None:
        """The member record of a trusted township key (even before its first list)."""
        from carebook.sync.identity import key_id

        kid = key_id(public_key)
        if public_key not in self.anchors():
            return None
        listing = self._lists.get(kid)
        if listing is not None:
            return listing.township
        return RelayMember("00000000-0000-0000-0000-000000000000", "township", "", public_key, kid)

    def lists(self) -> list[EnrolledKeys]:
        """Every township's current enrolled-keys list."""
        with self._lock:
            return list(self._lists.values())

    def publish_keys(self, envelope: bytes, signer: RelayMember) -> EnrolledKeys:
        """Store a township's new enrolled-keys list.

        Raises:
            StoreRefused: ``keys_invalid`` (400: malformed, untrusted, or not signed by
                ``signer``), ``stale_serial`` (409, with ``serial``: not above the held one).
        """
        try:
            listing = verify_enrolled_keys(envelope, self.anchors())
        except KeysListInvalid as exc:
            raise StoreRefused("keys_invalid", 400, detail=str(exc)) from None
        if listing.township.signing_public_key != signer.signing_public_key:
            raise StoreRefused("keys_invalid", 400, detail="list not signed by the requesting township")
        with self._lock:
            held = self._lists.get(listing.township.key_id)
            if held is not None and listing.serial <= held.serial:
                raise StoreRefused("stale_serial", 409, serial=held.serial)
            _write_json_atomically(self.root / "keys" / f"{listing.township.key_id}.json", json.loads(envelope))
            self._lists[listing.township.key_id] = listing
            self._rebuild_members()
        return listing

    # -- uploads --------------------------------------------------------------------------
    def _upload_paths(self, sender: RelayMember, sha256: str) -> tuple[Path, Path]:
        folder = self.root / "uploads" / sender.key_id
        return folder / f"{sha256}.part", folder / f"{sha256}.json"

    def _mail_paths(self, recipient: str, sha256: str) -> tuple[Path, Path, Path]:
        folder = self.root / "mail" / recipient
        return folder / f"{sha256}.cbk", folder / f"{sha256}.json", folder / f"{sha256}.delivered"

    def _usage(self, sender: RelayMember) -> tuple[int, int]:
        """(bytes waiting from ``sender``, open uploads of ``sender``)."""
        used = 0
        folder = self.root / "uploads" / sender.key_id
        open_uploads = 0
        if folder.exists():
            for meta in folder.glob("*.json"):
                used += int(_read_json(meta)["size"])
                open_uploads += 1
        for meta in (self.root / "mail").glob("*/*.json"):
            info = _read_json(meta)
            if info.get("sender") == sender.key_id and meta.with_suffix(".cbk").exists():
                used += int(info["size"])
        return used, open_uploads

    def begin_upload(self, sender: RelayMember, recipient: str, size: int, sha256: str) -> UploadState:
        """Start, resume or recognise an upload of ``size`` bytes whose SHA-256 is ``sha256``.

        Returns the state: ``stored``/``delivered`` when these bytes are already here for
        ``recipient`` (nothing more to send), else ``receiving`` with the offset to continue from.
        A new upload replaces the sender's unfinished uploads to the same recipient (see
        :meth:`_supersede`).

        Raises:
            StoreRefused: ``bad_request`` (400), ``too_large`` (413), ``quota`` (507),
                ``too_many_uploads`` (429), ``conflict`` (409: same hash, other size or recipient).
        """
        sha256 = _check_sha(sha256)
        recipient = _check_installation_id(recipient)
        if size <= 0:
            raise StoreRefused("bad_request", 400, detail="size must be positive")
        if size > self.limits.max_bundle:
            raise StoreRefused("too_large", 413, limit=self.limits.max_bundle)
        with self._lock:
            bundle, _meta, delivered = self._mail_paths(recipient, sha256)
            if bundle.exists():
                return UploadState(sha256, size, size, "stored")
            if delivered.exists():
                return UploadState(sha256, size, size, "delivered")
            part, meta = self._upload_paths(sender, sha256)
            if meta.exists():
                info = _read_json(meta)
                if info["size"] != size or info["recipient"] != recipient:
                    raise StoreRefused("conflict", 409, detail="an upload with this hash differs in size or recipient")
                return UploadState(sha256, size, int(info["offset"]), "receiving")
            self._supersede(sender, recipient, sha256)
            used, open_uploads = self._usage(sender)
            if open_uploads >= self.limits.max_open_uploads:
                raise StoreRefused("too_many_uploads", 429, limit=self.limits.max_open_uploads)
            if used + size > self.limits.quota:
                raise StoreRefused("quota", 507, used=used, limit=self.limits.quota)
            part.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(b"")
            _write_json_atomically(
                meta, {"recipient": recipient, "size": size, "offset": 0, "started_at": _now_text()}
            )
            return UploadState(sha256, size, 0, "receiving")

    def _supersede(self, sender: RelayMember, recipient: str, keep: str) -> int:
        """Drop ``sender``'s unfinished uploads to ``recipient`` other than ``keep``.

        A new export carries every change the recipient has not acknowledged, so it contains what
        an abandoned, half-uploaded older bundle held: keeping the old part would only eat the
        quota (a village whose link always fails would otherwise run out of upload slots).
        Uploads being written right now are left alone. Returns how many were dropped.
        """
        folder = self.root / "uploads" / sender.key_id
        dropped = 0
        for meta in list(folder.glob("*.json")) if folder.exists() else []:
            other = meta.stem
            if other == keep or _read_json(meta).get("recipient") != recipient:
                continue
            lock = self._upload_locks.setdefault((sender.key_id, other), threading.Lock())
            if not lock.acquire(blocking=False):
                continue
            try:
                meta.unlink(missing_ok=True)
                (folder / f"{other}.part").unlink(missing_ok=True)
                dropped += 1
            finally:
                lock.release()
        return dropped

    def upload_state(self, sender: RelayMember, sha256: str) -> UploadState:
        """The state of ``sender``'s upload ``sha256``.

        Raises:
            StoreRefused: ``not_found`` (404) when there is no such upload (nor stored bundle
                from this sender).
        """
        sha256 = _check_sha(sha256)
        with self._lock:
            _part, meta = self._upload_paths(sender, sha256)
            if meta.exists():
                info = _read_json(meta)
                return UploadState(sha256, int(info["size"]), int(info["offset"]), "receiving")
            for stored in (self.root / "mail").glob(f"*/{sha256}.json"):
                info = _read_json(stored)
                if info.get("sender") == sender.key_id:
                    status = "stored" if stored.with_suffix(".cbk").exists() else "delivered"
                    return UploadState(sha256, int(info["size"]), int(info["size"]), status)
        raise StoreRefused("not_found", 404)

    def append(self, sender: RelayMember, sha256: str, offset: int, chunk: bytes) -> UploadState:
        """Append ``chunk`` at ``offset`` of ``sender``'s upload; finish it when complete.

        Raises:
            StoreRefused: ``not_found`` (404); ``offset_mismatch`` (409, with ``offset``: resume
                from there); ``too_large`` (413: past the declared size); ``hash_mismatch``
                (422: the complete bytes differ from the declared SHA-256 — the upload is
                discarded); ``not_a_bundle`` / ``not_signed_by_sender`` / ``wrong_recipient``
                (422: the complete file is not a bundle of this sender for this recipient —
                discarded).
        """
        sha256 = _check_sha(sha256)
        with self._lock:
            lock = self._upload_locks.setdefault((sender.key_id, sha256), threading.Lock())
        with lock:  # one writer per upload; other uploads proceed in parallel
            part, meta = self._upload_paths(sender, sha256)
            if not meta.exists():
                return self.upload_state(sender, sha256)  # already stored: report it
            info = _read_json(meta)
            size, current = int(info["size"]), int(info["offset"])
            if offset != current:
                raise StoreRefused("offset_mismatch", 409, offset=current)
            if current + len(chunk) > size:
                raise StoreRefused("too_large", 413, detail="chunk runs past the declared size")
            with open(part, "r+b") as handle:
                handle.truncate(current)  # drop whatever an interrupted write left
                handle.seek(current)
                handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            current += len(chunk)
            info["offset"] = current
            _write_json_atomically(meta, info)
            if current < size:
                return UploadState(sha256, size, current, "receiving")
            state = self._finish(sender, sha256, info, part, meta)
        with self._lock:
            self._upload_locks.pop((sender.key_id, sha256), None)
        return state

    def _finish(self, sender: RelayMember, sha256: str, info: dict[str, Any], part: Path, meta: Path) -> UploadState:
        with self._lock:
            return self._finish_locked(sender, sha256, info, part, meta)

    def _finish_locked(
        self, sender: RelayMember, sha256: str, info: dict[str, Any], part: Path, meta: Path
    ) -> UploadState:
        data = part.read_bytes()
        recipient = str(info["recipient"])
        problem = None
        if hashlib.sha256(data).hexdigest() != sha256:
            problem = "hash_mismatch"
        else:
            try:
                raw = parse_container(data)
            except BundleError:
                problem = "not_a_bundle"
            else:
                if raw.header.sender_signing_key_id != sender.key_id or not signature_valid(
                    raw, sender.signing_public_key
                ):
                    problem = "not_signed_by_sender"
                elif raw.header.recipient_installation_id != recipient:
                    problem = "wrong_recipient"
        if problem is not None:
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            raise StoreRefused(problem, 422)
        bundle, mail_meta, delivered = self._mail_paths(recipient, sha256)
        bundle.parent.mkdir(parents=True, exist_ok=True)
        if not bundle.exists() and not delivered.exists():
            _write_json_atomically(
                mail_meta, {"sender": sender.key_id, "size": len(data), "stored_at": _now_text()}
            )
            os.replace(part, bundle)
            _fsync_dir(bundle.parent)
        else:
            part.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        return UploadState(sha256, len(data), len(data), "stored")

    # -- mailboxes ------------------------------------------------------------------------
    def inbox(self, recipient: RelayMember) -> list[StoredBundle]:
        """Complete bundles addressed to ``recipient``, oldest first."""
        folder = self.root / "mail" / recipient.installation_id
        items: list[StoredBundle] = []
        with self._lock:
            for meta in folder.glob("*.json") if folder.exists() else ():
                if meta.with_suffix(".cbk").exists():
                    info = _read_json(meta)
                    items.append(StoredBundle(meta.stem, int(info["size"]), str(info["sender"]), str(info["stored_at"])))
        return sorted(items, key=lambda b: (b.stored_at, b.sha256))

    def bundle_path(self, recipient: RelayMember, sha256: str) -> Path:
        """The file of a bundle addressed to ``recipient``.

        Raises:
            StoreRefused: ``not_found`` (404) — also when the bundle exists but is addressed to
                someone else (nobody learns what others receive).
        """
        bundle, _meta, _delivered = self._mail_paths(recipient.installation_id, _check_sha(sha256))
        if not bundle.exists():
            raise StoreRefused("not_found", 404)
        return bundle

    def acknowledge(self, recipient: RelayMember, sha256: str) -> None:
        """The addressee has the bundle: delete it and leave a ``.delivered`` marker (so a
        re-upload of the same bytes is recognised and not delivered twice).

        Raises:
            StoreRefused: ``not_found`` (404) when there is no such bundle for ``recipient``.
        """
        with self._lock:
            bundle, _meta, delivered = self._mail_paths(recipient.installation_id, _check_sha(sha256))
            if not bundle.exists():
                if delivered.exists():
                    return
                raise StoreRefused("not_found", 404)
            delivered.write_bytes(b"")
            bundle.unlink()
            _fsync_dir(bundle.parent)

    def stored_files(self) -> list[Path]:
        """Every complete bundle file in every mailbox (for tests and operators)."""
        return sorted((self.root / "mail").glob("*/*.cbk"))

    def partial_files(self) -> list[Path]:
        """Every partial upload file."""
        return sorted((self.root / "uploads").glob("*/*.part"))


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def member_ids(members: Iterable[RelayMember]) -> set[str]:
    """Installation ids of ``members``."""
    return {m.installation_id for m in members}


__all__ = [
    "MIB",
    "RelayLimits",
    "RelayStore",
    "StoreRefused",
    "StoredBundle",
    "UploadState",
    "member_ids",
]

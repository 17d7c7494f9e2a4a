"""Bundle files on disk: FAT-safe names, verified atomic export, and reading single or split files.

Export (:func:`write_bundle`): the sealed bundle is checked in memory (structure and signature under
the sender's own key), then written with :func:`carebook.sync.atomic_files.write_files_atomically`
(free-space check, temporary name, fsync, rename, read back and compare) — as one ``.cbk`` file,
or as ``.partNNN.cbk`` parts when it would exceed ``part_size`` (FAT32: 4 GiB − 1).

Import (:func:`read_bundle`): give one file, or any one part (its siblings in the same folder are
found), or an explicit list of parts; the bytes are joined and go through
:func:`carebook.sync.bundle_format.open_bundle`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from carebook.model.errors import os_error_text
from carebook.sync.atomic_files import (
    FAT32_MAX_FILE_SIZE,
    MAX_NAME_LENGTH,
    FreeSpace,
    default_free_space,
    safe_name_component,
    write_files_atomically,
)
from carebook.sync.bundle_format import (
    MAGIC,
    BundleHeader,
    InspectedBundle,
    OpenedBundle,
    SealedBundle,
    inspect_bytes,
    open_bundle,
)
from carebook.sync.bundle_parts import is_part, join_parts, parse_part, split_bundle
from carebook.sync.enrolment import PendingEnrolment
from carebook.sync.errors import (
    BundleError,
    CorruptBundleError,
    NotABundleError,
    ReadBackFailedError,
    TruncatedBundleError,
)
from carebook.sync.identity import InstallationKeys, PublicIdentity
from carebook.sync.peers import Peer

EXTENSION = ".cbk"
_PART_NAME = re.compile(r"^(?P<base>.+)\.part(?P<index>\d{3})\.cbk$", re.IGNORECASE)
_PART_SUFFIX_LENGTH = len(".part001.cbk")


@dataclass(frozen=True)
class WrittenBundle:
    """A bundle written and verified on disk: its file(s) (one, or the parts in order), the
    whole bundle's size in bytes, and its header."""

    paths: list[Path]
    size: int
    header: BundleHeader


def bundle_file_name(header: BundleHeader, recipient_code: str | None = None) -> str:
    """``cb-<sender code>-<seq from>-<seq to>-<8 hex of bundle id>[-to<recipient code>].cbk``
    (``ack`` in place of the range for a bundle without changes). ASCII letters/digits of the
    codes only, cut so that the name with a ``.partNNN`` suffix stays within 64 characters; valid
    on FAT32/exFAT. ``recipient_code`` (the addressee's division code, e.g. the village a township
    bundle is for) is appended when given and when it fits; names without it (older exports)
    import the same (docs/bundle-format.md section 9)."""
    short_id = header.bundle_id.replace("-", "")[:8]
    seq = "ack" if header.seq_from is None else f"{header.seq_from}-{header.seq_to}"
    fixed = len("cb---") + len(seq) + len(short_id) + len(EXTENSION) + _PART_SUFFIX_LENGTH - len(EXTENSION)
    room = max(1, min(16, MAX_NAME_LENGTH - fixed))
    code = safe_name_component(header.sender_code, room)
    name = f"cb-{code}-{seq}-{short_id}"
    if recipient_code:
        to = f"-to{safe_name_component(recipient_code, 16)}"
        if len(name) + len(to) + _PART_SUFFIX_LENGTH <= MAX_NAME_LENGTH:
            name += to
    return f"{name}{EXTENSION}"


_RECIPIENT_IN_NAME = re.compile(r"-to(?P<code>[A-Za-z0-9]+)(?:\.part\d{3})?\.cbk$", re.IGNORECASE)


def recipient_code_of_name(name: str) -> str | None:
    """The addressee's code that :func:`bundle_file_name` put in a bundle file's name, or None
    (an older name, or a renamed file). Only a hint for messages: the header decides."""
    match = _RECIPIENT_IN_NAME.search(name)
    return match.group("code") if match else None


def part_file_names(name: str, count: int) -> list[str]:
    """Names of the parts of bundle file ``name``: ``<base>.part001.cbk`` … ."""
    base = name[: -len(EXTENSION)] if name.lower().endswith(EXTENSION) else name
    return [f"{base}.part{i:03d}{EXTENSION}" for i in range(1, count + 1)]


def write_bundle(
    directory: Path,
    sealed: SealedBundle,
    *,
    signer: PublicIdentity,
    part_size: int = FAT32_MAX_FILE_SIZE,
    free_space: FreeSpace = default_free_space,
    name: str | None = None,
) -> WrittenBundle:
    """Write ``sealed`` into ``directory`` (e.g. the root of a USB stick) and verify it.

    ``signer`` is this installation's public identity: the bundle's signature is checked under
    it before writing and each file is read back and compared after. ``part_size`` (bytes, at
    most 4 GiB − 1) is where splitting starts; ``free_space(dir) -> bytes`` is injectable for
    tests. Raises InsufficientSpaceError, WriteFailedError, ReadBackFailedError,
    TargetExistsError, UnsafeFileNameError; on any of them no file is left under a final name.
    """
    part_size = min(part_size, FAT32_MAX_FILE_SIZE)
    checked = inspect_bytes(sealed.data, own=signer)
    if checked.signature != "valid":
        raise ValueError("the bundle is not signed by this installation's key")
    file_name = name or bundle_file_name(sealed.header)
    if len(sealed.data) <= part_size:
        files = [(file_name, sealed.data)]
    else:
        parts = split_bundle(sealed.data, sealed.header.bundle_id, part_size)
        files = list(zip(part_file_names(file_name, len(parts)), parts, strict=True))

    def verify(path: Path, data: bytes) -> None:
        try:
            if is_part(data):
                parse_part(data)
            elif inspect_bytes(data, own=signer).signature != "valid":
                raise ReadBackFailedError(f"{path.name}: signature")
        except (CorruptBundleError, TruncatedBundleError, NotABundleError) as exc:
            raise ReadBackFailedError(f"{path.name}: {type(exc).__name__}") from exc

    paths = write_files_atomically(directory, files, free_space=free_space, verify=verify)
    return WrittenBundle(paths=paths, size=len(sealed.data), header=sealed.header)


def load_bundle_bytes(paths: Path | Sequence[Path]) -> bytes:
    """Read a bundle from one file, or join it from parts.

    A single part file pulls in its siblings ``<base>.partNNN.cbk`` from the same folder.
    Raises the part errors of :func:`carebook.sync.bundle_parts.join_parts`, and
    BundleFileError when a file cannot be read (missing, a folder, no permission).
    """
    path_list = [paths] if isinstance(paths, Path) else list(paths)
    if not path_list:
        raise ValueError("no bundle file given")
    blobs = [_read(p) for p in path_list]
    if len(blobs) == 1 and not is_part(blobs[0]):
        return blobs[0]
    if len(blobs) == 1:
        siblings = [p for p in sibling_parts(path_list[0]) if p != path_list[0]]
        blobs += [_read(p) for p in siblings]
    if not all(is_part(b) for b in blobs):
        raise NotABundleError()
    return join_parts(blobs)


def sibling_parts(path: Path) -> list[Path]:
    """Part files in ``path``'s folder with the same ``<base>`` as ``path`` (itself included)."""
    match = _PART_NAME.match(path.name)
    if match is None:
        return [path]
    base = match.group("base").lower()
    found = []
    for candidate in sorted(path.parent.iterdir()):
        m = _PART_NAME.match(candidate.name)
        if m is not None and m.group("base").lower() == base and candidate.is_file():
            found.append(candidate)
    return found


def group_bundle_paths(paths: Iterable[Path]) -> list[list[Path]]:
    """Group files given for import: each part set (by ``<base>``) becomes one group, every
    other file its own group; order of first appearance kept, duplicates dropped."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        match = _PART_NAME.match(path.name)
        key = str(path.parent / match.group("base")).lower() if match else str(path)
        group = groups.setdefault(key, [])
        if path not in group:
            group.append(path)
    return list(groups.values())


def read_bundle(
    paths: Path | Sequence[Path],
    *,
    my_keys: InstallationKeys,
    known_peers: Iterable[Peer],
    pending_enrolments: Iterable[PendingEnrolment] = (),
    now: datetime | None = None,
) -> OpenedBundle:
    """Read, verify and decrypt a bundle file (or its parts). Changes nothing anywhere.

    Every refusal is a :class:`carebook.sync.errors.BundleError` subclass (see
    :func:`carebook.sync.bundle_format.open_bundle` for the order of checks).
    """
    return open_bundle(
        load_bundle_bytes(paths),
        my_keys=my_keys,
        known_peers=known_peers,
        pending_enrolments=pending_enrolments,
        now=now,
    )


def inspect_bundle(
    paths: Path | Sequence[Path], *, known_peers: Iterable[Peer] = (), own: PublicIdentity | None = None
) -> InspectedBundle:
    """Header and signature status of a bundle file, without decrypting (``bundle inspect``)."""
    return inspect_bytes(load_bundle_bytes(paths), known_peers=known_peers, own=own)


def looks_like_bundle(path: Path) -> bool:
    """Cheap check for file pickers and drag and drop: the file starts with a bundle or part magic."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(MAGIC))
    except OSError:
        return False
    return head == MAGIC or is_part(head)


class BundleFileError(BundleError):
    """The bundle file could not be read (同步包文件无法读取): it is not there, it is a folder,
    or the system refused to read it (permission, a failing USB stick). Not damage: the file
    itself may be sound. Nothing of it was imported (the message says "this file", so it reads
    right among other files imported at once). ``path`` is the file given."""

    def __init__(self, path: Path, exc: OSError) -> None:
        self.path = path
        if isinstance(exc, FileNotFoundError):
            zh, en = f"找不到文件 {path}", f"No file {path}"
        elif isinstance(exc, IsADirectoryError):
            zh = f"{path} 是文件夹，请选择其中的同步包文件（.cbk）"
            en = f"{path} is a folder; choose the bundle files (.cbk) in it"
        else:
            reason_zh, reason_en = os_error_text(exc)
            zh, en = f"无法读取同步包 {path}：{reason_zh}", f"Could not read the bundle {path}: {reason_en}"
        super().__init__(f"{zh}。这个文件没有导入。", f"{en}. This file was not imported.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BundleFileError(path, exc) from exc


__all__ = [
    "EXTENSION",
    "BundleFileError",
    "WrittenBundle",
    "bundle_file_name",
    "group_bundle_paths",
    "inspect_bundle",
    "load_bundle_bytes",
    "looks_like_bundle",
    "part_file_names",
    "read_bundle",
    "recipient_code_of_name",
    "sibling_parts",
    "write_bundle",
]

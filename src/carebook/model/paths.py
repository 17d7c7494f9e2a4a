"""Where an installation keeps its files (the data directory).

The data directory is chosen, first match wins, from:

1. an explicit argument (the command line's ``--data-dir``);
2. the environment variable ``CAREBOOK_DATA_DIR``;
3. ``platformdirs.user_data_dir("Carebook", appauthor=False)`` — on Windows
   ``%LOCALAPPDATA%\\Carebook`` (local, not roaming: the register must not follow a user
   profile onto other PCs), on Linux ``~/.local/share/Carebook``.

Its layout::

    <data_dir>/carebook.db       the SQLCipher-encrypted register (plus -wal / -shm while open)
    <data_dir>/keyinfo.json      non-secret key metadata (see carebook.model.keys)
    <data_dir>/secrets.json      small secrets, AES-GCM encrypted (see carebook.model.keys)
    <data_dir>/backups/          encrypted backups (SQLite backup API)
    <data_dir>/attachments/      content-addressed attachment files
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Carebook"
"""Application name used for the platform data directory and the keyring service."""

DATA_DIR_ENV = "CAREBOOK_DATA_DIR"
"""Environment variable that overrides the default data directory."""

DATABASE_FILENAME = "carebook.db"
KEYINFO_FILENAME = "keyinfo.json"
SECRETS_FILENAME = "secrets.json"
BACKUPS_DIRNAME = "backups"
ATTACHMENTS_DIRNAME = "attachments"


def default_data_dir() -> Path:
    """Return the platform's per-user data directory for Carebook (not created)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the data directory as an absolute path (not created).

    Args:
        explicit: the ``--data-dir`` value, or ``None``.

    Order: ``explicit``, then ``$CAREBOOK_DATA_DIR`` (ignored when empty), then
    :func:`default_data_dir`. ``~`` is expanded.
    """
    if explicit is not None and str(explicit) != "":
        chosen = Path(explicit)
    elif os.environ.get(DATA_DIR_ENV, "").strip():
        chosen = Path(os.environ[DATA_DIR_ENV].strip())
    else:
        chosen = default_data_dir()
    return chosen.expanduser().absolute()


@dataclass(frozen=True)
class DataPaths:
    """The files of one data directory (数据目录).

    ``root`` is the data directory; the other attributes are derived from it and are not
    created by this class (see :meth:`ensure_dirs`).
    """

    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> DataPaths:
        """Build from :func:`resolve_data_dir` (argument, environment, platform default)."""
        return cls(resolve_data_dir(explicit))

    @property
    def database(self) -> Path:
        """The encrypted register, ``<root>/carebook.db``."""
        return self.root / DATABASE_FILENAME

    @property
    def keyinfo(self) -> Path:
        """Non-secret key metadata, ``<root>/keyinfo.json``."""
        return self.root / KEYINFO_FILENAME

    @property
    def secrets(self) -> Path:
        """Encrypted small secrets, ``<root>/secrets.json``."""
        return self.root / SECRETS_FILENAME

    @property
    def backups(self) -> Path:
        """Directory of encrypted backups, ``<root>/backups``."""
        return self.root / BACKUPS_DIRNAME

    @property
    def attachments(self) -> Path:
        """Directory of attachment files, ``<root>/attachments``."""
        return self.root / ATTACHMENTS_DIRNAME

    def ensure_dirs(self) -> None:
        """Create the data directory and its ``backups``/``attachments`` subdirectories.

        New directories are created readable by the current user only (mode 0700 on POSIX;
        on Windows the per-user profile directory already restricts access).
        """
        for directory in (self.root, self.backups, self.attachments):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)

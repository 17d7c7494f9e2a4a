"""An in-memory OS keyring for tests: a real ``keyring.backend.KeyringBackend`` that keeps its
entries in a dict, standing in for Windows Credential Manager or Secret Service."""

from __future__ import annotations

import keyring.backend
import keyring.errors


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working keyring whose entries are ``store[(service, username)] = password``
    (``entries`` is the same dict). Deleting a missing entry raises, as real backends do."""

    priority = -1  # never picked by keyring's own backend discovery

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}
        self.entries = self.store

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)

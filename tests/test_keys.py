# mypy: disable-error-code="no-untyped-call"
"""The database key and small secrets: keyring, passphrase fallback, edge cases (real files,
real keyring backend objects)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import chainer, fail, null

from carebook.model import keys
from carebook.model.keys import (
    KeyInfoExists,
    KeyMissingFromKeyring,
    KeyringUnavailable,
    PassphraseRequired,
    PassphraseTooShort,
    SecretNotFound,
    SecretsCorrupt,
    WrongKeyError,
    create_keystore,
    load_secret,
    store_secret,
    unlock_keystore,
)
from keyring_helpers import MemoryKeyring

PASSPHRASE = "correct horse battery"



class DenyingKeyring(keyring.backend.KeyringBackend):
    """A keyring whose user refuses access (as macOS/Windows prompts allow)."""

    priority = -1  # never picked by keyring's own backend discovery

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("access denied by the user")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("access denied by the user")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("access denied by the user")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fast scrypt, no environment leaking in, and a failing keyring unless a test sets one."""
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    for name in (keys.PASSPHRASE_ENV, keys.KEYRING_ENV, "CAREBOOK_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_keyring_mode_keeps_no_key_on_disk(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    store = create_keystore(tmp_path)
    assert store.mode == "keyring"
    assert store.wrap_kinds == ["keyring"]
    assert len(store.database_key) == 32
    [(service, username)] = memory_keyring.store
    assert service == "Carebook" and username == f"db-{store.installation_id}"
    assert memory_keyring.store[(service, username)] == store.database_key.hex()
    on_disk = _all_bytes(tmp_path)
    assert store.database_key not in on_disk
    assert store.database_key.hex().encode() not in on_disk
    assert store.database_key.hex().upper().encode() not in on_disk

    again = unlock_keystore(tmp_path)
    assert again.database_key == store.database_key and again.mode == "keyring"


def test_no_keyring_and_no_passphrase_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(PassphraseRequired) as info:
        create_keystore(tmp_path)
    assert "CAREBOOK_PASSPHRASE" in info.value.message
    assert not (tmp_path / "keyinfo.json").exists()


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), DenyingKeyring(), "empty-chainer"],
    ids=["fail", "null", "denied", "empty-chainer"],
)
def test_unusable_keyring_falls_back_to_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: object
) -> None:
    if backend == "empty-chainer":
        monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
        backend = chainer.ChainerBackend()
    assert isinstance(backend, keyring.backend.KeyringBackend)
    keyring.set_keyring(backend)
    monkeypatch.setenv(keys.PASSPHRASE_ENV, PASSPHRASE)
    store = create_keystore(tmp_path)
    assert store.mode == "passphrase"
    assert store.wrap_kinds == ["passphrase"]
    assert store.database_key not in _all_bytes(tmp_path)
    assert unlock_keystore(tmp_path).database_key == store.database_key


def test_denied_keyring_is_explained(tmp_path: Path) -> None:
    keyring.set_keyring(DenyingKeyring())
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    assert store.mode == "passphrase"
    assert store.keyring_problem is not None and "PasswordSetError" in store.keyring_problem


def test_passphrase_sources_and_wrong_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = create_keystore(tmp_path, passphrase=PASSPHRASE).database_key
    before = _all_bytes(tmp_path)

    assert unlock_keystore(tmp_path, passphrase=PASSPHRASE).database_key == key
    asked: list[int] = []

    def ask() -> str:
        asked.append(1)
        return PASSPHRASE

    assert unlock_keystore(tmp_path, ask_passphrase=ask).database_key == key
    assert asked == [1]
    with pytest.raises(PassphraseRequired):
        unlock_keystore(tmp_path)
    with pytest.raises(PassphraseRequired):
        unlock_keystore(tmp_path, ask_passphrase=lambda: None)  # the user cancelled
    with pytest.raises(WrongKeyError) as info:
        unlock_keystore(tmp_path, passphrase="correct horse battery!")
    assert info.value.message_zh.startswith("密码不正确")
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "not the passphrase")
    with pytest.raises(WrongKeyError):
        unlock_keystore(tmp_path)
    assert _all_bytes(tmp_path) == before


def test_full_width_passphrase_equals_ascii(tmp_path: Path) -> None:
    key = create_keystore(tmp_path, passphrase="Password123").database_key
    assert unlock_keystore(tmp_path, passphrase="Ｐａｓｓｗｏｒｄ１２３").database_key == key


def test_short_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PassphraseTooShort):
        create_keystore(tmp_path, passphrase="1234567")
    assert not (tmp_path / "keyinfo.json").exists()


def test_keyinfo_is_never_overwritten(tmp_path: Path) -> None:
    create_keystore(tmp_path, passphrase=PASSPHRASE)
    before = (tmp_path / "keyinfo.json").read_bytes()
    with pytest.raises(KeyInfoExists):
        create_keystore(tmp_path, passphrase="another passphrase")
    assert (tmp_path / "keyinfo.json").read_bytes() == before


def test_keyring_with_passphrase_backup_survives_a_broken_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    assert store.wrap_kinds == ["keyring", "passphrase"]
    keyring.set_keyring(DenyingKeyring())
    with pytest.raises(PassphraseRequired):
        unlock_keystore(tmp_path)
    again = unlock_keystore(tmp_path, passphrase=PASSPHRASE)
    assert again.database_key == store.database_key
    assert again.mode == "passphrase" and again.keyring_problem is not None


def test_keyring_only_register_with_broken_or_emptied_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    create_keystore(tmp_path)
    keyring.set_keyring(DenyingKeyring())
    with pytest.raises(KeyringUnavailable):
        unlock_keystore(tmp_path)
    keyring.set_keyring(memory_keyring)
    memory_keyring.store.clear()
    with pytest.raises(KeyMissingFromKeyring):
        unlock_keystore(tmp_path)


def test_keyring_holding_another_key_is_a_wrong_key(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    create_keystore(tmp_path)
    [entry] = memory_keyring.store
    memory_keyring.store[entry] = bytes(32).hex()
    with pytest.raises(WrongKeyError):
        unlock_keystore(tmp_path)


def test_keyring_can_be_switched_off(
    tmp_path: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.KEYRING_ENV, "off")
    assert not keys.keyring_backend_usable()
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    assert store.mode == "passphrase" and memory_keyring.store == {}


def test_keyring_backend_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(fail.Keyring())
    assert not keys.keyring_backend_usable()
    keyring.set_keyring(null.Keyring())
    assert not keys.keyring_backend_usable()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(chainer.ChainerBackend())
    assert not keys.keyring_backend_usable()
    keyring.set_keyring(MemoryKeyring())
    assert keys.keyring_backend_usable()


def test_change_passphrase_keeps_the_key(tmp_path: Path) -> None:
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    store.set_passphrase("a brand new passphrase")
    with pytest.raises(WrongKeyError):
        unlock_keystore(tmp_path, passphrase=PASSPHRASE)
    assert unlock_keystore(tmp_path, passphrase="a brand new passphrase").database_key == store.database_key


def test_damaged_keyinfo_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(keys.KeyInfoError):
        unlock_keystore(tmp_path, passphrase=PASSPHRASE)
    (tmp_path / "keyinfo.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(keys.KeyInfoError):
        unlock_keystore(tmp_path, passphrase=PASSPHRASE)
    (tmp_path / "keyinfo.json").write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(keys.KeyInfoError, match="Carebook"):
        unlock_keystore(tmp_path, passphrase=PASSPHRASE)


@pytest.mark.parametrize("use_keyring", [True, False], ids=["keyring", "passphrase"])
def test_secrets_round_trip_encrypted(
    tmp_path: Path, memory_keyring: MemoryKeyring, use_keyring: bool
) -> None:
    store = create_keystore(tmp_path, passphrase=PASSPHRASE, use_keyring=use_keyring)
    signing = bytes(range(32))
    store.store_secret("ed25519-signing", signing)
    store.store_secret("x25519-private", b"\xff" * 32)
    assert store.load_secret("ed25519-signing") == signing
    # only the database key lives in the keyring; secrets are in the encrypted file
    assert len(memory_keyring.store) == (1 if use_keyring else 0)
    raw = (tmp_path / "secrets.json").read_bytes()
    assert signing not in raw and signing.hex().encode() not in raw

    assert load_secret(tmp_path, "x25519-private", passphrase=PASSPHRASE) == b"\xff" * 32
    store_secret(tmp_path, "other", b"abc", passphrase=PASSPHRASE)
    assert store.load_secret("other") == b"abc"
    with pytest.raises(SecretNotFound):
        store.load_secret("missing")
    store.delete_secret("other")
    with pytest.raises(SecretNotFound):
        store.load_secret("other")


def test_secret_under_a_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    create_keystore(tmp_path, passphrase=PASSPHRASE).store_secret("k", b"v" * 32)
    with pytest.raises(WrongKeyError):
        load_secret(tmp_path, "k", passphrase="wrong passphrase")


def test_tampered_or_swapped_secret_is_detected(tmp_path: Path) -> None:
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    store.store_secret("a", b"A" * 32)
    store.store_secret("b", b"B" * 32)
    doc = json.loads((tmp_path / "secrets.json").read_text(encoding="utf-8"))
    doc["entries"]["a"], doc["entries"]["b"] = doc["entries"]["b"], doc["entries"]["a"]
    (tmp_path / "secrets.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SecretsCorrupt):
        store.load_secret("a")


def test_secret_names_and_sizes_are_checked(tmp_path: Path) -> None:
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    with pytest.raises(ValueError):
        store.store_secret("../escape", b"x")
    with pytest.raises(ValueError):
        store.store_secret("big", b"x" * (keys.MAX_SECRET_BYTES + 1))


def test_key_never_appears_in_repr(tmp_path: Path) -> None:
    store = create_keystore(tmp_path, passphrase=PASSPHRASE)
    assert store.database_key.hex() not in repr(store)
    assert repr(store.database_key) not in repr(store)

"""Recovery key, key rotation and the restore drill, on real encrypted registers.

The drill: set up with the OS keyring, print the recovery sheet, work, take the daily backup
and copy it to a USB stick; lose the PC (the data directory and the keyring entry are deleted);
restore on a new PC from the stick with the recovery key typed in from the sheet: every row of
every table and the sync keys are back, and ``carebook check`` passes. And the other way back,
without a backup: the township re-enrols the village on a new PC and its restore bundle gives
every record back with its history.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.documents.recovery_sheet import QR_PREFIX, RecoverySheetData, render_recovery_sheet
from carebook.model import keys
from carebook.model.backups import backup_if_due, copy_backup, key_file_of, restore_backup
from carebook.model.db import DatabaseUnreadable, backup_database, open_database
from carebook.model.integrity import check_register, recover_from_damage
from carebook.model.keys import KeyMissingFromKeyring, unlock_keystore
from carebook.model.recovery import (
    PENDING_DIRNAME,
    NoRecoveryKey,
    RecoveryKeyError,
    finish_interrupted_rekey,
    format_recovery_key,
    generate_recovery_key,
    parse_recovery_key,
    rewrap_keystore,
    rotate_database_key,
    set_recovery_key,
    unlock_with_recovery_key,
)
from carebook.sync.identity import ensure_installation_keys, load_installation_keys
from protect_helpers import PASSPHRASE, MemoryKeyring, digest_of, do_work, new_database, table_digest

INSTALLATION_ID = "6c1b1f3e-2a4d-4f60-9b7e-0d3c5a8e1f22"


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """A working OS keyring (in memory) for the duration of a test."""
    monkeypatch.delenv("CAREBOOK_KEYRING", raising=False)
    monkeypatch.delenv("CAREBOOK_PASSPHRASE", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.delenv("CAREBOOK_PASSPHRASE", raising=False)
    monkeypatch.setattr(keys, "SCRYPT_N", 2**14)


# --------------------------------------------------------------------------- the key


def test_recovery_key_shape_and_forgiving_entry() -> None:
    key = generate_recovery_key()
    shown = format_recovery_key(key)
    groups = shown.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    typed = " ".join(groups).lower().replace("0", "o").replace("1", "l")
    assert parse_recovery_key(typed) == key
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in shown)
    assert parse_recovery_key(fullwidth) == key


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=31), st.integers(min_value=1, max_value=31))
def test_one_wrong_symbol_is_caught_by_the_check(position: int, shift: int) -> None:
    key = "7KQ2M9XD3ABCDEFGHJKMNPQRSTVWXY"
    from carebook.model.recovery import ALPHABET, _check

    full = key + _check(key)
    wrong = full[:position] + ALPHABET[(ALPHABET.index(full[position]) + shift) % 32] + full[position + 1:]
    with pytest.raises(RecoveryKeyError):
        parse_recovery_key(wrong)


def test_malformed_keys_are_refused_with_a_clear_message() -> None:
    for text in ("", "1234", "U" * 32, generate_recovery_key() + "A"):
        with pytest.raises(RecoveryKeyError) as info:
            parse_recovery_key(text)
        assert "恢复密钥" in info.value.message_zh


def test_unlock_with_recovery_key_and_wrong_keys(tmp_path: Path, no_keyring: None) -> None:
    db = new_database(tmp_path / "data")
    with pytest.raises(NoRecoveryKey):
        unlock_with_recovery_key(tmp_path / "data", generate_recovery_key())
    key = set_recovery_key(db.keystore)
    db.close()
    info_text = (tmp_path / "data" / "keyinfo.json").read_text()
    assert key not in info_text and format_recovery_key(key) not in info_text
    assert [w["kind"] for w in json.loads(info_text)["wraps"]] == ["passphrase", "recovery"]
    unlocked = unlock_with_recovery_key(tmp_path / "data", format_recovery_key(key))
    assert unlocked.database_key == unlock_keystore(tmp_path / "data", passphrase=PASSPHRASE).database_key
    with pytest.raises(RecoveryKeyError):
        unlock_with_recovery_key(tmp_path / "data", generate_recovery_key())


def test_forgotten_passphrase_then_recovery_key_then_new_passphrase(tmp_path: Path, no_keyring: None) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    key = set_recovery_key(db.keystore)
    before = table_digest(db)
    db.close()
    store = rewrap_keystore(unlock_with_recovery_key(data, key), passphrase="a brand new passphrase")
    assert store.wrap_kinds == ["passphrase", "recovery"]
    assert digest_of(data, passphrase="a brand new passphrase") == before
    with pytest.raises(keys.WrongKeyError):
        open_database(data, passphrase=PASSPHRASE)
    assert unlock_with_recovery_key(data, key).database_key == store.database_key


# --------------------------------------------------------------------------- rotation


def test_rekey_keeps_data_sheet_and_sync_keys(tmp_path: Path, no_keyring: None) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    inst_keys = ensure_installation_keys(db.keystore, INSTALLATION_ID)
    recovery = set_recovery_key(db.keystore)
    before = table_digest(db)
    db.paths.backups.mkdir(exist_ok=True)
    legacy = backup_database(db, db.paths.backups / "before-import-carebook-20260101T000000Z.db")  # no key file
    old_key = db.keystore.database_key
    old_store = db.keystore
    db.close()
    result = rotate_database_key(data, old_store, passphrase=PASSPHRASE)
    store = unlock_keystore(data, passphrase=PASSPHRASE)
    assert store.database_key != old_key and store.info.fingerprint == result.fingerprint
    assert digest_of(data, passphrase=PASSPHRASE) == before
    assert load_installation_keys(store).to_secret_bytes() == inst_keys.to_secret_bytes()
    assert unlock_with_recovery_key(data, recovery).database_key == store.database_key  # sheet still valid
    with pytest.raises(DatabaseUnreadable):  # the old key no longer opens the file
        from carebook.model.db import connect_sqlcipher

        try:
            connect_sqlcipher(data / "carebook.db", old_key)
        except keys.WrongKeyError:
            raise DatabaseUnreadable(data / "carebook.db") from None
    # the backup taken first still opens with the recovery key through its key file
    restored = tmp_path / "restored"
    restore_backup(result.backup, restored, recovery_key=recovery, new_passphrase="restored passphrase")
    assert digest_of(restored, passphrase="restored passphrase") == before
    assert key_file_of(legacy).exists()  # given a key file before the rotation
    restore_backup(legacy, tmp_path / "legacy", recovery_key=recovery, new_passphrase="restored passphrase")
    assert digest_of(tmp_path / "legacy", passphrase="restored passphrase") == before


def test_rekey_interrupted_after_pragma_is_finished_at_next_start(tmp_path: Path, no_keyring: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    do_work(db)
    before = table_digest(db)
    store = db.keystore
    db.close()
    import carebook.model.recovery as recovery

    def crash(*_args: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(recovery, "_move_pending", crash)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    with pytest.raises(KeyboardInterrupt):
        rotate_database_key(data, store)
    monkeypatch.undo()
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    assert (data / PENDING_DIRNAME / "keyinfo.json").exists()
    with pytest.raises(DatabaseUnreadable):  # the old key files no longer match the file
        open_database(data, passphrase=PASSPHRASE)
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    offer = recover_from_damage(data)
    assert offer.status == "healthy" and not (data / PENDING_DIRNAME).exists()
    assert digest_of(data, passphrase=PASSPHRASE) == before


def test_rekey_interrupted_before_pragma_is_undone(tmp_path: Path, no_keyring: None) -> None:
    data = tmp_path / "data"
    db = new_database(data)
    before = table_digest(db)
    store = db.keystore
    db.close()
    from carebook.model.recovery import _prepare_keystore

    _prepare_keystore(store, data / PENDING_DIRNAME, b"\x01" * 32, passphrase=PASSPHRASE, use_keyring=False)
    assert finish_interrupted_rekey(data, store)
    assert not (data / PENDING_DIRNAME).exists()
    assert digest_of(data, passphrase=PASSPHRASE) == before


# --------------------------------------------------------------------------- the drill


def test_restore_drill_new_pc_from_usb_backup_and_recovery_sheet(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    office = tmp_path / "office-pc"
    db = new_database(office, use_keyring=True, passphrase=None)
    assert db.keystore.wrap_kinds == ["keyring"] and memory_keyring.entries
    recovery = set_recovery_key(db.keystore)
    sheet = render_recovery_sheet(RecoverySheetData(recovery, "东湾村民委员会", "610402100201",
                                                    __import__("datetime").date.today()))
    do_work(db, n=4)
    sync_keys = ensure_installation_keys(db.keystore, INSTALLATION_ID).to_secret_bytes()
    daily = backup_if_due(db)
    assert daily is not None and backup_if_due(db) is None  # once a day
    stick = copy_backup(daily, db.keystore, tmp_path / "usb-stick")
    before = table_digest(db)
    assert check_register(db.sessionmaker).ok
    db.close()

    # the PC is lost: its disk and its keyring entry are gone
    shutil.rmtree(office)
    memory_keyring.entries.clear()
    with pytest.raises(KeyMissingFromKeyring):
        keys._keyring_load("anything")
    portable = json.loads(key_file_of(stick).read_text())
    assert [w["kind"] for w in portable["keyinfo"]["wraps"]] == ["recovery"]  # nothing to guess on the stick
    with pytest.raises(RecoveryKeyError) as info:
        restore_backup(stick, tmp_path / "new-pc", passphrase="a guessed passphrase")
    assert "恢复密钥" in info.value.message_zh
    assert not (tmp_path / "new-pc" / "carebook.db").exists()

    typed = _read_key_from_sheet(sheet, tmp_path)
    new_pc = tmp_path / "new-pc"
    result = restore_backup(stick, new_pc, recovery_key=typed.lower())
    assert result.new_keys and result.replaced_dir is None
    store = unlock_keystore(new_pc)  # from the new PC's keyring, no passphrase
    assert store.mode == "keyring" and sorted(store.wrap_kinds) == ["keyring", "recovery"]
    assert digest_of(new_pc) == before
    assert load_installation_keys(store).to_secret_bytes() == sync_keys
    db = open_database(new_pc)
    try:
        assert check_register(db.sessionmaker).ok
    finally:
        db.close()
    assert unlock_with_recovery_key(new_pc, recovery).database_key == store.database_key


def test_restore_drill_new_pc_from_the_township_restore_bundle(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    """The drill's other way back (issue 8, acceptance 3): no usable backup; the township
    re-enrols the village on a new PC and its restore bundle gives every record back, history
    included (sync/restore.py)."""
    from sqlalchemy import select

    from carebook.model.changelog import ChangeLogEntry
    from carebook.model.db import create_database
    from carebook.model.register import Register
    from carebook.sync.exchange import SyncSite, create_enrolment_file, setup_village_from_enrolment
    from carebook.sync.restore import create_replacement_enrolment_file
    from sync_world import build_world, tracked_state, village_code

    def keyring_site(folder: Path) -> SyncSite:
        db = create_database(folder, use_keyring=True)
        return SyncSite(db, Register(db.sessionmaker, data_dir=folder, close=db.close))

    def log(site: SyncSite) -> set[tuple[str, int, str, str | None]]:
        with site.register.reading() as session:
            return {(o, s, h, v) for o, s, h, v in session.execute(select(
                ChangeLogEntry.origin, ChangeLogEntry.origin_seq, ChangeLogEntry.hlc, ChangeLogEntry.new_value))}

    world = build_world(tmp_path, 0)
    try:
        code = village_code(0)
        create_enrolment_file(world.township, village_code=code, village_name="东湾村", out=world.stick)
        office = tmp_path / "office-pc"
        village = keyring_site(office)
        assert village.db.keystore.wrap_kinds == ["keyring"] and memory_keyring.entries
        setup_village_from_enrolment(village, world.stick / f"enrol-{code}.cbe", actor="李秀英")
        world.villages.append(village)
        kids = world.import_ledger(village, 4, seed=17)
        village.register.update_child(kids[0], {"notes": "走访后补记"})
        world.deliver(world.township, world.export(village))
        world.deliver(village, world.export(world.township))
        before = {k: v for k, v in tracked_state(village).items() if k[0] != "org_unit"}
        history = log(village)
        world.villages.clear()
        village.close()

        # the PC is lost: its disk and its keyring entry are gone, and there is no backup
        shutil.rmtree(office)
        memory_keyring.entries.clear()
        made = create_replacement_enrolment_file(world.township, village_code=code, village_name="东湾村",
                                                 out=world.stick / "replace.cbe")
        new = keyring_site(tmp_path / "new-pc")
        world.villages.append(new)
        setup_village_from_enrolment(new, made.path, actor="李秀英")
        world.deliver(world.township, world.export(new))
        result = world.export(world.township)
        from carebook.sync.exchange import import_bundles

        restored = import_bundles(new, result, backup=False)[0]
        assert restored.restore and restored.restored_children == 4
        after = {k: v for k, v in tracked_state(new).items() if k[0] != "org_unit"}
        assert after == before  # nothing lost, field for field
        assert history - log(new) == set()  # every change of the lost PC, with its history
        assert check_register(new.db.sessionmaker).ok
    finally:
        world.close()


def _read_key_from_sheet(pdf: bytes, tmp_path: Path) -> str:
    """What a person does: read the key off the printed sheet (here: decode its QR code when
    zbarimg is installed, else read the grouped text back with pypdf)."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        subprocess.run(["pdftoppm", "-r", "100", "-png", str(path), str(tmp_path / "sheet")], check=True)
        out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "sheet-1.png")], capture_output=True,
                             text=True, check=True).stdout.strip()
        assert out.startswith(QR_PREFIX)
        return out[len(QR_PREFIX):]
    from pypdf import PdfReader

    text = PdfReader(path).pages[0].extract_text()
    lines = [ln for ln in text.splitlines() if len(ln.replace(" ", "")) == 16 and ln.replace(" ", "").isalnum()]
    return "".join(lines)


def test_recovery_sheet_text_holds_the_grouped_key_and_where_to_keep_it(tmp_path: Path) -> None:
    from pypdf import PdfReader

    key = generate_recovery_key()
    path = tmp_path / "sheet.pdf"
    path.write_bytes(render_recovery_sheet(RecoverySheetData(key, "东湾村民委员会", "610402100201",
                                                             __import__("datetime").date(2026, 11, 29), "abcd")))
    text = PdfReader(path).pages[0].extract_text()
    groups = format_recovery_key(key).split("-")
    assert all(g in text for g in groups)
    assert "东湾村民委员会" in text and "2026-11-29" in text and "妥善保管" in text
    assert len(PdfReader(path).pages) == 1


def test_recovery_key_typed_at_the_passphrase_prompt(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    data = tmp_path / "data"
    db = new_database(data, use_keyring=True, passphrase=None)
    recovery = set_recovery_key(db.keystore)
    before = table_digest(db)
    db.close()
    memory_keyring.entries.clear()  # the keyring entry is gone (new Windows profile)
    with pytest.raises(KeyMissingFromKeyring):
        open_database(data)
    with pytest.raises(KeyMissingFromKeyring):  # a passphrase is no way into a keyring-only register
        open_database(data, passphrase="some passphrase")
    with pytest.raises(RecoveryKeyError):
        open_database(data, passphrase=generate_recovery_key())
    store = unlock_keystore(data, ask_passphrase=lambda: format_recovery_key(recovery).lower())
    assert store.mode == "recovery"
    assert digest_of(data, passphrase=format_recovery_key(recovery)) == before
    rewrap_keystore(store, use_keyring=True)  # back into the keyring: the next start asks nothing
    assert unlock_keystore(data).mode == "keyring"

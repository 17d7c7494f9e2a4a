"""No child's name or ID number in the clear: not in the database file (nor its WAL), the key
files, an attachment (a scan holding both), a backup with its attachment files, its copy on a
stick, a bundle, or the township's register and attachments after import.

The raw bytes of every file are searched for the name in UTF-8, UTF-16 (both byte orders) and
GB18030, and for the ID number in ASCII and UTF-16. A control proves the search finds them in the
decrypted content.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from carebook.model.attachment_store import add_attachment, read_attachment
from carebook.model.attachments import Attachment
from carebook.model.backups import copy_backup, take_backup
from carebook.model.db import connect_sqlcipher
from carebook.sync.exchange import import_bundles
from model_helpers import child_values
from protect_helpers import CHILD_NAME
from sync_world import build_world


def _needles(name: str, id_number: str) -> dict[str, bytes]:
    found = {f"name/{enc}": name.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030")}
    found |= {f"id/{enc}": id_number.encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be")}
    found["id/last8"] = id_number[-8:].encode("ascii")
    return found


def _leaks(paths: list[Path], needles: dict[str, bytes]) -> list[str]:
    leaks = []
    for path in paths:
        data = path.read_bytes()
        leaks += [f"{path.name}: {label}" for label, needle in needles.items() if needle in data]
    return leaks


def _files(*dirs: Path) -> list[Path]:
    return [p for d in dirs for p in sorted(d.rglob("*")) if p.is_file()]


def test_no_name_or_id_number_in_any_file(tmp_path: Path) -> None:
    world = build_world(tmp_path / "world", 1)
    try:
        village, township = world.villages[0], world.township
        values = child_values(CHILD_NAME, dt.date(2015, 3, 5), seq=77)
        values["father.name"] = "欧阳建国"
        child_id = str(village.register.register_child(values).record_id)
        id_number = values["id_number"]
        needles = _needles(CHILD_NAME, id_number)
        # a scan of the signed confirmation: the child's name and ID number in its bytes
        scan = tmp_path / "signed-scan.pdf"
        scan.write_bytes(f"%PDF-1.4\n委托监护确认书 {CHILD_NAME} {id_number}\n".encode() * 20)
        village.register.write(add_attachment, village.db.paths.attachments, scan, owner_entity="child",
                               owner_id=child_id, child_id=child_id)
        assert _leaks([scan], needles)  # control: the scan itself holds them
        scan.unlink()

        # control: a plaintext copy (sqlcipher_export) shows the search finds them
        plain = tmp_path / "control-plaintext.db"
        conn = connect_sqlcipher(village.db.path, village.db.keystore.database_key)
        try:
            conn.execute(f"ATTACH DATABASE '{plain}' AS plaintext KEY ''")
            conn.execute("SELECT sqlcipher_export('plaintext')")
            conn.execute("DETACH DATABASE plaintext")
        finally:
            conn.close()
        found = _leaks([plain], needles)
        assert "control-plaintext.db: name/utf-8" in found and "control-plaintext.db: id/ascii" in found
        plain.unlink()

        # while open: database and WAL
        open_files = _files(village.db.paths.root)
        assert any(p.name.endswith("-wal") for p in open_files)
        assert _leaks(open_files, needles) == []

        backup = take_backup(village.db, kind="manual")
        stick = tmp_path / "usb-stick"
        copy_backup(backup, village.db.keystore, stick)
        bundles = world.export(village)
        import_bundles(township, bundles, backup=True)  # with the backup taken before import
        assert CHILD_NAME in [r.name for r in township.register.list_children()]
        [attachment_id] = township.register.read(lambda s: list(s.scalars(select(Attachment.id))))
        received = township.register.read(read_attachment, township.db.paths.attachments, attachment_id)
        assert CHILD_NAME.encode() in received.data  # the scan arrived whole, and is sealed there
        township_files = _files(township.db.paths.root)
        assert _leaks(township_files, needles) == []  # while open, with its WAL
    finally:
        world.close()

    files = _files(village.db.paths.root, stick, *[b.parent for b in bundles], township.db.paths.root)
    names = {p.name for p in files}
    assert "carebook.db" in names and "keyinfo.json" in names and "secrets.json" in names
    assert any(n.endswith(".keys.json") for n in names) and backup.name in names
    assert any(n.endswith(".db") and n.startswith("before-import") for n in names)  # township's import backup
    assert any(p.name.endswith("-wal") for p in township_files)
    assert bundles and all(b.name in names for b in bundles)
    assert any("sealed" in p.parts for p in files)  # the village's and the township's sealed scans
    assert any("carebook-attachments" in p.parts for p in files)  # the backup's and the stick's copies
    assert _leaks(files, needles) == []

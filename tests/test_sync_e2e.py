"""End to end on real files: a township and three villages exchanging bundles through a folder
(issue 5 acceptance 1, 3 and 4)."""

from __future__ import annotations

import datetime as dt
import random
import time
from pathlib import Path

import pytest

from carebook.model.queries.sync_status import sync_status, unsent_change_count
from carebook.sync.atomic_files import TEMP_PREFIX
from carebook.sync.bundle_format import seal_bundle
from carebook.sync.changes import Change, Payload, encode_payload
from carebook.sync.errors import (
    CorruptBundleError,
    InsufficientSpaceError,
    NewerFormatError,
    NotABundleError,
    PayloadCorruptError,
    SignatureInvalidError,
    TruncatedBundleError,
    UnknownSenderError,
    WrongRecipientError,
)
from carebook.sync.exchange import (
    ForeignChangesError,
    SchemaTooNewError,
    export_bundles,
    import_bundle,
    import_bundles,
)
from carebook.sync.identity import InstallationKeys, PublicIdentity
from sync_world import (
    PASSPHRASE,
    SyncWorld,
    build_world,
    content_hash,
    kill_at_marker,
    sync_world,
    tracked_state,
)

__all__ = ["sync_world"]


def _deliver_returns(world: SyncWorld) -> None:
    """The township exports one bundle per village; each village imports its own."""
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths)


def test_township_and_villages_converge_through_a_folder(sync_world: SyncWorld) -> None:
    world = sync_world
    children: list[list[str]] = []
    for i, village in enumerate(world.villages):
        ids = world.import_ledger(village, 12, seed=i)
        children.append(ids)
        for cid in ids[:4]:
            village.register.record_visit(cid, {"visit_date": world.today - dt.timedelta(days=2),
                                                "visitor_name": "村儿童主任", "living_conditions": "住房安全"})
        village.register.update_child(ids[0], {"risk_colour": "yellow", "notes": "需要关注"})
        assert village.register.read(unsent_change_count) > 0
    bundles = [world.export(v) for v in world.villages]
    deliveries = [b for b in bundles for _ in range(2)]
    random.Random(5).shuffle(deliveries)
    outcomes = [import_bundles(world.township, paths, backup=False)[0] for paths in deliveries]
    assert sum(not o.already_imported for o in outcomes) == 3
    assert sum(o.already_imported for o in outcomes) == 3
    assert all(o.merge.parked == 0 for o in outcomes)
    # the supervisor corrects a child of the first village
    world.township.register.update_child(children[0][1], {"school_name": "幸福镇中心小学"})
    _deliver_returns(world)
    town = tracked_state(world.township)
    for i, village in enumerate(world.villages):
        mine = tracked_state(village)
        assert all(town[k] == v for k, v in mine.items()), "every shared record has the same values"
        own_children = {k for k in mine if k[0] == "child"}
        assert own_children == {("child", cid) for cid in children[i]}
        assert village.register.read(unsent_change_count) == 0
        status = village.register.read(sync_status)
        assert status.unsent == 0 and status.parked_records == 0
    assert world.villages[0].register.child_detail(children[0][1]).fields["school_name"] == "幸福镇中心小学"
    assert len([k for k in town if k[0] == "child"]) == 36
    # derived columns were recomputed at the township
    for i, village in enumerate(world.villages):
        here = {r.id: (r.categories, r.last_visit_date) for r in village.register.child_rows(children[i])}
        there = {r.id: (r.categories, r.last_visit_date) for r in world.township.register.child_rows(children[i])}
        assert here == there
        assert any(cats for cats, _ in there.values())


def test_refused_bundles_change_nothing(tmp_path: Path) -> None:
    world = build_world(tmp_path, 2)
    try:
        village, other = world.villages
        world.import_ledger(village, 5, seed=1)
        first = world.export(village)[0]
        assert import_bundle(world.township, first, backup=False).newly_enrolled
        village.register.update_child(village.register.child_ids()[0], {"notes": "第二次导出"})
        good = world.export(village)[0]
        data = good.read_bytes()
        before = content_hash(world.township)
        cases: list[tuple[str, bytes, type[Exception]]] = [
            ("empty", b"", TruncatedBundleError),
            ("magic only", data[:8], TruncatedBundleError),
            ("half header", data[:60], TruncatedBundleError),
            ("half payload", data[: len(data) // 2], TruncatedBundleError),
            ("no signature", data[:-64], TruncatedBundleError),
            ("not a bundle", b"PK\x03\x04" + data[4:], NotABundleError),
            ("newer format", data[:8] + b"\x00\x09" + data[10:], NewerFormatError),
            ("flipped header byte", _flip(data, data.index(b'"created_at":"') + 16), SignatureInvalidError),
            ("broken header", _flip(data, data.index(b'"created_at":"') + 13), CorruptBundleError),
            ("flipped payload byte", _flip(data, len(data) - 200), SignatureInvalidError),
            ("flipped signature byte", _flip(data, len(data) - 10), SignatureInvalidError),
        ]
        for name, blob, error in cases:
            path = world.stick / f"bad-{name.replace(' ', '-')}.cbk"
            path.write_bytes(blob)
            with pytest.raises(error):
                import_bundle(world.township, path, backup=False)
            assert content_hash(world.township) == before, name
        keys = village.keys()
        town_public = world.township.keys().public()
        stranger = InstallationKeys.generate()
        special = [
            ("unenrolled", _seal(stranger, town_public, _payload(stranger.installation_id)), UnknownSenderError),
            ("other township", _seal(keys, PublicIdentity(*_random_public()), _payload(keys.installation_id)),
             WrongRecipientError),
            ("garbage payload", _seal(keys, town_public, b"not a payload"), PayloadCorruptError),
            ("newer schema", _seal(keys, town_public, _payload(keys.installation_id), schema="9999_future"),
             SchemaTooNewError),
            ("forged origin", _seal(keys, town_public, _payload(other.keys().installation_id)), ForeignChangesError),
        ]
        for name, blob, error in special:
            path = world.stick / f"bad-{name.replace(' ', '-')}.cbk"
            path.write_bytes(blob)
            with pytest.raises(error) as info:
                import_bundle(world.township, path, backup=False)
            assert info.value.message_zh and info.value.message_en
            assert content_hash(world.township) == before, name
        result = import_bundle(world.township, good)
        assert result.merge.applied > 0 and result.backup is not None and result.backup.exists()
    finally:
        world.close()


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def _random_public() -> tuple[str, bytes, bytes]:
    keys = InstallationKeys.generate().public()
    return keys.installation_id, keys.signing_public_key, keys.encryption_public_key


def _payload(origin: str) -> bytes:
    change = Change(origin, 1, f"{time.time_ns() // 1_000_000:013d}.0000.{origin}", "org_unit",
                    "00000000-0000-4000-8000-000000000001", "update", "name", '"旧"', '"新"', "伪造者",
                    dt.datetime.now(dt.UTC), "00000000-0000-4000-8000-000000000002")
    return encode_payload(Payload([change]))


def _seal(sender: InstallationKeys, recipient: PublicIdentity, payload: bytes, *, schema: str = "0002_sync_state") -> bytes:
    return seal_bundle(payload, sender=sender, sender_code="610402100201", recipient=recipient, seq_from=1,
                       seq_to=1, counts={"changes": 1, "attachments": 0}, schema_version=schema,
                       acks={"received_to": 0}).data


_KILL_SCRIPT = """
import sys, time
from pathlib import Path
import carebook.sync.merge as merge
from carebook.sync.exchange import SyncSite, import_bundle
original = merge._materialise
def slow(*args, **kwargs):
    result = original(*args, **kwargs)
    Path(sys.argv[3]).write_text("in the middle")
    time.sleep(60)
    return result
merge._materialise = slow
site = SyncSite.open(Path(sys.argv[1]), passphrase=sys.argv[4])
import_bundle(site, Path(sys.argv[2]), backup=False)
"""


def test_killed_import_leaves_register_as_before_and_rerun_completes(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 30, seed=3)
        bundle = world.export(village)[0]
        before = content_hash(world.township)
        world.township.close()
        marker = tmp_path / "marker"
        kill_at_marker([_KILL_SCRIPT, str(tmp_path / "township"), str(bundle), str(marker), PASSPHRASE], marker)
        from carebook.sync.exchange import SyncSite

        world.township = SyncSite.open(tmp_path / "township", passphrase=PASSPHRASE)
        assert content_hash(world.township) == before
        result = import_bundle(world.township, bundle, backup=False)
        assert result.merge.applied > 0 and not result.already_imported
        assert len([k for k in tracked_state(world.township) if k[0] == "child"]) == 30
    finally:
        world.close()


def test_export_without_space_fails_cleanly_and_next_export_carries_the_same(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 8, seed=4)
        full = tmp_path / "full-stick"
        full.mkdir()
        with pytest.raises(InsufficientSpaceError) as info:
            export_bundles(village, full, free_space=lambda _d: 1000)
        assert "空间不足" in info.value.message_zh
        assert [p for p in full.iterdir() if not p.name.startswith(TEMP_PREFIX)] == []
        assert village.register.read(unsent_change_count) > 0
        first = export_bundles(village, full)[0]
        again = export_bundles(village, tmp_path)[0]
        assert (first.changes, first.seq_from, first.seq_to) == (again.changes, again.seq_from, again.seq_to)
        assert first.changes == village.register.read(unsent_change_count)
        import_bundle(world.township, first.paths[0], backup=False)
        assert import_bundle(world.township, again.paths[0], backup=False).merge.applied == 0
    finally:
        world.close()


def test_transferred_child_arrives_whole_and_old_village_sees_where_it_went(sync_world: SyncWorld) -> None:
    from carebook.model.children import Child
    from carebook.model.organisation import unit_id_for_code

    world = sync_world
    first, second, _third = world.villages
    ids = world.import_ledger(first, 3, seed=31)
    first.register.record_visit(ids[0], {"visit_date": world.today, "visitor_name": "村儿童主任"})
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    _deliver_returns(world)
    target = unit_id_for_code(second.installation().org_code)
    with world.township.register.writing() as session:
        child = session.get(Child, ids[0])
        assert child is not None
        child.village_id = target
        child.notes = "随父母迁入第2村"
    _deliver_returns(world)
    town = tracked_state(world.township)
    moved = {k: v for k, v in tracked_state(second).items() if k[0] != "org_unit"}
    assert ("child", ids[0]) in moved and all(town[k] == v for k, v in moved.items())
    assert len([k for k in moved if k[0] == "visit"]) == 2 and len([k for k in moved if k[0] == "family_member"]) == 2
    old = tracked_state(first)[("child", ids[0])]
    assert old["village_id"] == target
    second.register.update_child(ids[0], {"school_name": "第2村小学"})
    import_bundles(world.township, world.export(second), backup=False)
    _deliver_returns(world)
    assert world.township.register.child_detail(ids[0]).fields["school_name"] == "第2村小学"
    assert tracked_state(first)[("child", ids[0])]["school_name"] != "第2村小学"


def test_attachment_files_travel_inside_the_bundle(sync_world: SyncWorld) -> None:
    import hashlib

    from carebook.model.attachments import Attachment

    world = sync_world
    village = world.villages[0]
    cid = world.import_ledger(village, 1, seed=41)[0]
    scan = "签字确认书扫描件".encode() * 500
    sha = hashlib.sha256(scan).hexdigest()
    stored = village.db.paths.attachments / sha[:2] / sha
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(scan)
    with village.register.writing() as session:
        session.add(Attachment(child_id=cid, owner_entity="child", owner_id=cid, sha256=sha,
                               filename="qrs.jpg", media_type="image/jpeg", size=len(scan)))
    result = export_bundles(village, world.stick)[0]
    assert result.attachments == 1
    import_bundle(world.township, result.paths[0], backup=False)
    from carebook.model.attachment_store import AttachmentStore

    with world.township.register.reading() as session:
        store = AttachmentStore.of(session, world.township.db.paths.attachments, create=False)
    assert store.get(sha) == scan  # sealed under the township's own attachment key
    assert not (world.township.db.paths.attachments / sha[:2] / sha).exists()
    assert scan not in store.path_of(sha).read_bytes()
    assert ("attachment", next(k[1] for k in tracked_state(village) if k[0] == "attachment")) in tracked_state(
        world.township)


def test_a_large_bundle_split_into_parts_imports_whole(tmp_path: Path) -> None:
    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 20, seed=51)
        result = export_bundles(village, world.stick, part_size=2500)[0]
        assert len(result.paths) > 2 and all(".part" in p.name for p in result.paths)
        outcome = import_bundles(world.township, [result.paths[1]], backup=False)[0]
        assert outcome.merge.applied == result.changes
    finally:
        world.close()


def test_a_village_restored_from_a_backup_cannot_silently_reuse_its_numbers(tmp_path: Path) -> None:
    import shutil

    from carebook.sync.exchange import SyncSite
    from carebook.sync.merge import SequenceReusedError

    world = build_world(tmp_path, 1)
    try:
        village = world.villages[0]
        world.import_ledger(village, 2, seed=61)
        village.close()
        shutil.copytree(tmp_path / "village0", tmp_path / "saved")
        village = world.villages[0] = SyncSite.open(tmp_path / "village0", passphrase=PASSPHRASE)
        cid = village.register.child_ids()[0]
        village.register.update_child(cid, {"notes": "恢复前"})
        import_bundles(world.township, world.export(village), backup=False)
        village.close()
        shutil.rmtree(tmp_path / "village0")
        shutil.copytree(tmp_path / "saved", tmp_path / "village0")
        village = world.villages[0] = SyncSite.open(tmp_path / "village0", passphrase=PASSPHRASE)
        village.register.update_child(cid, {"notes": "恢复后"})
        before = content_hash(world.township, skip=("setting",))
        with pytest.raises(SequenceReusedError):
            import_bundles(world.township, world.export(village), backup=False)
        # no data changed; only the township's local note to send the village its changes back
        # (the repair itself: tests/test_sync_restore.py)
        assert content_hash(world.township, skip=("setting",)) == before
    finally:
        world.close()

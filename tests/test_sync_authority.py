"""Who may change what across sync (issue 5 items 6-7): a village's bundle that changes another
village's records is refused whole with its own message and changes nothing; a child transferred
by the township arrives whole in the new village, the old village keeps a closed file saying
where it went and can no longer change it, while an edit it made before it knew is accepted.
Real registers, real bundles (tests/sync_world.py); synthetic people only."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from carebook.model.children import Child
from carebook.model.errors import StateError
from carebook.model.organisation import OrgUnit, unit_id_for_code
from carebook.model.services.transfer import transfer_child, transferred_away
from carebook.model.transfer_guard import TransferredAwayError
from carebook.sync.authority import ForeignRecordsError, UnauthorisedChangesError
from carebook.sync.changes import Payload, decode_payload, encode_payload
from carebook.sync.exchange import SyncSite, export_bundles, import_bundles
from sync_world import SyncWorld, content_hash, sync_world, tracked_state

__all__ = ["sync_world"]


def _returns(world: SyncWorld) -> None:
    """The township exports one bundle per village; each village imports its own."""
    folder = world.stick / f"ret{time.monotonic_ns()}"
    folder.mkdir()
    for result in export_bundles(world.township, folder):
        village = next(v for v in world.villages if v.installation().org_code == result.peer_code)
        import_bundles(village, result.paths, backup=False)


def _first_round(world: SyncWorld, per_village: int = 2) -> list[list[str]]:
    ids = [world.import_ledger(v, per_village, seed=70 + i) for i, v in enumerate(world.villages)]
    for village in world.villages:
        import_bundles(world.township, world.export(village), backup=False)
    _returns(world)
    return ids


def _unit(site: SyncSite) -> str:
    return unit_id_for_code(site.installation().org_code)


def _force_write(site: SyncSite, child_id: str, **values: object) -> None:
    """Change a child in ``site``'s register through a recorded session, bypassing the services'
    checks: what a tampered program could do."""
    with site.register.writing() as session:
        child = session.get(Child, child_id)
        assert child is not None
        for key, value in values.items():
            setattr(child, key, value)


def test_a_village_bundle_changing_another_villages_child_is_refused_and_changes_nothing(
        sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    ids = _first_round(world)
    foreign = ids[1][0]
    with second.register.reading() as session:
        name = session.get(Child, foreign).name  # type: ignore[union-attr]
    # forged: validly signed by the first village, changing the second village's child
    payload = _forged_payload(world, first, foreign)
    before = content_hash(world.township)
    bundle = _seal_from(world, first, payload)
    with pytest.raises(UnauthorisedChangesError) as refused:
        import_bundles(world.township, [bundle], backup=False)
    assert name in refused.value.message_zh and "第2村" in refused.value.message_zh
    assert name in refused.value.message_en
    assert content_hash(world.township) == before
    # the honest village's bundles still import
    first.register.update_child(ids[0][0], {"school_name": "第1村小学"})
    import_bundles(world.township, world.export(first), backup=False)
    assert world.township.register.child_detail(ids[0][0]).fields["school_name"] == "第1村小学"


def _forged_payload(world: SyncWorld, village: SyncSite, foreign_child: str) -> bytes:
    """A payload of ``village``'s own origin that changes ``foreign_child`` (another village's)."""
    from carebook.model.recording import ChangeRecorder
    from carebook.model.settings import get_value
    from carebook.sync.changes import Change

    with village.register.reading() as session:
        me = village.installation().id
        recorder = ChangeRecorder(me, "伪造者")
        row = recorder.entry(session, "child", foreign_child, "update", "risk_colour", None, "red")
        seq = int(get_value(session, "origin_seq", 0)) + 1
    change = Change(me, seq, row["hlc"], "child", foreign_child, "update", "risk_colour", "null", '"red"',
                    "伪造者", row["at_utc"], row["tx_id"])
    return encode_payload(Payload([change], {}))


def _seal_from(world: SyncWorld, village: SyncSite, payload: bytes, *, to: SyncSite | None = None) -> Path:
    """Seal ``payload`` as a bundle from ``village`` (or any site) to the township (or ``to``),
    signed with the sender's key."""
    from carebook.model import migrations
    from carebook.sync.bundle_files import write_bundle
    from carebook.sync.bundle_format import seal_bundle
    from carebook.sync.peer_store import active_peers

    keys = village.keys()
    with village.register.reading() as session:
        code = to.installation().org_code if to is not None else None
        township = next(p for p in active_peers(session)
                        if (p.code == code if code else p.role == "township"))
    inst = village.installation()
    sealed = seal_bundle(payload, sender=keys, sender_code=inst.org_code, recipient=township, seq_from=None,
                         seq_to=None, counts={"changes": len(decode_payload(payload).changes), "attachments": 0},
                         schema_version=migrations.head_revision() or "", acks={"received_to": 0})
    folder = world.stick / f"forged{time.monotonic_ns()}"
    folder.mkdir()
    return write_bundle(folder, sealed, signer=keys.public()).paths[0]


def test_transfer_reaches_both_villages_and_the_old_one_can_no_longer_change_it(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    ids = _first_round(world)
    moving = ids[0][0]
    first.register.record_visit(moving, {"visit_date": world.today, "visitor_name": "村儿童主任"})
    import_bundles(world.township, world.export(first), backup=False)
    with world.township.register.writing() as session:
        transfer_child(session, moving, second.installation().org_code, reason="随父母迁居", today=world.today)
    _returns(world)
    town = tracked_state(world.township)
    new_state = {k: v for k, v in tracked_state(second).items() if k[0] != "org_unit"}
    # the new village: the whole file, open, with its history, equal to the township's
    assert all(town[k] == v for k, v in new_state.items())
    assert new_state[("child", moving)]["village_id"] == _unit(second)
    assert new_state[("child", moving)]["closed_reason"] is None
    assert len([k for k in new_state if k[0] == "visit"]) >= 2
    # the old village: closed as moved, to the new village (by name through the unit)
    old = tracked_state(first)[("child", moving)]
    assert old["closed_reason"] == "moved" and old["transferred_to"] == second.installation().org_code
    assert old["village_id"] == _unit(second)
    with first.register.reading() as session:
        child = session.get(Child, moving)
        assert child is not None
        went = transferred_away(session, child)
        assert went is not None and went.name == "第2村"
        assert "第2村" in (child.closed_note or "")
    # the old village can no longer change it: its own program refuses, changing nothing ...
    with first.register.reading() as session:
        name = session.get(Child, moving).name  # type: ignore[union-attr]
    local = content_hash(first)
    with pytest.raises(TransferredAwayError) as stopped:
        first.register.update_child(moving, {"school_name": "旧村小学"})
    assert "第2村" in stopped.value.message_zh
    with pytest.raises(StateError):  # closed (and transferred away)
        first.register.record_visit(moving, {"visit_date": world.today, "visitor_name": "村儿童主任"})
    with pytest.raises(TransferredAwayError):
        first.register.reopen_child(moving)
    assert content_hash(first) == local
    # ... and once its next bundle has acknowledged the transfer, a forged bundle changing it
    # anyway (validly signed, context claiming it had not seen the transfer) is refused whole
    first.register.update_child(ids[0][1], {"school_name": "第1村小学"})
    import_bundles(world.township, world.export(first), backup=False)
    before = content_hash(world.township)
    with pytest.raises(UnauthorisedChangesError) as refused:
        import_bundles(world.township, [_seal_from(world, first, _forged_payload(world, first, moving))],
                       backup=False)
    assert name in refused.value.message_zh and "第2村" in refused.value.message_zh
    assert content_hash(world.township) == before
    # the village carries on: its other files still go through
    first.register.update_child(ids[0][1], {"school_name": "第1村中学"})
    import_bundles(world.township, world.export(first), backup=False)
    assert world.township.register.child_detail(ids[0][1]).fields["school_name"] == "第1村中学"


def test_an_edit_made_before_the_village_knew_of_the_transfer_is_accepted(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    ids = _first_round(world)
    moving = ids[0][1]
    with world.township.register.writing() as session:
        transfer_child(session, moving, second.installation().org_code, reason="寄养到亲戚家", today=world.today)
    # meanwhile, before the return bundle, the old village records a visit
    first.register.record_visit(moving, {"visit_date": world.today, "visitor_name": "村儿童主任"})
    import_bundles(world.township, world.export(first), backup=False)
    _returns(world)
    with world.township.register.reading() as session:
        from sqlalchemy import func, select

        from carebook.model.visits import Visit

        assert session.scalar(select(func.count()).select_from(Visit).where(Visit.child_id == moving)) == 2
    # and the late visit reaches the new village
    assert len([k for k, v in tracked_state(second).items() if k[0] == "visit" and v["child_id"] == moving]) == 2


def test_a_village_may_not_move_a_child_itself(sync_world: SyncWorld) -> None:
    world = sync_world
    first, second, _third = world.villages
    ids = _first_round(world)
    before = content_hash(world.township)
    _force_write(first, ids[0][0], village_id=_unit(second))
    with pytest.raises(UnauthorisedChangesError) as refused:
        import_bundles(world.township, world.export(first), backup=False)
    assert "所属村" in refused.value.message_zh
    assert content_hash(world.township) == before
    with world.township.register.reading() as session:
        unit = session.get(OrgUnit, _unit(first))
        assert unit is not None and session.get(Child, ids[0][0]).village_id == unit.id  # type: ignore[union-attr]


def test_a_village_refuses_a_township_bundle_carrying_another_villages_children(sync_world: SyncWorld) -> None:
    from carebook.sync.changes import log_rows_of_records

    world = sync_world
    first, _second, _third = world.villages
    ids = _first_round(world)
    with world.township.register.reading() as session:
        rows = [c for c in log_rows_of_records(session, [("child", ids[1][0])])]
    for c in rows:
        c.seq = 0
    bundle = _seal_from(world, world.township, encode_payload(Payload(rows, {})), to=first)
    before = content_hash(first)
    with pytest.raises(ForeignRecordsError) as refused:
        import_bundles(first, [bundle], backup=False)
    assert "第2村" in refused.value.message_zh
    assert content_hash(first) == before

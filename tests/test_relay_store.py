"""The relay's files without a server: resumable appends that survive a torn write, dedupe,
superseded half-uploads, quotas and slots, the final checks, addressee-only mailboxes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from carebook.sync.relay_auth import RelayMember
from carebook.sync.relay_store import RelayLimits, RelayStore, StoreRefused
from relay_helpers import RelayWorld, make_world, sealed_for


@pytest.fixture
def world(tmp_path: Path) -> Iterator[RelayWorld]:
    yield from make_world(tmp_path, limits=RelayLimits(quota=400_000, max_open_uploads=2))


def _member(world: RelayWorld, keys_index: int | None) -> RelayMember:
    keys = world.township if keys_index is None else world.villages[keys_index]
    return world.store.members()[keys.public().signing_key_id]


def test_append_resumes_after_a_torn_write_and_finishes_once(world: RelayWorld) -> None:
    village, town = _member(world, 0), world.township.installation_id
    data = sealed_for(world.villages[0], world.township, size=100_000)
    sha = hashlib.sha256(data).hexdigest()
    store = world.store
    assert store.begin_upload(village, town, len(data), sha).offset == 0
    assert store.append(village, sha, 0, data[:40_000]).offset == 40_000
    # a crash half-way through the next chunk left bytes past the recorded offset
    part = store.partial_files()[0]
    with open(part, "ab") as handle:
        handle.write(b"\x00" * 7_000)
    assert store.begin_upload(village, town, len(data), sha).offset == 40_000  # resume point
    with pytest.raises(StoreRefused) as wrong:
        store.append(village, sha, 10_000, data[10_000:20_000])
    assert (wrong.value.code, wrong.value.extra["offset"]) == ("offset_mismatch", 40_000)
    state = store.append(village, sha, 40_000, data[40_000:])
    assert state.status == "stored"
    [stored] = store.stored_files()
    assert stored.read_bytes() == data
    # a duplicate upload of the same bytes: nothing to send, still one copy
    assert store.begin_upload(village, town, len(data), sha).status == "stored"
    assert store.append(village, sha, 0, data[:10]).status == "stored"
    assert store.stored_files() == [stored] and store.partial_files() == []


def test_a_new_export_supersedes_the_half_uploaded_old_one(world: RelayWorld) -> None:
    village, town = _member(world, 0), world.township.installation_id
    store = world.store
    old = [sealed_for(world.villages[0], world.township, size=50_000) for _ in range(2)]
    for data in old:
        sha = hashlib.sha256(data).hexdigest()
        store.begin_upload(village, town, len(data), sha)
        store.append(village, sha, 0, data[:1000])
    # only the last one remains: earlier half-uploads to the same recipient were dropped
    assert len(store.partial_files()) == 1
    new = sealed_for(world.villages[0], world.township, size=50_000)
    new_sha = hashlib.sha256(new).hexdigest()
    store.begin_upload(village, town, len(new), new_sha)
    assert [p.stem for p in store.partial_files()] == [new_sha]
    with pytest.raises(StoreRefused) as gone:
        store.append(village, hashlib.sha256(old[1]).hexdigest(), 1000, old[1][1000:])
    assert gone.value.code == "not_found"
    # the township's uploads to different villages do not supersede each other
    township = _member(world, None)
    for i in range(2):
        data = sealed_for(world.township, world.villages[i], size=1000)
        store.begin_upload(township, world.villages[i].installation_id, len(data), hashlib.sha256(data).hexdigest())
    assert len(store.partial_files()) == 3
    data = sealed_for(world.township, world.villages[2], size=1000)
    with pytest.raises(StoreRefused) as slots:
        store.begin_upload(township, world.villages[2].installation_id, len(data), hashlib.sha256(data).hexdigest())
    assert slots.value.code == "too_many_uploads"


def test_quota_counts_waiting_bundles_until_delivered(world: RelayWorld) -> None:
    village, town = _member(world, 0), world.township.installation_id
    store = world.store
    first = sealed_for(world.villages[0], world.township, size=300_000)
    sha = hashlib.sha256(first).hexdigest()
    store.begin_upload(village, town, len(first), sha)
    store.append(village, sha, 0, first)
    second = sealed_for(world.villages[0], world.township, size=200_000)
    with pytest.raises(StoreRefused) as quota:
        store.begin_upload(village, town, len(second), hashlib.sha256(second).hexdigest())
    assert quota.value.code == "quota"
    township = _member(world, None)
    assert [b.sha256 for b in store.inbox(township)] == [sha]
    store.acknowledge(township, sha)
    store.acknowledge(township, sha)  # twice is fine
    assert store.begin_upload(village, town, len(second), hashlib.sha256(second).hexdigest()).offset == 0


def test_mailboxes_answer_only_their_addressee(world: RelayWorld) -> None:
    store = world.store
    township, a, b = _member(world, None), _member(world, 0), _member(world, 1)
    data = sealed_for(world.township, world.villages[1], size=5000)
    sha = hashlib.sha256(data).hexdigest()
    store.begin_upload(township, b.installation_id, len(data), sha)
    store.append(township, sha, 0, data)
    assert store.inbox(a) == [] and [x.sha256 for x in store.inbox(b)] == [sha]
    for call in (store.bundle_path, store.acknowledge):
        with pytest.raises(StoreRefused) as refused:
            call(a, sha)
        assert refused.value.status == 404
    assert store.bundle_path(b, sha).read_bytes() == data


def test_final_hash_and_recipient_are_checked(world: RelayWorld) -> None:
    village, town = _member(world, 0), world.township.installation_id
    store = world.store
    data = sealed_for(world.villages[0], world.township, size=5000)
    wrong_sha = hashlib.sha256(data + b"x").hexdigest()
    store.begin_upload(village, town, len(data), wrong_sha)
    with pytest.raises(StoreRefused) as mismatch:
        store.append(village, wrong_sha, 0, data)
    assert mismatch.value.code == "hash_mismatch"
    other = world.villages[1].installation_id  # declared for someone the header does not name
    sha = hashlib.sha256(data).hexdigest()
    store.begin_upload(village, other, len(data), sha)
    with pytest.raises(StoreRefused) as recipient:
        store.append(village, sha, 0, data)
    assert recipient.value.code == "wrong_recipient"
    assert store.stored_files() == [] and store.partial_files() == []


def test_store_reopens_with_its_anchors_and_lists(world: RelayWorld) -> None:
    again = RelayStore(world.store.root)
    assert again.anchors() == [world.township.public().signing_public_key]
    assert set(again.members()) == set(world.store.members())
    assert len(again.members()) == 4

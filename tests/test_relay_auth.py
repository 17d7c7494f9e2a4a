"""Request signing at the relay: unsigned, wrongly signed, tampered, stale and replayed
requests are refused and store nothing (real uvicorn server on loopback, raw httpx requests)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carebook.sync.identity import InstallationKeys
from carebook.sync.relay_auth import (
    HEADER_KEY,
    AuthRefused,
    KeysListInvalid,
    ReplayGuard,
    sign_enrolled_keys,
    sign_request,
    verify_enrolled_keys,
)
from carebook.sync.relay_server import relay_in_thread
from relay_helpers import RelayWorld, make_world, sealed_for


@pytest.fixture
def world(tmp_path: Path) -> Iterator[RelayWorld]:
    yield from make_world(tmp_path)


def _store_is_empty(world: RelayWorld) -> bool:
    uploads = list((world.store.root / "uploads").rglob("*"))
    return world.store.stored_files() == [] and [p for p in uploads if p.is_file()] == []


def _begin_body(world: RelayWorld, data: bytes) -> bytes:
    return json.dumps({"recipient": world.township.installation_id, "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()}).encode()  # fmt: skip


def _signed(keys: InstallationKeys, method: str, path: str, body: bytes, **kwargs: object) -> dict[str, str]:
    return sign_request(keys, method, path, body, timestamp=int(time.time()), **kwargs)  # type: ignore[arg-type]


def test_unsigned_wrongly_signed_and_tampered_requests_store_nothing(world: RelayWorld) -> None:
    village = world.villages[0]
    data = sealed_for(village, world.township, size=20_000)
    body = _begin_body(world, data)
    outsider = InstallationKeys.generate()
    with relay_in_thread(world.store) as relay, httpx.Client(base_url=relay.url) as http:
        # no signature at all
        r = http.post("/v1/uploads", content=body)
        assert (r.status_code, r.json()["error"]) == (401, "unsigned")
        # a key the township never published
        r = http.post("/v1/uploads", content=body, headers=_signed(outsider, "POST", "/v1/uploads", body))
        assert (r.status_code, r.json()["error"]) == (401, "unknown_key")
        # an enrolled key id, signed with another key (forgery)
        headers = _signed(outsider, "POST", "/v1/uploads", body)
        headers[HEADER_KEY] = village.public().signing_key_id
        r = http.post("/v1/uploads", content=body, headers=headers)
        assert (r.status_code, r.json()["error"]) == (401, "bad_signature")
        # signed for another path, method or body
        r = http.post("/v1/uploads", content=body, headers=_signed(village, "POST", "/v1/inbox", body))
        assert r.json()["error"] == "bad_signature"
        r = http.post("/v1/uploads", content=body, headers=_signed(village, "GET", "/v1/uploads", body))
        assert r.json()["error"] == "bad_signature"
        r = http.post("/v1/uploads", content=body.replace(b'"size"', b' "size"'),
                      headers=_signed(village, "POST", "/v1/uploads", body))  # fmt: skip
        assert (r.status_code, r.json()["error"]) == (400, "body_hash")
        # a signature made long ago (captured and held back)
        old = sign_request(village, "POST", "/v1/uploads", body, timestamp=int(time.time()) - 3600)
        r = http.post("/v1/uploads", content=body, headers=old)
        assert (r.status_code, r.json()["error"]) == (401, "clock_skew")
        assert abs(int(r.headers["X-Carebook-Time"]) - time.time()) < 5
        # garbage in the signature headers
        junk = {**_signed(village, "POST", "/v1/uploads", body), "X-Carebook-Signature": "zz"}
        assert http.post("/v1/uploads", content=body, headers=junk).json()["error"] == "unsigned"
        assert _store_is_empty(world)


def test_replayed_requests_are_refused(world: RelayWorld) -> None:
    village = world.villages[0]
    data = sealed_for(village, world.township, size=20_000)
    sha = hashlib.sha256(data).hexdigest()
    body = _begin_body(world, data)
    with relay_in_thread(world.store) as relay, httpx.Client(base_url=relay.url) as http:
        begin = _signed(village, "POST", "/v1/uploads", body)
        assert http.post("/v1/uploads", content=body, headers=begin).status_code == 200
        replay = http.post("/v1/uploads", content=body, headers=begin)
        assert (replay.status_code, replay.json()["error"]) == (401, "replayed")
        path = f"/v1/uploads/{sha}"
        append = {**_signed(village, "PATCH", path, data), "Upload-Offset": "0"}
        first = http.patch(path, content=data, headers=append)
        assert first.status_code == 200 and first.json()["status"] == "stored"
        again = http.patch(path, content=data, headers=append)
        assert (again.status_code, again.json()["error"]) == (401, "replayed")
        assert len(world.store.stored_files()) == 1
        # a captured download request replayed by someone else gets nothing either
        # (the township fetches; the replay of its signed GET is refused)
        fetch_path = f"/v1/inbox/{sha}"
        fetch = _signed(world.township, "GET", fetch_path, b"")
        assert http.get(fetch_path, headers=fetch).content == data
        stolen = http.get(fetch_path, headers=fetch)
        assert (stolen.status_code, stolen.json()["error"]) == (401, "replayed")


def test_replay_guard_window_and_restart() -> None:
    now = 1_800_000_000.0
    guard = ReplayGuard(300, started_at=now)
    guard.check("k", int(now), "a" * 32, now)
    with pytest.raises(AuthRefused, match="replayed"):
        guard.check("k", int(now), "a" * 32, now + 10)
    guard.check("other", int(now), "a" * 32, now)  # nonces are per key
    with pytest.raises(AuthRefused, match="clock_skew"):
        guard.check("k", int(now) + 301, "b" * 32, now)
    # after a restart the cache is empty, but requests stamped before the start are refused
    restarted = ReplayGuard(300, started_at=now + 100)
    with pytest.raises(AuthRefused, match="clock_skew"):
        restarted.check("k", int(now), "a" * 32, now + 110)
    # old nonces fall out of the cache once outside the window
    small = ReplayGuard(300, started_at=now, max_nonces=2)
    small.check("k", int(now), "1" * 32, now)
    small.check("k", int(now), "2" * 32, now)
    with pytest.raises(AuthRefused, match="busy"):
        small.check("k", int(now), "3" * 32, now)
    small.check("k", int(now) + 400, "3" * 32, now + 400)


def test_enrolled_keys_envelope_checks(world: RelayWorld) -> None:
    anchor = world.township.public().signing_public_key
    envelope = sign_enrolled_keys(world.township, township_code="610402100", villages=world.peers, serial=7)
    listing = verify_enrolled_keys(envelope, [anchor])
    assert listing.serial == 7 and len(listing.members) == 3
    assert {m.installation_id for m in listing.members} == {p.installation_id for p in world.peers}
    with pytest.raises(KeysListInvalid, match="does not trust"):
        verify_enrolled_keys(envelope, [])
    tampered = envelope.replace(b'"serial":7', b'"serial":8')
    assert tampered != envelope
    with pytest.raises(KeysListInvalid, match="signature"):
        verify_enrolled_keys(tampered, [anchor])
    retired = [world.peers[0].retire(), *world.peers[1:]]
    smaller = sign_enrolled_keys(world.township, township_code="610402100", villages=retired, serial=8)
    assert len(verify_enrolled_keys(smaller, [anchor]).members) == 2

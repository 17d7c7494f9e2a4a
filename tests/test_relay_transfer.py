"""The inbox relay on a real uvicorn server on loopback, behind a fault-injecting TCP proxy:
resumable uploads over a dropping link, one stored copy, addressee-only downloads, TLS pinning,
a wrong village clock, limits."""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from carebook.sync.bundle_format import parse_container, seal_bundle
from carebook.sync.identity import InstallationKeys
from carebook.sync.relay_auth import sign_enrolled_keys
from carebook.sync.relay_client import (
    RelayCertificateError,
    RelayClient,
    RelayRefusedError,
    RelayUnreachableError,
    RetryPolicy,
)
from carebook.sync.relay_server import make_self_signed_cert, relay_in_thread
from carebook.sync.relay_store import RelayLimits
from faulty_proxy import ConnectProxy, Fault, FaultyProxy
from relay_helpers import RelayWorld, make_world, sealed_for

FAST = RetryPolicy(attempts=8, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[RelayWorld]:
    yield from make_world(tmp_path)


def test_five_megabyte_bundle_survives_five_drops_and_is_stored_once(world: RelayWorld) -> None:
    village = world.villages[0]
    data = sealed_for(village, world.township, size=5 * 1024 * 1024)
    sha = hashlib.sha256(data).hexdigest()
    with relay_in_thread(world.store) as relay:
        faults = [Fault(drop_after=900_000, reset=i % 2 == 1) for i in range(5)]
        with FaultyProxy(("127.0.0.1", relay.port), faults) as proxy:
            progress: list[tuple[int, int]] = []
            with RelayClient(proxy.url, village, retry=FAST, progress=lambda d, t: progress.append((d, t))) as client:
                result = client.push_bundle(data, world.township.installation_id)
            assert proxy.drops == 5
            assert result.status == "stored" and result.sha256 == sha
            assert result.retries >= 5
            assert progress[-1] == (len(data), len(data))
            assert [d for d, _ in progress] == sorted(d for d, _ in progress)  # never goes back
            stored = world.store.stored_files()
            assert len(stored) == 1
            assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == sha
            assert world.store.partial_files() == []
            # the same bundle again (a retried push, or a second click): nothing sent, one copy
            with RelayClient(proxy.url, village, retry=FAST) as client:
                again = client.push_bundle(data, world.township.installation_id)
            assert again.status == "stored" and again.bytes_sent == 0
            assert world.store.stored_files() == stored
        # the township pulls it through its own (clean) link and the relay forgets it
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            pulled = client.pull(world.base / "township-inbox")
        assert [p.sha256 for p in pulled] == [sha]
        assert pulled[0].path.read_bytes() == data
        assert pulled[0].path.name.endswith(".cbk") and pulled[0].path.name.isascii()
        assert world.store.stored_files() == []
        # a re-upload of a delivered bundle is recognised, not delivered twice
        with RelayClient(relay.url, village, retry=FAST) as client:
            assert client.push_bundle(data, world.township.installation_id).status == "delivered"
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            assert client.inbox() == []


def test_download_resumes_across_drops(world: RelayWorld) -> None:
    village = world.villages[1]
    data = sealed_for(world.township, village, size=2 * 1024 * 1024)
    with relay_in_thread(world.store) as relay:
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            client.push_bundle(data, village.installation_id)
        # the link drops twice in the middle of the download (server -> village direction)
        faults = [Fault(drop_down_after=400_000), Fault(drop_down_after=600_000, reset=True)]
        with FaultyProxy(("127.0.0.1", relay.port), faults) as proxy:
            dest = world.base / "village-inbox"
            dest.mkdir()
            # a half-downloaded file from an earlier, interrupted pull
            (dest / f"relay-{hashlib.sha256(data).hexdigest()[:32]}.part").write_bytes(data[:700_000])
            seen: list[tuple[int, int]] = []
            with RelayClient(proxy.url, village, retry=FAST, progress=lambda d, t: seen.append((d, t))) as client:
                pulled = client.pull(dest)
            assert proxy.drops == 2
            assert seen[0][0] > 700_000 and seen[-1] == (len(data), len(data))
        assert len(pulled) == 1 and pulled[0].path.read_bytes() == data
        assert not list(dest.glob("*.part"))


def test_upload_gives_up_cleanly_when_the_link_never_works(world: RelayWorld) -> None:
    village = world.villages[0]
    data = sealed_for(village, world.township, size=600_000)
    with relay_in_thread(world.store) as relay:
        with FaultyProxy(("127.0.0.1", relay.port), [Fault(drop_after=300)] * 100) as proxy:
            sleeps: list[float] = []
            notices: list[tuple[int, int, str, float]] = []
            client = RelayClient(proxy.url, village, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=4.0),
                                 sleep=sleeps.append, rng=random.Random(1),
                                 on_retry=lambda *notice: notices.append(notice))  # fmt: skip
            with client, pytest.raises(RelayUnreachableError) as info:
                client.push_bundle(data, world.township.installation_id)
        # exponential backoff with jitter: each wait within [cap/2, cap], caps 1, 2, 4
        assert len(sleeps) == 3
        # each wait announced first: failures so far, attempts allowed, why, the wait
        assert [(n, a, d) for n, a, _why, d in notices] == [(i + 1, 4, s) for i, s in enumerate(sleeps)]
        assert all(why for _n, _a, why, _d in notices)
        for wait, cap in zip(sleeps, [1.0, 2.0, 4.0], strict=True):
            assert cap / 2 <= wait <= cap
        assert "连不上中转站" in info.value.message_zh
    assert world.store.stored_files() == []


def test_village_cannot_fetch_or_delete_another_villages_return_bundle(world: RelayWorld) -> None:
    a, b = world.villages[0], world.villages[1]
    for_b = sealed_for(world.township, b, size=10_000)
    sha = hashlib.sha256(for_b).hexdigest()
    with relay_in_thread(world.store) as relay:
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            assert client.push_bundle(for_b, b.installation_id).status == "stored"
        with RelayClient(relay.url, a, retry=FAST) as client:
            assert client.inbox() == []
            with pytest.raises(RelayRefusedError) as fetch:
                client.request("GET", f"/v1/inbox/{sha}")
            assert fetch.value.status == 404
            with pytest.raises(RelayRefusedError) as delete:
                client.request("DELETE", f"/v1/inbox/{sha}")
            assert delete.value.status == 404
            assert client.pull(world.base / "a-inbox") == []
            # nor may a village leave bundles for another village
            with pytest.raises(RelayRefusedError) as forbidden:
                client.push_bundle(sealed_for(a, b, size=1000), b.installation_id)
            assert forbidden.value.code == "forbidden"
        assert len(world.store.stored_files()) == 1
        with RelayClient(relay.url, b, retry=FAST) as client:
            pulled = client.pull(world.base / "b-inbox")
        assert [p.path.read_bytes() for p in pulled] == [for_b]


def test_tls_with_pinned_self_signed_certificate(world: RelayWorld) -> None:
    cert, key = world.base / "tls" / "relay.pem", world.base / "tls" / "relay.key"
    pem = make_self_signed_cert(cert, key, host="127.0.0.1")
    assert os.stat(key).st_mode & 0o077 == 0
    other_pem = make_self_signed_cert(world.base / "o.pem", world.base / "o.key", host="127.0.0.1")
    village = world.villages[2]
    data = sealed_for(village, world.township, size=300_000)
    with relay_in_thread(world.store, tls_cert=cert, tls_key=key) as relay:
        assert relay.url.startswith("https://")
        # through the faulty proxy too: TLS passes through, the upload resumes
        with FaultyProxy(("127.0.0.1", relay.port), [Fault(drop_after=120_000)]) as proxy:
            url = f"https://127.0.0.1:{proxy.port}"
            with RelayClient(url, village, pinned_cert=pem, retry=FAST, chunk_size=64 * 1024) as client:
                assert client.push_bundle(data, world.township.installation_id).status == "stored"
            assert proxy.drops == 1
        with RelayClient(relay.url, village, pinned_cert=other_pem, retry=FAST) as client:
            with pytest.raises(RelayCertificateError) as info:
                client.inbox()
            assert "冒充" in info.value.message_zh
        # without a pin the system trust store does not know a self-signed relay either
        with RelayClient(relay.url, village, retry=FAST) as client, pytest.raises(RelayCertificateError):
            client.inbox()
    assert len(world.store.stored_files()) == 1
    with pytest.raises(ValueError, match="https"):  # a pinned relay is never reached over plain http
        RelayClient(relay.url.replace("https://", "http://"), village, pinned_cert=pem)


def test_village_pc_with_a_clock_years_off_still_signs_acceptably(world: RelayWorld) -> None:
    skew = 3 * 365 * 86400.0
    relay_clock = lambda: time.time() - skew  # noqa: E731
    with relay_in_thread(world.store, clock=relay_clock) as relay, RelayClient(relay.url, world.villages[0], retry=FAST) as client:
        data = sealed_for(world.villages[0], world.township, size=5000)
        assert client.push_bundle(data, world.township.installation_id).status == "stored"
        assert client.clock_offset is not None and abs(client.clock_offset + skew) < 5


def test_size_limit_and_quota(tmp_path: Path) -> None:
    world = next(make_world(tmp_path, limits=RelayLimits(max_bundle=50_000, quota=60_000, max_chunk=64 * 1024)))
    village = world.villages[0]
    with relay_in_thread(world.store) as relay, RelayClient(relay.url, village, retry=FAST) as client:
        with pytest.raises(RelayRefusedError) as big:
            client.push_bundle(sealed_for(village, world.township, size=60_000), world.township.installation_id)
        assert big.value.code == "too_large" and big.value.status == 413
        client.push_bundle(sealed_for(village, world.township, size=40_000), world.township.installation_id)
        with pytest.raises(RelayRefusedError) as quota:
            client.push_bundle(sealed_for(village, world.township, size=30_000), world.township.installation_id)
        assert quota.value.code == "quota" and "满额" in quota.value.message_zh
        # a request body over the chunk limit is refused before it is stored
        response = httpx.post(f"{relay.url}/v1/uploads", content=b"x" * (200 * 1024))
        assert response.status_code == 413
    assert len(world.store.stored_files()) == 1


def test_health_needs_no_signature_and_says_the_time(world: RelayWorld) -> None:
    with relay_in_thread(world.store) as relay:
        response = httpx.get(f"{relay.url}/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and abs(body["time"] - time.time()) < 5
    assert response.headers["X-Carebook-Time"].isdigit()


def test_township_publishes_keys_and_a_removed_village_is_shut_out(world: RelayWorld) -> None:
    village = world.villages[0]
    with relay_in_thread(world.store) as relay:
        with RelayClient(relay.url, village, retry=FAST) as client:
            assert client.inbox() == []
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            peers = [p for p in world.peers if p.installation_id != village.installation_id]
            serial = client.publish_keys(lambda s: sign_enrolled_keys(
                world.township, township_code="610402100", villages=peers, serial=s))  # fmt: skip
            assert serial > 1
        with RelayClient(relay.url, village, retry=FAST) as client:
            with pytest.raises(RelayRefusedError) as info:
                client.inbox()
            assert info.value.code == "unknown_key"
        # an old list (lower serial) cannot be replayed to let the village back in
        old = sign_enrolled_keys(world.township, township_code="610402100", villages=world.peers, serial=1)
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            response = client.request("PUT", "/v1/keys", old, accept=(409,))
            assert response.status_code == 409
        # a list signed by a village key is not accepted either
        forged = sign_enrolled_keys(village, township_code="610402100", villages=world.peers, serial=10**10)
        with RelayClient(relay.url, village, retry=FAST) as client, pytest.raises(RelayRefusedError):
            client.request("PUT", "/v1/keys", forged)


def test_bundle_content_is_checked_at_the_end(world: RelayWorld) -> None:
    """A complete upload that is not a bundle signed by its uploader for the declared recipient
    is discarded."""
    village = world.villages[0]
    other = InstallationKeys.generate()
    forged = seal_bundle(os.urandom(2000), sender=other, sender_code="x", recipient=world.township.public(),
                         seq_from=1, seq_to=1, counts={}, schema_version="0", acks={}).data  # fmt: skip
    assert parse_container(forged).header.recipient_installation_id == world.township.installation_id
    with relay_in_thread(world.store) as relay, RelayClient(relay.url, village, retry=FAST) as client:
        with pytest.raises(RelayRefusedError) as info:
            client.push_bundle(forged, world.township.installation_id)
        assert info.value.code == "not_signed_by_sender"
        with pytest.raises(RelayRefusedError) as junk:
            client.push_bundle(os.urandom(3000), world.township.installation_id)
        assert junk.value.code == "not_a_bundle"
    assert world.store.stored_files() == [] and world.store.partial_files() == []


def test_client_honours_the_https_proxy_variable(world: RelayWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = world.base / "relay.pem", world.base / "relay.key"
    pem = make_self_signed_cert(cert, key, host="127.0.0.1")
    village = world.villages[0]
    with relay_in_thread(world.store, tls_cert=cert, tls_key=key) as relay, ConnectProxy() as proxy:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with RelayClient(relay.url, village, pinned_cert=pem, retry=FAST) as client:
            data = sealed_for(village, world.township, size=50_000)
            assert client.push_bundle(data, world.township.installation_id).status == "stored"
        assert proxy.tunnels and set(proxy.tunnels) == {f"127.0.0.1:{relay.port}"}


def test_logs_are_structured_and_hold_no_personal_data(world: RelayWorld, caplog: pytest.LogCaptureFixture) -> None:
    import json
    import logging

    village = world.villages[0]
    data = sealed_for(village, world.township, size=20_000)
    with caplog.at_level(logging.INFO, logger="carebook.relay"), relay_in_thread(world.store) as relay:
        with RelayClient(relay.url, village, retry=FAST) as client:
            client.push_bundle(data, world.township.installation_id)
        with RelayClient(relay.url, world.township, retry=FAST) as client:
            client.pull(world.base / "in")
        httpx.get(f"{relay.url}/v1/inbox")  # unsigned: refused and logged
    lines = [r.getMessage() for r in caplog.records if r.name == "carebook.relay"]
    events = [json.loads(line) for line in lines]
    assert {"upload_begin", "upload_stored", "fetch", "delivered", "refused"} <= {e["event"] for e in events}
    text = "\n".join(lines)
    assert "127.0.0.1" not in text  # no client addresses
    assert "第1村" not in text and "610402100201" not in text  # no names, no village codes
    assert village.installation_id not in text and world.township.installation_id not in text


def test_a_stalled_link_times_out_and_the_push_carries_on(world: RelayWorld) -> None:
    village = world.villages[0]
    data = sealed_for(village, world.township, size=200_000)
    # the first connection stalls (every piece held back 2 s); the client gives up on it after
    # its read timeout and goes on over a fresh connection
    with relay_in_thread(world.store) as relay, FaultyProxy(("127.0.0.1", relay.port), [Fault(delay=2.0)]) as proxy:
        timeout = httpx.Timeout(0.5)
        with RelayClient(proxy.url, village, retry=FAST, timeout=timeout, chunk_size=64 * 1024) as client:
            result = client.push_bundle(data, world.township.installation_id)
        assert proxy.connections >= 2
    assert result.status == "stored" and result.retries >= 1
    assert len(world.store.stored_files()) == 1

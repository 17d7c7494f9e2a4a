"""``carebook serve``, ``push`` and ``pull`` end to end: a township and two villages (real
encrypted registers) exchange bundles through a real relay instead of a USB stick; the township
register also on PostgreSQL through ``--database-url``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from carebook.cli.main import main
from carebook.model.queries.sync_status import unsent_change_count
from carebook.sync.relay_client import pinned_ssl_context
from carebook.sync.relay_server import make_self_signed_cert, relay_in_thread
from carebook.sync.relay_store import RelayStore
from sync_world import PASSPHRASE, SyncWorld, build_world, tracked_state


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAREBOOK_DATABASE_URL", raising=False)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    world = build_world(tmp_path, 2)
    # the township's first bundles from each village arrive by USB stick (enrolment proof)
    for village in world.villages:
        world.deliver(world.township, world.export(village))
    return world


def _dir(site: object) -> str:
    return str(site.db.paths.root)  # type: ignore[attr-defined]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    capsys.readouterr()
    assert main([*argv, "--json"] if argv[-1] != "--show-key" else list(argv)) == 0
    out = capsys.readouterr().out
    return {"text": out} if "--show-key" in argv else json.loads(out)


def test_push_and_pull_through_the_relay(world: SyncWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town = _dir(world.township)
    key_hex = str(_run(capsys, "--data-dir", town, "push", "--show-key")["text"]).strip()
    assert len(key_hex) == 64
    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    make_self_signed_cert(cert, key, host="127.0.0.1")
    store = RelayStore(tmp_path / "relay")
    store.add_anchor(bytes.fromhex(key_hex))
    children = [world.import_ledger(v, 5, seed=10 + i) for i, v in enumerate(world.villages)]
    world.villages[0].register.update_child(children[0][0], {"risk_colour": "red"})
    for site in world.sites():  # the CLI opens the registers itself
        site.close()
    with relay_in_thread(store, tls_cert=cert, tls_key=key) as relay:
        published = _run(capsys, "--data-dir", town, "push", relay.url, "--cert", str(cert))
        assert published["published_keys"] == {"serial": published["published_keys"]["serial"], "villages": 2}  # type: ignore[index]
        for village in world.villages:
            pushed = _run(capsys, "--data-dir", _dir(village), "push", relay.url, "--cert", str(cert))
            assert [b["status"] for b in pushed["bundles"]] == ["stored"]  # type: ignore[attr-defined]
        pulled = _run(capsys, "--data-dir", town, "pull")  # URL and certificate remembered
        assert len(pulled["downloaded"]) == 2  # type: ignore[arg-type]
        assert all(not r["already_imported"] for r in pulled["imported"])  # type: ignore[attr-defined]
        # what waits now is the return bundles of the first push (one per village), none for the township
        assert len(store.stored_files()) == 2
        _run(capsys, "--data-dir", town, "push")  # return bundles acknowledging what arrived
        for village in world.villages:
            back = _run(capsys, "--data-dir", _dir(village), "pull", relay.url, "--cert", str(cert))
            assert len(back["downloaded"]) == 2  # type: ignore[arg-type]
        assert store.stored_files() == []
    from carebook.sync.exchange import SyncSite

    sites = [SyncSite.open(Path(_dir(s)), passphrase=PASSPHRASE) for s in world.sites()]
    try:
        town_state = tracked_state(sites[0])
        assert len([k for k in town_state if k[0] == "child"]) == 10
        for village in sites[1:]:
            mine = tracked_state(village)
            assert all(town_state[k] == v for k, v in mine.items())
            assert village.register.read(unsent_change_count) == 0
    finally:
        for site in sites:
            site.close()


def test_push_refused_by_a_relay_that_does_not_know_the_village(
    world: SyncWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = RelayStore(tmp_path / "relay")
    store.add_anchor(world.township.keys().public().signing_public_key)  # but nothing published
    village = _dir(world.villages[0])
    for site in world.sites():
        site.close()
    with relay_in_thread(store) as relay:
        capsys.readouterr()
        assert main(["--data-dir", village, "push", relay.url]) == 1
    err = capsys.readouterr().err
    assert "中转站不认识本机" in err and "Traceback" not in err
    assert store.stored_files() == []



def test_pull_from_an_unreachable_relay_says_it_is_retrying(
    world: SyncWorld, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody listens at the relay's address: each retry is announced on stderr (it used to be
    about 85 s of silence before the final message), then the final message; nothing imported."""
    import carebook.sync.relay_client as relay_client_module

    fast = relay_client_module.RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)
    monkeypatch.setattr(relay_client_module, "RetryPolicy", lambda: fast)
    town = _dir(world.township)
    for site in world.sites():
        site.close()
    capsys.readouterr()
    assert main(["--data-dir", town, "pull", f"http://127.0.0.1:{_free_port()}", "--json"]) == 1
    captured = capsys.readouterr()
    notices = [line for line in captured.err.splitlines() if "秒后再试" in line]
    assert len(notices) == 2, captured.err
    assert "连不上中转站（ConnectError）" in notices[0] and "第 2 次，最多 3 次" in notices[0]
    assert "第 3 次，最多 3 次" in notices[1]
    assert "已试 3 次" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_command_runs_a_tls_relay(tmp_path: Path) -> None:
    port = _free_port()
    store = tmp_path / "store"
    env = {**os.environ, "CAREBOOK_LANG": "en"}
    key = "11" * 32
    proc = subprocess.Popen(
        [sys.executable, "-m", "carebook", "serve", "--store", str(store), "--port", str(port),
         "--make-tls-cert", "--township-key", key],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        cert = store / "tls" / "relay.pem"
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            if cert.exists():
                try:
                    context = pinned_ssl_context(cert.read_bytes())
                    response = httpx.get(f"https://127.0.0.1:{port}/v1/health", verify=context, timeout=2)
                    break
                except (httpx.TransportError, ValueError):
                    pass
            assert time.monotonic() < deadline, "relay did not start"
            time.sleep(0.1)
        assert response.json()["status"] == "ok"
        assert json.loads((store / "anchors.json").read_text())["township_keys"] == [key]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    assert "Certificate fingerprint" in out
    assert "Traceback" not in err


def test_serve_without_a_township_key_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "serve", "--store", str(tmp_path / "s")]) == 1
    assert "--township-key" in capsys.readouterr().err


def test_database_url_reaches_the_register(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from pg_server import fresh_database_url

    url = fresh_database_url()
    monkeypatch.setenv("CAREBOOK_KEYRING", "off")
    monkeypatch.setenv("CAREBOOK_PASSPHRASE", PASSPHRASE)
    data = str(tmp_path / "county")
    assert main(["--data-dir", data, "--database-url", url, "init", "--role", "township", "--org-code",
                 "610402100", "--org-name", "幸福镇", "--json"]) == 0  # fmt: skip
    capsys.readouterr()
    monkeypatch.setenv("CAREBOOK_DATABASE_URL", url)
    assert main(["--data-dir", data, "children", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not (tmp_path / "county" / "carebook.db").exists()  # the register is on the server
    assert (tmp_path / "county" / "keyinfo.json").exists()  # the local key store is here


def test_pull_imports_leftovers_and_keeps_refused_files(
    world: SyncWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    town = _dir(world.township)
    store = RelayStore(tmp_path / "relay")
    store.add_anchor(world.township.keys().public().signing_public_key)
    # a bundle downloaded by an earlier pull that stopped before importing, and a damaged file
    leftover = world.export(world.villages[0])
    inbox = Path(town) / "inbox"
    inbox.mkdir()
    (inbox / leftover[0].name).write_bytes(leftover[0].read_bytes())
    (inbox / "damaged.cbk").write_bytes(leftover[0].read_bytes()[:300])
    for site in world.sites():
        site.close()
    with relay_in_thread(store) as relay:
        _run(capsys, "--data-dir", town, "push", relay.url)  # publishes the key list
        capsys.readouterr()
        assert main(["--data-dir", town, "pull", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["downloaded"] == []
    assert [r["file"] for r in report["imported"]] == [leftover[0].name]
    assert [r["file"] for r in report["refused"]] == ["damaged.cbk"] and "不完整" in report["refused"][0]["error"]
    assert (inbox / "refused" / "damaged.cbk").exists() and (inbox / "imported" / leftover[0].name).exists()
    assert list(inbox.glob("*.cbk")) == []

"""The inbox relay (中转站): an ASGI app (Starlette) and its uvicorn runner.

Villages leave bundles for their township here, and the township leaves return bundles for each
village, when there is a connection instead of a USB stick. The relay stores bundles it cannot
read (:mod:`carebook.sync.relay_store`) and serves only installations in a township's signed
list, on signed requests (:mod:`carebook.sync.relay_auth`).

Endpoints (JSON answers; errors are ``{"error": code, "detail": ...}`` with the status given)::

    GET    /v1/health                 no signature; {"status": "ok", "time": unix seconds}
    PUT    /v1/keys                   township publishes its enrolled-keys envelope (body)
    POST   /v1/uploads                {"recipient": id, "size": n, "sha256": hex} -> upload state
    GET    /v1/uploads/{sha256}       upload state (offset to resume from)
    PATCH  /v1/uploads/{sha256}       body = bytes at offset "Upload-Offset"; -> upload state
    GET    /v1/inbox                  {"bundles": [{sha256, size, sender, stored_at}, ...]}
    GET    /v1/inbox/{sha256}         the bundle (``Range: bytes=N-`` resumes); addressee only
    DELETE /v1/inbox/{sha256}         addressee acknowledges receipt; the relay deletes it

Every answer carries ``X-Carebook-Time`` (the relay's Unix time) so a client whose clock is wrong
corrects its signatures. Logs are one JSON object per line on the ``carebook.relay`` logger, with
key ids, hashes, sizes and outcomes only — no names, no addresses, no bundle contents; uvicorn's
access log (client addresses) is switched off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from carebook import __version__
from carebook.sync.relay_auth import (
    DEFAULT_WINDOW,
    AuthRefused,
    RelayMember,
    ReplayGuard,
    may_address,
    verify_request,
)
from carebook.sync.relay_store import RelayStore, StoreRefused

log = logging.getLogger("carebook.relay")

TIME_HEADER = "X-Carebook-Time"
OFFSET_HEADER = "Upload-Offset"


def log_event(event: str, **fields: Any) -> None:
    """Write one structured log line (JSON) with ``event`` and ``fields`` (no personal data:
    callers pass key ids, hashes, sizes and codes only)."""
    log.info(json.dumps({"event": event, **fields}, sort_keys=True))


class _Disconnected(Exception):
    pass


def create_app(
    store: RelayStore, *, window: int = DEFAULT_WINDOW, clock: Callable[[], float] = time.time
) -> Starlette:
    """Build the relay's ASGI app over ``store``.

    Args:
        window: seconds a signed request stays valid around the relay clock.
        clock: the relay's clock (Unix seconds; injectable for tests).
    """
    guard = ReplayGuard(window, started_at=clock())

    def stamp(response: Response) -> Response:
        response.headers[TIME_HEADER] = str(int(clock()))
        return response

    def error(code: str, status: int, **extra: Any) -> Response:
        return stamp(JSONResponse({"error": code, **extra}, status_code=status))

    async def read_body(request: Request) -> bytes:
        limit = store.limits.max_chunk + 64 * 1024
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise StoreRefused("too_large", 413, limit=store.limits.max_chunk)
        chunks: list[bytes] = []
        total = 0
        try:
            async for chunk in request.stream():
                total += len(chunk)
                if total > limit:
                    raise StoreRefused("too_large", 413, limit=store.limits.max_chunk)
                chunks.append(chunk)
        except ClientDisconnect:
            raise _Disconnected() from None
        return b"".join(chunks)

    def path_of(request: Request) -> str:
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")

    async def authenticate(request: Request, *, township_only: bool = False) -> tuple[RelayMember, bytes]:
        body = await read_body(request)
        if township_only:
            lookup = {}
            for key in store.anchors():
                member = store.township_member(key)
                if member is not None:
                    lookup[member.key_id] = member
        else:
            lookup = store.members()
        member = verify_request(
            request.headers, request.method, path_of(request), body, lookup=lookup, guard=guard, now=clock()
        )
        return member, body

    Endpoint = Callable[[Request, RelayMember, bytes], Awaitable[Response]]

    def handler(fn: Endpoint, *, township_only: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                member, body = await authenticate(request, township_only=township_only)
                return stamp(await fn(request, member, body))
            except _Disconnected:
                log_event("disconnected", path=request.url.path.split("/")[2] if request.url.path.count("/") > 1 else "")
                return Response(status_code=400)
            except AuthRefused as exc:
                log_event("refused", code=exc.code, key=request.headers.get("x-carebook-key", "")[:32])
                return error(exc.code, exc.status)
            except StoreRefused as exc:
                log_event("refused", code=exc.code, key=request.headers.get("x-carebook-key", "")[:32])
                return error(exc.code, exc.status, **exc.extra)

        return endpoint

    async def health(request: Request) -> Response:
        return stamp(JSONResponse({"status": "ok", "time": int(clock()), "version": __version__}))

    async def put_keys(request: Request, member: RelayMember, body: bytes) -> Response:
        listing = await run_in_threadpool(store.publish_keys, body, member)
        log_event("keys_published", township=member.key_id, serial=listing.serial, members=len(listing.members))
        return JSONResponse({"serial": listing.serial, "members": len(listing.members)})

    async def begin_upload(request: Request, member: RelayMember, body: bytes) -> Response:
        try:
            obj = json.loads(body)
            recipient, size, sha = str(obj["recipient"]), obj["size"], str(obj["sha256"])
            if not isinstance(size, int) or isinstance(size, bool):
                raise ValueError("size")
        except (ValueError, KeyError, TypeError):
            raise StoreRefused("bad_request", 400, detail="expected {recipient, size, sha256}") from None
        if not may_address(member, recipient, store.lists()):
            raise AuthRefused("forbidden", 403, "recipient not reachable for this sender")
        state = await run_in_threadpool(store.begin_upload, member, recipient, size, sha)
        log_event("upload_begin", sender=member.key_id, sha256=sha, size=size, status=state.status, offset=state.offset)
        return JSONResponse(state.to_json_obj())

    async def upload_state(request: Request, member: RelayMember, body: bytes) -> Response:
        state = await run_in_threadpool(store.upload_state, member, request.path_params["sha"])
        return JSONResponse(state.to_json_obj())

    async def append(request: Request, member: RelayMember, body: bytes) -> Response:
        try:
            offset = int(request.headers[OFFSET_HEADER])
        except (KeyError, ValueError):
            raise StoreRefused("bad_request", 400, detail=f"{OFFSET_HEADER} header required") from None
        sha = request.path_params["sha"]
        state = await run_in_threadpool(store.append, member, sha, offset, body)
        if state.status == "stored":
            log_event("upload_stored", sender=member.key_id, sha256=sha, size=state.size)
        return JSONResponse(state.to_json_obj())

    async def inbox(request: Request, member: RelayMember, body: bytes) -> Response:
        items = await run_in_threadpool(store.inbox, member)
        return JSONResponse({"bundles": [b.to_json_obj() for b in items]})

    async def fetch(request: Request, member: RelayMember, body: bytes) -> Response:
        path = await run_in_threadpool(store.bundle_path, member, request.path_params["sha"])
        log_event("fetch", recipient=member.key_id, sha256=request.path_params["sha"],
                  range=request.headers.get("range", ""))  # fmt: skip
        return FileResponse(path, media_type="application/octet-stream")

    async def acknowledge(request: Request, member: RelayMember, body: bytes) -> Response:
        await run_in_threadpool(store.acknowledge, member, request.path_params["sha"])
        log_event("delivered", recipient=member.key_id, sha256=request.path_params["sha"])
        return JSONResponse({"status": "delivered"})

    routes = [
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/keys", handler(put_keys, township_only=True), methods=["PUT"]),
        Route("/v1/uploads", handler(begin_upload), methods=["POST"]),
        Route("/v1/uploads/{sha}", handler(upload_state), methods=["GET"]),
        Route("/v1/uploads/{sha}", handler(append), methods=["PATCH"]),
        Route("/v1/inbox", handler(inbox), methods=["GET"]),
        Route("/v1/inbox/{sha}", handler(fetch), methods=["GET"]),
        Route("/v1/inbox/{sha}", handler(acknowledge), methods=["DELETE"]),
    ]
    return Starlette(routes=routes)


# --------------------------------------------------------------------------- certificates


def make_self_signed_cert(cert_path: Path, key_path: Path, *, host: str = "carebook-relay",
                          days: int = 3650) -> bytes:
    """Write a self-signed TLS certificate (ECDSA P-256, SHA-256) and its key (PEM, mode 0600)
    for the relay, and return the certificate PEM (what villages pin at enrolment).

    The certificate names ``host`` (as DNS name, and as IP address when it is one); clients pin
    the certificate itself, so the name does not need to match how they reach the relay.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    alt: list[x509.GeneralName] = [x509.DNSName(host)]
    with suppress(ValueError):
        alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as handle:
        handle.write(key_pem)
    cert_path.write_bytes(pem)
    return pem


def cert_fingerprint(pem: bytes) -> str:
    """SHA-256 of the certificate's DER encoding, as colon-separated hex pairs (the form
    browsers and ``openssl x509 -fingerprint -sha256`` show)."""
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


# --------------------------------------------------------------------------- running


@dataclass
class RunningRelay:
    """A relay serving in a background thread (tests, benchmarks, the desktop app).

    ``url`` is its base URL (``http://127.0.0.1:PORT`` or ``https://…``); call :meth:`stop`.
    """

    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Ask the server to exit and wait for its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=15)


def _config(app: Starlette, tls_cert: Path | None, tls_key: Path | None, **kwargs: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        access_log=False,  # client addresses are not logged
        log_level="warning",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
        timeout_keep_alive=30,
        **kwargs,
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


@contextmanager
def relay_in_thread(
    store: RelayStore, *, host: str = "127.0.0.1", port: int = 0, tls_cert: Path | None = None,
    tls_key: Path | None = None, window: int = DEFAULT_WINDOW, clock: Callable[[], float] = time.time,
) -> Iterator[RunningRelay]:
    """Run a real uvicorn relay on ``host:port`` (0: any free port) in a thread while the
    ``with`` block runs."""
    app = create_app(store, window=window, clock=clock)
    sock = _bind(host, port)
    server = uvicorn.Server(_config(app, tls_cert, tls_key))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the relay did not start")
        time.sleep(0.01)
    actual = sock.getsockname()[1]
    scheme = "https" if tls_cert else "http"
    running = RunningRelay(f"{scheme}://{host}:{actual}", actual, server, thread)
    try:
        yield running
    finally:
        running.stop()
        sock.close()


def run_relay(
    store: RelayStore, *, host: str = "127.0.0.1", port: int = 8765, tls_cert: Path | None = None,
    tls_key: Path | None = None, window: int = DEFAULT_WINDOW,
) -> None:
    """Serve the relay in the foreground until interrupted (``carebook serve``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(store, window=window)
    uvicorn.Server(_config(app, tls_cert, tls_key, host=host, port=port)).run()


__all__ = [
    "OFFSET_HEADER",
    "TIME_HEADER",
    "RunningRelay",
    "cert_fingerprint",
    "create_app",
    "log_event",
    "make_self_signed_cert",
    "relay_in_thread",
    "run_relay",
]

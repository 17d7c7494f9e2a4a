"""Client of the inbox relay (中转站客户端): push bundles up and pull bundles down over poor links.

Built for 2G/3G and flaky village connections:

* every request is signed (:mod:`carebook.sync.relay_auth`) with the relay's clock: the client
  asks ``/v1/health`` once for the relay's time and corrects for a wrong PC clock, and corrects
  again whenever the relay answers ``clock_skew``;
* uploads go in chunks (default 256 KiB, about 10 s on a 2G link); after any failure the client
  waits (exponential backoff with "equal jitter": half the capped delay plus a random half, after
  the AWS Architecture Blog's "Exponential Backoff and Jitter"), asks the relay where the upload
  stands and continues from the relay's offset; a chunk the relay already has is never resent;
* downloads resume with ``Range: bytes=N-`` (RFC 9110 §14) into a ``.part`` file, are checked
  against their SHA-256, renamed into place, and only then acknowledged (deleted at the relay);
* timeouts suit slow links (connect 30 s, read/write 120 s);
* an HTTP(S) proxy is taken from ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` as httpx does;
* with ``pinned_cert`` the TLS context trusts only the relay's self-signed certificate given at
  enrolment, and the certificate actually presented is compared byte for byte as well.
"""

from __future__ import annotations

import hashlib
import os
import random
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from carebook.sync.bundle_files import bundle_file_name
from carebook.sync.bundle_format import parse_container
from carebook.sync.errors import SyncError
from carebook.sync.identity import InstallationKeys
from carebook.sync.relay_auth import sign_request

Progress = Callable[[int, int], None]
"""``progress(done_bytes, total_bytes)``, called after every chunk."""

RetryNotice = Callable[[int, int, str, float], None]
"""``on_retry(failures, attempts, reason, delay_s)``: called before each wait after a failed
request (``failures`` consecutive failures of ``attempts`` allowed; ``reason`` e.g.
``ConnectError`` or ``HTTP 503``; ``delay_s`` seconds until the next try), so a user is told the
relay is being retried instead of facing minutes of silence."""

DEFAULT_CHUNK = 256 * 1024
SLOW_LINK_TIMEOUT = httpx.Timeout(connect=30.0, read=120.0, write=120.0, pool=30.0)
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


# --------------------------------------------------------------------------- errors


class RelayError(SyncError):
    """Base of the relay client's errors (中转站错误)."""


class RelayUnreachableError(RelayError):
    """The relay could not be reached, or the link kept failing, after every retry."""

    def __init__(self, url: str, attempts: int, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"连不上中转站 {url}（已试 {attempts} 次：{reason}）。请检查网络后再试；"
            "已经传输的部分（上传或下载）会保留，下次从断点接着传。也可以改用 U 盘。",
            f"Cannot reach the relay {url} ({attempts} attempts: {reason}). Check the connection "
            "and try again; what was transferred (up or down) is kept and the next try continues from there. A USB "
            "stick works too.",
        )


class RelayCertificateError(RelayError):
    """The relay's TLS certificate is not the one pinned at enrolment."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"中转站 {url} 的证书与登记时给出的不一致，可能有人冒充中转站。没有发送任何数据。"
            "请打电话联系乡镇督导员核对。",
            f"The relay {url} presented a certificate other than the one pinned at enrolment; "
            "someone may be impersonating it. Nothing was sent. Call the township supervisor.",
        )


_REFUSALS: dict[str, tuple[str, str]] = {
    "unknown_key": (
        "中转站不认识本机：乡镇还没有把本村发布到中转站。请先用 U 盘交换一次同步包，再请督导员运行 carebook push 发布名单。",
        "The relay does not know this computer: the township has not published this village yet. "
        "Exchange one bundle by USB stick first, then ask the supervisor to run 'carebook push'.",
    ),
    "bad_signature": ("中转站拒绝了本机的签名。请检查本机密钥是否完好。", "The relay refused this computer's signature."),
    "unsigned": ("请求没有签名，中转站拒绝。", "The request was not signed; the relay refused it."),
    "replayed": ("中转站认为这是重复的请求，已拒绝。请重试。", "The relay saw this request before and refused it. Retry."),
    "clock_skew": ("本机时间与中转站相差太大，请校正电脑时间后再试。", "This PC's clock is too far from the relay's; fix it and retry."),
    "forbidden": ("中转站不允许发给这个接收方。", "The relay does not allow sending to this recipient."),
    "quota": ("中转站上本机待取的数据已满额，请等乡镇取走后再传。", "This computer's quota on the relay is full; wait until the township fetches."),
    "too_large": ("同步包超过中转站允许的大小，请改用 U 盘。", "The bundle is larger than the relay accepts; use a USB stick."),
    "too_many_uploads": ("未完成的上传太多，请稍后再试。", "Too many unfinished uploads; try again later."),
    "hash_mismatch": ("上传的数据与校验值不符，已作废，请重新上传。", "The uploaded bytes did not match their hash; upload again."),
    "not_a_bundle": ("上传的文件不是同步包。", "The uploaded file is not a bundle."),
    "not_signed_by_sender": ("同步包不是本机签名的，中转站拒绝。", "The bundle is not signed by this computer."),
    "wrong_recipient": ("同步包的接收方与申报的不一致。", "The bundle's recipient differs from the one declared."),
    "keys_invalid": (
        "中转站不接受这份登记名单：请确认启动中转站时填写了本乡镇的密钥（--township-key）。",
        "The relay refused the key list: start it with this township's key (--township-key).",
    ),
    "not_found": ("中转站上没有这个同步包。", "The relay has no such bundle."),
}


class RelayRefusedError(RelayError):
    """The relay refused a request; ``code`` says why (see ``docs/relay.md``), ``status`` is the
    HTTP status and ``extra`` the rest of the relay's answer."""

    def __init__(self, code: str, status: int, extra: dict[str, Any] | None = None) -> None:
        self.code = code
        self.status = status
        self.extra = extra or {}
        zh, en = _REFUSALS.get(code, (f"中转站拒绝了请求（{status} {code}）。", f"The relay refused the request ({status} {code})."))
        super().__init__(zh, en)


# --------------------------------------------------------------------------- TLS pinning


def pinned_ssl_context(cert_pem: bytes) -> ssl.SSLContext:
    """An ``ssl.SSLContext`` (TLS 1.2+) that trusts only ``cert_pem``, the relay's self-signed
    certificate. Host names are not checked: the certificate itself is pinned, so the relay may
    be reached by any address. Raises ValueError for a PEM that holds no certificate."""
    x509.load_pem_x509_certificate(cert_pem)  # fail early on a wrong file
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=cert_pem.decode("ascii"))
    return context


def _der(cert_pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)


# --------------------------------------------------------------------------- client


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: up to ``attempts`` consecutive failures per request (progress resets
    the count), waiting ``min(max_delay, base_delay * 2**n)`` halved plus a random half."""

    attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 120.0

    def delay(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure (1-based)."""
        cap = min(self.max_delay, self.base_delay * float(2 ** max(0, failures - 1)))
        return cap / 2 + rng.uniform(0, cap / 2)


@dataclass
class PushResult:
    """One bundle pushed: its SHA-256 and size, the relay's final ``status`` (``stored`` or
    ``delivered`` when the relay already had it), bytes actually sent and retries needed."""

    sha256: str
    size: int
    status: str
    bytes_sent: int = 0
    retries: int = 0


@dataclass
class PulledBundle:
    """One bundle fetched from the relay and written to ``path`` (SHA-256 verified)."""

    sha256: str
    size: int
    path: Path


@dataclass
class _Counters:
    retries: int = 0
    sent: int = 0
    pinned_checked: set[int] = field(default_factory=set)


class RelayClient:
    """Talks to one relay as one installation.

    Args:
        base_url: e.g. ``https://192.168.1.10:8765`` (a path prefix is allowed).
        keys: this installation's keys (requests are signed with its Ed25519 key).
        pinned_cert: the relay's certificate (PEM) given at enrolment; ``None`` uses the system
            trust store for ``https`` (a relay with a public certificate) or plain ``http``.
            Raises ValueError with an ``http://`` URL (no silent downgrade) or a PEM without a
            certificate.
        chunk_size: upload chunk in bytes.
        retry: the retry policy; ``sleep`` and ``rng`` are injectable for tests.
        timeout: httpx timeouts (default suits 2G/3G).
        progress: called with (done, total) bytes during uploads and downloads.
        on_retry: told of each retry before its wait (:data:`RetryNotice`).
        transport: an httpx transport (tests); by default httpx's, honouring proxy variables.
    """

    def __init__(
        self, base_url: str, keys: InstallationKeys, *, pinned_cert: bytes | None = None,
        chunk_size: int = DEFAULT_CHUNK, retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = SLOW_LINK_TIMEOUT, progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None, on_retry: RetryNotice | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.on_retry = on_retry
        self.keys = keys
        self.chunk_size = chunk_size
        self.retry = retry or RetryPolicy()
        self.progress = progress
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.clock_offset: float | None = None
        if pinned_cert and not self.base_url.lower().startswith("https://"):
            raise ValueError("a pinned certificate needs an https:// relay URL")
        self._pinned_der = _der(pinned_cert) if pinned_cert else None
        verify: ssl.SSLContext | bool = pinned_ssl_context(pinned_cert) if pinned_cert else True
        self._prefix = httpx.URL(self.base_url).path.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, verify=verify, timeout=timeout, trust_env=True,
                                 transport=transport, follow_redirects=False)  # fmt: skip
        self.counters = _Counters()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------
    def _now(self) -> int:
        return int(time.time() + (self.clock_offset or 0.0))

    def _learn_time(self, response: httpx.Response) -> None:
        stamp = response.headers.get("X-Carebook-Time")
        if stamp and stamp.isdigit():
            self.clock_offset = int(stamp) - time.time()

    def _check_pin(self, response: httpx.Response) -> None:
        if self._pinned_der is None:
            return
        stream = response.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        if ssl_object is None or ssl_object.getpeercert(True) != self._pinned_der:
            raise RelayCertificateError(self.base_url)

    def _send_once(self, method: str, path: str, body: bytes, headers: dict[str, str] | None,
                   signed: bool) -> httpx.Response:  # fmt: skip
        all_headers = dict(headers or {})
        if signed:
            all_headers.update(sign_request(self.keys, method, self._prefix + path, body, timestamp=self._now()))
        try:
            response = self.http.request(method, path, content=body if body else None, headers=all_headers)
        except httpx.ConnectError as exc:
            if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise RelayCertificateError(self.base_url) from None
            raise
        self._check_pin(response)
        self._learn_time(response)
        return response

    def request(self, method: str, path: str, body: bytes = b"", *, headers: dict[str, str] | None = None,
                signed: bool = True, accept: Sequence[int] = ()) -> httpx.Response:  # fmt: skip
        """Send one request with retries; return the response when its status is 2xx or in
        ``accept``.

        Raises:
            RelayUnreachableError: transport failures or 5xx/429 answers ``retry.attempts`` times.
            RelayRefusedError: any other refusal.
            RelayCertificateError: the certificate is not the pinned one.
        """
        if signed and self.clock_offset is None:
            self.sync_clock()
        failures = 0
        skew_retries = 0
        reason = ""
        while True:
            try:
                response = self._send_once(method, path, body, headers, signed)
            except httpx.TransportError as exc:
                reason = type(exc).__name__
                failures += 1
            else:
                if response.status_code < 300 or response.status_code in accept:
                    return response
                code, extra = _error_of(response)
                if code == "clock_skew" and skew_retries < 2:
                    skew_retries += 1  # the clock was corrected from the answer's X-Carebook-Time
                    continue
                if response.status_code not in _RETRY_STATUSES:
                    raise RelayRefusedError(code, response.status_code, extra)
                reason = f"HTTP {response.status_code}"
                failures += 1
            if failures >= self.retry.attempts:
                raise RelayUnreachableError(self.base_url, failures, reason)
            self.counters.retries += 1
            delay = self.retry.delay(failures, self.rng)
            if self.on_retry is not None:
                self.on_retry(failures, self.retry.attempts, reason, delay)
            self.sleep(delay)

    def sync_clock(self) -> int:
        """Ask ``/v1/health`` for the relay's time and correct for this PC's clock; return the
        relay's Unix time."""
        response = self.request("GET", "/v1/health", signed=False)
        self._learn_time(response)
        return int(response.json()["time"])

    # -- keys -----------------------------------------------------------------------------------
    def publish_keys(self, make_envelope: Callable[[int], bytes]) -> int:
        """Publish the township's enrolled-keys list; ``make_envelope(serial)`` signs one.
        Starts from the current Unix time as serial and, when the relay holds a newer one,
        retries above it. Returns the serial accepted."""
        serial = self._now()
        for _ in range(3):
            response = self.request("PUT", "/v1/keys", make_envelope(serial), accept=(409,))
            if response.status_code != 409:
                return serial
            serial = int(response.json().get("serial", serial)) + 1
        raise RelayRefusedError("stale_serial", 409)

    # -- push -----------------------------------------------------------------------------------
    def push_bundle(self, data: bytes, recipient_installation_id: str) -> PushResult:
        """Upload one bundle (the whole file's bytes) for ``recipient_installation_id``,
        resuming after failures from the relay's offset. Pushing the same bytes again is a
        no-op at the relay (status ``stored`` or ``delivered``).

        Raises: see :meth:`request`; RelayRefusedError ``hash_mismatch`` if the bytes were
        damaged on the way (the relay discarded them: push again).
        """
        sha = hashlib.sha256(data).hexdigest()
        size = len(data)
        retries_before, sent_before = self.counters.retries, self.counters.sent
        body = _json({"recipient": recipient_installation_id, "size": size, "sha256": sha})
        state = self.request("POST", "/v1/uploads", body).json()
        offset = int(state["offset"])
        self._report(offset, size)
        while state["status"] == "receiving" and offset < size:
            chunk = data[offset : offset + self.chunk_size]
            try:
                response = self.request("PATCH", f"/v1/uploads/{sha}", chunk,
                                        headers={"Upload-Offset": str(offset)}, accept=(409,))  # fmt: skip
            except RelayRefusedError as exc:
                if exc.code == "not_found":  # the relay lost or discarded it: start again
                    state = self.request("POST", "/v1/uploads", body).json()
                    offset = int(state["offset"])
                    continue
                raise
            self.counters.sent += len(chunk)
            state = response.json()
            if response.status_code == 409:
                state = self.request("GET", f"/v1/uploads/{sha}").json()
            offset = int(state["offset"])
            self._report(offset, size)
        return PushResult(sha, size, str(state["status"]), self.counters.sent - sent_before,
                          self.counters.retries - retries_before)  # fmt: skip

    def push_file(self, paths: Path | Sequence[Path]) -> PushResult:
        """Push one bundle file (or the parts of a split bundle, joined), addressed to the
        recipient named in its header."""
        from carebook.sync.bundle_files import load_bundle_bytes

        data = load_bundle_bytes(paths)
        return self.push_bundle(data, parse_container(data).header.recipient_installation_id)

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # -- pull -----------------------------------------------------------------------------------
    def inbox(self) -> list[dict[str, Any]]:
        """Bundles waiting at the relay for this installation (sha256, size, sender, stored_at)."""
        items: list[dict[str, Any]] = self.request("GET", "/v1/inbox").json()["bundles"]
        return items

    def pull(self, dest_dir: Path, *, acknowledge: bool = True) -> list[PulledBundle]:
        """Fetch every bundle waiting for this installation into ``dest_dir`` (ASCII names as
        on a USB stick), verify each SHA-256, then acknowledge it so the relay deletes it.
        Interrupted downloads resume from their ``.part`` file on the next call."""
        dest_dir.mkdir(parents=True, exist_ok=True)
        pulled = []
        for item in self.inbox():
            sha, size = str(item["sha256"]), int(item["size"])
            path = self._download(sha, size, dest_dir)
            if acknowledge:
                self.request("DELETE", f"/v1/inbox/{sha}", accept=(404,))
            pulled.append(PulledBundle(sha, size, path))
        return pulled

    def _download(self, sha: str, size: int, dest_dir: Path) -> Path:
        partial = dest_dir / f"relay-{sha[:32]}.part"
        failures = 0
        while True:
            have = partial.stat().st_size if partial.exists() else 0
            if have > size:
                partial.unlink()
                have = 0
            if have < size:
                try:
                    self._fetch_range(sha, have, size, partial)
                except httpx.TransportError as exc:
                    failures += 1
                    if failures >= self.retry.attempts:
                        raise RelayUnreachableError(self.base_url, failures, type(exc).__name__) from None
                    self.counters.retries += 1
                    self.sleep(self.retry.delay(failures, self.rng))
                    continue
                continue
            data = partial.read_bytes()
            if hashlib.sha256(data).hexdigest() != sha:
                partial.unlink()  # damaged: fetch again from the start
                failures += 1
                if failures >= self.retry.attempts:
                    raise RelayUnreachableError(self.base_url, failures, "hash mismatch")
                continue
            try:
                name = bundle_file_name(parse_container(data).header)
            except SyncError:
                name = f"relay-{sha[:32]}.cbk"
            final = dest_dir / name
            if final.exists() and hashlib.sha256(final.read_bytes()).hexdigest() != sha:
                final = dest_dir / f"relay-{sha[:32]}.cbk"
            os.replace(partial, final)
            return final

    def _fetch_range(self, sha: str, start: int, size: int, partial: Path) -> None:
        path = f"/v1/inbox/{sha}"
        if self.clock_offset is None:
            self.sync_clock()
        headers = sign_request(self.keys, "GET", self._prefix + path, b"", timestamp=self._now())
        if start:
            headers["Range"] = f"bytes={start}-"
        with self.http.stream("GET", path, headers=headers) as response:
            self._check_pin(response)
            self._learn_time(response)
            if response.status_code >= 300:
                response.read()
                code, extra = _error_of(response)
                if response.status_code in _RETRY_STATUSES or code == "clock_skew":
                    raise httpx.RemoteProtocolError(f"HTTP {response.status_code}")
                raise RelayRefusedError(code, response.status_code, extra)
            mode = "ab" if start and response.status_code == 206 else "wb"
            total = start if mode == "ab" else 0
            with open(partial, mode) as handle:
                for chunk in response.iter_bytes():
                    handle.write(chunk)
                    total += len(chunk)
                    self._report(total, size)
                handle.flush()
                os.fsync(handle.fileno())


def _json(obj: Any) -> bytes:
    import json

    return json.dumps(obj, sort_keys=True).encode("utf-8")


def _error_of(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    try:
        obj = response.json()
    except ValueError:
        return f"http_{response.status_code}", {}
    if not isinstance(obj, dict):
        return f"http_{response.status_code}", {}
    code = str(obj.pop("error", f"http_{response.status_code}"))
    return code, obj


__all__ = [
    "DEFAULT_CHUNK",
    "SLOW_LINK_TIMEOUT",
    "Progress",
    "PulledBundle",
    "PushResult",
    "RelayCertificateError",
    "RelayClient",
    "RelayError",
    "RelayRefusedError",
    "RelayUnreachableError",
    "RetryPolicy",
    "pinned_ssl_context",
]

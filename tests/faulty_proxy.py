"""A fault-injecting TCP proxy on loopback, standing for a village's bad connection.

It forwards bytes between a client and an upstream server and, per connection, following a
queue of :class:`Fault` plans (one plan per accepted connection, then clean forwarding): drops
the connection after N bytes from the client (closing both sides, or resetting them with RST),
or delays every forwarded piece. It works at the TCP level, so TLS passes through unchanged.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """What to do to one connection: ``drop_after`` bytes sent upstream then cut it (``None``:
    never); ``drop_down_after`` the same for bytes sent back to the client; ``reset`` cut with RST instead of FIN; ``delay`` seconds before forwarding each
    piece (both directions)."""

    drop_after: int | None = None
    drop_down_after: int | None = None
    reset: bool = False
    delay: float = 0.0


class _Tally:
    """Counters shared by a proxy's connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.drops = 0
        self.upstream_bytes = 0

    def add_up(self, n: int) -> None:
        with self.lock:
            self.upstream_bytes += n

    def add_drop(self) -> None:
        with self.lock:
            self.drops += 1


class FaultyProxy:
    """Listen on ``127.0.0.1:<port>`` and forward to ``upstream`` (host, port).

    ``faults`` is consumed one per accepted connection. ``drops`` counts connections cut,
    ``connections`` connections accepted, ``upstream_bytes`` bytes forwarded to the server.
    """

    def __init__(self, upstream: tuple[str, int], faults: list[Fault] | None = None) -> None:
        self.upstream = upstream
        self.faults: deque[Fault] = deque(faults or [])
        self.connections = 0
        self.tally = _Tally()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def drops(self) -> int:
        """Connections cut so far."""
        return self.tally.drops

    @property
    def upstream_bytes(self) -> int:
        """Bytes forwarded to the server so far."""
        return self.tally.upstream_bytes

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (use ``https://`` when the upstream speaks TLS)."""
        return f"http://127.0.0.1:{self.port}"

    def add_faults(self, faults: list[Fault]) -> None:
        """Queue more plans for the next connections."""
        with self._lock:
            self.faults.extend(faults)

    def close(self) -> None:
        """Stop accepting and cut every open connection."""
        self._closed = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def __enter__(self) -> FaultyProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            with self._lock:
                fault = self.faults.popleft() if self.faults else Fault()
                self.connections += 1
            try:
                server = socket.create_connection(self.upstream, timeout=10)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets.extend([client, server])
            conn = _Connection(self.tally, client, server, fault)
            threading.Thread(target=conn.pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=conn.pump, args=(server, client, False), daemon=True).start()


class _Connection:
    def __init__(self, tally: _Tally, client: socket.socket, server: socket.socket, fault: Fault) -> None:
        self.tally = tally
        self.client = client
        self.server = server
        self.fault = fault
        self.sent_up = 0
        self.sent_down = 0
        self.cut = False
        self.lock = threading.Lock()

    def pump(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.fault.delay:
                    time.sleep(self.fault.delay)
                limit = self.fault.drop_after if upstream else self.fault.drop_down_after
                if limit is not None:
                    with self.lock:
                        done = self.sent_up if upstream else self.sent_down
                        allowed = limit - done
                        if allowed <= len(data):
                            if allowed > 0:
                                dst.sendall(data[:allowed])
                                if upstream:
                                    self.tally.add_up(allowed)
                            self._cut()
                            return
                        if upstream:
                            self.sent_up += len(data)
                        else:
                            self.sent_down += len(data)
                dst.sendall(data)
                if upstream:
                    self.tally.add_up(len(data))
        except OSError:
            pass
        finally:
            if not self.cut:
                with contextlib.suppress(OSError):
                    dst.shutdown(socket.SHUT_WR)

    def _cut(self) -> None:
        if self.cut:
            return
        self.cut = True
        self.tally.add_drop()
        for sock in (self.client, self.server):
            if self.fault.reset:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class ConnectProxy:
    """A minimal HTTP proxy that understands only ``CONNECT host:port`` (RFC 9110 §9.3.6), the
    way clients reach an ``https://`` server through ``$HTTPS_PROXY``. ``tunnels`` lists the
    targets asked for."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``HTTPS_PROXY``."""
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop accepting."""
        self._closed = True
        self._listener.close()

    def __enter__(self) -> ConnectProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(4096)
            if not data:
                _close(client)
                return
            head += data
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(request_line) < 2 or request_line[0] != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            _close(client)
            return
        host, _, port = request_line[1].rpartition(":")
        self.tunnels.append(request_line[1])
        try:
            server = socket.create_connection((host, int(port)), timeout=10)
            server.settimeout(None)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            _close(client)
            return
        client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            server.sendall(rest)
        conn = _Connection(_Tally(), client, server, Fault())
        threading.Thread(target=conn.pump, args=(client, server, True), daemon=True).start()
        threading.Thread(target=conn.pump, args=(server, client, False), daemon=True).start()

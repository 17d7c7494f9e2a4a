"""App lock: an optional PIN or password that locks the desktop app after idle minutes (程序锁).

The lock keeps a passer-by at a shared office PC out of an app left open; it is not encryption
(the register is encrypted with the database key whatever the lock says). The PIN or password
is stored only as an scrypt hash (RFC 7914; N=2**15, r=8, p=1, 16-byte random salt; compared in
constant time) in the local setting ``app_lock`` (not synced), with the idle minutes.

API for the desktop (the UI engineer wires it; everything goes through a
:class:`~carebook.model.register.Register`, no SQL in widgets):

* :func:`app_lock_config` — ``AppLockConfig | None`` (``None``: no lock set);
* :func:`set_app_lock` — set or change the PIN/password and the idle minutes;
* :func:`clear_app_lock` — remove the lock (ask for the current secret first);
* :func:`verify_app_lock` — ``True`` when the attempt unlocks;
* :class:`IdleTimer` — ``touch()`` on each user input, ``should_lock()`` polled by a timer;
* :func:`lockout_seconds` — how long to wait after ``n`` consecutive failures;
* :func:`lockout_state` — the consecutive wrong attempts so far and the wait still due;
* :func:`attempt_unlock` — check an attempt at the lock screen: refused unchecked during the
  wait, a wrong one counted, a right one resetting the count.

The count of consecutive wrong attempts at the lock screen and the wall-clock time of the last
one are kept in the register too, in the local setting ``app_lock_failures`` (not synced;
``{"failures": int, "last": seconds since the Unix epoch}``), so that quitting and restarting
the app does not reset the growing wait. A PC clock that was put back (the stored time lies in
the future) does not shorten the wait: the wait is then counted from now, and the stored time
is moved to now so that it does end.
"""

from __future__ import annotations

import base64
import hmac
import os
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from carebook.model import settings as settings_store
from carebook.model.errors import ValidationError

SETTING_KEY = "app_lock"
FAILURES_KEY = "app_lock_failures"
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PIN_DIGITS = 4
MIN_PASSWORD_LENGTH = 6
DEFAULT_IDLE_MINUTES = 10
MAX_IDLE_MINUTES = 240


@dataclass(frozen=True)
class AppLockConfig:
    """The lock's settings: ``kind`` (``"pin"`` or ``"password"``) and ``idle_minutes``
    (1–240) after which the app locks."""

    kind: str
    idle_minutes: int


def _normalise(secret: str) -> str:
    return unicodedata.normalize("NFKC", secret).strip()


def _hash(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(_normalise(secret).encode("utf-8"))


def _validate(secret: str, idle_minutes: int) -> str:
    value = _normalise(secret)
    if value.isdigit():
        if len(value) < MIN_PIN_DIGITS:
            raise ValidationError.single("app_lock", f"PIN 至少 {MIN_PIN_DIGITS} 位数字。",
                                         f"A PIN has at least {MIN_PIN_DIGITS} digits.")
    elif len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError.single("app_lock", f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。",
                                     f"A password has at least {MIN_PASSWORD_LENGTH} characters.")
    if not 1 <= idle_minutes <= MAX_IDLE_MINUTES:
        raise ValidationError.single("idle_minutes", f"自动锁定时间应为 1 到 {MAX_IDLE_MINUTES} 分钟。",
                                     f"The idle time must be 1 to {MAX_IDLE_MINUTES} minutes.")
    return "pin" if value.isdigit() else "password"


def _load(register: Any) -> dict[str, Any] | None:
    def read(session: Any) -> Any:
        return settings_store.get_value(session, SETTING_KEY)

    value = register.read(read)
    return value if isinstance(value, dict) and value.get("hash") else None


def _store(register: Any, value: dict[str, Any] | None) -> None:
    with register.sessions() as session, session.begin():
        settings_store.set_value(session, SETTING_KEY, value)
        settings_store.set_value(session, FAILURES_KEY, None)  # a new or no secret: count afresh


def app_lock_config(register: Any) -> AppLockConfig | None:
    """The lock's settings, or ``None`` when no PIN/password is set."""
    doc = _load(register)
    if doc is None:
        return None
    return AppLockConfig(str(doc.get("kind", "password")), int(doc.get("idle_minutes", DEFAULT_IDLE_MINUTES)))


def set_app_lock(register: Any, secret: str, *, idle_minutes: int = DEFAULT_IDLE_MINUTES) -> AppLockConfig:
    """Set (or replace) the PIN — digits only, at least 4 — or the password — at least 6
    characters — and the idle minutes. Full-width digits count as digits (NFKC).

    Raises:
        ValidationError: too short, or idle minutes outside 1–240 (nothing stored).
    """
    kind = _validate(secret, idle_minutes)
    salt = os.urandom(16)
    digest = _hash(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    _store(register, {"kind": kind, "idle_minutes": idle_minutes, "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R,
                      "p": SCRYPT_P, "salt": base64.b64encode(salt).decode("ascii"),
                      "hash": base64.b64encode(digest).decode("ascii")})
    return AppLockConfig(kind, idle_minutes)


def set_idle_minutes(register: Any, idle_minutes: int) -> None:
    """Change only the idle minutes of an existing lock. Raises ValidationError."""
    doc = _load(register)
    if doc is None:
        return
    _validate("0" * MIN_PIN_DIGITS, idle_minutes)
    with register.sessions() as session, session.begin():
        settings_store.set_value(session, SETTING_KEY, doc | {"idle_minutes": idle_minutes})


def verify_app_lock(register: Any, attempt: str) -> bool:
    """``True`` when ``attempt`` is the PIN/password (or when no lock is set)."""
    doc = _load(register)
    if doc is None:
        return True
    try:
        salt = base64.b64decode(str(doc["salt"]))
        expected = base64.b64decode(str(doc["hash"]))
        digest = _hash(attempt, salt, int(doc["n"]), int(doc["r"]), int(doc["p"]))
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def clear_app_lock(register: Any) -> None:
    """Remove the lock."""
    _store(register, None)


def lockout_seconds(failures: int) -> int:
    """Seconds to wait before the next attempt after ``failures`` consecutive wrong ones: none
    for the first 3, then 30 s doubling up to 15 minutes."""
    if failures < 3:
        return 0
    return int(min(900, 30 * 2 ** (failures - 3)))


@dataclass(frozen=True)
class LockoutState:
    """The lock screen's standing: ``failures`` consecutive wrong attempts (0 after a right
    one) and ``wait_seconds`` (float, >= 0) before the next attempt is checked."""

    failures: int
    wait_seconds: float


@dataclass(frozen=True)
class UnlockAttempt:
    """What :func:`attempt_unlock` did: ``ok`` (the attempt unlocks), ``checked`` (False: it
    came during the wait and was neither checked nor counted), then ``failures`` and
    ``wait_seconds`` as in :class:`LockoutState` after the attempt."""

    ok: bool
    checked: bool
    failures: int
    wait_seconds: float


def _failures_in(session: Any, now: float) -> tuple[int, float]:
    """The stored ``(failures, last)`` with ``last`` brought back to ``now`` when it lies in the
    future (a clock put back); ``(0, now)`` when nothing (or nothing readable) is stored."""
    doc = settings_store.get_value(session, FAILURES_KEY)
    try:
        failures = max(0, int(doc["failures"]))
        last = float(doc["last"])
    except (TypeError, KeyError, ValueError):
        return 0, now
    if last != last or last > now:  # NaN or in the future
        last = now
        settings_store.set_value(session, FAILURES_KEY, {"failures": failures, "last": last})
    return failures, last


def _wait(failures: int, last: float, now: float) -> float:
    return max(0.0, last + lockout_seconds(failures) - now)


def lockout_state(register: Any, *, now: float | None = None) -> LockoutState:
    """The consecutive wrong attempts stored in the register and the wait still due at ``now``
    (wall-clock seconds since the Unix epoch; ``time.time()`` by default). A stored time in the
    future is moved to ``now`` (written), so the wait counts from now."""
    at = time.time() if now is None else now
    with register.sessions() as session, session.begin():
        failures, last = _failures_in(session, at)
    return LockoutState(failures, _wait(failures, last, at))


def attempt_unlock(register: Any, attempt: str, *, now: float | None = None) -> UnlockAttempt:
    """Check ``attempt`` at the lock screen at ``now`` (wall-clock seconds; ``time.time()`` by
    default): during the wait it is refused unchecked; a wrong one adds one to the stored count
    and stores ``now`` as the time of the last one; a right one (or no lock set) clears both.
    Runs scrypt (about 50 ms): call it off the UI thread."""
    at = time.time() if now is None else now
    with register.sessions() as session, session.begin():
        failures, last = _failures_in(session, at)
    wait = _wait(failures, last, at)
    if wait > 0:
        return UnlockAttempt(False, False, failures, wait)
    ok = verify_app_lock(register, attempt)
    with register.sessions() as session, session.begin():
        failures, last = _failures_in(session, at)  # again: another window may have counted one
        if ok:
            settings_store.set_value(session, FAILURES_KEY, None)
            return UnlockAttempt(True, True, 0, 0.0)
        failures += 1
        settings_store.set_value(session, FAILURES_KEY, {"failures": failures, "last": at})
    return UnlockAttempt(False, True, failures, float(lockout_seconds(failures)))


class IdleTimer:
    """Tells when the app should lock: ``idle_minutes`` after the last :meth:`touch`.

    ``clock`` returns seconds (monotonic by default, so a changed PC clock does not matter)."""

    def __init__(self, idle_minutes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_minutes * 60
        self._clock = clock
        self._last = clock()

    def touch(self) -> None:
        """Record user activity (a key press, a mouse click)."""
        self._last = self._clock()

    def should_lock(self) -> bool:
        """Whether the idle time has passed since the last activity."""
        return self._clock() - self._last >= self.idle_seconds

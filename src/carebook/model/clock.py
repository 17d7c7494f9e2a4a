"""Hybrid logical clock (HLC) stamps for change records.

Kulkarni et al., "Logical Physical Clocks and Consistent Snapshots in Globally Distributed
Databases" (2014). A stamp is ``(physical milliseconds since the Unix epoch, counter, node)``,
rendered as fixed-width text ``"PPPPPPPPPPPPP.CCCC.node"`` so text order is stamp order.

Village PCs often have wrong clocks. A stamp never goes backwards (the counter advances while the
wall clock lags), and a remote stamp more than ``max_drift`` ahead of the local wall clock is not
adopted: it would poison every later local stamp. Callers are told so they can warn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: Remote stamps further ahead of the local wall clock than this are not adopted (ms): 1 day.
DEFAULT_MAX_DRIFT_MS = 24 * 3600 * 1000


@dataclass(frozen=True, order=True)
class Stamp:
    """One HLC stamp: physical time in ms, a logical counter, and the node (installation id)
    that made it; ordered by (physical, counter, node)."""

    physical: int
    counter: int
    node: str

    def text(self) -> str:
        """The sortable text form ``PPPPPPPPPPPPP.CCCC.node`` (13 + 1 + 4 + 1 + node)."""
        return f"{self.physical:013d}.{self.counter:04d}.{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        """Parse the text form.

        Raises:
            ValueError: not a stamp.
        """
        physical, counter, node = text.split(".", 2)
        if len(physical) != 13 or len(counter) != 4:
            raise ValueError(f"not an HLC stamp: {text!r}")
        return cls(int(physical), int(counter), node)


class ClockDriftWarning(Exception):
    """A remote stamp was further ahead of this PC's clock than the allowed drift; it was not
    adopted. ``ahead_ms`` says by how much."""

    def __init__(self, ahead_ms: int) -> None:
        super().__init__(f"remote clock ahead by {ahead_ms} ms")
        self.ahead_ms = ahead_ms


class HybridClock:
    """An HLC for one installation.

    Args:
        node: the installation id.
        last: the last stamp issued or adopted (persisted by the caller), or ``None``.
        wall_ms: the wall clock in ms (injectable for tests).
        max_drift_ms: how far ahead a remote stamp may be before it is refused.
    """

    def __init__(
        self,
        node: str,
        last: Stamp | None = None,
        *,
        wall_ms: Callable[[], int] | None = None,
        max_drift_ms: int = DEFAULT_MAX_DRIFT_MS,
    ) -> None:
        self.node = node
        self._wall = wall_ms or (lambda: time.time_ns() // 1_000_000)
        self.max_drift_ms = max_drift_ms
        self._physical = last.physical if last else 0
        self._counter = last.counter if last else 0

    @property
    def last(self) -> Stamp:
        """The last stamp issued or adopted."""
        return Stamp(self._physical, self._counter, self.node)

    def now(self) -> Stamp:
        """Issue a new stamp, greater than every stamp issued or adopted before."""
        wall = self._wall()
        if wall > self._physical:
            self._physical, self._counter = wall, 0
        else:
            self._counter += 1
            if self._counter > 9999:  # keep the fixed width: borrow a millisecond
                self._physical += 1
                self._counter = 0
        return Stamp(self._physical, self._counter, self.node)

    def observe(self, remote: Stamp) -> None:
        """Adopt a remote stamp so later local stamps sort after it.

        Raises:
            ClockDriftWarning: the remote stamp is more than ``max_drift_ms`` ahead of the local
                wall clock; it was not adopted (the change it stamps is still applied).
        """
        wall = self._wall()
        if remote.physical - wall > self.max_drift_ms:
            raise ClockDriftWarning(remote.physical - wall)
        if (remote.physical, remote.counter) > (self._physical, self._counter):
            self._physical, self._counter = remote.physical, remote.counter

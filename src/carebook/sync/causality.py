"""Which change had seen which, and which value wins a field.

Rules (DESIGN.md "Sync between village and township"; issue 5 item 7):

* Change ``x`` has seen change ``y`` when they come from the same origin and ``y`` is earlier
  (lower origin sequence number), or when ``x``'s context says its origin had already received
  ``y`` (``y.origin_seq <= x.ctx[y.origin]``).
* Two changes from different origins are *concurrent* when neither had seen the other.
* A field's value is decided among every change that set it (the inserts, which set every field,
  and the updates of that field): the changes no other change had seen compete, and the latest
  hybrid logical clock stamp wins; the stamp's text ends with the origin id, so two stamps never
  tie. The same set of changes gives the same winner on every installation, whatever order they
  arrived in. A change made after seeing another always beats it, even when a wrong PC clock gave
  the earlier one a later stamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Stamped(Protocol):
    """What the rules need of a change."""

    origin: str
    origin_seq: int
    hlc: str
    ctx: dict[str, int]


def has_seen(x: Stamped, y: Stamped) -> bool:
    """True when ``x``'s origin had received ``y`` before making ``x``."""
    if x.origin == y.origin:
        return y.origin_seq < x.origin_seq
    return y.origin_seq <= x.ctx.get(y.origin, 0)


def concurrent(x: Stamped, y: Stamped) -> bool:
    """True when ``x`` and ``y`` come from different origins and neither had seen the other."""
    return x.origin != y.origin and not has_seen(x, y) and not has_seen(y, x)


def pick_winner(candidates: Sequence[tuple[Stamped, Any]]) -> tuple[Stamped, Any]:
    """The winning ``(change, value)`` among candidates for one field (see the module rules).

    Raises:
        ValueError: no candidates.
    """
    if not candidates:
        raise ValueError("no candidates")
    if len(candidates) == 1:
        return candidates[0]
    first = candidates[0][0].origin
    if all(c.origin == first for c, _ in candidates):
        return max(candidates, key=lambda cv: cv[0].origin_seq)
    maximal = [cv for cv in candidates
               if not any(other is not cv[0] and has_seen(other, cv[0]) for other, _ in candidates)]
    return max(maximal, key=lambda cv: cv[0].hlc)

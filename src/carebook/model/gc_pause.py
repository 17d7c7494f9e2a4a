"""Pausing Python's cyclic garbage collector around bulk work (垃圾回收暂停).

A ledger import or a bundle merge allocates hundreds of thousands of containers (row tuples,
dicts, change records) that stay alive until the work ends and form no reference cycles; every
automatic collection pass walks all of them, and everything else alive, again for nothing
(about a tenth of a bulk import's CPU time at 20,000 children, a sixth of a 30,000-change merge:
``bench/README.md``). Memory is still freed by reference counting as usual; only cycles wait
for the next collection after the block.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic collector off while the block runs; switched on again afterwards if it was on
    (also when the block raises)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = ["gc_paused"]

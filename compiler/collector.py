"""The cyclic garbage collector, as the compiler runs it.

A compile allocates millions of small containers that live until it ends and form no cycles:
the collector frees none of them, and at CPython's default thresholds it walked the whole heap
again and again (a quarter of compile's time at 1,000 agents). `tune` sets the thresholds of a
process that runs a command; `paused` stops the collector while a stage builds such a
structure (the parse tree, the model, the proof's graph). Reference counting still frees what
dies. Imports nothing of the project: the front end, the driver and the checker all use it.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


def tune() -> None:
    """Collect young objects every 200,000 allocations, not 700: for the process that runs a
    command (the console script), not for a library caller's."""
    gc.set_threshold(200_000, 30, 30)


@contextmanager
def paused() -> Iterator[None]:
    """No collection while the block runs; then what it made is moved to the oldest
    generation (a freeze and thaw, unless someone else keeps objects frozen), so the young
    collections that follow do not scan it twice more on its way there. Nested, or with the
    collector already off, it does nothing."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()

"""The C allocator, as the compiler runs it.

A target's files are freed once they are written and measured (189 MiB of text for the aws
target at 5,000 agents), but glibc's malloc keeps their pages, scattered among live blocks, so
each process would go on holding the largest target it emitted beside whatever it builds next:
with two processes at once, a third of compile's peak memory. `trim` hands the free pages back
(`malloc_trim`, a few milliseconds). Where the C library has no such call, it does nothing.
Imports nothing of the project.
"""
from __future__ import annotations

import ctypes
from functools import cache
from typing import Callable


def trim() -> None:
    """Return the allocator's free pages to the system."""
    call = _malloc_trim()
    if call is not None:
        call(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # no such call; Windows has no CDLL(None)
        return None

"""Memory a compile frees goes back to the system: `allocator.trim` returns the C allocator's
free pages (glibc), `Emission` trims after each target, and loading a program leaves no cyclic
garbage (the parse trees would otherwise live, in both processes after the fork, until a full
collection)."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from agentpol import allocator, artifacts, pipeline

ROOT = Path(__file__).resolve().parents[3]


def _resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(allocator._malloc_trim() is None, reason="no malloc_trim in this C library")
def test_trim_hands_back_freed_texts_kept_in_place_by_survivors():
    texts = ["x" * 3000 + str(i) for i in range(40_000)]  # 115 MiB, malloc'd one by one
    survivors = texts[::50]  # one in fifty stays: the freed ones lie between them
    del texts
    before = _resident_mib()
    allocator.trim()
    assert _resident_mib() < before - 50, "the freed pages stayed resident"
    assert len(survivors) == 800


def test_without_malloc_trim_trimming_does_nothing(monkeypatch):
    """Windows has no CDLL(None) (a TypeError), other C libraries no malloc_trim."""
    import ctypes
    for error in (TypeError("no name"), OSError("no library"), AttributeError("no call")):
        def refuse(name, error=error):
            raise error
        monkeypatch.setattr(ctypes, "CDLL", refuse)
        allocator._malloc_trim.cache_clear()
        try:
            allocator.trim()
            assert allocator._malloc_trim() is None
        finally:
            allocator._malloc_trim.cache_clear()


def test_emission_trims_after_each_target(acme_model, monkeypatch):
    calls = []
    monkeypatch.setattr(allocator, "trim", lambda: calls.append(1))
    table = pipeline.targets()
    artifacts.build(acme_model, table, list(table))
    assert len(calls) == len(table)


def test_loading_leaves_no_cyclic_garbage():
    gc.collect()
    frozen = gc.isenabled()
    gc.disable()
    try:
        model = pipeline.load(ROOT / "policies")
        assert gc.collect() == 0
    finally:
        if frozen:
            gc.enable()
    assert model.principals

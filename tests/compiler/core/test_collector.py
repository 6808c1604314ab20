"""`collector.paused`: no collection inside, the collector back on after (an exception too),
what was made moved out of the young generations, and nothing done when nested or off."""
from __future__ import annotations

import gc

import pytest

from agentpol import collector


def test_paused_then_back_on_with_the_new_objects_old():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
        with collector.paused():  # nested: the outer one acts
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_count()[0] < 1000 and gc.get_freeze_count() == 0
    assert made


def test_an_exception_leaves_the_collector_on():
    with pytest.raises(ValueError):
        with collector.paused():
            raise ValueError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

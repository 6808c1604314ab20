"""The parse stage, fast path against lark, on a generated organisation's agents file.

    python benchmarks/parse_speed.py                 # 1,000 agents x 3 envs (a 356 KB file)
    python benchmarks/parse_speed.py --agents 5000

`parse_text` as compile calls it, and with the fast path switched off (lark alone). CPU seconds
(`time.process_time`), best of `--repeat`, with the garbage collector as Python
starts it and as the `agentpol` console script tunes it; the load average is printed, since
other work on the machine disturbs the figures. Nothing is asserted (docs/architecture.md).
"""
from __future__ import annotations

import argparse
import gc
import os
import time
from typing import Callable
from unittest import mock

from generate import organisation

from agentpol import fastparse
from agentpol.parse import _parser, parse_text


def best_of(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each run's least CPU time, the runs taking turns (so both meet the same heap)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.process_time()
            run()
            times[name].append(time.process_time() - start)
    return {name: min(t) for name, t in times.items()}


def lark_alone(text: str) -> object:
    with mock.patch.object(fastparse, "parse", lambda text: None):
        return parse_text("agents.agentpol", text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    text = organisation(3, args.agents, 60, 17)["agents.agentpol"]
    _parser()  # built once per process, outside both timings
    print(f"{len(text) // 1024} KB, {text.count(chr(10)) + 1} lines; "
          f"load average {os.getloadavg()[0]:.2f}")
    for label, threshold in [("default gc", gc.get_threshold()),
                             ("agentpol's gc", (200_000, 30, 30))]:
        gc.set_threshold(*threshold)
        got = best_of(args.repeat, {"lark": lambda: lark_alone(text),
                                    "fast": lambda: parse_text("agents.agentpol", text)})
        lark, fast = got["lark"], got["fast"]
        print(f"{label:14} lark {lark:.3f} s   fast path {fast:.3f} s   {lark / fast:.1f}x")


if __name__ == "__main__":
    main()

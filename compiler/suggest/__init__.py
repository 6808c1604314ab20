"""`agentpol suggest`: least privilege learned from what the agents actually did.

Reads the gateway's decision log and CloudTrail files for a period (streams: memory does not
grow with a log's length), maps every record to agent@env, and reports per principal the
grants never used, the calls outside every grant, errors and retries, spend and call rates
against budgets and rates, and grants whose review window has passed; with a patch of
`.agentpol` statements that compiles and passes `check` (docs/suggest.md).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from agentpol.model import Model
from agentpol.parse import discover, display_path

from . import readers
from .observe import Observer
from .propose import build
from .report import Suggestion


def suggest(model: Model, directory: Path, logs: Sequence[Path], trails: Sequence[Path],
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            today: dt.date | None = None) -> Suggestion:
    observer = Observer(model, since, until)
    damage = []
    for path in logs:
        hurt = readers.Damage(str(path))
        for _, decision in readers.decisions(path, hurt):
            observer.decision(decision)
        damage.append(hurt)
    for path in trails:
        hurt = readers.Damage(str(path))
        for n, record in readers.cloudtrail(path, hurt):
            try:
                observer.cloudtrail(record)
            except (ValueError, TypeError, AttributeError) as exc:
                hurt.add(n, f"unreadable event ({exc})")
        damage.append(hurt)
    sources = {display_path(directory, p): p for p in discover(directory)}
    return build(model, directory, observer, [d for d in damage if d.count], today or
                 dt.date.today(), sources)


__all__ = ["Suggestion", "suggest"]

"""`policies/agentpol.lock`: every reviewed grant with the date it was first approved.

Format, one grant a line, sorted: `YYYY-MM-DD  ENV AGENT ACCESS TARGET` (the permissions.txt
line without its source comment); `#` lines are comments.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import Diagnostic, InputErrors
from .model import Span

LOCK_NAME = "agentpol.lock"


def read(path: Path) -> dict[str, dt.date]:
    """Approved grant lines -> approval date; a missing lock approves nothing."""
    if not path.is_file():
        return {}
    approved: dict[str, dt.date] = {}
    diags = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        date, _, grant = line.partition("  ")
        try:
            approved[grant.strip()] = dt.date.fromisoformat(date.strip())
        except ValueError:
            diags.append(Diagnostic("E030", "expected `YYYY-MM-DD  ENV AGENT ACCESS TARGET`",
                                    Span(str(path), n, 1, max(1, len(line)))))
    if diags:
        raise InputErrors(diags)
    return approved

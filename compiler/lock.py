"""`policies/agentpol.lock`: every reviewed grant with the date it was first approved.

Format, one grant a line, sorted: `YYYY-MM-DD  ENV AGENT ACCESS TARGET` (the permissions.txt
line without its source comment); `#` lines are comments.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import Diagnostic, InputErrors
from .expand import egress_line, grant_line
from .model import Span
from .parse import display_path

LOCK_NAME = "agentpol.lock"


def read(path: Path) -> dict[str, dt.date]:
    """Approved grant lines -> approval date; a missing lock approves nothing."""
    if not path.is_file():
        return {}
    approved: dict[str, dt.date] = {}
    diags = []
    shown = display_path(path.parent, path)
    text = path.read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        date, _, grant = line.partition("  ")
        try:
            approved[grant.strip()] = dt.date.fromisoformat(date.strip())
        except ValueError:
            diags.append(Diagnostic("E030", "expected `YYYY-MM-DD  ENV AGENT ACCESS TARGET`",
                                    Span(shown, n, 1, max(1, len(line)))))
    if diags:
        raise InputErrors(diags, {shown: text})
    return approved


def lines_to_lock(model) -> list[str]:
    """Every grant and egress line of the environments that review new access."""
    out = []
    for p in model.principals.values():
        if not model.environments[p.env].review_window:
            continue
        out += [grant_line(g) for g in p.grants]
        out += [egress_line(p.env, p.agent, e) for e in p.egress]
    return sorted(set(out))


def render(model, approved: dict[str, dt.date], today: dt.date) -> str:
    """The new lock: current grants keep their first approval date, new ones get `today`;
    grants that no longer exist drop out."""
    rows = [f"{approved.get(line, today).isoformat()}  {line}" for line in lines_to_lock(model)]
    head = ("# agentpol.lock: reviewed grants and the date each was first approved.\n"
            "# Written by `agentpol lock`; review it in the pull request like any other file.\n")
    return head + "".join(r + "\n" for r in rows)

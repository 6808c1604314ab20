"""`policies/agentpol.lock`: every reviewed grant with the date it was first approved.

Format, one grant a line, sorted: `YYYY-MM-DD  ENV AGENT ACCESS TARGET IDENTITY` (the
permissions.txt line without its source comment); `#` lines are comments. The identity is part
of what was approved: widening a resource declaration makes its grants pending again. A line
that starts with `adopted` instead of a date records a grant that was already live when the
review window was introduced (`agentpol lock --adopt`): it stays live, and `check` verifies it
was live on the base (docs/review.md).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, InputErrors
from .expand import egress_line, grant_line
from .model import Span
from .parse import display_path

LOCK_NAME = "agentpol.lock"
ADOPTED = "adopted"


@dataclass(frozen=True)
class Row:
    """One lock entry: the grant line, its approval date (None when adopted), where it is."""

    grant: str
    date: dt.date | None
    span: Span


def rows(path: Path) -> list[Row]:
    """Every entry of a lock file, in file order; a missing lock has none."""
    if not path.is_file():
        return []
    out, diags = [], []
    shown = display_path(path.parent, path)
    text = path.read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        date, _, grant = line.partition("  ")
        span = Span(shown, n, 1, max(1, len(line)))
        try:
            when = None if date.strip() == ADOPTED else dt.date.fromisoformat(date.strip())
            out.append(Row(grant.strip(), when, span))
        except ValueError:
            diags.append(Diagnostic(
                "E030", "expected `YYYY-MM-DD  ENV AGENT ACCESS TARGET IDENTITY`", span,
                "dates are ISO (2026-01-31); `adopted` marks a grant live before the window"))
    if diags:
        raise InputErrors(diags, {shown: text})
    return out


def read(path: Path) -> dict[str, dt.date]:
    """Approved grant lines -> approval date (an adopted grant: approved since always)."""
    return {r.grant: r.date or dt.date.min for r in rows(path)}


def lines_to_lock(model, reviewed_only: bool = True) -> list[str]:
    """Every grant and egress line, of the environments that review new access (or of all)."""
    out = []
    for p in model.principals.values():
        if reviewed_only and not model.environments[p.env].review_window:
            continue
        out += [grant_line(g, model.program) for g in p.grants]
        out += [egress_line(p.env, p.agent, e) for e in p.egress]
    return sorted(set(out))


def render(model, approved: dict[str, dt.date], today: dt.date,
           adopt: frozenset[str] = frozenset()) -> str:
    """The new lock: current grants keep their first approval date, new ones get `today`, those
    in `adopt` (live on the base) are marked adopted; grants that no longer exist drop out."""
    def first(line: str) -> str:
        when = approved.get(line)
        if when == dt.date.min or (when is None and line in adopt):
            return ADOPTED.ljust(10)
        return (when or today).isoformat()
    rows_ = [f"{first(line)}  {line}" for line in lines_to_lock(model)]
    head = ("# agentpol.lock: reviewed grants and the date each was first approved.\n"
            "# Written by `agentpol lock`; review it in the pull request like any other file.\n")
    return head + "".join(r + "\n" for r in rows_)

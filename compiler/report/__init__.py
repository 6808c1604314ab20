"""Findings as text (for people), JSON (for tools), SARIF 2.1.0 (code scanning) and GitHub
workflow annotations; and the reachability graph as DOT. Input errors render in every format
but text (whose caret form the CLI prints) as the same Diagnostic, so a typo in CI shows up in
code scanning too."""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

from agentpol.check import Report
from agentpol.check.graph import Graph
from agentpol.errors import Diagnostic

from . import github, json_report, sarif, text

#: `--format` name -> renderer; `color` matters only to text.
FORMATS: Mapping[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
}


def render(report: Report, fmt: str, color: bool = False, paths=None) -> str:
    """`paths` (a RepoPaths) makes SARIF and annotation paths relative to the repository."""
    if paths is not None and fmt in ("sarif", "github"):
        return FORMATS[fmt](report, color=color, paths=paths)
    return FORMATS[fmt](report, color=color)


def render_input_errors(diagnostics: Iterable[Diagnostic], fmt: str, paths=None) -> str:
    """Input errors as a report of nothing checked, in a machine format (json, sarif, github)."""
    return render(Report(tuple(diagnostics), 0, 0, Graph()), fmt, paths=paths)

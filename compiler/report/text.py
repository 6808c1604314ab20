"""Findings for people: grouped by rule, each with its witness path; coloured on a TTY."""
from __future__ import annotations

from itertools import groupby

from agentpol.check import Report
from agentpol.check.findings import ERROR, RULES

from .common import summary

_RED, _YELLOW, _DIM, _BOLD, _RESET = "\033[31m", "\033[33m", "\033[2m", "\033[1m", "\033[0m"


def render(report: Report, color: bool = False) -> str:
    def paint(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    order = list(RULES)
    ranked = sorted(report.findings, key=lambda f: (f.severity != ERROR, order.index(f.rule),
                                                    f.sort_key()))
    out = []
    for rule, group in groupby(ranked, key=lambda f: f.rule):
        items = list(group)
        level = items[0].severity
        head = f"{rule} ({len(items)} {level}{'s' * (len(items) != 1)}): {RULES[rule][1]}"
        out.append(paint(_BOLD, head))
        for f in items:
            tag = paint(_RED if f.severity == ERROR else _YELLOW, f"{f.severity}[{f.rule}]")
            out.append(f"  {f.location or '-'}: {tag}: {f.message}")
            for i, hop in enumerate(f.witness):
                out.append(paint(_DIM, f"      {'  ' * (i > 0)}{hop}"))
        out.append("")
    out.append(summary(report))
    return "\n".join(out) + "\n"

"""Findings for tools: one JSON document, keys sorted, the same for the same input."""
from __future__ import annotations

import json

from agentpol.check import Report
from agentpol.errors import Diagnostic, Location
from agentpol.model import Span

from .common import summary


def _loc(loc: Location | None):
    if isinstance(loc, Span):
        return {"file": loc.file, "line": loc.line, "col": loc.col}
    return loc


def render(report: Report, color: bool = False) -> str:
    doc = {
        "version": 1,
        "summary": {
            "errors": len(report.errors),
            "warnings": len(report.findings) - len(report.errors),
            "triples_examined": report.triples,
            "roles_known_only_by_name": report.opaque_roles,
            "text": summary(report),
        },
        "findings": [finding_json(f) for f in report.findings],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def finding_json(f: Diagnostic) -> dict:
    """One finding (or input error: its `rule` is its code, E0xx, with its `hint`) as
    `check --format json` and `diff --format json` write it."""
    entry = {
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "location": _loc(f.location),
        "witness": [{"node": h.label, "where": _loc(h.where), "via": h.via}
                    for h in f.witness],
    }
    if f.hint:
        entry["hint"] = f.hint
    return entry

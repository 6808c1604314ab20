"""What every format says the same way: where a finding points, and the run's summary."""
from __future__ import annotations

from agentpol.check import Report
from agentpol.check.findings import ERROR, WARNING, Location
from agentpol.model import Span


def where(loc: Location | None) -> tuple[str, int, int] | None:
    """(file, line, col) of a location: an `.agentpol` span, or `FILE:NAME` from an authz file
    (line 1 of that file)."""
    if isinstance(loc, Span):
        return loc.file, loc.line, loc.col
    if loc:
        return str(loc).rsplit(":", 1)[0], 1, 1
    return None


def summary(report: Report) -> str:
    if any(f.input_error for f in report.findings):
        n = len(report.findings)
        return f"agentpol: {n} input error{'s' * (n != 1)}; nothing checked"
    errors = sum(f.severity == ERROR for f in report.findings)
    warnings = sum(f.severity == WARNING for f in report.findings)
    looked = (f"{report.triples} (principal, action, resource) triples examined; "
              f"{report.opaque_roles} role{'s' * (report.opaque_roles != 1)} it could not look "
              "into (known only by name: no --aws-authz file for its account)")
    if not report.findings:
        return f"agentpol: clean: {looked}"
    return (f"agentpol: {errors} error{'s' * (errors != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)}; {looked}")

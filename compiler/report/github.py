"""GitHub Actions workflow commands: one `::error`/`::warning` annotation per finding, at the
statement that grants its first hop, with the witness path in the message."""
from __future__ import annotations

from agentpol.check import Report

from .common import summary
from .paths import RepoPaths


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, color: bool = False, paths: RepoPaths = RepoPaths()) -> str:
    """Paths relative to the repository root, so GitHub attaches each annotation."""
    out = []
    for f in report.findings:
        props = []
        loc = paths.where(f.location)
        if loc:
            props += [f"file={_prop(loc[0])}", f"line={loc[1]}", f"col={loc[2]}"]
        props.append(f"title={_prop(f.rule)}")
        body = "\n".join([f.message] + [str(h) for h in f.witness]
                         + ([f"hint: {f.hint}"] if f.hint else []))
        out.append(f"::{f.severity} {','.join(props)}::{_data(body)}")
    out.append(summary(report))
    return "\n".join(out) + "\n"

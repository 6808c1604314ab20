"""What `suggest` found: per principal, the facts the renderers print (no analysis here)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .patch import Statement


@dataclass
class Unused:
    grant: str  # the grant line (`ENV AGENT ACCESS TARGET`)
    layer: str
    where: str  # the statement's source location
    via: tuple[str, ...]
    unused_for: dt.timedelta
    proposed: bool = False
    note: str = ""


@dataclass
class Addition:
    principal: str
    statement: Statement
    count: int
    first: dt.datetime
    last: dt.datetime
    calls: tuple[str, ...]  # what was called (action on resource)
    accepted: bool = False
    note: str = ""


#: Alert kinds, most serious first (docs/suggest.md describes each).
ALERT_ORDER = ("cross-env", "session-tags", "denied", "never-granted", "rejected-by-check",
               "undeclared", "unresolved", "unknown-action", "too-many")


@dataclass
class Alert:
    kind: str  # cross-env | denied | never-granted | undeclared | rejected-by-check | ...
    layer: str
    action: str
    resource: str
    count: int
    first: dt.datetime | None
    last: dt.datetime | None
    detail: str


@dataclass
class PrincipalReport:
    key: str
    mode: str
    calls: dict[str, int]
    used: list[tuple[str, int, dt.datetime | None]] = field(default_factory=list)
    unused: list[Unused] = field(default_factory=list)
    not_observed: list[tuple[str, str]] = field(default_factory=list)  # (grant, why)
    additions: list[Addition] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    refused_within: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    retries: int = 0
    bursts: list[tuple[dt.datetime, int]] = field(default_factory=list)
    limits: list[dict] = field(default_factory=list)
    review: list[dict] = field(default_factory=list)


@dataclass
class Suggestion:
    period: dict[str, tuple[dt.datetime | None, dt.datetime | None]]
    principals: list[PrincipalReport]
    unknown: dict[str, int]
    damage: list  # readers.Damage per file with malformed lines
    skipped: dict[str, int]
    patch: dict[str, str]  # span file name -> new text (validated)
    baseline_errors: int
    files: dict[str, Path] = field(default_factory=dict)  # span file name -> path on disk

"""What the proof reports: a finding (rule, severity, message, location, witness path).

A finding is not an input error: the program is well formed but unsafe or incomplete. Its
location is the statement that grants the first hop of its witness; every hop names the node it
reaches and where that step comes from (an `.agentpol` span, or `FILE:RoleName` for a role read
from an `--aws-authz` file).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from agentpol.model import Span

ERROR, WARNING = "error", "warning"

#: Rule id -> (severity, one-line meaning). `wildcard-resource` is an error only in protected
#: envs (`rules.wildcard_resource` gives the severity with each hit). The ids are stable:
#: SARIF ruleIds and docs/checks.md use them.
RULES: Mapping[str, tuple[str, str]] = {
    "cross-env-credential": (ERROR, "a principal reaches a protected env's credential"),
    "cross-env-access": (ERROR, "a principal reaches a protected env's non-credential resource"),
    "shared-identity": (ERROR, "two envs' instances resolve to one identity without shared = true"),
    "shared-credential": (ERROR, "one credential is used by a protected env and another env"),
    "privilege-escalation": (ERROR, "a grant lets a principal widen its own rights"),
    "wildcard-resource": (WARNING, "a raw grant wider than one resource type"),
    "unbounded-spend": (ERROR, "a paid api is callable without a budget"),
    "missing-owner": (ERROR, "an agent has no owner"),
    "missing-audit": (ERROR, "a protected env has no audit_log"),
    "quota": (ERROR, "an artifact exceeds its provider's size or count limit"),
    "unknown-action": (ERROR, "a raw permission the provider does not have"),
    "audit-tamper": (ERROR, "an agent can stop, delete, shorten or rewrite the record"),
    "test-failed": (ERROR, "an expect in a test block does not hold"),
    "lock-tamper": (ERROR, "a lock entry opens its own review window early or pre-approves"),
    "unused": (WARNING, "a resource or profile nobody uses"),
    "unenforced-approval": (WARNING, "an approval on a call no gateway sees"),
    "missing-vault-address": (WARNING, "a Vault grant in an env without vault_address"),
    "kill-bypass": (ERROR, "a killed principal can still act through a path its kill leaves "
                           "open"),
}

Location = Span | str


@dataclass(frozen=True)
class Hop:
    """One node of a witness path: its label, the source of the step that reached it (for the
    first hop: where the principal is declared), and the permission used for that step."""

    node: str  # graph node id, so `graph` can highlight the path
    label: str
    where: Location
    via: str | None = None

    def __str__(self) -> str:
        step = f"--[{self.via}]--> " if self.via else ""
        return f"{step}{self.label}  ({self.where})"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    location: Location | None
    witness: tuple[Hop, ...] = ()

    def sort_key(self) -> tuple:
        loc = self.location
        where = (loc.file, loc.line, loc.col) if isinstance(loc, Span) else (str(loc or ""), 0, 0)
        return (*where, self.rule, self.message, tuple(str(h) for h in self.witness))


def finding(rule: str, message: str, location: Location | None,
            witness: tuple[Hop, ...] = (), severity: str | None = None) -> Finding:
    """A finding with its rule's severity unless told otherwise."""
    return Finding(rule, severity or RULES[rule][0], message, location, tuple(witness))

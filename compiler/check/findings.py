"""What the proof reports: findings (rule, severity, message, location, witness path), as the
one Diagnostic type input errors use too (`agentpol.errors`).

A finding is not an input error: the program is well formed but unsafe or incomplete. Its
location is the statement that grants the first hop of its witness; every hop names the node it
reaches and where that step comes from (an `.agentpol` span, or `FILE:RoleName` for a role read
from an `--aws-authz` file).
"""
from __future__ import annotations

from typing import Mapping

from agentpol.errors import ERROR, WARNING, Diagnostic, Hop, Location

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
    "env-bridge": (WARNING, "an imported role or user of a non-protected env reaches a "
                            "protected env's credential; no agent reaches it today"),
}

#: A finding is a Diagnostic whose code is a rule id of RULES.
Finding = Diagnostic


def finding(rule: str, message: str, location: Location | None,
            witness: tuple[Hop, ...] = (), severity: str | None = None) -> Finding:
    """A finding with its rule's severity unless told otherwise."""
    return Diagnostic(rule, message, location, None, severity or RULES[rule][0], tuple(witness))

"""What the sandbox formats deny outright: other protected environments' names and ranges.

Only sandbox-runtime and Claude Code have an explicit deny list, so this stays in the network
target; the destinations and the cluster formats are in `agentpol.targets._netpolicy`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Mapping

from agentpol.model import Model


@dataclass(frozen=True)
class Denied:
    """Names and ranges of protected environments other than the subject's own, for the
    formats that have an explicit deny list (sandbox-runtime, Claude Code)."""

    owners: Mapping[str, str]  # domain or cidr -> the env it belongs to

    @cached_property
    def domains(self) -> tuple[str, ...]:
        return tuple(sorted(k for k in self.owners if "/" not in k))

    @cached_property
    def cidrs(self) -> tuple[str, ...]:
        return tuple(sorted(k for k in self.owners if "/" in k))


def denied_for(model: Model, env: str) -> Denied:
    """Every other protected env's domains and cidrs. Egress into them is a cross-env finding
    (so a compiled allowlist never needs them); denying them outright costs nothing."""
    others = [e for e in model.environments.values() if e.protected and e.name != env]
    return Denied({item: e.name for e in others
                   for item in [d.lower() for d in e.domains] + list(e.cidrs)})

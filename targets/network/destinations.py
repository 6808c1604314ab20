"""What every network format is built from: the destinations one pod may reach, and who it is.

Each format expresses only some kinds of destination (EXPRESSES); builders take a `Subject`
(not a Principal) so the same code serves an agent's pods and, later, an MCP server's upstream
allowlist. Cilium expresses every kind, so no destination that parses (LANGUAGE.md: host, IP or
CIDR with a port; anything else is input error E027) is left without an enforcing format.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Iterable, Mapping

from agentpol.model import Egress, Model

KINDS = ("domain", "wildcard", "ip", "cidr")

#: Which destination kinds each emitted file can carry (DESIGN: "Each network format carries
#: the destinations it can express"). Claude Code settings also drop the port (see claude.py).
EXPRESSES: Mapping[str, frozenset[str]] = {
    "networkpolicy.yaml": frozenset({"ip", "cidr"}),
    "cilium.yaml": frozenset(KINDS),
    "squid.conf": frozenset(KINDS),
    "sandbox-runtime.json": frozenset({"domain", "wildcard", "ip"}),
    "claude-settings.json": frozenset({"domain", "wildcard"}),
}


@dataclass(frozen=True, order=True)
class Dest:
    """One allowed destination: kind, normalised host (lower-case name, compressed address or
    network) and TCP port."""

    kind: str
    host: str
    port: int

    @property
    def ipv6(self) -> bool:
        return self.kind in ("ip", "cidr") and ":" in self.host

    @property
    def network(self) -> str:
        """An ip or cidr as a CIDR (`/32` or `/128` for a single address)."""
        return str(ipaddress.ip_network(self.host))

    def __str__(self) -> str:
        host = f"[{self.host}]" if self.kind == "ip" and self.ipv6 else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Subject:
    """The pods a policy is for: `name` names the policy objects and acls, `selector` is the
    value of their `app.kubernetes.io/name` label, `principal` says whose allowlist it is."""

    name: str
    namespace: str | None
    selector: str
    principal: str


@dataclass(frozen=True)
class Denied:
    """Names and ranges of protected environments other than the subject's own, for the
    formats that have an explicit deny list (sandbox-runtime, Claude Code)."""

    owners: Mapping[str, str]  # domain or cidr -> the env it belongs to

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(sorted(k for k in self.owners if "/" not in k))

    @property
    def cidrs(self) -> tuple[str, ...]:
        return tuple(sorted(k for k in self.owners if "/" in k))


def destinations(egress: Iterable[Egress]) -> tuple[Dest, ...]:
    """Sorted, de-duplicated destinations of the given (live) egress."""
    return tuple(sorted({_dest(e) for e in egress}))


def _dest(e: Egress) -> Dest:
    if e.kind == "ip":
        return Dest("ip", str(ipaddress.ip_address(e.host)), e.port)
    if e.kind == "cidr":
        return Dest("cidr", str(ipaddress.ip_network(e.host)), e.port)
    return Dest(e.kind, e.host.lower().rstrip("."), e.port)


def split(dests: Iterable[Dest], fmt: str) -> tuple[tuple[Dest, ...], tuple[Dest, ...]]:
    """(what `fmt` can express, what it cannot)."""
    kinds = EXPRESSES[fmt]
    dests = tuple(dests)
    return (tuple(d for d in dests if d.kind in kinds),
            tuple(d for d in dests if d.kind not in kinds))


def by_port(dests: Iterable[Dest]) -> dict[int, tuple[Dest, ...]]:
    """Destinations grouped by port, ports ascending."""
    out: dict[int, list[Dest]] = {}
    for d in sorted(dests, key=lambda d: (d.port, d)):
        out.setdefault(d.port, []).append(d)
    return {port: tuple(ds) for port, ds in out.items()}


def denied_for(model: Model, env: str) -> Denied:
    """Every other protected env's domains and cidrs. Egress into them is a cross-env finding
    (so a compiled allowlist never needs them); denying them outright costs nothing."""
    others = [e for e in model.environments.values() if e.protected and e.name != env]
    return Denied({item: e.name for e in others
                   for item in [d.lower() for d in e.domains] + list(e.cidrs)})


def listing(dests: Iterable[Dest]) -> str:
    """Destinations as one line of text, for comments and annotations."""
    return ", ".join(str(d) for d in dests)

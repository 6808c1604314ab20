"""What every network format is built from: the destinations one pod may reach, and who it is.

Each format expresses only some kinds of destination (EXPRESSES); builders take a `Subject`
(not a Principal) so the same code serves an agent's pods (network target) and an MCP server's
own pods (audit target). Cilium expresses every kind, so no destination that parses
(LANGUAGE.md: host, IP or CIDR with a port; anything else is input error E027) is left
without an enforcing format.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

KINDS = ("domain", "wildcard", "ip", "cidr")

#: Which destination kinds each emitted file can carry (DESIGN: "Each network format carries
#: the destinations it can express"), this package's formats and the network target's sandbox
#: ones alike. Claude Code settings also drop the port (targets/network/claude.py).
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
    network) and TCP port; `needed_by` says which statements or grants need it (not part of
    its identity: the same destination needed twice is one entry with two reasons)."""

    kind: str
    host: str
    port: int
    needed_by: tuple[str, ...] = field(default=(), compare=False)

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


def dest(kind: str, host: str, port: int, needed_by: tuple[str, ...] = ()) -> Dest:
    """A destination with its host normalised, so equal destinations compare equal."""
    if kind == "ip":
        return Dest("ip", str(ipaddress.ip_address(host)), port, needed_by)
    if kind == "cidr":
        return Dest("cidr", str(ipaddress.ip_network(host)), port, needed_by)
    return Dest(kind, host.lower().rstrip("."), port, needed_by)


def merged(dests: Iterable[Dest]) -> tuple[Dest, ...]:
    """Sorted, de-duplicated destinations, each with the reasons of all its copies (in the order
    first given, each once)."""
    reasons: dict[Dest, dict[str, None]] = {}
    for d in dests:
        reasons.setdefault(d, {}).update(dict.fromkeys(d.needed_by))
    return tuple(replace(d, needed_by=tuple(why)) for d, why in sorted(reasons.items()))


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


def listing(dests: Iterable[Dest]) -> str:
    """Destinations as one line of text, for comments and annotations."""
    return ", ".join(str(d) for d in dests)


def reasons(d: Dest) -> str:
    """Why a destination is open, for a comment: `read dynamodb_table.tickets; egress api.x`."""
    return "; ".join(d.needed_by) or "declared egress"


def opened_lines(dests: Iterable[Dest]) -> list[str]:
    """One comment line per destination with what needs it (`host:port  <- reasons`)."""
    return [f"  {d}  <- {reasons(d)}" for d in dests]

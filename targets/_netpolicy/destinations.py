"""What every network format is built from: the destinations one pod may reach, and who it is.

Each format expresses only some kinds of destination (EXPRESSES); builders take a `Subject`
(not a Principal) so the same code serves an agent's pods (network target) and an MCP server's
own pods (audit target). Cilium expresses every kind, so no destination that parses
(docs/language.md: host, IP or CIDR with a port; anything else is input error E027) is left
without an enforcing format.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from agentpol.model import DEST_KINDS as KINDS, Destination as Dest

#: Which destination kinds each emitted file can carry ("each network format carries
#: the destinations it can express"), this package's formats and the network target's sandbox
#: ones alike. Claude Code settings also drop the port (targets/network/claude.py).
EXPRESSES: Mapping[str, frozenset[str]] = {
    "networkpolicy.yaml": frozenset({"ip", "cidr"}),
    "cilium.yaml": frozenset(KINDS),
    "squid.conf": frozenset(KINDS),
    "sandbox-runtime.json": frozenset({"domain", "wildcard", "ip"}),
    "claude-settings.json": frozenset({"domain", "wildcard"}),
}


@dataclass(frozen=True)
class Subject:
    """The pods a policy is for: `name` names the policy objects and acls, `selector` is the
    value of their `app.kubernetes.io/name` label, `principal` says whose allowlist it is."""

    name: str
    namespace: str | None
    selector: str
    principal: str


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
        assert d.port is not None, "an allowed destination has a port"
        out.setdefault(d.port, []).append(d)
    return {port: tuple(ds) for port, ds in out.items()}


def listing(dests: Iterable[Dest]) -> str:
    """Destinations as one line of text, for comments and annotations."""
    return ", ".join(str(d) for d in dests)


class Allowlist:
    """What one pod may reach: destinations, in order, each with what needs it (`read
    dynamodb_table.tickets`, `egress "hooks.slack.com:443"`; none: declared egress), the reasons
    the files mark each opened destination with. A value, hashed once: an org's agents of one
    profile share an allowlist, and the formats work out what in their files does not name the
    subject once per allowlist (their `_shared`)."""

    __slots__ = ("dests", "why", "_hash")

    def __init__(self, dests: Iterable[Dest],
                 why: Mapping[Dest, Iterable[str]] | None = None) -> None:
        self.dests = tuple(dests)
        given = why or {}
        self.why = {d: tuple(given.get(d, ())) for d in self.dests}
        self._hash = hash((self.dests, *self.why.values()))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Allowlist) and self._hash == other._hash
                and self.dests == other.dests and self.why == other.why)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Allowlist({self.dests!r}, {self.why!r})"

    def reasons(self, d: Dest) -> str:
        """Why a destination is open, for a comment: `read dynamodb_table.tickets; egress api.x`."""
        return "; ".join(self.why.get(d, ())) or "declared egress"


def merged(needs: Iterable[tuple[Dest, str]]) -> Allowlist:
    """Destinations (sorted, each once) with every reason given for them (sorted, each once, so
    that moving a statement changes no file)."""
    out: dict[Dest, set[str]] = {}
    for d, reason in needs:
        out.setdefault(d, set()).add(reason)
    return Allowlist(sorted(out), {d: sorted(reasons) for d, reasons in out.items()})


def opened_lines(dests: Iterable[Dest], allowed: Allowlist) -> list[str]:
    """One comment line per destination with what needs it (`host:port  <- reasons`)."""
    return [f"  {d}  <- {allowed.reasons(d)}" for d in dests]

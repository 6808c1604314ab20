"""Do two network destinations name a common thing? Host names, `*.domain`s, IPs and CIDRs.
(Globs, for IAM ARNs and Vault paths, are `agentpol.globs`.)
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# --- network destinations ------------------------------------------------------------------


@dataclass(frozen=True)
class Dest:
    """A host name, `*.domain`, IP or CIDR, as one set of addresses or names."""

    value: str
    kind: str  # "domain" | "wildcard" | "ip" | "cidr"

    @property
    def network(self):
        return ipaddress.ip_network(self.value, strict=False)

    @property
    def is_ip(self) -> bool:
        return self.kind in ("ip", "cidr")

    @property
    def specificity(self) -> int:
        """Bigger is narrower: an exact name or address beats any range that holds it."""
        if self.is_ip:
            return self.network.prefixlen
        return 10_000 if self.kind == "domain" else len(self.value)


def dest(value: str) -> Dest:
    value = value.lower().rstrip(".")
    if value.startswith("*."):
        return Dest(value, "wildcard")
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return Dest(value, "domain")
    return Dest(value, "cidr" if "/" in value else "ip")


def within(d: Dest, c: Dest) -> bool:
    """Every address or name of `d` is one of `c`'s (`*.x` holds the subdomains of x, not x)."""
    if d.is_ip != c.is_ip:
        return False
    if d.is_ip:
        a, b = d.network, c.network
        return a.version == b.version and a.subnet_of(b)
    if c.kind == "domain":
        return d.kind == "domain" and d.value == c.value
    suffix = c.value[1:]  # ".x"
    return d.value.endswith(suffix) if d.kind == "domain" else \
        (d.value == c.value or d.value[1:].endswith(suffix))


def meet(d: Dest, c: Dest) -> bool:
    """Whether `d` and `c` share an address or name."""
    if d.is_ip != c.is_ip:
        return False
    if d.is_ip:
        return d.network.version == c.network.version and d.network.overlaps(c.network)
    return within(d, c) or within(c, d)

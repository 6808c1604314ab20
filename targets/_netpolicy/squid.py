"""squid.conf: the access policy of an egress proxy dedicated to one subject.

Squid cannot tell which pod a request came from (pod addresses are not known when compiling),
so the fragment is the whole `http_access` policy of a proxy that serves only this subject: it
allows each destination on its port and ends with `http_access deny all`. Names go to
`dstdomain -n` acls (`*.x` becomes `.x`, which also matches `x` itself), addresses to `dst -n`
acls (`-n`: never decide by a DNS lookup, so a forged PTR record cannot make an address look
allowed). Squid refuses an acl holding both `.x.com` and `a.x.com` (and warns on nested `dst`
networks), so entries covered by a wider one in the same acl are dropped: the set stays the same.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Iterable

from .destinations import Allowlist, Dest, Subject, by_port
from .objects import header, object_name, opened

FILE = "squid.conf"

#: Where the subject's acl prefix goes in `_shared`'s text (no destination holds a NUL).
_PREFIX = "\0"


def fragment(subject: Subject, allowed: Allowlist) -> str:
    notes, rules = _shared(allowed)
    return header(subject, "squid.conf fragment", notes) + rules.replace(_PREFIX,
                                                                         object_name(subject))


@lru_cache(maxsize=1024)
def _shared(allowed: Allowlist) -> tuple[tuple[str, ...], str]:
    """Once per allowlist: the header's notes, and the acls and rules with `_PREFIX` where the
    subject's acl prefix goes."""
    dests = allowed.dests
    acls, rules = [], []
    for port, group in by_port(dests).items():
        port_acl = f"{_PREFIX}_port_{port}"
        acls.append(f"acl {port_acl} port {port}")
        names = _collapse_names(d for d in group if d.kind in ("domain", "wildcard"))
        nets = _collapse_networks(d for d in group if d.kind in ("ip", "cidr"))
        for what, acl_type, entries in (("domains", "dstdomain", names),
                                        ("addresses", "dst", nets)):
            if entries:
                acl = f"{_PREFIX}_{what}_{port}"
                acls.append(f"acl {acl} {acl_type} -n {' '.join(entries)}")
                rules.append(f"http_access allow {acl} {port_acl}")
    notes = ["The whole access policy of the egress proxy dedicated to this principal: include",
             "it after that proxy's http_port."]
    if any(d.kind == "wildcard" for d in dests):
        notes.append("A `.x` entry (from `*.x`) also matches `x`: dstdomain cannot exclude it.")
    notes += opened(dests, allowed, dns=False)
    return tuple(notes), "\n".join(acls + rules + ["http_access deny all"]) + "\n"


def _collapse_names(dests: Iterable[Dest]) -> list[str]:
    """dstdomain entries, minus those a `.x` entry already covers."""
    entries = sorted({"." + d.host[2:] if d.kind == "wildcard" else d.host for d in dests})
    wide = [e for e in entries if e.startswith(".")]
    return [e for e in entries
            if not any(e != w and (e == w[1:] or e.endswith(w)) for w in wide)]


def _collapse_networks(dests: Iterable[Dest]) -> list[str]:
    """dst entries, minus those inside another entry."""
    nets = sorted({ipaddress.ip_network(d.host) for d in dests},
                  key=lambda n: (n.version, n.network_address, n.prefixlen))
    kept = [n for n in nets
            if not any(o != n and o.version == n.version and n.subnet_of(o)  # type: ignore[arg-type]
                       for o in nets)]
    # squid refuses `0.0.0.0/0` (it would mean `all`, IPv6 included): its two halves say IPv4
    return [x for n in kept for x in (
        ("0.0.0.0/1", "128.0.0.0/1") if n == ipaddress.ip_network("0.0.0.0/0") else
        (str(n.network_address) if n.num_addresses == 1 else str(n),))]

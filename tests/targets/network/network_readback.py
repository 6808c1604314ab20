"""Read the emitted network files back into destinations (`host:port` strings), so tests can
compare what each file allows with what the agent declared, without trusting the emitter."""
from __future__ import annotations

import ipaddress
import json

import yaml


def address(cidr: str) -> str:
    """A CIDR as the destination it stands for: a bare address when it holds one address."""
    net = ipaddress.ip_network(cidr)
    if net.num_addresses > 1:
        return str(net)
    return f"[{net.network_address}]" if net.version == 6 else str(net.network_address)


def declared(principal) -> set[str]:
    """What the agent may reach: its live egress (declared plus apis/mcp_servers it calls)."""
    out = set()
    for e in principal.live_egress():
        host = e.dest.host
        if e.dest.kind == "ip":
            ip = ipaddress.ip_address(host)
            host = f"[{ip}]" if ip.version == 6 else str(ip)
        elif e.dest.kind == "cidr":
            host = str(ipaddress.ip_network(host))
        out.add(f"{host}:{e.dest.port}")
    return out


def _listed(text: str) -> set[str]:
    return set(text.split(", ")) if text else set()


def networkpolicy(text: str) -> tuple[set[str], set[str]]:
    """(allowed destinations, destinations listed as not expressible)."""
    doc = yaml.safe_load(text)
    allowed = set()
    for rule in doc["spec"]["egress"]:
        blocks = [peer["ipBlock"]["cidr"] for peer in rule["to"] if "ipBlock" in peer]
        allowed |= {f"{address(b)}:{p['port']}" for b in blocks for p in rule["ports"]}
    notes = doc["metadata"].get("annotations", {}).get("agentpol/not-expressible", "")
    return allowed, _listed(notes)


def cilium(text: str) -> tuple[set[str], set[str]]:
    doc = yaml.safe_load(text)
    allowed = set()
    for rule in doc["spec"]["egress"]:
        hosts = [f.get("matchName") or f.get("matchPattern") for f in rule.get("toFQDNs", [])]
        hosts += [address(c["cidr"]) for c in rule.get("toCIDRSet", [])]
        ports = [p["port"] for tp in rule.get("toPorts", []) for p in tp["ports"]]
        allowed |= {f"{h}:{p}" for h in hosts for p in ports}
    notes = doc["metadata"].get("annotations", {}).get("agentpol/not-expressible", "")
    return allowed, _listed(notes)


def squid(text: str) -> set[str]:
    """`host:port` for each entry of each destination acl an `http_access allow` line uses
    (`.x` read back as `*.x`)."""
    acls: dict[str, tuple[str, list[str]]] = {}
    allowed = set()
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "acl":
            acls[words[1]] = (words[2], [w for w in words[3:] if w != "-n"])
        elif words[:2] == ["http_access", "allow"]:
            (dest_type, entries), (_, ports) = sorted((acls[a] for a in words[2:]),
                                                      key=lambda a: a[0] == "port")
            for entry in entries:
                host = ("*" + entry if entry.startswith(".") else entry) \
                    if dest_type == "dstdomain" else address(entry)
                allowed |= {f"{host}:{p}" for p in ports}
    return allowed


def sandbox_runtime(text: str) -> tuple[set[str], set[str]]:
    doc = json.loads(text)
    return set(doc["network"]["allowedDomains"]), set(doc["//"]["not_expressible"])


def claude_settings(text: str) -> tuple[set[str], set[str], set[str]]:
    """(sandbox allowed hosts, WebFetch allowed hosts, not expressible)."""
    doc = json.loads(text)
    fetch = {r[len("WebFetch(domain:"):-1] for r in doc["permissions"]["allow"]}
    return (set(doc["sandbox"]["network"]["allowedDomains"]), fetch,
            set(doc["//"]["not_expressible"]))


def _network(host: str):
    try:
        return ipaddress.ip_network(host.strip("[]"))
    except ValueError:
        return None


def covers(entry: str, dest: str) -> bool:
    """Whether an allowlist entry `host:port` admits the destination `host:port` (a `*.x`
    entry read back from squid also admits `x`, which squid's `.x` matches)."""
    (eh, ep), (dh, dp) = (s.rsplit(":", 1) for s in (entry, dest))
    if ep != dp:
        return False
    en, dn = _network(eh), _network(dh)
    if en is not None or dn is not None:
        return en is not None and dn is not None and dn.version == en.version \
            and dn.subnet_of(en)
    if eh.startswith("*."):
        name = dh[2:] if dh.startswith("*.") else dh
        return name == eh[2:] or name.endswith(eh[1:])
    return eh == dh

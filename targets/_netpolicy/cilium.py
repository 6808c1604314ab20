"""cilium.yaml: a CiliumNetworkPolicy that carries every kind of destination.

Names go to `toFQDNs` (`matchName`, or `matchPattern` for `*.x`), addresses to `toCIDRSet`,
each rule limited to its TCP port. FQDN rules only work when Cilium's DNS proxy sees the pod's
lookups, hence the rule to kube-dns with `rules.dns` (DNS is allowed whenever anything is).
`toFQDNs` may not share a rule with other peers, so names and addresses get separate rules.
Default deny is requested explicitly for egress (and left alone for ingress); with no
destination the one rule points at the `none` entity, which selects nothing.
"""
from __future__ import annotations

from functools import lru_cache

from agentpol.catalogue.kubernetes import KUBE_DNS, SELECTOR_LABEL
from agentpol.serialise import Rendered

from .destinations import Allowlist, Dest, Subject, by_port, split
from .objects import dump, header, metadata, opened

FILE = "cilium.yaml"


def policy(subject: Subject, allowed: Allowlist) -> str:
    notes, egress = _shared(allowed)
    doc = document(subject, f"agentpol egress allowlist for {subject.principal}", egress=egress)
    return header(subject, "CiliumNetworkPolicy", notes) + dump(doc)


@lru_cache(maxsize=1024)
def _shared(allowed: Allowlist) -> tuple[tuple[str, ...], Rendered]:
    """What does not name the subject, once per allowlist: the header's lines on what is
    opened, and the egress rules."""
    carried, _ = split(allowed.dests, FILE)  # Cilium expresses every kind: nothing is dropped
    egress: list[dict] = [_dns_rule()] if carried else [{"toEntities": ["none"]}]
    for port, group in by_port(carried).items():
        names: list[dict] = [_fqdn(d) for d in group if d.kind in ("domain", "wildcard")]
        nets: list[dict] = [{"cidr": d.network} for d in group if d.kind in ("ip", "cidr")]
        if names:
            egress.append({"toFQDNs": names, "toPorts": _tcp(port)})
        if nets:
            egress.append({"toCIDRSet": nets, "toPorts": _tcp(port)})
    return tuple(opened(carried, allowed, dns=True)), Rendered(egress)


def document(subject: Subject, description: str, **rules: list[dict] | Rendered) -> dict:
    """A CiliumNetworkPolicy for `subject`'s pods, default-deny on egress, with `rules`
    (`egress=...`, or `egressDeny=...` for the kill's outright stop)."""
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": metadata(subject, {}),
        "spec": {
            "description": description,
            "endpointSelector": {"matchLabels": {SELECTOR_LABEL: subject.selector}},
            "enableDefaultDeny": {"egress": True, "ingress": False},
            **rules,
        },
    }


def _tcp(port: int) -> list:
    return [{"ports": [{"port": str(port), "protocol": "TCP"}]}]


def _fqdn(d: Dest) -> dict:
    return {"matchPattern": d.host} if d.kind == "wildcard" else {"matchName": d.host}


def _dns_rule() -> dict:
    return {
        "toEndpoints": [{"matchLabels": {"io.kubernetes.pod.namespace": KUBE_DNS["namespace"],
                                         "k8s-app": KUBE_DNS["k8s-app"]}}],
        "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"},
                               {"port": "53", "protocol": "TCP"}],
                     "rules": {"dns": [{"matchPattern": "*"}]}}],
    }

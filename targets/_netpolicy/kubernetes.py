"""networkpolicy.yaml: a Kubernetes NetworkPolicy selecting one subject's pods.

A NetworkPolicy knows addresses and ports only. It carries the ip and cidr destinations (TCP),
DNS to kube-dns whenever the pods may reach anything at all, and, when some destinations are
names, the subject's egress proxy (pods labelled `app.kubernetes.io/name: agentpol-proxy-NAME`
in the same namespace, port 3128), which enforces the names with squid.conf. The names are
listed in a comment and an annotation, each with what needs it. With no destination the policy
denies every egress (`policyTypes: [Egress]` with an empty `egress`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from agentpol.catalogue.kubernetes import KUBE_DNS, SELECTOR_LABEL
from agentpol.serialise import Rendered

from .destinations import Allowlist, Subject, by_port, listing, opened_lines, split
from .objects import (NOT_EXPRESSIBLE_ANNOTATION, PROXY_PORT, dump, header, metadata, opened,
                      proxy_label)

FILE = "networkpolicy.yaml"
PROXY_ANNOTATION = "agentpol/egress-proxy"


def networkpolicy(subject: Subject, allowed: Allowlist) -> str:
    shared = _shared(allowed)
    egress: list = list(shared.egress)
    annotations: dict = {}
    notes = list(shared.notes)
    if shared.dropped:
        proxy = proxy_label(subject)
        egress.append({"to": [{"podSelector": {"matchLabels": {SELECTOR_LABEL: proxy}}}],
                       "ports": [{"protocol": "TCP", "port": PROXY_PORT}]})
        annotations = {NOT_EXPRESSIBLE_ANNOTATION: shared.dropped,
                       PROXY_ANNOTATION: f"{SELECTOR_LABEL}={proxy}:{PROXY_PORT}"}
        notes += [f"Opens the egress proxy: pods labelled {SELECTOR_LABEL}={proxy} in this "
                  f"namespace, TCP {PROXY_PORT}.",
                  "Not expressible here (a NetworkPolicy has no domain names): the proxy, "
                  "running squid.conf, enforces them (or cilium.yaml, instead of this file):",
                  *shared.dropped_lines]
    doc = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(subject, annotations),
        "spec": {
            "podSelector": {"matchLabels": {SELECTOR_LABEL: subject.selector}},
            "policyTypes": ["Egress"],
            "egress": egress,
        },
    }
    return header(subject, "Kubernetes NetworkPolicy", notes) + dump(doc)


@dataclass(frozen=True)
class _Shared:
    """What does not name the subject, once per allowlist: the rules to kube-dns and to the
    addresses, the header's lines, and the names left to the proxy (listed, and their lines)."""
    egress: tuple[Rendered, ...]
    notes: tuple[str, ...]
    dropped: Rendered | None
    dropped_lines: tuple[str, ...]


@lru_cache(maxsize=1024)
def _shared(allowed: Allowlist) -> _Shared:
    carried, dropped = split(allowed.dests, FILE)
    egress = [_DNS] if allowed.dests else []
    for port, group in by_port(carried).items():
        egress.append(Rendered({"to": [{"ipBlock": {"cidr": d.network}} for d in group],
                                "ports": [{"protocol": "TCP", "port": port}]}))
    return _Shared(tuple(egress), tuple(opened(carried, allowed, dns=bool(allowed.dests))),
                   Rendered(listing(dropped)) if dropped else None,
                   tuple(opened_lines(dropped, allowed)))


def _dns_rule() -> dict:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": KUBE_DNS["namespace"]}},
                "podSelector": {"matchLabels": {"k8s-app": KUBE_DNS["k8s-app"]}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


#: The rule to kube-dns, the same in every file.
_DNS = Rendered(_dns_rule())

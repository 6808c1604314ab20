"""networkpolicy.yaml: a Kubernetes NetworkPolicy selecting one subject's pods.

A NetworkPolicy knows addresses and ports only. It carries the ip and cidr destinations (TCP),
DNS to kube-dns whenever the pods may reach anything at all, and, when some destinations are
names, the subject's egress proxy (pods labelled `app.kubernetes.io/name: agentpol-proxy-NAME`
in the same namespace, port 3128), which enforces the names with squid.conf. The names are
listed in a comment and an annotation, each with what needs it. With no destination the policy
denies every egress (`policyTypes: [Egress]` with an empty `egress`).
"""
from __future__ import annotations

from typing import Iterable

from agentpol.catalogue.kubernetes import KUBE_DNS, SELECTOR_LABEL

from .destinations import Dest, Subject, Why, by_port, listing, opened_lines, split
from .objects import (NOT_EXPRESSIBLE_ANNOTATION, PROXY_PORT, dump, header, metadata, opened,
                      proxy_label)

FILE = "networkpolicy.yaml"
PROXY_ANNOTATION = "agentpol/egress-proxy"


def networkpolicy(subject: Subject, dests: Iterable[Dest], why: Why | None = None) -> str:
    """`why`: what needs each destination, for the comments (default: declared egress)."""
    dests = tuple(dests)
    carried, dropped = split(dests, FILE)
    egress = [_dns_rule()] if dests else []
    for port, group in by_port(carried).items():
        egress.append({"to": [{"ipBlock": {"cidr": d.network}} for d in group],
                       "ports": [{"protocol": "TCP", "port": port}]})
    annotations = {}
    notes = opened(carried, why, dns=bool(dests))
    if dropped:
        proxy = proxy_label(subject)
        egress.append({"to": [{"podSelector": {"matchLabels": {SELECTOR_LABEL: proxy}}}],
                       "ports": [{"protocol": "TCP", "port": PROXY_PORT}]})
        annotations = {NOT_EXPRESSIBLE_ANNOTATION: listing(dropped),
                       PROXY_ANNOTATION: f"{SELECTOR_LABEL}={proxy}:{PROXY_PORT}"}
        notes += [f"Opens the egress proxy: pods labelled {SELECTOR_LABEL}={proxy} in this "
                  f"namespace, TCP {PROXY_PORT}.",
                  "Not expressible here (a NetworkPolicy has no domain names): the proxy, "
                  "running squid.conf, enforces them (or cilium.yaml, instead of this file):",
                  *opened_lines(dropped, why)]
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


def _dns_rule() -> dict:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": KUBE_DNS["namespace"]}},
                "podSelector": {"matchLabels": {"k8s-app": KUBE_DNS["k8s-app"]}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }

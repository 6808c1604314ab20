"""networkpolicy.yaml: a Kubernetes NetworkPolicy selecting one subject's pods.

A NetworkPolicy knows addresses and ports only, so it carries the ip and cidr destinations
(TCP) and lists the domain names it cannot express in a comment and an annotation. DNS to
kube-dns is allowed whenever the pods may reach anything at all; with no destination the
policy denies every egress (`policyTypes: [Egress]` with an empty `egress`).
"""
from __future__ import annotations

from typing import Iterable

from agentpol.catalogue.kubernetes import KUBE_DNS, SELECTOR_LABEL

from .destinations import Dest, Subject, by_port, listing, split
from .objects import NOT_EXPRESSIBLE_ANNOTATION, dump, header, metadata

FILE = "networkpolicy.yaml"


def networkpolicy(subject: Subject, dests: Iterable[Dest]) -> str:
    dests = tuple(dests)
    carried, dropped = split(dests, FILE)
    egress = [_dns_rule()] if dests else []
    for port, group in by_port(carried).items():
        egress.append({"to": [{"ipBlock": {"cidr": d.network}} for d in group],
                       "ports": [{"protocol": "TCP", "port": port}]})
    annotations = {NOT_EXPRESSIBLE_ANNOTATION: listing(dropped)} if dropped else {}
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
    notes = []
    if dropped:
        notes = ["Not expressible here (a NetworkPolicy has no domain names; cilium.yaml or the "
                 "egress proxy enforces them):", *(f"  {d}" for d in dropped)]
    return header(subject, "Kubernetes NetworkPolicy", notes) + dump(doc)


def _dns_rule() -> dict:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": KUBE_DNS["namespace"]}},
                "podSelector": {"matchLabels": {"k8s-app": KUBE_DNS["k8s-app"]}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }

"""networkpolicy.yaml: a Kubernetes NetworkPolicy selecting one subject's pods.

A NetworkPolicy knows addresses and ports only, so it carries the ip and cidr destinations
(TCP) and lists the domain names it cannot express in a comment and an annotation. DNS to
kube-dns is allowed whenever the pods may reach anything at all; with no destination the
policy denies every egress (`policyTypes: [Egress]` with an empty `egress`).
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable

import yaml

from .destinations import Dest, Subject, by_port, listing, split

FILE = "networkpolicy.yaml"
SELECTOR_LABEL = "app.kubernetes.io/name"
KUBE_DNS = {"namespace": "kube-system", "k8s-app": "kube-dns"}
NOT_EXPRESSIBLE_ANNOTATION = "agentpol/not-expressible"


def object_name(subject: Subject) -> str:
    """A DNS-1123 name for the policy objects of `subject`. A name that is not already one
    (`Bot`, `a_b`) also gets a short hash of itself, so that it cannot collide with another
    subject's in the same namespace (`bot`, `a-b`)."""
    name = re.sub(r"[^a-z0-9-]+", "-", subject.name.lower()).strip("-")
    if name != subject.name:
        name = "-".join(filter(None, (name, hashlib.sha256(subject.name.encode()).hexdigest()[:8])))
    return "agentpol-" + name


def metadata(subject: Subject, not_expressible: tuple[Dest, ...]) -> dict:
    meta: dict = {"name": object_name(subject)}
    if subject.namespace:
        meta["namespace"] = subject.namespace
    meta["labels"] = {"app.kubernetes.io/managed-by": "agentpol"}
    meta["annotations"] = {"agentpol/principal": subject.principal}
    if not_expressible:
        meta["annotations"][NOT_EXPRESSIBLE_ANNOTATION] = listing(not_expressible)
    return meta


def header(subject: Subject, what: str, not_expressible: tuple[Dest, ...] = (),
           why: str = "") -> str:
    """The comment block that opens every generated YAML file."""
    lines = [f"# agentpol: egress allowlist for {subject.principal} ({what}); "
             "generated, do not edit.",
             "# Deny by default: nothing this policy does not allow is reachable."]
    if not_expressible:
        lines.append(f"# Not expressible here ({why}):")
        lines += [f"#   {d}" for d in not_expressible]
    return "\n".join(lines) + "\n"


#: libyaml's dumper where PyYAML was built with it: the same text as SafeDumper, about five
#: times faster (tests compare the two).
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(doc: dict) -> str:
    return yaml.dump(doc, Dumper=DUMPER, sort_keys=False, default_flow_style=False, width=100)


def networkpolicy(subject: Subject, dests: Iterable[Dest]) -> str:
    dests = tuple(dests)
    carried, dropped = split(dests, FILE)
    egress = [_dns_rule()] if dests else []
    for port, group in by_port(carried).items():
        egress.append({"to": [{"ipBlock": {"cidr": d.network}} for d in group],
                       "ports": [{"protocol": "TCP", "port": port}]})
    doc = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(subject, dropped),
        "spec": {
            "podSelector": {"matchLabels": {SELECTOR_LABEL: subject.selector}},
            "policyTypes": ["Egress"],
            "egress": egress,
        },
    }
    why = "a NetworkPolicy has no domain names; cilium.yaml or the egress proxy enforces them"
    return header(subject, "Kubernetes NetworkPolicy", dropped, why) + dump(doc)


def _dns_rule() -> dict:
    return {
        "to": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": KUBE_DNS["namespace"]}},
                "podSelector": {"matchLabels": {"k8s-app": KUBE_DNS["k8s-app"]}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }

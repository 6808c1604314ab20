"""Kubernetes' naming rules and the cluster objects every allowlist refers to.

One rule turns an agentpol identifier into a Kubernetes name (`dns_label`): the resolver uses it
for an agent's default service account, the network formats for their object names.
"""
from __future__ import annotations

import hashlib
import re

#: A DNS-1123 label: what a namespace, a label value and a service account name must be.
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")

#: The label that selects an agent's pods (its value is the agent's service account).
SELECTOR_LABEL = "app.kubernetes.io/name"

#: Where cluster DNS runs: the namespace and `k8s-app` label of the kube-dns pods (CoreDNS keeps
#: the label), which every allowlist must reach for names to resolve.
KUBE_DNS = {"namespace": "kube-system", "k8s-app": "kube-dns"}


def dns_label(name: str) -> str:
    """A Kubernetes name for an identifier (`Support_Bot` -> `support-bot-1a2b3c4d`): names that
    are already DNS labels stay as they are; others get a hash of the original, so two agents
    whose names differ only in case or `_`/`-` never share pods' labels or objects."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if label == name and DNS_LABEL.match(label):
        return label
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{label[:54]}-{digest}" if label else f"agent-{digest}"

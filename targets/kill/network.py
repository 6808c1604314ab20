"""`network/E/A/*`: the network stop. Each file carries the same object name as the agent's
allowlist, so applying it replaces that allowlist (Kubernetes NetworkPolicies add up: only a
replacement by name takes egress away). The NetworkPolicy, squid fragment and sandbox
settings are the network target's own files for the principal with nothing live (no egress,
no DNS); Cilium also denies outright with `egressDeny`, which no allow rule of another policy
can reopen."""
from __future__ import annotations

from dataclasses import replace

from agentpol.model import Model, Principal
from agentpol.targets._netpolicy import cilium
from agentpol.targets._netpolicy.destinations import Subject
from agentpol.targets._netpolicy.objects import dump
from agentpol.targets.network import principal_files, subject_of


def files(model: Model, p: Principal) -> dict[str, str]:
    stopped = replace(p, mode="shadow")  # nothing live: every format allows nothing
    out = principal_files(model, stopped)
    out[f"network/{p.env}/{p.agent}/{cilium.FILE}"] = cilium_stop(subject_of(model, p))
    return out


def cilium_stop(subject: Subject) -> str:
    doc = cilium.document(subject, f"agentpol kill: no egress for {subject.principal}",
                          egressDeny=[{"toEntities": ["all"]}])
    head = (f"# agentpol kill: network stop for {subject.principal} (CiliumNetworkPolicy); "
            "generated, do not edit.\n"
            "# Replaces the agent's allowlist by name; egressDeny wins over any allow rule.\n")
    return head + dump(doc)

"""The `network` target: deny-by-default egress allowlists, one set per agent per env.

For every principal (a shadow one, or one with nothing live, gets files that deny everything):
`network/E/A/networkpolicy.yaml`, `cilium.yaml`, `squid.conf`, `sandbox-runtime.json`,
`claude-settings.json`, built from `live_egress()` (declared egress plus the hosts of the apis
and mcp_servers it calls). Each format module builds from a `Subject` and destinations, not a
Principal, so other pods (an MCP server's upstreams) can reuse them.
"""
from __future__ import annotations

from agentpol.model import Model, Principal

from . import cilium, claude, kubernetes, sandbox, squid
from .destinations import Subject, denied_for, destinations


def emit(model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    for p in model.principals.values():
        files.update(principal_files(model, p))
    return files


def principal_files(model: Model, p: Principal) -> dict[str, str]:
    subject = Subject(name=p.agent, namespace=model.environments[p.env].k8s_namespace,
                      selector=p.service_account, principal=p.key)
    dests = destinations(p.live_egress())
    denied = denied_for(model, p.env)
    base = f"network/{p.env}/{p.agent}/"
    return {
        base + kubernetes.FILE: kubernetes.networkpolicy(subject, dests),
        base + cilium.FILE: cilium.policy(subject, dests),
        base + squid.FILE: squid.fragment(subject, dests),
        base + sandbox.FILE: sandbox.settings(subject, dests, denied),
        base + claude.FILE: claude.settings(subject, dests, denied),
    }

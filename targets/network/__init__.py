"""The `network` target: deny-by-default egress allowlists, one set per agent per env.

For every principal (a shadow one, or one with nothing live, gets files that deny everything):
`network/E/A/networkpolicy.yaml`, `cilium.yaml`, `squid.conf`, `sandbox-runtime.json`,
`claude-settings.json`, built from `allowlist()`: live egress (declared, plus the hosts of the
apis and mcp_servers it calls) and the provider endpoints its live grants need, each with what
needs it. The three cluster formats are built by `agentpol.targets._netpolicy`
(shared with the audit target, which locks MCP servers' pods); the two sandbox formats, which
run the agent itself, are built here. Every builder takes a `Subject` and destinations, not a
Principal.
"""
from __future__ import annotations

from agentpol.targets._netpolicy import cilium, kubernetes, squid
from agentpol.targets._netpolicy.destinations import Subject
from agentpol.model import Model, Principal

from . import claude, sandbox
from .allowlist import Needs, allowlist
from .denied import Denied, denied_for


def emit(model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    needs: Needs = {}
    denied = {env: denied_for(model, env) for env in model.environments}
    for p in model.principals.values():
        files.update(principal_files(model, p, needs, denied[p.env]))
    return files


def subject_of(model: Model, p: Principal) -> Subject:
    """The pods of agent@env: its service account's, in its env's namespace."""
    return Subject(name=p.agent, namespace=model.environments[p.env].k8s_namespace,
                   selector=p.service_account, principal=p.key)


def principal_files(model: Model, p: Principal, needs: Needs | None = None,
                    denied: Denied | None = None) -> dict[str, str]:
    subject = subject_of(model, p)
    allowed = allowlist(model, p, needs)
    if denied is None:
        denied = denied_for(model, p.env)
    base = f"network/{p.env}/{p.agent}/"
    return {
        base + kubernetes.FILE: kubernetes.networkpolicy(subject, allowed),
        base + cilium.FILE: cilium.policy(subject, allowed),
        base + squid.FILE: squid.fragment(subject, allowed),
        base + sandbox.FILE: sandbox.settings(subject, allowed, denied),
        base + claude.FILE: claude.settings(subject, allowed, denied),
    }

"""`network/E/mcp-NAME/`: for every `mcp_server` with `upstream`, an egress allowlist for the
server's own pods (`app.kubernetes.io/name: NAME` in the env's namespace) that reaches its
declared upstreams and nothing else, so an agent that re-points the server gets nowhere.

A shared server (no env of its own) is locked in every env's namespace: a policy that selects
no pod there does nothing, and wherever agentpol's envs run it, it is held.

The three files are built by `agentpol.targets._netpolicy`, the builders the network target
uses for agents' pods, so both targets write the same formats.
"""
from __future__ import annotations

from agentpol.targets._netpolicy import cilium, kubernetes, squid
from agentpol.targets._netpolicy.destinations import Allowlist, Subject
from agentpol.model import Environment, Instance, Model


def files(model: Model, env: Environment) -> dict[str, str]:
    out = {}
    for inst in model.instances.values():
        if inst.type == "mcp_server" and inst.upstreams and inst.env in (env.name, None):
            subject = Subject(name=f"mcp-{inst.name}", namespace=env.k8s_namespace,
                              selector=inst.name, principal=_who(inst, env))
            upstreams = tuple(sorted(set(inst.upstreams)))
            allowed = Allowlist(upstreams, {d: (f"upstream of {inst.ref}",) for d in upstreams})
            base = f"network/{env.name}/mcp-{inst.name}/"
            out[base + kubernetes.FILE] = kubernetes.networkpolicy(subject, allowed)
            out[base + cilium.FILE] = cilium.policy(subject, allowed)
            out[base + squid.FILE] = squid.fragment(subject, allowed)
    return out


def _who(inst: Instance, env: Environment) -> str:
    return f"mcp_server.{inst.name}@{env.name}"

"""`check --killed OUT`: the paths a kill in force does not close (rule `kill-bypass`).

A kill (`agentpol kill`) stops the principal's gateway calls, egress, agent-role sessions and
minted tokens. It cannot take back what the principal already holds elsewhere: sessions of
other roles it assumed by chaining, secrets it could read (a copy outlives any revocation), CI
secrets of a repo it could push a workflow to, the other agent roles its host's runtime may
still assume, and the egress of another agent whose pods share its service account
(NetworkPolicies add up, so replacing one allowlist leaves the other open). Each is a finding
with the path that reaches it. API keys are not: the gateway holds them, and the kill's
forbid stops the gateway.
"""
from __future__ import annotations

from typing import Iterable

from agentpol.catalogue.aws_roles import role_name
from agentpol.model import Model, Principal

from .findings import Finding, Hop, finding
from .graph import Graph, principal_id, runtime_id
from .rules import witness

RULE = "kill-bypass"
HELD_BY_GATEWAY = ("api",)


def bypasses(model: Model, graph: Graph, killed: Iterable[str]) -> list[Finding]:
    stopped = set(killed)
    out: list[Finding] = []
    for key in sorted(stopped):
        p = model.principals.get(key)
        if p is None:
            continue
        out += _held(model, graph, p) + _aliases(model, graph, p, stopped)
    return out


def _held(model: Model, graph: Graph, p: Principal) -> list[Finding]:
    """Credentials the principal could reach: still usable, or known, after its kill."""
    first = graph.edges(principal_id(p.key))
    parents = graph.reach(first)
    out = []
    for nid in sorted(parents):
        node = graph.nodes[nid]
        inst = model.instances.get(node.label)
        if not node.credential or (inst is not None and inst.type in HELD_BY_GATEWAY):
            continue
        path = graph.path(parents, nid)
        hops = witness(graph, graph.nodes[principal_id(p.key)], path)
        what = ("its sessions on it outlive the kill (revoked only on the agent's own role)"
                if node.kind == "role" or (inst is not None and inst.type == "iam_role")
                else "a copy it may hold outlives the kill: rotate it")
        out.append(finding(RULE, f"{p.key} is killed but could reach {node.label}: {what}",
                           path[0].where, hops))
    return out


def _aliases(model: Model, graph: Graph, p: Principal, stopped: set[str]) -> list[Finding]:
    """Other live principals of the same env whose identities the killed one can act as."""
    out = []
    env = model.environments[p.env]
    for other in model.principals_in(p.env):
        if other.key in stopped:
            continue
        hop = (Hop(principal_id(p.key), p.key, p.span),)
        if other.service_account == p.service_account:
            out.append(finding(
                RULE, f"{p.key} is killed but its pods (service account {p.service_account}) "
                      f"are also {other.key}'s, whose allowlist still applies: kill both or "
                      "give each agent its own service account", p.span,
                hop + (Hop(principal_id(other.key), other.key, other.span, "same pods"),)))
        if env.aws_runtime and model.has_role(p) and model.has_role(other):
            out.append(finding(
                RULE, f"{p.key} is killed but its host's runtime {env.aws_runtime} can still "
                      f"assume {role_name(other.agent)} ({other.key}): an agent that reads its "
                      "host's credentials acts as that agent", p.span,
                hop + (Hop(runtime_id(p.env), graph.nodes[runtime_id(p.env)].label, env.span,
                           "host credentials"),
                       Hop(principal_id(other.key), other.key, other.span, "sts:AssumeRole"))))
    return out

"""One function per rule id of the rule table of docs/checks.md: `RULE(ctx) -> [Finding]`.

Every rule reads the expanded model (grants as written, shadow and pending ones included) and,
for the path rules, the reachability graph; `test-failed` reads the compiled files, and `quota`
reports what the driver measured on them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Mapping

from agentpol.catalogue import github, iam, vault
from agentpol.globs import arn_fields, globs_meet
from agentpol.model import AWS_TYPES, PAID_PROVIDERS, Grant, Model, Principal, Ref
from agentpol.schema import RAW_KIND_TYPE

from . import aws, expect
from .findings import ERROR, WARNING, Finding, Hop, finding
from .graph import Edge, Graph, Node, instance_id, principal_id


@dataclass
class Context:
    model: Model
    graph: Graph
    files: Mapping[str, str]  # the compiled artifacts (the driver builds them)
    quota: tuple[Finding, ...]  # what the driver found over its limits (agentpol.quota)

    @cached_property
    def leaks(self) -> list[tuple[str, Node, list[Edge], int]]:
        return _leaks(self.model, self.graph)


# --- path rules --------------------------------------------------------------------------


def _leaks(model: Model, graph: Graph) -> list[tuple[str, Node, list[Edge], int]]:
    """(rule, principal node, shortest path, how many more protected nodes the same statement
    reaches), one per principal (agent@env or an env's runtime), first-hop statement and rule.
    A statement that reaches a credential is reported as that and not also as access."""
    out = []
    for start in graph.nodes.values():
        if start.kind != "principal":
            continue
        groups: dict = defaultdict(list)
        for e in graph.edges(start.id):
            groups[e.where].append(e)
        for first in groups.values():
            parents = graph.reach(first)
            hits: dict[str, list[tuple[int, bool, str]]] = {"cross-env-credential": [],
                                                            "cross-env-access": []}
            for nid in parents:
                n = graph.nodes[nid]
                if not _foreign_protected(model, n, start.env):
                    continue
                rule = "cross-env-credential" if n.credential else "cross-env-access"
                vague = nid.startswith(("acct:", "roles:"))  # prefer a named node
                hits[rule].append((len(graph.path(parents, nid)), vague, nid))
            for rule, found in hits.items():
                if found and not (rule == "cross-env-access" and hits["cross-env-credential"]):
                    nid = min(found)[2]
                    out.append((rule, start, graph.path(parents, nid), len(found) - 1))
    return out


def _foreign_protected(model: Model, n: Node, own: str | None) -> bool:
    """Whether node `n` belongs to a protected env other than `own`."""
    env = model.environments.get(n.env or "")
    return env is not None and env.protected and n.env != own


def witness(graph: Graph, start: Node, path: list[Edge]) -> tuple[Hop, ...]:
    hops = [Hop(start.id, start.label, start.where)]
    hops += [Hop(e.dst, graph.nodes[e.dst].label, e.where, e.via) for e in path]
    return tuple(hops)


def _path_findings(ctx: Context, rule: str, what: str) -> list[Finding]:
    out = []
    for r, start, path, more in ctx.leaks:
        if r != rule:
            continue
        end = ctx.graph.nodes[path[-1].dst]
        extra = f" (and {more} more)" if more else ""
        hops = len(path)
        out.append(finding(rule, f"{start.label} can reach {what} {end.label} of protected env "
                                 f"`{end.env}`{extra} in {hops} step{'s' * (hops > 1)}",
                           path[0].where, witness(ctx.graph, start, path)))
    return out


def cross_env_credential(ctx: Context) -> list[Finding]:
    return _path_findings(ctx, "cross-env-credential", "credential")


def cross_env_access(ctx: Context) -> list[Finding]:
    return _path_findings(ctx, "cross-env-access", "resource")


def env_bridge(ctx: Context) -> list[Finding]:
    """An imported role or user of a non-protected env's account that reaches a protected env's
    credential while no principal reaches it: no agent uses the bridge today, one grant away."""
    g = ctx.graph
    starts = [n.id for n in g.nodes.values() if n.kind == "principal"]
    used = set(g.reach(e for s in starts for e in g.edges(s)))
    # a bridge ends at a protected env's credential, and its start is in an unprotected env:
    # which nodes reach which of them, and how, is one walk back from each
    toward = g.toward(nid for nid, node in g.nodes.items()
                      if node.credential and _foreign_protected(ctx.model, node, None))
    out = []
    for n in g.nodes.values():
        env = ctx.model.environments.get(n.env or "")
        if n.kind not in ("role", "user") or n.id in used or env is None or env.protected:
            continue
        found = sorted((ways[n.id][0], end.startswith(("acct:", "roles:")), end)
                       for end, (_, ways) in toward.items() if n.id in ways)
        if not found:
            continue
        onward, ways = toward[found[0][2]]  # the nearest one's shortest path, hop by hop
        path = [ways[n.id][1]]
        while path[-1].dst != found[0][2]:
            path.append(onward[path[-1].dst][1])
        at = path[-1].dst
        end = g.nodes[at]
        extra = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        out.append(finding("env-bridge",
                           f"{n.kind} {n.label} of `{n.env}` reaches credential {end.label} of "
                           f"protected env `{end.env}`{extra}; no agent reaches it today",
                           path[0].where, witness(g, n, path)))
    return out


# --- identities and credentials ---------------------------------------------------------


def shared_identity(ctx: Context) -> list[Finding]:
    by_identity = defaultdict(list)
    for inst in ctx.model.instances.values():
        if inst.env is not None and inst.type != "bedrock_model":
            for ident in inst.identities or (inst.identity,):  # one per region
                by_identity[ident].append(inst)
    out = []
    for ident, insts in by_identity.items():
        if len({i.env for i in insts}) < 2:
            continue
        keys = ", ".join(i.key for i in insts)
        shown = " ".join(str(v) for v in ident[1:] if v is not None)
        out.append(finding("shared-identity",
                           f"{keys} are one {insts[0].type} ({shown}) in several envs; mark it "
                           "`shared = true` or give each env its own", insts[0].span,
                           tuple(Hop(instance_id(i.key), i.key, i.span) for i in insts)))
    return out


def shared_credential(ctx: Context) -> list[Finding]:
    """A credential used by a protected env and by another: used by any grant that reaches it
    directly, by reference or by a raw pattern (an ARN, `sts:AssumeRole`, a Vault glob, a
    pattern-identity resource). Instances of one identity are one credential (one key)."""
    users: dict[tuple, dict[str, tuple[Principal, Edge]]] = defaultdict(dict)
    names: dict[tuple, str] = {}
    for p in ctx.model.principals.values():
        for e in ctx.graph.out.get(principal_id(p.key), ()):
            node = ctx.graph.nodes[e.dst]
            inst = ctx.model.instances.get(e.dst[2:]) if e.dst.startswith("i:") else None
            if inst is None or not node.credential:
                continue
            key = inst.identity if inst.env is not None else (inst.key,)
            names.setdefault(key, inst.key)
            users[key].setdefault(p.env, (p, e))
    out = []
    for key, by_env in sorted(users.items(), key=lambda kv: names[kv[0]]):
        protected = [e for e in by_env if ctx.model.environments[e].protected]
        if not protected or len(by_env) < 2:
            continue
        home = protected[0]
        hp, he = by_env[home]
        for env, (p, e) in sorted(by_env.items()):
            if env == home:
                continue
            label = ctx.graph.nodes[e.dst].label
            out.append(finding(
                "shared-credential",
                f"{names[key]} is used by protected env `{home}` ({hp.key}) and by `{env}` "
                f"({p.key}): one credential must never serve two envs", e.where,
                (Hop(principal_id(p.key), p.key, p.span),
                 Hop(e.dst, label, e.where, e.via),
                 Hop(principal_id(hp.key), hp.key, he.where, f"also {he.via}"))))
    return out


# --- what a grant lets an agent do to itself or the record ------------------------------


def _grant_witness(ctx: Context, p: Principal, g: Grant, via: str | None = None) -> tuple:
    target = str(g.target)
    node = instance_id(g.target.instance) if g.target.instance else f"raw:{g.target.raw}"
    return (Hop(principal_id(p.key), p.key, p.span),
            Hop(node, target, g.origin.span, via or str(g.access)))


def _per_statement(ctx: Context, check) -> list[Finding]:
    """Run `check(p, g) -> (rule, message, via) | None` on every grant, once per principal and
    statement and message."""
    out, seen = [], set()
    for p in ctx.model.principals.values():
        for g in p.grants:
            hit = check(p, g)
            if hit is None:
                continue
            rule, message, via = hit[:3]
            severity = hit[3] if len(hit) > 3 else None
            key = (rule, p.key, g.origin.span, message)
            if key not in seen:
                seen.add(key)
                out.append(finding(rule, message, g.origin.span,
                                   _grant_witness(ctx, p, g, via), severity))
    return out


def privilege_escalation(ctx: Context) -> list[Finding]:
    def check(p: Principal, g: Grant):
        acts = sorted(aws.actions_of(ctx.model, g) & aws.ESCALATION)
        if acts:
            named = ", ".join(iam.canonical_action(a) or a for a in acts[:4])
            more = f" and {len(acts) - 4} more" if len(acts) > 4 else ""
            return ("privilege-escalation",
                    f"{p.key} may {named}{more} on {g.target}: it could widen its own rights",
                    named)
    return _per_statement(ctx, check)


def wildcard_resource(ctx: Context) -> list[Finding]:
    def check(p: Principal, g: Grant):
        if not (g.access.raw and (g.target.kind == "aws" or _aws_instance(ctx, g))):
            return None
        actions = aws.expand(g.access.value)
        resources = (g.target.raw,) if g.target.raw is not None else (_identity_arn(ctx, g),)
        why = _too_wide(actions, resources)
        if why:
            protected = ctx.model.environments[p.env].protected
            return ("wildcard-resource", f"{p.key}: {g.access} on {g.target} {why}",
                    str(g.access), ERROR if protected else WARNING)
    return _per_statement(ctx, check)


def _aws_instance(ctx: Context, g: Grant) -> bool:
    inst = ctx.model.instances.get(g.target.instance or "")
    return inst is not None and inst.type in AWS_TYPES


def _identity_arn(ctx: Context, g: Grant) -> str:
    return ctx.model.arns[g.target.instance or ""][0]


def _too_wide(actions: tuple[str, ...], resources: tuple[str, ...]) -> str | None:
    """Why a raw grant is wider than one resource type: several services; actions that share no
    resource type (`s3:*` is buckets and objects); `*`; or a pattern naming several types."""
    if len({a.split(":")[0] for a in actions}) > 1:
        return "spans several services"
    scoped = [a for a in actions if iam.supports_resource_scoping(a)]
    if not scoped:
        return None
    kinds = [frozenset(rt.name.lower() for rt in iam.resource_types_for(a)) for a in scoped]
    if not frozenset.intersection(*kinds):
        return f"is {len(scoped)} actions over several resource types"
    for res in resources:
        service = arn_fields(res)[2]
        if res == "*":
            return "covers every resource (`*`)"
        if "*" in service or "?" in service:
            return "covers several services' resources"
        named = iam.resource_types_of_arn(res) & frozenset().union(*kinds)
        if len(named) > 1:
            return f"covers several resource types ({', '.join(sorted(named))})"
    return None


def unbounded_spend(ctx: Context) -> list[Finding]:
    def check(p: Principal, g: Grant):
        inst = ctx.model.instances.get(g.target.instance or "")
        if inst is None or inst.type != "api" or inst.attr("provider") not in PAID_PROVIDERS:
            return None
        if any(b.api in (None, inst.key) for b in p.budgets):
            return None
        return ("unbounded-spend",
                f"{p.key} can call {inst.key} ({inst.attr('provider')}, paid) with no "
                f"`budget {inst.ref}` and no `budget total`", str(g.access))
    return _per_statement(ctx, check)


def audit_tamper(ctx: Context) -> list[Finding]:
    audit_arns = _audit_arns(ctx.model)

    def check(p: Principal, g: Grant):
        acts = aws.actions_of(ctx.model, g)
        trail = sorted(acts & aws.TRAIL_TAMPER)
        if trail:
            return ("audit-tamper", f"{p.key} may {_names(trail)}: it could stop or re-point "
                                    "the CloudTrail record", _names(trail))
        logs = sorted(acts & aws.LOG_TAMPER)
        key = ctx.model.environments[p.env].audit_log
        if logs and key in audit_arns and any(
                globs_meet(r, a) for s in ctx.model.iam_of(g) or () for r in s.resources
                for a in audit_arns[key]):
            return ("audit-tamper", f"{p.key} may {_names(logs)} on its env's audit log {key}: "
                                    "it could delete or shorten the record", _names(logs))
        if _github_admin(ctx, g):
            return ("audit-tamper", f"{p.key} has `administration` write on {g.target}: it "
                                    "could remove the rulesets that keep its history",
                    str(g.access))
        if _vault_audit(ctx, g):
            return ("audit-tamper", f"{p.key} has Vault `{g.access}` on {g.target}, which covers "
                                    "sys/audit: it could disable Vault's audit devices",
                    str(g.access))
        if _reconfigures_tool(ctx, g):
            return ("audit-tamper", f"{p.key} may call {g.access} on {g.target}: a tool that "
                                    "rewrites the tool server's own configuration",
                    str(g.access))
        return None
    return _per_statement(ctx, check)


def _names(actions: list[str]) -> str:
    return ", ".join(iam.canonical_action(a) or a for a in actions)


def _audit_arns(model: Model) -> dict[str, tuple[str, ...]]:
    out = {}
    for env in model.environments.values():
        inst = model.instances.get(env.audit_log or "")
        if inst is not None:
            out[inst.key] = model.arns[inst.key]
    return out


def _github_admin(ctx: Context, g: Grant) -> bool:
    inst = ctx.model.instances.get(g.target.instance or "")
    on_repo = g.target.kind == "github" or (inst is not None and inst.type == "github_repo")
    perm, _, level = g.access.value.partition(":")
    return on_repo and g.access.raw and perm == "administration" and level in ("write", "admin")


def _vault_audit(ctx: Context, g: Grant) -> bool:
    if g.access.raw and g.access.value == "deny":
        return False
    inst = ctx.model.instances.get(g.target.instance or "")
    path = g.target.raw if g.target.kind == "vault" else (
        str(inst.attr("path")) if inst is not None and inst.type == "vault_path" else None)
    return path is not None and globs_meet(path, "sys/audit*", "vault")


#: MCP tool names that change the server's own configuration: a write verb and a config noun.
_TOOL_CONFIG = re.compile(
    r"(^|[_\-.:/])(set|update|write|put|edit|patch|change|configure|replace|delete|remove|add)"
    r"[_\-.]?(config|configuration|settings|upstream|upstreams|server|servers)([_\-.:/]|$)",
    re.IGNORECASE)


def _reconfigures_tool(ctx: Context, g: Grant) -> bool:
    inst = ctx.model.instances.get(g.target.instance or "")
    return (inst is not None and inst.type == "mcp_server" and g.access.raw
            and bool(_TOOL_CONFIG.search(g.access.value)))


# --- completeness -------------------------------------------------------------------------


def missing_owner(ctx: Context) -> list[Finding]:
    return [finding("missing-owner", f"agent `{a.name}` has no owner", a.span,
                    (Hop(f"agent:{a.name}", a.name, a.span),))
            for a in ctx.model.program.agents.values() if not a.owner]


#: Resource types whose calls pass the Cedar gateway, where an approval can be required.
_GATEWAY_TYPES = ("api", "mcp_server", "host")


def unenforced_approval(ctx: Context) -> list[Finding]:
    """`approval required` on an AWS, GitHub or Vault target: IAM, tokens and Vault policies
    cannot wait for a human, so the grant is live without one (an extension of the original
    table: a warning, so the reviewer knows the statement protects nothing)."""
    out = []
    for p in ctx.model.principals.values():
        for a in p.approvals:
            inst = ctx.model.instances.get(a.target.instance or "")
            if inst is not None and inst.type in _GATEWAY_TYPES:
                continue
            out.append(finding(
                "unenforced-approval",
                f"{p.key}: approval required for {a.access} on {a.target}, but no gateway sees "
                "that call; the grant is live without an approval", a.origin.span,
                (Hop(principal_id(p.key), p.key, p.span),
                 Hop(instance_id(a.target.instance) if a.target.instance
                     else f"raw:{a.target.raw}", str(a.target), a.origin.span,
                     str(a.access)))))
    return out


def missing_vault_address(ctx: Context) -> list[Finding]:
    """A `vault_path` grant in an env without `vault_address`: the allowlists cannot open Vault
    for it, so applied as written they cut the agent off from the secrets it is granted."""
    def check(p: Principal, g: Grant):
        inst = ctx.model.instances.get(g.target.instance or "")
        vault = inst.type == "vault_path" if inst is not None else g.target.kind == "vault"
        if vault and g.effect == "allow" and not ctx.model.environments[p.env].vault_address:
            return ("missing-vault-address",
                    f"{p.key}: {g.access} on {g.target} needs Vault, but environment {p.env} "
                    "has no vault_address: its allowlists cannot open Vault", None)
        return None
    return _per_statement(ctx, check)


def missing_audit(ctx: Context) -> list[Finding]:
    return [finding("missing-audit", f"protected env `{e.name}` has no audit_log", e.span,
                    (Hop(f"env:{e.name}", e.name, e.span),))
            for e in ctx.model.environments.values() if e.protected and not e.audit_log]


def unknown_action(ctx: Context) -> list[Finding]:
    out, seen = [], set()
    for p in ctx.model.principals.values():
        for g in p.grants + p.denies:
            a = g.access
            if not a.raw or (a.span, a.value) in seen:
                continue
            problem = _unknown(ctx, g)
            if problem:
                seen.add((a.span, a.value))
                out.append(finding("unknown-action", problem, a.span,
                                   _grant_witness(ctx, p, g)))
    return out


def _unknown(ctx: Context, g: Grant) -> str | None:
    value = g.access.value
    inst = ctx.model.instances.get(g.target.instance or "")
    rtype = inst.type if inst is not None else (
        "aws" if g.target.kind == "aws" else RAW_KIND_TYPE.get(g.target.kind))
    if rtype == "aws" or rtype in AWS_TYPES:
        if aws.expand(value):
            return None
        hint = iam.suggest_action(value.replace("*", ""))
        return f'"{value}" is not an IAM action' + (f"; did you mean `{hint}`?" if hint else "")
    if rtype == "github_repo":
        return github.problem(value)
    if rtype == "vault_path" and value not in vault.CAPABILITIES:
        return (f'"{value}" is not a Vault capability (one of '
                f"{', '.join(vault.CAPABILITIES)})")
    return None


def unused(ctx: Context) -> list[Finding]:
    used = _used_resources(ctx.model)
    out = [finding("unused", f"resource {r.ref} is used by no agent, env or test", r.span,
                   (Hop(f"resource:{r.ref}", r.ref, r.span),))
           for key, r in ctx.model.program.resources.items() if key not in used]
    program = ctx.model.program
    uses = {s.profile for prof in program.profiles.values() for s in prof.statements
            if hasattr(s, "profile")}
    uses |= {s.profile for a in program.agents.values() for b in a.blocks for s in b.statements
             if hasattr(s, "profile")}
    out += [finding("unused", f"profile `{name}` is used by no agent or profile", prof.span,
                    (Hop(f"profile:{name}", name, prof.span),))
            for name, prof in program.profiles.items() if name not in uses]
    return out


def _used_resources(model: Model) -> set[str]:
    keys = set()
    for p in model.principals.values():
        targets = [g.target for g in p.grants + p.denies] + [e.target for e in p.egress]
        targets += [a.target for a in p.approvals]
        keys |= {t.instance for t in targets if t.instance}
        keys |= {b.api for b in p.budgets if b.api} | {r.target for r in p.rates}
    keys |= {e.audit_log for e in model.environments.values() if e.audit_log}
    refs = {model.instances[k].ref for k in keys if k in model.instances}
    for t in model.program.tests:
        refs |= {f"{e.target.type}.{e.target.name}" for e in t.expects
                 if isinstance(e.target, Ref)}
    return refs


def quota_rule(ctx: Context) -> list[Finding]:
    return list(ctx.quota)


def test_failed(ctx: Context) -> list[Finding]:
    return expect.findings(ctx.model, ctx.files)


#: Rule id -> its function, in docs/checks.md's order.
RULES: Mapping[str, Callable[[Context], list[Finding]]] = {
    "cross-env-credential": cross_env_credential,
    "cross-env-access": cross_env_access,
    "shared-identity": shared_identity,
    "shared-credential": shared_credential,
    "privilege-escalation": privilege_escalation,
    "wildcard-resource": wildcard_resource,
    "unbounded-spend": unbounded_spend,
    "missing-owner": missing_owner,
    "missing-audit": missing_audit,
    "quota": quota_rule,
    "unknown-action": unknown_action,
    "audit-tamper": audit_tamper,
    "test-failed": test_failed,
    "unused": unused,
    "unenforced-approval": unenforced_approval,
    "missing-vault-address": missing_vault_address,
    "env-bridge": env_bridge,
}

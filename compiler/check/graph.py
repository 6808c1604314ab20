"""The reachability graph the proof walks: who can get to what, and by which statement.

Nodes are principals (agent@env), resource instances, roles and users (declared, or read from
`--aws-authz` files), the parts of another env's AWS account a raw pattern covers, the CI secrets
a GitHub repo holds, the hosts, domains and cidrs an env owns, and the upstreams of tool servers.
Every edge comes from one grant, egress, upstream or policy statement and keeps its source
location, so a path is a witness.

Grants are taken as written (after expansion): shadow and pending grants are edges too (they are
one review away from going live), denies subtract nothing from a pattern, and the AWS target's
account guard is not consulted.
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from agentpol.catalogue import iam
from agentpol.globs import arn_fields, globs_meet
from agentpol.model import (AWS_TYPES, Destination, Grant, IamStatement, Instance, Model,
                            Principal)

from . import aws
from .authz import Account, Identity, listed, statements, trust_admits
from .findings import Location

#: GitHub permissions whose write gives a path to the CI secrets of a repo (docs/language.md).
GITHUB_SECRET_PATHS = frozenset({"contents", "workflows", "actions", "secrets", "environments",
                                 "administration"})
WRITE_LEVELS = frozenset({"write", "admin"})


@dataclass
class Node:
    id: str
    label: str
    kind: str  # principal | instance | role | user | account | ci-secrets | network
    env: str | None  # the env that owns it; None for shared or foreign things
    credential: bool
    where: Location
    opaque: bool = False  # a role known only by name: no authz file for its account


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    via: str
    where: Location


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    out: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))
    triples: set = field(default_factory=set)

    def add(self, node: Node) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def link(self, src: str, dst: str, via: str, where: Location) -> None:
        edge = Edge(src, dst, via, where)
        if edge not in self.out[src]:
            self.out[src].append(edge)

    def reach(self, first: Iterable[Edge]) -> dict[str, Edge]:
        """Breadth-first from these first hops: node -> the edge that reached it first."""
        parents: dict[str, Edge] = {}
        queue = deque()
        for e in first:
            if e.dst not in parents:
                parents[e.dst] = e
                queue.append(e.dst)
        while queue:
            n = queue.popleft()
            for e in self.out.get(n, ()):
                if e.dst not in parents and self.nodes[e.dst].kind != "principal":
                    parents[e.dst] = e
                    queue.append(e.dst)
        return parents

    @staticmethod
    def path(parents: Mapping[str, Edge], node: str) -> list[Edge]:
        """The edges from the first hop to `node`, in order."""
        out = []
        while node in parents:
            e = parents[node]
            out.append(e)
            if e.src not in parents or e.src == node:
                break
            node = e.src
        return out[::-1]

    def opaque_roles(self) -> int:
        """Roles a principal can reach that nobody can look into (no authz file for their
        account)."""
        first = [e for n in self.nodes.values() if n.kind == "principal"
                 for e in self.out.get(n.id, ())]
        return sum(1 for nid in self.reach(first) if self.nodes[nid].opaque)


def principal_id(key: str) -> str:
    return f"p:{key}"


def instance_id(key: str) -> str:
    return f"i:{key}"


def build(model: Model, accounts: Iterable[Account] = ()) -> Graph:
    return _Builder(model, tuple(accounts)).build()


@dataclass(frozen=True)
class _Claim:
    """A host, domain or cidr an env owns (None: a shared instance's host, nobody's).

    `of_environment`: one of an env's own `cidrs`/`domains` (the env's word on what is its), as
    opposed to the host of an `api`, `mcp_server` or `host` instance."""

    dest: Destination
    env: str | None
    node: str
    of_environment: bool = False


class _Builder:
    def __init__(self, model: Model, accounts: tuple[Account, ...]):
        self.m = model
        self.g = Graph()
        self.accounts = {a.account: a for a in accounts}
        owners = defaultdict(list)
        for e in model.environments.values():
            if e.aws_account:
                owners[e.aws_account].append(e.name)
        self.account_env = {a: envs[0] for a, envs in owners.items() if len(envs) == 1}
        self.aws_instances = [(i, model.arns[i.key]) for i in model.instances.values()
                              if i.type in AWS_TYPES and i.type != "bedrock_model"]
        self.identities: dict[str, Identity] = {i.arn: i for a in accounts for i in a.identities}
        self.arn_node: dict[str, str] = {}
        self.claims: list[_Claim] = []

    def build(self) -> Graph:
        for inst in self.m.instances.values():
            self.instance(inst)
        for ident in self.identities.values():
            self.identity(ident)
        self.network_claims()
        for ident in self.identities.values():
            node = self.arn_node[ident.arn]
            for doc in ident.policies:
                self.policy_edges(node, ident, doc)
        for p in self.m.principals.values():
            self.principal(p)
        return self.g

    # --- nodes ------------------------------------------------------------------------------

    def instance(self, inst: Instance) -> None:
        opaque = inst.type == "iam_role" and (inst.account or "") not in self.accounts
        owner = None if inst.type == "bedrock_model" else inst.env  # AWS's, no env's
        nid = self.g.add(Node(instance_id(inst.key), inst.key, "instance", owner,
                              inst.credential or inst.type == "iam_role", inst.span, opaque))
        if inst.type == "iam_role":
            for arn in self.m.arns[inst.key]:
                self.arn_node[arn] = nid
        if inst.type == "kms_key":
            key = self.g.add(Node(f"{nid}#decrypt", f"{inst.key} (decrypt)", "instance",
                                  inst.env, False, inst.span))
            for other in self.m.instances.values():
                if other.env == inst.env and other.credential and other.type in (
                        "secret", "ssm_parameter"):
                    self.g.link(key, instance_id(other.key), "decrypts", other.span)
        if inst.type == "github_repo" and inst.holds_secrets_of:
            write = self.g.add(Node(f"{nid}#write", f"{inst.key} (write)", "instance", inst.env,
                                    False, inst.span))
            for env in inst.holds_secrets_of:
                ci = self.g.add(Node(f"ci:{inst.key}:{env}",
                                     f"CI secrets of {env} ({inst.key} holds_secrets_of)",
                                     "ci-secrets", env, True, inst.span))
                self.g.link(write, ci, "push a workflow that reads them", inst.span)

    def identity(self, ident: Identity) -> None:
        if ident.arn in self.arn_node:
            return
        self.arn_node[ident.arn] = self.g.add(Node(
            f"{ident.kind}:{ident.arn}", ident.arn, ident.kind,
            self.account_env.get(ident.account), True, ident.source))

    def network_claims(self) -> None:
        for env in self.m.environments.values():
            for claim in env.claims:
                what = "cidr" if claim.is_ip else "domain"
                node = self.g.add(Node(f"net:{env.name}:{claim}", f"{claim} ({env.name} {what})",
                                       "network", env.name, False, env.span))
                self.claims.append(_Claim(claim, env.name, node, of_environment=True))
        for inst in self.m.instances.values():
            if inst.endpoint is not None:
                node = self.g.add(Node(f"host:{inst.key}", f"{inst.endpoint.host} ({inst.key})",
                                       "network", inst.env, False, inst.span))
                self.claims.append(_Claim(inst.endpoint, inst.env, node))
        for inst in self.m.instances.values():
            if inst.type == "mcp_server":
                self.upstream_edges(inst)

    def upstream_edges(self, inst: Instance) -> None:
        """A tool server connects where its `upstream` says, whoever calls it: the server (its
        instance node, and its host for those who reach it by egress) -> each upstream -> every
        owned destination that upstream reaches, judged as the server's own env's egress. A
        staging (or shared) server whose upstream is prod's is a path into prod for every
        caller of another env."""
        for upstream in inst.upstreams:
            value = str(upstream)
            up = self.g.add(Node(f"upstream:{inst.key}:{value}",
                                 f"{value} (upstream of {inst.key})", "network", inst.env, False,
                                 inst.span))
            for src in (instance_id(inst.key), f"host:{inst.key}"):
                self.g.link(src, up, "upstream", inst.span)
            for claim in self.egress_claims(upstream, inst.env):
                self.g.link(up, claim.node, f"connect {value}", inst.span)

    # --- principals -------------------------------------------------------------------------

    def principal(self, p: Principal) -> None:
        src = self.g.add(Node(principal_id(p.key), p.key, "principal", p.env, False, p.span))
        env = self.m.environments[p.env]
        caller = (aws.principal_arn(self.m, p), env.aws_account)
        for g in p.grants:
            via, where = str(g.access), g.origin.span
            if g.target.instance is not None:
                self.instance_grant(src, p, g)
            elif g.target.kind == "aws":
                self.iam_edges(src, caller, self.m.iam_of(g) or (), via, where)
            elif g.target.kind == "github":
                self.github_raw(src, p, g)
            elif g.target.kind == "vault":
                self.vault_raw(src, p, g)
            self.count(p, g)
        for e in p.egress:
            self.g.triples.add((p.key, "connect", e.dest.address))
            for claim in self.egress_claims(e.dest, p.env):
                self.g.link(src, claim.node, f"egress {e.dest.address}", e.origin.span)

    def instance_grant(self, src: str, p: Principal, g: Grant) -> None:
        inst = self.m.instances[g.target.instance]
        node = instance_id(inst.key)
        if inst.type == "kms_key" and ("kms:decrypt" in aws.actions_of(self.m, g)):
            node += "#decrypt"
        if inst.type == "github_repo" and inst.holds_secrets_of and github_writes(g.access.value,
                                                                                 g.access.raw):
            node += "#write"
        self.g.link(src, node, str(g.access), g.origin.span)
        if inst.type == "host" and inst.endpoint is not None:  # (api, mcp: implied egress)
            for claim in self.egress_claims(inst.endpoint, p.env):
                self.g.link(src, claim.node, str(g.access), g.origin.span)

    def github_raw(self, src: str, p: Principal, g: Grant) -> None:
        repo = g.target.raw.lower()
        hits = [i for i in self.m.instances.values()
                if i.type == "github_repo" and str(i.attr("repo", "")).lower() == repo]
        for inst in hits:
            node = instance_id(inst.key)
            if inst.holds_secrets_of and github_writes(g.access.value, g.access.raw):
                node += "#write"
            self.g.link(src, node, str(g.access), g.origin.span)

    def vault_raw(self, src: str, p: Principal, g: Grant) -> None:
        if g.access.raw and g.access.value == "deny":
            return
        for inst in self.m.instances.values():
            if inst.type == "vault_path" and globs_meet(g.target.raw, str(inst.attr("path")),
                                                        "vault"):
                self.g.link(src, instance_id(inst.key), str(g.access), g.origin.span)

    def count(self, p: Principal, g: Grant) -> None:
        grants = self.m.iam_of(g)
        if grants:
            for s in grants:
                for a in s.actions:
                    for r in s.resources:
                        self.g.triples.add((p.key, a, r))
        else:
            self.g.triples.add((p.key, str(g.access), str(g.target)))

    def egress_claims(self, d: Destination, own: str | None) -> list[_Claim]:
        """The owned destinations a destination `d` reaches, seen from env `own` (None: a
        shared thing):

        - env claims (`cidrs`, `domains`): the narrowest ones holding `d`, whatever instances
          are declared there. A host declared in staging, or shared, at a prod address is still
          at a prod address; only a narrower env claim carves a name out of a wider one
          (staging's `*.staging.acme.com` inside prod's `*.acme.com`);
        - instance claims (hosts of `api`, `mcp_server`, `host`): the narrowest ones holding
          `d`. A host that is one other env's alone is that env's; one named by `own`'s or a
          shared instance, or by several envs' instances (`api.openai.com`, used with every
          env's key), is nobody's, and only `own`'s and the shared claims are kept (they lead
          on to a tool server's upstreams);
        - every claim, of either kind, that `d` is wider than or partly overlaps (`10.0.0.0/8`
          holds prod's `10.30.0.0/16`)."""
        out: list[_Claim] = []
        for of_env in (True, False):
            holding = [c for c in self.claims
                       if c.of_environment == of_env and d.within(c.dest)]
            if not holding:
                continue
            best = max(c.dest.specificity for c in holding)
            top = [c for c in holding if c.dest.specificity == best]
            envs = {c.env for c in top}
            if not of_env and (own in envs or None in envs or len(envs) > 1):
                top = [c for c in top if c.env in (own, None)]
            out += top
        out += [c for c in self.claims if d.meets(c.dest) and not d.within(c.dest)]
        return out

    # --- IAM ------------------------------------------------------------------------------

    def policy_edges(self, src: str, ident: Identity, doc: Mapping) -> None:
        caller = (ident.arn, ident.account)
        for s in statements(doc):
            if s.get("Effect") != "Allow":
                continue
            if "NotAction" in s:
                skip = {a for pat in listed(s["NotAction"]) for a in aws.expand(pat)}
                actions = tuple(a for a in aws.expand("*") if a not in skip)
                via = f"NotAction {', '.join(listed(s['NotAction']))}"
            else:
                actions = tuple(dict.fromkeys(a for pat in listed(s.get("Action"))
                                              for a in aws.expand(pat)))
                via = ", ".join(listed(s.get("Action")))
            resources = tuple(listed(s.get("Resource"))) if "Resource" in s else ("*",)
            self.iam_edges(src, caller, (IamStatement(actions, resources),), via, ident.source)

    def iam_edges(self, src: str, caller: tuple[str | None, str | None],
                  grants: Iterable[IamStatement], via: str, where: Location) -> None:
        """Edges for some IAM actions on resource patterns: to the instances, imported roles
        and users they cover, and to every other env's account they reach into."""
        for ig in grants:
            if not ig.actions:
                continue
            by_service = defaultdict(list)
            for a in ig.actions:
                by_service[a.split(":")[0].lower()].append(a)
            for res in ig.resources:
                self.instance_edges(src, caller, by_service, res, via, where)
                self.identity_edges(src, caller, by_service, res, via, where)
                self.account_edges(src, caller, ig.actions, res, via, where)

    def instance_edges(self, src, caller, by_service, res: str, via, where) -> None:
        for inst, arns in self.aws_instances:
            acts = {a.lower() for arn in arns if globs_meet(res, arn)
                    for a in _acting_on(by_service, arn)}
            if not acts:
                continue
            node = instance_id(inst.key)
            if inst.type == "iam_role":  # entered by assuming or passing it, if trusted
                ident = self.identities.get(self.m.arns[inst.key][0])
                if not acts & (aws.ASSUME | aws.PASS) or (
                        ident is not None and not self.role_admits(ident, caller, acts)):
                    continue
            if inst.type == "kms_key" and "kms:decrypt" in acts:
                node += "#decrypt"
            self.g.link(src, node, via, where)

    def identity_edges(self, src, caller, by_service, res: str, via, where) -> None:
        for arn, ident in self.identities.items():
            node = self.arn_node[arn]
            if not node.startswith(f"{ident.kind}:") or node == src or not globs_meet(res, arn):
                continue
            acts = {a.lower() for a in _acting_on(by_service, arn)}
            if ident.kind == "role" and self.role_admits(ident, caller, acts):
                self.g.link(src, node, via, where)
            elif ident.kind == "user" and acts & aws.USER_KEYS:
                self.g.link(src, node, via, where)

    def role_admits(self, ident: Identity, caller, acts: set[str]) -> bool:
        return bool((acts & aws.ASSUME and trust_admits(ident.trust, *caller))
                    or (acts & aws.PASS and trust_admits(ident.trust, *caller, service=True)))

    def account_edges(self, src, caller, actions, res: str, via, where) -> None:
        """A pattern over an env's account reaches whatever exists there (grants as written);
        role patterns into an account with no authz file reach roles nobody can look into."""
        _, _, service, _, account, resource = arn_fields(res)
        scoped = [a for a in actions if _service_meets(service, a)
                  and iam.supports_resource_scoping(a)]
        if not scoped:
            return
        roles = [a for a in scoped if a.lower() in aws.ASSUME | aws.PASS]
        known = set(self.account_env) | set(self.accounts)
        if account.isdigit():
            known.add(account)
        for acct in sorted(known):
            if not globs_meet(account, acct):
                continue
            env = self.account_env.get(acct)
            if acct != caller[1] and env is not None:
                cred = any(aws.credential_action(a) for a in scoped)
                node = self.g.add(Node(
                    f"acct:{acct}:{res}:{'cred' if cred else 'res'}",
                    f'"{res}" in account {acct} ({env})', "account", env, cred,
                    self.m.environments[env].span))
                self.g.link(src, node, via, where)
            if roles and acct not in self.accounts and globs_meet(resource, "role/*") \
                    and not (res in self.arn_node):
                node = self.g.add(Node(f"roles:{acct}:{res}", f'roles matching "{res}"', "role",
                                       env, True, where, opaque=True))
                self.g.link(src, node, via, where)


def _service_meets(service: str, action: str) -> bool:
    svc = action.split(":")[0].lower()
    return globs_meet(service, svc) or (svc == "sts" and globs_meet(service, "iam"))


def _acting_on(by_service: Mapping[str, list[str]], arn: str) -> list[str]:
    """The actions (of those given) that can be authorized on this ARN."""
    service = arn_fields(arn)[2]
    candidates = by_service.get(service, []) + (by_service.get("sts", []) if service == "iam"
                                                 else [])
    return [a for a in candidates if iam.arn_matches_action(a, arn)]


def github_writes(value: str, raw: bool) -> bool:
    """`write`, or a secret-bearing permission at write or admin: a path to CI secrets."""
    if not raw:
        return value == "write"
    perm, _, level = value.partition(":")
    return perm in GITHUB_SECRET_PATHS and level in WRITE_LEVELS

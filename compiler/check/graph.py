"""The reachability graph the proof walks: who can get to what, and by which statement.

Nodes are principals (agent@env, and each env's `aws_runtime`), resource instances, roles and
users (declared, or read from `--aws-authz` files), the parts of another env's AWS account a raw
pattern covers, the CI secrets a GitHub repo holds, the hosts, domains and cidrs an env owns, and
the upstreams of tool servers. Every edge comes from one grant, egress, upstream or policy
statement and keeps its source location, so a path is a witness. An agent whose role an authz
file shows as deployed (`agentpol-AGENT` in its env's account) runs as that role: the role's
deployed policies are its grants too, hand-added ones included.

Grants are taken as written (after expansion): shadow and pending grants are edges too (they are
one review away from going live), denies subtract nothing from a pattern, and the AWS target's
account guard is not consulted.
"""
from __future__ import annotations

import bisect
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Iterable, Iterator, Mapping

from agentpol.catalogue import iam, vault
from agentpol.globs import arn_fields, globs_meet
from agentpol.model import (AWS_TYPES, Destination, Environment, Grant, IamStatement, Instance,
                            Model, Principal)

from . import aws
from .authz import Account, AuthzError, Identity, listed, statements, trust_admits
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


#: node -> (its distance to a target, the first edge of a shortest path there)
Ways = dict[str, tuple[int, "Edge"]]


@dataclass
class Graph:
    """Nodes and edges. An imported role's or user's policy edges are kept as shared runs
    (`shared`: src -> [(via, where, destinations)]): identities with the same statement reach
    the same destinations, and one tuple serves them all. `edges(src)` spells a node's edges
    out, in the order they were found. `parts` (by the id of a run's tuple) says which
    tuples, shared by other runs, its destinations are the union of: runs of different
    statements repeat the same long lists (every role a service may assume), and a walk back
    looks each list up once instead of once per run."""

    nodes: dict[str, Node] = field(default_factory=dict)
    out: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))
    triples: set = field(default_factory=set)
    shared: dict[str, list[tuple[str, Location, tuple[str, ...]]]] = field(default_factory=dict)
    parts: dict[int, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    _linked: set = field(default_factory=set, repr=False)
    #: (principal node, instance key) -> the provider actions (IAM, lower case; Vault
    #: capabilities; else the access as written) by which it reaches the instance directly
    acts: dict = field(default_factory=lambda: defaultdict(set))

    def add(self, node: Node) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    def link(self, src: str, dst: str, via: str, where: Location) -> None:
        edge = Edge(src, dst, via, where)
        if edge not in self._linked:
            self._linked.add(edge)
            self.out[src].append(edge)

    def share(self, src: str, via: str, where: Location, dsts: tuple[str, ...],
              parts: tuple[tuple[str, ...], ...] | None = None) -> None:
        """Edges from `src` to each of `dsts` (a tuple other sources may share), except to
        itself (a role reaching itself, imported or declared, is no edge); `parts`: tuples
        whose union is `dsts` (default: `dsts` itself)."""
        if any(dst != src for dst in dsts):
            self.shared.setdefault(src, []).append((via, where, dsts))
            if parts is not None:
                self.parts[id(dsts)] = parts

    def sources(self) -> set[str]:
        return set(self.out) | set(self.shared)

    def edges(self, src: str) -> list[Edge]:
        out = list(self.out.get(src, ()))
        runs = self.shared.get(src)
        if not runs:  # a declared principal's edges only (`link` made each once)
            return out
        seen = set(out)
        for via, where, dsts in runs:
            for dst in dsts:
                edge = Edge(src, dst, via, where)
                if edge not in seen and dst != src:
                    seen.add(edge)
                    out.append(edge)
        return out

    def reach(self, first: Iterable[Edge]) -> dict[str, Edge]:
        """Breadth-first from these first hops: node -> the edge that reached it first.

        A shared run of destinations is walked once: the second time, all of it is reached.
        The nodes the first hops start from are never re-entered (a role that can assume
        itself)."""
        parents: dict[str, Edge] = {}
        queue: deque[str] = deque()
        first = list(first)
        starts = {e.src for e in first}
        for e in first:
            if e.dst not in parents and e.dst not in starts:
                parents[e.dst] = e
                queue.append(e.dst)
        walked: set[int] = set()
        nodes = self.nodes
        while queue:
            n = queue.popleft()
            for e in self.out.get(n, ()):
                if e.dst not in parents and e.dst not in starts \
                        and nodes[e.dst].kind != "principal":
                    parents[e.dst] = e
                    queue.append(e.dst)
            for via, where, dsts in self.shared.get(n, ()):
                if id(dsts) in walked:
                    continue
                walked.add(id(dsts))
                for dst in dsts:
                    if dst not in parents and dst not in starts \
                            and nodes[dst].kind != "principal":
                        parents[dst] = Edge(n, dst, via, where)
                        queue.append(dst)
        return parents

    def toward(self, targets: Iterable[str]) -> dict[str, tuple[Ways, Ways]]:
        """For each target, how every node reaches it as `reach(edges(node))` walks: never
        through a principal, except as the first hop. Two maps, node -> (distance, the first
        edge of a shortest path): the onward ways (every node after the first hop is no
        principal), which a path follows after its first hop, and the ways from a start (the
        onward way, or a first hop to a principal and its onward way, whichever is shorter).
        One walk back from each target over the reversed edges, each shared run entered once
        per walk, instead of one walk forward from every node."""
        preds: dict[str, list[Edge]] = defaultdict(list)
        for edges in self.out.values():
            for e in edges:
                preds[e.dst].append(e)
        # the runs, numbered in the order first found, with who holds each; the parts that
        # name a node, and the runs made of each part
        number: dict[int, int] = {}
        holders: list[list[tuple[str, str, Location]]] = []
        part_runs: dict[int, list[int]] = {}
        naming: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for src, runs in self.shared.items():
            for via, where, dsts in runs:
                n = number.get(id(dsts))
                if n is None:
                    n = number[id(dsts)] = len(holders)
                    holders.append([])
                    for part in self.parts.get(id(dsts), (dsts,)):
                        if id(part) not in part_runs:
                            part_runs[id(part)] = []
                            for dst in part:
                                naming[dst].append(part)
                        part_runs[id(part)].append(n)
                holders[n].append((src, via, where))

        def back(x: str, entered: tuple[set[int], set[int]] | None
                 ) -> Iterator[tuple[str, Edge | tuple]]:
            """Who has an edge to `x`: each with the edge, or for a shared run its (via,
            where), of which `edge` makes one only when it is kept. The runs naming `x` come
            in the order they were found; with `entered` (the parts and runs a walk has
            entered), each only once per walk: entering a part enters all its runs."""
            for e in preds.get(x, ()):
                yield e.src, e
            found: set[int] = set()
            for part in naming.get(x, ()):
                if entered is None:
                    found.update(part_runs[id(part)])
                elif id(part) not in entered[0]:
                    entered[0].add(id(part))
                    found.update(n for n in part_runs[id(part)] if n not in entered[1])
            if entered is not None:
                entered[1].update(found)
            for n in sorted(found):
                for src, via, where in holders[n]:
                    yield src, (via, where)

        def edge(src: str, x: str, e: Edge | tuple) -> Edge:
            return e if isinstance(e, Edge) else Edge(src, x, *e)

        out: dict[str, tuple[Ways, Ways]] = {}
        for target in sorted(set(targets)):
            onward: Ways = {}
            entered: tuple[set[int], set[int]] = (set(), set())
            level, distance = [target], 0
            while level:
                distance += 1
                following = []
                for x in level:
                    if self.nodes[x].kind == "principal":
                        continue  # a principal is walked through only as a first hop
                    for src, how in back(x, entered):
                        if src not in onward and src != target:
                            onward[src] = (distance, edge(src, x, how))
                            following.append(src)
                level = following
            starts = dict(onward)
            for p in [target, *onward]:
                if self.nodes[p].kind != "principal":
                    continue
                hop = onward[p][0] + 1 if p != target else 1
                for src, how in back(p, None):
                    if src not in (p, target) and (src not in starts or hop < starts[src][0]):
                        starts[src] = (hop, edge(src, p, how))
            out[target] = (onward, starts)
        return out

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
                 for e in self.edges(n.id)]
        return sum(1 for nid in self.reach(first) if self.nodes[nid].opaque)


def principal_id(key: str) -> str:
    return f"p:{key}"


def instance_id(key: str) -> str:
    return f"i:{key}"


def runtime_id(env: str) -> str:
    return f"runtime:{env}"


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
        # indexes for the IAM edges (see the IAM section)
        self.instances_by_service: dict[str, list[int]] = defaultdict(list)
        for n, (_, arns) in enumerate(self.aws_instances):
            for service in dict.fromkeys(arn_fields(arn)[2] for arn in arns):
                self.instances_by_service[service].append(n)
        self.order = {arn: n for n, arn in enumerate(self.identities)}
        self.trust_any: list[str] = []
        self.trust_names: dict[str, list[str]] = defaultdict(list)
        for arn, ident in self.identities.items():
            if ident.kind != "role":
                continue
            names = _trusted_names(ident.trust)
            if names is None:
                self.trust_any.append(arn)
            for name in names or ():
                self.trust_names[name].append(arn)
        self.sorted_arns = sorted(self.identities)
        self._reached: dict[tuple, _Run] = {}
        self._shared: dict[tuple, _Matched] = {}
        self._assumable: dict[tuple, tuple[str, ...]] = {}
        self._allows: dict[int, tuple[list[tuple[str, _Actions, str]], bool]] = {}
        self._policy_runs: dict[tuple, list[tuple[str, _Run]]] = {}
        self._instance_hits: dict[tuple, list[tuple[int, frozenset[str]]]] = {}
        self._entry: dict[str, frozenset[str]] = {}
        self._acting: dict[str, frozenset[str]] = {}
        self._admitted: dict[tuple, frozenset[str]] = {}
        self._by_account: dict[str, frozenset[str]] = {}
        self._account_dsts: dict[tuple, list[str]] = {}
        self._interned: dict[frozenset[str], frozenset[str]] = {}
        self._passable: frozenset[str] | None = None

    def build(self) -> Graph:
        for inst in self.m.instances.values():
            self.instance(inst)
        for ident in self.identities.values():
            self.identity(ident)
        self.network_claims()
        for ident in self.identities.values():
            node = self.arn_node[ident.arn]
            for pol in ident.policies:
                self.policy_edges(node, ident, pol.document, pol.source)
        for p in self.m.principals.values():
            self.principal(p)
        for env in self.m.environments.values():
            self.runtime(env)
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
        deployed = self.identities.get(caller[0] or "")
        if deployed is not None:  # its role as deployed: what was added by hand counts too
            self.g.link(src, self.arn_node[deployed.arn], "runs as (deployed role)",
                        deployed.source)
        for g in p.grants:
            via, where = str(g.access), g.origin.span
            if g.target.instance is not None:
                self.instance_grant(src, p, g, caller)
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

    def runtime(self, env: Environment) -> None:
        """An env's `aws_runtime` is one of its principals: its agents can read their host's
        credentials. Its permissions are those an authz file shows for its ARN (its agents'
        roles, which it may assume, hold only what they are granted)."""
        if not env.aws_runtime:
            return
        src = self.g.add(Node(runtime_id(env.name), f"aws_runtime of {env.name} "
                              f"({env.aws_runtime})", "principal", env.name, False, env.span))
        ident = self.identities.get(env.aws_runtime)
        if ident is not None:
            self.g.link(src, self.arn_node[ident.arn], "runs as", ident.source)

    def instance_grant(self, src: str, p: Principal, g: Grant, caller) -> None:
        inst = self.m.instance(g.target.instance)
        node = instance_id(inst.key)
        actions = aws.actions_of(self.m, g)
        if inst.type == "kms_key" and "kms:decrypt" in actions:
            node += "#decrypt"
        if inst.type == "github_repo" and inst.holds_secrets_of and github_writes(g.access.value,
                                                                                 g.access.raw):
            node += "#write"
        self.g.link(src, node, str(g.access), g.origin.span)
        self.g.acts[(src, inst.key)] |= actions or _provider_actions(g)
        if inst.type == "host" and inst.endpoint is not None:  # (api, mcp: implied egress)
            for claim in self.egress_claims(inst.endpoint, p.env):
                self.g.link(src, claim.node, str(g.access), g.origin.span)
        if aws.pattern_identity(inst):  # a grant on a pattern is a grant on all it matches
            self.pattern_edges(src, inst, g, caller)

    def pattern_edges(self, src: str, inst: Instance, g: Grant, caller) -> None:
        """Edges to every other instance a pattern-identity resource covers, in any env: IAM
        patterns as a raw grant of the same statements would be; Vault and GitHub globs."""
        via, where = str(g.access), g.origin.span
        if inst.type in AWS_TYPES:
            self.iam_edges(src, caller, self.m.iam_of(g) or (), via, where)
            return
        if inst.type == "vault_path":
            self.vault_edges(src, str(inst.attr("path")), g)
            return
        for other in self.m.instances.values():
            if other.type == "github_repo" and other.key != inst.key and globs_meet(
                    str(inst.attr("repo", "")).lower(), str(other.attr("repo", "")).lower()):
                node = instance_id(other.key)
                if other.holds_secrets_of and github_writes(g.access.value, g.access.raw):
                    node += "#write"
                self.g.link(src, node, via, where)
                self.g.acts[(src, other.key)] |= _provider_actions(g)

    def github_raw(self, src: str, p: Principal, g: Grant) -> None:
        repo = (g.target.raw or "").lower()
        hits = [i for i in self.m.instances.values()
                if i.type == "github_repo" and str(i.attr("repo", "")).lower() == repo]
        for inst in hits:
            node = instance_id(inst.key)
            if inst.holds_secrets_of and github_writes(g.access.value, g.access.raw):
                node += "#write"
            self.g.link(src, node, str(g.access), g.origin.span)

    def vault_raw(self, src: str, p: Principal, g: Grant) -> None:
        self.vault_edges(src, g.target.raw or "", g)

    def vault_edges(self, src: str, pattern: str, g: Grant) -> None:
        """A Vault path glob (raw, or a pattern-identity `vault_path`) -> every `vault_path`
        whose path it can match (`deny` opens nothing)."""
        if g.access.raw and g.access.value == "deny":
            return
        for inst in self.m.instances.values():
            if inst.type == "vault_path" and globs_meet(pattern, str(inst.attr("path")),
                                                        "vault"):
                self.g.link(src, instance_id(inst.key), str(g.access), g.origin.span)
                self.g.acts[(src, inst.key)] |= _provider_actions(g)

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
    #
    # Index, don't pair: a statement's destinations depend on its actions, one resource
    # pattern, the caller's account and which roles trust the caller, so they are computed
    # once per such key (`_reached`) and shared by every identity and principal with that key
    # (imported roles attach the same managed policies). Only identities a statement's
    # actions can reach are looked at: roles trusting the caller (sts:AssumeRole), roles a
    # service may assume (iam:PassRole) and users (their keys and login profiles).

    def policy_edges(self, src: str, ident: Identity, doc: Mapping, where: str) -> None:
        """An identity's policy document: its runs are worked out once per (document, caller's
        account, roles that trust the caller if a statement assumes roles), since managed
        policies are attached to many identities."""
        caller = (ident.arn, ident.account)
        allows, assumes = self.allows(doc)
        key = (id(doc), ident.account, self.admitted(caller) if assumes else None)
        runs = self._policy_runs.get(key)
        if runs is None:
            runs = self._policy_runs[key] = [
                (via, self.reached(acts, res, caller, where, imported=True))
                for via, acts, res in allows]
        for via, (dsts, parts) in runs:
            self.g.share(src, via, where, dsts, parts)

    def allows(self, doc: Mapping) -> tuple[list[tuple[str, _Actions, str]], bool]:
        """A document's Allow statements as (how it reads, actions, one resource pattern), and
        whether one may assume roles (its runs then depend on who trusts the caller)."""
        found = self._allows.get(id(doc))
        if found is None:
            out = []
            for s in statements(doc):
                if s.get("Effect") != "Allow":
                    continue
                if "NotAction" in s:
                    names = tuple(listed(s["NotAction"]))
                    acts, via = _all_but(names), f"NotAction {', '.join(names)}"
                else:
                    names = tuple(listed(s.get("Action")))
                    acts, via = _written(names), ", ".join(names)
                resources = tuple(listed(s.get("Resource"))) if "Resource" in s else ("*",)
                out += [(via, acts, res) for res in resources]
            found = self._allows[id(doc)] = (
                out, any(acts.lowered & aws.ASSUME for _, acts, _ in out))
        return found

    def iam_edges(self, src: str, caller: tuple[str | None, str | None],
                  grants: Iterable[IamStatement], via: str, where: Location) -> None:
        """Edges for some IAM actions on resource patterns: to the instances, imported roles
        and users they cover, and to every other env's account they reach into."""
        for ig in grants:
            acts = _prepared(ig.actions)
            for res in ig.resources:
                for dst in self.reached(acts, res, caller, where)[0]:
                    self.g.link(src, dst, via, where)
                    if dst.startswith("i:"):
                        key = dst[2:].split("#")[0]
                        self.g.acts[(src, key)] |= {
                            a.lower() for arn in self.m.arns.get(key, ()) if globs_meet(res, arn)
                            for a in _acting_on(acts.by_service, arn)}

    def reached(self, acts: _Actions, res: str, caller: tuple[str | None, str | None],
                where: Location, imported: bool = False) -> _Run:
        """The nodes these actions on `res` reach for this caller, in the order the instances,
        identities and accounts are declared, and the parts (Graph.parts) they are the union
        of (`where` places a node first found here; `imported`: a policy read from an authz
        file, not a grant written in source)."""
        if not acts.actions:
            return (), ()
        admitted = self.admitted(caller) if acts.lowered & aws.ASSUME else None
        key = (acts, res, caller[1], admitted, imported)
        found = self._reached.get(key)
        if found is None:
            instances = tuple(self.instance_dsts(acts, res, admitted))
            identities, parts = self.identity_dsts(acts, res, admitted)
            accounts = tuple(self.account_dsts(acts, res, caller[1], where, imported))
            found = self._reached[key] = (instances + identities + accounts, tuple(
                part for part in (instances, *parts, accounts) if part))
        return found

    def instance_dsts(self, acts: _Actions, res: str, admitted) -> list[str]:
        """The declared AWS instances these actions on `res` reach, in declaration order; a
        role only if it lets the caller in (`admitted`: the roles that trust it)."""
        found: dict[int, frozenset[str]] = {}
        for part in acts.per_service():
            for n, hits in self.instance_hits(part, res):
                found[n] = found[n] | hits if n in found else hits
        out = []
        for n in sorted(found):
            inst, arns = self.aws_instances[n]
            hits = found[n]
            node = instance_id(inst.key)
            if inst.type == "iam_role":  # entered by assuming or passing it, if trusted
                ident = self.identities.get(arns[0]) if arns else None
                if not hits & (aws.ASSUME | aws.PASS) or (
                        ident is not None and not self.role_admits(ident, hits, admitted)):
                    continue
            if inst.type == "kms_key" and "kms:decrypt" in hits:
                node += "#decrypt"
            out.append(node)
        return out

    def instance_hits(self, acts: _Actions, res: str) -> list[tuple[int, frozenset[str]]]:
        """The instances (ordinals, in order) these actions on `res` act on, each with the
        actions that do (lower case): the same for every caller, so found once per (one
        service's actions, pattern) however many statements hold those."""
        found = self._instance_hits.get((acts, res))
        if found is None:
            ordinals: set[int] = set()
            for service in acts.by_service:
                ordinals.update(self.instances_by_service.get(service, ()))
            if "sts" in acts.by_service:
                ordinals.update(self.instances_by_service.get("iam", ()))
            found = self._instance_hits[(acts, res)] = []
            for n in sorted(ordinals):
                hits = frozenset(a.lower() for arn in self.aws_instances[n][1]
                                 if globs_meet(res, arn) for a in _acting_on(acts.by_service, arn))
                if hits:
                    found.append((n, hits))
        return found

    def identity_dsts(self, acts: _Actions, res: str, admitted) -> _Run:
        """The imported roles and users these actions on `res` enter, in declaration order,
        and the parts they are made of. What holds for every caller (roles a service may
        assume, users) is computed once per (actions among those, pattern), one part; the
        roles that trust this caller are merged in, another."""
        wanted = acts.lowered & _IDENTITY_ACTIONS
        if not wanted:
            return (), ()
        shared = self.shared_identities(wanted - aws.ASSUME, res)
        extras = [arn for arn in (self.assumable(admitted, res) if wanted & aws.ASSUME else ())
                  if arn not in shared.arns]
        if not extras:
            return shared.nodes, (shared.nodes,)
        nodes, orders = list(shared.nodes), list(shared.orders)
        for arn in extras:
            at = bisect.bisect(orders, self.order[arn])
            orders.insert(at, self.order[arn])
            nodes.insert(at, self.arn_node[arn])
        return tuple(nodes), (shared.nodes, tuple(self.arn_node[arn] for arn in extras))

    def shared_identities(self, wanted: frozenset[str], res: str) -> _Matched:
        """The roles (that a service may assume) passed and users keyed by `wanted` on `res`."""
        found = self._shared.get((wanted, res))
        if found is None:
            entry = self.entry
            arns = sorted((arn for arn in (self.arns_under(res) if wanted else ())
                           if entry(arn) & wanted and _arn_meets(res, arn)),
                          key=self.order.__getitem__)
            found = self._shared[(wanted, res)] = _Matched(
                tuple(self.arn_node[a] for a in arns), [self.order[a] for a in arns],
                frozenset(arns))
        return found

    def entry(self, arn: str) -> frozenset[str]:
        """What enters this identity whoever the caller (as `enters` has it): iam:PassRole for
        a role a service may assume, the key and login actions for a user; nothing for an
        identity whose node is a declared iam_role's."""
        found = self._entry.get(arn)
        if found is None:
            ident = self.identities[arn]
            if not self.arn_node[arn].startswith(f"{ident.kind}:"):
                found = frozenset()
            elif ident.kind == "role":
                found = self.acting(arn) & aws.PASS if arn in self.passable() else frozenset()
            else:  # a user
                found = self.acting(arn) & aws.USER_KEYS
            self._entry[arn] = found
        return found

    def assumable(self, admitted: frozenset[str], res: str) -> tuple[str, ...]:
        """The roles of `admitted` that sts:AssumeRole on `res` enters, in declaration order:
        once per (admitted set, pattern), which statements of many callers share."""
        found = self._assumable.get((admitted, res))
        if found is None:
            found = self._assumable[(admitted, res)] = tuple(sorted(
                (arn for arn in admitted if self.enters(arn, res, aws.ASSUME)),
                key=self.order.__getitem__))
        return found

    def arns_under(self, pattern: str) -> list[str]:
        """The identities' ARNs that start with the pattern's text before its first wildcard
        (a superset of those it matches), from the sorted list."""
        ends = _affixes(pattern)
        head = pattern if ends is None else ends[0]
        lo = bisect.bisect_left(self.sorted_arns, head)
        hi = bisect.bisect_left(self.sorted_arns, head + "\U0010ffff")
        return self.sorted_arns[lo:hi]

    def enters(self, arn: str, res: str, wanted: frozenset[str]) -> bool:
        """Whether one of `wanted` on `res` reaches this identity: its node is its own (not a
        declared iam_role's), `res` covers its ARN, and an action it is scoped to is wanted.
        A role entered by iam:PassRole must be one a service may assume, one entered by
        sts:AssumeRole one that trusts the caller: the callers see to that."""
        ident = self.identities[arn]
        if not self.arn_node[arn].startswith(f"{ident.kind}:") or not _arn_meets(res, arn):
            return False
        hits = self.acting(arn) & wanted
        if ident.kind == "role":
            return bool(hits & (aws.ASSUME | aws.PASS))
        return bool(hits & aws.USER_KEYS)

    def acting(self, arn: str) -> frozenset[str]:
        """The actions that enter identities (lower-case) the catalogue scopes to this ARN."""
        found = self._acting.get(arn)
        if found is None:
            found = self._acting[arn] = frozenset(
                a.lower() for a in _acting_on(_IDENTITY_BY_SERVICE, arn))
        return found

    def role_admits(self, ident: Identity, acts: frozenset[str], admitted) -> bool:
        """Whether these actions let the caller in: assuming it, if its trust names the caller
        (`admitted`: the roles that do), or passing it, if a service may assume it."""
        return bool((acts & aws.ASSUME and ident.arn in admitted)
                    or (acts & aws.PASS and ident.arn in self.passable()))

    def admitted(self, caller: tuple[str | None, str | None]) -> frozenset[str]:
        """The imported roles whose trust policy lets the caller assume them. Candidates come
        from an index of the principals trust policies name (an account's root under the
        account); each is confirmed by `trust_admits`. Equal sets are one object, so callers
        that share them share work."""
        found = self._admitted.get(caller)
        if found is None:
            arn, account = caller
            # a role whose trust names the account but not the caller admits every caller of
            # that account alike: decided once per account; the others, caller by caller
            own = set(self.trust_any).union(self.trust_names.get(arn, ()) if arn else ())
            found = frozenset(r for r in own
                              if trust_admits(self.identities[r].trust, arn, account))
            if account:
                found |= self._account_admits(account) - own
            found = self._admitted[caller] = self._interned.setdefault(found, found)
        return found

    def _account_admits(self, account: str) -> frozenset[str]:
        found = self._by_account.get(account)
        if found is None:
            found = self._by_account[account] = frozenset(
                r for r in self.trust_names.get(account, ())
                if trust_admits(self.identities[r].trust, None, account))
        return found

    def passable(self) -> frozenset[str]:
        """The imported roles some AWS service may assume (what iam:PassRole hands over)."""
        if self._passable is None:
            self._passable = frozenset(
                arn for arn, i in self.identities.items()
                if i.kind == "role" and trust_admits(i.trust, None, None, service=True))
        return self._passable

    def account_dsts(self, acts: _Actions, res: str, caller_account: str | None,
                     where: Location, imported: bool) -> list[str]:
        """A pattern over an env's account reaches whatever exists there (grants as written),
        as far as the actions' resource types can be in an account; role patterns into an
        account with no authz file reach roles nobody can look into. An imported policy's
        role pattern into an account whose authz file is given reaches only the roles that
        file lists (identity_dsts): the file is that account's complete inventory of roles."""
        key = (acts, res, caller_account, imported)
        found = self._account_dsts.get(key)
        if found is None:
            found = self._account_dsts[key] = self._account_dsts_of(acts, res, caller_account,
                                                                    where, imported)
        return found

    def _account_dsts_of(self, acts: _Actions, res: str, caller_account: str | None,
                         where: Location, imported: bool) -> list[str]:
        _, _, service, _, account, resource = arn_fields(res)
        parts = [part for part in acts.per_service() if part.scoped(service)]
        if not parts:
            return []
        known = set(self.account_env) | set(self.accounts)
        if account.isdigit():
            known.add(account)
        out = []
        for acct in sorted(known):
            if not globs_meet(account, acct):
                continue
            named = [part.in_account(res, acct) for part in parts]
            roles = any(roles for _, roles, _ in named)
            keep = roles and not (imported and acct in self.accounts)  # (see identity_dsts)
            here = keep or any(others for others, _, _ in named)
            env = self.account_env.get(acct)
            if here and acct != caller_account and env is not None:
                cred = keep or any(cred for _, _, cred in named)  # entering roles is one
                out.append(self.g.add(Node(
                    f"acct:{acct}:{res}:{'cred' if cred else 'res'}",
                    f'"{res}" in account {acct} ({env})', "account", env, cred,
                    self.m.environments[env].span)))
            if roles and acct not in self.accounts and globs_meet(resource, "role/*") \
                    and not (res in self.arn_node):
                out.append(self.g.add(Node(f"roles:{acct}:{res}", f'roles matching "{res}"',
                                           "role", env, True, where, opaque=True)))
        return out


#: Destinations in order, and the tuples (shared with other runs) they are the union of.
_Run = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]

#: The actions that lead from a statement to an imported role or user.
_IDENTITY_ACTIONS = aws.ASSUME | aws.PASS | aws.USER_KEYS
_IDENTITY_BY_SERVICE = {"sts": ["sts:AssumeRole"],
                        "iam": ["iam:PassRole", "iam:CreateAccessKey", "iam:CreateLoginProfile",
                                "iam:UpdateLoginProfile"]}


@dataclass(frozen=True)
class _Matched:
    """Identities matched once and shared: their nodes and positions in declaration order."""

    nodes: tuple[str, ...]
    orders: list[int]
    arns: frozenset[str]


@dataclass(eq=False)
class _Actions:
    """A statement's IAM actions, grouped as the matching needs them; one object per distinct
    list (cached below), so it keys the per-statement caches by identity."""

    actions: tuple[str, ...]
    by_service: dict[str, list[str]]
    lowered: frozenset[str]
    _scoped: dict[str, list[str]] = field(default_factory=dict)
    _in_account: dict[tuple[str, str], tuple[bool, bool, bool]] = field(default_factory=dict)
    _per_service: list[_Actions] | None = None

    def per_service(self) -> list[_Actions]:
        """The actions of each service, one (cached) object each: statements of random
        action lists still share their services' lists (`ec2:Describe*`), and what is worked
        out about those."""
        if self._per_service is None:
            self._per_service = [_prepared(tuple(acts)) for acts in self.by_service.values()]
        return self._per_service

    def scoped(self, service: str) -> list[str]:
        """For a service pattern: the actions that can be scoped to a resource, in order."""
        found = self._scoped.get(service)
        if found is None:
            meets = {svc for svc, acts in self.by_service.items()
                     if _service_meets(service, acts[0])}
            found = self._scoped[service] = [
                a for a in self.actions
                if a.split(":")[0].lower() in meets and iam.supports_resource_scoping(a)]
        return found

    def in_account(self, res: str, acct: str) -> tuple[bool, bool, bool]:
        """Of the actions that can be scoped to what pattern `res` names in account `acct`:
        whether one does not enter roles, whether one does (sts:AssumeRole, iam:PassRole),
        and whether one of the first kind reads a credential."""
        found = self._in_account.get((res, acct))
        if found is None:
            named = [a for a in self.scoped(arn_fields(res)[2])
                     if aws.names_in_account(a, res, acct)]
            others = [a for a in named if a.lower() not in aws.ASSUME | aws.PASS]
            found = self._in_account[(res, acct)] = (
                bool(others), len(others) < len(named),
                any(aws.credential_action(a) for a in others))
        return found


@cache
def _prepared(actions: tuple[str, ...]) -> _Actions:
    by_service: dict[str, list[str]] = defaultdict(list)
    for a in actions:
        by_service[a.split(":")[0].lower()].append(a)
    return _Actions(actions, dict(by_service), frozenset(a.lower() for a in actions))


@cache
def _written(patterns: tuple[str, ...]) -> _Actions:
    """A statement's `Action` list, expanded against the catalogue."""
    return _prepared(tuple(dict.fromkeys(a for pat in patterns for a in aws.expand(pat))))


@cache
def _all_but(patterns: tuple[str, ...]) -> _Actions:
    """A statement's `NotAction` list: every catalogue action but those."""
    skip = {a for pat in patterns for a in aws.expand(pat)}
    return _prepared(tuple(a for a in aws.expand("*") if a not in skip))


@cache
def _affixes(pattern: str) -> tuple[str, str] | None:
    """The literal text before the first and after the last wildcard; None if there is none."""
    first = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=-1)
    if first < 0:
        return None
    last = max(pattern.rfind("*"), pattern.rfind("?"))
    return pattern[:first], pattern[last + 1:]


def _arn_meets(pattern: str, arn: str) -> bool:
    """globs_meet for an identity's ARN, without its cache (each pair is asked about once per
    statement key), rejecting first by the pattern's literal ends."""
    if "*" in arn or "?" in arn:
        return globs_meet(pattern, arn)
    ends = _affixes(pattern)
    if ends is None:
        return pattern == arn
    head, tail = ends
    if not (arn.startswith(head) and arn.endswith(tail)) or len(arn) < len(head) + len(tail):
        return False
    return globs_meet.__wrapped__(pattern, arn)


def _service_meets(service: str, action: str) -> bool:
    svc = action.split(":")[0].lower()
    return globs_meet(service, svc) or (svc == "sts" and globs_meet(service, "iam"))


def _acting_on(by_service: Mapping[str, list[str]], arn: str) -> list[str]:
    """The actions (of those given) that can be authorized on this ARN."""
    service = arn_fields(arn)[2]
    candidates = by_service.get(service, []) + (by_service.get("sts", []) if service == "iam"
                                                 else [])
    return [a for a in candidates if iam.arn_matches_action(a, arn)]


def _trusted_names(trust: Mapping | None) -> set[str] | None:
    """The AWS principals a trust policy names (a superset of those it admits), an account's
    root (`arn:PARTITION:iam::ACCOUNT:root`, in any partition, as `trust_admits` reads it) also
    as the account; None when it may admit anyone (`*`, or a policy this index cannot read:
    `trust_admits` decides)."""
    if not trust:
        return set()
    names: set[str] = set()
    try:
        for s in statements(trust):
            principal = s.get("Principal")
            if principal == "*":
                return None
            if isinstance(principal, Mapping):
                for name in listed(principal.get("AWS")):
                    if name == "*":
                        return None
                    names.add(name)
                    fields = name.split(":")
                    if len(fields) == 6 and fields[2] == "iam" and fields[5] == "root":
                        names.add(fields[4])
    except (AuthzError, AttributeError, TypeError, ValueError):
        return None
    return names


def _provider_actions(g: Grant) -> set[str]:
    """What a grant outside IAM allows, in its provider's terms: Vault capabilities, else the
    access as written (a GitHub word or `perm:level`, a tool name, `call`, `connect`)."""
    if g.target.kind == "vault" or (g.target.instance or "").startswith("vault_path."):
        return set(vault.capabilities(g.access.value, g.access.raw) or ())
    return {g.access.value}


def github_writes(value: str, raw: bool) -> bool:
    """`write`, or a secret-bearing permission at write or admin: a path to CI secrets."""
    if not raw:
        return value == "write"
    perm, _, level = value.partition(":")
    return perm in GITHUB_SECRET_PATHS and level in WRITE_LEVELS

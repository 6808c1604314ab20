"""The indexed reachability graph against a brute-force pairing of every statement with every
instance and identity (how the graph was built before it was indexed), on small random
accounts: the same nodes, and for every node the same edges in the same order.

CI runs a fixed, derandomized set of examples; a longer local run is random (pick the seed):

    AGENTPOL_GRAPH_EXAMPLES=2000 python -m pytest -q tests/compiler/check/test_graph_index.py \
        --hypothesis-seed=1

A counterexample it finds belongs below as an explicit case (and in proof/ if it changes a
verdict of `agentpol check`).
"""
from __future__ import annotations

import os
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentpol.catalogue import iam
from agentpol.check import aws, graph
from agentpol.check.authz import Account, Identity, Policy, listed, statements, trust_admits
from agentpol.check.graph import Node, _Builder, build, instance_id
from agentpol.globs import arn_fields, globs_meet
from agentpol.model import IamStatement
from helpers import model_from

#: Examples per run; setting it makes the run random (see above).
EXAMPLES = os.environ.get("AGENTPOL_GRAPH_EXAMPLES")

ACCOUNTS = ("333333333333", "222222222222", "444444444444")

PROGRAM = '''
resource secret db { name = "acme/{env}/db" }
resource kms_key k { key_id = "1234abcd-12ab-34cd-56ef-1234567890ab" }
resource iam_role ops { name = "ops" }
resource s3_bucket data { name = "acme-data-{env}" }
agent bot {
  owner = "a@acme.com"
  in staging, prod {
    allow read on secret.db
    allow "sts:AssumeRole" on "arn:aws:iam::*:role/*"
    allow "iam:PassRole" on iam_role.ops
    allow "iam:CreateAccessKey" on "arn:aws:iam::222222222222:user/*"
    allow "kms:Decrypt" on kms_key.k
  }
}
'''

ACTIONS = ["sts:AssumeRole", "iam:PassRole", "iam:CreateAccessKey", "iam:CreateLoginProfile",
           "iam:*", "sts:*", "*", "s3:GetObject", "secretsmanager:GetSecretValue",
           "kms:Decrypt", "iam:Get*"]
NAMES = ["ops", "a", "b", "c1", "admin"]


def _resources(account: str) -> list[str]:
    return ["*", f"arn:aws:iam::{account}:role/*", "arn:aws:iam::*:role/a*",
            f"arn:aws:iam::{account}:role/ops", "arn:aws:iam::*:user/?", "arn:aws:iam::*:*",
            "arn:aws:secretsmanager:*:*:secret:acme/prod/*", "arn:aws:s3:::acme-data-*/*",
            "arn:aws:kms:*:222222222222:key/*", f"arn:aws:iam::{account}:role/c*"]


@st.composite
def _statement(draw, account):
    s = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    acts = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3))
    s["NotAction" if draw(st.integers(0, 9)) == 0 else "Action"] = acts
    if draw(st.booleans()):
        s["Resource"] = draw(st.lists(st.sampled_from(_resources(account)), min_size=1,
                                      max_size=3))
    return s


@st.composite
def _trust(draw, account):
    principals = [{"Service": "lambda.amazonaws.com"}, "*", {"AWS": "*"},
                  {"AWS": f"arn:aws:iam::{account}:root"}, {"AWS": account},
                  {"AWS": f"arn:aws-iso:iam::{account}:root"},
                  {"AWS": f"arn:aws:iam::{draw(st.sampled_from(ACCOUNTS))}:role/"
                          f"{draw(st.sampled_from(NAMES))}"},
                  {"AWS": "arn:aws:iam::222222222222:role/agentpol-bot"},
                  {"AWS": "arn:aws:iam::333333333333:role/agentpol-bot"}]
    chosen = draw(st.lists(st.sampled_from(principals), max_size=2))
    return {"Statement": [{"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
                           "Principal": p, "Action": "sts:AssumeRole"} for p in chosen]}


@st.composite
def _account(draw, account):
    shared = [{"Statement": draw(st.lists(_statement(account), max_size=3))}
              for _ in range(draw(st.integers(0, 2)))]
    identities = []
    for kind in ("role", "user"):
        for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4)):
            docs = [{"Statement": draw(st.lists(_statement(account), max_size=2))}]
            docs += [d for d in shared if draw(st.booleans())]  # managed policies are shared
            arn = f"arn:aws:iam::{account}:{kind}/{name}"
            policies = tuple(Policy(f"p{i}", d, f"{account}.json:{name} (policy p{i})")
                             for i, d in enumerate(docs))
            identities.append(Identity(kind, arn, name, account, policies,
                                       draw(_trust(account)) if kind == "role" else None,
                                       f"{account}.json:{name}"))
    return Account(account, f"{account}.json", tuple(identities))


_MODEL = []


def _model():
    if not _MODEL:
        _MODEL.append(model_from(PROGRAM))
    return _MODEL[0]


class _BruteForce(_Builder):
    """Every statement against every instance and identity, linked one edge at a time."""

    def policy_edges(self, src, ident, doc, where):
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
            self.iam_edges(src, caller, (IamStatement(actions, resources),), via, where,
                           imported=True)

    def iam_edges(self, src, caller, grants, via, where, imported=False):
        for ig in grants:
            if not ig.actions:
                continue
            by_service = defaultdict(list)
            for a in ig.actions:
                by_service[a.split(":")[0].lower()].append(a)
            for res in ig.resources:
                self._instances(src, caller, by_service, res, via, where)
                self._identities(src, caller, by_service, res, via, where)
                self._accounts(src, caller, ig.actions, res, via, where, imported)

    def _admits(self, ident, caller, acts):
        return bool((acts & aws.ASSUME and trust_admits(ident.trust, *caller))
                    or (acts & aws.PASS and trust_admits(ident.trust, *caller, service=True)))

    def _instances(self, src, caller, by_service, res, via, where):
        for inst, arns in self.aws_instances:
            acts = {a.lower() for arn in arns if globs_meet(res, arn)
                    for a in _acting_on(by_service, arn)}
            if not acts:
                continue
            node = instance_id(inst.key)
            if inst.type == "iam_role":
                ident = self.identities.get(arns[0])
                if not acts & (aws.ASSUME | aws.PASS) or (
                        ident is not None and not self._admits(ident, caller, acts)):
                    continue
            if inst.type == "kms_key" and "kms:decrypt" in acts:
                node += "#decrypt"
            if node != src:  # a declared role, also imported, reaching itself: no edge
                self.g.link(src, node, via, where)

    def _identities(self, src, caller, by_service, res, via, where):
        for arn, ident in self.identities.items():
            node = self.arn_node[arn]
            if not node.startswith(f"{ident.kind}:") or node == src or not globs_meet(res, arn):
                continue
            acts = {a.lower() for a in _acting_on(by_service, arn)}
            if ident.kind == "role" and self._admits(ident, caller, acts):
                self.g.link(src, node, via, where)
            elif ident.kind == "user" and acts & aws.USER_KEYS:
                self.g.link(src, node, via, where)

    def _accounts(self, src, caller, actions, res, via, where, imported):
        _, _, service, _, account, resource = arn_fields(res)
        scoped = [a for a in actions if graph._service_meets(service, a)
                  and iam.supports_resource_scoping(a)]
        if not scoped:
            return
        known = set(self.account_env) | set(self.accounts)
        if account.isdigit():
            known.add(account)
        for acct in sorted(known):
            if not globs_meet(account, acct):
                continue
            here = [a for a in scoped if aws.names_in_account(a, res, acct)]
            roles = [a for a in here if a.lower() in aws.ASSUME | aws.PASS]
            if imported and acct in self.accounts:  # its authz file lists every role
                here = [a for a in here if a not in roles]
            env = self.account_env.get(acct)
            if here and acct != caller[1] and env is not None:
                cred = any(aws.credential_action(a) for a in here)
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


def _acting_on(by_service, arn):
    service = arn_fields(arn)[2]
    candidates = by_service.get(service, []) + (by_service.get("sts", []) if service == "iam"
                                                 else [])
    return [a for a in candidates if iam.arn_matches_action(a, arn)]


def _assert_same(accounts):
    model = _model()
    indexed = build(model, accounts)
    brute = _BruteForce(model, tuple(accounts)).build()
    assert list(indexed.nodes.items()) == list(brute.nodes.items())
    assert indexed.sources() == brute.sources()
    for src in sorted(brute.sources()):
        assert indexed.edges(src) == brute.edges(src), src
        assert all(e.dst != src for e in indexed.edges(src)), src
    principals = [n for n in brute.nodes.values() if n.kind == "principal"]
    for p in principals:  # the walk over shared runs finds what the walk over edges finds
        first = brute.edges(p.id)
        assert indexed.reach(first) == brute.reach(first)
    assert indexed.opaque_roles() == brute.opaque_roles()
    return indexed


@settings(max_examples=int(EXAMPLES or 60), derandomize=EXAMPLES is None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ACCOUNTS), unique=True, min_size=1).flatmap(
    lambda accts: st.tuples(*(_account(a) for a in accts))))
def test_indexed_graph_equals_brute_force(accounts):
    _assert_same(accounts)


# --- counterexamples random runs found, kept as explicit cases ---------------------------

_LAMBDA = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                          "Action": "sts:AssumeRole"}]}


def _role(account, name, statement, trust):
    arn = f"arn:aws:iam::{account}:role/{name}"
    policy = Policy("p0", {"Statement": [statement]}, f"{account}.json:{name} (policy p0)")
    return Identity("role", arn, name, account, (policy,), trust, f"{account}.json:{name}")


def test_declared_role_passing_only_itself_is_no_edge():
    """`ops` is declared (iam_role.ops@staging) and imported; its one statement passes only
    itself. The index dropped that run (no source), the pairing kept a self-edge: a role
    reaching itself is no edge, declared or imported."""
    ops = _role("333333333333", "ops", {"Effect": "Allow", "Action": "iam:PassRole",
                                        "Resource": "arn:aws:iam::333333333333:role/ops"},
                _LAMBDA)
    g = _assert_same((Account("333333333333", "333333333333.json", (ops,)),))
    assert instance_id("iam_role.ops@staging") not in g.sources()


def test_declared_role_reaching_itself_among_others():
    """The same role, with a statement that also reaches prod's opaque roles: its edges are
    those, without the one to itself."""
    ops = _role("333333333333", "ops", {"Effect": "Allow", "NotAction": "sts:AssumeRole",
                                        "Resource": "*"}, _LAMBDA)
    g = _assert_same((Account("333333333333", "333333333333.json", (ops,)),))
    src = instance_id("iam_role.ops@staging")
    assert "roles:222222222222:*" in {e.dst for e in g.edges(src)}
    assert src not in {e.dst for e in g.edges(src)}


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-iso", "aws-iso-b", "aws-eusc"])
def test_trust_in_the_callers_account_root_of_any_partition(partition):
    """A trust policy naming the caller's account root admits the caller in whichever
    partition it is written (as `trust_admits` reads it); the index knew three partitions
    and missed the rest: neither bot@staging nor role `a` could assume `b`."""
    trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": {"AWS": f"arn:{partition}:iam::333333333333:root"}}]}
    a = _role("333333333333", "a", {"Effect": "Allow", "Action": "sts:AssumeRole",
                                    "Resource": "*"}, {"Statement": []})
    b = _role("333333333333", "b", {"Effect": "Allow", "Action": "s3:GetObject",
                                    "Resource": "*"}, trust)
    g = _assert_same((Account("333333333333", "333333333333.json", (a, b)),))
    for src in ("p:bot@staging", "role:arn:aws:iam::333333333333:role/a"):
        assert "role:arn:aws:iam::333333333333:role/b" in {e.dst for e in g.edges(src)}, src

"""The proof, computed two ways: for random small programs, what the reachability graph says each
principal can do to each resource instance equals what a brute-force oracle finds by evaluating
the compiled artifacts themselves (the IAM evaluator over each role's identity policies, the
Vault policy) against every instance, in every region.

The oracle reads the Allow statements only: the proof is over grants as written, not over the
account guard or the other denies the AWS target adds (docs/checks.md), and the programs here
hold no `deny`. Triples are over concrete instances (a pattern-identity resource is a grant's
target, not a triple's).

CI runs a fixed, derandomized set of examples; for a longer local run:

    AGENTPOL_PROPERTY_EXAMPLES=2000 python -m pytest -q tests/compiler/check/test_proof_property.py

A counterexample it shrinks to belongs in the corpus (proof/leaks or proof/near).
"""
from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import model_from

from agentpol import artifacts, pipeline
from agentpol.catalogue import aws_access, vault
from agentpol.check import aws
from agentpol.check.expect import _concrete, _context, _vault_allows, vault_rules
from agentpol.evaluate import iam as iam_eval
from agentpol.check.graph import build, principal_id
from agentpol.errors import InputErrors

EXAMPLES = int(os.environ.get("AGENTPOL_PROPERTY_EXAMPLES", "30"))

ENVS = """
environment staging { aws_account = "333333333333" }
environment prod {
  aws_account = "222222222222"
  regions = ["us-east-1", "eu-west-1"]
  protected = true
  audit_log = log_group.audit
}
resource log_group audit { name = "/acme/{env}/audit", env = prod }
"""

#: name -> (declaration, envs it exists in)
RESOURCES = {
    "secret.db": ('resource secret db { name = "{env}/db" }', ("staging", "prod")),
    "s3_bucket.exports": ('resource s3_bucket exports { name = "acme-exports-{env}" }',
                          ("staging", "prod")),
    "s3_bucket.docs": ('resource s3_bucket docs { name = "acme-docs", prefix = "{env}/" }',
                       ("staging", "prod")),
    "s3_bucket.any-exports": ('resource s3_bucket any-exports { name = "acme-exports-*", '
                              "env = staging }", ("staging",)),
    "dynamodb_table.t": ('resource dynamodb_table t { name = "t-{env}" }', ("staging", "prod")),
    "dynamodb_table.pinned": ('resource dynamodb_table pinned { name = "pinned", '
                              'region = "eu-west-1", env = prod }', ("prod",)),
    "sqs_queue.q": ('resource sqs_queue q { name = "q-{env}-{region}" }', ("staging", "prod")),
    "ssm_parameter.keys": ('resource ssm_parameter keys { name = "/a/{env}/*", secure = true }',
                           ("staging", "prod")),
    "ssm_parameter.key": ('resource ssm_parameter key { name = "/a/{env}/k", secure = true }',
                          ("staging", "prod")),
    "vault_path.v": ('resource vault_path v { path = "secret/{env}/x" }', ("staging", "prod")),
    "vault_path.vall": ('resource vault_path vall { path = "secret/*", env = staging }',
                        ("staging",)),
    "vault_path.vplus": ('resource vault_path vplus { path = "secret/+/x", env = staging }',
                         ("staging",)),
}

#: Raw grants: (access, target) as written.
RAW = [
    ('"secretsmanager:GetSecretValue"', '"arn:aws:secretsmanager:*:222222222222:secret:prod/*"'),
    ('"secretsmanager:GetSecretValue"', '"arn:aws:secretsmanager:us-east-1:*:secret:*"'),
    ('"s3:GetObject"', '"arn:aws:s3:::acme-exports-*/*"'),
    ('"s3:ListBucket"', '"arn:aws:s3:::acme-*"'),
    ('"dynamodb:GetItem"', '"arn:aws:dynamodb:eu-west-1:*:table/*"'),
    ('"dynamodb:PutItem"', '"arn:aws:dynamodb:{region}:{account}:table/t-*"'),
    ('"sqs:SendMessage"', '"arn:aws:sqs:*:222222222222:q-*"'),
    ('"ssm:GetParameter"', '"arn:aws:ssm:*:*:parameter/a/prod/*"'),
    ("read", '"secret/prod/*"'),
    ("write", '"secret/+/x"'),
]


@st.composite
def programs(draw) -> str:
    """A program: some resources, and agents whose statements use them (by reference, in
    their own env or another's) or raw patterns."""
    names = draw(st.sets(st.sampled_from(sorted(RESOURCES)), min_size=1, max_size=6))
    out = [ENVS] + [RESOURCES[n][0] for n in sorted(names)]
    for agent in ("bot", "helper"):
        blocks = []
        for env in draw(st.sets(st.sampled_from(["staging", "prod"]), min_size=1)):
            lines = []
            for n in draw(st.lists(st.sampled_from(sorted(names)), max_size=3, unique=True)):
                rtype = n.split(".")[0]
                where = draw(st.sampled_from(RESOURCES[n][1]))
                word = draw(st.sampled_from(_words(rtype)))
                ref = n if where == env else f"{n}@{where}"
                lines.append(f"allow {word} on {ref}")
            for access, target in draw(st.lists(st.sampled_from(RAW), max_size=2, unique=True)):
                lines.append(f"allow {access} on {target}")
            if lines:
                blocks.append(f"  in {env} {{\n    " + "\n    ".join(lines) + "\n  }")
        if blocks:
            out.append(f'agent {agent} {{\n  owner = "t@acme.com"\n' + "\n".join(blocks)
                       + "\n}")
    return "\n".join(out) + "\n"


def _words(rtype: str) -> tuple[str, ...]:
    return tuple(vault.WORDS) if rtype == "vault_path" else aws_access.valid_words(rtype)


def _allows_only(doc: dict) -> dict:
    """A policy without its Deny statements (the guards are a second line, not the proof)."""
    return {**doc, "Statement": [s for s in doc["Statement"] if s["Effect"] == "Allow"]}


def oracle(model, files, p, inst, word) -> bool:
    """Whether the compiled artifacts let `p` do any part of `word` on `inst`."""
    if inst.type == "vault_path":
        rules = vault_rules(files.get(f"tokens/{p.env}/{p.agent}/vault-policy.hcl", ""))
        path = str(inst.attr("path"))
        return any(_vault_allows(rules, vault.rule_path(path, word, False), c)
                   for c in vault.WORDS[word])
    base = f"aws/{p.env}/{p.agent}/"
    docs = [_allows_only(json.loads(text)) for path, text in sorted(files.items())
            if path.startswith(base + "identity-policy")]
    if not docs:
        return False
    for where in _places(inst):
        for s in aws_access.statements_for(inst.type, word, *where):
            for action in s.actions:
                for arn in s.resources:
                    if arn == "*":
                        continue
                    request = iam_eval.Request(action, _concrete(arn), _context(s.condition))
                    if iam_eval.evaluate(request, docs).allowed:
                        return True
    return False


def _places(inst):
    """(attributes, account, region) of each region the instance exists in."""
    return [(attrs, inst.account or "", region or "us-east-1")
            for region, attrs in inst.placements()]


def proof(model, graph, p, inst, word) -> bool:
    """What the graph says: `p` reaches `inst` by an action of `word`."""
    acts = graph.acts.get((principal_id(p.key), inst.key), set())
    if inst.type == "vault_path":
        return bool(acts & set(vault.WORDS[word]))
    wanted = {a.lower() for where in _places(inst)
              for s in aws_access.statements_for(inst.type, word, *where)
              for a, r in ((a, r) for a in s.actions for r in s.resources) if r != "*"}
    return bool(acts & wanted)


TARGETS = pipeline.targets()


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_proof_equals_the_artifacts(source):
    try:
        model = model_from(source, with_envs=False)
    except InputErrors:  # e.g. a shared identity the generator made: not this property's
        return
    graph = build(model)
    files = artifacts.build(model, TARGETS, ["aws", "tokens"])
    disagree = []
    for p in model.principals.values():
        for inst in model.instances.values():
            if inst.type == "log_group" or aws.pattern_identity(inst):
                continue
            for word in _words(inst.type):
                want, got = oracle(model, files, p, inst, word), proof(model, graph, p, inst, word)
                if want != got:
                    disagree.append(f"{p.key} {word} {inst.key}: artifacts {want}, proof {got}")
    assert not disagree, source + "\n" + "\n".join(disagree)


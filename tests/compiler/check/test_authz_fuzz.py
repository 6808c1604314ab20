"""The authz reader on the real get-account-authorization-details shape, fuzzed: a well-formed
file always reads (every role and policy kept); any element replaced by any JSON value either
reads or is an AuthzError (an input error naming the file), and whatever reads, the proof's
graph is built from without an exception."""
from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentpol.check.authz import AuthzError, read
from agentpol.check.graph import build
from helpers import model_from

ACCOUNT = "333333333333"
names = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)
actions = st.sampled_from(["s3:GetObject", "sts:AssumeRole", "secretsmanager:GetSecretValue",
                           "iam:PassRole", "*", "ssm:Get*", "kms:Decrypt"])
resources = st.sampled_from(["*", "arn:aws:secretsmanager:us-east-1:222222222222:secret:*",
                             f"arn:aws:iam::{ACCOUNT}:role/*", "arn:aws:s3:::b/*",
                             "arn:aws:iam::222222222222:role/deployer"])
one_or_many = lambda s: st.one_of(s, st.lists(s, min_size=1, max_size=3))  # noqa: E731


def statement(trust: bool):
    base = {"Effect": st.sampled_from(["Allow", "Deny"]), "Action": one_or_many(actions)}
    if trust:
        base["Principal"] = st.one_of(st.just("*"), st.fixed_dictionaries({"AWS": one_or_many(
            st.sampled_from([ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root",
                             "arn:aws:iam::222222222222:role/agent-runner"]))}))
    else:
        base["Resource"] = one_or_many(resources)
    return st.fixed_dictionaries(base)


def document(trust: bool = False):
    doc = st.fixed_dictionaries({"Version": st.just("2012-10-17"),
                                 "Statement": st.lists(statement(trust), max_size=3)})
    # the raw API returns documents as URL-encoded JSON text, the CLI as objects
    return st.one_of(doc, doc.map(lambda d: json.dumps(d).replace("{", "%7B")))


@st.composite
def gaad(draw):
    policies = {n: {"PolicyName": n, "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{n}",
                    "DefaultVersionId": "v1", "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": True,
                         "Document": draw(document())}]}
                for n in draw(st.lists(names, max_size=2, unique=True))}
    roles = []
    for n in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
        roles.append({
            "RoleName": n, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{n}", "Path": "/",
            "AssumeRolePolicyDocument": draw(document(trust=True)),
            "RolePolicyList": [{"PolicyName": p, "PolicyDocument": draw(document())}
                               for p in draw(st.lists(names, max_size=2, unique=True))],
            "AttachedManagedPolicies": [{"PolicyName": p, "PolicyArn": policies[p]["Arn"]}
                                        for p in draw(st.sets(st.sampled_from(sorted(policies))))
                                        ] if policies else [],
        })
    return {"RoleDetailList": roles, "UserDetailList": [], "GroupDetailList": [],
            "Policies": list(policies.values())}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@cache
def _model():
    return model_from('resource secret s { name = "{env}/s" }\n'
                      'agent a {\n  owner = "o"\n  in staging, prod { allow read on secret.s }\n}\n')


def _read(doc) -> object:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d, "authz.json")
        path.write_text(json.dumps(doc))
        return read(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gaad())
def test_a_well_formed_file_reads_whole(doc):
    account = _read(doc)
    assert account.account == ACCOUNT
    assert sorted(r.name for r in account.roles) == sorted(r["RoleName"]
                                                          for r in doc["RoleDetailList"])
    for role, raw in zip(sorted(account.roles, key=lambda r: r.name),
                         sorted(doc["RoleDetailList"], key=lambda r: r["RoleName"])):
        assert len(role.policies) == len(raw["RolePolicyList"]) + len(
            raw["AttachedManagedPolicies"])
    build(_model(), [account])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gaad(), st.data())
def test_any_element_replaced_reads_or_is_an_input_error(doc, data):
    path = data.draw(st.sampled_from(list(_paths(doc))))
    replacement = data.draw(json_values)
    if path:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = replacement
    else:
        doc = replacement
    try:
        account = _read(doc)
    except AuthzError as exc:
        assert exc.diagnostics and all(d.code == "E040" for d in exc.diagnostics)
        assert all(d.span.file.endswith("authz.json") for d in exc.diagnostics)
        return
    build(_model(), [account])

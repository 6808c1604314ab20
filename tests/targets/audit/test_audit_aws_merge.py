"""The AWS target's identity policies and boundaries carry the log-sink deny of
`audit/E/log-sink.json`: the same statement, so one list guards the record."""
from __future__ import annotations

import json

import pytest

from agentpol.evaluate.iam import Decision, Request, evaluate
from agentpol.targets import aws, audit


@pytest.fixture(scope="module")
def files(acme_model):
    return {**aws.emit(acme_model), **audit.emit(acme_model)}


def _identity(files, env, agent):
    prefix = f"aws/{env}/{agent}/identity-policy"
    docs = [json.loads(t) for p, t in sorted(files.items()) if p.startswith(prefix)]
    assert docs, f"no identity policy for {agent}@{env}"
    return docs


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_every_role_carries_the_log_sink_deny(files, env):
    sink = json.loads(files[f"audit/{env}/log-sink.json"])
    (statement,) = sink["statements"]
    boundary = None
    for role in sink["roles"]:
        agent = role.rsplit("/agentpol-", 1)[1]
        docs = _identity(files, env, agent)
        assert any(statement in d["Statement"] for d in docs), agent
        boundary = json.loads(files[f"aws/{env}/{agent}/permissions-boundary.json"])
        assert statement in boundary["Statement"]
        group = statement["Resource"][0]
        for action in ("logs:DeleteLogGroup", "logs:PutRetentionPolicy"):
            assert evaluate(Request(action, group + ":*"), docs, boundary) is \
                Decision.EXPLICIT_DENY
    assert boundary is not None


def test_roles_match_the_aws_target(files):
    for env in ("staging", "prod"):
        sink = json.loads(files[f"audit/{env}/log-sink.json"])
        agents = {p.split("/")[2] for p in files if p.startswith(f"aws/{env}/") and
                  p.endswith("/trust-policy.json")}
        assert {r.rsplit("/agentpol-", 1)[1] for r in sink["roles"]} == agents

"""Every resource an agent can reach is on record and out of the agents' reach to erase.

Walks the emitted audit files for acme and for a fixture that adds every data-event type, raw
ARNs, raw GitHub repositories and Vault paths and a shadow principal, and checks each grant of
each principal (live, shadow or pending) against the file that must cover it.
"""
from __future__ import annotations

import json

import pytest

from agentpol.catalogue.cloudtrail import DATA_EVENT_TYPES
from agentpol.evaluate.iam import Decision, Request, evaluate
from agentpol.model import AWS_TYPES
from agentpol.targets.audit import emit
from audit_fixture import SOURCE
from audit_readback import event_arn, recorded, rulesets, selectors
from helpers import model_from


@pytest.fixture(scope="module", params=["acme", "fixture"])
def case(request, acme_model):
    model = acme_model if request.param == "acme" else model_from(SOURCE)
    return model, emit(model)


def _grants(model):
    for p in model.principals.values():
        for g in p.grants:
            yield p, g, model.instances.get(g.target.instance or "")


def test_every_aws_resource_is_recorded(case):
    model, files = case
    checked = 0
    for p, g, inst in _grants(model):
        if inst is None or inst.type not in DATA_EVENT_TYPES:
            continue
        env = model.environments[p.env]
        assert recorded(selectors(files, p.env), "Data", DATA_EVENT_TYPES[inst.type],
                        event_arn(inst, env)), f"{p.key}: {g.target} not recorded"
        checked += 1
    assert checked


def test_management_events_recorded_in_every_env_with_an_account(case):
    """Types without data events (secrets, KMS, SSM, roles, ...) are management events."""
    model, files = case
    for env in model.environments.values():
        if env.aws_account:
            assert recorded(selectors(files, env.name), "Management")


def test_every_repository_an_agent_writes_has_a_ruleset(case):
    model, files = case
    for p, g, inst in _grants(model):
        repo = inst.attr("repo") if inst is not None else (
            g.target.raw if g.target.kind == "github" else None)
        if repo is None:
            continue
        level = "write" if g.access.value == "write" else g.access.value.rpartition(":")[2]
        found = rulesets(files, p.env).get(repo)
        if level in ("write", "admin"):
            assert found is not None, f"{p.key}: {repo} has no ruleset"
            assert p.key in found["writers"]
            body = found["body"]
            assert body["enforcement"] == "active" and body["bypass_actors"] == []
            assert body["conditions"]["ref_name"]["include"] == ["~ALL"]
            assert {r["type"] for r in body["rules"]} == {"non_fast_forward", "deletion"}
            assert found["path"] == f"/repos/{repo}/rulesets"


def test_every_vault_path_is_covered(case):
    model, files = case
    for p, g, inst in _grants(model):
        if (inst is None or inst.type != "vault_path") and g.target.kind != "vault":
            continue
        doc = json.loads(files[f"audit/{p.env}/vault-audit.json"])
        covered = {c["principal"]: c["paths"] for c in doc["covers"]}
        assert p.key in covered
        assert doc["body"]["type"] in ("file", "socket")
        assert doc["body"]["options"]["log_raw"] == "false"


def test_every_audit_log_is_guarded(case):
    model, files = case
    for env in model.environments.values():
        if env.audit_log is None:
            assert f"audit/{env.name}/log-sink.json" not in files
            continue
        doc = json.loads(files[f"audit/{env.name}/log-sink.json"])
        group = model.instance(env.audit_log)
        arn = f"arn:aws:logs:{group.region}:{group.account}:log-group:{group.attr('name')}"
        policy = {"Version": "2012-10-17", "Statement": doc["statements"]}
        for action, resource in (("logs:DeleteLogGroup", arn), ("logs:DeleteLogGroup", arn + ":*"),
                                 ("logs:PutRetentionPolicy", arn + ":*"),
                                 ("logs:DeleteRetentionPolicy", arn + ":*"),
                                 ("logs:DeleteLogStream", arn + ":log-stream:run-1")):
            assert evaluate(Request(action, resource), [policy]) is Decision.EXPLICIT_DENY, action
        # writing the record stays possible
        assert evaluate(Request("logs:PutLogEvents", arn + ":log-stream:run-1"),
                        [policy]) is not Decision.EXPLICIT_DENY
        with_aws = {p.agent for p in model.principals_in(env.name)
                    if any(g.target.kind == "aws" or (g.target.instance and model.instance(
                        g.target.instance).type in AWS_TYPES) for g in p.grants)}
        assert doc["roles"] == [f"arn:aws:iam::{env.aws_account}:role/agentpol-{a}"
                                for a in sorted(with_aws)]
        assert doc["retention"]["logGroupName"] == group.attr("name")
        assert doc["retention"]["retentionInDays"] in (365, 400, 545, 731, 1096, 1827, 3653)


def test_every_tool_server_with_upstreams_is_locked(case):
    model, files = case
    for inst in model.instances.values():
        if inst.type != "mcp_server" or not inst.attr("upstream"):
            continue
        envs = [inst.env] if inst.env else list(model.environments)
        for env in envs:
            for name in ("networkpolicy.yaml", "cilium.yaml", "squid.conf"):
                assert f"network/{env}/mcp-{inst.name}/{name}" in files


@pytest.mark.parametrize("env,account", [("dev", "111111111111"), ("staging", "333333333333"),
                                         ("prod", "222222222222")])
def test_acme_granted_prefix_and_table_of_every_env(acme_model, env, account):
    sels = selectors(emit(acme_model), env)
    assert recorded(sels, "Data", "AWS::S3::Object",
                    f"arn:aws:s3:::acme-exports-{env}/support/2026/tickets.csv")
    assert recorded(sels, "Data", "AWS::DynamoDB::Table",
                    f"arn:aws:dynamodb:us-east-1:{account}:table/tickets-{env}")

"""Principals of an env beyond its agents: its `aws_runtime` and its agents' deployed roles (read
from an authz file), and `env-bridge` for an imported role no principal reaches. Each leak has a
near miss that must stay clean."""
from __future__ import annotations

import json

from agentpol.pipeline import check
from agentpol.report import dot
from helpers import model_from

STAGING, PROD = "333333333333", "222222222222"
PROD_SECRET = f"arn:aws:secretsmanager:us-east-1:{PROD}:secret:prod/*"
STAGING_SECRET = f"arn:aws:secretsmanager:us-east-1:{STAGING}:secret:staging/*"
PROGRAM = '''resource secret token { name = "{env}/token" }
agent bot {
  owner = "o@acme.com"
  in staging, prod { allow read on secret.token }
}
'''


def role(name: str, *resources: str, trust_service: str = "ec2.amazonaws.com",
         action: str = "secretsmanager:GetSecretValue") -> dict:
    return {
        "RoleName": name, "Arn": f"arn:aws:iam::{STAGING}:role/{name}",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": trust_service}}]},
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": action, "Resource": list(resources)}]}}]
        if resources else [],
    }


def run(tmp_path, *roles: dict):
    path = tmp_path / "staging.json"
    path.write_text(json.dumps({"Account": STAGING, "RoleDetailList": list(roles)}))
    return check(model_from(PROGRAM), authz=[path]), str(path)


def by_rule(report, rule):
    return [f for f in report.findings if f.rule == rule]


def test_a_runtime_that_reads_prod_secrets_is_cross_env(tmp_path):
    report, path = run(tmp_path, role("agent-runner", PROD_SECRET))
    (f,) = by_rule(report, "cross-env-credential")
    assert f.message.startswith("aws_runtime of staging")
    assert f.location == f"{path}:agent-runner"
    assert f.witness[2].where == f"{path}:agent-runner (inline policy p)"
    assert [h.label for h in f.witness][1] == f"arn:aws:iam::{STAGING}:role/agent-runner"
    assert by_rule(report, "env-bridge") == []


def test_a_runtime_that_reads_its_own_env_is_clean(tmp_path):
    report, _ = run(tmp_path, role("agent-runner", STAGING_SECRET))
    assert report.errors == () and by_rule(report, "env-bridge") == []


def test_a_deployed_agent_role_widened_by_hand_is_the_agent(tmp_path):
    report, path = run(tmp_path, role("agentpol-bot", STAGING_SECRET, PROD_SECRET))
    (f,) = by_rule(report, "cross-env-credential")
    assert f.message.startswith("bot@staging")
    assert [h.via for h in f.witness][1] == "runs as (deployed role)"
    assert f.witness[1].where == f"{path}:agentpol-bot"
    assert f.witness[2].where == f"{path}:agentpol-bot (inline policy p)"


def test_a_deployed_agent_role_as_compiled_is_clean(tmp_path):
    report, _ = run(tmp_path, role("agentpol-bot", STAGING_SECRET))
    assert report.errors == ()


def test_a_legacy_role_no_agent_reaches_is_an_env_bridge(tmp_path):
    report, path = run(tmp_path, role("legacy", PROD_SECRET))
    (f,) = by_rule(report, "env-bridge")
    assert f.severity == "warning" and report.errors == ()
    assert f.witness[0].label == f"arn:aws:iam::{STAGING}:role/legacy"
    assert "secret.token@prod" in f.message
    drawn = dot.render(report)
    assert "color=orange" in drawn and "role/legacy" in drawn


def test_a_legacy_role_an_agent_reaches_is_the_agents_leak_not_a_bridge(tmp_path):
    legacy = role("legacy", PROD_SECRET)
    legacy["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {
        "AWS": f"arn:aws:iam::{STAGING}:role/agentpol-bot"}
    deployed = role("agentpol-bot", f"arn:aws:iam::{STAGING}:role/legacy",
                    action="sts:AssumeRole")
    report, _ = run(tmp_path, legacy, deployed)
    assert by_rule(report, "env-bridge") == []
    (f,) = by_rule(report, "cross-env-credential")
    assert "role/legacy" in " ".join(h.label for h in f.witness)


def test_a_legacy_role_reading_its_own_env_is_no_bridge(tmp_path):
    report, _ = run(tmp_path, role("legacy", STAGING_SECRET))
    assert by_rule(report, "env-bridge") == []


def test_a_role_that_can_assume_itself_terminates(tmp_path):
    loop = role("loop", f"arn:aws:iam::{STAGING}:role/loop", PROD_SECRET, action="*")
    loop["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {"AWS": STAGING}
    report, _ = run(tmp_path, loop)
    assert [f.rule for f in report.findings if f.rule == "env-bridge"] == ["env-bridge"]

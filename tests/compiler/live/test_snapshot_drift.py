"""`agentpol snapshot aws` and `agentpol drift` against a real moto server (boto3 over HTTP)."""
from __future__ import annotations

import json

import boto3
import pytest

from agentpol.cli import main
from helpers import policy_dir
from deploy import apply, reset
from moto_server import aws_env, moto_server

MOTO_ACCOUNT = "123456789012"  # the account moto answers as
ENVS = f'''
environment staging {{ aws_account = "{MOTO_ACCOUNT}", audit_log = log_group.audit }}
environment prod {{ aws_account = "222222222222", protected = true, audit_log = log_group.audit }}
resource log_group audit {{ name = "/acme/{{env}}/audit" }}
resource dynamodb_table tickets {{ name = "tickets-{{env}}" }}
'''
AGENT = '''
agent bot {
  owner = "team@acme.com"
  in staging {
    allow read, write on dynamodb_table.tickets
    allow "sts:AssumeRole" on "arn:aws:iam::{account}:role/legacy-*"
  }
}
'''.replace("{account}", MOTO_ACCOUNT)


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture
def compiled(tmp_path, monkeypatch, endpoint):
    aws_env(monkeypatch, endpoint)
    out = tmp_path / "out"
    with policy_dir(ENVS + AGENT, with_envs=False) as d:
        assert main(["compile", str(d), "-o", str(out), "--target", "aws"]) == 0
    reset(boto3.client("iam"))
    apply(out / "aws" / "staging" / "main.tf.json", boto3.client("iam"))
    return out


def test_applied_roles_show_no_drift_live_or_from_a_snapshot(compiled, tmp_path, capsys):
    assert main(["drift", str(compiled), "--aws"]) == 0
    snap = tmp_path / "authz.json"
    assert main(["snapshot", "aws", "-o", str(snap)]) == 0
    details = json.loads(snap.read_text())
    assert [r["RoleName"] for r in details["RoleDetailList"]] == ["agentpol-bot"]
    assert main(["drift", str(compiled), "--aws-authz", str(snap)]) == 0
    assert "0 drift(s) in 1 account(s)" in capsys.readouterr().out


def test_changes_made_outside_the_review_are_drift(compiled, capsys):
    iam = boto3.client("iam")
    iam.put_role_policy(RoleName="agentpol-bot", PolicyName="hotfix", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                 "Resource": "*"}]}))
    arn = f"arn:aws:iam::{MOTO_ACCOUNT}:policy/agentpol-bot-identity"
    doc = json.loads(json.dumps(iam.get_policy_version(
        PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]))
    doc["Statement"][0]["Action"] = ["dynamodb:*"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc), SetAsDefault=True)
    iam.create_role(RoleName="agentpol-ghost", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))
    assert main(["drift", str(compiled), "--aws"]) == 1
    out = capsys.readouterr().out
    assert "staging agentpol-bot: unexpected inline policy hotfix" in out
    assert ("staging agentpol-bot: policy agentpol-bot-identity (version v2 in use) differs "
            "from the compiled one: adds Allow dynamodb:* on") in out
    assert "staging agentpol-ghost: role exists but is no longer compiled" in out


def test_missing_role_is_drift(compiled, capsys):
    reset(boto3.client("iam"))
    assert main(["drift", str(compiled), "--aws"]) == 1
    assert "staging agentpol-bot: role missing" in capsys.readouterr().out


def test_a_snapshot_shows_the_checker_a_legacy_role_that_reads_prod(compiled, tmp_path, capsys):
    """The leak exists only in the account: a legacy role the agent may assume reads prod's
    secrets. Without the snapshot the proof cannot see it; with it, it must."""
    iam = boto3.client("iam")
    iam.create_role(RoleName="legacy-reader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:role/agentpol-bot"}}]}))
    iam.put_role_policy(RoleName="legacy-reader", PolicyName="reads-prod", PolicyDocument=
                        json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                            "Resource": "arn:aws:secretsmanager:us-east-1:222222222222:secret:*"}]}))
    snap = tmp_path / "authz.json"
    assert main(["snapshot", "aws", "-o", str(snap)]) == 0
    with policy_dir(ENVS + AGENT, with_envs=False) as d:
        assert main(["check", str(d)]) == 0
        capsys.readouterr()
        assert main(["check", str(d), "--aws-authz", str(snap)]) == 1
    out = capsys.readouterr().out
    assert "cross-env-credential" in out and "legacy-reader" in out


def test_drift_needs_exactly_one_source(compiled, capsys):
    assert main(["drift", str(compiled)]) == 2

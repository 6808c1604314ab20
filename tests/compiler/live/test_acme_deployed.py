"""Acme deployed into three accounts of a moto server (dev, staging, prod), snapshotted with
`agentpol snapshot aws` through a read-only role per account, then tampered with the ways teams
do: every tampering is caught by `check` (with a witness) or by `drift` (exit 1), and the clean
deployment passes both."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from agentpol.cli import main
from deploy import READER, allow, apply, reset, session
from moto_server import aws_env, moto_server

POLICIES = Path(__file__).resolve().parents[3] / "policies"
ACCOUNTS = {"dev": "111111111111", "staging": "333333333333", "prod": "222222222222"}
STAGING, PROD = ACCOUNTS["staging"], ACCOUNTS["prod"]
PROD_SECRETS = f"arn:aws:secretsmanager:us-east-1:{PROD}:secret:prod/*"


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def out(tmp_path_factory, endpoint):
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, endpoint)
        out = tmp_path_factory.mktemp("acme") / "out"
        assert main(["compile", str(POLICIES), "-o", str(out), "--target", "aws"]) == 0
        return out


@pytest.fixture
def iam(out, endpoint, monkeypatch):
    """Each env's roles applied into its account, and its runtime role, which may assume the
    env's agent roles and nothing else: the clean deployment."""
    aws_env(monkeypatch, endpoint)
    clients = {}
    for env, account in ACCOUNTS.items():
        c = session(account).client("iam")
        reset(c)
        apply(out / "aws" / env / "main.tf.json", c)
        c.create_role(RoleName="agent-runner", AssumeRolePolicyDocument=allow({
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"}}))
        c.put_role_policy(RoleName="agent-runner", PolicyName="assume-agents",
                          PolicyDocument=allow({
                              "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                              "Resource": f"arn:aws:iam::{account}:role/agentpol-*"}))
        clients[env] = c
    return clients


def snapshot(tmp_path) -> list[str]:
    d = tmp_path / "snap"
    args = ["snapshot", "aws", "-o", str(d), "--role-arn", READER]
    for account in ACCOUNTS.values():
        args += ["--account", account]
    assert main(args) == 0
    return [str(d / f"{a}.json") for a in ACCOUNTS.values()]


def authz(files: list[str]) -> list[str]:
    return [arg for f in files for arg in ("--aws-authz", f)]


def check_json(files, capsys) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(["check", str(POLICIES), "--format", "json", *authz(files)])
    printed = capsys.readouterr()
    assert code != 2, printed.err
    return code, json.loads(printed.out)["findings"]


def drift(out, files, capsys) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(["drift", str(out), "--format", "json", *authz(files)])
    printed = capsys.readouterr()
    assert code != 2, printed.err
    return code, json.loads(printed.out)["drift"]


def witness_text(f: dict) -> str:
    return json.dumps(f["witness"])


def test_the_clean_deployment_passes_check_and_drift(iam, out, tmp_path, capsys):
    files = snapshot(tmp_path)
    assert sorted(Path(f).name for f in files) == sorted(f"{a}.json" for a in ACCOUNTS.values())
    assert json.loads(Path(files[1]).read_text())["Account"] == STAGING
    code, findings = check_json(files, capsys)
    assert code == 0, [f["message"] for f in findings if f["severity"] == "error"]
    assert not [f for f in findings if f["rule"] == "env-bridge"]
    assert drift(out, files, capsys) == (0, [])


def test_staging_runtime_assuming_a_prod_role_that_reads_secrets(iam, tmp_path, capsys):
    iam["staging"].put_role_policy(RoleName="agent-runner", PolicyName="reach-prod",
                                   PolicyDocument=allow({
                                       "Effect": "Allow", "Action": "sts:AssumeRole",
                                       "Resource": f"arn:aws:iam::{PROD}:role/prod-reader"}))
    iam["prod"].create_role(RoleName="prod-reader", AssumeRolePolicyDocument=allow({
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{STAGING}:role/agent-runner"}}))
    iam["prod"].put_role_policy(RoleName="prod-reader", PolicyName="secrets",
                                PolicyDocument=allow({
                                    "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                    "Resource": PROD_SECRETS}))
    code, findings = check_json(snapshot(tmp_path), capsys)
    assert code == 1
    hits = [f for f in findings if f["rule"] == "cross-env-credential"
            and "aws_runtime of staging" in f["message"]]
    assert hits, [f["message"] for f in findings]
    path = witness_text(hits[0])
    assert "role/prod-reader" in path and f"{STAGING}.json:agent-runner" in path


def test_administrator_access_on_a_staging_agent_role(iam, out, tmp_path, capsys):
    iam["staging"].attach_role_policy(RoleName="agentpol-support-bot",
                                      PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    files = snapshot(tmp_path)
    code, findings = check_json(files, capsys)
    assert code == 1
    hits = [f for f in findings if f["rule"] == "cross-env-credential"
            and f["message"].startswith("support-bot@staging")]
    assert hits
    path = witness_text(hits[0])
    assert f"arn:aws:iam::{STAGING}:role/agentpol-support-bot" in path
    assert f"{STAGING}.json:agentpol-support-bot (policy AdministratorAccess)" in path
    code, found = drift(out, files, capsys)
    assert code == 1 and [d["kind"] for d in found] == ["unexpected-policy"]


def test_an_inline_policy_on_a_deployed_staging_agent_role(iam, out, tmp_path, capsys):
    iam["staging"].put_role_policy(RoleName="agentpol-code-agent", PolicyName="hotfix",
                                   PolicyDocument=allow({
                                       "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                       "Resource": PROD_SECRETS}))
    files = snapshot(tmp_path)
    code, findings = check_json(files, capsys)
    hits = [f for f in findings if f["rule"] == "cross-env-credential"
            and f["message"].startswith("code-agent@staging")]
    assert code == 1 and hits
    assert "agentpol-code-agent (inline policy hotfix)" in witness_text(hits[0])
    code, found = drift(out, files, capsys)
    assert code == 1 and "unexpected inline policy hotfix" in found[0]["what"]


def test_a_legacy_staging_role_reading_prod_secrets_is_an_env_bridge(iam, tmp_path, capsys):
    iam["staging"].create_role(RoleName="legacy-etl", AssumeRolePolicyDocument=allow({
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "glue.amazonaws.com"}}))
    iam["staging"].put_role_policy(RoleName="legacy-etl", PolicyName="old",
                                   PolicyDocument=allow({
                                       "Effect": "Allow", "Action": "secretsmanager:*",
                                       "Resource": PROD_SECRETS}))
    code, findings = check_json(snapshot(tmp_path), capsys)
    assert code == 0  # a warning: no agent uses the bridge today
    (hit,) = [f for f in findings if f["rule"] == "env-bridge"]
    assert hit["severity"] == "warning" and "role/legacy-etl" in hit["message"]
    assert f"{STAGING}.json:legacy-etl (inline policy old)" in witness_text(hit)


def test_a_widened_boundary_is_drift(iam, out, tmp_path, capsys):
    arn = f"arn:aws:iam::{STAGING}:policy/agentpol-boundary-staging"
    iam["staging"].create_policy_version(PolicyArn=arn, SetAsDefault=True, PolicyDocument=allow(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}))
    code, found = drift(out, snapshot(tmp_path), capsys)
    assert code == 1
    (d,) = found
    assert d["kind"] == "boundary" and "version v2 in use" in d["what"]
    assert "adds Allow * on *" in d["what"]


def test_a_raised_max_session_is_drift(iam, out, tmp_path, capsys):
    iam["prod"].update_role(RoleName="agentpol-support-bot", MaxSessionDuration=43200)
    code, found = drift(out, snapshot(tmp_path), capsys)
    assert code == 1
    assert [(d["env"], d["subject"], d["kind"]) for d in found] == [
        ("prod", "agentpol-support-bot", "max-session")]
    assert "43200s" in found[0]["what"]


def test_a_trust_policy_widened_to_another_account_is_drift(iam, out, tmp_path, capsys):
    role = iam["prod"].get_role(RoleName="agentpol-refund-agent")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust["Statement"].append({"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"AWS": "arn:aws:iam::999999999999:root"}})
    iam["prod"].update_assume_role_policy(RoleName="agentpol-refund-agent",
                                          PolicyDocument=json.dumps(trust))
    code, found = drift(out, snapshot(tmp_path), capsys)
    assert code == 1
    assert [d["what"] for d in found] == [
        "trust policy admits arn:aws:iam::999999999999:root (added)"]


def test_a_leftover_policy_of_a_deleted_role_is_drift(iam, out, tmp_path, capsys):
    iam["dev"].create_policy(PolicyName="agentpol-old-bot-identity", PolicyDocument=allow(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}))
    code, found = drift(out, snapshot(tmp_path), capsys)
    assert code == 1
    assert [(d["subject"], d["kind"]) for d in found] == [
        ("agentpol-old-bot-identity", "stale-policy")]


def test_drift_live_reads_every_account_and_renders_markdown(iam, out, capsys):
    iam["staging"].update_role(RoleName="agentpol-code-agent", MaxSessionDuration=36000)
    args = ["drift", str(out), "--role-arn", READER, "--format", "markdown"]
    for account in ACCOUNTS.values():
        args += ["--account", account]
    assert main(args) == 1
    text = capsys.readouterr().out
    assert text.startswith("### agentpol drift: 1 drift(s) in 3 account(s)")
    assert "| staging | `agentpol-code-agent` | max-session |" in text


def test_an_empty_account_snapshot_records_its_id(endpoint, monkeypatch, tmp_path, capsys):
    aws_env(monkeypatch, endpoint)
    reset(session("444444444444").client("iam"))
    path = tmp_path / "empty.json"
    assert main(["snapshot", "aws", "-o", str(path), "--role-arn",
                 READER.format(account="444444444444")]) == 0
    doc = json.loads(path.read_text())
    assert doc["Account"] == "444444444444" and doc["RoleDetailList"] == []
    assert main(["check", str(POLICIES), "--aws-authz", str(path)]) == 0
    assert "account 444444444444 belongs to no environment" in capsys.readouterr().err

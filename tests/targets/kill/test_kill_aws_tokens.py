"""The cloud and token layers of a kill: the session revocation policy through parliament and
the project's IAM evaluator (sessions issued before the kill are denied everything, later ones
are untouched, other roles are untouched), the closed trust policy, the Terraform module, and
the Vault and GitHub revocation requests against GitHub's own API description."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess

import pytest

from agentpol.evaluate.iam import Decision, Request, evaluate
from agentpol.targets import kill
from agentpol.targets.aws import emit as emit_aws
from helpers import model_from
from validators.github_openapi import _description
from validators.parliament_lint import validate_iam_policy

NOW = dt.datetime(2026, 12, 6, 23, 0, tzinfo=dt.timezone.utc)
BEFORE, AFTER = "2026-12-06T22:59:59Z", "2026-12-06T23:00:01Z"


@pytest.fixture(scope="module")
def roles(acme_model):
    return emit_aws(acme_model)


def _allowed_requests(files, agent, env):
    """One concrete request per (action, resource) that agent@env's identity policy allows
    without conditions, with the boundary that applies."""
    base = f"aws/{env}/{agent}/"
    identity = [json.loads(t) for p, t in sorted(files.items())
                if p.startswith(base + "identity-policy")]
    boundary = json.loads(files[base + "permissions-boundary.json"])
    out = []
    for doc in identity:
        for s in doc["Statement"]:
            if s["Effect"] != "Allow" or "Condition" in s:
                continue
            for action in s["Action"]:
                for resource in s["Resource"]:
                    arn = resource.replace("??????", "AbC123").replace("*", "x")
                    context = {"aws:ResourceAccount": arn.split(":")[4] or ""}
                    request = Request(action, arn, context)
                    if evaluate(request, identity, boundary) is Decision.ALLOW:
                        out.append((request, identity, boundary))
    return out


@pytest.mark.parametrize("principal", ["support-bot@prod", "code-agent@staging"])
def test_sessions_before_the_kill_are_denied_everything(acme_model, roles, principal):
    agent, env = principal.split("@")
    files = kill.emit(acme_model, principal, NOW)
    revoke = json.loads(files[f"aws/{env}/{agent}/{kill.aws.REVOKE_FILE}"])
    assert validate_iam_policy(revoke) == []
    replays = _allowed_requests(roles, agent, env)
    assert replays, "acme grants this role something to replay"
    for request, identity, boundary in replays:
        old = Request(request.action, request.resource,
                      {**request.context, "aws:TokenIssueTime": BEFORE})
        new = Request(request.action, request.resource,
                      {**request.context, "aws:TokenIssueTime": AFTER})
        assert evaluate(old, identity + [revoke], boundary) is Decision.EXPLICIT_DENY
        assert evaluate(new, identity + [revoke], boundary) is Decision.ALLOW


def test_other_roles_are_untouched(acme_model, roles):
    files = kill.emit(acme_model, "support-bot@prod", NOW)
    killed_roles = {p.split("/")[2] for p in files if p.startswith("aws/prod/") and p.count("/") == 3}
    assert killed_roles == {"support-bot"}
    module = json.loads(files["aws/prod/kill.tf.json"])
    assert [r["role"] for r in module["resource"]["aws_iam_role_policy"].values()] == [
        "agentpol-support-bot"]
    assert "provider" not in module and "backend" not in json.dumps(module["terraform"])


def test_trust_policy_admits_no_one(acme_model):
    files = kill.emit(acme_model, "prod", NOW)
    trusts = [json.loads(t) for p, t in files.items() if p.endswith("/trust-policy.json")]
    assert trusts
    for doc in trusts:
        assert {s["Effect"] for s in doc["Statement"]} == {"Deny"}
        assert doc["Statement"][0]["Principal"] == {"AWS": "*"}


def test_token_revocations_are_requests_github_and_vault_know(acme_model):
    files = kill.emit(acme_model, "code-agent@staging", NOW)
    vault = json.loads(files["tokens/staging/code-agent/vault-revoke.json"])
    role = "agentpol-code-agent@staging"
    assert [r["path"] for r in vault["requests"]] == [
        f"/v1/sys/leases/revoke-prefix/auth/token/create/{role}",
        f"/v1/auth/token/roles/{role}"]
    github = json.loads(files["tokens/staging/code-agent/github-revoke.json"])
    paths = _description()["paths"]
    for r in github["requests"]:
        assert r["method"].lower() in paths[r["path"]], r
        if "lookup" in r:
            owner, repo = r["lookup"]["path"].split("/")[2:4]
            assert r["lookup"]["method"].lower() in paths["/repos/{owner}/{repo}/installation"]
            assert owner == "acme"


def test_a_principal_without_aws_grants_gets_no_aws_files():
    model = model_from("""
resource api openai { provider = openai, key_name = "k-{env}" }
agent chat {
  owner = "a@acme.com"
  in prod { allow call on api.openai
            budget api.openai 5 usd per day }
}
""")
    files = kill.emit(model, "chat@prod", NOW)
    assert not [p for p in files if p.startswith("aws/")]
    assert "cedar/prod/kill.cedar" in files


#: The local provider mirror holding hashicorp/aws (CI sets it where the machine has one).
MIRROR = os.environ.get("AGENTPOL_TF_MIRROR", "")


def test_terraform_module_validates(acme_model, tmp_path):
    """`terraform init` from the local provider mirror, then `validate` (skipped, saying why,
    where Terraform or the mirror is missing)."""
    if shutil.which("terraform") is None or not MIRROR or not os.path.isdir(MIRROR):
        pytest.skip("terraform, or its AWS provider mirror (AGENTPOL_TF_MIRROR), is not on "
                    "this machine")
    rc = tmp_path / "terraformrc"
    rc.write_text('provider_installation {\n  filesystem_mirror {\n    path = "%s"\n'
                  '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n' % MIRROR)
    module = tmp_path / "kill"
    module.mkdir()
    files = kill.emit(acme_model, "prod", NOW)
    (module / "kill.tf.json").write_text(files["aws/prod/kill.tf.json"])
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}
    for cmd in (["init", "-input=false", "-no-color", "-backend=false"], ["validate", "-no-color"]):
        run = subprocess.run(["terraform", *cmd], cwd=module, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr

"""Staging's compiled module applied with `terraform apply` (the real AWS provider, against a moto
server), then snapshotted: no drift, a clean proof. Skipped, saying why, where Terraform or a
local mirror of its AWS provider is missing (the mirror: `AGENTPOL_TF_MIRROR`, or one of
Terraform's own local plugin directories)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agentpol.cli import main
from deploy import READER, reset, session
from moto_server import aws_env, moto_server

POLICIES = Path(__file__).resolve().parents[3] / "policies"
STAGING = "333333333333"
_MIRRORS = [os.environ.get("AGENTPOL_TF_MIRROR", ""), "~/.terraform.d/plugins",
            "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"]


def _mirror() -> str | None:
    found = [os.path.expanduser(m) for m in _MIRRORS if m]
    return next((m for m in found if os.path.isdir(os.path.join(
        m, "registry.terraform.io", "hashicorp", "aws"))), None)


def test_terraform_apply_of_staging_shows_no_drift(tmp_path, monkeypatch, capsys):
    mirror = _mirror()
    if shutil.which("terraform") is None or mirror is None:
        pytest.skip("terraform or a local mirror of its AWS provider is not on this machine "
                    "(set AGENTPOL_TF_MIRROR to a filesystem mirror directory)")
    out = tmp_path / "out"
    assert main(["compile", str(POLICIES), "-o", str(out), "--target", "aws"]) == 0
    root = tmp_path / "root"
    shutil.copytree(out / "aws" / "staging", root / "staging")
    module = json.loads((root / "staging" / "main.tf.json").read_text())
    module.pop("provider", None)  # a module: the root configures the provider
    (root / "staging" / "main.tf.json").write_text(json.dumps(module))
    (tmp_path / "terraformrc").write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n' % mirror)
    with moto_server() as url:
        aws_env(monkeypatch, url)
        reset(session(STAGING).client("iam"))
        (root / "main.tf.json").write_text(json.dumps({
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
            "provider": {"aws": {
                "region": "us-east-1", "access_key": "testing", "secret_key": "testing",
                "skip_credentials_validation": True, "skip_metadata_api_check": True,
                "endpoints": {"iam": url, "sts": url},
                "assume_role": {"role_arn": READER.format(account=STAGING)},
                "allowed_account_ids": [STAGING]}},
            "module": {"agentpol_staging": {"source": "./staging"}},
        }))
        env = {**os.environ, "TF_CLI_CONFIG_FILE": str(tmp_path / "terraformrc"),
               "TF_IN_AUTOMATION": "1"}
        for cmd in (["init", "-input=false", "-no-color"],
                    ["apply", "-auto-approve", "-input=false", "-no-color"]):
            run = subprocess.run(["terraform", *cmd], cwd=root, env=env, capture_output=True,
                                 text=True, timeout=900)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        snap = tmp_path / "staging.json"
        assert main(["snapshot", "aws", "-o", str(snap), "--role-arn",
                     READER.format(account=STAGING)]) == 0
        capsys.readouterr()
        assert main(["drift", str(out), "--aws-authz", str(snap)]) == 0, capsys.readouterr()
        assert main(["check", str(POLICIES), "--aws-authz", str(snap)]) == 0

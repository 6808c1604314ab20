"""`aws/E/` applied as documented, with the real Terraform and AWS provider, against a moto
server: a root module of the team's own (provider, backend) calls the compiled module; compiling
again leaves state alone and plans nothing; one grant added to one agent plans one policy update.

Terraform and the provider come from the machine: `terraform` on PATH (or TERRAFORM), and a
provider mirror holding hashicorp/aws (AGENTPOL_TF_MIRROR, else Terraform's own implied mirror
directories) used through a CLI config with a `filesystem_mirror`, so nothing is downloaded.
Without them the test skips and says why. Marked `terraform` so CI can
select it (`-m terraform`); it runs in the default suite where the tools are present.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentpol.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler" / "live"))
from moto_server import moto_server  # noqa: E402  (the server the live tests use)

pytestmark = pytest.mark.terraform

MOTO_ACCOUNT = "123456789012"  # the account moto answers as
TERRAFORM = os.environ.get("TERRAFORM") or shutil.which("terraform") or ""
#: Where a provider mirror may be: the variable, then Terraform's implied local mirrors.
MIRRORS = [Path(p) for p in [os.environ.get("AGENTPOL_TF_MIRROR", "")] if p] + [
    Path.home() / ".terraform.d" / "plugins", Path.home() / ".local/share/terraform/plugins",
    Path("/usr/local/share/terraform/plugins"), Path("/usr/share/terraform/plugins")]
PLUGINS = next((m for m in MIRRORS if (m / "registry.terraform.io/hashicorp/aws").is_dir()),
               None)

POLICY = '''
environment staging {{ aws_account = "{account}", regions = ["us-east-1"] }}
resource dynamodb_table tickets {{ name = "tickets-{{env}}" }}
resource sqs_queue refunds {{ name = "refunds-{{env}}" }}
agent support-bot {{
  owner = "support@acme.com"
  in staging {{ allow read on dynamodb_table.tickets }}{extra}
}}
agent refund-agent {{
  owner = "payments@acme.com"
  in staging {{ allow send on sqs_queue.refunds
               allow read on dynamodb_table.tickets }}
}}
'''

ROOT = '''
terraform {{
  backend "local" {{ path = "state/terraform.tfstate" }}
}}
provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  allowed_account_ids         = ["{account}"]
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  endpoints {{
    iam = "{endpoint}"
    sts = "{endpoint}"
  }}
}}
module "agentpol_staging" {{
  source = "../out/aws/staging"
}}
'''


def _tools() -> str | None:
    if not TERRAFORM or not Path(TERRAFORM).is_file():
        return "terraform not found on PATH; set TERRAFORM to run the round trip"
    if PLUGINS is None:
        return ("no provider mirror holding hashicorp/aws; set AGENTPOL_TF_MIRROR to one "
                "(terraform providers mirror DIR)")
    return None


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    why = _tools()
    if why:
        pytest.skip(why)
    base = tmp_path_factory.mktemp("tf")
    cli_config = base / "terraform.rc"
    cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n'
                          f'    path = "{PLUGINS}"\n  }}\n}}\n')
    (base / "policies").mkdir()
    (base / "root").mkdir()
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1",
           "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    env.pop("AWS_PROFILE", None)
    with moto_server() as endpoint:
        (base / "root" / "main.tf").write_text(ROOT.format(account=MOTO_ACCOUNT,
                                                           endpoint=endpoint))
        yield base, env


def _compile(base: Path, extra: str = "") -> None:
    (base / "policies" / "acme.agentpol").write_text(POLICY.format(account=MOTO_ACCOUNT,
                                                                   extra=extra))
    assert main(["compile", str(base / "policies"), "-o", str(base / "out"),
                 "--target", "aws"]) == 0


def _tf(base: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=base / "root", env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 2), f"terraform {args[0]}:\n{done.stdout}\n{done.stderr}"
    return done


def _planned_changes(base: Path, env: dict) -> list[tuple[str, str]]:
    """(address, action) of every change `terraform plan` proposes, from its JSON UI stream
    (one run: each Terraform command spends most of its time starting the provider)."""
    done = _tf(base, env, "plan", "-json", "-detailed-exitcode")
    changes = [(m["change"]["resource"]["addr"], m["change"]["action"])
               for m in map(json.loads, done.stdout.splitlines())
               if m.get("type") == "planned_change"]
    assert (done.returncode == 2) == bool(changes), done.stdout
    return changes


def test_module_applies_and_recompiling_keeps_state(workspace):
    base, env = workspace
    _compile(base)
    main_tf = json.loads((base / "out" / "aws" / "staging" / "main.tf.json").read_text())
    assert "provider" not in main_tf and "backend" not in json.dumps(main_tf["terraform"])
    _tf(base, env, "init", "-backend=true")
    _tf(base, env, "validate")
    _tf(base, env, "apply", "-auto-approve")
    assert (base / "root" / "state" / "terraform.tfstate").is_file()

    _compile(base)  # the output directory is replaced; state lives in the root
    assert _planned_changes(base, env) == []

    # one grant added to one agent: that agent's identity policy, and nothing else, changes
    # (refund-agent already sends to the queue, so the env's boundary stays as it is; the
    # block sits on the same line, so no other statement moves)
    _compile(base, extra=" in staging { allow send on sqs_queue.refunds }")
    assert _planned_changes(base, env) == [
        ("module.agentpol_staging.aws_iam_policy.support-bot_identity", "update")]

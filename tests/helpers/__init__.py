"""Helpers for tests: build a model from policy source held in a string."""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from agentpol.pipeline import load

#: Two environments every small test program can build on; prod is protected.
ENVS = '''
environment staging {
  aws_account = "333333333333"
  cidrs = ["10.20.0.0/16"]
  domains = ["*.staging.acme.internal"]
  k8s_namespace = "agents-staging"
  aws_runtime = "arn:aws:iam::333333333333:role/agent-runner"
}
environment prod {
  aws_account = "222222222222"
  cidrs = ["10.30.0.0/16"]
  domains = ["*.prod.acme.internal"]
  k8s_namespace = "agents-prod"
  aws_runtime = "arn:aws:iam::222222222222:role/agent-runner"
  protected = true
  audit_log = log_group.audit
}
resource log_group audit { name = "/acme/{env}/audit" }
'''


@contextlib.contextmanager
def policy_dir(source: str, with_envs: bool = True):
    """A temporary `policies/` holding `source` (as main.agentpol); spans read
    `policies/main.agentpol` whatever the temp path, so goldens stay stable."""
    with tempfile.TemporaryDirectory() as d:
        pol = Path(d, "policies")
        pol.mkdir()
        if with_envs:
            (pol / "envs.agentpol").write_text(ENVS, encoding="utf-8")
        (pol / "main.agentpol").write_text(source, encoding="utf-8")
        yield pol


def model_from(source: str, with_envs: bool = True, now: str = "2026-01-01"):
    """Load a program written inline (plus the two standard envs unless told otherwise)."""
    with policy_dir(source, with_envs) as d:
        return load(d, now=now)

"""`OUT/README.md`: written by every compile, it names every kind of file present with the tool
that applies it, in the order to apply them, and describes no kind that is absent."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from agentpol.artifacts import build
from agentpol.cli import main
from agentpol.out_readme import KINDS, kind_of, readme
from agentpol.pipeline import targets
from helpers import model_from

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "targets" / "audit"))
from audit_fixture import SOURCE as AUDIT_FIXTURE  # noqa: E402


def _kinds_named(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \(\d+\)", text, re.M))


@pytest.mark.parametrize("which", ["acme", "audit-fixture"])
def test_every_kind_present_is_described_and_named(acme_model, which):
    model = acme_model if which == "acme" else model_from(AUDIT_FIXTURE)
    files = build(model, targets(), list(targets()))
    present = {kind_of(p) for p in files}
    assert present <= set(KINDS), present - set(KINDS)
    text = files["README.md"]
    assert _kinds_named(text) == present
    assert "not described here" not in text


def test_order_and_tools():
    text = readme(["aws/prod/main.tf.json", "network/prod/bot/cilium.yaml",
                   "network/prod/bot/networkpolicy.yaml", "manifest.json"])
    assert text.index("1. `aws/`") < text.index("2. `network/`")
    assert "`kubectl apply -f`" in text and "allowed_account_ids" in text
    assert "shadow/" not in text and "tokens/" not in text  # only what is present


def test_kinds_abstract_env_agent_and_split_index():
    assert kind_of("aws/prod/support-bot/identity-policy-2.json") == \
        "aws/E/A/identity-policy.json"
    assert kind_of("shadow/network/prod/mcp-jira/squid.conf") == "network/E/A/squid.conf"
    assert kind_of("tokens/dev/index.json") == "tokens/E/index.json"


def test_compile_writes_it(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["compile", "policies", "-o", str(tmp_path), "--target", "network"]) == 0
    text = (tmp_path / "README.md").read_text()
    assert "`network/E/A/squid.conf`" in text and "`aws/" not in text

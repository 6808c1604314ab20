"""The audit target's files: golden copies, registration, determinism and the file set."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentpol.artifacts import build
from agentpol.targets import TARGETS
from agentpol.targets.audit import emit
from audit_fixture import SOURCE
from helpers import model_from

GOLDEN = Path(__file__).parent / "golden"
#: Golden subdirectory per kind of file, so each kind is its own test.
KINDS = {"cloudtrail-event-selectors.json": "cloudtrail", "github-rulesets.json": "rulesets",
         "vault-audit.json": "vault", "log-sink.json": "log-sink", "mcp": "mcp"}


@pytest.fixture(scope="module")
def fixture_model():
    return model_from(SOURCE)


def _kind(path: str) -> str:
    return "mcp" if path.startswith("network/") else path.rsplit("/", 1)[1]


def test_registered():
    assert TARGETS["audit"] is emit


@pytest.mark.parametrize("kind", KINDS.values())
def test_acme_golden(acme_model, golden, kind):
    golden(GOLDEN / "acme" / kind,
           {p: t for p, t in emit(acme_model).items() if KINDS[_kind(p)] == kind})


def test_fixture_golden(fixture_model, golden):
    golden(GOLDEN / "fixture", emit(fixture_model))


def test_acme_file_set(acme_model):
    """Each file where it has something to say: dev has no audit_log (no log sink), no agent of
    prod writes a repository or reads Vault."""
    assert sorted(emit(acme_model)) == sorted(
        [f"audit/{e}/cloudtrail-event-selectors.json" for e in ("dev", "prod", "staging")]
        + [f"audit/{e}/github-rulesets.json" for e in ("dev", "staging")]
        + [f"audit/{e}/vault-audit.json" for e in ("dev", "staging")]
        + [f"audit/{e}/log-sink.json" for e in ("prod", "staging")]
        + [f"network/{e}/mcp-jira/{f}" for e in ("dev", "prod", "staging")
           for f in ("cilium.yaml", "networkpolicy.yaml", "squid.conf")])


def test_deterministic(acme_model, fixture_model):
    for model in (acme_model, fixture_model):
        assert emit(model) == emit(model)


def test_env_level_files_never_go_to_shadow(acme_model):
    """refund-agent@prod is in shadow mode: its audit coverage is in the enforced files (recorded
    before it goes live), and compile writes no shadow copy of env-level files."""
    files = build(acme_model, TARGETS, ["audit"])
    assert not any(p.startswith("shadow/audit/") or p.startswith("shadow/network/")
                   for p in files)
    assert "audit/prod/cloudtrail-event-selectors.json" in files


def test_json_files_are_canonical(acme_model):
    for path, text in emit(acme_model).items():
        if path.endswith(".json"):
            assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"

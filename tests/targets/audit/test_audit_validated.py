"""Each emitted file is accepted by the software that consumes it: botocore's `cloudtrail`
model (PutEventSelectors), GitHub's OpenAPI description (repository ruleset body), and the
network validators for the tool servers' allowlists."""
from __future__ import annotations

import json

import pytest

from agentpol.targets.audit import emit
from audit_fixture import SOURCE
from helpers import model_from
from validators.botocore_cloudtrail import validate_put_event_selectors
from validators.cilium import validate_cilium_policy
from validators.github_openapi import validate_github_ruleset
from validators.kubernetes import validate_networkpolicy
from validators.squid import validate_squid_fragment


@pytest.fixture(scope="module", params=["acme", "fixture"])
def files(request, acme_model):
    return emit(acme_model if request.param == "acme" else model_from(SOURCE))


def _of(files, suffix):
    found = {p: t for p, t in files.items() if p.endswith(suffix)}
    assert found, f"no {suffix} emitted"
    return found


def test_event_selectors_valid_for_botocore(files):
    for path, text in _of(files, "cloudtrail-event-selectors.json").items():
        assert validate_put_event_selectors(text) == [], path


def test_rulesets_valid_against_github_openapi(files):
    for path, text in _of(files, "github-rulesets.json").items():
        for entry in json.loads(text):
            assert validate_github_ruleset(entry["body"]) == [], (path, entry["repository"])


def test_code_agent_repositories_have_valid_rulesets(acme_model):
    files = emit(acme_model)
    for env in ("dev", "staging"):
        (entry,) = json.loads(files[f"audit/{env}/github-rulesets.json"])
        assert entry["repository"] == "acme/web" and entry["writers"] == [f"code-agent@{env}"]
        assert validate_github_ruleset(entry["body"]) == []


def test_mcp_networkpolicies_valid(files):
    for path, text in _of(files, "/networkpolicy.yaml").items():
        assert validate_networkpolicy(text) == [], path


def test_mcp_cilium_policies_valid(files):
    for path, text in _of(files, "/cilium.yaml").items():
        assert validate_cilium_policy(text) == [], path


def test_mcp_squid_fragments_valid(files):
    for path, text in _of(files, "/squid.conf").items():
        assert validate_squid_fragment(text) == [], path

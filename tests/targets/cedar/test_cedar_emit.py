"""The cedar target's files: golden for acme, accepted by Cedar's strict validator for acme and
every test program, entities conforming to the schema, nothing copied to shadow/."""
from __future__ import annotations

import json
from pathlib import Path

import cedarpy
import pytest

from agentpol import artifacts
from agentpol.pipeline import load
from agentpol.targets import TARGETS
from agentpol.targets.cedar import emit
from helpers import model_from
from validators.cedar import validate_cedar_env

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FILES = ("entities.json", "killswitch.cedar", "policies.cedar", "schema.cedarschema.json",
         "shadow.cedar")

#: Small programs that reach every corner of the target: tool names, scopes, raw access on a
#: host, shared and cross-env resources, denies, every budget and rate period, shadow mode.
PROGRAMS = {
    "corners": '''
resource api openai { provider = openai, key_name = "k-{env}" }
resource api hooks { provider = http, host = "hooks.{env}.acme.internal", key_name = "h-{env}" }
resource api shared-llm { provider = anthropic, key_name = "shared", shared = true }
resource mcp_server jira { url = "https://jira.{env}.acme.internal/mcp" }
resource host payments { address = "payments.{env}.acme.internal:443" }
resource host status { url = "https://status.acme.com", shared = true }
agent bot {
  owner = "a@acme.com"
  in staging, prod {
    allow call, "chat.write" on api.hooks
    allow "search", "create_issue" on mcp_server.jira
    allow connect, "GET /health" on host.payments
    allow connect on host.status
    allow call on api.shared-llm
    deny "create_issue" on mcp_server.jira
    approval required for "chat.write" on api.hooks
    budget api.hooks 12.50 usd per month
    budget total 3 usd per hour
    rate api.hooks 5 per second
    rate mcp_server.jira 100 per day
  }
  in staging { allow call on api.openai@prod }
  in prod {
    mode shadow
    allow "search" on mcp_server.jira@staging
  }
}
''',
    "no-gateway": '''
resource s3_bucket b { name = "b-{env}" }
agent quiet {
  owner = "a@acme.com"
  in staging {
    allow read on s3_bucket.b
    approval required for read on s3_bucket.b
  }
}
''',
}


@pytest.fixture(scope="module")
def acme_files(acme_model):
    return emit(acme_model)


def _envs(files):
    return sorted({path.split("/")[1] for path in files})


def _validate(files) -> list[str]:
    return [p for env in _envs(files) for p in validate_cedar_env(files, env)]


def test_registered():
    assert TARGETS["cedar"] is emit


def test_acme_golden(acme_files, golden):
    golden(HERE / "golden", acme_files)


def test_acme_every_env_has_every_file(acme_model, acme_files):
    assert sorted(acme_files) == sorted(f"cedar/{e}/{n}" for e in acme_model.environments
                                        for n in FILES)


def test_acme_validates_strict(acme_files):
    assert _validate(acme_files) == []


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_validates_strict(name):
    files = emit(model_from(PROGRAMS[name]))
    assert _validate(files) == []


def test_language_fixture_validates_strict():
    model = load(ROOT / "tests" / "fixtures" / "language", now="2026-01-01")
    assert _validate(emit(model)) == []


def test_validator_is_strict():
    """The check above can fail: an unguarded read of an optional context key is rejected."""
    files = emit(model_from(PROGRAMS["corners"]))
    schema = files["cedar/staging/schema.cedarschema.json"]
    bad = files["cedar/staging/policies.cedar"].replace("context has calls_second && ", "", 1)
    assert not cedarpy.validate_policies(bad, schema).validation_passed
    misspelt = 'forbid (principal in Agentpol::Environment::"prdo", action, resource);'
    assert not cedarpy.validate_policies(misspelt, schema).validation_passed


def test_deterministic(acme_model, acme_files):
    assert emit(acme_model) == acme_files


def test_every_limit_is_written_twice():
    """Each budget, rate and approval condition sits in a permit's `when` and in a forbid's
    `unless`, both guarded with `has` (docs/targets/cedar.md)."""
    text = emit(model_from(PROGRAMS["corners"]))["cedar/staging/policies.cedar"]
    for cond in ("context has spend_cents_month && context has cost_cents && "
                 "context.cost_cents >= 0 && "
                 "context.spend_cents_month + context.cost_cents <= 1250",
                 "context has total_spend_cents_hour && context has cost_cents && "
                 "context.cost_cents >= 0 && "
                 "context.total_spend_cents_hour + context.cost_cents <= 300",
                 "context has calls_second && context.calls_second < 5",
                 "context has calls_day && context.calls_day < 100",
                 "context has approved && context.approved"):
        assert f"unless {{\n  {cond}\n}};" in text
        assert f"when {{\n  {cond}" in text or f"&&\n  {cond}" in text
    parsed = json.loads(cedarpy.policies_to_json_str(text))["staticPolicies"].values()
    for policy in parsed:  # a forbid `when` would not apply on a missing key: fail open
        kinds = {c["kind"] for c in policy["conditions"]}
        assert kinds <= ({"when"} if policy["effect"] == "permit" else {"unless"})


def test_grants_outside_the_gateway_are_left_out():
    files = emit(model_from(PROGRAMS["no-gateway"]))
    text = files["cedar/staging/policies.cedar"]
    assert "permit (" not in text
    assert "//   approval required for read on s3_bucket.b@staging for quiet@staging" in text


def test_ids_name_agent_env_and_meaning_never_a_source_line():
    text = emit(model_from(PROGRAMS["corners"]))["cedar/staging/policies.cedar"]
    assert '@id("bot@staging allow chat.write on api.hooks@staging")' in text
    assert '@id("bot@staging deny create_issue on mcp_server.jira@staging")' in text
    assert '@id("bot@staging budget total 300 cents per hour")' in text
    assert ".agentpol" not in text


def test_shadow_permits_are_annotated_in_policies_and_in_shadow_set():
    files = emit(model_from(PROGRAMS["corners"]))
    prod, held = files["cedar/prod/policies.cedar"], files["cedar/prod/shadow.cedar"]
    assert held.count("permit (") == prod.count('@mode("shadow")\npermit') > 0
    assert '@mode("enforce")\npermit' not in prod  # every permit of a shadow principal
    assert '@mode("shadow")\nforbid' not in prod  # a forbid always blocks
    for chunk in held.split("\n@id(")[1:]:
        assert "@id(" + chunk.rstrip("\n") in prod
    assert files["cedar/staging/shadow.cedar"].endswith("// (none)\n")


def test_entities_hold_agents_envs_and_resources():
    files = emit(model_from(PROGRAMS["corners"]))
    ents = {(e["uid"]["type"], e["uid"]["id"]): e
            for e in json.loads(files["cedar/staging/entities.json"])}
    bot = ents[("Agentpol::Agent", "bot@staging")]
    assert bot["parents"] == [{"type": "Agentpol::Environment", "id": "staging"}]
    assert bot["attrs"]["mode"] == "enforce"
    assert bot["attrs"]["cross_env"] == []  # prod is protected: never let past the boundary
    assert ents[("Agentpol::Api", "api.shared-llm")]["parents"] == []
    assert ents[("Agentpol::Api", "api.shared-llm")]["attrs"]["shared"] is True
    assert ents[("Agentpol::Api", "api.openai@prod")]["parents"] == [
        {"type": "Agentpol::Environment", "id": "prod"}]
    assert ents[("Agentpol::Host", "host.status")]["attrs"]["url"] == "https://status.acme.com"
    assert not any(k[1].endswith("@prod") and k[0] != "Agentpol::Api" for k in ents)
    prod = {e["uid"]["id"]: e for e in json.loads(files["cedar/prod/entities.json"])}
    assert prod["bot@prod"]["attrs"]["cross_env"] == ["mcp_server.jira@staging"]
    schema = json.loads(files["cedar/staging/schema.cedarschema.json"])["Agentpol"]
    assert schema["entityTypes"]["Environment"] == {"enum": ["prod", "staging"]}
    assert schema["actions"]["GET /health"]["memberOf"] == [{"id": "connect"}]
    assert schema["actions"]["search"]["appliesTo"]["resourceTypes"] == ["McpServer"]


def test_compile_copies_nothing_to_shadow(acme_model):
    files = artifacts.build(acme_model, TARGETS, ["cedar"])
    assert not [p for p in files if p.startswith("shadow/")]
    assert '@mode("shadow")' in files["cedar/prod/policies.cedar"]

"""`agentpol kill`: the files of a kill, for one principal and a whole env, through the same
validators as the compiled targets, and the replays that show the principal stopped while
the others go on (Cedar through cedarpy, IAM through the project's evaluator)."""
from __future__ import annotations

import datetime as dt
import json

import cedarpy
import pytest

from agentpol import artifacts, pipeline
from agentpol.catalogue.cedar import action_uid, agent_uid, resource_uid
from agentpol.cli import main
from agentpol.evaluate.cedar import MET_CONTEXT, authorize
from agentpol.evaluate.iam import Decision, Request, evaluate
from agentpol.targets import kill
from helpers import model_from
from validators.cilium import validate_cilium_policy
from validators.claude_settings import validate_claude_settings
from validators.github_openapi import _description
from validators.kubernetes import validate_networkpolicy
from validators.parliament_lint import validate_iam_policy
from validators.sandbox_runtime import validate_sandbox_runtime
from validators.squid import validate_squid_fragment

NOW = dt.datetime(2026, 12, 6, 23, 0, tzinfo=dt.timezone.utc)
BEFORE, AFTER = "2026-12-06T22:59:59Z", "2026-12-06T23:00:01Z"
NOTE = "unknown key '//' (srt ignores it)"


@pytest.fixture(scope="module")
def compiled(acme_model):
    table = pipeline.targets()
    return artifacts.build(acme_model, table, list(table))


@pytest.fixture(scope="module", params=["support-bot@prod", "code-agent@staging", "prod"])
def killed(request, acme_model):
    return request.param, kill.emit(acme_model, request.param, NOW)


def test_record_and_runbook_name_every_layer(killed):
    who, files = killed
    record = json.loads(files[kill.RECORD])
    assert record["target"] == who and record["issued_before"] == "2026-12-06T23:00:00Z"
    runbook = files["README.md"]
    order = [runbook.index(h) for h in ("## 1. Gateway", "## 2. Network",
                                        "## 3. Cloud sessions", "## 4. Tokens")]
    assert order == sorted(order)
    for path in files:
        if path not in ("README.md", kill.RECORD):
            assert f"`{path}`" in runbook, f"the runbook does not name {path}"
    assert runbook.count("- Undo:") == 4 and runbook.count("- Verify:") == 4


def test_network_files_deny_everything_and_pass_validators(killed, tmp_path):
    _, files = killed
    network = {p: t for p, t in files.items() if p.startswith("network/")}
    assert network
    validators = {"networkpolicy.yaml": validate_networkpolicy,
                  "cilium.yaml": validate_cilium_policy,
                  "squid.conf": validate_squid_fragment,
                  "sandbox-runtime.json": lambda p: [x for x in validate_sandbox_runtime(p)
                                                     if not x.endswith(NOTE)],
                  "claude-settings.json": validate_claude_settings}
    for path, text in network.items():
        dest = tmp_path / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        assert validators[dest.name](dest) == [], path
        if dest.name == "networkpolicy.yaml":
            assert "egress: []" in text
        elif dest.name == "cilium.yaml":
            assert "egressDeny:\n  - toEntities:\n    - all" in text
        elif dest.name == "squid.conf":
            assert [l for l in text.splitlines() if not l.startswith("#")] == [
                "http_access deny all"]
        else:
            doc = json.loads(text)
            net = doc["network"] if "network" in doc else doc["sandbox"]["network"]
            assert net["allowedDomains"] == []


def test_object_names_replace_the_allowlists(killed, compiled):
    """Each network stop has the name of the live allowlist it replaces."""
    _, files = killed
    for path, text in files.items():
        if path.endswith((".yaml",)):
            live = compiled[path]
            name = [l for l in live.splitlines() if l.startswith("  name: ")][0]
            assert name in text.splitlines(), path


def test_cedar_kill_validates_and_denies_every_request_of_the_killed(killed, compiled):
    who, files = killed
    (env,) = {p.split("/")[1] for p in files if p.startswith("cedar/")}
    base = f"cedar/{env}/"
    schema = compiled[base + "schema.cedarschema.json"]
    stop = files[base + "kill.cedar"]
    result = cedarpy.validate_policies(stop, schema)
    assert result.validation_passed, result.errors
    entities = json.loads(compiled[base + "entities.json"])
    live = compiled[base + "policies.cedar"]
    stopped = {who} if "@" in who else None
    uid = lambda e: f'{e["uid"]["type"]}::"{e["uid"]["id"]}"'  # noqa: E731
    kind = lambda e: e["uid"]["type"].rsplit("::", 1)[-1]  # noqa: E731
    tried = {"killed": 0, "others": 0}
    for ent in entities:
        if kind(ent) != "Agent":
            continue
        principal = uid(ent)
        for res in entities:
            if kind(res) in ("Agent", "Environment"):
                continue
            resource = uid(res)
            for action in ("call", "connect"):
                args = (entities, schema, principal, action_uid(action), resource, MET_CONTEXT)
                before = authorize(live, *args)
                if before.decision != "allow":
                    continue
                after = authorize(live + "\n" + stop, *args)
                mine = ent["uid"]["id"] in stopped if stopped else True
                tried["killed" if mine else "others"] += 1
                assert after.decision == ("deny" if mine else "allow"), (principal, resource)
    assert tried["killed"] > 0


def test_other_principals_keep_their_calls():
    """Two agents of one env call the same api; killing one leaves the other's calls allowed."""
    model = model_from(TWO_AGENTS)
    table = pipeline.targets()
    compiled = artifacts.build(model, table, list(table))
    stop = kill.emit(model, "a@prod", NOW)["cedar/prod/kill.cedar"]
    base = "cedar/prod/"
    live = compiled[base + "policies.cedar"]
    args = (compiled[base + "entities.json"], compiled[base + "schema.cedarschema.json"])
    resource = resource_uid("api", "api.openai@prod")
    for who, expected in (("a@prod", "deny"), ("b@prod", "allow")):
        request = (agent_uid(who), action_uid("call"), resource, MET_CONTEXT)
        assert authorize(live, *args, *request).decision == "allow"
        assert authorize(live + "\n" + stop, *args, *request).decision == expected, who


TWO_AGENTS = """
resource api openai { provider = openai, key_name = "k-{env}" }
agent a {
  owner = "a@acme.com"
  in prod { allow call on api.openai
            budget api.openai 5 usd per day }
}
agent b {
  owner = "b@acme.com"
  in prod { allow call on api.openai
            budget api.openai 5 usd per day }
}
"""

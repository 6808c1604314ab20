"""The Cedar replay's verdict, on a hand-written policy set: forward only when a live permit
decides; shadow permits alone are a dry run; errors and missing entities deny."""
from __future__ import annotations

import json

import pytest

from agentpol.evaluate.cedar import authorize, policy_annotations, resource_uid_of

SCHEMA = {"": {"entityTypes": {"A": {}, "R": {"shape": {"type": "Record", "attributes": {
    "key": {"type": "String"}}}}},
    "actions": {"go": {"appliesTo": {"principalTypes": ["A"], "resourceTypes": ["R"],
                                     "context": {"type": "Record", "attributes": {
                                         "n": {"type": "Long", "required": False}}}}}}}}
ENTITIES = [{"uid": {"type": "A", "id": "a"}, "attrs": {}, "parents": []},
            {"uid": {"type": "R", "id": "r"}, "attrs": {"key": "api.r@e"}, "parents": []}]
LIVE = '@id("live") @mode("enforce") permit (principal, action, resource == R::"r");\n'
DRY = '@id("dry") @mode("shadow") permit (principal, action, resource);\n'
STOP = '@id("stop") forbid (principal, action, resource) unless { context has n };\n'


def decide(policies, context=None, resource='R::"r"'):
    return authorize(policies, ENTITIES, SCHEMA, 'A::"a"', 'Action::"go"', resource,
                     context if context is not None else {"n": 1})


@pytest.mark.parametrize("policies,decision,ids", [
    (LIVE + DRY, "allow", ["dry", "live"]),
    (DRY, "shadow", ["dry"]),
    (DRY + LIVE + STOP, "allow", ["dry", "live"]),
    ("", "deny", []),
])
def test_verdict(policies, decision, ids):
    result = decide(policies)
    assert result.decision == decision
    assert [p.id for p in result.policies] == ids
    assert result.shadow is ("dry" in ids)


def test_forbid_decides_a_deny():
    result = decide(LIVE + STOP, context={})
    assert result.decision == "deny" and [p.id for p in result.policies] == ["stop"]
    assert result.policies[0].mode == "enforce"  # unannotated policies count as live


def test_invalid_request_denies_with_error():
    result = decide(LIVE, context={"n": "one"})
    assert result.decision == "deny" and result.errors


def test_annotations_follow_cedars_policy_order():
    text = "".join(f'@id("p{i}") permit (principal, action, resource);\n' for i in range(12))
    assert [v["id"] for _, v in sorted(policy_annotations(text).items(),
                                       key=lambda kv: int(kv[0][6:]))] == \
        [f"p{i}" for i in range(12)]


def test_resource_uid_of():
    ents = json.dumps(ENTITIES[1:] + [{"uid": {"type": "R", "id": "s"},
                                       "attrs": {"key": "api.s"}, "parents": []}])
    assert resource_uid_of(ents, "api.r", "e") == 'R::"r"'
    assert resource_uid_of(ents, "api.s", "e") == 'R::"s"'  # shared: no env
    assert resource_uid_of(ents, 'R::"x"', "e") == 'R::"x"'
    with pytest.raises(ValueError, match="known: api.r@e, api.s"):
        resource_uid_of(ents, "api.r@other", "e")

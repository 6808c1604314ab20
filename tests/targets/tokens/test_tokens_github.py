"""GitHub installation token requests: one per (owner, permission set), bodies GitHub's OpenAPI
accepts, nothing beyond the agent's grants, lifetimes as docs/language.md's `session` says."""
from __future__ import annotations

import json

from helpers import model_from

from agentpol.pipeline import check
from agentpol.targets.tokens import emit
from validators.github_openapi import validate_github_token_request

SOURCE = '''
resource github_repo web  { repo = "acme/web", shared = true }
resource github_repo docs { repo = "acme/docs", shared = true }
resource github_repo tool { repo = "other-org/tool", shared = true }
agent coder {
  owner = "dev@acme.com"
  in staging {
    allow write, "pull_requests:write" on github_repo.web
    allow read on github_repo.docs, github_repo.tool
    allow "issues:write" on "acme/docs"
    allow "pull_request:write", "workflows:read" on github_repo.docs
    session 30m
  }
  in prod {
    allow "contents:write", "actions:read" on github_repo.web
    deny write on github_repo.web
    allow read on github_repo.docs
    deny read on github_repo.docs
    session 2h
  }
}
'''


def requests(out, env, agent="coder"):
    prefix = f"tokens/{env}/{agent}/github-token"
    return {p.rsplit("/", 1)[1]: json.loads(t) for p, t in out.items() if p.startswith(prefix)}


def test_one_request_per_owner_and_permission_set():
    got = requests(emit(model_from(SOURCE)), "staging")
    assert {n: (r["installation"]["owner"], r["request"]["body"]) for n, r in got.items()} == {
        "github-token.json": ("acme", {"repositories": ["docs"],
                                       "permissions": {"contents": "read", "issues": "write"}}),
        "github-token-2.json": ("acme", {"repositories": ["web"], "permissions": {
            "contents": "write", "pull_requests": "write"}}),
        "github-token-3.json": ("other-org", {"repositories": ["tool"],
                                              "permissions": {"contents": "read"}}),
    }
    assert got["github-token-3.json"]["installation"]["lookup"] == \
        "GET /repos/other-org/tool/installation"
    for request in got.values():
        assert request["request"]["method"] == "POST"
        assert request["request"]["path"] == "/app/installations/{installation_id}/access_tokens"


def test_bodies_are_valid_token_requests(acme_model):
    for out in (emit(acme_model), emit(model_from(SOURCE))):
        bodies = [json.loads(t)["request"]["body"] for p, t in out.items()
                  if p.rsplit("/", 1)[1].startswith("github-token")]
        assert bodies
        for body in bodies:
            assert validate_github_token_request(body) == []


def test_unknown_permissions_are_left_out_and_reported():
    model = model_from(SOURCE)
    for request in requests(emit(model), "staging").values():
        perms = request["request"]["body"]["permissions"]
        assert "pull_request" not in perms and perms.get("workflows") != "read"
    reported = sorted(f.message for f in check(model).findings if f.rule == "unknown-action")
    assert len(reported) == 2
    assert any("`pull_request`; did you mean `pull_requests`?" in m for m in reported)
    assert any("workflows" in m and "read" in m for m in reported)


def test_denies_lower_or_drop_a_permission():
    got = requests(emit(model_from(SOURCE)), "prod")
    assert [r["request"]["body"] for r in got.values()] == [
        {"repositories": ["web"], "permissions": {"actions": "read", "contents": "read"}}]


def test_lifetime_is_session_within_githubs_hour():
    out = emit(model_from(SOURCE))
    short = requests(out, "staging")["github-token.json"]["lifetime"]
    assert (short["ttl_seconds"], short["session_seconds"]) == (1800, 1800)
    assert "revokes the token" in short["note"]
    long = requests(out, "prod")["github-token.json"]["lifetime"]
    assert (long["ttl_seconds"], long["session_seconds"]) == (3600, 7200)
    assert "cuts the token short" in long["note"]


def test_shadow_principal_gets_no_request():
    model = model_from(SOURCE.replace("session 2h", "session 2h\n    mode shadow"))
    assert requests(emit(model), "prod") == {}
    assert requests(emit(model), "staging")

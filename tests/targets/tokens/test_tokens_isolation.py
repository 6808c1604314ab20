"""One credential per agent per environment: no two agent@env pairs share a token, key name,
Vault role or GitHub request; a prod credential never shows up in another env's files; every
lifetime is `session` within its provider's cap; no credential carries more than the agent's
live grants."""
from __future__ import annotations

import json

import pytest
from helpers import model_from

from agentpol.catalogue import github, vault
from agentpol.targets.tokens import emit

SOURCE = '''
resource github_repo web   { repo = "acme/web", shared = true }
resource vault_path  creds { path = "secret/data/{env}/creds/*" }
resource api openai  { provider = openai, host = "api.openai.com", key_name = "oa", shared = true }
resource api stripe  { provider = stripe, host = "api.stripe.com", key_name = "st-{env}" }
resource sqs_queue   jobs  { name = "jobs-{env}" }
profile worker {
  allow write on github_repo.web
  allow read, list on vault_path.creds
  allow call on api.openai
  allow "charges:read" on api.stripe
  allow send on sqs_queue.jobs
  budget total 10 usd per day
}
agent alpha { owner = "a@acme.com"
  in staging, prod { use worker
                     session 20m } }
agent beta { owner = "b@acme.com"
  in staging, prod { use worker
                     allow "issues:write" on github_repo.web
                     session 3h } }
'''


@pytest.fixture(scope="module", params=["acme", "source"])
def model(request, acme_model):
    return acme_model if request.param == "acme" else model_from(SOURCE)


def credentials(out) -> list[dict]:
    return [dict(c, env=json.loads(t)["env"]) for p, t in out.items() if p.endswith("index.json")
            for c in json.loads(t)["credentials"]]


def test_no_two_principals_share_a_credential(model):
    out = emit(model)
    held: dict[tuple, set] = {}
    for c in credentials(out):
        held.setdefault((c["kind"], c["name"]), set()).add((c["agent"], c["env"]))
    assert held and all(len(owners) == 1 for owners in held.values()), held
    roles = [json.loads(t)["role_name"] for p, t in out.items() if p.endswith("token-role.json")]
    requests = [json.loads(t)["name"] for p, t in out.items() if "/github-token" in p]
    assert roles and requests
    assert len(set(roles)) == len(roles) and len(set(requests)) == len(requests)


def test_a_prod_credential_never_appears_in_another_envs_files(model):
    out = emit(model)
    prod = {c["name"] for c in credentials(out) if c["env"] == "prod"}
    assert prod
    for path, text in out.items():
        if path.split("/")[1] != "prod":
            assert not [name for name in prod if name in text], path


def test_lifetimes_are_session_within_provider_caps(model):
    for c in credentials(emit(model)):
        session = model.principals[f"{c['agent']}@{c['env']}"].session
        runtime = model.environments[c["env"]].aws_runtime or ""
        cap = {"github-installation-token": 3600,
               "aws-sts-session": 3600 if ":role/" in runtime else session}.get(c["kind"], session)
        assert c["session_seconds"] == session
        assert c["ttl_seconds"] == min(session, cap), c


def test_no_credential_grants_more_than_the_agent(model):
    out = emit(model)
    for path, text in out.items():
        _, env, agent, name = (path.split("/") + [""])[:4]
        if not name:
            continue
        live = model.principals[f"{agent}@{env}"].live_grants()
        if name.startswith("github-token"):
            doc = json.loads(text)
            owner = doc["installation"]["owner"]
            for repo in doc["request"]["body"]["repositories"]:
                for perm, level in doc["request"]["body"]["permissions"].items():
                    assert any(_grants_github(model, g, f"{owner}/{repo}", perm, level)
                               for g in live), (path, repo, perm)
        elif name == "vault-policy.hcl":
            allowed = {c for g in live for c in vault.capabilities(g.access.value, g.access.raw)
                       or () if _is_vault(model, g)}
            for line in text.splitlines():
                if line.strip().startswith("capabilities"):
                    assert set(json.loads(line.split("=", 1)[1])) - {"deny"} <= allowed


def _grants_github(model, g, repo, perm, level) -> bool:
    target = (model.instances[g.target.instance].attrs.get("repo") if g.target.instance
              else g.target.raw)
    asked = github.permission(g.access.value, g.access.raw)
    return target == repo and asked is not None and asked[0] == perm and \
        github.LEVELS.index(asked[1]) >= github.LEVELS.index(level)


def _is_vault(model, g) -> bool:
    inst = model.instances.get(g.target.instance or "")
    return g.target.kind == "vault" or (inst is not None and inst.type == "vault_path")


def test_grants_pending_review_hold_nothing():
    model = model_from(SOURCE + '''
      environment qa { aws_account = "444444444444" review_window = 24h }
      agent gamma { owner = "c@acme.com" in qa { allow write on github_repo.web } }''')
    out = emit(model)
    assert [p for p in out if p.startswith("tokens/qa/gamma/")] == []
    index = json.loads(out["tokens/qa/index.json"])
    assert index["credentials"] == []
    assert index["not_live"] == [{"agent": "gamma",
                                  "reason": "1 grant(s) pending review: not in any credential"}]

"""The tokens target on the acme organisation: golden files, determinism, registration, and
what compile does with shadow principals' credentials."""
from __future__ import annotations

import json
from pathlib import Path

from agentpol.artifacts import build
from agentpol.targets import TARGETS
from agentpol.targets.tokens import emit

GOLDEN = Path(__file__).parent / "golden"


def test_acme_matches_golden(acme_model, golden):
    golden(GOLDEN, emit(acme_model))


def test_registered_and_deterministic(acme_model):
    assert TARGETS["tokens"] is emit
    assert emit(acme_model) == emit(acme_model)


def test_every_file_is_under_tokens_env_agent(acme_model):
    for path in emit(acme_model):
        parts = path.split("/")
        assert parts[0] == "tokens" and parts[1] in acme_model.environments
        assert (len(parts) == 3 and parts[2] == "index.json") or len(parts) == 4


def test_shadow_principal_holds_nothing_live_but_is_previewed(acme_model):
    files = build(acme_model, TARGETS, ["tokens"])
    live = [p for p in files if p.startswith("tokens/prod/refund-agent/")]
    shadow = sorted(p for p in files if p.startswith("shadow/tokens/prod/refund-agent/"))
    assert live == []
    assert shadow == ["shadow/tokens/prod/refund-agent/stripe-restricted-key.md",
                      "shadow/tokens/prod/refund-agent/sts-session-policy.json"]
    index = json.loads(files["tokens/prod/index.json"])
    assert all(c["agent"] != "refund-agent" for c in index["credentials"])
    assert {"agent": "refund-agent", "reason": "shadow mode: no live credential"} in \
        index["not_live"]


def test_index_lists_every_file_of_its_env(acme_model):
    out = emit(acme_model)
    for env in acme_model.environments:
        index = json.loads(out[f"tokens/{env}/index.json"])
        listed = {f"tokens/{env}/{f}" for c in index["credentials"] for f in c["files"]}
        emitted = {p for p in out if p.startswith(f"tokens/{env}/") and p.count("/") == 3}
        assert listed == emitted

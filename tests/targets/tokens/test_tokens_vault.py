"""Vault policy and token role: HCL that parses, only real capabilities, the least capabilities
per word, denies honoured under Vault's most-specific-path rule, TTL = session."""
from __future__ import annotations

import json

import hcl2
from helpers import model_from

from agentpol.catalogue import vault
from agentpol.pipeline import check
from agentpol.targets.tokens import emit

SOURCE = '''
resource vault_path app  { path = "secret/data/{env}/app/*" }
resource vault_path kv1  { path = "kv/{env}/config" }
agent ops {
  owner = "ops@acme.com"
  in staging {
    allow read, list on vault_path.app
    allow write, delete on vault_path.kv1
    allow "patch", "sudoo" on "secret/data/{env}/app/settings"
    allow read, write on "secret/data/{env}/team/*"
    deny write on "secret/data/{env}/team/locked/*"
    deny read, write on "secret/data/{env}/team/admin"
    session 45m
  }
}
'''


def policy(text: str) -> dict[str, list[str]]:
    """path -> capabilities, as HCL (python-hcl2) reads the file."""
    return {path.strip('"'): [c.strip('"') for c in body["capabilities"]]
            for block in hcl2.loads(text)["path"] for path, body in block.items()}


def test_policy_parses_with_the_least_capabilities():
    out = emit(model_from(SOURCE))
    assert policy(out["tokens/staging/ops/vault-policy.hcl"]) == {
        "secret/data/staging/app/*": ["read"],
        "secret/metadata/staging/app/*": ["list"],  # KV v2: keys are listed under metadata/
        "kv/staging/config": ["create", "update", "delete"],
        # Vault applies the most specific rule only: it keeps the `read` of app/*
        "secret/data/staging/app/settings": ["read", "patch"],
        "secret/data/staging/team/*": ["create", "read", "update"],
        "secret/data/staging/team/locked/*": ["read"],
        "secret/data/staging/team/admin": ["deny"],
    }


def test_unknown_capability_left_out_and_reported():
    model = model_from(SOURCE)
    reported = [f.message for f in check(model).findings if f.rule == "unknown-action"]
    assert len(reported) == 1 and '"sudoo" is not a Vault capability' in reported[0]
    assert "sudoo" not in emit(model)["tokens/staging/ops/vault-policy.hcl"]


def test_acme_policies_parse_and_use_real_capabilities(acme_model):
    out = emit(acme_model)
    hcl = [t for p, t in out.items() if p.endswith("vault-policy.hcl")]
    assert hcl
    for text in hcl:
        for caps in policy(text).values():
            assert caps and set(caps) <= set(vault.CAPABILITIES)


def test_token_role_uses_vaults_parameters_and_session(acme_model):
    for model in (acme_model, model_from(SOURCE)):
        for path, text in emit(model).items():
            if not path.endswith("vault-token-role.json"):
                continue
            _, env, agent, _ = path.split("/")
            role = json.loads(text)
            assert set(role) <= vault.TOKEN_ROLE_PARAMETERS
            name = f"agentpol-{agent}@{env}"
            assert role["role_name"] == name and role["allowed_policies"] == [name]
            assert role["token_explicit_max_ttl"] == model.principals[f"{agent}@{env}"].session
            assert role["orphan"] is True and role["renewable"] is False
            assert role["token_type"] in vault.TOKEN_TYPES
            assert f"vault policy write '{name}'" in emit(model)[path.replace(
                "vault-token-role.json", "vault-policy.hcl")]


def test_no_vault_grant_no_vault_files():
    out = emit(model_from('agent a { owner = "a@b.c"\n in staging { session 1h } }'))
    assert not [p for p in out if "vault" in p]


def test_narrower_and_overlapping_rules_keep_the_broader_grants():
    """Vault applies only the most specific rule for a path: a narrower rule keeps what a
    glob covering it grants, and two overlapping globs get a rule for their overlap."""
    out = emit(model_from('''
agent ops {
  owner = "t@acme.com"
  in staging {
    allow read on "secret/prod/*"
    allow write on "secret/+/x"
    allow "patch" on "secret/prod/y"
  }
}
'''))
    assert policy(out["tokens/staging/ops/vault-policy.hcl"]) == {
        "secret/+/x": ["create", "update"],
        "secret/prod/*": ["read"],
        "secret/prod/x": ["create", "read", "update"],
        "secret/prod/y": ["read", "patch"],
    }

"""Vault capabilities, access words and token-role parameters."""
from __future__ import annotations

from agentpol.catalogue import vault


def test_words_use_only_real_capabilities():
    for caps in vault.WORDS.values():
        assert set(caps) <= set(vault.CAPABILITIES)
    assert vault.capabilities("write", raw=False) == ("create", "update")
    assert vault.capabilities("patch", raw=True) == ("patch",)
    assert vault.capabilities("write", raw=True) is None  # old `policy = "write"`, not a capability
    assert vault.capabilities("root", raw=True) is None


def test_kv2_list_goes_to_the_metadata_path():
    assert vault.rule_path("secret/data/app/*", "list", raw=False) == "secret/metadata/app/*"
    assert vault.rule_path("secret/data/app/*", "read", raw=False) == "secret/data/app/*"
    assert vault.rule_path("kv/app/*", "list", raw=False) == "kv/app/*"  # KV v1: as written
    assert vault.rule_path("secret/data/app/*", "list", raw=True) == "secret/data/app/*"


def test_order_and_deny():
    assert vault.order({"update", "create", "read"}) == ["create", "read", "update"]
    assert vault.order({"read", "deny"}) == ["deny"]
    assert vault.order(set()) == []


def test_token_role_parameters_hold_what_the_target_sets():
    assert {"allowed_policies", "orphan", "renewable", "token_explicit_max_ttl",
            "token_type", "token_no_default_policy"} <= vault.TOKEN_ROLE_PARAMETERS
    assert "token_ttl" not in vault.TOKEN_ROLE_PARAMETERS  # token roles have no token_ttl

"""Vault: policy capabilities, what the language's access words mean on a `vault_path`, and the
parameters of a token role.

Capabilities are those Vault's ACL parser accepts (vault/policy.go, docs/concepts/policies):
`create read update patch delete list sudo deny`, plus `subscribe` (Vault 1.15+, event
subscriptions) and `recover` (Vault 1.20+, recovering data from a loaded snapshot). Anything
else makes `vault policy write` fail with "invalid capability".

Access words, each the least that does the job:
- `read` is `read`; `list` is `list`; `delete` is `delete`.
- `write` is `create` + `update`: most of Vault does not tell the two apart and a write of a new
  key needs `create`, of an existing one `update`. `patch` is not included; grant it as written.
- KV version 2 keeps values under `MOUNT/data/...` and key names under `MOUNT/metadata/...`, so
  listing `secret/data/x/*` needs `list` on `secret/metadata/x/*`: `list` on a path whose second
  segment is `data` is granted on its `metadata` twin. `read`, `write` and `delete` (a soft
  delete of the latest version) work on the `data` path itself. Raw capabilities are granted on
  the path exactly as written.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Every capability, in the order Vault documents them (and policies list them).
CAPABILITIES: tuple[str, ...] = (
    "create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe", "recover",
)

WORDS: Mapping[str, tuple[str, ...]] = {
    "read": ("read",),
    "list": ("list",),
    "write": ("create", "update"),
    "delete": ("delete",),
}

#: Body parameters of `POST /auth/token/roles/:role_name` (api-docs/auth/token, including the
#: common token fields), so that an emitted role carries nothing Vault would ignore.
TOKEN_ROLE_PARAMETERS = frozenset({
    "role_name", "allowed_policies", "disallowed_policies", "allowed_policies_glob",
    "disallowed_policies_glob", "orphan", "renewable", "path_suffix", "allowed_entity_aliases",
    "token_bound_cidrs", "token_explicit_max_ttl", "token_no_default_policy", "token_num_uses",
    "token_period", "token_type",
})

#: Values of a role's `token_type`.
TOKEN_TYPES = ("service", "batch", "default-service", "default-batch")


def capabilities(value: str, raw: bool) -> tuple[str, ...] | None:
    """The capabilities an access grants (a word, or one raw capability); None when Vault has
    no such capability."""
    if not raw:
        return WORDS.get(value)
    return (value,) if value in CAPABILITIES else None


def rule_path(path: str, value: str, raw: bool) -> str:
    """The policy path an access is granted on: the path itself, except the word `list` on a
    KV v2 `data` path, which is granted on its `metadata` twin."""
    mount, sep, rest = path.partition("/")
    if not raw and value == "list" and rest.startswith("data/"):
        return f"{mount}{sep}metadata/{rest.removeprefix('data/')}"
    return path


def order(caps) -> list[str]:
    """Capabilities in Vault's order; `deny` alone when present (it overrides every other)."""
    if "deny" in caps:
        return ["deny"]
    return [c for c in CAPABILITIES if c in caps]

"""Cedar names: what the gateway's schema calls agentpol's principals, resources, actions and
context keys. The cedar target writes these names and `agentpol authorize` builds requests
from them, so both read this one table.
"""
from __future__ import annotations

from typing import Mapping

NAMESPACE = "Agentpol"

#: The resource types whose traffic passes through the gateway, and their Cedar entity types.
#: AWS, GitHub and Vault are called directly with the agent's own credentials: IAM, the token
#: and the Vault policy enforce those, not the gateway.
ENTITY_TYPES: Mapping[str, str] = {"api": "Api", "mcp_server": "McpServer", "host": "Host"}

#: Attributes each resource entity carries besides key, name and shared: name -> required.
ENTITY_ATTRS: Mapping[str, Mapping[str, bool]] = {
    "api": {"provider": True, "host": True, "key_name": True},
    "mcp_server": {"url": True},
    "host": {"address": False, "url": False},
}

#: The access word of each type. Raw scopes and tool names are members of it, so a grant of
#: the word (`allow call on api.x`) covers every scope and tool of that resource.
BASE_ACTION: Mapping[str, str] = {"api": "call", "mcp_server": "call", "host": "connect"}

BUDGET_PERIODS = ("hour", "day", "month")
RATE_PERIODS = ("second", "minute", "hour", "day")

COST = "cost_cents"
APPROVED = "approved"


def spend_key(period: str, total: bool = False) -> str:
    """Spend in the current window: on this resource, or (`total`) on every Api."""
    return f"{'total_' if total else ''}spend_cents_{period}"


def calls_key(period: str) -> str:
    """Calls already made to this resource in the current window (this one not counted)."""
    return f"calls_{period}"


#: Every context key the policies may read, with its Cedar type. All are optional in the
#: schema: a policy that needs one tests `context has` it and denies without it.
CONTEXT: Mapping[str, str] = {
    COST: "Long",
    **{spend_key(p): "Long" for p in BUDGET_PERIODS},
    **{spend_key(p, total=True): "Long" for p in BUDGET_PERIODS},
    **{calls_key(p): "Long" for p in RATE_PERIODS},
    APPROVED: "Boolean",
}


def qualified(type_name: str) -> str:
    return f"{NAMESPACE}::{type_name}"


def quote(text: str) -> str:
    """A Cedar string literal (Cedar escapes differ from JSON's for control characters)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def uid(type_name: str, ident: str) -> str:
    """`Agentpol::Api::"api.openai@prod"`: an entity reference in policy text."""
    return f"{qualified(type_name)}::{quote(ident)}"


def agent_uid(principal: str) -> str:
    return uid("Agent", principal)


def action_uid(action: str) -> str:
    return uid("Action", action)


def env_uid(env: str) -> str:
    return uid("Environment", env)


def resource_uid(instance_type: str, instance_key: str) -> str:
    return uid(ENTITY_TYPES[instance_type], instance_key)

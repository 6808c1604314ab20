"""The `tokens` target: one scoped, short-lived credential per agent per environment.

Per env E and agent A, under `tokens/E/A/`: GitHub installation token requests, a Vault policy
and token role, an STS session policy with its AssumeRole parameters, OpenAI project and
Anthropic workspace settings, a Stripe restricted-key checklist; and `tokens/E/index.json`, the
inventory of every credential of E. Only live grants go in (shadow principals and grants
pending review get nothing); each credential lives `session`, or less where its provider caps
it, and says so.

For the checker: `unknown_github_permissions`, `unknown_vault_capabilities` (`unknown-action`)
and `quota_problems` (`quota`: session policies over STS's limit, which are still emitted).
"""
from __future__ import annotations

from agentpol.model import Model, Principal

from . import apikeys, github, llm, sts, stripe, vault
from .credential import Credential
from .github import unknown_github_permissions
from .index import index
from .sts import quota_problems
from .vault import unknown_vault_capabilities

__all__ = ["emit", "unknown_github_permissions", "unknown_vault_capabilities", "quota_problems"]

PROVIDERS = (github, vault, sts, llm, stripe, apikeys)


def emit(model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    held: dict[str, list[tuple[Principal, Credential]]] = {e: [] for e in model.environments}
    for p in model.principals.values():
        for provider in PROVIDERS:
            texts, creds = provider.issue(model, p)
            files.update({f"tokens/{p.env}/{p.agent}/{name}": text for name, text in texts.items()})
            held[p.env].extend((p, c) for c in creds)
    for env, creds in held.items():
        files[f"tokens/{env}/index.json"] = index(model, env, creds)
    return dict(sorted(files.items()))

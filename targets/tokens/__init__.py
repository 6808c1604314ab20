"""The `tokens` target: one scoped, short-lived credential per agent per environment.

Per env E and agent A, under `tokens/E/A/`: GitHub installation token requests, a Vault policy
and token role, an STS session policy with its AssumeRole parameters, OpenAI project and
Anthropic workspace settings, a Stripe restricted-key checklist; and `tokens/E/index.json`, the
inventory of every credential of E. Only live grants go in (shadow principals and grants
pending review get nothing); each credential lives `session`, or less where its provider caps
it, and says so.

Unknown GitHub permissions and Vault capabilities are left out (the checker reports them as
`unknown-action`); `quota_problems` serves the checker's `quota` rule (session policies over
STS's limit are still emitted).
"""
from __future__ import annotations

from agentpol.model import Model, Principal

from . import apikeys, github, llm, sts, stripe, vault
from .credential import Credential
from .index import index
from .sts import quota_problems, quota_reads

__all__ = ["emit", "quota_problems", "quota_reads"]

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

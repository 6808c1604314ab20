"""`openai-project.json` / `anthropic-workspace.json`: the project (OpenAI) or workspace
(Anthropic) that holds the agent's API keys in one env, with its spend and rate limits.

One project or workspace per agent@env, one key per api instance the agent calls. Budgets and
rates are written as the policy states them (the gateway enforces them exactly, per period);
both providers cap spend per calendar month, so `monthly_limit_usd` is the tightest monthly
ceiling the budgets imply: the sum of each key's ceiling, at most the `total` one.
"""
from __future__ import annotations

from agentpol.model import Model, Principal

from .credential import (Credential, Issued, api_grants, base_name, dumps, held_by_gateway,
                         key_name, lifetime, limits, monthly_cents, rates, sources, usd)

#: provider -> (file, what holds the keys, why the key's own lifetime cannot be `session`)
PROVIDERS = {
    "openai": ("openai-project.json", "project",
               "OpenAI API keys (of a project service account) do not expire"),
    "anthropic": ("anthropic-workspace.json", "workspace",
                  "Anthropic API keys do not expire and are made in the Console"),
}


def issue(model: Model, p: Principal) -> Issued:
    files, creds = {}, []
    for provider, (file, holder, why) in PROVIDERS.items():
        by_api = api_grants(model, p, {provider})
        if not by_api:
            continue
        how = held_by_gateway(why, p)
        keys, ceilings = [], []
        for api, grants in sorted(by_api.items()):
            inst = model.instance(api)
            name = key_name(model, p, inst)
            keys.append({"api": api, "host": inst.attrs.get("host"), "name": name,
                         "access": [g.access.value for g in grants],
                         "spend_limits": limits(p, api), "rate_limits": rates(p, api)})
            ceilings.append(monthly_cents(p, api))
            creds.append(Credential(
                kind=f"{provider}-api-key", name=name, ttl_seconds=p.session, lifetime=how,
                scope={holder: base_name(p), "api": api, "access": keys[-1]["access"]},
                files=(file,), sources=sources(grants)))
        doc = {
            "agent": p.agent,
            "env": p.env,
            holder: {"name": base_name(p)},
            "api_keys": keys,
            "total_spend_limits": limits(p, None),
            "lifetime": lifetime(p, p.session, how),
        }
        monthly = _monthly(ceilings, monthly_cents(p, None))
        if monthly is not None:
            doc["monthly_limit_usd"] = usd(monthly)
        files[file] = dumps(doc)
    return files, creds


def _monthly(per_key: list[int | None], total: int | None) -> int | None:
    known = [c for c in per_key if c is not None]
    bounded = sum(known) if per_key and len(known) == len(per_key) else None
    caps = [c for c in (bounded, total) if c is not None]
    return min(caps) if caps else None

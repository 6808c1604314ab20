"""`tokens/E/index.json`: every credential every agent of env E holds, with its lifetime and
scope: the inventory a reviewer checks. Agents in shadow mode, and grants pending review, hold
nothing live; they are named so that their absence is visibly deliberate."""
from __future__ import annotations

from agentpol.model import Model, Principal

from .credential import Credential, dumps


def index(model: Model, env: str, held: list[tuple[Principal, Credential]]) -> str:
    credentials = sorted(({
        "agent": p.agent,
        "kind": c.kind,
        "name": c.name,
        "files": [f"{p.agent}/{f}" for f in c.files],
        "ttl_seconds": c.ttl_seconds,
        "session_seconds": p.session,
        "lifetime": c.lifetime,
        "scope": c.scope,
        "granted_by": list(c.sources),
    } for p, c in held), key=lambda e: (e["agent"], e["kind"], e["name"]))
    not_live = []
    for p in model.principals_in(env):
        pending = sum(g.pending for g in p.grants)
        if p.shadow:
            not_live.append({"agent": p.agent, "reason": "shadow mode: no live credential"})
        elif pending:
            not_live.append({"agent": p.agent,
                             "reason": f"{pending} grant(s) pending review: not in any credential"})
    return dumps({
        "env": env,
        "protected": model.environments[env].protected,
        "credentials": credentials,
        "not_live": not_live,
    })

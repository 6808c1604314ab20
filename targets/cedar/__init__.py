"""The cedar target: per environment, the policy store of the gateway that every tool call and
paid API call passes through (kill switches, budgets, rates, approvals and shadow mode live
there, outside the agent). See docs/targets/cedar.md for how a gateway consumes the files."""
from __future__ import annotations

from agentpol.model import Model

from .entities import entities
from .killswitch import killswitch
from .policies import policies, shadow
from .schema import schema


def emit(model: Model) -> dict[str, str]:
    files = {}
    for env in model.environments:
        base = f"cedar/{env}"
        files[f"{base}/schema.cedarschema.json"] = schema(model, env)
        files[f"{base}/policies.cedar"] = policies(model, env)
        files[f"{base}/shadow.cedar"] = shadow(model, env)
        files[f"{base}/entities.json"] = entities(model, env)
        files[f"{base}/killswitch.cedar"] = killswitch(model, env)
    return dict(sorted(files.items()))

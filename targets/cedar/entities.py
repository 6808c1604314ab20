"""`entities.json`: the env's agents (members of their Environment) and the gateway resources
they may name, in Cedar's JSON entity format. Environments are enum entities: Cedar knows them
from the schema, so they are not listed."""
from __future__ import annotations


from agentpol.catalogue.cedar import ENTITY_ATTRS, ENTITY_TYPES, qualified
from agentpol.model import Model

from . import scope
from agentpol.serialise import dumps


def entities(model: Model, env: str) -> str:
    out = [_entity("Agent", p.key, {
        "agent": p.agent,
        "env": {"__entity": _ref("Environment", p.env)},
        "mode": p.mode,
        "service_account": p.service_account,
        "cross_env": scope.cross_env(model, p),
    }, p.env) for p in model.principals_in(env)]
    for inst in scope.instances(model, env):
        attrs = {"key": inst.key, "name": inst.name, "shared": inst.env is None}
        attrs.update({a: str(inst.attrs[a]) for a in ENTITY_ATTRS[inst.type] if a in inst.attrs})
        out.append(_entity(ENTITY_TYPES[inst.type], inst.key, attrs, inst.env))
    return dumps(out, sort_keys=True) + "\n"


def _entity(type_name: str, ident: str, attrs: dict, env: str | None) -> dict:
    return {"uid": _ref(type_name, ident), "attrs": attrs,
            "parents": [_ref("Environment", env)] if env else []}


def _ref(type_name: str, ident: str) -> dict:
    return {"type": qualified(type_name), "id": ident}

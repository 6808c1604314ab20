"""`schema.cedarschema.json`: Cedar's JSON schema format. Environment is an enum entity type,
so a misspelt env is a validation error; every context key is optional and typed, so strict
validation rejects any policy that reads one without `context has` first."""
from __future__ import annotations


from agentpol.catalogue.cedar import (BASE_ACTION, CONTEXT, ENTITY_ATTRS, ENTITY_TYPES,
                                      NAMESPACE)
from agentpol.model import Model

from . import scope
from agentpol.serialise import dumps

_AGENT_ATTRS = {
    "agent": {"type": "String"},
    "env": {"type": "Entity", "name": "Environment"},
    "mode": {"type": "String"},
    "service_account": {"type": "String"},
    "cross_env": {"type": "Set", "element": {"type": "String"}},
}
_RESOURCE_ATTRS: dict[str, dict] = {"key": {"type": "String"}, "name": {"type": "String"},
                   "shared": {"type": "Boolean"}}


def schema(model: Model, env: str) -> str:
    entity_types: dict[str, dict] = {
        "Environment": {"enum": sorted(model.environments)},
        "Agent": {"memberOfTypes": ["Environment"], "shape": _record(_AGENT_ATTRS)},
    }
    for itype, name in ENTITY_TYPES.items():
        attrs = dict(_RESOURCE_ATTRS)
        attrs.update({a: {"type": "String", "required": req}
                      for a, req in ENTITY_ATTRS[itype].items()})
        entity_types[name] = {"memberOfTypes": ["Environment"], "shape": _record(attrs)}
    context = _record({k: {"type": t, "required": False} for k, t in CONTEXT.items()})
    actions: dict[str, dict] = {}
    for name, itypes in sorted(scope.actions(model, env).items()):
        action: dict = {"appliesTo": {"principalTypes": ["Agent"],
                                "resourceTypes": sorted(ENTITY_TYPES[t] for t in itypes),
                                "context": {"type": "Context"}}}
        if name not in BASE_ACTION.values():
            action["memberOf"] = [{"id": w} for w in sorted({BASE_ACTION[t] for t in itypes})]
        actions[name] = action
    doc = {NAMESPACE: {"commonTypes": {"Context": context}, "entityTypes": entity_types,
                       "actions": actions}}
    return dumps(doc, sort_keys=True) + "\n"


def _record(attrs: dict) -> dict:
    return {"type": "Record", "attributes": attrs}

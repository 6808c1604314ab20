"""What of the model the gateway sees: grants, denies and limits on `api`, `mcp_server` and
`host` instances. Everything else is enforced where the agent calls it directly (IAM, tokens,
Vault) and never reaches the gateway."""
from __future__ import annotations

from agentpol.catalogue.cedar import BASE_ACTION, ENTITY_TYPES
from agentpol.model import Access, Instance, Model, Principal, Target


def instance(model: Model, target: Target) -> Instance | None:
    """The gateway resource a statement points at, or None when the gateway never sees it."""
    inst = model.instances.get(target.instance or "")
    return inst if inst is not None and inst.type in ENTITY_TYPES else None


def is_group(access: Access, itype: str) -> bool:
    """True when the access is the type's access word, which covers all its scopes and tools:
    policies then match `action in`, else `action ==`."""
    return access.value == BASE_ACTION[itype]


def actions(model: Model, env: str) -> dict[str, set[str]]:
    """Action name -> the agentpol types it applies to, for every statement of env's agents;
    the access words always exist."""
    out: dict[str, set[str]] = {}
    for itype, word in BASE_ACTION.items():
        out.setdefault(word, set()).add(itype)
    for p in model.principals_in(env):
        for access, target in _accesses(p):
            inst = instance(model, target)
            if inst is not None:
                out.setdefault(access.value, set()).add(inst.type)
    return out


def instances(model: Model, env: str) -> list[Instance]:
    """The gateway resources of env, the shared ones, and any other env's that its agents
    name explicitly (`api.x@staging`), sorted by key."""
    keys = {k for k, i in model.instances.items()
            if i.type in ENTITY_TYPES and i.env in (env, None)}
    for p in model.principals_in(env):
        keys.update(i.key for i in _named(model, p))
    return [model.instances[k] for k in sorted(keys)]


def cross_env(model: Model, p: Principal) -> list[str]:
    """Instance keys of other, unprotected envs that p is granted by name: the only way past
    the env boundary. A protected env's resource never is, whatever the grant says."""
    keys = set()
    for g in p.grants:
        inst = instance(model, g.target)
        if inst is not None and inst.env not in (None, p.env) \
                and not model.environments[inst.env].protected:
            keys.add(inst.key)
    return sorted(keys)


def _accesses(p: Principal):
    yield from ((g.access, g.target) for g in p.grants + p.denies)
    yield from ((a.access, a.target) for a in p.approvals)


def _named(model: Model, p: Principal) -> list[Instance]:
    """Every gateway resource p's statements name: grants, denies, approvals, budgets, rates."""
    found = [instance(model, t) for _, t in _accesses(p)]
    keys = [b.api for b in p.budgets if b.api] + [r.target for r in p.rates]
    found += [model.instances.get(k) for k in keys]
    return [i for i in found if i is not None]

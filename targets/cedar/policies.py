"""`policies.cedar` and `shadow.cedar`: one permit per grant on a gateway resource, forbids for
denies, approvals, budgets and rates, and the env boundary.

Cedar skips a policy whose condition errors, and a forbid whose condition reads a missing key
does not apply; so each limit is written twice: inside the permit's `when` (an
unmet or missing limit leaves nothing permitted) and as a `forbid ... unless` (a missing key
satisfies no `unless`). Permits of shadow principals and of grants pending review carry
`@mode("shadow")`: the gateway logs what they would allow and does not forward it.
"""
from __future__ import annotations

from dataclasses import dataclass

from agentpol.catalogue.cedar import (APPROVED, COST, action_uid, agent_uid, calls_key,
                                      qualified, quote, resource_uid, spend_key)
from agentpol.model import Access, Budget, Instance, Model, Principal, Rate

from . import scope


@dataclass(frozen=True)
class Policy:
    """One Cedar policy: scope constraints and the conjuncts of its condition."""

    id: str
    effect: str  # "permit" | "forbid"
    principal: str
    action: str
    resource: str
    condition: tuple[str, ...] = ()  # permit: `when` all hold; forbid: `unless` all hold
    mode: str = "enforce"

    def text(self) -> str:
        out = (f"@id({quote(self.id)})\n@mode({quote(self.mode)})\n{self.effect} (\n"
               f"  {self.principal},\n  {self.action},\n  {self.resource}\n)")
        if self.condition:
            word = "when" if self.effect == "permit" else "unless"
            out += f"\n{word} {{\n  " + " &&\n  ".join(self.condition) + "\n}"
        return out + ";\n"


HEADER = """\
// agentpol: Cedar policies for the gateway of environment {env} (generated; do not edit).
// Evaluate every call with schema.cedarschema.json and entities.json (docs/targets/cedar.md).
// Forward a call only when the decision is Allow and a determining permit is @mode("enforce");
// an Allow by @mode("shadow") permits alone is a dry run: log it, do not forward.
"""


def boundary(env: str) -> Policy:
    """No agent reaches another env's resource, save shared ones and explicit grants into an
    unprotected env (the agent's `cross_env`)."""
    return Policy(f"{env} env boundary", "forbid", "principal", "action", "resource",
                  ("resource.shared || resource in principal.env || "
                   "principal.cross_env.contains(resource.key)",))


def principal_policies(model: Model, p: Principal) -> list[Policy]:
    """Every policy of one agent@env, permits then forbids, each sorted by id (ids say what a
    policy means, never where it is written)."""
    who = f"principal == {agent_uid(p.key)}"
    out = []
    for g in p.grants:
        inst = scope.instance(model, g.target)
        if inst is None:
            continue
        mode = "shadow" if p.shadow or g.pending else "enforce"
        out.append(Policy(_id(p, "allow", f"{g.access.value} on {inst.key}"), "permit",
                          who, _action(g.access, inst), _resource(inst),
                          _limits(model, p, inst, g.access), mode))
    for d in p.denies:
        inst = scope.instance(model, d.target)
        if inst is not None:
            out.append(Policy(_id(p, "deny", f"{d.access.value} on {inst.key}"),
                              "forbid", who, _action(d.access, inst), _resource(inst)))
    for a in p.approvals:
        inst = scope.instance(model, a.target)
        if inst is not None:
            out.append(Policy(_id(p, "approval", f"{a.access.value} on {inst.key}"),
                              "forbid", who, _action(a.access, inst), _resource(inst),
                              (_approved(),)))
    for b in p.budgets:
        what = b.api or "total"
        where = (_resource(model.instance(b.api)) if b.api
                 else f"resource is {qualified('Api')}")
        out.append(Policy(_id(p, "budget", f"{what} {b.cents} cents per {b.period}"),
                          "forbid", who, "action", where, (_budget(b),)))
    for r in p.rates:
        out.append(Policy(_id(p, "rate", f"{r.target} {r.count} per {r.period}"),
                          "forbid", who, "action", _resource(model.instance(r.target)),
                          (_rate(r),)))
    return sorted(_unique(out), key=lambda x: (x.effect != "permit", x.id))


def not_carried(model: Model, p: Principal) -> list[str]:
    """Approvals on resources the gateway never sees: nobody enforces them at call time."""
    return [f"approval required for {a.access} on {a.target} for {p.key}"
            for a in p.approvals if scope.instance(model, a.target) is None]


def policies(model: Model, env: str) -> str:
    parts = [HEADER.format(env=env), boundary(env).text()]
    notes = []
    for p in model.principals_in(env):
        body = principal_policies(model, p)
        if body:
            parts.append(f"// {p.key} (mode {p.mode})\n" + "\n".join(x.text() for x in body))
        notes += not_carried(model, p)
    if notes:
        parts.append("// Not enforced here (the gateway never sees these calls):\n"
                     + "".join(f"//   {n}\n" for n in notes))
    return "\n".join(parts)


def shadow(model: Model, env: str) -> str:
    """The @mode("shadow") permits of policies.cedar, alone and unchanged: what goes live when
    review ends, and the id list for gateways that return policy ids but not annotations."""
    held = [x for p in model.principals_in(env) for x in principal_policies(model, p)
            if x.mode == "shadow"]
    head = (f"// agentpol: shadow permits of environment {env}: the same policies, with the same"
            " ids, as in\n// policies.cedar. Do not load this file beside policies.cedar.\n")
    if not held:
        return head + "// (none)\n"
    return head + "\n" + "\n".join(x.text() for x in held)


def _id(p: Principal, verb: str, what: str) -> str:
    """`support-bot@prod allow read on api.x@prod`: what the policy means, no source line."""
    return f"{p.key} {verb} {what}"


def _action(access: Access, inst: Instance) -> str:
    op = "in" if scope.is_group(access, inst.type) else "=="
    return f"action {op} {action_uid(access.value)}"


def _resource(inst: Instance) -> str:
    return f"resource == {resource_uid(inst.type, inst.key)}"


def _limits(model: Model, p: Principal, inst: Instance, access: Access) -> tuple[str, ...]:
    """The conditions a call under this grant must meet: budgets on this api and `total`
    (any api), rates on this resource, approvals that cover the whole grant."""
    out = [_budget(b) for b in p.budgets if b.api == inst.key or
           (b.api is None and inst.type == "api")]
    out += [_rate(r) for r in p.rates if r.target == inst.key]
    if any(a.target.instance == inst.key and (a.access.value == access.value or
                                              scope.is_group(a.access, inst.type))
           for a in p.approvals):
        out.append(_approved())
    return tuple(dict.fromkeys(out))


def _budget(b: Budget) -> str:
    """Within the cap, counting this call; a negative cost (a gateway bug or a forged refund)
    would let spend past the cap, so it is outside the limit too."""
    spent = spend_key(b.period, total=b.api is None)
    return (f"context has {spent} && context has {COST} && context.{COST} >= 0 && "
            f"context.{spent} + context.{COST} <= {b.cents}")


def _rate(r: Rate) -> str:
    calls = calls_key(r.period)
    return f"context has {calls} && context.{calls} < {r.count}"


def _approved() -> str:
    return f"context has {APPROVED} && context.{APPROVED}"


def _unique(items: list[Policy]) -> list[Policy]:
    """One policy per id: a statement pulled in twice (two profiles) is written once."""
    seen: dict[str, Policy] = {}
    for x in items:
        seen.setdefault(x.id, x)
    return list(seen.values())

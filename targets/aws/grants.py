"""One grant (or deny) -> its IAM statements, split into those scoped to resources and the
actions IAM cannot scope (which go on `*`).

What a grant means in IAM is the lowering's (`Model.iam_of`), which the tokens target's session
policies and the checker read too. An action the catalogue does not know lowers to nothing and is
reported by the checker (`unknown-action`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from agentpol.catalogue import iam_statements
from agentpol.model import Grant, IamStatement, Model, Principal

#: The statement that lists the actions IAM cannot scope to a resource, on `*`.
NO_SCOPE_SID = "ActionsWithoutResourceScope"


def scopes(model: Model, grant: Grant) -> tuple[list[IamStatement], list[str]]:
    """(the grant's scoped statements, the actions it needs that exist only on `*`)."""
    groups = model.iam_of(grant) or ()
    scoped = iam_statements.join_actions(g for g in groups if g.resources != ("*",))
    return scoped, [a for g in groups if g.resources == ("*",) for a in g.actions]


@lru_cache(maxsize=4096)
def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


def sid(model: Model, grant: Grant) -> str:
    """`ReadDynamodbTableTickets`: the access and the target, letters and digits only (IAM's
    rule for Sids). A target in another env names that env. Derived from what the grant means,
    never from where it is written, so reformatting or moving a statement changes no Sid."""
    parts = ["Deny" if grant.effect == "deny" else "", _camel(grant.access.value)]
    if grant.target.instance is None:
        parts.append("Arn")
    else:
        inst = model.instance(grant.target.instance)
        parts += [_camel(inst.type), _camel(inst.name)]
        if inst.env not in (None, grant.env):
            parts.append(_camel(inst.env))
    return "".join(parts)


def principal_scopes(model: Model, p: Principal):
    """(allow statements, actions on `*`, deny statements) of one principal, sorted by Sid and
    scope (not source order, so moving a statement changes nothing): its live grants, and every
    deny (a deny never waits for review)."""
    allows, unscoped, denies = [], {}, []
    for grant in p.live_grants():
        scoped, star = scopes(model, grant)
        allows += [(sid(model, grant), scope, grant) for scope in scoped]
        unscoped.update(dict.fromkeys(star))
    for grant in p.denies:
        scoped, star = scopes(model, grant)
        if star and grant.access.raw:  # a word's `*` part (ecr login) is not the word's target
            scoped.append(IamStatement(tuple(sorted(star)), ("*",)))
        denies += [(sid(model, grant), scope, grant) for scope in scoped]
    return sorted(allows, key=_order), sorted(unscoped), sorted(denies, key=_order)


def _order(entry) -> tuple:
    sid_, scope, _ = entry
    return sid_, scope.sort_key()

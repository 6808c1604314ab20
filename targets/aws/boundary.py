"""The env's permissions boundary: every action its agents are allowed, on every resource of
the types they are allowed it on, and the guards.

A boundary only narrows: a role can do what both its identity policy and the boundary allow.
It is one managed policy of at most 6,144 characters per env, so it cannot list what every
agent is granted (1,000 agents on 200 resources would need several times that). It names
resource *types* instead: each granted ARN is widened to its type's ARN format with the name
parts as `*`, keeping its partition and account (`arn:aws:dynamodb:*:111111111111:table/*`).
Its size then depends on how many distinct actions, resource types and accounts an env's
grants use, never on how many agents or resources there are. What it still bounds: only those
actions, only on those types, and with the guards only inside the env's own account (plus the
shared or third-party resources a grant names exactly), never on an agentpol role or policy,
never on the audit record. Conditions are left out (a boundary that is wider than a condition
still caps). Statements are merged (catalogue.iam_statements.merge).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from agentpol.catalogue import iam, iam_statements
from agentpol.model import IamStatement

from .grants import NO_SCOPE_SID

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


@cache
def _widened(action: str, arn: str) -> tuple[str, ...]:
    """`arn` as the ARN formats of the types `action` is allowed on there, every name part a
    `*` (partition and account kept; the region any): a resource type, not one resource.
    An ARN the catalogue cannot type stays as written."""
    named = iam.resource_types_of_arn(arn)
    fields = arn.split(":", 5)
    partition, account = fields[1], fields[4] if len(fields) == 6 else ""
    out = []
    for rt in iam.resource_types_for(action):
        if rt.name.lower() in named:
            out.append(_PLACEHOLDER.sub(
                lambda m: {"Partition": partition, "Account": account}.get(m[1], "*"),
                rt.arn_format))
    return tuple(out) or (arn,)


def boundary_statements(scopes: Iterable[IamStatement], unscoped: Iterable[str],
                        guards: list[dict]) -> list[dict]:
    """The boundary's statements: each allowed action on the resource types it is allowed on
    (merged; no Sids: they are no one grant's), the actions that exist only on `*`, then the
    guards."""
    pieces = {(action, pattern) for scope in scopes for action in scope.actions
              for arn in scope.resources for pattern in _widened(action, arn)}
    merged = iam_statements.merge(IamStatement((a,), (r,)) for a, r in sorted(pieces))
    out = [s.statement(None, "Allow") for s in merged]
    star = sorted(set(unscoped))
    if star:
        out.append(IamStatement(tuple(star), ("*",)).statement(NO_SCOPE_SID, "Allow"))
    return out + guards

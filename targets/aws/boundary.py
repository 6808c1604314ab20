"""The env's permissions boundary: the union of what its agents are allowed, and the guards.

A boundary only narrows: a role can do what both its identity policy and the boundary allow.
Set to the union of the env's live grants it is the most any agentpol role there can ever
reach, whatever is later attached to it, and its guards keep that ceiling inside the env's
own account. Statements are merged (catalogue.iam_statements.merge: same resources and
condition, actions joined; then same actions and condition, resources joined), which keeps
every action on ARNs it supports.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentpol.catalogue import iam_statements
from agentpol.model import IamStatement

from .grants import NO_SCOPE_SID


def boundary_statements(scopes: Iterable[IamStatement], unscoped: Iterable[str],
                        guards: list[dict]) -> list[dict]:
    """The boundary's statements: merged allows (no Sids: they are no one grant's), the
    actions that exist only on `*`, then the guards."""
    out = [s.statement(None, "Allow") for s in iam_statements.merge(scopes)]
    star = sorted(set(unscoped))
    if star:
        out.append(IamStatement(tuple(star), ("*",)).statement(NO_SCOPE_SID, "Allow"))
    return out + guards

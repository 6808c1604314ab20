"""The env's permissions boundary: the union of what its agents are allowed, and the guards.

A boundary only narrows: a role can do what both its identity policy and the boundary allow.
Set to the union of the env's live grants it is the most any agentpol role there can ever
reach, whatever is later attached to it, and its guards keep that ceiling inside the env's
own account. Statements are merged (same resources and condition: actions joined; then same
actions and condition: resources joined), which keeps every action on ARNs it supports.
"""

from __future__ import annotations

from collections.abc import Iterable

from .grants import NO_SCOPE_SID, Scope


def _merge(scopes: Iterable[Scope]) -> list[Scope]:
    by_place: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for scope in scopes:
        by_place.setdefault((scope.resources, scope.condition), set()).update(scope.actions)
    by_actions: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for (resources, condition), actions in by_place.items():
        by_actions.setdefault((tuple(sorted(actions)), condition), set()).update(resources)
    return sorted(
        Scope(actions, tuple(sorted(resources)), condition)
        for (actions, condition), resources in by_actions.items()
    )


def boundary_statements(scopes: Iterable[Scope], unscoped: Iterable[str], guards: list[dict]) -> list[dict]:
    """The boundary's statements: merged allows (no Sids: they are no one grant's), the
    actions that exist only on `*`, then the guards."""
    out = [scope.statement(None, "Allow") for scope in _merge(scopes)]
    star = sorted(set(unscoped))
    if star:
        out.append(Scope(tuple(star), ("*",)).statement(NO_SCOPE_SID, "Allow"))
    return out + guards

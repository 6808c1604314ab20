"""How IAM statements merge into fewer without widening.

Shared by the AWS target (identity policies and the env's boundary) and the tokens target (STS
session policies); what each grant's statements are is the lowering's (`agentpol.lower`).
"""

from __future__ import annotations

from collections.abc import Iterable

from agentpol.model import Condition, IamStatement


def join_actions(statements: Iterable[IamStatement]) -> list[IamStatement]:
    """Statements on the same resources under the same condition as one, actions joined
    (sorted), in first-seen order: what one grant's statements can share."""
    by_place: dict[tuple[tuple[str, ...], Condition | None], set[str]] = {}
    for s in statements:
        by_place.setdefault((s.resources, s.condition), set()).update(s.actions)
    return [IamStatement(tuple(sorted(actions)), resources, condition)
            for (resources, condition), actions in by_place.items()]


def merge(statements: Iterable[IamStatement]) -> list[IamStatement]:
    """Fewest statements that allow exactly the same: actions on the same resources joined,
    then resources of the same actions (same condition both times), in sorted order."""
    by_actions: dict[tuple[tuple[str, ...], Condition | None], set[str]] = {}
    for s in join_actions(statements):
        by_actions.setdefault((s.actions, s.condition), set()).update(s.resources)
    return sorted((IamStatement(actions, tuple(sorted(resources)), condition)
                   for (actions, condition), resources in by_actions.items()),
                  key=IamStatement.sort_key)

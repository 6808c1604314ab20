"""A grant's IAM pieces, and how pieces merge into fewer statements without widening.

Shared by the AWS target (identity policies and the env's boundary) and the tokens target (STS
session policies), so that a session policy narrows to exactly what the role allows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from agentpol.catalogue import aws_access, aws_raw
from agentpol.catalogue.aws_access import ActionGrant
from agentpol.model import AWS_TYPES, Grant, Model

#: (actions, resources, condition key): one statement's worth; the key is any hashable,
#: orderable stand-in for the Condition block (the callers' canonical JSON).
Piece = tuple[tuple[str, ...], tuple[str, ...], Hashable]


def grant_statements(model: Model, grant: Grant, partition: str) -> tuple[ActionGrant, ...] | None:
    """What a grant means in IAM: on an AWS instance, its access word (the catalogue's table)
    or its quoted action (on the instance's ARNs); on a raw ARN, its quoted action. None when
    IAM does not enforce the grant at all."""
    target, access = grant.target, grant.access
    inst = model.instances.get(target.instance or "")
    if inst is not None and inst.type in AWS_TYPES:
        places = [(attrs, inst.account or "", region, partition)
                  for region, attrs in inst.placements()]
        if access.raw:
            return aws_raw.raw_grants(access.value, [
                c for where in places for c in aws_raw.instance_candidates(inst.type, *where)])
        return in_every_region([aws_access.statements_for(inst.type, access.value, *where)
                                for where in places])
    if target.kind == "aws" and access.raw:
        return aws_raw.raw_grants(access.value, [(target.raw, None)])
    return None


def in_every_region(per_region: list[tuple[ActionGrant, ...]]) -> tuple[ActionGrant, ...]:
    """A word's statements in each region of an instance as one set of statements: each rule's
    resources in every region (a multi-region agent works in all of them)."""
    out = []
    for rules in zip(*per_region):
        resources = tuple(dict.fromkeys(arn for g in rules for arn in g.resources))
        out.append(ActionGrant(rules[0].actions, resources, rules[0].condition))
    return tuple(out)


def join_actions(pieces: Iterable[Piece]) -> list[Piece]:
    """Pieces on the same resources under the same condition as one, actions joined (sorted),
    in first-seen order: what one grant's statements can share."""
    by_place: dict[tuple, set[str]] = {}
    for actions, resources, condition in pieces:
        by_place.setdefault((resources, condition), set()).update(actions)
    return [(tuple(sorted(actions)), resources, condition)
            for (resources, condition), actions in by_place.items()]


def merge(pieces: Iterable[Piece]) -> list[Piece]:
    """Fewest statements that allow exactly the same: actions on the same resources joined,
    then resources of the same actions (same condition both times), in sorted order."""
    by_actions: dict[tuple, set[str]] = {}
    for actions, resources, condition in join_actions(pieces):
        by_actions.setdefault((actions, condition), set()).update(resources)
    return sorted((actions, tuple(sorted(resources)), condition)
                  for (actions, condition), resources in by_actions.items())

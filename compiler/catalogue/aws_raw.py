"""Quoted IAM actions: where a raw action (or pattern) applies on an instance or a raw ARN.

A pattern (`s3:Get*`) stands for the catalogue actions it matches (an unknown action matches
none and is reported by the checker). Each action goes on the candidate ARNs of a resource type
it supports, keeping a candidate's condition only if the action's requests carry that key; an
action IAM cannot scope to resources goes on `*`. The same rule the AWS target applies to
identity policies, so a session policy narrows to exactly what the role allows.
"""

from __future__ import annotations

from collections.abc import Mapping

from agentpol.catalogue import aws_access, iam
from agentpol.catalogue.iam_conditions import action_has_condition_key
from agentpol.model import Condition, IamStatement

#: (ARN, condition or None)
Candidate = tuple[str, Condition | None]


def instance_candidates(rtype: str, attrs: Mapping[str, object], account: str, region: str,
                        partition: str = "aws") -> list[Candidate]:
    """Every (ARN, condition) the instance's access words grant on, then its identity ARN:
    where a raw action on the instance may go (a word's condition travels with its ARN)."""
    where = (attrs, account, region, partition)
    out = dict.fromkeys((arn, g.condition)
                        for word in aws_access.valid_words(rtype)
                        for g in aws_access.statements_for(rtype, word, *where)
                        for arn in g.resources if arn != "*")
    out.setdefault((aws_access.arn_for(rtype, *where), None))
    return list(out)


def raw_grants(pattern: str, candidates: list[Candidate]) -> tuple[IamStatement, ...]:
    """The statements a raw action pattern means on these candidates."""
    out = []
    for action in iam.expand_action(pattern):
        fits = [(arn, cond) for arn, cond in candidates
                if iam.arn_matches_action(action, arn)
                and all(action_has_condition_key(action, key)
                        for _, key, _ in (cond.clauses if cond else ()))]
        if not fits:
            if not iam.supports_resource_scoping(action):
                out.append(IamStatement((action,), ("*",)))
            continue
        for cond in dict.fromkeys(c for _, c in fits):
            arns = tuple(sorted({arn for arn, c in fits if c == cond}))
            out.append(IamStatement((action,), arns, cond))
    return tuple(out)

"""Which grant (or deny) of a principal covers one observed call, at the gateway or in IAM.

A gateway call is covered by a grant on its resource whose access is the call's action or the
type's access word (which covers every scope and tool, as the Cedar target writes it). An AWS
call is covered by a grant whose IAM meaning (the model's lowering: what is emitted and what
the proof judges) names the action and a resource pattern that matches one of the call's ARNs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agentpol.catalogue import aws_access, aws_roles
from agentpol.catalogue.cedar import BASE_ACTION, ENTITY_TYPES
from agentpol.expand import grant_line
from agentpol.lower import statements
from agentpol.model import AWS_TYPES, Access, Grant, Instance, Model, Principal, Target


@dataclass(frozen=True)
class Verdict:
    grants: tuple[str, ...] = ()  # grant lines that cover the call
    deny: str = ""  # the deny statement's line that refuses it


def gateway_covers(g: Grant, action: str, resource: str) -> bool:
    if g.target.instance != resource:
        return False
    itype = resource.split(".", 1)[0]
    return g.access.value == action or g.access.value == BASE_ACTION.get(itype)


def gateway(p: Principal, action: str, resource: str) -> Verdict:
    deny = next((grant_line(d) for d in p.denies if gateway_covers(d, action, resource)), "")
    return Verdict(tuple(grant_line(g) for g in p.grants if gateway_covers(g, action, resource)),
                   deny)


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """IAM's resource wildcards: `*` any run, `?` one character; the rest literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    return _glob(pattern).fullmatch(arn) is not None


def iam_covers(pieces, action: str, arns: tuple[str, ...]) -> bool:
    """Some piece names the action and (when the call names its resources) one of them."""
    low = action.lower()
    for piece in pieces:
        if low not in (a.lower() for a in piece.actions):
            continue
        if not arns or "*" in piece.resources:
            return True
        if any(arn_matches(r, arn) for r in piece.resources for arn in arns):
            return True
    return False


class AwsIndex:
    """Matches AWS calls against a principal's lowered grants and denies."""

    def __init__(self, model: Model):
        self.model = model

    def verdict(self, p: Principal, action: str, arns: tuple[str, ...]) -> Verdict:
        iam_of = self.model.iam_of
        deny = next((grant_line(d) for d in p.denies
                     if iam_covers(iam_of(d) or (), action, arns)), "")
        return Verdict(tuple(grant_line(g) for g in p.grants
                             if iam_covers(iam_of(g) or (), action, arns)), deny)


def is_gateway(model: Model, g: Grant) -> bool:
    inst = model.instances.get(g.target.instance or "")
    return inst is not None and inst.type in ENTITY_TYPES


def is_aws(model: Model, g: Grant) -> bool:
    return bool(model.iam_of(g))


def word_actions(model: Model, inst: Instance,
                 env: str) -> dict[str, tuple[frozenset[str], tuple]]:
    """For an AWS instance, as a principal of `env` would be granted it: access word -> (its
    IAM actions, lower-cased; its statements)."""
    if inst.type not in AWS_TYPES:
        return {}
    partition = aws_roles.partition_of(model.environments[env].aws_runtime)
    target = Target(inst.span, instance=inst.key)
    out = {}
    for word in aws_access.valid_words(inst.type):
        try:
            pieces = statements(model, Access(word, False, inst.span), target, partition) or ()
        except (ValueError, KeyError):
            continue
        out[word] = (frozenset(a.lower() for s in pieces for a in s.actions), pieces)
    return out

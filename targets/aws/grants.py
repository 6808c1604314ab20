"""One grant (or deny) -> the IAM actions it means, each on the resources it needs.

Three shapes reach IAM: an access word on an AWS instance (the catalogue's word table), a quoted
IAM action on an AWS instance (that action on the instance's ARNs that the action can be scoped
to, with the word's condition where its requests carry the key), and a quoted IAM action on a
raw ARN (catalogue.iam_statements, which the tokens target's session policies share). Action patterns
(`s3:Get*`) are expanded against the catalogue, so every emitted action is a real one. An action
the catalogue does not know is skipped here and reported by the checker (`unknown-action`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from agentpol.catalogue import iam_statements
from agentpol.model import Grant, Model, Principal

#: The statement that lists the actions IAM cannot scope to a resource, on `*`.
NO_SCOPE_SID = "ActionsWithoutResourceScope"


@dataclass(frozen=True, order=True)
class Scope:
    """Actions on resources, if a condition holds: one IAM statement's worth.

    `condition` is the Condition block as canonical JSON ("" for none), so scopes hash and
    compare, and statements that differ only in actions or resources can be merged."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: str = ""

    def statement(self, sid: str | None, effect: str) -> dict:
        out = {"Sid": sid} if sid else {}
        out.update(Effect=effect, Action=list(self.actions), Resource=list(self.resources))
        if self.condition:
            out["Condition"] = json.loads(self.condition)
        return out


def condition_text(condition) -> str:
    return json.dumps(condition, sort_keys=True) if condition else ""


def scopes(model: Model, grant: Grant, partition: str) -> tuple[list[Scope], list[str]]:
    """(the grant's scoped statements, the actions it needs that exist only on `*`)."""
    groups = iam_statements.grant_statements(model, grant, partition) or ()
    scoped = iam_statements.join_actions((g.actions, g.resources, condition_text(g.condition))
                                         for g in groups if g.resources != ("*",))
    return [Scope(*piece) for piece in scoped], [
        a for g in groups if g.resources == ("*",) for a in g.actions]


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


def principal_scopes(model: Model, p: Principal, partition: str):
    """(allow statements, actions on `*`, deny statements) of one principal, sorted by Sid and
    scope (not source order, so moving a statement changes nothing): its live grants, and every
    deny (a deny never waits for review)."""
    allows, unscoped, denies = [], {}, []
    for grant in p.live_grants():
        scoped, star = scopes(model, grant, partition)
        allows += [(sid(model, grant), scope, grant) for scope in scoped]
        unscoped.update(dict.fromkeys(star))
    for grant in p.denies:
        scoped, star = scopes(model, grant, partition)
        if star and grant.access.raw:  # a word's `*` part (ecr login) is not the word's target
            scoped.append(Scope(tuple(sorted(star)), ("*",)))
        denies += [(sid(model, grant), scope, grant) for scope in scoped]
    return sorted(allows, key=_order), sorted(unscoped), sorted(denies, key=_order)


def _order(entry) -> tuple:
    sid_, scope, _ = entry
    return sid_, scope

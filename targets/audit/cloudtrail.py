"""`audit/E/cloudtrail-event-selectors.json`: the `AdvancedEventSelectors` of a CloudTrail
`PutEventSelectors` request: management events, plus data events on every resource an agent
of E can touch, by `resources.ARN`.

One selector per CloudTrail resource type and operator (`Equals` for exact ARNs, `StartsWith`
for S3 prefixes and raw ARN patterns). CloudTrail takes at most 500 condition values per trail:
over that, the types with the most ARNs are recorded whole (no ARN condition) until it fits,
which records more, never less.
"""
from __future__ import annotations

from collections import defaultdict

from agentpol.catalogue.cloudtrail import EQUALS, STARTS_WITH, Match, instance_match, raw_matches
from agentpol.model import Environment, Grant, Model

MAX_VALUES = 500  # CloudTrail quota: values in all conditions of all advanced selectors

MANAGEMENT = {
    "Name": "Management events (read and write)",
    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
}


def event_selectors(model: Model, env: Environment, grants: tuple[Grant, ...]) -> dict | None:
    """The request body without `TrailName` (the trail is the env account's; see the docs)."""
    if env.aws_account is None:
        return None
    by_type: dict[str, set[Match]] = defaultdict(set)
    for match in _matches(model, env, grants):
        by_type[match.type].add(match)
    whole: set[str] = set()
    while _count(by_type, whole) > MAX_VALUES:
        whole.add(max(set(by_type) - whole, key=lambda t: (len(by_type[t]), t)))
    selectors = [MANAGEMENT]
    for ctype in sorted(by_type):
        selectors += _selectors(env.name, ctype, _minimal(by_type[ctype]), ctype in whole)
    return {"AdvancedEventSelectors": selectors}


def _matches(model: Model, env: Environment, grants: tuple[Grant, ...]):
    for g in grants:
        if g.target.raw is not None:
            if g.target.kind == "aws":
                yield from raw_matches(g.target.raw)
            continue
        inst = model.instance(g.target.instance)
        for region, attrs in inst.placements():  # a regional instance: each of its regions
            match = instance_match(inst.type, attrs, inst.account or env.aws_account or "",
                                   region or env.region)
            if match is not None:
                yield match


def _minimal(matches: set[Match]) -> dict[str, list[str]]:
    """Values per operator, without those a shorter `StartsWith` value already covers."""
    prefixes = sorted(m.value for m in matches if m.operator == STARTS_WITH)
    kept: list[str] = []
    for p in prefixes:  # sorted: a covering prefix comes before what it covers
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    exact = sorted({m.value for m in matches if m.operator == EQUALS
                    and not any(m.value.startswith(k) for k in kept)})
    return {op: values for op, values in ((EQUALS, exact), (STARTS_WITH, kept)) if values}


def _count(by_type: dict[str, set[Match]], whole: set[str]) -> int:
    """Condition values the selectors would hold (eventCategory and resources.type count)."""
    total = 1
    for ctype, matches in by_type.items():
        ops = _minimal(matches)
        total += 2 if ctype in whole else sum(2 + len(v) for v in ops.values())
    return total


def _selectors(env: str, ctype: str, ops: dict[str, list[str]], whole: bool) -> list[dict]:
    base = [{"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [ctype]}]
    label = f"Data events: {ctype} agents of {env} can touch"
    if whole:
        return [{"Name": f"{label} (all: too many ARNs to list)", "FieldSelectors": base}]
    return [{"Name": f"{label} ({op})",
             "FieldSelectors": base + [{"Field": "resources.ARN", op: values}]}
            for op, values in ops.items()]

"""`audit/E/github-rulesets.json`: for every repository an agent of E can write, the request that
creates a ruleset blocking force pushes and branch deletion on every branch, with no bypass
actors: history an agent wrote cannot be rewritten, not even by the agent's own App.

"Can write" is any access at `write`/`admin` level, the word `write` (`contents: write`) or a raw
permission such as `"pull_requests:write"`: a ruleset on a repository that needed none costs
nothing. The body is the same in every env, under one name, so the env that applies it first
creates it and the others find it in place.
"""
from __future__ import annotations

from collections import defaultdict

from agentpol.catalogue.github import permission
from agentpol.model import Grant, Model

RULESET_NAME = "agentpol: keep history"
WRITE_LEVELS = frozenset({"write", "admin"})

BODY = {
    "name": RULESET_NAME,
    "target": "branch",
    "enforcement": "active",
    "bypass_actors": [],
    "conditions": {"ref_name": {"include": ["~ALL"], "exclude": []}},
    "rules": [{"type": "deletion"}, {"type": "non_fast_forward"}],
}


def rulesets(model: Model, grants: tuple[Grant, ...]) -> list[dict]:
    writers: dict[str, set[str]] = defaultdict(set)
    for g in grants:
        repo = _repo(model, g)
        if repo is not None and _writes(g):
            writers[repo].add(g.principal)
    return [{"repository": repo, "method": "POST", "path": f"/repos/{repo}/rulesets",
             "writers": sorted(writers[repo]), "body": BODY}
            for repo in sorted(writers)]


def _repo(model: Model, g: Grant) -> str | None:
    if g.target.raw is not None:
        return g.target.raw if g.target.kind == "github" else None
    inst = model.instance(g.target.instance)
    return inst.attr("repo") if inst.type == "github_repo" else None


def _writes(g: Grant) -> bool:
    asked = permission(g.access.value, g.access.raw)
    return asked is not None and asked[1] in WRITE_LEVELS

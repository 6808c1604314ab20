"""`test` blocks: every `expect` decided against the compiled artifacts, not the source.

Each provider answers for its own resources, the way the software that enforces the file would
(docs/language.md, "test"): IAM (identity policies and permissions boundary, account guard included)
for AWS types, the GitHub token requests for `github_repo`, the Vault policy for `vault_path`,
the Cedar policies for `api` and `mcp_server`, the Cilium allowlist for `host`. An access word
stands for all its provider actions: `expect allow` holds when every one is allowed, `expect
deny` when none is. Only live files count (shadow/ copies are what is *not* live), and runtime
conditions (approvals, budgets, rates) are taken as met.
"""
from __future__ import annotations

import json
import re
from typing import Callable, Mapping

import yaml

from agentpol.catalogue import github, vault
from agentpol.catalogue.cedar import BASE_ACTION, NAMESPACE, agent_uid, action_uid
from agentpol.evaluate import cedar, iam as iam_eval
from agentpol.globs import globs_meet
from agentpol.lower import expect_target
from agentpol.model import (AWS_TYPES, Condition, Destination, Expect, Instance, Model, Ref,
                            Test, site)

from .findings import Finding, Hop, finding

Files = Mapping[str, str]
#: (what was asked, allowed?, the file that answered)
Answer = tuple[str, bool, str]
Evaluator = Callable[[Model, Files, str, Expect, "Target"], list[Answer]]


class Target:
    """What an expect points at (the lowering's reading, `lower.expect_target`): an instance, or
    a raw string with its templates expanded; and which provider answers for it."""

    def __init__(self, model: Model, e: Expect):
        self.written = expect_target(model, e.env, e.target)
        self.instance: Instance | None = model.instances.get(self.written.instance or "")
        self.raw: str | None = self.written.raw
        self.kind = (_KIND_OF_TYPE.get(e.target.type, "") if isinstance(e.target, Ref)
                     else self.written.kind)
        self.label = str(self.written)


_KIND_OF_TYPE = {**{t: "aws" for t in AWS_TYPES}, "github_repo": "github",
                 "vault_path": "vault", "api": "cedar", "mcp_server": "cedar", "host": "network"}


def findings(model: Model, files: Files) -> list[Finding]:
    live = {path: text for path, text in files.items() if not path.startswith("shadow/")}
    out = []
    for test in model.program.tests:
        for e in test.expects:
            failed = _failure(model, live, test, e)
            if failed is not None:
                out.append(failed)
    return out


def _failure(model: Model, files: Files, test: Test, e: Expect) -> Finding | None:
    key = f"{e.agent}@{e.env}"
    target = Target(model, e)
    answers = EVALUATORS[target.kind](model, files, key, e, target) if target.kind in \
        EVALUATORS else []
    if e.effect == "allow":
        wrong = [a for a in answers if not a[1]]
        if answers and not wrong:
            return None
        what, _, where = wrong[0] if wrong else (f"{e.access} {target.label}", False, "nothing")
        verdict = "denied"
    else:
        wrong = [a for a in answers if a[1]]
        if not wrong:
            return None
        what, _, where = wrong[0]
        verdict = "allowed"
    more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
    return finding("test-failed",
                   f'test "{test.name}": `{e}` does not hold: {what} is {verdict} by '
                   f"{where}{more}", e.span,
                   (Hop(f"p:{key}", key, e.span),
                    Hop(f"expect:{target.label}", target.label, where, f"{what}: {verdict}")))


# --- AWS: the IAM evaluator over the role's identity policies and boundary --------------------


def _concrete(pattern: str) -> str:
    """One name a pattern matches, to ask about: `*` a probe name, `?` one character."""
    return pattern.replace("*", "agentpol-probe").replace("?", "x")


def _aws(model: Model, files: Files, key: str, e: Expect, t: Target) -> list[Answer]:
    agent, env = e.agent, e.env
    base = f"aws/{env}/{agent}/"
    identity = [json.loads(files[p]) for p in sorted(files)
                if p.startswith(base + "identity-policy")]
    boundary = json.loads(files[base + "permissions-boundary.json"]) \
        if base + "permissions-boundary.json" in files else None
    where = base + "identity-policy.json"
    out = []
    for action, resource, context in _aws_requests(model, e, t):
        ctx = dict(context)
        account = _account_of(model, resource, t)
        if account:
            ctx["aws:ResourceAccount"] = account
        request = iam_eval.Request(action, resource, ctx)
        allowed = bool(identity) and iam_eval.evaluate(request, identity, boundary).allowed
        out.append((f"{action} on {resource}", allowed, where))
    return out


def _aws_requests(model: Model, e: Expect, t: Target) -> list[tuple[str, str, dict]]:
    """One request per action and resource of the expect's lowering (what a grant of the same
    access on the same target would emit)."""
    lowered = model.iam[site(e.env, e.access, t.written)] or ()
    return [(a, _concrete(r), _context(s.condition)) for s in lowered for a in s.actions
            for r in s.resources]


def _context(condition: Condition | None) -> dict:
    """Request context that meets a grant's own condition (a kms alias, an s3 prefix)."""
    out: dict = {}
    for op, key, values in condition.clauses if condition else ():
        met = [_concrete(v).replace("agentpol-probe", "") for v in values]
        out[key] = met if op.startswith("ForAnyValue") else met[0]
    return out


def _account_of(model: Model, resource: str, t: Target) -> str | None:
    """aws:ResourceAccount: the ARN's account, else its instance's (a bucket's)."""
    field = resource.split(":")[4] if resource.count(":") >= 5 else ""
    if field.isdigit():
        return field
    if t.instance is not None:
        return t.instance.account
    for inst in model.instances.values():
        if inst.type == "s3_bucket" and any(globs_meet(a, resource)
                                            for a in model.arns[inst.key]):
            return inst.account or None
    return None


# --- GitHub: the installation token requests ---------------------------------------------


def _github(model: Model, files: Files, key: str, e: Expect, t: Target) -> list[Answer]:
    repo = str(t.instance.attr("repo")) if t.instance is not None else (t.raw or "")
    owner, _, name = repo.partition("/")
    wanted = github.permission(e.access.value, e.access.raw)
    what = f"{e.access} on {repo}"
    if wanted is None:
        return [(what, False, "no GitHub permission")]
    perm, level = wanted
    base = f"tokens/{e.env}/{e.agent}/github-token"
    for path in sorted(p for p in files if p.startswith(base) and p.endswith(".json")):
        doc = json.loads(files[path])
        body = doc["request"]["body"]
        repos = body.get("repositories")
        if doc["installation"]["owner"].lower() != owner.lower() or (
                repos is not None and name not in repos):
            continue
        have = body.get("permissions", {}).get(perm)
        if have in github.LEVELS and github.LEVELS.index(have) >= github.LEVELS.index(level):
            return [(what, True, path)]
    return [(what, False, f"tokens/{e.env}/{e.agent}/github-token*.json")]


# --- Vault: the policy's path rules ----------------------------------------------------


_VAULT_RULE = re.compile(r'path\s+"((?:[^"\\]|\\.)*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]')


def vault_rules(hcl: str) -> list[tuple[str, tuple[str, ...]]]:
    """(path pattern, capabilities) of each `path` block, as the tokens target writes them."""
    return [(json.loads(f'"{p}"'), tuple(json.loads(f"[{caps}]")))
            for p, caps in _VAULT_RULE.findall(hcl)]


def _vault_allows(rules, path: str, capability: str) -> bool:
    """Vault's rule for a path: of the rules matching it, the one of highest priority (Vault's
    policy priority: the first wildcard later, not ending in `*`, fewer `+` segments, longer,
    then lexicographically greater) alone decides."""
    matching = [(p, caps) for p, caps in rules if _vault_match(p, path)]
    if not matching:
        return False
    caps = max(matching, key=lambda rule: _priority(rule[0]))[1]
    return "deny" not in caps and capability in caps


def _priority(pattern: str) -> tuple:
    first = min((i for i, c in enumerate(pattern) if c in "*+"), default=len(pattern))
    return (first, not pattern.endswith("*"), -pattern.split("/").count("+"), len(pattern),
            pattern)


def _vault_match(pattern: str, path: str) -> bool:
    rx = re.escape(pattern).replace(r"\+", "[^/]+")
    rx = rx[:-2] + ".*" if rx.endswith(r"\*") else rx
    return re.fullmatch(rx, path) is not None


def _vault(model: Model, files: Files, key: str, e: Expect, t: Target) -> list[Answer]:
    path = str(t.instance.attr("path")) if t.instance is not None else (t.raw or "")
    where = f"tokens/{e.env}/{e.agent}/vault-policy.hcl"
    rules = vault_rules(files.get(where, ""))
    caps = vault.capabilities(e.access.value, e.access.raw) or ()
    probe = path.replace("*", "agentpol-probe").replace("+", "agentpol-probe")
    return [(f"{c} on {probe}", _vault_allows(
        rules, vault.rule_path(probe, e.access.value, e.access.raw), c), where) for c in caps]


# --- the gateway: Cedar ----------------------------------------------------------------


def _cedar(model: Model, files: Files, key: str, e: Expect, t: Target) -> list[Answer]:
    base = f"cedar/{e.env}/"
    policies, entities, schema_text = (files.get(base + f) for f in cedar.FILES)
    what = f"{e.access.value} on {t.label}"
    if policies is None or entities is None or schema_text is None or t.instance is None:
        return [(what, False, base + "policies.cedar")]
    try:
        resource = cedar.resource_uid_of(entities, t.instance.key, e.env)
    except ValueError:
        return [(what, False, base + "entities.json")]
    action = e.access.value
    if e.access.raw and action not in json.loads(schema_text)[NAMESPACE]["actions"]:
        # what the gateway sends for a scope or tool its schema does not name (cedar.md)
        action = BASE_ACTION[t.instance.type]
    result = cedar.authorize(policies, entities, schema_text, agent_uid(key),
                             action_uid(action), resource, cedar.MET_CONTEXT)
    return [(what, result.allowed and not result.errors, base + "policies.cedar")]


# --- hosts: the Cilium allowlist ---------------------------------------------------------


def _network(model: Model, files: Files, key: str, e: Expect, t: Target) -> list[Answer]:
    where = f"network/{e.env}/{e.agent}/cilium.yaml"
    if t.instance is None or t.instance.endpoint is None:
        return []
    to = t.instance.endpoint
    doc = yaml.safe_load(files.get(where, "")) or {}
    allowed = any(_cilium_allows(rule, to) for rule in (doc.get("spec") or {}).get("egress", []))
    return [(f"connect {to.address}", allowed, where)]


def _cilium_allows(rule: Mapping, to: Destination) -> bool:
    ports = [int(p["port"]) for tp in rule.get("toPorts", []) for p in tp.get("ports", [])
             if p.get("protocol", "TCP") in ("TCP", "ANY")]
    if rule.get("toPorts") and to.port not in ports:
        return False
    for f in rule.get("toFQDNs", []):
        if f.get("matchName", "").lower() == to.host or (
                "matchPattern" in f and re.fullmatch(
                    re.escape(f["matchPattern"].lower()).replace(r"\*", "[^.]*"), to.host)):
            return True
    cidrs = list(rule.get("toCIDR", [])) + [c["cidr"] for c in rule.get("toCIDRSet", [])]
    return to.is_ip and any(to.within(d) for c in cidrs
                            if isinstance(d := Destination.parse(c, with_port=False), Destination))


#: Provider -> the function that decides an expect's requests against its files.
EVALUATORS: Mapping[str, Evaluator] = {
    "aws": _aws, "github": _github, "vault": _vault, "cedar": _cedar, "network": _network,
}

"""From observations to a report and a patch: what to remove, what to add, what to alert on.

A grant is judged unused only where the period's input covers its layer: gateway grants when
the decision log holds lines of the principal's env, AWS grants when CloudTrail holds events of
the principal; every other grant is "not observed". Calls outside every grant become new
grants only when they stay in the agent's own env (or on a shared resource) and `check`
accepts the patched program (`validate`); everything else is an alert.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

from agentpol import lock
from agentpol.catalogue import cloudtrail, iam
from agentpol.catalogue.cedar import BASE_ACTION, ENTITY_TYPES
from agentpol.expand import grant_line
from agentpol.model import AWS_TYPES, Grant, Model, Principal

from . import events, match, validate
from .observe import Attempt, Observer, Seen
from .patch import Statement
from .report import ALERT_ORDER, Addition, Alert, PrincipalReport, Suggestion, Unused


def build(model: Model, directory: Path, observer: Observer, damage: list,
          today: dt.date, sources: dict[str, Path]) -> Suggestion:
    observer.finish()
    reports: list = []
    removals: list = []
    additions: list = []
    for key, p in model.principals.items():
        s = observer.seen.get(key)
        r = PrincipalReport(key, p.mode, dict(s.calls) if s else {})
        _grants(model, observer, p, s, r, removals)
        if s is not None:
            _attempts(model, p, s, r, additions)
            r.refused_within = dict(s.refused_within)
            r.errors, r.retries, r.bursts = s.errors, s.retries, list(s.bursts)
            r.limits = [_limit(x) for x in s.limits]
            for said, n in s.mismatches.items():
                r.alerts.append(Alert("session-tags", "aws", "", "", n, None, None,
                                      f"the role is {key}'s but {said}"))
        r.review = _review(model, directory, p, today, observer)
        reports.append(r)
    texts = {name: path.read_text(encoding="utf-8") for name, path in sources.items()}
    patch, baseline = validate.validated(model, directory, texts, removals, additions, today)
    for r in reports:  # the most serious first
        r.alerts.sort(key=lambda a: (ALERT_ORDER.index(a.kind), a.layer, a.action, a.resource))
    return Suggestion(
        {layer: (sp.first, sp.last) for layer, sp in observer.spans.items()},
        reports, dict(observer.unknown), damage, dict(observer.skipped), patch, baseline,
        sources)


# -- grants: used, unused, not observed ----------------------------------------------------


#: Layers nothing in the input records: resource type or raw kind -> layer name.
_UNRECORDED = {"github_repo": "github", "github": "github", "vault_path": "vault",
               "vault": "vault", "net": "network"}


def _layer(model: Model, g: Grant) -> str:
    if match.is_gateway(model, g):
        return "gateway"
    if match.is_aws(model, g):
        return "aws"
    inst = model.instances.get(g.target.instance or "")
    return _UNRECORDED.get(inst.type if inst else g.target.kind, "other")


def _grants(model, observer: Observer, p: Principal, s: Seen | None, r: PrincipalReport,
            removals: list) -> None:
    account = model.environments[p.env].aws_account
    covered = {"gateway": p.env in observer.gateway_envs,
               "aws": p.key in observer.aws_principals,
               "aws data": p.key in observer.aws_principals and account in observer.data_accounts}
    why_not = {"gateway": f"no decision-log line of env {p.env} in the period",
               "aws": f"no CloudTrail event of {p.key} in the period",
               "aws data": f"no CloudTrail data event of account {account} in the period (the "
                           "audit target's event selectors record them)"}
    for g in p.grants:
        line, layer = grant_line(g), _layer(model, g)
        if layer == "aws" and _data_events(model, g) and not covered["aws data"]:
            r.not_observed.append((line, why_not["aws data" if covered["aws"] else "aws"]))
            continue
        use = s.uses.get(line) if s else None
        if use is not None:
            r.used.append((line, use.count, use.last))
        elif covered.get(layer):
            span = observer.spans[layer]
            u = Unused(line, layer, str(g.origin.span), g.origin.via,
                       _length(observer, span.first, span.last))
            if g.origin.via:
                u.note = (f"comes from profile {' > '.join(g.origin.via)}: narrow the profile "
                          "or stop using it (profiles are shared, so no patch)")
            else:
                removals.append((p, g, u))
            r.unused.append(u)
        else:
            r.not_observed.append((line, why_not.get(
                layer, f"{layer}: suggest reads no record of this layer")))


def _data_events(model: Model, g: Grant) -> bool:
    """CloudTrail records calls under this grant as data events (only where selected)."""
    inst = model.instances.get(g.target.instance or "")
    if inst is not None:
        return inst.type in cloudtrail.DATA_EVENT_TYPES
    return bool(g.target.raw and cloudtrail.raw_matches(g.target.raw))


def _length(observer: Observer, first, last) -> dt.timedelta:
    start = observer.since or first
    end = observer.until or last
    return (end - start) if start and end else dt.timedelta(0)


# -- attempts: additions or alerts ---------------------------------------------------------


def _attempts(model: Model, p: Principal, s: Seen, r: PrincipalReport, additions: list) -> None:
    aws_used: dict[str, list[Attempt]] = defaultdict(list)  # instance key -> attempts
    for a in s.attempts.values():
        alert = _alert(model, p, a)
        if alert is not None:
            r.alerts.append(alert)
            continue
        if a.layer == "gateway":
            inst = model.instances[a.resource]
            word = a.action == BASE_ACTION[inst.type]
            stmt = Statement((a.action if word else _quote(a.action),), (inst.ref,))
            _propose(r, additions, p, _addition(p, stmt, [a]))
        else:
            found = _own_instance(model, p, a)
            if found is not None:
                aws_used[found].append(a)
            else:
                stmt = Statement((_quote(_canonical(a.action)),), (_quote(a.resource),))
                _propose(r, additions, p, _addition(p, stmt, [a]))
    for key, attempts in aws_used.items():
        inst = model.instances[key]
        used = {a.action.lower() for a in attempts}
        named = next((w for w, (acts, _) in match.word_actions(model, inst, p.env).items()
                      if acts == used), None)
        accesses: tuple[str, ...] = (named,) if named else tuple(
            sorted(_quote(_canonical(a)) for a in {x.action for x in attempts}))
        _propose(r, additions, p, _addition(p, Statement(accesses, (inst.ref,)), attempts))
    if s.attempts_dropped:
        r.alerts.append(Alert("too-many", "any", "", "", s.attempts_dropped, None, None,
                              "more distinct refused requests than the report keeps"))


def _propose(r: PrincipalReport, additions: list, p: Principal, add: Addition) -> None:
    r.additions.append(add)
    additions.append((p, add, r))


def _addition(p: Principal, stmt: Statement, attempts: list[Attempt]) -> Addition:
    firsts = [a.use.first for a in attempts if a.use.first is not None]
    lasts = [a.use.last for a in attempts if a.use.last is not None]
    return Addition(p.key, stmt, sum(a.use.count for a in attempts), min(firsts), max(lasts),
                    tuple(sorted(f"{a.action} on {a.resource}" for a in attempts)))


def _alert(model: Model, p: Principal, a: Attempt) -> Alert | None:
    """Why a call outside every grant must not become one, or None when it may."""
    def alert(kind: str, detail: str) -> Alert:
        return Alert(kind, a.layer, a.action, a.resource, a.use.count, a.use.first, a.use.last,
                     detail)
    other = _gateway_env(model, a.resource) if a.layer == "gateway" else (
        _other_env(model, p, a.resource) if a.resource else None)
    if other and other != p.env:
        return alert("cross-env", f"{p.key} tried a resource of env {other}")
    if a.deny:
        return alert("denied", f"refused by a written deny ({a.deny})")
    if a.layer == "gateway":
        inst = model.instances.get(a.resource)
        if inst is None or inst.type not in ENTITY_TYPES:
            return alert("undeclared", "no gateway resource of that name is declared")
        if a.action != BASE_ACTION[inst.type] and not _named(model, inst.ref, a.action):
            return alert("never-granted", f"no statement grants `{a.action}` on {inst.ref} to "
                                          "anyone: review a new tool or scope by hand")
        return None
    if not a.resource:
        return alert("unresolved", "the event names no resource: grant it by hand if needed")
    if not iam.canonical_action(a.action):
        return alert("unknown-action", "the IAM catalogue does not know this action")
    if _own_instance(model, p, a) is None:
        account = events.arn_account(a.resource)
        if not account or account != model.environments[p.env].aws_account:
            return alert("undeclared", "the resource is no declared resource of "
                                       f"{p.env} and not in its account")
    return None


def _gateway_env(model: Model, resource: str) -> str | None:
    """The env of a gateway resource key (`api.openai@prod`), None for a shared one."""
    inst = model.instances.get(resource)
    if inst is not None:
        return inst.env
    return resource.rpartition("@")[2] if "@" in resource else None


def _named(model: Model, ref: str, action: str) -> bool:
    """Some grant of the program names this scope or tool on this resource."""
    return any(g.access.value == action and (g.target.instance or "").split("@")[0] == ref
               for q in model.principals.values() for g in q.grants)


def _other_env(model: Model, p: Principal, arn: str) -> str | None:
    account = events.arn_account(arn)
    for env in model.environments.values():
        if env.name != p.env and account and env.aws_account == account:
            return env.name
    for inst in model.instances.values():
        if inst.env not in (None, p.env) and inst.type in AWS_TYPES and any(
                match.arn_matches(pattern, arn) for pattern in model.arns.get(inst.key, ())):
            return inst.env
    return None


def _own_instance(model: Model, p: Principal, a: Attempt) -> str | None:
    """The instance of p's env (or a shared one) some access word of which covers the call."""
    for inst in model.instances.values():
        if inst.type in AWS_TYPES and inst.env in (None, p.env):
            for _, pieces in match.word_actions(model, inst, p.env).values():
                if match.iam_covers(pieces, a.action, (a.resource,)):
                    return inst.key
    return None


def _canonical(action: str) -> str:
    return iam.canonical_action(action) or action


def _quote(text: str) -> str:
    return json.dumps(text)


# -- limits and review ---------------------------------------------------------------------


def _limit(x) -> dict:
    peak = x.peak.best
    return {"kind": x.kind, "what": x.what, "limit": x.limit, "period": x.period,
            "peak": peak, "window": x.peak.window_start(), "headroom": x.limit - peak,
            "used_pct": round(100 * peak / x.limit, 1) if x.limit else 0.0,
            "refused": x.refused, "where": x.origin}


def _review(model: Model, directory: Path, p: Principal, today: dt.date,
            observer: Observer) -> list[dict]:
    window = model.environments[p.env].review_window
    if not window:
        return []
    approved = lock.read(directory / lock.LOCK_NAME)
    start = (observer.since or observer.spans["gateway"].first or
             dt.datetime.combine(today, dt.time(), dt.timezone.utc)).date()
    out: list[dict] = []
    for g in p.grants:
        line = grant_line(g)
        date = approved.get(line)
        live = date + dt.timedelta(seconds=window) if date else None
        if live is None:
            out.append({"grant": line, "approved": None, "live_from": None,
                        "state": "not in the lock: pending until `agentpol lock` records it"})
        elif start <= live <= today:
            out.append({"grant": line, "approved": date, "live_from": live,
                        "state": "review window passed: live at the next compile"})
        elif live > today:
            out.append({"grant": line, "approved": date, "live_from": live,
                        "state": "in review (shadow)"})
    return out



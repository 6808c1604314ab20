"""Stage 3: `Program` -> one `Principal` per agent@env, profiles inlined, references bound.

Every grant names a concrete instance (or an expanded raw identifier) and keeps the source
location of the statement, plus the `use` chain that brought it in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Iterator, Mapping

from . import schema
from .errors import Diagnostic, InputErrors
from .model import (SESSION_DEFAULT, Agent, ApprovalStmt, Approval, Budget, BudgetStmt,
                    Destination, Egress, EgressStmt, Grant, Model, ModeStmt, Origin, Principal,
                    Program, RateStmt, Rate, Raw, Rule, SessionStmt, Statement, Target, Use,
                    iam_enforced)
from .identity import identity
from .resources import expand_template
from .values import TEMPLATE


def expand(program: Program, lock: Mapping[str, dt.date] | None = None,
           today: dt.date | None = None) -> Model:
    """Bind every statement; `lock` (grant line -> approval date) and `today` decide which
    grants of an env with `review_window` are still pending review."""
    ex = _Expander(program, lock or {}, today or dt.date.today())
    principals = {}
    for agent in program.agents.values():
        for env in agent.envs:
            p = ex.principal(agent, env)
            principals[p.key] = p
    ex.check_expect_templates()
    if ex.diags:
        raise InputErrors(ex.diags)
    return Model(program=program, principals=dict(sorted(principals.items())))


def egress_line(env: str, agent: str, e: Egress) -> str:
    """An egress allowance as permissions.txt and the lock write it."""
    return f"{env} {agent} egress {e.dest.address}"


def grant_line(g: Grant, program: Program | None = None) -> str:
    """A grant in permissions.txt and the lock: `ENV AGENT ACCESS TARGET IDENTITY` (a deny
    reads `ENV AGENT deny ACCESS TARGET IDENTITY`); IDENTITY, what the provider sees, only
    when `program` is given and the target is a declared resource."""
    effect = "" if g.effect == "allow" else "deny "
    line = f"{g.env} {g.agent} {effect}{g.access} {g.target}"
    resolved = identity(program, g.env, g.target) if program is not None else ""
    return f"{line} {resolved}" if resolved else line


class _Expander:
    def __init__(self, program: Program, lock, today: dt.date):
        self.program = program
        self.lock = lock
        self.today = today
        self.diags: list[Diagnostic] = []

    def error(self, code, message, span, hint=None):
        self.diags.append(Diagnostic(code, message, span, hint))

    def statements(self, agent: Agent, env: str) -> Iterator[tuple[Statement, tuple[str, ...]]]:
        """Every statement for agent@env, profiles inlined depth-first, with their use chain."""
        for block in agent.blocks:
            if env in block.envs:
                yield from self._inline(block.statements, ())

    def _inline(self, stmts, via: tuple[str, ...]) -> Iterator[tuple[Statement, tuple[str, ...]]]:
        for s in stmts:
            if isinstance(s, Use):
                if s.profile in self.program.profiles and s.profile not in via:
                    yield from self._inline(self.program.profiles[s.profile].statements,
                                            via + (s.profile,))
            else:
                yield s, via

    def principal(self, agent: Agent, env: str) -> Principal:
        grants: list[Grant] = []
        denies: list[Grant] = []
        egress: list[Egress] = []
        budgets: list[Budget] = []
        rates: list[Rate] = []
        approvals: list[Approval] = []
        sessions: list[SessionStmt] = []
        modes: list[ModeStmt] = []
        for s, via in self.statements(agent, env):
            origin = Origin(s.span, via)
            if isinstance(s, Rule):
                out = grants if s.effect == "allow" else denies
                out.extend(Grant(agent.name, env, s.effect, a, t, origin)
                           for t in self.targets(s.targets, env, bool(via))
                           for a in s.accesses)
            elif isinstance(s, EgressStmt):
                egress.extend(e for t in self.targets(s.dests, env, bool(via))
                              if (e := self.egress(t, origin)) is not None)
            elif isinstance(s, BudgetStmt):
                api = self.targets((s.api,), env, bool(via)) if s.api else ()
                if s.api is None or api:
                    budgets.append(Budget(api[0].instance if api else None, s.cents, s.period,
                                          origin))
            elif isinstance(s, RateStmt):
                for t in self.targets((s.target,), env, bool(via)):
                    assert t.instance is not None, "a rate is on a typed target"
                    rates.append(Rate(t.instance, s.count, s.period, origin))
            elif isinstance(s, ApprovalStmt):
                approvals.extend(Approval(a, t, origin)
                                 for t in self.targets(s.targets, env, bool(via))
                                 for a in s.accesses)
            elif isinstance(s, SessionStmt):
                sessions.append(s)
            elif isinstance(s, ModeStmt):
                modes.append(s)
        self.needs_account(env, grants + denies)
        session = self.single(sessions, "seconds", f"session of {agent.name}@{env}")
        mode = self.single(modes, "mode", f"mode of {agent.name}@{env}")
        denied = {_grant_key(d)[1:] for d in denies}
        # a denied grant (always wins) opens no address either
        egress.extend(self.implied_egress(g for g in grants if _grant_key(g)[1:] not in denied))
        live = [self.review(g, env, grant_line(g, self.program)) for g in _unique(grants, _grant_key)
                if _grant_key(g)[1:] not in denied]
        return Principal(
            agent=agent.name, env=env, service_account=agent.service_account,
            mode=mode.mode if mode else "enforce",
            session=session.seconds if session else SESSION_DEFAULT,
            grants=tuple(live), denies=tuple(_unique(denies, _grant_key)),
            egress=tuple(self.review(e, env, egress_line(env, agent.name, e))
                         for e in _unique(egress, lambda e: e.dest)),
            budgets=tuple(budgets), rates=tuple(rates), approvals=tuple(approvals),
            span=next(b.span for b in agent.blocks if env in b.envs))

    def check_expect_templates(self) -> None:
        """A raw target of an `expect` expands in the expect's env like any raw target: an
        unknown variable, or one without a value there, is E019."""
        for test in self.program.tests:
            for e in test.expects:
                env = self.program.environments.get(e.env)
                if isinstance(e.target, Raw) and env is not None:
                    expand_template(self, e.target.value, e.target.span, env, env.aws_account,
                                    env.region)

    def needs_account(self, env: str, grants) -> None:
        """An AWS grant needs a role, and a role needs the env's account (E026): a shared
        bucket, a bedrock model or a raw ARN from an env without one would grant nothing."""
        if self.program.environments[env].aws_account:
            return
        for g in grants:
            if iam_enforced(g.target, self.program.instances):
                self.error("E026", f"environment `{env}` has no aws_account, but this grants "
                                   f"AWS access ({g.access} on {g.target})", g.origin.span,
                           f'add aws_account = "123456789012" to environment {env}')

    def single(self, stmts, attr: str, what: str):
        """The one value of `session` or `mode` for a principal; two different ones is E029."""
        values = {getattr(s, attr) for s in stmts}
        if len(values) > 1:
            first = stmts[0]
            for s in stmts[1:]:
                if getattr(s, attr) != getattr(first, attr):
                    self.error("E029", f"conflicting {what}", s.span,
                               f"already set at {first.span}")
        return stmts[0] if stmts else None

    def targets(self, refs, env: str, from_profile: bool) -> list[Target]:
        """Bind refs in `env`: same-env refs to that env's instance, shared ones to the one
        instance; raw strings get their templates expanded for `env`."""
        out = []
        e = self.program.environments[env]
        for r in refs:
            if isinstance(r, Raw):  # `{region}`: one target in each region of the env
                regions = e.regions if "{region}" in r.value else e.regions[:1]
                for i, region in enumerate(regions):
                    raw = expand_template(self if i == 0 else _Quiet(), r.value, r.span, e,
                                          e.aws_account, region)
                    out.append(Target(r.span, raw=raw, kind=schema.raw_kind(raw)))
                continue
            res = self.program.resources.get(f"{r.type}.{r.name}")
            if res is None:
                continue
            if res.shared:
                out.append(Target(r.span, instance=res.ref))
                continue
            where = r.env or env
            if where not in res.envs:
                if from_profile:  # in-block refs were checked by resolve
                    self.error("E021", f"{res.ref} does not exist in `{where}`", r.span,
                               f"it exists in: {', '.join(res.envs) or 'no environment'}")
                continue
            out.append(Target(r.span, instance=f"{res.ref}@{where}"))
        return out

    def egress(self, t: Target, origin: Origin) -> Egress | None:
        if t.raw is not None:
            dest = Destination.parse(t.raw)
            if isinstance(dest, str):  # a template expanded into an invalid destination
                if not TEMPLATE.search(t.raw):  # (an unexpanded variable is already E019)
                    self.diags.append(schema.destination_error(t.raw, dest, t.span))
                return None
            return Egress(t, dest, origin)
        inst = self.program.instances[t.instance or ""]
        return Egress(t, inst.endpoint, origin) if inst.endpoint is not None else None

    def implied_egress(self, grants) -> list[Egress]:
        """Calling an api or mcp_server, or connecting to a host, means reaching its address
        (so the allowlists agree with what the gateway permits)."""
        out = []
        for g in grants:
            inst = self.program.instances.get(g.target.instance or "")
            if inst is not None and inst.endpoint is not None:
                out.append(Egress(g.target, inst.endpoint, g.origin))
        return out

    def review(self, item, env: str, line: str):
        """Mark a grant or egress pending when its env reviews new access and the lock has not
        recorded `line` for at least `review_window`."""
        window = self.program.environments[env].review_window
        if not window:
            return item
        approved = self.lock.get(line)
        if approved is not None and (self.today - approved).total_seconds() >= window:
            return item
        return replace(item, pending=True)


class _Quiet:
    """Where a second region's expansion reports: its errors are the first region's."""

    def error(self, *args) -> None:
        pass


def _grant_key(g: Grant) -> tuple:
    return (g.effect, g.access.value, g.access.raw, g.target.instance, g.target.raw)


def _unique(items, key) -> list:
    """First occurrence of each key, in source order (a later duplicate adds nothing)."""
    seen: dict = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())

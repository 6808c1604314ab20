"""Fold a stream of decisions and CloudTrail events into per-principal observations.

Memory is bounded by what the policy and the distinct requests are, never by the log's length:
per principal, counters per grant, one entry per distinct refused request (capped), and for
budgets and rates the totals of the most recent windows (older windows fold into the peak).
Lines are expected roughly in time order (as a gateway and CloudTrail write them); a line more
than `WINDOWS_KEPT` windows older than the newest seen counts in a window of its own.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from agentpol.catalogue.cedar import COST, calls_key, spend_key
from agentpol.model import PERIODS, Model, Principal

from . import events, match
from .readers import Decision

WINDOWS_KEPT = 256
ATTEMPTS_KEPT = 1000  # distinct refused requests kept per principal; the rest are counted
RETRY_SECONDS = 300  # the same refused request again within this is a retry
BURST = 10  # errors of one principal within one minute


@dataclass
class Use:
    """How often something was seen, and when first and last."""

    count: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None

    def add(self, when: dt.datetime) -> None:
        self.count += 1
        if self.last is None:
            self.first = self.last = when
        elif when > self.last:
            self.last = when
        elif when < self.first:  # type: ignore[operator]
            self.first = when


@dataclass
class _Route:
    """What every line of one (principal, action, resource) shares, matched once: the
    principal's record, the grants it uses, the budgets and rates it counts against."""

    seen: "Seen | None"
    key: tuple[str, str, str]
    verdict: match.Verdict = match.Verdict()
    uses: list = field(default_factory=list)
    limits: list = field(default_factory=list)


@dataclass
class Attempt:
    """Calls to one (layer, action, resource) that no grant covers, or a deny refuses."""

    layer: str  # "gateway" | "aws"
    action: str
    resource: str  # instance key (gateway) or ARN (aws), "" when the event names none
    deny: str = ""
    use: Use = field(default_factory=Use)
    decisions: Counter = field(default_factory=Counter)


class Peak:
    """The largest per-window total of something, over fixed windows aligned to the epoch."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        self.windows: dict[int, int] = {}
        self.best: int = 0
        self.best_window: int | None = None

    def add(self, stamp: float, amount: int, seen_total: int | None = None) -> None:
        w = int(stamp) // self.seconds
        total = self.windows.get(w, 0) + amount
        self.windows[w] = total
        if seen_total is not None:  # the gateway's own running count for the window
            total = max(total, seen_total)
        if total > self.best:
            self.best, self.best_window = total, w
        if len(self.windows) > WINDOWS_KEPT:
            newest = max(self.windows)
            for old in [k for k in self.windows if k <= newest - WINDOWS_KEPT]:
                del self.windows[old]

    def window_start(self) -> dt.datetime | None:
        if self.best_window is None:
            return None
        return dt.datetime.fromtimestamp(self.best_window * self.seconds, dt.timezone.utc)


@dataclass
class Limit:
    kind: str  # "budget" | "rate"
    what: str  # instance key, or "total"
    limit: int  # cents, or calls
    period: str
    origin: str
    peak: Peak
    refused: int = 0

    @property
    def key(self) -> str:
        """The context key holding the gateway's own count for the current window."""
        if self.kind == "budget":
            return spend_key(self.period, total=self.what == "total")
        return calls_key(self.period)


@dataclass
class Seen:
    """Everything observed of one principal."""

    principal: Principal
    uses: dict[str, Use] = field(default_factory=dict)  # grant line -> use
    attempts: dict[tuple, Attempt] = field(default_factory=dict)
    attempts_dropped: int = 0
    refused_within: Counter = field(default_factory=Counter)  # reason -> count
    limits: list[Limit] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)  # layer -> calls
    errors: int = 0
    retries: int = 0
    bursts: list[tuple[dt.datetime, int]] = field(default_factory=list)
    mismatches: Counter = field(default_factory=Counter)
    _burst_minute: int = -1
    _burst_count: int = 0
    _last_refusal: dict[tuple, dt.datetime] = field(default_factory=dict)

    def error(self, when: dt.datetime) -> None:
        self.errors += 1
        minute = int(when.timestamp()) // 60
        if minute != self._burst_minute:
            self._close_burst()
            self._burst_minute, self._burst_count = minute, 0
        self._burst_count += 1

    def _close_burst(self) -> None:
        if self._burst_count >= BURST:
            start = dt.datetime.fromtimestamp(self._burst_minute * 60, dt.timezone.utc)
            self.bursts.append((start, self._burst_count))
            del self.bursts[:-20]

    def refusal(self, key: tuple, when: dt.datetime) -> None:
        last = self._last_refusal.get(key)
        if last is not None and 0 <= (when - last).total_seconds() <= RETRY_SECONDS:
            self.retries += 1
        if key in self._last_refusal or len(self._last_refusal) < ATTEMPTS_KEPT:
            self._last_refusal[key] = when

    def attempt(self, layer: str, action: str, resource: str, deny: str) -> Attempt | None:
        key = (layer, action, resource)
        found = self.attempts.get(key)
        if found is None:
            if len(self.attempts) >= ATTEMPTS_KEPT:
                self.attempts_dropped += 1
                return None
            found = self.attempts[key] = Attempt(layer, action, resource, deny)
        return found

    def finish(self) -> None:
        self._close_burst()
        self._burst_count = 0


class Observer:
    """Feed it decisions and CloudTrail records; read `seen`, `coverage` and the spans."""

    def __init__(self, model: Model, since: dt.datetime | None, until: dt.datetime | None):
        self.model, self.since, self.until = model, since, until
        self.seen: dict[str, Seen] = {}
        self.gateway_envs: set[str] = set()
        self.aws_principals: set[str] = set()
        self.data_accounts: set[str] = set()  # accounts whose CloudTrail input has data events
        self.spans = {"gateway": Use(), "aws": Use()}  # first and last record of each layer
        self.unknown: Counter = Counter()  # principals in the logs the policy does not have
        self.skipped: Counter = Counter()  # records outside the period, events of non-agent callers
        self._aws = match.AwsIndex(model)
        self._routes: dict[tuple, _Route] = {}
        self._aws_cache: dict[tuple, match.Verdict] = {}
        self._by_account = events.accounts(model)

    def _in_period(self, when: dt.datetime) -> bool:
        if (self.since and when < self.since) or (self.until and when >= self.until):
            self.skipped["outside the period"] += 1
            return False
        return True

    def _of(self, key: str) -> Seen | None:
        found = self.seen.get(key)
        if found is None:
            p = self.model.principals.get(key)
            if p is None:
                return None
            found = self.seen[key] = Seen(p, limits=_limits(self.model, p))
        return found

    # -- the gateway ---------------------------------------------------------------------

    def decision(self, d: Decision) -> None:
        when = d.time
        if (self.since or self.until) and not self._in_period(when):
            return
        self.spans["gateway"].add(when)
        route = self._routes.get((d.principal, d.action, d.resource))
        if route is None:
            route = self._route(d)
        s = route.seen
        if s is None:
            self.unknown[d.principal] += 1
            return
        s.calls["gateway"] += 1
        refused = d.decision == "denied"
        if d.errors:
            s.error(when)
        if refused:
            s.refusal(route.key, when)
        if route.uses:
            for use in route.uses:
                use.add(when)
            if refused:
                s.refused_within[_reason(d)] += 1
        else:
            a = s.attempt(*route.key, route.verdict.deny)
            if a is not None:
                a.use.add(when)
                a.decisions[d.decision] += 1
        if route.limits:
            stamp = when.timestamp()
            for limit in route.limits:
                _count(limit, d, refused, stamp)

    def _route(self, d: Decision) -> "_Route":
        """What every line of one (principal, action, resource) shares, computed once."""
        env = d.principal.rpartition("@")[2]
        if env in self.model.environments:
            self.gateway_envs.add(env)
        s = self._of(d.principal)
        route = _Route(s, ("gateway", d.action, d.resource))
        if s is not None:
            route.verdict = match.gateway(s.principal, d.action, d.resource)
            if route.verdict.grants and not route.verdict.deny:
                route.uses = [s.uses.setdefault(line, Use()) for line in route.verdict.grants]
            itype = d.resource.split(".", 1)[0]
            route.limits = [x for x in s.limits if x.what == d.resource or
                            (x.what == "total" and itype == "api")]
        if len(self._routes) < 100_000:
            self._routes[(d.principal, d.action, d.resource)] = route
        return route

    # -- CloudTrail ----------------------------------------------------------------------

    def cloudtrail(self, record: dict) -> None:
        call = events.read(record, self._by_account)
        if not self._in_period(call.time):
            return
        self.spans["aws"].add(call.time)
        if record.get("eventCategory") == "Data" or record.get("managementEvent") is False:
            self.data_accounts.add(str(record.get("recipientAccountId") or call.account))
        if call.principal is None:
            self.skipped["events of callers that are no agent role"] += 1
            return
        s = self._of(call.principal)
        if s is None:
            self.unknown[call.principal] += 1
            return
        self.aws_principals.add(call.principal)
        if call.mismatch:
            s.mismatches[call.mismatch] += 1
        if call.action == "sts:AssumeRole" and not call.caller.split("/")[-1].startswith(
                "agentpol-"):
            return  # the runtime entering the role: presence only
        s.calls["aws"] += 1
        if call.error:
            s.error(call.time)
        key = (call.principal, call.action, call.arns)
        verdict = self._aws_cache.get(key)
        if verdict is None:
            verdict = self._aws.verdict(s.principal, call.action, call.arns)
            if len(self._aws_cache) < 20_000:  # object ARNs are many: a bounded cache
                self._aws_cache[key] = verdict
        if call.denied:
            s.refusal(("aws", call.action, call.arns), call.time)
        if verdict.grants and not verdict.deny:
            for line in verdict.grants:
                s.uses.setdefault(line, Use()).add(call.time)
            if call.denied:
                s.refused_within["refused by AWS within a grant (SCP, resource policy, "
                                 "boundary or a region outside the policy)"] += 1
            return
        for arn in call.arns or ("",):
            a = s.attempt("aws", call.action, arn, verdict.deny)
            if a is not None:
                a.use.add(call.time)
                a.decisions["denied" if call.denied else
                            (f"error {call.error}" if call.error else "succeeded")] += 1

    def finish(self) -> None:
        for s in self.seen.values():
            s.finish()


def _limits(model: Model, p: Principal) -> list[Limit]:
    out = [Limit("budget", b.api or "total", b.cents, b.period, str(b.origin.span),
                 Peak(PERIODS[b.period])) for b in p.budgets]
    out += [Limit("rate", r.target, r.count, r.period, str(r.origin.span), Peak(PERIODS[r.period]))
            for r in p.rates]
    return out


def _count(limit: Limit, d: Decision, refused: bool, stamp: float) -> None:
    """A budget counts the cost of calls made (not refused) to its api (`total`: to any api);
    a rate counts calls made to its resource. The gateway's own window counters, when the
    line carries them, are taken as the floor of the window's total."""
    if refused:
        if any(f" {limit.kind} {limit.what} " in pid for pid in d.policy_ids):  # its own forbid
            limit.refused += 1
        return
    ctx = d.context
    if limit.kind == "budget":
        cost = ctx.get(COST)
        cost = cost if type(cost) is int and cost >= 0 else 0
        seen = ctx.get(limit.key)
        limit.peak.add(stamp, cost, seen + cost if type(seen) is int else None)
    else:
        seen = ctx.get(limit.key)
        limit.peak.add(stamp, 1, seen + 1 if type(seen) is int else None)


#: The verb of a forbid's id (`AGENT@ENV budget ...`, `kill switch all`, `kill AGENT@ENV`) ->
#: why a call its grant covers was refused.
_REASONS = {"budget": "budget reached", "rate": "rate reached", "approval": "approval missing",
            "kill": "kill switch"}


def _reason(d: Decision) -> str:
    """Why the gateway refused a call a grant covers: the verb of a determining forbid's id,
    or an evaluation error."""
    if d.errors:
        return "evaluation error"
    for pid in d.policy_ids:
        for word in pid.split(" ", 2)[:2]:
            if word in _REASONS:
                return _REASONS[word]
    return "refused within a grant (no determining permit in effect)"

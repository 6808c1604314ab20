"""The report: markdown for a pull-request description, JSON with a schema version.

Both carry the same facts in the same order: principals sorted by key, alerts first (what an
agent tried that must not become a grant), then the patch. No timestamps but the observed ones.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json

from .report import ALERT_ORDER, Suggestion

SCHEMA_VERSION = 1


def _t(when: dt.datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _span(delta: dt.timedelta) -> str:
    days, rest = delta.days, delta.seconds
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"


def as_json(s: Suggestion) -> str:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "period": {layer: {"first": _t(a), "last": _t(b)} for layer, (a, b) in s.period.items()},
        "input": {
            "malformed": [{"file": d.path, "count": d.count,
                           "lines": [{"line": n, "why": w} for n, w in d.first]}
                          for d in s.damage],
            "unknown_principals": s.unknown,
            "skipped": s.skipped,
        },
        "check_errors_before": s.baseline_errors,
        "principals": [{
            "principal": r.key, "mode": r.mode, "calls": r.calls,
            "alerts": [{"kind": a.kind, "layer": a.layer, "action": a.action,
                        "resource": a.resource, "count": a.count, "first": _t(a.first),
                        "last": _t(a.last), "detail": a.detail} for a in r.alerts],
            "unused": [{"grant": u.grant, "layer": u.layer, "where": u.where,
                        "via": list(u.via), "unused_for_seconds": int(u.unused_for.total_seconds()),
                        "proposed_removal": u.proposed, "note": u.note} for u in r.unused],
            "not_observed": [{"grant": g, "why": w} for g, w in r.not_observed],
            "proposed_grants": [{"statement": a.statement.text(), "count": a.count,
                                 "first": _t(a.first), "last": _t(a.last),
                                 "calls": list(a.calls), "accepted": a.accepted,
                                 "note": a.note} for a in r.additions],
            "used": [{"grant": g, "count": n, "last": _t(t)} for g, n, t in r.used],
            "refused_within_grants": r.refused_within,
            "errors": r.errors, "retries": r.retries,
            "error_bursts": [{"minute": _t(t), "errors": n} for t, n in r.bursts],
            "limits": [{**x, "window": _t(x["window"])} for x in r.limits],
            "review": [{**x, "approved": x["approved"] and x["approved"].isoformat(),
                        "live_from": x["live_from"] and x["live_from"].isoformat()}
                       for x in r.review],
        } for r in s.principals],
        "patch": {name: s.patch[name] for name in sorted(s.patch)},
        "diff": diff(s),
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def diff(s: Suggestion) -> str:
    """The patch as a unified diff of the policy sources."""
    out: list[str] = []
    for name in sorted(s.patch):
        before = s.files[name].read_text(encoding="utf-8").splitlines(keepends=True)
        after = s.patch[name].splitlines(keepends=True)
        out += difflib.unified_diff(before, after, f"a/{name}", f"b/{name}")
    return "".join(out)


#: GitHub refuses a pull-request description or comment over 65,536 characters.
MARKDOWN_LIMIT = 60_000


def as_markdown(s: Suggestion) -> str:
    """Counts first, then every alert, then per principal what was found, then the patch. Over
    GitHub's size limit, "not observed" lines become counts, then principals are left out
    (the JSON has everything)."""
    head = _head(s)
    patch = diff(s)
    tail = ["### Proposed patch", ""] + (["```diff", patch.rstrip("\n"), "```"] if patch
                                          else ["(no change)"])
    shown = [r for r in s.principals if r.calls or r.unused or r.alerts]
    for brief in (False, True):
        body = [line for r in shown for line in _principal(r, brief)]
        text = "\n".join(head + body + tail) + "\n"
        if len(text) <= MARKDOWN_LIMIT:
            return text
    kept: list = []
    count, size = 0, len("\n".join(head + tail))
    for r in shown:
        part = _principal(r, True)
        size += len("\n".join(part)) + 1
        if size > MARKDOWN_LIMIT - 200:
            break
        kept, count = kept + part, count + 1
    note = [f"({len(shown) - count} of {len(shown)} principals left out to fit a pull request: "
            "see `--format json`)", ""]
    text = "\n".join(head + kept + note + tail) + "\n"
    return text if len(text) <= MARKDOWN_LIMIT else "\n".join(
        head + kept + note + ["### Proposed patch", "", "(too long to show: see `--format json`)"]
    ) + "\n"


def _head(s: Suggestion) -> list[str]:
    alerts = sorted(((r.key, a) for r in s.principals for a in r.alerts),
                    key=lambda x: (ALERT_ORDER.index(x[1].kind), x[0]))  # most serious first
    removals = sum(u.proposed for r in s.principals for u in r.unused)
    adds = sum(a.accepted for r in s.principals for a in r.additions)
    lines = ["## agentpol suggest", ""]
    period = ", ".join(f"{layer} {_t(a)} .. {_t(b)}" for layer, (a, b) in s.period.items() if a)
    lines.append(f"Period observed: {period or 'nothing in the period'}.")
    verdict = ("the patch compiles and passes `check`" if not s.baseline_errors else
               f"the patch compiles and adds no error to the {s.baseline_errors} that `check` "
               "already reports")
    lines.append(f"**{len(alerts)} alert(s)**, {removals} grant(s) proposed for removal, "
                 f"{adds} grant(s) proposed to add; {verdict}.")
    for d in s.damage:
        where = ", ".join(f"line {n}" + (f" ({w})" if w else "") for n, w in d.first[:5])
        lines.append(f"- input: {d.path}: {d.count} malformed line(s) skipped: {where}")
    for who, n in sorted(s.unknown.items()):
        lines.append(f"- input: {n} record(s) of `{who}`, a principal the policy does not have")
    lines.append("")
    if alerts:
        lines += ["### Alerts", ""]
        lines += [f"- :warning: **{a.kind}** {who}: {a.action or '-'} on {a.resource or '-'} "
                  f"({a.count}x, last {_t(a.last)}): {a.detail}" for who, a in alerts]
        lines.append("")
    return lines


def _principal(r, brief: bool) -> list[str]:
    calls = ", ".join(f"{n} {layer}" for layer, n in sorted(r.calls.items())) or "no calls"
    lines = [f"### {r.key} (mode {r.mode}): {calls}", ""]
    if r.alerts:
        lines.append(f"- {len(r.alerts)} alert(s), listed above")
    for u in r.unused:
        verdict = ("proposed for removal" if u.proposed else u.note or "not proposed")
        lines.append(f"- unused for {_span(u.unused_for)}: `{u.grant}` ({u.layer}, "
                     f"{u.where}): {verdict}")
    for a in r.additions:
        state = "proposed" if a.accepted else f"not proposed: {a.note}"
        lines.append(f"- out of grant, {a.count}x: {', '.join(a.calls)} -> "
                     f"`{a.statement.text()}` ({state})")
    if brief and r.not_observed:
        lines.append(f"- not observed: {len(r.not_observed)} grant(s) (listed in the JSON)")
    else:
        lines += [f"- not observed: `{g}` ({why})" for g, why in r.not_observed]
    for x in r.limits:
        unit = "cents" if x["kind"] == "budget" else "calls"
        when = f"in the {x['period']} from {_t(x['window'])}" if x["window"] else "no calls"
        lines.append(f"- {x['kind']} {x['what']}: peak {x['peak']} of {x['limit']} {unit} "
                     f"per {x['period']} ({x['used_pct']}%, headroom {x['headroom']}; "
                     f"{when}), refused {x['refused']}x")
    for reason, n in sorted(r.refused_within.items()):
        lines.append(f"- refused within a grant: {reason}: {n}x")
    if r.errors or r.retries:
        bursts = "; ".join(f"{n} errors in the minute from {_t(t)}" for t, n in r.bursts)
        lines.append(f"- errors: {r.errors}, retries of a refused call: {r.retries}"
                     + (f"; bursts: {bursts}" if bursts else ""))
    for x in r.review:
        lines.append(f"- review: `{x['grant']}`: {x['state']}"
                     + (f" (from {x['live_from']})" if x["live_from"] else ""))
    return lines + [""]

"""`agentpol diff` output: text for a terminal, JSON for tools, and the pull-request comment.

The comment leads with the verdict of `check` on the new side (each error with its witness), then
a summary table, then the changes by risk. The high-risk groups are never folded; the comment
stays under GitHub's 65,536-character limit by folding and then summarising the lowest groups,
and carries a hidden marker so a workflow updates one comment in place.
"""
from __future__ import annotations

import json

from agentpol.diff import HIGH, RISKS, Change

#: Version of `diff --format json`: bumped when a field changes meaning or goes away.
SCHEMA = "agentpol-diff/1"
#: The hidden marker a workflow looks for to update its comment in place.
MARKER = "<!-- agentpol-diff -->"
#: GitHub's limit on a comment body, in characters; the comment keeps a margin below it.
LIMIT = 65_536
_BUDGET = LIMIT - 1_536
#: Errors shown with their witness at the top of the comment; the rest are counted.
_VERDICT_ITEMS = 20


def render(found: list[Change], fmt: str, report=None) -> str:
    if fmt == "json":
        return _json(found, report)
    if fmt == "markdown":
        return markdown(found, report)
    return _text(found)


def _groups(found: list[Change]) -> dict[str, list[Change]]:
    groups = {r: [c for c in found if c.risk == r] for r in RISKS}
    return {r: cs for r, cs in groups.items() if cs}


def _text(found: list[Change]) -> str:
    if not found:
        return "agentpol diff: no change in effective permissions or compiled artifacts\n"
    out = []
    for risk, cs in _groups(found).items():
        out.append(f"{risk} ({len(cs)}):")
        out += [f"  {c.line()}" for c in cs]
    return "\n".join(out) + "\n"


def _json(found: list[Change], report) -> str:
    doc = {"schema": SCHEMA,
           "verdict": _verdict_json(report),
           "summary": {r: len(cs) for r, cs in _groups(found).items()},
           "high_risk": list(HIGH),
           "changes": [c.as_json() for c in found]}
    return json.dumps(doc, indent=2) + "\n"


def _verdict_json(report) -> dict | None:
    if report is None:
        return None
    from agentpol.report.json_report import finding_json
    return {"passed": not report.errors, "errors": len(report.errors),
            "findings": [finding_json(f) for f in report.findings]}


# --- the pull-request comment ---------------------------------------------------------------


def markdown(found: list[Change], report=None, limit: int = _BUDGET) -> str:
    head = [MARKER, *_verdict(report), "", "### agentpol: permission changes", ""]
    groups = _groups(found)
    if not found:
        return "\n".join(head + ["No change in effective permissions or compiled artifacts."]) \
            + "\n"
    head += ["| risk | changes |", "|---|---:|"]
    head += [f"| {'**' + r + '**' if r in HIGH else r} | {len(cs)} |" for r, cs in groups.items()]
    # Each group: (shown in full, folded); the lowest go first to `summarised`, then `folded`.
    mode = {r: "open" if r in HIGH else "folded" for r in groups}
    text = _compose(head, groups, mode)
    for risk in reversed(list(groups)):
        if len(text) <= limit or risk in HIGH:
            break
        mode[risk] = "summary"
        text = _compose(head, groups, mode)
    if len(text) > limit:  # even the high-risk groups alone are too long: cut, with a count
        text = _compose(head, groups, mode, cut=_cut_to(head, groups, mode, limit))
    return text


def _compose(head: list[str], groups: dict, mode: dict, cut: int | None = None) -> str:
    out = list(head)
    for risk, cs in groups.items():
        shown = cs if cut is None or risk not in HIGH else cs[:cut]
        lines = ["```diff", *(c.line() for c in shown), "```"]
        if len(shown) < len(cs):
            lines.append(f"... and {len(cs) - len(shown)} more {risk} changes: run "
                         "`agentpol diff` locally for the full list.")
        if mode[risk] == "open":
            out += ["", f"#### {risk} ({len(cs)})", "", *lines]
        elif mode[risk] == "folded":
            out += ["", f"<details><summary>{risk} ({len(cs)})</summary>", "", *lines, "",
                    "</details>"]
        else:
            envs = sorted({c.entry.env for c in cs})
            out += ["", f"- {risk}: {len(cs)} changes in {', '.join(envs)} (not listed here "
                        "to keep the comment within GitHub's size limit)"]
    return "\n".join(out) + "\n"


def _cut_to(head: list[str], groups: dict, mode: dict, limit: int) -> int:
    """The most lines per high-risk group that fit within `limit` (at least one)."""
    low, high = 1, max(len(cs) for cs in groups.values())
    while low < high:
        mid = (low + high + 1) // 2
        if len(_compose(head, groups, mode, cut=mid)) <= limit:
            low = mid
        else:
            high = mid - 1
    return low


def _verdict(report) -> list[str]:
    if report is None:
        return ["**agentpol check: not run** (the new side is a compiled directory; "
                "run `agentpol check` on its sources)"]
    errors = report.errors
    if not errors:
        warnings = len(report.findings)
        return [f"**agentpol check: passed** ({warnings} warning{'s' * (warnings != 1)})"]
    out = [f"**agentpol check: FAILED with {len(errors)} error{'s' * (len(errors) != 1)}**", ""]
    for f in errors[:_VERDICT_ITEMS]:
        out.append(f"- `{f.rule}` {f.location or '-'}: {_escape(f.message)}")
        if f.witness:
            out.append("  witness: " + " ".join(
                _escape(str(h).split("  (")[0]) for h in f.witness))
    if len(errors) > _VERDICT_ITEMS:
        out.append(f"- ... and {len(errors) - _VERDICT_ITEMS} more errors "
                   "(see the check step's SARIF results)")
    return out


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")

"""`agentpol drift --format text|json|markdown`: the same drift, for a terminal, a program, or
a pull-request comment."""
from __future__ import annotations

import json
from typing import Sequence

from .drift import Drift


def render(found: Sequence[Drift], notes: Sequence[str], accounts: Sequence[str],
           fmt: str) -> str:
    if fmt == "json":
        return json.dumps({
            "drift": [{"env": d.env, "subject": d.subject, "kind": d.kind, "what": d.what}
                      for d in found],
            "accounts": list(accounts), "notes": list(notes),
            "summary": {"drift": len(found), "accounts": len(accounts)},
        }, indent=2, sort_keys=True) + "\n"
    summary = f"{len(found)} drift(s) in {len(accounts)} account(s)"
    if fmt == "markdown":
        out = [f"### agentpol drift: {summary}", ""]
        if found:
            out += ["| env | role or policy | kind | what |", "|---|---|---|---|"]
            out += [f"| {d.env} | `{d.subject}` | {d.kind} | {_cell(d.what)} |" for d in found]
            out.append("")
        out += [f"> {n}" for n in notes]
        return "\n".join(out).rstrip("\n") + "\n"
    out = [str(d) for d in found] + [f"note: {n}" for n in notes]
    return "\n".join(out + [f"agentpol: {summary}"]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

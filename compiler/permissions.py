"""`permissions.txt`: the file a reviewer reads in a pull request, and `diff` reads back.

One line per effective grant, egress, budget, rate, approval and principal setting, sorted:
`ENV AGENT ACCESS TARGET IDENTITY  # FILE [credential]`, IDENTITY being what the provider sees
(ARNs, `owner/repo`, Vault path, `host:port`). No line numbers: reformatting or moving a
statement within its file changes no line. Header comments name each environment and whether
it is protected, so a diff of two compiled trees can rank changes without the source.
"""
from __future__ import annotations

from dataclasses import dataclass

from .expand import egress_line, grant_line
from .model import Grant, Model

TITLE = ("# agentpol permissions: ENV AGENT ACCESS TARGET IDENTITY  # source file"
         " (generated; do not edit)")
SHADOW = "## shadow mode: evaluated and logged by the gateway, never executed"
PENDING = "## pending review: shadow until approved in agentpol.lock"
#: Raw AWS resources that hold or mint credentials, for the `credential` tag.
_CREDENTIAL_ARNS = (":secret:", ":parameter/", ":role/", ":key/", ":alias/")


def permissions(model: Model, env: str | None = None) -> str:
    live: list[str] = []
    shadow: list[str] = []
    pending: list[str] = []
    for p in model.principals.values():
        if env is not None and p.env != env:
            continue
        for g in p.grants + p.denies:
            tag = " credential" if _credential(model, g) else ""
            line = f"{grant_line(g, model.program)}  # {g.origin.span.file}{tag}"
            (shadow if p.shadow else pending if g.pending else live).append(line)
        for e in p.egress:
            line = (egress_line(p.env, p.agent, e)
                    + f"  # {e.origin.span.file}")
            (shadow if p.shadow else pending if e.pending else live).append(line)
        for b in p.budgets:
            what = b.api or "total"
            live.append(f"{p.env} {p.agent} budget {what} {b.cents // 100}.{b.cents % 100:02d} usd"
                        f" per {b.period}  # {b.origin.span.file}")
        for r in p.rates:
            live.append(f"{p.env} {p.agent} rate {r.target} {r.count} per {r.period}"
                        f"  # {r.origin.span.file}")
        for a in p.approvals:
            live.append(f"{p.env} {p.agent} approval {a.access} {a.target}"
                        f"  # {a.origin.span.file}")
        live.append(f"{p.env} {p.agent} session {p.session}s mode {p.mode}"
                    f"  # {p.span.file}")
    out = [TITLE]
    out += [_env_header(model, e) for e in model.environments.values() if env in (None, e.name)]
    out += sorted(set(live))
    if shadow:
        out += ["", SHADOW, *sorted(set(shadow))]
    if pending:
        out += ["", PENDING, *sorted(set(pending))]
    return "\n".join(out) + "\n"


def _env_header(model: Model, e) -> str:
    """`# env prod protected review_window=86400s audit_log=log_group.x@prod`: the env's guards,
    so `diff` sees one removed."""
    words = ["protected"] if e.protected else []
    if e.review_window:
        words.append(f"review_window={e.review_window}s")
    if e.audit_log:
        words.append(f"audit_log={e.audit_log}")
    return " ".join([f"# env {e.name}", *words])


def _credential(model: Model, g: Grant) -> bool:
    if g.target.instance is not None:
        return model.instances[g.target.instance].credential
    return g.target.kind == "vault" or any(m in (g.target.raw or "") for m in _CREDENTIAL_ARNS)


@dataclass(frozen=True)
class Entry:
    """One line read back: its text without the source comment, and what it says."""

    text: str
    env: str
    agent: str
    rest: str  # after ENV AGENT
    section: str  # "live" | "shadow" | "pending"
    credential: bool
    source: str


def parse(text: str) -> tuple[dict[str, dict], list[Entry]]:
    """(env -> its guards {"protected": True, "review_window": "86400s", ...}, entries) of a
    permissions.txt."""
    envs: dict[str, dict] = {}
    entries, section = [], "live"
    for line in text.splitlines():
        if line.startswith("# env "):
            name, *flags = line[len("# env "):].split()
            envs[name] = {k: v or True for k, _, v in (f.partition("=") for f in flags)}
        elif line in (SHADOW, PENDING):
            section = "shadow" if line == SHADOW else "pending"
        elif line and not line.startswith("#"):
            body, _, comment = line.partition("  # ")
            env, agent, rest = body.split(" ", 2)
            entries.append(Entry(body, env, agent, rest, section, comment.endswith(" credential"),
                                 comment.removesuffix(" credential")))
    return envs, entries

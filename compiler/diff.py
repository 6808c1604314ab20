"""`agentpol diff OLD NEW`: every change of effective permissions, ranked by risk.

Each side is a policy directory (compiled in memory), a compiled output directory (its
permissions.txt), or a git ref (`REF` for `REF:policies`, or `REF:PATH`). Both reduce to
permissions.txt, so a diff of two compiles and a diff of two commits read the same.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .permissions import Entry, parse

#: Risk classes, highest first (DESIGN: review before permissions go live).
RISKS = ("new access in a protected env", "new credential access", "widened wildcard",
         "new egress", "raised budget", "goes live", "other change", "removed")
#: Lines that hold one setting of a principal: a change of value pairs old with new.
_SLOT = re.compile(r"^(budget \S+ (?=[\d.]+ usd per (\w+))|rate \S+ (?=\d+ per (\w+))|session )")
_NUMBER = re.compile(r"^\S+ \S+ ([\d.]+)|^session (\d+)s")


@dataclass(frozen=True)
class Change:
    risk: str
    sign: str  # "+" | "-" | "~"
    entry: Entry
    detail: str = ""

    def line(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        state = "" if self.entry.section == "live" else f" [{self.entry.section}]"
        return f"{self.sign} {self.entry.text}{state}{extra}  # {self.entry.source}"


def changes(old_text: str, new_text: str) -> list[Change]:
    old_envs, old = parse(old_text)
    new_envs, new = parse(new_text)
    protected = {**old_envs, **new_envs}
    old_texts, new_texts = {e.text: e for e in old}, {e.text: e for e in new}
    old_slots = {_slot(e): e for e in old if _slot(e)}
    new_slots = {_slot(e) for e in new if _slot(e)}
    out = []
    for e in new:
        previous = old_texts.get(e.text) or old_slots.get(_slot(e))
        if previous is None:
            out.append(_added(e, protected))
        elif previous.text != e.text:
            out.append(_changed_setting(previous, e))
        elif previous.section != e.section:  # same grant: shadow or pending <-> live
            risk = "goes live" if e.section == "live" else "other change"
            out.append(Change(risk, "~", e, f"was {previous.section}"))
    out += [Change("removed", "-", e) for e in old
            if e.text not in new_texts and not (_slot(e) and _slot(e) in new_slots)]
    return sorted(out, key=lambda c: (RISKS.index(c.risk), c.entry.text))


def _added(e: Entry, protected: dict[str, bool]) -> Change:
    kind = e.rest.split(" ", 1)[0]
    if kind in ("session", "rate", "approval", "budget"):
        return Change("other change", "+", e)
    if protected.get(e.env):
        return Change("new access in a protected env", "+", e)
    if e.credential:
        return Change("new credential access", "+", e)
    if "*" in e.rest:
        return Change("widened wildcard", "+", e)
    if kind == "egress":
        return Change("new egress", "+", e)
    return Change("other change", "+", e)


def _changed_setting(old: Entry, new: Entry) -> Change:
    """A budget, rate or session/mode line whose value changed."""
    detail = "was " + old.rest
    if new.rest.startswith("session"):
        live = old.rest.endswith("mode shadow") and new.rest.endswith("mode enforce")
        return Change("goes live" if live else "other change", "~", new, detail)
    raised = _number(new) > _number(old)
    risk = "raised budget" if raised and new.rest.startswith("budget") else "other change"
    return Change(risk, "~", new, detail)


def _slot(e: Entry) -> tuple | None:
    m = _SLOT.match(e.rest)
    return (e.env, e.agent, m.group(1), m.group(2) or m.group(3)) if m else None


def _number(e: Entry) -> float:
    m = _NUMBER.match(e.rest)
    assert m is not None, "only budget, rate and session lines are compared by number"
    return float(m.group(1) or m.group(2))


# --- reading a side -----------------------------------------------------------------------


def side_text(spec: str, load_permissions) -> str:
    """permissions.txt of one side; `load_permissions(dir)` compiles a source directory."""
    path = Path(spec)
    if path.is_dir():
        compiled = path / "permissions.txt"
        return compiled.read_text(encoding="utf-8") if compiled.is_file() \
            else load_permissions(path)
    ref, _, sub = spec.partition(":")
    with tempfile.TemporaryDirectory() as tmp:
        _extract(ref, sub or "policies", Path(tmp))
        return load_permissions(Path(tmp) / (sub or "policies"))


def _extract(ref: str, sub: str, into: Path) -> None:
    try:
        tar = subprocess.run(["git", "archive", "--format=tar", ref, sub], check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        raise ValueError(f"{ref}:{sub}: not a directory or a git ref "
                         f"({err.decode(errors='replace').strip() or exc})") from None
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(into, filter="data")


# --- rendering ------------------------------------------------------------------------------


def render(found: list[Change], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{"risk": c.risk, "change": c.sign, "line": c.entry.text,
                            "section": c.entry.section, "source": c.entry.source,
                            "detail": c.detail} for c in found], indent=2) + "\n"
    groups = {r: [c for c in found if c.risk == r] for r in RISKS}
    groups = {r: cs for r, cs in groups.items() if cs}
    if fmt == "markdown":
        return _markdown(groups, len(found))
    if not found:
        return "agentpol diff: no change in effective permissions\n"
    out = []
    for risk, cs in groups.items():
        out.append(f"{risk} ({len(cs)}):")
        out += [f"  {c.line()}" for c in cs]
    return "\n".join(out) + "\n"


def _markdown(groups: dict, total: int) -> str:
    out = ["### agentpol: permission changes", ""]
    if not total:
        return "\n".join(out + ["No change in effective permissions."]) + "\n"
    out += ["| risk | changes |", "|---|---:|"]
    out += [f"| {risk} | {len(cs)} |" for risk, cs in groups.items()]
    for risk, cs in groups.items():
        out += ["", f"<details><summary>{risk} ({len(cs)})</summary>", "", "```diff"]
        out += [c.line() for c in cs]
        out += ["```", "", "</details>"]
    return "\n".join(out) + "\n"

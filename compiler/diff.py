"""`agentpol diff OLD NEW`: every change of what providers will enforce, ranked by risk.

Each side is a policy directory (compiled in memory), a compiled output directory, or a git ref
(`REF` for `REF:policies`, or `REF:PATH`). Both reduce to permissions.txt (whose lines carry the
resolved identities) and the compiled documents, so a change to a resource declaration shows as
a changed identity, and a change that moves no permissions.txt line still shows as a changed
artifact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .permissions import Entry, parse

#: Risk classes, highest first (docs/review.md). The first three are never folded.
HIGH = ("new access in a protected env", "new credential access", "weakened guard")
RISKS = HIGH + ("widened wildcard", "new egress", "changed identity", "goes live",
                "other change", "changed artifact", "removed access")
#: Lines that hold one setting of a principal: a change of value pairs old with new.
_SLOT = re.compile(r"^(budget \S+ (?=[\d.]+ usd per (\w+))|rate \S+ (?=\d+ per (\w+))|session )")
_NUMBER = re.compile(r"^\S+ \S+ ([\d.]+)|^session (\d+)s")
#: Lines that are guards: removing one weakens what the provider enforces.
_GUARDS = ("deny", "approval", "budget", "rate")
#: Compiled files that are not deployed (line numbers live in the manifest).
_NOT_DEPLOYED = ("manifest.json", "permissions.txt")


@dataclass(frozen=True)
class Change:
    risk: str
    sign: str  # "+" | "-" | "~"
    entry: Entry
    detail: str = ""

    def line(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        state = "" if self.entry.section == "live" else f" [{self.entry.section}]"
        source = f"  # {self.entry.source}" if self.entry.source else ""
        return f"{self.sign} {self.entry.text}{state}{extra}{source}"

    def as_json(self) -> dict:
        return {"risk": self.risk, "change": self.sign, "line": self.entry.text,
                "env": self.entry.env, "agent": self.entry.agent,
                "section": self.entry.section, "source": self.entry.source,
                "detail": self.detail}


def changes(old_text: str, new_text: str, old_files: dict | None = None,
            new_files: dict | None = None) -> list[Change]:
    """Changes between two permissions.txt texts, plus the compiled files that differ."""
    old_envs, old = parse(old_text)
    new_envs, new = parse(new_text)
    protected = {n: e.get("protected", False) for n, e in {**old_envs, **new_envs}.items()}
    old_texts, new_texts = {e.text: e for e in old}, {e.text: e for e in new}
    old_keys = {_key(e): e for e in old if _key(e)}
    new_keys = {_key(e) for e in new if _key(e)}
    out = _env_changes(old_envs, new_envs)
    for e in new:
        previous = old_texts.get(e.text) or old_keys.get(_key(e))
        if previous is None:
            out.append(_added(e, protected))
        elif previous.text != e.text:
            out.append(_changed(previous, e, protected))
        elif previous.section != e.section:  # same grant: shadow or pending <-> live
            live = e.section == "live"
            out.append(Change("goes live" if live else "other change", "~", e,
                              f"was {previous.section}"))
    out += [_removed(e) for e in old
            if e.text not in new_texts and not (_key(e) and _key(e) in new_keys)]
    out += _artifacts(old_files, new_files)
    return sorted(out, key=lambda c: (RISKS.index(c.risk), c.entry.text))


def _kind(e: Entry) -> str:
    return e.rest.split(" ", 1)[0]


def _key(e: Entry) -> tuple | None:
    """What pairs an old line with its new value: a setting's slot, or a grant on a declared
    resource without its identity (`read table.x@prod` whatever table it now resolves to)."""
    m = _SLOT.match(e.rest)
    if m:
        return (e.env, e.agent, m.group(1), m.group(2) or m.group(3))
    words = e.rest.split(" ")
    if _kind(e) in ("egress", "approval") or len(words) < 3 or words[-1].startswith('"'):
        return None
    return (e.env, e.agent, e.section, " ".join(words[:-1]))


def _added(e: Entry, protected: dict[str, bool]) -> Change:
    kind = _kind(e)
    if kind in ("session", "rate", "approval", "budget", "deny"):  # a new limit narrows
        return Change("other change", "+", e)
    if protected.get(e.env) or protected.get(_target_env(e) or ""):
        return Change("new access in a protected env", "+", e)
    if e.credential:
        return Change("new credential access", "+", e)
    if "*" in e.rest:
        return Change("widened wildcard", "+", e)
    if kind == "egress":
        return Change("new egress", "+", e)
    return Change("other change", "+", e)


def _target_env(e: Entry) -> str | None:
    """The env of a declared target (`secret.x@prod`): a grant into it is access into it."""
    words = e.rest.split(" ")
    target = next((w for w in words[1:] if "." in w and "@" in w and not w.startswith('"')),
                  None)
    return target.rsplit("@", 1)[1] if target else None


def _removed(e: Entry) -> Change:
    if _kind(e) in _GUARDS:
        return Change("weakened guard", "-", e, f"removed {_kind(e)}")
    return Change("removed access", "-", e)


def _changed(old: Entry, new: Entry, protected: dict[str, bool]) -> Change:
    """A budget, rate or session/mode line whose value changed, or a grant whose resource now
    resolves to another identity."""
    kind = _kind(new)
    if kind == "session":
        weaker = []
        if old.rest.endswith("mode shadow") and new.rest.endswith("mode enforce"):
            weaker.append("shadow to live")
        if _number(new) > _number(old):
            weaker.append(f"longer session x{_number(new) / _number(old):.2f}")
        detail = "; ".join(weaker + [f"was {old.rest}"])
        return Change("weakened guard" if weaker else "other change", "~", new, detail)
    if kind in ("budget", "rate"):
        ratio = _number(new) / _number(old) if _number(old) else float("inf")
        if ratio > 1:
            return Change("weakened guard", "~", new,
                          f"raised {kind} x{ratio:.2f}; was {old.rest}")
        return Change("other change", "~", new, f"x{ratio:.2f}; was {old.rest}")
    was = f"identity was {old.rest.rsplit(' ', 1)[-1]}"
    if kind == "deny":
        return Change("weakened guard", "~", new, f"deny moved: {was}")
    risk = _added(new, protected).risk
    return Change("changed identity" if risk == "other change" else risk, "~", new, was)


def _env_changes(old: dict[str, dict], new: dict[str, dict]) -> list[Change]:
    """An environment's guards: `protected`, `review_window` and `audit_log` removed, or the
    window shortened, weaken every grant of that env."""
    out = []
    for name in sorted(old.keys() & new.keys()):
        before, after = old[name], new[name]
        for flag in ("protected", "review_window", "audit_log"):
            if flag in before and flag not in after:
                out.append(Change("weakened guard", "-", _env_entry(name, before),
                                  f"removed {flag}"))
        if "review_window" in before and "review_window" in after and \
                _seconds(after["review_window"]) < _seconds(before["review_window"]):
            out.append(Change("weakened guard", "~", _env_entry(name, after),
                              f"shorter review_window, was {before['review_window']}"))
    return out


def _env_entry(name: str, flags: dict) -> Entry:
    words = " ".join(k if v is True else f"{k}={v}" for k, v in flags.items())
    return Entry(f"env {name} {words}".rstrip(), name, "*", words, "live", False, "")


def _artifacts(old: dict | None, new: dict | None) -> list[Change]:
    """Deployed files whose bytes differ (both sides compiled): what a provider will load."""
    if old is None or new is None:
        return []
    out = []
    for path in sorted(old.keys() | new.keys()):
        if path in _NOT_DEPLOYED or old.get(path) == new.get(path):
            continue
        sign = "+" if path not in old else "-" if path not in new else "~"
        env = path.split("/")[1] if path.count("/") >= 2 else "*"
        out.append(Change("changed artifact", sign,
                          Entry(path, env, "*", path, "live", False, "")))
    return out


def _number(e: Entry) -> float:
    m = _NUMBER.match(e.rest)
    return float(m.group(1) or m.group(2)) if m else 0.0


def _seconds(value: str) -> int:
    return int(value.rstrip("s"))

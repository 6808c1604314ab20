"""IAM policy documents as an authz file holds them, checked before the proof reads them.

A document is an object, or (as the raw API returns it) URL-encoded JSON text. Whatever a file
holds, `document` either returns the document with `Statement` as a list of statements whose
elements have the types IAM gives them, or says what is wrong with it; the graph never meets a
number where it expects an action.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

_EFFECTS = ("Allow", "Deny")
_PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
#: `service:Action` with IAM's wildcards, or `*`.
_ACTION = re.compile(r"^(\*|[A-Za-z0-9_-]+:[A-Za-z0-9_*?-]*)$")


def document(value: Any, trust: bool = False) -> tuple[dict | None, list[str]]:
    """(the document with `Statement` as a list, []) or (None, the problems)."""
    if isinstance(value, str):
        try:
            value = json.loads(urllib.parse.unquote(value))
        except ValueError as exc:
            return None, [f"is not JSON ({exc})"]
    if not isinstance(value, dict):
        return None, [f"is not a JSON object (found {_kind(value)})"]
    if "Statement" not in value:
        return None, ["has no `Statement`"]
    raw = value["Statement"]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return None, [f"`Statement` must be an object or a list of objects, found {shown(raw)}"]
    problems = []
    for i, s in enumerate(raw, 1):
        if not isinstance(s, dict):
            problems.append(f"statement {i} is not an object (found {shown(s)})")
            continue
        problems += [f"statement {_name(s, i)}: {p}" for p in _statement(s, trust)]
    if "Version" in value and not isinstance(value["Version"], str):
        problems.append(f"`Version` must be a string, found {shown(value['Version'])}")
    if problems:
        return None, problems
    return {**value, "Statement": list(raw)}, []


def _statement(s: dict, trust: bool) -> list[str]:
    out = []
    if s.get("Effect") not in _EFFECTS:
        out.append("`Effect` must be \"Allow\" or \"Deny\""
                   + (f", found {shown(s['Effect'])}" if "Effect" in s else " (missing)"))
    out += _one_of(s, "Action", "NotAction", _actions)
    if trust:
        out += _one_of(s, "Principal", "NotPrincipal", _principal)
    else:
        out += _one_of(s, "Resource", "NotResource", _resources)
    if "Condition" in s and not (isinstance(s["Condition"], dict) and all(
            isinstance(v, dict) for v in s["Condition"].values())):
        out.append(f"`Condition` must map operators to objects, found {shown(s['Condition'])}")
    if "Sid" in s and not isinstance(s["Sid"], str):
        out.append(f"`Sid` must be a string, found {shown(s['Sid'])}")
    return out


def _one_of(s: dict, key: str, negated: str, check) -> list[str]:
    present = [k for k in (key, negated) if k in s]
    if not present:
        return [f"has neither `{key}` nor `{negated}`"]
    if len(present) == 2:
        return [f"has both `{key}` and `{negated}`"]
    return [f"`{present[0]}` {p}" for p in check(s[present[0]])]


def strings(value: Any) -> list[str] | None:
    """A policy element as a list of strings (IAM allows one string or a list of them); None
    when it is neither."""
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list) and all(isinstance(i, str) for i in items):
        return items
    return None


def _actions(value: Any) -> list[str]:
    items = strings(value)
    if items is None:
        return [f"must be a string or a list of strings, found {shown(value)}"]
    return [f"names {a!r}, which is not `service:action`" for a in items
            if not _ACTION.match(a)]


def _resources(value: Any) -> list[str]:
    items = strings(value)
    if items is None:
        return [f"must be a string or a list of strings, found {shown(value)}"]
    return [f"names {r!r}, which is neither `*` nor an ARN" for r in items
            if r != "*" and not r.startswith("arn:")]


def _principal(value: Any) -> list[str]:
    if value == "*":
        return []
    if not isinstance(value, dict):
        return [f"must be \"*\" or an object, found {shown(value)}"]
    out = []
    for k, v in value.items():
        if k not in _PRINCIPAL_KEYS:
            out.append(f"has an unknown key {k!r} (one of {', '.join(_PRINCIPAL_KEYS)})")
        elif strings(v) is None:
            out.append(f"{k!r} must be a string or a list of strings, found {shown(v)}")
    return out


def _name(s: dict, i: int) -> str:
    sid = s.get("Sid")
    return f"{i} ({sid})" if isinstance(sid, str) and sid else str(i)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def shown(value: Any) -> str:
    """A value as JSON, cut short for a message."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."

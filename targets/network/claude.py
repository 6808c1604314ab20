"""claude-settings.json: Claude Code settings for an agent run by Claude Code.

Two layers name the same hosts: `permissions` (the WebFetch tool: `WebFetch(domain:...)`) and
`sandbox.network` (every command the sandboxed Bash tool runs). Both take host names and
`*.name` only (no ports, no addresses), so an allowed name is reachable on any port here; the
note under `//` says so and lists the addresses left out. The sandbox is required
(`failIfUnavailable`, no unsandboxed escape hatch, `strictAllowlist`: no prompt widens the list);
other protected envs' names are denied in both layers; credential paths are unreadable
(Claude Code spells absolute paths `//path`, `/path` being relative to the settings file).
"""
from __future__ import annotations

from functools import lru_cache

from agentpol.targets._netpolicy.destinations import Allowlist, Subject, split

from .credentials import CREDENTIAL_PATHS
from .denied import Denied
from .sandbox import note, shared
from agentpol.serialise import dumps

FILE = "claude-settings.json"


def settings(subject: Subject, allowed: Allowlist, denied: Denied) -> str:
    _, opened, dropped = shared(allowed, FILE)
    hosts = _hosts(allowed)
    annotation = note(subject, opened, dropped, "Claude Code settings name hosts only; "
                      "networkpolicy.yaml, cilium.yaml and squid.conf enforce addresses")
    annotation["ports"] = ("not expressible here: each allowed name is reachable on any port; "
                           "cilium.yaml, squid.conf and sandbox-runtime.json enforce the port")
    doc = {
        "//": annotation,
        "permissions": {
            "allow": [f"WebFetch(domain:{h})" for h in hosts],
            "deny": [f"WebFetch(domain:{h})" for h in denied.domains],
        },
        "sandbox": {
            "enabled": True,
            "failIfUnavailable": True,
            "allowUnsandboxedCommands": False,
            "network": {
                "allowedDomains": hosts,
                "deniedDomains": list(denied.domains),
                "strictAllowlist": True,
            },
            "filesystem": {"denyRead": [_claude_path(p) for p in CREDENTIAL_PATHS]},
        },
    }
    return dumps(doc) + "\n"


@lru_cache(maxsize=1024)
def _hosts(allowed: Allowlist) -> list[str]:
    """The names it carries, each once, without ports (read only)."""
    return sorted({d.host for d in split(allowed.dests, FILE)[0]})


def _claude_path(path: str) -> str:
    return "/" + path if path.startswith("/") else path

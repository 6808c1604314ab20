"""`audit/E/vault-audit.json`: the audit device the env's Vault must have enabled before any
agent token is issued, and the policy paths of the agents it records.

A file device, JSON lines, with secrets and accessors HMAC'd (`log_raw` off): the record shows
who read which path, never a secret value. Vault logs every request once a device is enabled
(and refuses requests it cannot log), so `covers` is the reviewer's list of what is on record,
not a filter.
"""
from __future__ import annotations

from collections import defaultdict

from agentpol.catalogue.vault import rule_path
from agentpol.model import Grant, Model

DEVICE_PATH = "agentpol"

DEVICE = {
    "type": "file",
    "description": "agentpol: every agent request, HMAC'd (docs/targets/audit.md)",
    "local": False,
    "options": {
        "file_path": "/vault/audit/agentpol.log",
        "format": "json",
        "hmac_accessor": "true",
        "log_raw": "false",
        "mode": "0600",
    },
}


def audit_device(model: Model, grants: tuple[Grant, ...]) -> dict | None:
    paths: dict[str, set[str]] = defaultdict(set)
    for g in grants:
        path = _path(model, g)
        if path is not None:
            paths[g.principal].add(rule_path(path, g.access.value, g.access.raw))
    if not paths:
        return None
    return {
        "method": "PUT",
        "path": f"/v1/sys/audit/{DEVICE_PATH}",
        "body": DEVICE,
        "covers": [{"principal": p, "paths": sorted(paths[p])} for p in sorted(paths)],
    }


def _path(model: Model, g: Grant) -> str | None:
    if g.target.raw is not None:
        return g.target.raw if g.target.kind == "vault" else None
    inst = model.instance(g.target.instance)
    return inst.attr("path") if inst.type == "vault_path" else None

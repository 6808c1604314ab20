"""`agentpol kill`: what stops one principal, or a whole env, at every layer, without the
agent's cooperation.

Not a compile target: `kill` runs in an emergency, for a chosen principal or env, and its files
go to the operator, not into the reviewed output. Each layer reuses the writer of the target
that emitted the live artifact, so a stop file replaces its live twin exactly (same object
name, same role, same token role): the gateway forbid (`cedar.py`), the network stop
(`network.py`), the AWS session revocation (`aws.py`), the Vault and GitHub revocation requests
(`tokens.py`), and the runbook that orders them (`runbook.py`). `kill.json` records what was
stopped and when, for `agentpol check --killed`.
"""
from __future__ import annotations

import datetime as dt

from agentpol.model import Model, Principal

from . import aws, cedar, network, runbook, tokens
from agentpol.serialise import dumps

RECORD = "kill.json"


def selected(model: Model, who: str) -> tuple[str, list[Principal]]:
    """(the env, the principals to stop) for `AGENT@ENV` or `ENV`; ValueError when neither."""
    if "@" in who:
        p = model.principals.get(who)
        if p is None:
            raise ValueError(f"{who}: no such principal (agents and their `in` blocks: "
                             f"{', '.join(sorted(model.principals)) or 'none'})")
        return p.env, [p]
    if who not in model.environments:
        raise ValueError(f"{who}: neither AGENT@ENV nor an environment (environments: "
                         f"{', '.join(sorted(model.environments)) or 'none'})")
    return who, list(model.principals_in(who))


def emit(model: Model, who: str, now: dt.datetime) -> dict[str, str]:
    """Every file of the kill of `who` (AGENT@ENV or ENV), sessions issued before `now`
    revoked. Paths are relative to the kill output directory."""
    env, principals = selected(model, who)
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    files: dict[str, str] = {}
    files.update(cedar.files(model, env, principals, whole_env="@" not in who))
    for p in principals:
        files.update(network.files(model, p))
        files.update(tokens.files(model, p))
    files.update(aws.files(model, env, principals, stamp))
    record = {"target": who, "env": env, "issued_before": stamp,
              "principals": sorted(p.key for p in principals)}
    files[RECORD] = dumps(record, sort_keys=True) + "\n"
    files["README.md"] = runbook.render(model, who, env, principals, stamp, files)
    return dict(sorted(files.items()))

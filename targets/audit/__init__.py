"""The `audit` target: per env, what keeps every agent action on record and out of the agents'
reach (docs/targets/audit.md).

`audit/E/` holds the CloudTrail event selectors, the GitHub rulesets, the Vault audit device and
the log-sink denies; `network/E/mcp-NAME/` locks each tool server with declared upstreams to
them. Each file is written only where it has something to say (a log sink needs an `audit_log`,
rulesets a repository an agent writes, ...).

Recording more is safe, so everything here covers every grant of the env, live or not: a shadow
principal's or pending grant's resources are on record before the grant goes live.
"""
from __future__ import annotations


from agentpol.model import Model

from . import cloudtrail, log_sink, mcp_upstream, rulesets, vault
from agentpol.serialise import dumps


def emit(model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    for env in model.environments.values():
        grants = tuple(g for p in model.principals_in(env.name) for g in p.grants)
        documents = {
            "cloudtrail-event-selectors.json": cloudtrail.event_selectors(model, env, grants),
            "github-rulesets.json": rulesets.rulesets(model, grants),
            "vault-audit.json": vault.audit_device(model, grants),
            "log-sink.json": log_sink.log_sink(model, env),
        }
        files.update((f"audit/{env.name}/{name}", _json(doc))
                     for name, doc in documents.items() if doc)
        files.update(mcp_upstream.files(model, env))
    return dict(sorted(files.items()))


def _json(doc) -> str:
    return dumps(doc, sort_keys=True) + "\n"


"""Replay one gateway request through Cedar (`cedarpy.is_authorized`) against compiled policies.

The gateway forwards a call only when Cedar allows it and a determining permit is live
(`@mode("enforce")`); an Allow by shadow permits alone is a dry run it logs and does not
forward. `authorize` answers with that three-way verdict, so `agentpol authorize` and the
`expect` checks read the compiled files exactly as the gateway does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from agentpol.catalogue.cedar import (APPROVED, CONTEXT, ENTITY_TYPES, action_uid, agent_uid,
                                      qualified, quote)

#: A context in which every budget, rate and approval is met: `expect` takes runtime
#: conditions as met (docs/language.md), so the checker replays with this.
MET_CONTEXT: Mapping[str, object] = {k: (True if k == APPROVED else 0) for k in CONTEXT}

FILES = ("policies.cedar", "entities.json", "schema.cedarschema.json")


@dataclass(frozen=True)
class Determining:
    """A policy that decided the request: its @id and @mode annotations."""

    id: str
    mode: str


@dataclass(frozen=True)
class Result:
    """`decision` is "allow" (forward), "shadow" (allowed only by shadow permits: log, do not
    forward) or "deny". Errors are Cedar's: an invalid request, or a policy that errored."""

    decision: str
    policies: tuple[Determining, ...]
    errors: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.decision == "allow"

    @property
    def shadow(self) -> bool:
        return any(p.mode == "shadow" for p in self.policies)


def authorize(policies_text: str, entities: str | list, schema: str | dict, principal: str,
              action: str, resource: str, context: Mapping[str, object] | None = None) -> Result:
    """Decide one request; principal, action and resource are Cedar entity uids
    (`Agentpol::Agent::"bot@prod"`)."""
    import cedarpy  # here: compiling without `test` blocks never loads it
    request = {"principal": principal, "action": action, "resource": resource,
               "context": dict(context or {})}
    answer = cedarpy.is_authorized(request, policies_text, entities, schema)
    notes = policy_annotations(policies_text)
    decided = tuple(Determining(notes[r].get("id", r), notes[r].get("mode", "enforce"))
                    for r in answer.diagnostics.reasons)
    if not answer.allowed:
        decision = "deny"
    elif any(d.mode != "shadow" for d in decided):
        decision = "allow"
    else:
        decision = "shadow"
    return Result(decision, tuple(sorted(decided, key=lambda d: d.id)),
                  tuple(answer.diagnostics.errors))


def policy_annotations(policies_text: str) -> dict[str, dict[str, str]]:
    """Cedar's generated policy id (`policy3`) -> that policy's annotations."""
    import cedarpy
    parsed = json.loads(cedarpy.policies_to_json_str(policies_text))
    return {k: v.get("annotations", {}) for k, v in parsed["staticPolicies"].items()}


def read_compiled(out: Path, env: str) -> tuple[str, str, str]:
    """(policies, entities, schema) texts of OUT/cedar/ENV; FileNotFoundError names what is
    missing."""
    base = out / "cedar" / env
    missing = [f for f in FILES if not (base / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{base}: no {', '.join(missing)} (compile with --target cedar)")
    return tuple((base / f).read_text(encoding="utf-8") for f in FILES)  # type: ignore


def resource_uid_of(entities_text: str, ref: str, env: str) -> str:
    """The uid of a resource written `TYPE.NAME`, `TYPE.NAME@ENV` (default: the principal's
    env, then a shared instance) or as a Cedar uid already; ValueError if it is not there."""
    if "::" in ref:
        return ref
    known = {e["attrs"]["key"]: e["uid"] for e in json.loads(entities_text)
             if e["uid"]["type"] != qualified("Agent")}
    for key in ([ref] if "@" in ref else [f"{ref}@{env}", ref]):
        if key in known:
            return f'{known[key]["type"]}::{quote(known[key]["id"])}'
    kinds = "|".join(ENTITY_TYPES)
    raise ValueError(f"no gateway resource {ref!r} in env {env} (expected ({kinds}).NAME[@ENV]"
                     f"; known: {', '.join(sorted(known)) or 'none'})")


def request_uids(principal: str, action: str) -> tuple[str, str]:
    """Uids for `AGENT@ENV` and an action name (a Cedar uid passes through)."""
    return (principal if "::" in principal else agent_uid(principal),
            action if "::" in action else action_uid(action))

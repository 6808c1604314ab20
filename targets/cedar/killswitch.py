"""`killswitch.cedar`: forbids an operator adds to the gateway's policy store to stop calls at
once: one per agent of the env, one for the env, one for everything. A forbid beats every
permit, shadow or live, so adding one needs no recompile and no review of the rest."""
from __future__ import annotations

from agentpol.catalogue.cedar import agent_uid, env_uid
from agentpol.model import Model

from .policies import Policy

HEADER = """\
// agentpol: kill switches for environment {env} (generated; do not edit).
// Each forbid stops the calls it names the moment it is added to the gateway's policy store
// beside policies.cedar. Add only the one you mean: loading this whole file stops everything.
"""


def killswitch(model: Model, env: str) -> str:
    switches = [Policy("kill switch all", "forbid", "principal", "action", "resource"),
                Policy(f"kill switch env {env}", "forbid", f"principal in {env_uid(env)}",
                       "action", "resource")]
    switches += [Policy(f"kill switch {p.key}", "forbid", f"principal == {agent_uid(p.key)}",
                        "action", "resource") for p in model.principals_in(env)]
    return HEADER.format(env=env) + "\n" + "\n".join(x.text() for x in switches)

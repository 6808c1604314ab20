"""`cedar/E/kill.cedar`: the forbid that stops the principal's (or env's) gateway calls. A
forbid beats every permit, shadow or live, so adding it to the policy store needs no
recompile; it is the same policy `killswitch.cedar` offers, written alone so that loading the
file stops exactly what was asked."""
from __future__ import annotations

from agentpol.catalogue.cedar import agent_uid, env_uid
from agentpol.model import Model, Principal
from agentpol.targets.cedar.policies import Policy

FILE = "kill.cedar"

HEADER = """\
// agentpol kill: gateway stop for {what} (generated; do not edit).
// Add this file to the gateway's policy store beside policies.cedar: the forbid beats every
// permit. Undo: remove it from the store.
"""


def files(model: Model, env: str, principals: list[Principal],
          whole_env: bool) -> dict[str, str]:
    if whole_env:
        forbids = [Policy(f"kill env {env}", "forbid", f"principal in {env_uid(env)}",
                          "action", "resource")]
        what = f"every agent of environment {env}"
    else:
        forbids = [Policy(f"kill {p.key}", "forbid", f"principal == {agent_uid(p.key)}",
                          "action", "resource") for p in principals]
        what = ", ".join(p.key for p in principals)
    text = HEADER.format(what=what) + "\n" + "\n".join(f.text() for f in forbids)
    return {f"cedar/{env}/{FILE}": text}

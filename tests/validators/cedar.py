"""Cedar: the compiled gateway files of one env, through cedarpy (strict validation).

`policies.cedar`, `shadow.cedar` and `killswitch.cedar` against the env's schema, and
`entities.json` parsed against it, as a gateway loading them would.
"""
from __future__ import annotations

from typing import Mapping

import cedarpy

POLICY_FILES = ("policies.cedar", "shadow.cedar", "killswitch.cedar")


def validate_cedar_env(files: Mapping[str, str], env: str) -> list[str]:
    """Problems with `cedar/ENV/*` of a compile's files, empty when Cedar accepts them all."""
    base = f"cedar/{env}"
    schema = files[f"{base}/schema.cedarschema.json"]
    problems = []
    for name in POLICY_FILES:
        result = cedarpy.validate_policies(files[f"{base}/{name}"], schema)
        problems += [f"{base}/{name}: {e}" for e in result.errors]
        if not result.validation_passed and not result.errors:
            problems.append(f"{base}/{name}: rejected")
    try:
        cedarpy.Entities.from_json_str(files[f"{base}/entities.json"], schema)
    except ValueError as exc:
        problems.append(f"{base}/entities.json: {exc}")
    return problems

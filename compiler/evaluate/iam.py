"""Decide one request against AWS IAM policy documents the way AWS does for a same-account caller.

The static checker and `expect` test blocks ask what the emitted identity policies, permissions
boundary and session policy allow without calling AWS, so this follows AWS's documented evaluation
logic (IAM User Guide: "Policy evaluation logic", "Condition operators", "Policy variables").
Where AWS documents no behaviour (an unknown operator, a multivalued key without a set qualifier),
it raises ValueError rather than guess. Standard library only.
"""

from __future__ import annotations

import enum
import ipaddress
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

__all__ = ["Decision", "Request", "evaluate", "matching_statements"]


class Decision(enum.Enum):
    """IAM's three outcomes: an explicit deny beats every allow; no allow at all is implicit."""

    ALLOW = "allow"
    IMPLICIT_DENY = "implicit-deny"
    EXPLICIT_DENY = "explicit-deny"

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOW


@dataclass(frozen=True)
class Request:
    """One API call: its action, the resource ARN it touches and its request context.

    Context keys are case-insensitive, as in IAM; a list value is a multivalued key (such as
    `aws:TagKeys` or `kms:ResourceAliases`), and an empty list counts as an absent key.
    """

    action: str
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


def evaluate(
    request: Request,
    identity: Sequence[dict],
    boundary: dict | None = None,
    session: dict | None = None,
) -> Decision:
    """Decide `request` for a same-account principal.

    An explicit Deny in any policy wins; otherwise the request is allowed only if the identity
    policies allow it and so do the permissions boundary and the session policy when present
    (each of those narrows and never grants on its own).
    """
    context = _normalise_context(request.context)
    layers = [list(identity), *([policy] for policy in (boundary, session) if policy is not None)]
    effects = [
        {s["Effect"] for policy in layer for _, s in _applicable(request, policy, context)}
        for layer in layers
    ]
    if any("Deny" in layer for layer in effects):
        return Decision.EXPLICIT_DENY
    if all("Allow" in layer for layer in effects):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY


def matching_statements(request: Request, policy: dict) -> list[str]:
    """The statements of `policy` that apply to `request` (Allow and Deny), for explanations.

    Each is named by its Sid, or `Statement[i]` (its position) when it has none.
    """
    context = _normalise_context(request.context)
    return [
        statement.get("Sid") or f"Statement[{index}]"
        for index, statement in _applicable(request, policy, context)
    ]


# --- statements ------------------------------------------------------------------------------

_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)


@dataclass(frozen=True)
class _Scope:
    """What a policy's patterns are resolved against: the request context (lower-cased keys),
    and whether `${...}` is a policy variable, which AWS honours only in Version 2012-10-17."""

    context: Mapping[str, tuple[str, ...]]
    variables: bool


_ACTION_SCOPE = _Scope({}, variables=False)


def _applicable(
    request: Request, policy: dict, context: Mapping[str, tuple[str, ...]]
) -> Iterator[tuple[int, dict]]:
    """Yield (position, statement) for each statement of `policy` that covers `request`."""
    scope = _Scope(context, variables=policy.get("Version") == "2012-10-17")

    def action(pattern: str) -> bool:  # actions are case-insensitive and take no variables
        return _matches(_glob(pattern, _ACTION_SCOPE, ignore_case=True), request.action)

    def resource(pattern: str) -> bool:  # ARNs are case-sensitive; `*` spans `:` and `/`
        return _matches(_glob(pattern, scope), request.resource)

    for index, statement in enumerate(_statements(policy)):
        if (
            _covers(statement, "Action", action)
            and _covers(statement, "Resource", resource)
            and _conditions_hold(statement.get("Condition", {}), scope)
        ):
            yield index, statement


def _statements(policy: dict) -> list[dict]:
    """The policy's statements, checked for the elements an identity policy may hold, so that a
    trust policy or a typo is an error instead of a silently different decision."""
    statements = policy.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        raise ValueError("policy needs a Statement (an object or a list)")
    for statement in statements:
        unknown = set(statement) - _STATEMENT_KEYS
        if unknown:
            raise ValueError(f"element(s) {sorted(unknown)} do not belong in an identity policy")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"statement Effect must be Allow or Deny, not {effect!r}")
    return statements


def _covers(statement: dict, element: str, matches: Callable[[str], bool]) -> bool:
    """Whether Action/NotAction (or Resource/NotResource) covers the request's value: the
    positive form needs one matching pattern, the Not form needs none."""
    positive, negative = statement.get(element), statement.get(f"Not{element}")
    if (positive is None) == (negative is None):
        raise ValueError(f"statement needs exactly one of {element} and Not{element}")
    hit = any(matches(pattern) for pattern in _listed(positive if negative is None else negative))
    return hit if negative is None else not hit


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ValueError(f"expected a string or a list of strings, not {value!r}")


# --- patterns and policy variables ---------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# `${key}` or `${key, 'default'}`; AWS allows neither spaces in the key nor quotes in the default.
_VARIABLE_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")


def _glob(
    pattern: str,
    scope: _Scope,
    *,
    wildcards: bool = True,
    ignore_case: bool = False,
    arn: bool = False,
) -> re.Pattern[str] | None:
    """Compile an IAM string to a regex: `*` and `?` are the only wildcards (unlike fnmatch, `[`
    is literal). With `arn`, wildcards stay inside one of the first five colon-separated parts,
    as the Arn operators check each part separately. None when a policy variable has no value:
    AWS treats it as null, which nothing equals or is like."""
    pieces = _pieces(pattern, scope, wildcards)
    if pieces is None:
        return None
    regex, colons = [], 0
    for literal, text in pieces:
        if literal:
            regex.append(re.escape(text))
            colons += text.count(":")
        else:
            one = "[^:]" if arn and colons < 5 else "."
            regex.append(one + "*" if text == "*" else one)
    return re.compile("".join(regex), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _matches(pattern: re.Pattern[str] | None, value: str) -> bool:
    return pattern is not None and pattern.fullmatch(value) is not None


def _pieces(pattern: str, scope: _Scope, wildcards: bool) -> list[tuple[bool, str]] | None:
    """Split `pattern` into (is_literal, text) pieces, substituting policy variables. A variable's
    value is always literal, even if it holds `*` or `?`; None if one cannot be resolved."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _VARIABLE.finditer(pattern) if scope.variables else ():
        pieces += _plain(pattern[position : match.start()], wildcards)
        value = _variable(match.group(1), scope.context)
        if value is None:
            return None
        pieces.append((True, value))
        position = match.end()
    return pieces + _plain(pattern[position:], wildcards)


def _plain(text: str, wildcards: bool) -> list[tuple[bool, str]]:
    if not wildcards:
        return [(True, text)]
    return [(char not in "*?", char) for char in text]


def _variable(body: str, context: Mapping[str, tuple[str, ...]]) -> str | None:
    """The value of `${body}`: `${*}`, `${?}` and `${$}` stand for the literal character; a key
    resolves only to a single value (AWS cannot use a multivalued key as a variable), else to
    its quoted default if any."""
    if body in ("*", "?", "$"):
        return body
    parsed = _VARIABLE_BODY.fullmatch(body)
    if parsed is None:
        raise ValueError(f"malformed policy variable ${{{body}}}")
    key, default = parsed.groups()
    values = context.get(key.lower(), ())
    return values[0] if len(values) == 1 else default


# --- conditions ------------------------------------------------------------------------------

# A matcher turns one policy value into a test of one request value.
_Matcher = Callable[[str, _Scope], Callable[[str], bool]]


def _text(policy_value: str, scope: _Scope, **glob: bool) -> Callable[[str], bool]:
    """String and Arn operators: the only ones in which AWS substitutes policy variables."""
    return partial(_matches, _glob(policy_value, scope, **glob))


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(text: str) -> datetime | None:
    """ISO 8601 (date, or date and time; naive means UTC) or seconds since the epoch."""
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text), timezone.utc)
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _ordered(parse: Callable[[str], Any], compare: Callable[[Any, Any], bool]) -> _Matcher:
    """Numeric and Date operators: a request value that does not parse matches nothing."""

    def matcher(policy_value: str, scope: _Scope) -> Callable[[str], bool]:
        bound = parse(policy_value)
        if bound is None:
            raise ValueError(f"condition value {policy_value!r} is not valid for this operator")

        def test(value: str) -> bool:
            parsed = parse(value)
            return parsed is not None and compare(parsed, bound)

        return test

    return matcher


def _bool(policy_value: str, scope: _Scope) -> Callable[[str], bool]:
    return lambda value: value.lower() == policy_value.lower()


def _binary(policy_value: str, scope: _Scope) -> Callable[[str], bool]:
    """BinaryEquals compares the base64 text as written."""
    return lambda value: value == policy_value


def _ip(policy_value: str, scope: _Scope) -> Callable[[str], bool]:
    network = ipaddress.ip_network(policy_value, strict=False)

    def within(value: str) -> bool:
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return within


_POSITIVE: dict[str, _Matcher] = {
    "StringEquals": partial(_text, wildcards=False),
    "StringEqualsIgnoreCase": partial(_text, wildcards=False, ignore_case=True),
    "StringLike": _text,
    "ArnEquals": partial(_text, arn=True),  # AWS: ArnEquals and ArnLike behave the same
    "ArnLike": partial(_text, arn=True),
    "NumericEquals": _ordered(_number, operator.eq),
    "NumericLessThan": _ordered(_number, operator.lt),
    "NumericLessThanEquals": _ordered(_number, operator.le),
    "NumericGreaterThan": _ordered(_number, operator.gt),
    "NumericGreaterThanEquals": _ordered(_number, operator.ge),
    "DateEquals": _ordered(_date, operator.eq),
    "DateLessThan": _ordered(_date, operator.lt),
    "DateLessThanEquals": _ordered(_date, operator.le),
    "DateGreaterThan": _ordered(_date, operator.gt),
    "DateGreaterThanEquals": _ordered(_date, operator.ge),
    "Bool": _bool,
    "BinaryEquals": _binary,
    "IpAddress": _ip,
}

# Negated operators hold when no policy value matches (values NORed), and when the key is absent.
_NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}

_QUALIFIERS = ("", "ForAnyValue", "ForAllValues")


def _conditions_hold(block: dict, scope: _Scope) -> bool:
    """Every operator holds, and within an operator every key does (both ANDed)."""
    if not isinstance(block, dict) or not all(isinstance(keys, dict) for keys in block.values()):
        raise ValueError(f"Condition must map operators to {{key: values}} objects, not {block!r}")
    return all(
        _key_holds(name, key, _strings(values), scope)
        for name, keys in block.items()
        for key, values in keys.items()
    )


def _key_holds(name: str, key: str, values: list[str], scope: _Scope) -> bool:
    """One `operator: {key: values}` test, with AWS's rules for absent keys and set qualifiers."""
    qualifier, _, base = name.rpartition(":")
    if qualifier not in _QUALIFIERS:
        raise ValueError(f"unknown condition set qualifier {qualifier!r} in {name!r}")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    present = scope.context.get(key.lower())
    if base == "Null":
        if if_exists or qualifier:
            raise ValueError(f"{name!r}: Null takes neither IfExists nor a set qualifier")
        return any(_flag(value) == (present is None) for value in values)
    negated = base in _NEGATED
    matcher = _POSITIVE.get(_NEGATED.get(base, base))
    if matcher is None:
        raise ValueError(f"unknown condition operator {name!r}")
    if present is None:
        return if_exists or qualifier == "ForAllValues" or (negated and not qualifier)
    tests = [matcher(value, scope) for value in values]

    def holds(request_value: str) -> bool:
        return any(test(request_value) for test in tests) != negated

    if qualifier == "ForAllValues":
        return all(holds(value) for value in present)
    if qualifier == "ForAnyValue":
        return any(holds(value) for value in present)
    if len(present) > 1:
        raise ValueError(f"{key!r} has several values: {name!r} needs ForAnyValue or ForAllValues")
    return holds(present[0])


def _flag(value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ValueError(f"Null takes true or false, not {value!r}")
    return value.lower() == "true"


def _strings(value: Any) -> list[str]:
    """Condition and context values as IAM compares them: JSON booleans and numbers as text."""
    items = [value] if isinstance(value, str) or not isinstance(value, Sequence) else value
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def _normalise_context(context: Mapping[str, str | Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Lower-case keys (IAM keys are case-insensitive) and drop empty lists, which AWS treats
    like an absent key."""
    normalised = {key.lower(): tuple(_strings(value)) for key, value in context.items()}
    return {key: values for key, values in normalised.items() if values}

"""What attributes each declaration takes, their value kinds and validity rules.

Data, not code paths: `resolve` walks these tables, so adding an attribute is one line here.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Callable, Mapping

from .catalogue.kubernetes import DNS_LABEL
from .errors import Diagnostic, did_you_mean
from .model import HOSTNAME, PROVIDERS, Destination, Span

ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z-]+/?[\w+=,.@/-]*$")
GITHUB_REPO = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
EMAILISH = re.compile(r"^\S+$")


def _cidr(v: str) -> str | None:
    try:
        ipaddress.ip_network(v, strict=True)
    except ValueError as exc:
        return f"not a CIDR: {exc}"
    return None


def _domain(v: str) -> str | None:
    parsed = Destination.parse(v, with_port=False)
    return None if isinstance(parsed, Destination) and parsed.kind != "cidr" \
        else "not a host name or `*.domain`"


def _host(host: str) -> bool:
    """A host name or an IP address (not a wildcard, not a network)."""
    parsed = Destination.parse(host, with_port=False)
    return isinstance(parsed, Destination) and parsed.kind in ("domain", "ip")


def _host_port(v: str) -> str | None:
    parsed = Destination.parse(v)
    if isinstance(parsed, str):
        return "expected `name:port`" if parsed.startswith("a destination needs") else parsed
    return None if parsed.kind in ("domain", "ip") else "not a host name"


def _url(v: str) -> str | None:
    m = re.match(r"^(https?|wss?)://([^/:]+)(?::(\d+))?(/.*)?$", v)
    if m and m.group(3) is not None and not 0 < int(m.group(3)) < 65536:
        return "the port must be 1-65535"
    return None if m and _host(m.group(2)) else "expected an http(s) URL"


def _pattern(rx: re.Pattern, what: str) -> Callable[[str], str | None]:
    return lambda v: None if rx.match(v) else f"expected {what}"


def _provider(v: str) -> str | None:
    return None if v in PROVIDERS else f"unknown provider; one of {', '.join(sorted(PROVIDERS))}"


# kind: "string", "bool", "duration", "names" (list of env names), "strings", "env" (one env
# name), "ref" (log_group), "name" (bare word); check: returns a problem or None.
Attr = tuple[str, Callable[[str], str | None] | None]

ENVIRONMENT: Mapping[str, Attr] = {
    "aws_account": ("string", _pattern(ACCOUNT, "12 digits")),
    "regions": ("strings", _pattern(REGION, "an AWS region such as us-east-1")),
    "cidrs": ("strings", _cidr),
    "domains": ("strings", _domain),
    "protected": ("bool", None),
    "review_window": ("duration", None),
    "k8s_namespace": ("string", _pattern(DNS_LABEL, "a Kubernetes namespace (DNS label)")),
    "aws_runtime": ("string", _pattern(IAM_PRINCIPAL_ARN, "an IAM role or user ARN")),
    "audit_log": ("ref", None),
    "vault_address": ("string", _host_port),
}

AGENT: Mapping[str, Attr] = {
    "owner": ("string", _pattern(EMAILISH, "a contact such as team@example.com")),
    "description": ("string", None),
    "service_account": ("string", _pattern(DNS_LABEL, "a Kubernetes name (DNS label)")),
}

#: Attributes every resource takes.
COMMON: Mapping[str, Attr] = {
    "env": ("env", None),
    "envs": ("names", None),
    "shared": ("bool", None),
    "credential": ("bool", None),
    "account": ("string", _pattern(ACCOUNT, "12 digits")),
    "region": ("string", _pattern(REGION, "an AWS region such as us-east-1")),
    "description": ("string", None),
}

_NAME: Mapping[str, Attr] = {"name": ("string", None)}

#: Per type: its own attributes, and which are required (a tuple of alternatives = exactly one).
RESOURCE_TYPES: Mapping[str, tuple[Mapping[str, Attr], tuple]] = {
    "s3_bucket": ({"name": ("string", None), "prefix": ("string", None)}, ("name",)),
    "dynamodb_table": (_NAME, ("name",)),
    "sqs_queue": (_NAME, ("name",)),
    "sns_topic": (_NAME, ("name",)),
    "lambda_function": (_NAME, ("name",)),
    "secret": (_NAME, ("name",)),
    "ssm_parameter": ({"name": ("string", None), "secure": ("bool", None)}, ("name",)),
    "kms_key": ({"key_id": ("string", None), "alias": ("string", None)}, (("key_id", "alias"),)),
    "log_group": (_NAME, ("name",)),
    "ecr_repository": (_NAME, ("name",)),
    "iam_role": (_NAME, ("name",)),
    "bedrock_model": ({"model_id": ("string", None)}, ("model_id",)),
    "github_repo": ({"repo": ("string", _pattern(GITHUB_REPO, "owner/name")),
                     "holds_secrets_of": ("names", None)}, ("repo",)),
    "vault_path": ({"path": ("string", None)}, ("path",)),
    "api": ({"provider": ("name", _provider), "host": ("string", _pattern(HOSTNAME, "a host name")),
             "key_name": ("string", None)}, ("provider", "key_name")),
    "mcp_server": ({"url": ("string", _url), "upstream": ("strings", _host_port)}, ("url",)),
    "host": ({"address": ("string", _host_port), "url": ("string", _url)}, (("address", "url"),)),
}

def unknown_type_hint(rtype: str) -> str:
    """E013's hint: the closest type, and every type, since a newcomer may not know them."""
    close = did_you_mean(rtype, RESOURCE_TYPES)
    listing = "the resource types are " + ", ".join(RESOURCE_TYPES)
    return f"{close} ({listing})" if close else listing


#: Attributes that make two instances the same thing to their provider (docs/language.md).
IDENTITY: Mapping[str, tuple[str, ...]] = {
    "s3_bucket": ("name", "prefix"), "kms_key": ("key_id", "alias"),
    "bedrock_model": ("model_id",), "github_repo": ("repo",), "vault_path": ("path",),
    "api": ("provider", "host", "key_name"), "mcp_server": ("url",), "host": ("address", "url"),
    "ssm_parameter": ("name",),
}

#: Hosts of well-known API providers, when `host` is not given.
PROVIDER_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com",
                  "stripe": "api.stripe.com", "slack": "slack.com"}

#: Types that are credential material by default (ssm_parameter only when `secure = true`).
CREDENTIAL_TYPES = frozenset({"secret", "vault_path", "api", "iam_role"})


def raw_kind(value: str) -> str:
    """Which provider reads a quoted raw target (docs/language.md: an ARN, a Vault path, or
    `owner/repo`): an `arn:` is AWS; exactly `owner/name` is a GitHub repo; anything else is a
    Vault path (so `secret/data/x` is Vault, and a Vault path of one segment pair must carry
    a mount prefix that is not a GitHub owner, or a trailing `*`). A bare `*` is IAM's "every
    resource": a Vault rule on every path would be written `"secret/*"` or similar."""
    if value.startswith("arn:") or value == "*":
        return "aws"
    if GITHUB_REPO.match(value) and not value.startswith(VAULT_MOUNTS):
        return "github"
    return "vault"


#: The resource type whose access words a raw target of each kind takes.
RAW_KIND_TYPE = {"github": "github_repo", "vault": "vault_path"}

#: Path prefixes that mark a two-segment raw target as Vault rather than GitHub.
VAULT_MOUNTS = ("secret/", "sys/", "auth/", "kv/", "database/", "aws/", "pki/", "transit/",
                "identity/", "cubbyhole/")


def destination_error(value: str, problem: str, span: Span) -> Diagnostic:
    """E027 for a quoted egress destination that does not parse (templates expanded): what
    `Destination.parse` said is wrong with it."""
    return Diagnostic("E027", f'invalid egress destination "{value}": {problem}', span,
                      'a host, IP or CIDR with a port: "api.x.com:443", "10.0.0.0/8:443"')

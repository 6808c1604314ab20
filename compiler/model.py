"""The resolved program and its expansion: frozen, typed, and the only thing targets read.

Nothing here imports another module of the project. Every node keeps the `Span` of the source
that produced it, so later stages (targets, checks, reports) can point back at a line without
re-reading any file.
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Literal, Mapping

# --- language facts shared by every stage --------------------------------------------------

KEYWORDS = frozenset(
    "environment resource profile agent test in use allow deny egress budget rate session mode "
    "approval required for on per usd total expect shadow enforce true false".split()
)

#: Access words per resource type (docs/language.md). `github_repo` and `api` also accept
#: quoted provider permissions; every type accepts a quoted raw permission.
ACCESS_WORDS: Mapping[str, tuple[str, ...]] = {
    "s3_bucket": ("list", "read", "write", "delete"),
    "dynamodb_table": ("read", "write", "delete"),
    "sqs_queue": ("send", "receive", "read"),
    "sns_topic": ("publish", "read"),
    "lambda_function": ("invoke", "read"),
    "secret": ("read", "write"),
    "ssm_parameter": ("read", "write"),
    "kms_key": ("encrypt", "decrypt"),
    "log_group": ("read", "write"),
    "ecr_repository": ("pull", "push"),
    "iam_role": ("assume", "pass"),
    "bedrock_model": ("invoke",),
    "github_repo": ("read", "write"),
    "vault_path": ("read", "write", "list", "delete"),
    "api": ("call",),
    "mcp_server": ("call",),
    "host": ("connect",),
}

AWS_TYPES = frozenset(
    "s3_bucket dynamodb_table sqs_queue sns_topic lambda_function secret ssm_parameter kms_key "
    "log_group ecr_repository iam_role bedrock_model".split()
)
#: AWS types whose identity does not include an account (docs/language.md).
GLOBAL_AWS_TYPES = frozenset({"s3_bucket", "bedrock_model"})
PAID_PROVIDERS = frozenset({"openai", "anthropic", "stripe"})
PROVIDERS = frozenset({"openai", "anthropic", "stripe", "slack", "http"})

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "month": 30 * 86400}
SESSION_DEFAULT, SESSION_MIN, SESSION_MAX = 3600, 900, 12 * 3600


@dataclass(frozen=True, order=True)
class Span:
    """A place in the source: 1-based line and column; width is the caret's length."""

    file: str
    line: int
    col: int
    width: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# --- network destinations --------------------------------------------------------------------

HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)"
                      r"(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$")

DestKind = Literal["domain", "wildcard", "ip", "cidr"]
DEST_KINDS: tuple[DestKind, ...] = ("domain", "wildcard", "ip", "cidr")


@dataclass(frozen=True, order=True)
class Destination:
    """Somewhere a pod may connect: a host name, `*.domain`, IP or CIDR, normalised (lower-case
    name, compressed address or network), with a TCP port; `port` None is every port (an env's
    `cidrs` and `domains`). `parse` is the one parser of destinations."""

    kind: DestKind
    host: str
    port: int | None = None

    @staticmethod
    def parse(text: str, with_port: bool = True) -> Destination | str:
        """`host:port` (or the host alone) -> a destination, or what is wrong with it. An IPv6
        address with a port is written in brackets (`[::1]:443`)."""
        port: int | None = None
        if with_port:
            text, sep, digits = text.rpartition(":")
            if not sep or not digits.isdigit() or not 0 < int(digits) < 65536:
                return "a destination needs a port, such as `\"hooks.slack.com:443\"`"
            port = int(digits)
            text = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        if "/" in text:
            try:
                return Destination("cidr", str(ipaddress.ip_network(text, strict=True)), port)
            except ValueError as exc:
                return f"not a CIDR: {exc}"
        try:
            return Destination("ip", str(ipaddress.ip_address(text)), port)
        except ValueError:
            pass
        if text.startswith("*."):
            return Destination("wildcard", text.lower(), port) if HOSTNAME.match(text[2:]) \
                else "not a host name or `*.domain`"
        return Destination("domain", text.lower(), port) if HOSTNAME.match(text) \
            else "not a host name"

    @property
    def is_ip(self) -> bool:
        return self.kind in ("ip", "cidr")

    @property
    def ipv6(self) -> bool:
        return self.is_ip and ":" in self.host

    @property
    def network(self) -> str:
        """An ip or cidr as a CIDR (`/32` or `/128` for a single address)."""
        return str(self._net)

    @property
    def _net(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.host)

    @property
    def specificity(self) -> int:
        """Bigger is narrower: an exact name or address beats any range that holds it."""
        if self.is_ip:
            return self._net.prefixlen
        return 10_000 if self.kind == "domain" else len(self.host)

    def within(self, other: Destination) -> bool:
        """Every address or name of this is one of `other`'s, ports aside (`*.x` holds the
        subdomains of x, not x)."""
        if self.is_ip != other.is_ip:
            return False
        if self.is_ip:
            a, b = self._net, other._net
            return a.version == b.version and a.subnet_of(b)  # type: ignore[arg-type]
        if other.kind == "domain":
            return self.kind == "domain" and self.host == other.host
        suffix = other.host[1:]  # ".x"
        return self.host.endswith(suffix) if self.kind == "domain" else \
            (self.host == other.host or self.host[1:].endswith(suffix))

    def meets(self, other: Destination) -> bool:
        """Whether this and `other` share an address or name, ports aside."""
        if self.is_ip != other.is_ip:
            return False
        if self.is_ip:
            return self._net.version == other._net.version and self._net.overlaps(other._net)
        return self.within(other) or other.within(self)

    @property
    def address(self) -> str:
        """`host:port` as the lock file and `explain` write it (an IPv6 address unbracketed)."""
        return f"{self.host}:{self.port}"

    def __str__(self) -> str:
        if self.port is None:
            return self.host
        host = f"[{self.host}]" if self.kind == "ip" and self.ipv6 else self.host
        return f"{host}:{self.port}"


# --- declarations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    name: str
    span: Span
    aws_account: str | None = None
    regions: tuple[str, ...] = ("us-east-1",)
    cidrs: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    protected: bool = False
    review_window: int | None = None  # seconds
    k8s_namespace: str | None = None
    aws_runtime: str | None = None
    audit_log: str | None = None  # key of a log_group instance in this env
    vault_address: str | None = None  # host:port where its agents reach Vault
    claims: tuple[Destination, ...] = ()  # `cidrs` then `domains`, parsed (by resolve)

    @property
    def region(self) -> str:
        return self.regions[0]


@dataclass(frozen=True)
class Resource:
    """A declaration; it becomes one `Instance` per environment it exists in."""

    type: str
    name: str
    span: Span
    envs: tuple[str, ...]  # where it exists; () when shared
    shared: bool = False
    credential: bool = False
    holds_secrets_of: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass(frozen=True)
class Instance:
    """One concrete resource: the declaration instantiated in one environment (or shared).

    `attrs` holds the identity and target-facing attributes with templates expanded.
    `identity` is what makes two instances the same thing to the provider.
    """

    type: str
    name: str
    env: str | None  # None for a shared instance
    attrs: Mapping[str, object]
    identity: tuple
    span: Span
    account: str | None = None
    region: str | None = None  # the first of `regions`
    credential: bool = False
    holds_secrets_of: tuple[str, ...] = ()
    #: Every region a regional AWS instance exists in (its env's `regions`, or the one
    #: `region = "..."` pins); () for the types whose ARNs carry no region.
    regions: tuple[str, ...] = ()
    #: Per-region attributes, when a template names one instance per region (`{region}`).
    regional_attrs: tuple[tuple[str, Mapping[str, object]], ...] = ()
    #: `identity` in each of `regions` (two envs' instances that share one are one thing).
    identities: tuple[tuple, ...] = ()
    #: Where an api, mcp_server or host is reached (its host, url or address), and an
    #: mcp_server's `upstream`s: parsed once, by resolve.
    endpoint: Destination | None = None
    upstreams: tuple[Destination, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.type}.{self.name}" + (f"@{self.env}" if self.env else "")

    @property
    def ref(self) -> str:
        return f"{self.type}.{self.name}"

    def attr(self, name: str, default=None):
        return self.attrs.get(name, default)

    def placements(self) -> tuple[tuple[str | None, Mapping[str, object]], ...]:
        """(region, attributes) of each place the instance exists: one per region of a
        regional AWS instance, else one."""
        if not self.regions:
            return ((self.region, self.attrs),)
        per_region = dict(self.regional_attrs)
        return tuple((r, per_region.get(r, self.attrs)) for r in self.regions)


@dataclass(frozen=True)
class Target:
    """What a statement points at: a resolved instance, or a raw identifier string.

    For raw targets `kind` says which provider reads it: "aws" (an ARN), "github" ("owner/repo"),
    "vault" (a path), "net" (an egress host/cidr with port).
    """

    span: Span
    instance: str | None = None  # Instance.key
    raw: str | None = None
    kind: str = "instance"

    def __str__(self) -> str:
        return self.instance if self.instance is not None else f'"{self.raw}"'


@dataclass(frozen=True)
class Access:
    """An access word (`read`) or a quoted raw provider permission (`"s3:GetObject"`)."""

    value: str
    raw: bool
    span: Span

    def __str__(self) -> str:
        return f'"{self.value}"' if self.raw else self.value


@dataclass(frozen=True)
class Origin:
    """Where a grant came from: the statement, and the `use` chain that pulled it in."""

    span: Span
    via: tuple[str, ...] = ()  # profile names, outermost first


# --- statements as written (profiles and `in` blocks) ---------------------------------------


@dataclass(frozen=True)
class Ref:
    """`TYPE.NAME` or `TYPE.NAME@ENV` as written; env None means the block's own env."""

    type: str
    name: str
    env: str | None
    span: Span

    def __str__(self) -> str:
        return f"{self.type}.{self.name}" + (f"@{self.env}" if self.env else "")


@dataclass(frozen=True)
class Raw:
    """A quoted raw identifier; `{env}`-style templates expand per environment."""

    value: str
    span: Span

    def __str__(self) -> str:
        return f'"{self.value}"'


@dataclass(frozen=True)
class Use:
    profile: str
    span: Span


@dataclass(frozen=True)
class Rule:
    """`allow` or `deny`: every access on every target."""

    effect: str
    accesses: tuple[Access, ...]
    targets: tuple[Ref | Raw, ...]
    span: Span


@dataclass(frozen=True)
class EgressStmt:
    dests: tuple[Ref | Raw, ...]
    span: Span


@dataclass(frozen=True)
class BudgetStmt:
    api: Ref | None  # None for `total`
    cents: int
    period: str
    span: Span


@dataclass(frozen=True)
class RateStmt:
    target: Ref
    count: int
    period: str
    span: Span


@dataclass(frozen=True)
class SessionStmt:
    seconds: int
    span: Span


@dataclass(frozen=True)
class ModeStmt:
    mode: str
    span: Span


@dataclass(frozen=True)
class ApprovalStmt:
    accesses: tuple[Access, ...]
    targets: tuple[Ref | Raw, ...]
    span: Span


Statement = Use | Rule | EgressStmt | BudgetStmt | RateStmt | SessionStmt | ModeStmt | ApprovalStmt


@dataclass(frozen=True)
class Block:
    """`in ENV, ENV { ... }`."""

    envs: tuple[str, ...]
    statements: tuple[Statement, ...]
    span: Span


# --- statements, after profiles are inlined --------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One allow or deny of one access on one target for one principal."""

    agent: str
    env: str
    effect: str  # "allow" | "deny"
    access: Access
    target: Target
    origin: Origin
    pending: bool = False  # awaiting review (review_window): shadow only

    @property
    def principal(self) -> str:
        return f"{self.agent}@{self.env}"


@dataclass(frozen=True)
class Egress:
    """An outbound allowance: a destination, always with a port (an instance's is implied by
    its url or provider)."""

    target: Target
    dest: Destination
    origin: Origin
    pending: bool = False


@dataclass(frozen=True)
class Budget:
    api: str | None  # Instance.key, None for `total`
    cents: int
    period: str
    origin: Origin


@dataclass(frozen=True)
class Rate:
    target: str  # Instance.key of an api or mcp_server
    count: int
    period: str
    origin: Origin


@dataclass(frozen=True)
class Approval:
    access: Access
    target: Target
    origin: Origin


@dataclass(frozen=True)
class Principal:
    """agent@env with every effective statement of that environment."""

    agent: str
    env: str
    service_account: str
    mode: str  # "enforce" | "shadow"
    session: int  # seconds
    grants: tuple[Grant, ...]
    denies: tuple[Grant, ...]
    egress: tuple[Egress, ...]
    budgets: tuple[Budget, ...]
    rates: tuple[Rate, ...]
    approvals: tuple[Approval, ...]
    span: Span  # the first `in` block naming this env

    @property
    def key(self) -> str:
        return f"{self.agent}@{self.env}"

    @property
    def shadow(self) -> bool:
        return self.mode == "shadow"

    def live_grants(self) -> tuple[Grant, ...]:
        """Grants that go into enforced artifacts: none in shadow mode, none pending review."""
        return () if self.shadow else tuple(g for g in self.grants if not g.pending)

    def live_egress(self) -> tuple[Egress, ...]:
        return () if self.shadow else tuple(e for e in self.egress if not e.pending)


@dataclass(frozen=True)
class Agent:
    name: str
    span: Span
    owner: str | None
    description: str | None
    service_account: str
    blocks: tuple[Block, ...]

    @property
    def envs(self) -> tuple[str, ...]:
        """Every env the agent appears in, in order of first mention."""
        return tuple(dict.fromkeys(e for b in self.blocks for e in b.envs))


@dataclass(frozen=True)
class Profile:
    name: str
    span: Span
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Expect:
    effect: str  # "allow" | "deny"
    agent: str
    env: str
    access: Access
    target: Ref | Raw  # a Ref without env means the principal's env
    span: Span

    def __str__(self) -> str:
        return f"expect {self.effect} {self.agent}@{self.env} {self.access} {self.target}"


@dataclass(frozen=True)
class Test:
    name: str
    span: Span
    expects: tuple[Expect, ...]


@dataclass(frozen=True)
class Program:
    """The whole resolved policy directory, every mapping keyed and sorted by name."""

    environments: Mapping[str, Environment]
    resources: Mapping[str, Resource]  # by "type.name"
    instances: Mapping[str, Instance]  # by Instance.key
    profiles: Mapping[str, Profile]
    agents: Mapping[str, Agent]
    tests: tuple[Test, ...]
    files: tuple[str, ...] = ()


# --- the lowering: what a grant means in IAM (computed once, by `lower`) ---------------------


@dataclass(frozen=True)
class Condition:
    """An IAM Condition block as (operator, key, values) clauses, sorted: hashable, and ordered
    by its canonical JSON text (`text`)."""

    clauses: tuple[tuple[str, str, tuple[str, ...]], ...]

    @staticmethod
    def of(block: Mapping[str, Mapping[str, list[str]]] | None) -> Condition | None:
        if not block:
            return None
        return Condition(tuple(sorted((op, key, tuple(values)) for op, keys in block.items()
                                      for key, values in keys.items())))

    def block(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for op, key, values in self.clauses:
            out.setdefault(op, {})[key] = list(values)
        return out

    @property
    def text(self) -> str:
        return json.dumps(self.block(), sort_keys=True)


@dataclass(frozen=True)
class IamStatement:
    """One IAM statement's worth: these actions on these resources, if the condition holds."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Condition | None = None

    def sort_key(self) -> tuple[tuple[str, ...], tuple[str, ...], str]:
        return self.actions, self.resources, self.condition.text if self.condition else ""

    def statement(self, sid: str | None, effect: str) -> dict:
        """The policy-document form: `Sid` (if any), `Effect`, `Action`, `Resource`, `Condition`."""
        out: dict = {"Sid": sid} if sid else {}
        out.update(Effect=effect, Action=list(self.actions), Resource=list(self.resources))
        if self.condition:
            out["Condition"] = self.condition.block()
        return out


#: Where a grant (or an expect) applies: its env, access (word or raw, and which) and target
#: (instance, or raw string and its kind). The IAM meaning depends on nothing else: not on where
#: the statement is written (a thousand agents granted the same thing share one lowering), nor
#: on review or shadow mode.
Site = tuple[str, str, bool, "str | None", "str | None", str]


def site(env: str, access: Access, target: Target) -> Site:
    return env, access.value, access.raw, target.instance, target.raw, target.kind


def iam_enforced(target: Target, instances: Mapping[str, Instance]) -> bool:
    """Whether IAM enforces access to a target: an AWS instance, or a raw ARN."""
    inst = instances.get(target.instance or "")
    return target.kind == "aws" or (inst is not None and inst.type in AWS_TYPES)


@dataclass(frozen=True)
class Model:
    """The program plus its expansion: what every target and check reads."""

    program: Program
    principals: Mapping[str, Principal]  # by "agent@env", sorted
    #: The lowering (`lower.lower`): each grant's and expect's IAM statements by `Site` (None
    #: where IAM does not enforce it), and each AWS instance's ARNs by `Instance.key` (its
    #: identity ARN first).
    iam: Mapping[Site, tuple[IamStatement, ...] | None] = field(default_factory=dict)
    arns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def environments(self) -> Mapping[str, Environment]:
        return self.program.environments

    @property
    def instances(self) -> Mapping[str, Instance]:
        return self.program.instances

    def instance(self, key: str | None) -> Instance:
        """The instance a key names (a Target's `instance`); KeyError for None or unknown."""
        if key is None:
            raise KeyError("no instance")
        return self.program.instances[key]

    def iam_of(self, g: Grant) -> tuple[IamStatement, ...] | None:
        """A grant's IAM statements (None where IAM does not enforce it); KeyError for a model
        that was not lowered."""
        return self.iam[site(g.env, g.access, g.target)]

    def has_role(self, p: Principal) -> bool:
        """A principal with any AWS grant, live or not, has an IAM role in its env."""
        return any(iam_enforced(g.target, self.instances) for g in p.grants)

    def principals_in(self, env: str) -> tuple[Principal, ...]:
        return tuple(p for p in self.principals.values() if p.env == env)

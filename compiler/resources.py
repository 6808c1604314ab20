"""Resource declarations -> one `Instance` per environment (or one shared instance).

Where a resource exists, template expansion (`{env}`, `{account}`, `{region}`), per-env maps,
identity and credential-ness are decided here, once, for every later stage.
"""
from __future__ import annotations

from typing import Mapping
from urllib.parse import urlsplit

from lark import Tree

from . import schema
from .errors import did_you_mean
from .model import AWS_TYPES, GLOBAL_AWS_TYPES, Destination, Environment, Instance, Resource, Span
from .values import TEMPLATE, TEMPLATE_VARS, Val, span_of

#: Attributes that steer instantiation rather than describe the instance.
_CONTROL = ("env", "envs", "shared", "credential", "account", "region", "description")
#: AWS types that need an account to be granted (bedrock foundation models belong to AWS).
_NEEDS_ACCOUNT = AWS_TYPES - {"bedrock_model"}
#: AWS types whose ARNs carry a region: they exist in each region of their env.
REGIONAL_TYPES = AWS_TYPES - {"s3_bucket", "iam_role"}


def instantiate(decls: Mapping[str, tuple[str, Tree]], envs: Mapping[str, Environment], r):
    """Returns (resources by "type.name", instances by key); reports through resolver `r`."""
    resources: dict[str, Resource] = {}
    instances: dict[str, Instance] = {}
    missing_account: dict[str, str] = {}
    for key, (path, tree) in sorted(decls.items()):
        type_tok, name_tok, attrs_tree = tree.children
        rtype = str(type_tok)
        if rtype not in schema.RESOURCE_TYPES:
            r.error("E013", f"unknown resource type `{rtype}`", span_of(path, type_tok),
                    schema.unknown_type_hint(rtype))
            continue
        own, required = schema.RESOURCE_TYPES[rtype]
        allowed = {**schema.COMMON, **own}
        a = r.attrs(path, attrs_tree, allowed, f"resource type {rtype}")
        span = span_of(path, name_tok)
        if not _required(r, a, required, rtype, span) or not _no_conflicts(r, a):
            continue
        errors_before = len(r.diags)
        res = _resource(r, rtype, str(name_tok), a, allowed, envs, span)
        if res is None:
            continue
        resources[key] = res
        if len(r.diags) == errors_before:  # else where it exists is unsure: judge no reference
            r.resource_envs[key] = ("*",) if res.shared else res.envs
        for inst in _instances(r, res, a, allowed, envs):
            instances[inst.key] = inst
            if inst.env and rtype in _NEEDS_ACCOUNT and not envs[inst.env].aws_account:
                missing_account.setdefault(inst.env, key)
    for env, key in sorted(missing_account.items()):
        r.error("E026", f"environment `{env}` has AWS resources ({key}) but no aws_account",
                envs[env].span, f"add aws_account = \"123456789012\", or limit {key} with envs")
    return resources, dict(sorted(instances.items()))


def _required(r, a: Mapping[str, Val], required: tuple, rtype: str, span: Span) -> bool:
    ok = True
    for req in required:
        options = req if isinstance(req, tuple) else (req,)
        present = [o for o in options if o in a]
        if not present:
            r.error("E018", f"{rtype} needs `{' or '.join(options)}`", span,
                    f"e.g. {options[0]} = \"...\"")
            ok = False
        elif len(present) > 1:
            r.error("E029", f"{rtype} takes only one of {', '.join(options)}", a[present[1]].span)
            ok = False
    return ok


def _no_conflicts(r, a: Mapping[str, Val]) -> bool:
    if "env" in a and "envs" in a:
        r.error("E029", "give `env` or `envs`, not both", a["envs"].span)
        return False
    shared = a.get("shared")
    if "account" in a and not (shared and shared.kind == "bool" and shared.value):
        r.error("E029", "`account` is for a shared resource; an environment's instances live "
                        "in its own aws_account", a["account"].span)
        return False
    return True


def _resource(r, rtype: str, name: str, a, allowed, envs, span: Span) -> Resource | None:
    shared = bool(a.get("shared") and r.typed("shared", a["shared"], "bool", None))
    limits = [tuple(envs)]
    for key in ("env", "envs"):
        if key in a:
            value = r.typed(key, a[key], *allowed[key])
            names = (value,) if isinstance(value, str) else value or ()
            limits.append(tuple(n for n in names if r.known("environment", n, a[key].span)))
    for key, val in a.items():
        if val.kind == "map":
            if shared:
                r.error("E029", "a shared resource has one instance; it takes no per-environment "
                                "map", val.span)
                return None
            keys = []
            for k, v in val.value:
                if k in envs:
                    keys.append(k)
                else:
                    r.error("E025", f"`{k}` in `{key}` is not an environment", v.span,
                            did_you_mean(k, envs))
            limits.append(tuple(keys))
    where = tuple(e for e in envs if all(e in lim for lim in limits))
    for key in ("env", "envs"):  # an explicit env the map leaves out
        if key in a and len(limits) > 2:
            for e in limits[1]:
                if e not in where:
                    r.error("E021", f"`{e}` has no value in the per-environment map", a[key].span)
    holds = a.get("holds_secrets_of")
    held = r.typed("holds_secrets_of", holds, *allowed["holds_secrets_of"]) if holds else ()
    for e in held or ():
        r.known("environment", e, holds.span)
    cred = a.get("credential")
    return Resource(type=rtype, name=name, span=span, envs=() if shared else where,
                    shared=shared,
                    credential=(bool(r.typed("credential", cred, "bool", None)) if cred
                                else rtype in schema.CREDENTIAL_TYPES),
                    holds_secrets_of=tuple(held or ()))


def _instances(r, res: Resource, a, allowed, envs: Mapping[str, Environment]):
    if res.shared:
        yield _shared_instance(r, res, a, allowed, envs)
        return
    for env in res.envs:
        e = envs[env]
        account = e.aws_account if res.type in AWS_TYPES else None
        pinned = _value(r, a, "region", allowed, e, None, None)
        regions = (pinned,) if pinned else e.regions
        yield _instance(r, res, env, a, allowed, e, account, regions)


def _shared_instance(r, res: Resource, a, allowed, envs) -> Instance:
    account = _value(r, a, "account", allowed, None, None, None)
    if res.type in AWS_TYPES - GLOBAL_AWS_TYPES and not account:
        r.error("E018", f"shared {res.type} needs `account` (where its one instance lives)",
                res.span, 'e.g. account = "123456789012"')
    home = [e for e in envs.values() if account and e.aws_account == account]
    region = (_value(r, a, "region", allowed, None, account, None)
              or (home[0].region if home else "us-east-1"))
    return _instance(r, res, None, a, allowed, None,
                     account if res.type in AWS_TYPES else None, (region,))


class _Quiet:
    """The resolver for a second region's attributes: its template errors were already
    reported for the first region."""

    def __init__(self, r):
        self.r = r

    def error(self, *args, **kwargs) -> None:
        pass

    def __getattr__(self, name):
        return getattr(self.r, name)


def _instance(r, res: Resource, env: str | None, a, allowed, e: Environment | None, account,
              regions: tuple[str, ...]) -> Instance:
    """One instance, in each of `regions` when its type is regional (a name with `{region}`
    differs per region)."""
    regional = res.type in REGIONAL_TYPES
    per_region = []
    for i, region in enumerate(regions if regional else regions[:1]):
        rr = r if i == 0 else _Quiet(r)
        attrs = {k: _value(rr, a, k, allowed, e, account if e is None else e.aws_account,
                           region) for k in a if k not in _CONTROL}
        per_region.append((region, _attrs(rr, res, attrs)))
    region, attrs = per_region[0]
    ident_keys = schema.IDENTITY.get(res.type, ("name",))

    def identity(region, attrs) -> tuple:
        out: tuple = (res.type,) + tuple(attrs.get(k) for k in ident_keys)
        if res.type in AWS_TYPES - GLOBAL_AWS_TYPES:
            out += (account,) if res.type == "iam_role" else (account, region)
        return out
    credential = res.credential or (res.type == "ssm_parameter" and attrs["secure"]
                                    and "credential" not in a)
    differs = tuple((rg, at) for rg, at in per_region if at != attrs)
    upstreams = (Destination.parse(u) for u in attrs.get("upstream") or ())
    return Instance(type=res.type, name=res.name, env=env, attrs=attrs,
                    identity=identity(region, attrs), span=res.span, account=account,
                    region=region if res.type in AWS_TYPES else None,
                    credential=bool(credential), holds_secrets_of=res.holds_secrets_of,
                    regions=tuple(rg for rg, _ in per_region) if regional else (),
                    regional_attrs=differs,
                    identities=tuple(identity(rg, at) for rg, at in per_region),
                    endpoint=_endpoint(res.type, attrs),
                    upstreams=tuple(u for u in upstreams if isinstance(u, Destination)))


def _attrs(r, res: Resource, attrs: dict) -> dict:
    attrs = {k: v for k, v in attrs.items() if v is not None and k != "holds_secrets_of"}
    if res.type == "api" and "host" not in attrs and attrs.get("provider") in schema.PROVIDER_HOSTS:
        attrs["host"] = schema.PROVIDER_HOSTS[attrs["provider"]]
    if res.type == "api" and "host" not in attrs and "provider" in attrs:
        r.error("E018", "an api of provider `http` needs `host`", res.span)
    if res.type == "ssm_parameter":
        attrs.setdefault("secure", False)
    return attrs


def _endpoint(rtype: str, attrs: Mapping[str, object]) -> Destination | None:
    """Where an api (its host, on 443), mcp_server (its url) or host (its url or address) is
    reached; None for other types, and for a value already reported invalid."""
    if rtype not in ("api", "mcp_server", "host"):
        return None
    url, text = attrs.get("url"), attrs.get("address")
    if rtype == "api":
        text = f"{attrs.get('host')}:443"
    elif isinstance(url, str):
        parts = urlsplit(url)
        try:
            port = parts.port or (80 if parts.scheme in ("http", "ws") else 443)
        except ValueError:  # a port out of range: E017, reported by the url's validation
            return None
        text = f"{parts.hostname}:{port}"
    parsed = Destination.parse(text) if isinstance(text, str) else None
    return parsed if isinstance(parsed, Destination) else None


def _value(r, a: Mapping[str, Val], key: str, allowed, env: Environment | None, account,
           region):
    """One attribute's value for one environment: the map entry, templates expanded, checked."""
    val = a.get(key)
    if val is None:
        return None
    if val.kind == "map":
        entry = dict(val.value).get(env.name) if env else None
        if entry is None:
            return None
        val = entry
    kind, check = allowed[key]
    if kind in ("string", "strings"):
        val = _expand_val(r, val, env, account, region)
    return r.typed(key, val, kind, check)


def _expand_val(r, val: Val, env: Environment | None, account, region) -> Val:
    if val.kind == "list":
        return Val("list", [_expand_val(r, v, env, account, region) for v in val.value], val.span)
    if val.kind != "string":
        return val
    return Val("string", expand_template(r, val.value, val.span, env, account, region), val.span)


def expand_template(r, text: str, span: Span, env: Environment | None, account, region) -> str:
    """`{env}`, `{account}`, `{region}`; anything else, or a variable with no value, is E019."""
    values = {"env": env.name if env else None, "account": account, "region": region}

    def sub(m):
        var = m.group(1)
        if var not in TEMPLATE_VARS:
            r.error("E019", f"unknown template variable `{{{var}}}`", span,
                    did_you_mean(var, TEMPLATE_VARS) or "use {env}, {account} or {region}")
            return m.group()
        if values[var] is None:
            where = "a shared resource" if env is None else f"environment `{env.name}`"
            r.error("E019", f"`{{{var}}}` has no value in {where}", span,
                    "shared resources have no env; set aws_account on the environment"
                    if var != "env" else "a shared resource has no env")
            return m.group()
        return values[var]
    return TEMPLATE.sub(sub, text)

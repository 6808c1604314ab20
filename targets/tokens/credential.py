"""What the token modules share: the inventory entry of one credential, names that no two
agent@env pairs share, lifetimes, and JSON text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from agentpol.model import PERIODS, Grant, Instance, Model, Principal
from agentpol.serialise import dumps as json_text


@dataclass(frozen=True)
class Credential:
    """One credential an agent holds in one env: an entry of `tokens/E/index.json`."""

    kind: str
    name: str
    ttl_seconds: int  # how long it lives: `session`, or less where the provider caps it
    lifetime: str  # how that lifetime is enforced, in words
    scope: Mapping[str, object]
    files: tuple[str, ...] = ()  # relative to tokens/E/A/
    sources: tuple[str, ...] = ()  # file:line of the grants it carries


#: (file names relative to the principal's directory -> text, credentials)
Issued = tuple[dict[str, str], list[Credential]]


def dumps(doc) -> str:
    return json_text(doc, sort_keys=True) + "\n"


def base_name(p: Principal) -> str:
    """The name every credential of agent@env is known by (`@` never occurs in an agent's
    name, so no two principals share it)."""
    return f"agentpol-{p.agent}@{p.env}"


def sources(grants) -> tuple[str, ...]:
    """The files of the grants' statements, sorted: no line numbers, so reformatting a file
    changes no credential record (`explain` and `check` give lines)."""
    return tuple(sorted({g.origin.span.file for g in grants}))


def held_by_gateway(why: str, p: Principal) -> str:
    """The lifetime of an API key that cannot be made to expire: the gateway bounds it."""
    return (f"{why}: the gateway holds the key, never the agent, and forwards the agent's calls "
            f"only during its session ({p.session}s)")


def lifetime(p: Principal, ttl: int, how: str) -> dict:
    return {"session_seconds": p.session, "ttl_seconds": ttl, "note": how}


def api_grants(model: Model, p: Principal, providers) -> dict[str, list[Grant]]:
    """Live grants on `api` instances of these providers, by instance key, in source order."""
    out: dict[str, list[Grant]] = {}
    for g in p.live_grants():
        inst = model.instances.get(g.target.instance or "")
        if inst is not None and inst.type == "api" and inst.attrs.get("provider") in providers:
            out.setdefault(inst.key, []).append(g)
    return out


def key_name(model: Model, p: Principal, inst: Instance) -> str:
    """The API key's name: the api's `key_name` when one agent@env alone holds that api
    (counting shadow and pending grants, so a name never changes when they go live), else
    `key_name` suffixed with the agent and env: one key never serves two principals."""
    holders = _holders(model).get(inst.key, set())
    name = str(inst.attrs["key_name"])
    return name if holders <= {p.key} else f"{name}-{p.agent}@{p.env}"


_HOLDERS: list = [None, {}]  # [the model last asked about, instance key -> its holders]


def _holders(model: Model) -> dict[str, set[str]]:
    """Instance key -> the principals with a grant on it, built once per model (a model is
    not changed after expansion) rather than once per key asked for."""
    if _HOLDERS[0] is not model:
        holders: dict[str, set[str]] = {}
        for q in model.principals.values():
            for g in q.grants:
                if g.target.instance is not None:
                    holders.setdefault(g.target.instance, set()).add(q.key)
        _HOLDERS[:] = [model, holders]
    return _HOLDERS[1]


def usd(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def limits(p: Principal, api: str | None) -> list[dict]:
    """The budgets of one api (None: `budget total`) as written: amount and period."""
    return [{"usd": usd(b.cents), "per": b.period} for b in p.budgets if b.api == api]


def rates(p: Principal, target: str) -> list[dict]:
    return [{"requests": r.count, "per": r.period} for r in p.rates if r.target == target]


def monthly_cents(p: Principal, api: str | None) -> int | None:
    """The tightest monthly ceiling the budgets of one api (or total) imply; None: unbounded."""
    caps = [b.cents * (PERIODS["month"] // PERIODS[b.period]) for b in p.budgets if b.api == api]
    return min(caps) if caps else None

"""API keys of providers without an account-side artifact (`slack`, `http`): listed in the
env's inventory only, since nothing here can create or scope them."""
from __future__ import annotations

from agentpol.model import Model, Principal

from .credential import Credential, Issued, api_grants, held_by_gateway, key_name, sources

PROVIDERS = {"slack", "http"}


def issue(model: Model, p: Principal) -> Issued:
    how = held_by_gateway("API keys of this provider do not expire", p)
    creds = [Credential(kind="api-key", name=key_name(model, p, model.instance(api)),
                        ttl_seconds=p.session, lifetime=how,
                        scope={"api": api, "access": [g.access.value for g in grants]},
                        sources=sources(grants))
             for api, grants in sorted(api_grants(model, p, PROVIDERS).items())]
    return {}, creds

"""`tokens/E/A/vault-revoke.json` and `github-revoke.json`: the requests that revoke what the
tokens target lets the principal's runner mint, as request files like that target's.

Vault: every token minted through the principal's token role has a lease under
`auth/token/create/ROLE/`, so one `revoke-prefix` revokes them all, and with each token the
leases it obtained (Vault revokes a token's leases with it); deleting the token role stops new
tokens. GitHub: an installation token can be revoked only by presenting it
(`DELETE /installation/token`, which the runner that holds it sends); suspending the App's
installation stops every token of that installation at once (and every other agent's that
shares it), so it is the operator's fallback when the runner cannot be trusted.
"""
from __future__ import annotations

from agentpol.model import Model, Principal
from agentpol.targets.tokens import github, vault
from agentpol.targets.tokens.credential import base_name, dumps


def files(model: Model, p: Principal) -> dict[str, str]:
    base = f"tokens/{p.env}/{p.agent}/"
    out = {}
    if vault.rules(model, p):
        out[base + "vault-revoke.json"] = dumps(vault_requests(p))
    owners: dict[str, str] = {}  # owner -> a repo of it, to look its installation up
    for c in github.issue(model, p)[1]:
        owner, repos = str(c.scope["owner"]), list(c.scope["repositories"])  # type: ignore[call-overload]
        owners.setdefault(owner, f"{owner}/{repos[0]}")
    if owners:
        out[base + "github-revoke.json"] = dumps(github_requests(p, owners))
    return out


def vault_requests(p: Principal) -> dict:
    role = base_name(p)
    return {
        "agent": p.agent, "env": p.env, "token_role": role,
        "requests": [
            {"step": "revoke every token of the role, and the leases each token obtained",
             "method": "PUT", "path": f"/v1/sys/leases/revoke-prefix/auth/token/create/{role}",
             "cli": f"vault token revoke -mode=path 'auth/token/create/{role}'",
             "needs": "sudo capability on sys/leases/revoke-prefix"},
            {"step": "delete the token role, so no new token is minted",
             "method": "DELETE", "path": f"/v1/auth/token/roles/{role}",
             "cli": f"vault delete 'auth/token/roles/{role}'"},
        ],
        "undo": "recreate the token role from the compiled tokens/ENV/AGENT/"
                "vault-token-role.json (POST /v1/auth/token/roles/ROLE)",
    }


def github_requests(p: Principal, owners: dict[str, str]) -> dict:
    return {
        "agent": p.agent, "env": p.env,
        "requests": [
            {"step": "the runner revokes each installation token it holds for this agent",
             "method": "DELETE", "path": "/installation/token",
             "auth": "the installation token itself"},
        ] + [
            {"step": f"fallback: suspend the App's installation on {owner} (stops every token "
                     "of that installation, other agents' too)",
             "lookup": {"method": "GET", "path": f"/repos/{repo}/installation"},
             "method": "PUT", "path": "/app/installations/{installation_id}/suspended",
             "auth": "a JWT of the GitHub App"}
            for owner, repo in sorted(owners.items())
        ],
        "undo": "DELETE /app/installations/{installation_id}/suspended lifts a suspension; "
                "revoked tokens stay revoked: the runner mints new ones",
    }

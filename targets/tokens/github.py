"""`github-token*.json`: GitHub App installation access token requests.

A request names one installation (one owner) and applies one `permissions` map to all its
`repositories`, so an agent gets one request per (owner, permission set): `github-token.json`,
then `github-token-2.json`, ... in order of owner and repositories.
"""
from __future__ import annotations

from agentpol.catalogue import github
from agentpol.model import Model, Principal, Target

from .credential import Credential, Issued, base_name, dumps, lifetime, sources

TOKEN_PATH = "/app/installations/{installation_id}/access_tokens"
TOKEN_LIFETIME = 3600  # GitHub: every installation token expires after one hour


def repo_of(model: Model, target: Target) -> str | None:
    """`owner/name` of a github_repo instance or a raw GitHub target; None for anything else."""
    if target.instance is not None:
        inst = model.instances.get(target.instance)
        return str(inst.attrs["repo"]) if inst is not None and inst.type == "github_repo" else None
    return target.raw if target.kind == "github" else None


def _wanted(model: Model, p: Principal) -> dict[str, dict[str, str]]:
    """repo -> permission -> level: the highest level granted, lowered by the denies."""
    wanted: dict[str, dict[str, str]] = {}
    for g in p.live_grants():
        repo, asked = repo_of(model, g.target), github.permission(g.access.value, g.access.raw)
        if repo is None or asked is None:
            continue
        name, level = asked
        have = wanted.setdefault(repo, {}).get(name)
        if have is None or github.LEVELS.index(level) > github.LEVELS.index(have):
            wanted[repo][name] = level
    for d in p.denies:
        repo, denied = repo_of(model, d.target), github.permission(d.access.value, d.access.raw)
        if repo is None or denied is None or denied[0] not in wanted.get(repo, {}):
            continue
        name, level = denied
        if github.LEVELS.index(wanted[repo][name]) >= github.LEVELS.index(level):
            left = github.lower(name, level)
            if left is None:
                del wanted[repo][name]
            else:
                wanted[repo][name] = left
    return {repo: perms for repo, perms in wanted.items() if perms}


def issue(model: Model, p: Principal) -> Issued:
    groups: dict[tuple, list[str]] = {}
    for repo, perms in _wanted(model, p).items():
        owner = repo.split("/")[0]
        groups.setdefault((owner, tuple(sorted(perms.items()))), []).append(repo)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[1]), kv[0][1]))
    ttl = min(p.session, TOKEN_LIFETIME)
    how = _lifetime_note(p.session)
    files, creds = {}, []
    for i, ((owner, perms), repos) in enumerate(ordered, start=1):
        stem = "github-token" if i == 1 else f"github-token-{i}"
        names = sorted(r.split("/", 1)[1] for r in repos)
        body = {"permissions": dict(perms), "repositories": names}
        name = f"{base_name(p)}:{stem}"
        files[f"{stem}.json"] = dumps({
            "agent": p.agent,
            "env": p.env,
            "name": name,
            "installation": {"owner": owner,
                             "lookup": f"GET /repos/{sorted(repos)[0]}/installation"},
            "request": {"method": "POST", "path": TOKEN_PATH, "body": body},
            "lifetime": lifetime(p, ttl, how),
        })
        granted = [g for g in p.live_grants() if repo_of(model, g.target) in repos]
        creds.append(Credential(
            kind="github-installation-token", name=name, ttl_seconds=ttl, lifetime=how,
            scope={"owner": owner, "repositories": names, "permissions": dict(perms)},
            files=(f"{stem}.json",), sources=sources(granted)))
    return files, creds


def _lifetime_note(session: int) -> str:
    if session < TOKEN_LIFETIME:
        return (f"GitHub installation tokens always live {TOKEN_LIFETIME}s; the session is "
                f"{session}s, so the runner revokes the token (DELETE /installation/token) "
                "when the run ends, at the latest after the session")
    if session > TOKEN_LIFETIME:
        return (f"GitHub cuts the token short: it expires after {TOKEN_LIFETIME}s, within the "
                f"{session}s session; the runner may mint another with the same request while "
                "the session lasts, and revokes the last one (DELETE /installation/token) when "
                "the run ends")
    return ("GitHub installation tokens live 3600s, the session; the runner revokes the token "
            "(DELETE /installation/token) when the run ends")

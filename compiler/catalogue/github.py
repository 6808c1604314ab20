"""GitHub App installation tokens: the permissions a token request may name, and what the
language's access words mean on a `github_repo`.

`PERMISSIONS` is generated from GitHub's OpenAPI description (npm `@octokit/openapi` 23.0.2,
`generated/api.github.com.deref.json`: the `permissions` properties of the request body of
`POST /app/installations/{installation_id}/access_tokens`, i.e. the `app-permissions` schema)
and tested against that file (tests/compiler/catalogue). When the package is updated, rebuild
the table from the same schema and review the diff.

Access words, each the least that does the job:
- `read` is `contents: read` (clone, fetch, read files).
- `write` is `contents: write` (push branches, commit files). Opening or merging pull requests
  also needs `pull_requests: write`: grant it as written (`"pull_requests:write"`), since pushing
  code and acting on pull requests are separate rights.
GitHub adds `metadata: read` to every installation token by itself; it is never requested.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

#: Permission name -> the levels an installation token request may ask for.
PERMISSIONS: Mapping[str, tuple[str, ...]] = {
    "actions": ("read", "write"),
    "administration": ("read", "write"),
    "artifact_metadata": ("read", "write"),
    "attestations": ("read", "write"),
    "checks": ("read", "write"),
    "code_quality": ("read", "write"),
    "codespaces": ("read", "write"),
    "contents": ("read", "write"),
    "custom_properties_for_organizations": ("read", "write"),
    "dependabot_secrets": ("read", "write"),
    "deployments": ("read", "write"),
    "discussions": ("read", "write"),
    "email_addresses": ("read", "write"),
    "enterprise_custom_properties_for_organizations": ("read", "write", "admin"),
    "environments": ("read", "write"),
    "followers": ("read", "write"),
    "git_ssh_keys": ("read", "write"),
    "gpg_keys": ("read", "write"),
    "interaction_limits": ("read", "write"),
    "issues": ("read", "write"),
    "members": ("read", "write"),
    "merge_queues": ("read", "write"),
    "metadata": ("read", "write"),
    "organization_administration": ("read", "write"),
    "organization_announcement_banners": ("read", "write"),
    "organization_copilot_agent_settings": ("read", "write"),
    "organization_copilot_seat_management": ("read", "write"),
    "organization_custom_org_roles": ("read", "write"),
    "organization_custom_properties": ("read", "write", "admin"),
    "organization_custom_roles": ("read", "write"),
    "organization_events": ("read",),
    "organization_hooks": ("read", "write"),
    "organization_packages": ("read", "write"),
    "organization_personal_access_token_requests": ("read", "write"),
    "organization_personal_access_tokens": ("read", "write"),
    "organization_plan": ("read",),
    "organization_projects": ("read", "write", "admin"),
    "organization_secrets": ("read", "write"),
    "organization_self_hosted_runners": ("read", "write"),
    "organization_user_blocking": ("read", "write"),
    "packages": ("read", "write"),
    "pages": ("read", "write"),
    "profile": ("write",),
    "pull_requests": ("read", "write"),
    "repository_custom_properties": ("read", "write"),
    "repository_hooks": ("read", "write"),
    "repository_projects": ("read", "write", "admin"),
    "secret_scanning_alerts": ("read", "write"),
    "secrets": ("read", "write"),
    "security_events": ("read", "write"),
    "single_file": ("read", "write"),
    "starring": ("read", "write"),
    "statuses": ("read", "write"),
    "vulnerability_alerts": ("read", "write"),
    "workflows": ("write",),
}

#: Levels from least to most.
LEVELS: tuple[str, ...] = ("read", "write", "admin")

#: Access word -> (permission, level).
WORDS: Mapping[str, tuple[str, str]] = {
    "read": ("contents", "read"),
    "write": ("contents", "write"),
}


def permission(value: str, raw: bool) -> tuple[str, str] | None:
    """`(permission, level)` that an access (word, or raw `"name:level"`) asks for; None when
    GitHub has no such permission or level (see `problem`)."""
    if not raw:
        return WORDS.get(value)
    name, _, level = value.partition(":")
    return (name, level) if level in PERMISSIONS.get(name, ()) else None


def problem(value: str) -> str | None:
    """Why a raw `"name:level"` is not a GitHub permission (None when it is one), with a hint."""
    name, sep, level = value.partition(":")
    if name not in PERMISSIONS:
        close = difflib.get_close_matches(name, PERMISSIONS, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        return f"GitHub has no installation permission `{name}`{hint}"
    levels = ", ".join(PERMISSIONS[name])
    if not sep:
        return f"`{name}` needs a level: `{name}:LEVEL` with LEVEL one of {levels}"
    if level not in PERMISSIONS[name]:
        return f"`{name}` has no level `{level}` (it has: {levels})"
    return None


def lower(name: str, level: str) -> str | None:
    """The highest level of `name` below `level` (what is left when `level` is denied)."""
    below = LEVELS[: LEVELS.index(level)] if level in LEVELS else ()
    allowed = [lv for lv in below if lv in PERMISSIONS.get(name, ())]
    return allowed[-1] if allowed else None

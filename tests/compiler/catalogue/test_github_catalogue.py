"""The GitHub permission table against GitHub's own OpenAPI description (@octokit/openapi)."""
from __future__ import annotations

from agentpol.catalogue import github
from validators.github_openapi import installation_token_permissions


def test_table_is_the_openapi_permission_set():
    assert dict(github.PERMISSIONS) == installation_token_permissions()


def test_words_are_real_permissions():
    for name, level in github.WORDS.values():
        assert level in github.PERMISSIONS[name]
    assert github.permission("write", raw=False) == ("contents", "write")
    assert github.permission("read", raw=False) == ("contents", "read")


def test_raw_permission_needs_a_known_name_and_level():
    assert github.permission("pull_requests:write", raw=True) == ("pull_requests", "write")
    assert github.permission("repository_projects:admin", raw=True) == ("repository_projects",
                                                                        "admin")
    for bad in ("pull_request:write", "workflows:read", "contents", "contents:admin", ""):
        assert github.permission(bad, raw=True) is None
        assert github.problem(bad) is not None
    assert github.problem("contents:write") is None


def test_problem_hints():
    assert "did you mean `pull_requests`" in github.problem("pull_request:write")
    assert "needs a level" in github.problem("contents")
    assert "no level `read`" in github.problem("workflows:read")


def test_lower_is_the_level_left_under_a_deny():
    assert github.lower("contents", "write") == "read"
    assert github.lower("contents", "read") is None
    assert github.lower("workflows", "write") is None  # workflows has no read level
    assert github.lower("repository_projects", "admin") == "write"

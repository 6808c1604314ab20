"""What the files allow, read back from the files themselves, is exactly what each principal
needs: its egress, the hosts of the apis and mcp_servers it calls, and the provider endpoints
its grants need (STS and each AWS service in each of the env's regions, GitHub's API and git
host, the env's Vault). Nothing more, and what a format cannot carry is listed in that file."""
from __future__ import annotations

import pytest

from agentpol.targets.network import emit
from helpers import model_from
from network_fixture import SOURCE
import network_readback as read


def _aws(regions, *services, buckets=()):
    """AWS endpoints written out: STS (regional and global), each service, S3 in both forms."""
    out = {"sts.amazonaws.com:443"}
    for r in regions:
        out |= {f"sts.{r}.amazonaws.com:443"} | {f"{s}.{r}.amazonaws.com:443" for s in services}
        if buckets:
            out |= {f"s3.{r}.amazonaws.com:443"} | {f"{b}.s3.{r}.amazonaws.com:443" for b in buckets}
    return out


GITHUB = {"api.github.com:443", "github.com:443"}
SUPPORT_SERVICES = ("bedrock-runtime", "dynamodb", "logs", "secretsmanager", "sqs")

#: acme's live allowlists, written out by hand (refund-agent@prod runs in shadow mode).
ACME = {
    "support-bot@dev": {"api.openai.com:443", "jira-mcp.dev.acme.internal:443"} | _aws(
        ["us-east-1"], *SUPPORT_SERVICES, buckets=("acme-exports-dev", "acme-public-docs")),
    "support-bot@staging": {"api.openai.com:443", "jira-mcp.staging.acme.internal:443"} | _aws(
        ["us-east-1"], *SUPPORT_SERVICES, buckets=("acme-exports-staging", "acme-public-docs")),
    "support-bot@prod": {"api.openai.com:443", "jira-mcp.prod.acme.internal:443"} | _aws(
        ["us-east-1", "eu-west-1"], *SUPPORT_SERVICES,
        buckets=("acme-exports-prod", "acme-public-docs")),
    "refund-agent@staging": {"api.stripe.com:443", "payments.staging.acme.internal:443"}
    | _aws(["us-east-1"], "sqs"),
    "refund-agent@prod": set(),
    "code-agent@dev": {"api.anthropic.com:443", "vault.dev.acme.internal:8200"} | GITHUB
    | _aws(["us-east-1"], "kms", "ssm"),
    "code-agent@staging": {"api.anthropic.com:443", "vault.staging.acme.internal:8200"} | GITHUB
    | _aws(["us-east-1"], "kms", "ssm"),
}

#: The fixture's provider endpoints (idle@staging writes to a log group).
FIXTURE_ENDPOINTS = {"idle@staging": _aws(["us-east-1"], "logs")}

CRAWLER_STAGING = {
    "*.example.com:443", "api.example.com:443", "*.a.example.com:443", "example.com:8443",
    "172.16.0.0/12:443", "172.16.5.5:443", "203.0.113.7:8080", "[2001:db8::1]:443",
    "2001:db8::/32:9443", "10.20.5.10:5432", "tools.staging.acme.internal:8080",
    "hooks.slack.com:443",
}


def _is_address(dest: str) -> bool:
    return read._network(dest.rsplit(":", 1)[0]) is not None


def _host(dest: str) -> str:
    return dest.rsplit(":", 1)[0]


def allowed_by_each(files, p, want: set[str]) -> dict[str, set[str]]:
    """Per format, the destinations it allows; checks on the way that each lists the rest."""
    base = f"network/{p.env}/{p.agent}/"
    out = {}
    allowed, listed = read.networkpolicy(files[base + "networkpolicy.yaml"])
    assert allowed | listed == want and not allowed & listed
    assert listed == {d for d in want if not _is_address(d)}
    out["networkpolicy"] = allowed
    allowed, listed = read.cilium(files[base + "cilium.yaml"])
    assert allowed == want and listed == set()
    out["cilium"] = allowed
    allowed = read.squid(files[base + "squid.conf"])
    assert allowed <= want
    assert all(any(read.covers(e, d) for e in allowed) for d in want)
    out["squid"] = allowed
    allowed, listed = read.sandbox_runtime(files[base + "sandbox-runtime.json"])
    assert allowed | listed == want and not allowed & listed
    assert listed == {d for d in want if "/" in d}
    out["sandbox-runtime"] = allowed
    sandbox_hosts, fetch_hosts, listed = read.claude_settings(files[base + "claude-settings.json"])
    assert sandbox_hosts == fetch_hosts == {_host(d) for d in want if not _is_address(d)}
    assert listed == {d for d in want if _is_address(d)}
    out["claude-settings"] = {d for d in want if _host(d) in sandbox_hosts}
    return out


@pytest.mark.parametrize("key", sorted(ACME))
def test_acme_allowlists_are_egress_and_grant_endpoints(acme_model, key):
    p = acme_model.principals[key]
    per_format = allowed_by_each(emit(acme_model), p, ACME[key])
    assert set().union(*per_format.values()) == ACME[key]


def test_fixture_allowlists_are_egress_and_grant_endpoints():
    model = model_from(SOURCE)
    files = emit(model)
    assert read.declared(model.principals["crawler@staging"]) == CRAWLER_STAGING
    for p in model.principals.values():
        want = read.declared(p) | FIXTURE_ENDPOINTS.get(p.key, set())
        per_format = allowed_by_each(files, p, want)
        union = set().union(*per_format.values())
        assert union == want, p.key
        assert all(any(read.covers(e, d) for e in union) for d in want)


def test_wildcards_ports_and_ranges_in_every_format_that_has_them():
    files = emit(model_from(SOURCE))
    base = "network/staging/crawler/"
    assert "*.example.com:443" in read.cilium(files[base + "cilium.yaml"])[0]
    assert "2001:db8::/32:9443" in read.cilium(files[base + "cilium.yaml"])[0]
    assert "2001:db8::/32:9443" in read.networkpolicy(files[base + "networkpolicy.yaml"])[0]
    assert "[2001:db8::1]:443" in read.networkpolicy(files[base + "networkpolicy.yaml"])[0]
    squid = read.squid(files[base + "squid.conf"])
    # `.example.com` carries *.example.com and the names under it; the nested range goes too
    assert {"*.example.com:443", "example.com:8443", "172.16.0.0/12:443"} <= squid
    assert not {"api.example.com:443", "*.a.example.com:443", "172.16.5.5:443"} & squid
    srt = read.sandbox_runtime(files[base + "sandbox-runtime.json"])[0]
    assert {"*.example.com:443", "example.com:8443", "203.0.113.7:8080",
            "[2001:db8::1]:443", "tools.staging.acme.internal:8080"} <= srt
    claude = read.claude_settings(files[base + "claude-settings.json"])[0]
    assert {"*.example.com", "example.com", "*.a.example.com"} <= claude

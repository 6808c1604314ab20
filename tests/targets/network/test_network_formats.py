"""The per-format builders on their own: what each expresses, squid's overlap rule, and reuse
for pods that are not an agent's (an MCP server's upstream allowlist)."""
from __future__ import annotations

import json

import yaml

from agentpol.targets.network import cilium, claude, kubernetes, sandbox, squid
from agentpol.targets.network.destinations import (EXPRESSES, KINDS, Denied, Dest, Subject,
                                                   split)

MCP = Subject(name="mcp-jira", namespace="agents-prod", selector="jira",
              principal="mcp_server.jira@prod")
UPSTREAM = (Dest("domain", "acme.atlassian.net", 443),)


def test_every_kind_is_expressed_by_some_format():
    # so no destination that parses is an input error for being inexpressible (DESIGN)
    assert set(KINDS) == set().union(*EXPRESSES.values())
    assert EXPRESSES["cilium.yaml"] == set(KINDS)


def test_split_by_format():
    dests = (Dest("cidr", "10.0.0.0/8", 443), Dest("domain", "a.com", 443),
             Dest("ip", "10.1.2.3", 22), Dest("wildcard", "*.b.com", 443))
    carried, dropped = split(dests, "networkpolicy.yaml")
    assert [d.kind for d in carried] == ["cidr", "ip"]
    assert [d.kind for d in dropped] == ["domain", "wildcard"]
    assert split(dests, "sandbox-runtime.json")[1] == (Dest("cidr", "10.0.0.0/8", 443),)


def test_destination_text():
    assert str(Dest("ip", "2001:db8::1", 443)) == "[2001:db8::1]:443"
    assert str(Dest("cidr", "2001:db8::/32", 443)) == "2001:db8::/32:443"
    assert Dest("ip", "10.1.2.3", 22).network == "10.1.2.3/32"


def test_builders_serve_other_pods():
    np = yaml.safe_load(kubernetes.networkpolicy(MCP, UPSTREAM))
    assert np["metadata"]["name"] == "agentpol-mcp-jira"
    assert np["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "jira"}
    cnp = yaml.safe_load(cilium.policy(MCP, UPSTREAM))
    assert {"matchName": "acme.atlassian.net"} in cnp["spec"]["egress"][1]["toFQDNs"]
    assert "acl mcp-jira_domains_443 dstdomain -n acme.atlassian.net" in \
        squid.fragment(MCP, UPSTREAM)
    srt = json.loads(sandbox.settings(MCP, UPSTREAM, Denied({})))
    assert srt["network"]["allowedDomains"] == ["acme.atlassian.net:443"]
    note = json.loads(claude.settings(MCP, UPSTREAM, Denied({})))["//"]
    assert "mcp_server.jira@prod" in note["generated"]


def test_names_made_kubernetes_safe_and_namespace_optional():
    subject = Subject(name="Data_Bot", namespace=None, selector="data-bot", principal="x@dev")
    doc = yaml.safe_load(kubernetes.networkpolicy(subject, ()))
    assert doc["metadata"]["name"] == "agentpol-data-bot"
    assert "namespace" not in doc["metadata"]  # applied to the namespace kubectl is given


def test_squid_drops_entries_a_wider_one_covers():
    dests = (Dest("wildcard", "*.x.com", 443), Dest("domain", "x.com", 443),
             Dest("domain", "a.x.com", 443), Dest("wildcard", "*.b.x.com", 443),
             Dest("domain", "ax.com", 443), Dest("domain", "x.com", 80),
             Dest("cidr", "10.0.0.0/8", 443), Dest("ip", "10.9.9.9", 443),
             Dest("ip", "192.0.2.1", 443))
    text = squid.fragment(MCP, dests)
    assert "acl mcp-jira_domains_443 dstdomain -n .x.com ax.com\n" in text
    assert "acl mcp-jira_domains_80 dstdomain -n x.com\n" in text  # other port, other acl
    assert "acl mcp-jira_addresses_443 dst -n 10.0.0.0/8 192.0.2.1\n" in text
    assert text.endswith("http_access deny all\n")


def test_json_notes_list_what_cannot_be_expressed():
    dests = (Dest("cidr", "10.0.0.0/8", 443), Dest("ip", "10.1.2.3", 22),
             Dest("domain", "a.com", 443))
    srt = json.loads(sandbox.settings(MCP, dests, Denied({})))
    assert srt["//"]["not_expressible"] == ["10.0.0.0/8:443"]
    assert srt["network"]["allowedDomains"] == ["10.1.2.3:22", "a.com:443"]
    settings = json.loads(claude.settings(MCP, dests, Denied({})))
    assert settings["//"]["not_expressible"] == ["10.0.0.0/8:443", "10.1.2.3:22"]
    assert "any port" in settings["//"]["ports"]
    np = kubernetes.networkpolicy(MCP, dests)
    assert "#   a.com:443\n" in np
    assert yaml.safe_load(np)["metadata"]["annotations"]["agentpol/not-expressible"] == "a.com:443"


def test_denied_reasons_name_the_owner():
    denied = Denied({"*.prod.x": "prod", "10.30.0.0/16": "prod"})
    srt = json.loads(sandbox.settings(MCP, (), denied))
    assert srt["network"]["deniedDomains"] == ["*.prod.x"]
    assert "prod" in srt["network"]["deniedDomainReasons"]["*.prod.x"]
    assert srt["network"]["deniedResolvedAddresses"] == ["10.30.0.0/16"]

"""The cluster egress formats on their own (NetworkPolicy, Cilium, squid): what each
expresses, squid's overlap rule, naming, and use for pods that are not an agent's (an MCP
server's upstream allowlist, as the audit target writes it)."""
from __future__ import annotations

import re

import yaml

from agentpol.targets._netpolicy import cilium, kubernetes, objects, squid
from agentpol.targets._netpolicy.destinations import (EXPRESSES, KINDS, Allowlist, Dest,
                                                       Subject, merged, split)

MCP = Subject(name="mcp-jira", namespace="agents-prod", selector="jira",
              principal="mcp_server.jira@prod")
UPSTREAM = Allowlist((Dest("domain", "acme.atlassian.net", 443),))


def test_every_kind_is_expressed_by_some_format():
    # so no destination that parses is an input error for being inexpressible
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


def test_destinations_normalised_and_deduplicated():
    assert Dest.parse("API.Example.com:443") == Dest("domain", "api.example.com", 443)
    assert Dest.parse("[2001:0db8::0001]:443") == Dest("ip", "2001:db8::1", 443)
    b, net = Dest.parse("b.com:443"), Dest.parse("10.0.0.0/8:22")
    got = merged([(Dest.parse("B.com:443"), "read x"), (b, "egress a"), (b, "read x"),
                  (net, "egress c")])
    assert got == Allowlist((net, b), {net: ("egress c",), b: ("egress a", "read x")})
    assert got.dests == (net, b)


def test_builders_serve_other_pods():
    np = yaml.safe_load(kubernetes.networkpolicy(MCP, UPSTREAM))
    assert np["metadata"]["name"] == "agentpol-mcp-jira"
    assert np["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "jira"}
    cnp = yaml.safe_load(cilium.policy(MCP, UPSTREAM))
    assert {"matchName": "acme.atlassian.net"} in cnp["spec"]["egress"][1]["toFQDNs"]
    assert "acl agentpol-mcp-jira_domains_443 dstdomain -n acme.atlassian.net" in \
        squid.fragment(MCP, UPSTREAM)


def test_names_made_kubernetes_safe_and_namespace_optional():
    subject = Subject(name="Data_Bot", namespace=None, selector="data-bot", principal="x@dev")
    doc = yaml.safe_load(kubernetes.networkpolicy(subject, Allowlist(())))
    assert re.fullmatch(r"agentpol-data-bot-[0-9a-f]{8}", doc["metadata"]["name"])
    assert "namespace" not in doc["metadata"]  # applied to the namespace kubectl is given


def test_names_that_are_made_safe_cannot_collide():
    """`a_b`, `A-B` and `a-b` are three agents of one namespace: three NetworkPolicies."""
    names = {objects.object_name(Subject(name=n, namespace="ns", selector=n, principal=n))
             for n in ("a_b", "A-B", "a-b", "_a-b")}
    assert len(names) == 4 and "agentpol-a-b" in names
    assert all(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", n) for n in names)


def test_squid_any_ipv4_address_is_two_halves():
    """squid refuses `dst 0.0.0.0/0` (it reads it as `all`, IPv6 too): the halves say IPv4."""
    from validators.squid import validate_squid_fragment
    text = squid.fragment(MCP, Allowlist((Dest("cidr", "0.0.0.0/0", 443),
                                          Dest("ip", "10.1.2.3", 443),
                                          Dest("cidr", "2001:db8::/32", 443))))
    assert "acl agentpol-mcp-jira_addresses_443 dst -n 0.0.0.0/1 128.0.0.0/1 2001:db8::/32\n" in text
    assert validate_squid_fragment(text) == []


def test_squid_drops_entries_a_wider_one_covers():
    dests = (Dest("wildcard", "*.x.com", 443), Dest("domain", "x.com", 443),
             Dest("domain", "a.x.com", 443), Dest("wildcard", "*.b.x.com", 443),
             Dest("domain", "ax.com", 443), Dest("domain", "x.com", 80),
             Dest("cidr", "10.0.0.0/8", 443), Dest("ip", "10.9.9.9", 443),
             Dest("ip", "192.0.2.1", 443))
    text = squid.fragment(MCP, Allowlist(dests))
    assert "acl agentpol-mcp-jira_domains_443 dstdomain -n .x.com ax.com\n" in text
    assert "acl agentpol-mcp-jira_domains_80 dstdomain -n x.com\n" in text  # other port, other acl
    assert "acl agentpol-mcp-jira_addresses_443 dst -n 10.0.0.0/8 192.0.2.1\n" in text
    assert text.endswith("http_access deny all\n")


def test_networkpolicy_lists_what_it_cannot_express():
    dests = (Dest("cidr", "10.0.0.0/8", 443), Dest("domain", "a.com", 443))
    np = kubernetes.networkpolicy(MCP, Allowlist(dests))
    assert "#   a.com:443  <- declared egress\n" in np
    assert yaml.safe_load(np)["metadata"]["annotations"]["agentpol/not-expressible"] == "a.com:443"


def test_networkpolicy_opens_the_egress_proxy_only_for_names():
    """Names reach the pods through their proxy (squid.conf): the policy opens it by label."""
    proxy_rule = {"to": [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "agentpol-proxy-mcp-jira"}}}],
        "ports": [{"protocol": "TCP", "port": 3128}]}
    named = yaml.safe_load(kubernetes.networkpolicy(MCP, UPSTREAM))
    assert proxy_rule in named["spec"]["egress"]
    assert named["metadata"]["annotations"]["agentpol/egress-proxy"] == \
        "app.kubernetes.io/name=agentpol-proxy-mcp-jira:3128"
    addresses = yaml.safe_load(kubernetes.networkpolicy(MCP, Allowlist((Dest("ip", "10.1.2.3", 443),))))
    assert proxy_rule not in addresses["spec"]["egress"]
    assert "agentpol/egress-proxy" not in addresses["metadata"]["annotations"]


def test_every_opened_destination_is_marked_with_what_needs_it():
    why = {Dest("domain", "api.github.com", 443): ("read github_repo.web",),
           Dest("ip", "10.1.2.3", 5432): ("egress host.db",)}
    allowed = Allowlist(why, why)
    for text in (kubernetes.networkpolicy(MCP, allowed), cilium.policy(MCP, allowed),
                 squid.fragment(MCP, allowed)):
        assert "#   api.github.com:443  <- read github_repo.web\n" in text
        assert "#   10.1.2.3:5432  <- egress host.db\n" in text
    for text in (kubernetes.networkpolicy(MCP, allowed), cilium.policy(MCP, allowed)):
        assert "#   kube-system/kube-dns:53 (UDP, TCP)  <- DNS" in text

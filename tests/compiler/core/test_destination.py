"""The one destination type and its one parser: kinds, normalisation, ports, within/meets, and
resolve storing parsed endpoints and upstreams on instances."""
from __future__ import annotations

import pytest

from helpers import model_from

from agentpol.model import Destination

PARSED = [
    ("api.example.com:443", Destination("domain", "api.example.com", 443)),
    ("API.Example.COM:443", Destination("domain", "api.example.com", 443)),
    ("*.example.com:8443", Destination("wildcard", "*.example.com", 8443)),
    ("10.1.2.3:5432", Destination("ip", "10.1.2.3", 5432)),
    ("[2001:0db8::0001]:443", Destination("ip", "2001:db8::1", 443)),
    ("[::1]:443", Destination("ip", "::1", 443)),
    ("10.0.0.0/8:443", Destination("cidr", "10.0.0.0/8", 443)),
]
REJECTED = ["api.example.com", "api.example.com:0", "api.example.com:65536", "a_b.com:443",
            "10.0.0.1/8:443", "*.:443", "*.-x.com:443", ":443"]


@pytest.mark.parametrize("text, want", PARSED)
def test_parse(text, want):
    assert Destination.parse(text) == want


@pytest.mark.parametrize("text", REJECTED)
def test_rejected(text):
    assert isinstance(Destination.parse(text), str)


def test_text_forms():
    assert str(Destination("ip", "2001:db8::1", 443)) == "[2001:db8::1]:443"
    assert Destination("ip", "2001:db8::1", 443).address == "2001:db8::1:443"
    assert str(Destination.parse("10.30.0.0/16", with_port=False)) == "10.30.0.0/16"
    assert Destination("ip", "10.1.2.3", 22).network == "10.1.2.3/32"


def test_within_and_meets_ignore_ports():
    a = Destination.parse("db.prod.acme.internal:5432")
    zone = Destination.parse("*.prod.acme.internal", with_port=False)
    assert isinstance(a, Destination) and isinstance(zone, Destination)
    assert a.within(zone) and a.meets(zone) and not zone.within(a)
    assert a.specificity > zone.specificity


def test_resolve_stores_endpoints_and_upstreams():
    """An mcp_server's upstream may be an IPv6 address in brackets, like any destination."""
    m = model_from('resource mcp_server jira { url = "https://jira.{env}.acme.internal",\n'
                   '  upstream = ["acme.atlassian.net:443", "[2001:db8::5]:8443"] }\n'
                   'resource host db { address = "DB.{env}.acme.internal:5432" }\n'
                   'resource api oa { provider = openai, key_name = "k-{env}" }\n'
                   'agent a { owner = "o"\n in staging { allow connect on host.db\n'
                   '  allow call on mcp_server.jira\n allow call on api.oa } }')
    jira = m.instances["mcp_server.jira@staging"]
    assert jira.endpoint == Destination("domain", "jira.staging.acme.internal", 443)
    assert jira.upstreams == (Destination("domain", "acme.atlassian.net", 443),
                              Destination("ip", "2001:db8::5", 8443))
    assert m.instances["host.db@staging"].endpoint == \
        Destination("domain", "db.staging.acme.internal", 5432)
    assert m.instances["api.oa@staging"].endpoint == Destination("domain", "api.openai.com", 443)
    assert {e.dest for e in m.principals["a@staging"].egress} == {
        jira.endpoint, m.instances["host.db@staging"].endpoint,
        m.instances["api.oa@staging"].endpoint}

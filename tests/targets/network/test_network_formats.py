"""The sandbox formats on their own (sandbox-runtime, Claude Code): what each leaves out and
says so, the deny lists, and reuse for pods that are not an agent's. The cluster formats are
tested with their builders (tests/targets/_netpolicy/test_netpolicy.py)."""
from __future__ import annotations

import json

from agentpol.targets._netpolicy.destinations import Allowlist, Dest, Subject
from agentpol.targets.network import claude, sandbox
from agentpol.targets.network.denied import Denied

MCP = Subject(name="mcp-jira", namespace="agents-prod", selector="jira",
              principal="mcp_server.jira@prod")
UPSTREAM = Allowlist((Dest("domain", "acme.atlassian.net", 443),))


def test_builders_serve_other_pods():
    srt = json.loads(sandbox.settings(MCP, UPSTREAM, Denied({})))
    assert srt["network"]["allowedDomains"] == ["acme.atlassian.net:443"]
    note = json.loads(claude.settings(MCP, UPSTREAM, Denied({})))["//"]
    assert "mcp_server.jira@prod" in note["generated"]


def test_json_notes_list_what_cannot_be_expressed():
    dests = (Dest("cidr", "10.0.0.0/8", 443), Dest("ip", "10.1.2.3", 22),
             Dest("domain", "a.com", 443))
    srt = json.loads(sandbox.settings(MCP, Allowlist(dests), Denied({})))
    assert srt["//"]["not_expressible"] == ["10.0.0.0/8:443"]
    assert srt["network"]["allowedDomains"] == ["10.1.2.3:22", "a.com:443"]
    settings = json.loads(claude.settings(MCP, Allowlist(dests), Denied({})))
    assert settings["//"]["not_expressible"] == ["10.0.0.0/8:443", "10.1.2.3:22"]
    assert "any port" in settings["//"]["ports"]


def test_denied_reasons_name_the_owner():
    denied = Denied({"*.prod.x": "prod", "10.30.0.0/16": "prod"})
    srt = json.loads(sandbox.settings(MCP, Allowlist(()), denied))
    assert srt["network"]["deniedDomains"] == ["*.prod.x"]
    assert "prod" in srt["network"]["deniedDomainReasons"]["*.prod.x"]
    assert srt["network"]["deniedResolvedAddresses"] == ["10.30.0.0/16"]

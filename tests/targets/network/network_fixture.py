"""A program that exercises every destination kind the network formats must handle."""

#: Wildcards (one covering a declared name and another wildcard, for squid's overlap rule),
#: odd ports, IPv4 and IPv6 addresses and ranges (one address inside a range), an instance
#: host with a per-env address, an mcp_server on a non-443 port, an api called but not
#: declared as egress, a principal with no egress and a shadow principal.
SOURCE = '''
resource host db { address = { staging = "10.20.5.10:5432", prod = "10.30.5.10:5432" } }
resource mcp_server tools { url = "http://tools.{env}.acme.internal:8080/mcp" }
resource api slack { provider = slack, host = "hooks.slack.com", key_name = "crawler-{env}" }

agent crawler {
  owner = "data-team@acme.com"
  service_account = "crawler-sa"
  in staging, prod {
    egress "*.example.com:443", "api.example.com:443", "*.a.example.com:443", "example.com:8443"
    egress "172.16.0.0/12:443", "172.16.5.5:443", "203.0.113.7:8080"
    egress "[2001:db8::1]:443", "2001:db8::/32:9443", host.db
    allow call on mcp_server.tools
    allow call on api.slack
  }
}

agent idle {
  owner = "data-team@acme.com"
  in staging { allow write on log_group.audit }
}

agent dreamer {
  owner = "data-team@acme.com"
  in staging {
    mode shadow
    egress "shadow.example.org:443"
  }
}
'''

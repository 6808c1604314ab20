"""Egress allowlists for one set of pods, in the formats a cluster enforces: a Kubernetes
NetworkPolicy (`kubernetes`), a CiliumNetworkPolicy (`cilium`) and a squid access policy
(`squid`), built from `destinations.Subject` and `destinations.Dest`.

Here rather than in a target because two targets build them and a target may not import
another: `network` for agents' pods, `audit` for MCP servers' own pods (their upstreams).
The builders know no Principal or Model, only whose pods and which destinations.
"""

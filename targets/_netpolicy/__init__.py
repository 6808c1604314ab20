"""Egress allowlists for one set of pods, in the formats a cluster enforces: a Kubernetes
NetworkPolicy (`kubernetes`), a CiliumNetworkPolicy (`cilium`) and a squid access policy
(`squid`), built from `destinations.Subject` and `destinations.Dest`.

Private to the targets: two targets build these files (`network` for agents' pods, `audit`
for MCP servers' own pods) and a target may not import another, so the builders live here and
know no Principal or Model, only whose pods and which destinations. `objects` holds what they
share: one rule for object names, one way to write the header every file opens with.
"""

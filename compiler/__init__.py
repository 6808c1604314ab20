"""agentpol: a policy-as-code permission compiler for AI agents."""

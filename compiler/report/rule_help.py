"""What code scanning shows for each rule: a help text (what it means, how to fix it) and a
`security-severity` (GitHub's 0.0-10.0 scale: 9.0+ critical, 7.0+ high, 4.0+ medium, else low).
"""
from __future__ import annotations

from typing import Mapping

#: rule id -> (security-severity, help text)
HELP: Mapping[str, tuple[str, str]] = {
    "cross-env-credential": ("9.8", "An agent (or the host it runs on) of one environment can "
                             "reach a credential of a protected environment: the witness path "
                             "shows how. Remove the grant of the path's first hop, or scope it "
                             "to the agent's own environment."),
    "cross-env-access": ("8.5", "A principal of another environment reaches a protected "
                         "environment's resource (table, bucket, queue, host, network). Grant "
                         "the agent its own environment's instance instead."),
    "shared-identity": ("7.5", "Two environments' instances of a resource resolve to the same "
                        "provider identity, so staging and production share it. Give each "
                        "environment its own name (templates such as `{env}`), or declare "
                        "`shared = true` if the sharing is intended."),
    "shared-credential": ("9.0", "One credential is used by a protected environment and by "
                          "another environment. Issue one credential per environment."),
    "privilege-escalation": ("9.0", "The grant lets the principal widen its own rights "
                             "(PassRole, CreatePolicyVersion, PutRolePolicy, CreateAccessKey, "
                             "...). Remove the action, or move the task to a reviewed pipeline."),
    "wildcard-resource": ("6.5", "A raw grant covers more than one resource type. Name the "
                          "resource (a declared resource, or a narrower ARN)."),
    "unbounded-spend": ("6.0", "The agent can call a paid API without a budget. Add `budget "
                        "api.NAME N usd per day` or `budget total`."),
    "missing-owner": ("3.0", "Every agent needs an `owner` to page when it misbehaves."),
    "missing-audit": ("7.0", "A protected environment needs `audit_log`, so every action of its "
                      "agents is recorded."),
    "quota": ("4.0", "A compiled artifact exceeds its provider's size or count limit even after "
              "splitting; the deploy would fail. Narrow the grants or split the agent."),
    "unknown-action": ("4.0", "A raw permission the provider does not have (a typo, or a "
                       "retired action). Use the name the hint suggests."),
    "audit-tamper": ("9.5", "The agent can stop, delete, shorten or rewrite its environment's "
                     "record, or re-point a tool server. Remove the grant."),
    "test-failed": ("5.0", "An `expect` in a `test` block does not hold: the policy no longer "
                    "says what its authors pinned down."),
    "lock-tamper": ("8.0", "A lock entry opens its review window early: dated before the commit "
                    "that added it, dated in the future, for a grant that does not exist, or "
                    "adopted though it was not live. Run `agentpol lock` and commit the lock "
                    "the day you write it."),
    "unused": ("1.0", "A resource or profile nobody uses. Remove it, or use it."),
    "unenforced-approval": ("5.0", "An approval on a call no gateway sees: the grant is live "
                            "without an approval. Route the call through the gateway or drop "
                            "the grant."),
    "missing-vault-address": ("3.0", "A Vault grant in an environment without `vault_address`: "
                              "the allowlists cannot open Vault, so applied as written they cut "
                              "the agent off from the secrets it is granted. Set the env's "
                              "`vault_address = \"host:port\"`."),
    "kill-bypass": ("8.5", "A principal stopped by `agentpol kill` can still act through a path "
                    "the kill cannot close (a credential it could read, another role's "
                    "session, a shared service account, the host's runtime role). Rotate the "
                    "credential, kill the other principal too, or give each agent its own "
                    "identity."),
    "env-bridge": ("6.0", "An imported principal of a non-protected environment's account "
                   "reaches a protected environment's credential; no agent reaches it today."),
}

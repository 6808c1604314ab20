"""`aws/E/*`: the cloud-session stop for the agent roles of the killed principals.

- `aws/E/A/revoke-older-sessions.json`: the inline policy AWS's own "Revoke active sessions"
  attaches (`AWSRevokeOlderSessions`): deny every action to sessions whose token was issued
  before the kill (`aws:TokenIssueTime`). Credentials already handed out stop working at once,
  whatever their expiry.
- `aws/E/A/trust-policy.json`: a trust policy that admits no one, so no new session starts
  (MaxSessionDuration cannot go below an hour, so shortening it would stop nothing).
- `aws/E/kill.tf.json`: the revocation policies as a Terraform module (`aws_iam_role_policy`
  on each role by name), for teams that apply IAM only through Terraform. The trust change is
  applied with the AWS CLI (README.md): the role itself belongs to the compiled module.
"""
from __future__ import annotations


from agentpol.catalogue.aws_roles import role_name
from agentpol.model import Model, Principal
from agentpol.targets.aws.policy import VERSION, render
from agentpol.targets.aws.terraform import PROVIDER, policy_text
from agentpol.serialise import dumps

#: The name AWS's console gives the policy it attaches to revoke a role's sessions.
REVOKE_POLICY = "AWSRevokeOlderSessions"
REVOKE_FILE, TRUST_FILE, TERRAFORM_FILE = ("revoke-older-sessions.json", "trust-policy.json",
                                           "kill.tf.json")


def revoke_policy(issued_before: str) -> dict:
    return {"Version": VERSION, "Statement": [{
        "Sid": "AgentpolKillRevokeOlderSessions",
        "Effect": "Deny",
        "Action": ["*"],
        "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": issued_before}},
    }]}


def closed_trust() -> dict:
    """No principal may assume the role (an explicit deny also beats any allow added later)."""
    return {"Version": VERSION, "Statement": [{
        "Sid": "AgentpolKillNoNewSessions",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }]}


def roles(model: Model, principals: list[Principal]) -> list[Principal]:
    """The killed principals that have an agent role (any AWS grant, live or not)."""
    return [p for p in principals if model.has_role(p)
            and model.environments[p.env].aws_account]


def files(model: Model, env: str, principals: list[Principal], stamp: str) -> dict[str, str]:
    with_role = roles(model, principals)
    if not with_role:
        return {}
    revoke = revoke_policy(stamp)
    out, resources = {}, {}
    for p in with_role:
        base = f"aws/{env}/{p.agent}/"
        out[base + REVOKE_FILE] = render(revoke)
        out[base + TRUST_FILE] = render(closed_trust())
        resources[f"{p.agent}_revoke_older_sessions"] = {
            "name": REVOKE_POLICY, "role": role_name(p.agent), "policy": policy_text(revoke)}
    account = model.environments[env].aws_account
    module = {
        "//": f"agentpol kill for environment {env} (account {account}): revokes the agent "
              f"roles' sessions issued before {stamp}; generated, do not edit.",
        "terraform": {"required_providers": PROVIDER},
        "resource": {"aws_iam_role_policy": resources},
    }
    out[f"aws/{env}/{TERRAFORM_FILE}"] = dumps(module) + "\n"
    return out

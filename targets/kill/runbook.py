"""`README.md` of a kill: the runbook, layer by layer in the order to apply them (gateway,
network, cloud sessions, tokens), with how to check that each layer stopped and how to undo it.
Written from the files the kill produced, so it names exactly what is there."""
from __future__ import annotations

from typing import Mapping

from agentpol.model import Model, Principal

from .aws import REVOKE_FILE, REVOKE_POLICY, TERRAFORM_FILE, TRUST_FILE
from .cedar import FILE as CEDAR_FILE


def _listing(files: Mapping[str, str], prefix: str) -> list[str]:
    return [f"- `{path}`" for path in files if path.startswith(prefix)] or ["- (none)"]


def render(model: Model, who: str, env: str, principals: list[Principal], stamp: str,
           files: Mapping[str, str]) -> str:
    ns = model.environments[env].k8s_namespace or "NAMESPACE"
    agents = ", ".join(p.key for p in principals) or "(no agent)"
    out = [
        f"# agentpol kill: {who}",
        "",
        f"Stops {agents} at every layer, without the agent's cooperation. Sessions issued "
        f"before **{stamp}** are revoked. Apply the layers in this order; each one alone already "
        "cuts the agent off from what it guards, and later layers close what an agent that got "
        "around an earlier one still holds.",
        "",
        "## 1. Gateway (Cedar)",
        "", *_listing(files, "cedar/"), "",
        f"Add `cedar/{env}/{CEDAR_FILE}` to the gateway's policy store beside `policies.cedar` "
        "(a forbid beats every permit; no recompile needed).",
        "- Verify: `agentpol authorize COMPILED_OUT --principal AGENT@ENV --action ACCESS "
        "--resource TYPE.NAME` with this file added answers `deny`; the gateway's decision log "
        "shows `Deny` for the agent's calls.",
        "- Undo: remove the file from the policy store.",
        "",
        "## 2. Network",
        "", *_listing(files, "network/"), "",
        f"`kubectl apply -n {ns} -f network/{env}/AGENT/networkpolicy.yaml` (and `cilium.yaml` "
        "where Cilium runs): each object has the name of the agent's allowlist and replaces it. "
        "Load `squid.conf` as the access policy of the agent's egress proxy and reload squid "
        "(`squid -k reconfigure`); give sandboxed agents `sandbox-runtime.json` / "
        "`claude-settings.json` (no allowed domain).",
        f"- Verify: `kubectl get networkpolicy,ciliumnetworkpolicy -n {ns}` shows the objects "
        "with an empty egress / an `egressDeny`; a connection from the agent's pod times out.",
        "- Undo: apply the compiled allowlists again (`COMPILED_OUT/network/ENV/AGENT/`).",
        "",
        "## 3. Cloud sessions (AWS)",
        "", *_listing(files, "aws/"), "",
        f"For each agent role: `aws iam put-role-policy --role-name agentpol-AGENT "
        f"--policy-name {REVOKE_POLICY} --policy-document file://aws/{env}/AGENT/{REVOKE_FILE}` "
        f"(or apply `aws/{env}/{TERRAFORM_FILE}` as a module), then stop new sessions: "
        f"`aws iam update-assume-role-policy --role-name agentpol-AGENT --policy-document "
        f"file://aws/{env}/AGENT/{TRUST_FILE}`.",
        "- Verify: a call with credentials issued before the kill is `AccessDenied` with an "
        f"explicit deny by `{REVOKE_POLICY}`; `aws sts assume-role` on the role is refused.",
        f"- Undo: `aws iam delete-role-policy --role-name agentpol-AGENT --policy-name "
        f"{REVOKE_POLICY}`, then `terraform apply` of the compiled module (it restores the "
        "trust policy). Until then the role stays closed: the next apply of the compiled "
        "module reopens it, so keep the kill out of the way of routine applies.",
        "",
        "## 4. Tokens (Vault, GitHub)",
        "", *_listing(files, "tokens/"), "",
        "Send the requests each file lists, in order (`vault-revoke.json`: revoke every token "
        "of the agent's token role and their leases, then delete the role; "
        "`github-revoke.json`: the runner revokes the installation tokens it holds, else "
        "suspend the installation).",
        "- Verify: `vault list auth/token/accessors` holds none of the role's tokens and "
        "`vault read auth/token/roles/ROLE` is not found; a GitHub call with an old token "
        "answers 401.",
        "- Undo: each file's `undo`.",
        "",
        "## What a kill cannot take back",
        "",
        "Credentials the agent could read (secrets, keys, other roles' sessions obtained by "
        "chaining) may have been copied. `agentpol check POLICY_DIR --killed THIS_DIR` lists "
        "every such path that would still let the principal act; rotate each.",
        "",
        "`kill.json` records what was stopped and when.",
        "",
    ]
    return "\n".join(out)

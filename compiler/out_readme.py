"""`OUT/README.md`: which file goes to which tool, in which order, and what each can express.

Written by every compile, from the files that compile actually wrote: each kind of file present
(its path with the env and agent abstracted, `aws/E/A/trust-policy.json`) is listed once under
its target with how many there are, the tool that applies it, and what it can and cannot
express. A file kind this table does not know is listed as such (a test keeps the table
complete for every kind the targets write).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping


@dataclass(frozen=True)
class Kind:
    what: str
    apply: str
    can: str = ""
    cannot: str = ""


_NETWORK_CANNOT = ("domain names, which go through squid.conf (the egress proxy this policy "
                   "opens) or cilium.yaml")

#: file kind -> what it is. Keys are paths with env `E`, agent (or `mcp-NAME`) `A`, and a
#: split index `-N` removed (`identity-policy-2.json` is an `identity-policy.json`).
KINDS: Mapping[str, Kind] = {
    "aws/E/main.tf.json": Kind(
        "Terraform module: E's agent roles, identity policies (managed, attached) and boundary",
        "Terraform, from a root module of your own that configures the provider "
        "(`allowed_account_ids`) and backend and calls `module \"agentpol_E\" { source = "
        "\"./OUT/aws/E\" }`; state lives in your root, never here",
        "roles, their trust, session cap, policies and boundary; outputs `account_id`, "
        "`role_arns`",
        "the runtime's own permission to assume `agentpol-*` roles (yours to grant)"),
    "aws/E/A/trust-policy.json": Kind(
        "who may assume the agent's role (review copy; main.tf.json embeds it)", "nothing: read it"),
    "aws/E/A/identity-policy.json": Kind(
        "the role's permissions, split by size into -2, -3, ... (review copy; main.tf.json "
        "embeds it)", "nothing: read it"),
    "aws/E/A/permissions-boundary.json": Kind(
        "E's boundary, the ceiling of every agent role (review copy; main.tf.json embeds it)",
        "nothing: read it"),
    "cedar/E/schema.cedarschema.json": Kind(
        "the gateway's Cedar schema", "your gateway's policy store, with policies.cedar and "
        "entities.json"),
    "cedar/E/policies.cedar": Kind(
        "what each agent may call through the gateway: budgets, rates, approvals, shadow mode",
        "your gateway's policy store", "tool and paid-API calls (api, mcp_server, host)",
        "anything that does not pass the gateway (AWS, GitHub, Vault: see their files)"),
    "cedar/E/entities.json": Kind("the env's agents and gateway resources (Cedar entities)",
                                  "your gateway's entity store"),
    "cedar/E/shadow.cedar": Kind(
        "the shadow permits of policies.cedar, alone: what goes live when review ends",
        "nothing: read it (never load it beside policies.cedar)"),
    "cedar/E/killswitch.cedar": Kind(
        "forbids that stop one agent, the env, or everything",
        "add one to the gateway's policy store in an emergency; no recompile needed"),
    "network/E/A/networkpolicy.yaml": Kind(
        "Kubernetes NetworkPolicy for the agent's pods", "`kubectl apply -f`",
        "addresses and ranges with ports, DNS to kube-dns, the agent's egress proxy",
        _NETWORK_CANNOT),
    "network/E/A/cilium.yaml": Kind(
        "CiliumNetworkPolicy for the agent's pods", "`kubectl apply -f` on a Cilium cluster",
        "every destination: names (FQDN rules, DNS through Cilium's proxy), addresses, ports",
        "in-cluster services reached by name"),
    "network/E/A/squid.conf": Kind(
        "the whole access policy of the agent's own egress proxy", "include it in that squid "
        "after `http_port 3128`; run it as pods labelled `app.kubernetes.io/name: "
        "agentpol-proxy-A`", "names, `*.name`, addresses and ranges, with ports",
        "which pod asks (one proxy per agent); anything but HTTP(S) through the proxy"),
    "network/E/A/sandbox-runtime.json": Kind(
        "settings for the sandbox runtime that runs the agent", "`srt --settings FILE`",
        "names, `*.name`, addresses, with ports", "address ranges"),
    "network/E/A/claude-settings.json": Kind(
        "Claude Code settings (sandbox and WebFetch) for an agent run by Claude Code",
        "`claude --settings FILE`, or as managed settings", "names and `*.name`",
        "ports and addresses"),
    "tokens/E/index.json": Kind("every credential the env's agents hold, with lifetime and scope",
                                "nothing: read it"),
    "tokens/E/A/github-token.json": Kind(
        "a GitHub App installation-token request, one per permission set (-2, ...)",
        "the runtime POSTs it to `/app/installations/ID/access_tokens` for each run",
        "repositories and permissions", "a lifetime (GitHub's is 1h: revoke at run end)"),
    "tokens/E/A/vault-policy.hcl": Kind("the agent's Vault ACL policy",
                                        "`vault policy write NAME FILE`"),
    "tokens/E/A/vault-token-role.json": Kind(
        "the Vault token role that issues the agent's tokens with its TTLs",
        "`vault write auth/token/roles/NAME @FILE`"),
    "tokens/E/A/sts-session-policy.json": Kind(
        "the session policy and duration for the agent's AssumeRole",
        "the runtime passes it to `sts:AssumeRole` (`Policy`, `DurationSeconds`)"),
    "tokens/E/A/openai-project.json": Kind(
        "the OpenAI project holding the agent's keys, with spend and rate limits",
        "create it with OpenAI's admin API or console"),
    "tokens/E/A/anthropic-workspace.json": Kind(
        "the Anthropic workspace holding the agent's keys, with spend limits",
        "create it with Anthropic's admin API or console"),
    "tokens/E/A/stripe-restricted-key.md": Kind(
        "the restricted Stripe key to create by hand (Stripe has no API for it)",
        "follow it in the Stripe dashboard"),
    "audit/E/cloudtrail-event-selectors.json": Kind(
        "CloudTrail data events on every resource an agent of E can touch",
        "`aws cloudtrail put-event-selectors --trail-name T --cli-input-json file://FILE`"),
    "audit/E/github-rulesets.json": Kind(
        "per writable repository: no force push, no deletion, no bypass",
        "POST each to `/repos/OWNER/REPO/rulesets`"),
    "audit/E/vault-audit.json": Kind("the audit device E's Vault must have enabled",
                                     "`vault audit enable` with these options"),
    "audit/E/log-sink.json": Kind(
        "what keeps E's audit_log whole: the deny the roles carry, the retention floor",
        "set the retention with your own identity; the deny is already in main.tf.json"),
    "manifest.json": Kind("every file with its target, env, agent and sha256",
                          "nothing: tooling and review read it"),
    "permissions.txt": Kind("one line per effective grant, with the identity the provider sees",
                            "nothing: the file a reviewer reads"),
    "README.md": Kind("this file", "nothing"),
}

#: The order to apply targets in, and why.
ORDER = (
    ("audit", "first, so the record exists before any agent acts"),
    ("aws", "roles before anything hands out their credentials"),
    ("tokens", "Vault policies and roles, then the runtime requests tokens per run"),
    ("cedar", "the gateway's policy store"),
    ("network", "allowlists last: `kubectl apply` NetworkPolicy or Cilium, the proxies, the "
                "sandbox settings"),
)

_TITLES = {"aws": "AWS IAM", "cedar": "Cedar gateway", "network": "Network allowlists",
           "tokens": "Scoped tokens", "audit": "Audit"}


def kind_of(path: str) -> str:
    """`network/prod/support-bot/cilium.yaml` -> `network/E/A/cilium.yaml`; a shadow preview
    has the kind of the file it previews."""
    parts = path.split("/")
    if parts[0] == "shadow":
        parts = parts[1:]
    if len(parts) >= 3:
        parts[1] = "E"
    if len(parts) >= 4:
        parts[2] = "A"
    parts[-1] = _unnumbered(parts[-1])
    return "/".join(parts)


@lru_cache(maxsize=4096)
def _unnumbered(name: str) -> str:
    """`policy-2.json` -> `policy.json` (names repeat in every agent's directory)."""
    return re.sub(r"-\d+(\.[a-z.]+)$", r"\1", name)


def readme(paths: Iterable[str]) -> str:
    return readme_of(counted(paths))


def counted(paths: Iterable[str]) -> dict[str, int]:
    """How many files of each kind (`shadow/` counts its previews, whatever their kind): what
    the README says of a set of paths; counts of disjoint sets add up (`readme_of`)."""
    counts: dict[str, int] = {}
    for p in paths:
        kind = "shadow/" if p.startswith("shadow/") else kind_of(p)
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def readme_of(counted: Mapping[str, int]) -> str:
    """The README of an output whose files' kinds are `counted` (see `counted`)."""
    counts = {k: n for k, n in counted.items() if k != "shadow/"}
    counts.setdefault("README.md", 1)
    lines = ["# agentpol output", "",
             "Generated by `agentpol compile`; do not edit. Every file here is listed below by "
             "kind (`E` is an environment, `A` an agent or `mcp-NAME`), with the tool that "
             "applies it. Compiling again replaces this directory: keep Terraform state, "
             "proxies' configuration and anything else of yours outside it.", "",
             "## Order", ""]
    present = {k.split("/")[0] for k in counts if "/" in k}
    step = 0
    for target, why in ORDER:
        if target in present:
            step += 1
            lines.append(f"{step}. `{target}/`: {why}.")
    for target in [t for t, _ in ORDER if t in present] + sorted(
            present - {t for t, _ in ORDER}):
        lines += ["", f"## {_TITLES.get(target, target)} (`{target}/`)", ""]
        lines += _table(counts, (k for k in counts if k.startswith(target + "/")))
    lines += ["", "## Review files", ""]
    lines += _table(counts, (k for k in counts if "/" not in k))
    if counted.get("shadow/"):
        lines += ["", "## `shadow/`", "",
                  "What shadow-mode principals and grants pending review would get once live, "
                  "in the same layout. Never applied: reviewers read it."]
    return "\n".join(lines) + "\n"


def _table(counts: Mapping[str, int], kinds: Iterable[str]) -> list[str]:
    rows = ["| file (how many) | what | applied with | can express | cannot express |",
            "|---|---|---|---|---|"]
    for k in sorted(kinds):
        info = KINDS.get(k, Kind("not described here (an agentpol bug: please report it)", "?"))
        rows.append(f"| `{k}` ({counts[k]}) | {info.what} | {info.apply} | {info.can or '-'} | "
                    f"{info.cannot or '-'} |")
    return rows

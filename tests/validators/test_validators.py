"""Each validator accepts a known-good sample and rejects a known-bad one, so we know it bites."""

from __future__ import annotations

import json

import pytest

from validators import ValidatorUnavailable
from validators.botocore_cloudtrail import validate_put_event_selectors
from validators.cilium import validate_cilium_policy
from validators.claude_settings import validate_claude_settings
from validators.github_openapi import (
    installation_token_permissions,
    ruleset_rule_types,
    validate_github_ruleset,
    validate_github_token_request,
)
from validators.kubernetes import validate_networkpolicy
from validators.parliament_lint import (
    DESIGN_KINDS,
    design_findings,
    lint_iam_policy,
    validate_iam_policy,
)
from validators.sandbox_runtime import validate_sandbox_runtime
from validators.sarif import validate_sarif
from validators.squid import validate_squid_fragment


def _mentions(problems: list[str], *words: str) -> bool:
    return any(all(w in p for w in words) for p in problems)


# --- Kubernetes NetworkPolicy: kubernetes-validate --strict ------------------------------------

NETWORKPOLICY = """\
# destinations this format cannot express: api.github.com (domain name; see cilium.yaml)
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: agent-ci-bot
  namespace: staging
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ci-bot
  policyTypes: [Ingress, Egress]
  ingress: []
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
  - to:
    - ipBlock:
        cidr: 10.20.0.0/16
        except: [10.20.99.0/24]
    ports:
    - {protocol: TCP, port: 5432}
"""


def test_networkpolicy_good(tmp_path):
    path = tmp_path / "networkpolicy.yaml"
    path.write_text(NETWORKPOLICY)
    assert validate_networkpolicy(path) == []
    assert validate_networkpolicy(str(path)) == []


def test_networkpolicy_typo_field_rejected():
    bad = NETWORKPOLICY.replace("    ports:\n    - {protocol: TCP, port: 5432}", "    port:\n    - {protocol: TCP, port: 5432}")
    problems = validate_networkpolicy(bad)
    assert _mentions(problems, "kubernetes-validate --strict", "'port' was unexpected"), problems


def test_networkpolicy_apiserver_rules():
    bad = NETWORKPOLICY.replace("[Ingress, Egress]", "[Ingress, Egres]").replace("10.20.99.0/24", "10.30.0.0/24")
    problems = validate_networkpolicy(bad)
    assert _mentions(problems, "policyTypes", "Egres"), problems
    assert _mentions(problems, "except", "is not inside"), problems


def test_networkpolicy_wrong_kind_rejected():
    problems = validate_networkpolicy(NETWORKPOLICY.replace("kind: NetworkPolicy", "kind: NetworkPolicyz"))
    assert problems, problems


# --- CiliumNetworkPolicy: Cilium's CRD schema -------------------------------------------------

CILIUM = """\
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: agent-ci-bot
  namespace: staging
spec:
  endpointSelector:
    matchLabels:
      app.kubernetes.io/name: ci-bot
  egress:
  - toEndpoints:
    - matchLabels:
        k8s:io.kubernetes.pod.namespace: kube-system
        k8s:k8s-app: kube-dns
    toPorts:
    - ports:
      - {port: "53", protocol: ANY}
      rules:
        dns:
        - matchName: api.github.com
        - matchPattern: "*.githubusercontent.com"
  - toFQDNs:
    - matchName: api.github.com
    - matchPattern: "*.githubusercontent.com"
    toPorts:
    - ports:
      - {port: "443", protocol: TCP}
  - toCIDRSet:
    - cidr: 10.20.0.0/16
"""


def test_cilium_good():
    assert validate_cilium_policy(CILIUM) == []


def test_cilium_typo_rejected():
    problems = validate_cilium_policy(CILIUM.replace("  - toFQDNs:", "  - toFQDN:"))
    assert _mentions(problems, "toFQDN", "unexpected"), problems


def test_cilium_bad_cidr_and_protocol_rejected():
    problems = validate_cilium_policy(CILIUM.replace("10.20.0.0/16", "10.20.0.0/33").replace("protocol: TCP", "protocol: HTTP"))
    assert _mentions(problems, "cidr", "10.20.0.0/33"), problems
    assert _mentions(problems, "protocol", "HTTP"), problems


# --- squid.conf fragment: squid -k parse ------------------------------------------------------

SQUID_GOOD = """\
# agentpol: egress for ci-bot@staging
acl agentpol_ci_bot_staging_dst dstdomain .githubusercontent.com api.github.com
acl agentpol_ci_bot_staging_port port 443
http_access allow agentpol_ci_bot_staging_dst agentpol_ci_bot_staging_port
"""


def test_squid_good(tmp_path):
    path = tmp_path / "squid.conf"
    path.write_text(SQUID_GOOD)
    assert validate_squid_fragment(path) == []


def test_squid_overlapping_dstdomain_warning_rejected():
    # squid 5 only warns (exit 0) when the wider entry comes first
    problems = validate_squid_fragment("acl d dstdomain .x.com a.x.com\nhttp_access allow d\n")
    assert _mentions(problems, "a.x.com", "is a subdomain of", ".x.com"), problems


def test_squid_overlapping_dstdomain_error_rejected():
    # ... and fails (exit 1) when it comes second
    problems = validate_squid_fragment("acl d dstdomain a.x.com\nacl d dstdomain .x.com\nhttp_access allow d\n")
    assert _mentions(problems, "exited with status"), problems
    assert _mentions(problems, "is a subdomain of"), problems


def test_squid_syntax_error_rejected(tmp_path):
    path = tmp_path / "squid.conf"
    path.write_text("acl d dstdomainz x.com\nhttp_access allow d\n")
    problems = validate_squid_fragment(path)
    assert _mentions(problems, "dstdomainz"), problems
    assert _mentions(problems, str(path)), problems  # messages name the fragment, not the temp copy


def test_squid_missing_binary_fails_loudly(monkeypatch):
    import validators.squid

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(validators.squid, "DEBIAN_PATH", "/nonexistent/squid")
    with pytest.raises(ValidatorUnavailable, match="apt-get install -y squid"):
        validate_squid_fragment(SQUID_GOOD)


# --- sandbox-runtime settings: SandboxRuntimeConfigSchema (npm) -------------------------------

SANDBOX_GOOD = {
    "network": {
        "allowedDomains": ["api.github.com", "*.githubusercontent.com"],
        "deniedDomains": [],
        "strictAllowlist": True,
    },
    "filesystem": {"denyRead": ["~/.ssh", "~/.aws"], "allowWrite": ["."], "denyWrite": [".env"]},
}


def test_sandbox_runtime_good(tmp_path):
    path = tmp_path / "sandbox-runtime.json"
    path.write_text(json.dumps(SANDBOX_GOOD))
    assert validate_sandbox_runtime(path) == []
    assert validate_sandbox_runtime(SANDBOX_GOOD) == []


def test_sandbox_runtime_wrong_type_rejected():
    bad = json.loads(json.dumps(SANDBOX_GOOD))
    bad["network"]["allowedDomains"] = "api.github.com"
    problems = validate_sandbox_runtime(bad)
    assert _mentions(problems, "/network/allowedDomains", "Expected array"), problems


def test_sandbox_runtime_broad_wildcard_rejected():
    bad = json.loads(json.dumps(SANDBOX_GOOD))
    bad["network"]["allowedDomains"] = ["*.com"]
    assert _mentions(validate_sandbox_runtime(bad), "/network/allowedDomains/0"), bad


def test_sandbox_runtime_unknown_key_rejected():
    bad = json.loads(json.dumps(SANDBOX_GOOD))
    bad["network"]["strictAllowList"] = bad["network"].pop("strictAllowlist")
    problems = validate_sandbox_runtime(bad)
    assert _mentions(problems, "strictAllowList", "unknown key"), problems


# --- Claude Code settings: SchemaStore schema -------------------------------------------------

CLAUDE_GOOD = {
    "permissions": {
        "allow": ["Bash(npm run test:*)", "WebFetch(domain:api.github.com)"],
        "deny": ["Read(./.env)", "Read(~/.aws/**)"],
        "defaultMode": "default",
    },
    "sandbox": {
        "enabled": True,
        "allowUnsandboxedCommands": False,
        "network": {"allowedDomains": ["api.github.com"]},
    },
}


def test_claude_settings_good():
    assert validate_claude_settings(json.dumps(CLAUDE_GOOD)) == []


def test_claude_settings_wrong_type_rejected():
    bad = json.loads(json.dumps(CLAUDE_GOOD))
    bad["sandbox"]["enabled"] = "yes"
    bad["sandbox"]["network"]["allowedDomainz"] = ["x.com"]
    problems = validate_claude_settings(bad)
    assert _mentions(problems, "/sandbox/enabled"), problems
    assert _mentions(problems, "allowedDomainz"), problems


# --- GitHub: installation token request and ruleset against @octokit/openapi ------------------

TOKEN_GOOD = {"repositories": ["deploy-scripts", "web"], "permissions": {"contents": "read", "pull_requests": "write", "metadata": "read"}}


def test_github_token_request_good():
    assert validate_github_token_request(TOKEN_GOOD) == []


def test_github_token_request_unknown_permission_rejected():
    bad = {"repositories": ["web"], "permissions": {"contentz": "read"}}
    assert _mentions(validate_github_token_request(bad), "contentz"), bad


def test_github_token_request_bad_level_and_owner_rejected():
    bad = {"repositories": ["acme/web"], "permissions": {"contents": "admin"}}
    problems = validate_github_token_request(bad)
    assert _mentions(problems, "/permissions/contents", "admin"), problems
    assert _mentions(problems, "acme/web", "owner/name"), problems


def test_github_token_request_misspelt_key_rejected():
    # a misspelt "permissions" would give the token every permission of the installation
    assert _mentions(validate_github_token_request({"permisions": {"contents": "read"}}), "permisions")


def test_github_permission_catalogue():
    perms = installation_token_permissions()
    assert perms["contents"] == ("read", "write")
    assert perms["workflows"] == ("write",)
    assert "contentz" not in perms
    assert all(levels and set(levels) <= {"read", "write", "admin"} for levels in perms.values())


RULESET_GOOD = {
    "name": "agentpol: protect default branch",
    "target": "branch",
    "enforcement": "active",
    "bypass_actors": [],
    "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
    "rules": [{"type": "non_fast_forward"}, {"type": "deletion"}],
}


def test_github_ruleset_good():
    assert validate_github_ruleset(RULESET_GOOD) == []
    assert validate_github_ruleset(json.dumps([RULESET_GOOD, RULESET_GOOD])) == []


def test_github_ruleset_unknown_rule_type_rejected():
    bad = json.loads(json.dumps(RULESET_GOOD))
    bad["rules"].append({"type": "no_force_push"})
    problems = validate_github_ruleset(bad)
    assert _mentions(problems, "/rules/2"), problems


def test_github_ruleset_missing_enforcement_rejected():
    bad = {k: v for k, v in RULESET_GOOD.items() if k != "enforcement"}
    assert _mentions(validate_github_ruleset(bad), "enforcement")


def test_github_rule_types():
    types = ruleset_rule_types()
    assert "non_fast_forward" in types and "deletion" in types and "no_force_push" not in types


# --- IAM: parliament ----------------------------------------------------------------------------

IAM_GOOD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadArtifacts", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::acme-staging-artifacts/*"]},
        {"Sid": "ListArtifacts", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::acme-staging-artifacts"]},
        {"Sid": "WhoAmI", "Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": "*"},
        {"Sid": "DenyOtherAccounts", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:ResourceAccount": ["111122223333"]}}},
    ],
}


def test_parliament_good():
    assert validate_iam_policy(json.dumps(IAM_GOOD)) == []


def test_parliament_unknown_action_rejected():
    bad = json.loads(json.dumps(IAM_GOOD))
    bad["Statement"][0]["Action"] = ["s3:GetObjectz"]
    problems = validate_iam_policy(bad)
    assert _mentions(problems, "UNKNOWN_ACTION", "s3:GetObjectz"), problems


def test_parliament_resource_mismatch_and_needless_star_rejected():
    bad = json.loads(json.dumps(IAM_GOOD))
    bad["Statement"][0]["Resource"] = ["arn:aws:s3:::acme-staging-artifacts"]  # bucket ARN for an object action
    bad["Statement"][1]["Resource"] = "*"
    problems = validate_iam_policy(bad)
    assert _mentions(problems, "RESOURCE_MISMATCH", "s3:GetObject"), problems
    assert _mentions(problems, "RESOURCE_STAR", "s3:ListBucket"), problems


def test_parliament_filter():
    findings = lint_iam_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"kms:ResourceAliases": "alias/x"}}},
    ]})
    kinds = {f.issue for f in findings}
    assert {"RESOURCE_STAR", "UNKNOWN_CONDITION_FOR_ACTION"} <= kinds, findings
    assert {f.issue for f in design_findings(findings, DESIGN_KINDS)} == {"RESOURCE_STAR"}


# --- SARIF 2.1.0 ------------------------------------------------------------------------------

SARIF_GOOD = {
    "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
    "version": "2.1.0",
    "runs": [{
        "tool": {"driver": {"name": "agentpol", "version": "0.1.0", "rules": [{"id": "cross-env-credential"}]}},
        "results": [{
            "ruleId": "cross-env-credential",
            "level": "error",
            "message": {"text": "ci-bot@staging can reach prod/db-password"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "policies/org.agentpol"},
                "region": {"startLine": 12, "startColumn": 3},
            }}],
        }],
    }],
}


def test_sarif_good():
    assert validate_sarif(SARIF_GOOD) == []


def test_sarif_bad_rejected():
    bad = json.loads(json.dumps(SARIF_GOOD))
    bad["runs"][0]["results"][0]["level"] = "fatal"
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    problems = validate_sarif(bad)
    assert _mentions(problems, "/level", "fatal"), problems
    assert _mentions(problems, "startLine"), problems


# --- CloudTrail PutEventSelectors: botocore ParamValidator ------------------------------------

SELECTORS_GOOD = {
    "AdvancedEventSelectors": [{
        "Name": "agentpol staging: S3 objects agents can touch",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::acme-staging-artifacts/"]},
        ],
    }],
}


def test_cloudtrail_good():
    assert validate_put_event_selectors(SELECTORS_GOOD) == []
    assert validate_put_event_selectors(dict(SELECTORS_GOOD, TrailName="agents-staging")) == []


def test_cloudtrail_bad_rejected():
    bad = json.loads(json.dumps(SELECTORS_GOOD))
    bad["AdvancedEventSelectors"][0]["FieldSelectors"][0]["Equalz"] = bad["AdvancedEventSelectors"][0]["FieldSelectors"][0].pop("Equals")
    bad["AdvancedEventSelectors"].append({"Name": "empty", "FieldSelectors": []})
    problems = validate_put_event_selectors(bad)
    assert _mentions(problems, "Unknown parameter", "Equalz"), problems
    assert _mentions(problems, "FieldSelectors", "min length"), problems


def test_cloudtrail_exclusive_selectors_rejected():
    bad = dict(SELECTORS_GOOD, EventSelectors=[{"ReadWriteType": "All"}])
    assert _mentions(validate_put_event_selectors(bad), "cannot be used together")

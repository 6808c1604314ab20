"""The network target's files: golden copies, parseable, deterministic, deny by default."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agentpol.artifacts import build
from agentpol.targets import TARGETS
from agentpol.targets.network import emit
from helpers import model_from
from network_fixture import SOURCE

GOLDEN = Path(__file__).parent / "golden"
FORMATS = ("networkpolicy.yaml", "cilium.yaml", "squid.conf", "sandbox-runtime.json",
           "claude-settings.json")


@pytest.fixture(scope="module")
def fixture_model():
    return model_from(SOURCE)


@pytest.fixture(scope="module", params=["acme", "fixture"])
def files(request, acme_model, fixture_model):
    return emit(acme_model if request.param == "acme" else fixture_model)


def test_registered():
    assert TARGETS["network"] is emit


def test_acme_golden(acme_model, golden):
    golden(GOLDEN / "acme", emit(acme_model))


def test_fixture_golden(fixture_model, golden):
    golden(GOLDEN / "fixture", emit(fixture_model))


def test_every_principal_gets_every_format(acme_model, fixture_model):
    for model in (acme_model, fixture_model):
        expected = {f"network/{p.env}/{p.agent}/{f}" for p in model.principals.values()
                    for f in FORMATS}
        assert set(emit(model)) == expected


def test_yaml_and_json_parse(files):
    for path, text in files.items():
        if path.endswith(".yaml"):
            assert len(list(yaml.safe_load_all(text))) == 1, path
            assert "&id0" not in text, path  # no anchors: each rule reads on its own
        elif path.endswith(".json"):
            assert isinstance(json.loads(text), dict), path


def test_deterministic(fixture_model):
    assert emit(fixture_model) == emit(model_from(SOURCE))


def _doc(files, path):
    text = files[path]
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


def _by_format(files, fmt):
    return {p: _doc(files, p) for p in files if p.endswith("/" + fmt)}


def _is_dns_rule(rule):
    peers = rule.get("to", []) + rule.get("toEndpoints", [])
    return bool(peers) and all("kube-dns" in json.dumps(p) for p in peers)


def test_networkpolicy_deny_by_default(files):
    for path, doc in _by_format(files, "networkpolicy.yaml").items():
        spec = doc["spec"]
        assert spec["policyTypes"] == ["Egress"], path
        assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/name"], path
        for rule in spec["egress"]:
            # a rule without peers, or without ports, allows every destination (or port)
            assert rule.get("to") and rule.get("ports"), (path, rule)
            for peer in rule["to"]:
                assert peer, (path, rule)
                cidr = peer.get("ipBlock", {}).get("cidr", "")
                assert not cidr.endswith("/0"), (path, rule)
                if "namespaceSelector" in peer:  # only kube-dns is reached by selector
                    assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
                    assert {p["port"] for p in rule["ports"]} == {53}


def test_cilium_deny_by_default(files):
    peers = ("toFQDNs", "toCIDRSet", "toEndpoints", "toEntities")
    for path, doc in _by_format(files, "cilium.yaml").items():
        spec = doc["spec"]
        assert spec["enableDefaultDeny"] == {"egress": True, "ingress": False}, path
        assert spec["endpointSelector"]["matchLabels"]["app.kubernetes.io/name"], path
        assert spec["egress"], path  # an empty list would leave egress unenforced
        for rule in spec["egress"]:
            assert any(rule.get(k) for k in peers), (path, rule)
            assert set(rule.get("toEntities", [])) <= {"none"}, (path, rule)
            assert all(not c["cidr"].endswith("/0") for c in rule.get("toCIDRSet", []))
            if "toEntities" not in rule:
                assert rule["toPorts"], (path, rule)
            if "toEndpoints" in rule:
                assert _is_dns_rule(rule), (path, rule)


def test_squid_deny_by_default(files):
    for path, text in files.items():
        if path.endswith("/squid.conf"):
            lines = [line for line in text.splitlines() if not line.startswith("#")]
            assert lines[-1] == "http_access deny all", path
            access = [line for line in lines if line.startswith("http_access")]
            assert access.count("http_access deny all") == 1
            for line in access[:-1]:
                words = line.split()
                assert words[1] == "allow" and len(words) == 4, line  # destination and port
                assert "all" not in words[2:], line


def test_sandbox_formats_deny_by_default(files):
    for path, doc in _by_format(files, "sandbox-runtime.json").items():
        assert doc["network"]["strictAllowlist"] is True, path
        assert "*" not in doc["network"]["allowedDomains"], path
    for path, doc in _by_format(files, "claude-settings.json").items():
        sandbox = doc["sandbox"]
        assert sandbox["enabled"] and sandbox["failIfUnavailable"], path
        assert sandbox["allowUnsandboxedCommands"] is False, path
        assert sandbox["network"]["strictAllowlist"] is True, path
        assert "WebFetch" not in doc["permissions"]["allow"], path  # a bare rule allows all


def test_dns_allowed_exactly_when_something_is(files):
    for path, doc in _by_format(files, "networkpolicy.yaml").items():
        cilium = _doc(files, path.replace("networkpolicy.yaml", "cilium.yaml"))
        squid = files[path.replace("networkpolicy.yaml", "squid.conf")]
        reaches = "http_access allow" in squid
        assert any(_is_dns_rule(r) for r in doc["spec"]["egress"]) == reaches, path
        dns = [r for r in cilium["spec"]["egress"] if _is_dns_rule(r)]
        assert bool(dns) == reaches, path
        for rule in dns:
            assert rule["toPorts"][0]["rules"]["dns"] == [{"matchPattern": "*"}]


def test_no_egress_denies_everything(fixture_model):
    files = emit(fixture_model)
    for agent in ("dreamer",):  # declared, but shadow
        base = f"network/staging/{agent}/"
        assert _doc(files, base + "networkpolicy.yaml")["spec"]["egress"] == []
        assert _doc(files, base + "cilium.yaml")["spec"]["egress"] == [{"toEntities": ["none"]}]
        squid = [line for line in files[base + "squid.conf"].splitlines()
                 if not line.startswith("#")]
        assert squid == ["http_access deny all"]
        assert _doc(files, base + "sandbox-runtime.json")["network"]["allowedDomains"] == []
        claude = _doc(files, base + "claude-settings.json")
        assert claude["permissions"]["allow"] == []
        assert claude["sandbox"]["network"]["allowedDomains"] == []


def test_shadow_principal_previewed_under_shadow(acme_model):
    out = build(acme_model, {"network": emit}, ["network"])
    live = json.loads(out["network/prod/refund-agent/sandbox-runtime.json"])
    preview = json.loads(out["shadow/network/prod/refund-agent/sandbox-runtime.json"])
    assert live["network"]["allowedDomains"] == []
    assert preview["network"]["allowedDomains"] == [
        "api.stripe.com:443", "payments.acme.com:443", "sqs.eu-west-1.amazonaws.com:443",
        "sqs.us-east-1.amazonaws.com:443", "sts.amazonaws.com:443",
        "sts.eu-west-1.amazonaws.com:443", "sts.us-east-1.amazonaws.com:443"]


def test_pods_selected_by_service_account(fixture_model):
    files = emit(fixture_model)
    base = "network/prod/crawler/"
    np = _doc(files, base + "networkpolicy.yaml")
    assert np["metadata"]["namespace"] == "agents-prod"
    assert np["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "crawler-sa"}}
    cnp = _doc(files, base + "cilium.yaml")
    assert cnp["metadata"]["namespace"] == "agents-prod"
    assert cnp["spec"]["endpointSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "crawler-sa"}}


def test_other_protected_envs_denied_in_sandbox_formats(acme_model):
    files = emit(acme_model)
    srt = _doc(files, "network/staging/support-bot/sandbox-runtime.json")["network"]
    assert srt["deniedDomains"] == ["*.prod.acme.internal", "payments.acme.com"]
    assert srt["deniedResolvedAddresses"] == ["10.30.0.0/16"]
    claude = _doc(files, "network/staging/support-bot/claude-settings.json")
    assert claude["permissions"]["deny"] == ["WebFetch(domain:*.prod.acme.internal)",
                                             "WebFetch(domain:payments.acme.com)"]
    assert claude["sandbox"]["network"]["deniedDomains"] == srt["deniedDomains"]
    own = _doc(files, "network/prod/support-bot/sandbox-runtime.json")["network"]
    assert own["deniedDomains"] == [] and "deniedResolvedAddresses" not in own


def test_credential_paths_unreadable(files):
    for path, doc in _by_format(files, "sandbox-runtime.json").items():
        deny = doc["filesystem"]["denyRead"]
        assert {"/proc/*/environ", "~/.aws", "~/.config/gcloud", "~/.ssh", "**/.env"} <= set(deny)
    for path, doc in _by_format(files, "claude-settings.json").items():
        deny = doc["sandbox"]["filesystem"]["denyRead"]
        assert {"//proc/*/environ", "~/.aws", "~/.ssh", "**/.env"} <= set(deny), path


def test_libyaml_dumper_writes_what_the_python_dumper_writes(files):
    """The YAML files are dumped with libyaml where PyYAML has it; the text must be the pure
    Python SafeDumper's, byte for byte."""
    from agentpol.targets._netpolicy import objects
    for path, text in files.items():
        if path.endswith(".yaml"):
            doc = yaml.safe_load(text)
            python = yaml.dump(doc, Dumper=yaml.SafeDumper, sort_keys=False,
                               default_flow_style=False, width=100)
            assert objects.dump(doc) == python, path
            assert text.endswith(python), path

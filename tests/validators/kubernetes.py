"""Kubernetes NetworkPolicy: `kubernetes-validate --strict` (PyPI `kubernetes-validate`).

Runs the library call behind the CLI, `kubernetes_validate.utils.validate(doc, K8S_VERSION,
strict=True)`, on every YAML document. Differences from the bare CLI, all stricter:

- the Kubernetes version is pinned (the CLI defaults to the newest schema it ships, which moves
  with every release of the package);
- a document whose kind has no schema is a problem (the CLI only prints WARN and exits 0), and
  every document must be a `networking.k8s.io/v1` NetworkPolicy;
- a few rules the API server enforces but the OpenAPI schema cannot express are checked too
  (prefixed `apiserver:`): metadata.name present and a DNS-1123 subdomain, policyTypes values,
  port protocols, ipBlock CIDRs that parse and `except` blocks inside their `cidr`.
"""

from __future__ import annotations

import ipaddress
import re

from validators._common import Source, ValidatorUnavailable, label_of, load_yaml_documents

# kubernetes-validate ships schemas for many versions; 1.28 is the newest one that every release
# allowed by pyproject (`kubernetes-validate>=1.28`) has, and NetworkPolicy v1 has not changed since.
K8S_VERSION = "1.28.0"

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def require_tool():
    try:
        from kubernetes_validate import utils
    except ImportError as e:  # pragma: no cover - environment problem
        raise ValidatorUnavailable(
            "kubernetes-validate is not installed: pip install 'kubernetes-validate>=1.28'"
        ) from e
    return utils


def _apiserver_rules(doc: dict, where: str) -> list[str]:
    out = []
    meta = doc.get("metadata") or {}
    name = meta.get("name")
    if not name:
        out.append(f"{where}/metadata/name: apiserver: a name is required")
    elif len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        out.append(f"{where}/metadata/name: apiserver: {name!r} is not a DNS-1123 subdomain")
    ns = meta.get("namespace")
    if ns is not None and (len(ns) > 63 or not _DNS1123_LABEL.match(ns)):
        out.append(f"{where}/metadata/namespace: apiserver: {ns!r} is not a DNS-1123 label")
    spec = doc.get("spec") or {}
    for i, t in enumerate(spec.get("policyTypes") or []):
        if t not in ("Ingress", "Egress"):
            out.append(f"{where}/spec/policyTypes/{i}: apiserver: {t!r} is not Ingress or Egress")
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        for r, rule in enumerate(spec.get(direction) or []):
            for p, port in enumerate(rule.get("ports") or []):
                proto = port.get("protocol", "TCP")
                if proto not in ("TCP", "UDP", "SCTP"):
                    out.append(f"{where}/spec/{direction}/{r}/ports/{p}/protocol: apiserver: {proto!r} is not TCP, UDP or SCTP")
            for p, peer in enumerate(rule.get(peers_key) or []):
                block = peer.get("ipBlock")
                if not block:
                    continue
                at = f"{where}/spec/{direction}/{r}/{peers_key}/{p}/ipBlock"
                try:
                    net = ipaddress.ip_network(block.get("cidr", ""), strict=False)
                except ValueError:
                    out.append(f"{at}/cidr: apiserver: {block.get('cidr')!r} is not a CIDR")
                    continue
                for e, exc in enumerate(block.get("except") or []):
                    try:
                        sub = ipaddress.ip_network(exc, strict=False)
                    except ValueError:
                        out.append(f"{at}/except/{e}: apiserver: {exc!r} is not a CIDR")
                        continue
                    if sub.version != net.version or not sub.subnet_of(net):
                        out.append(f"{at}/except/{e}: apiserver: {exc} is not inside {net}")
    return out


def validate_networkpolicy(source: Source, version: str = K8S_VERSION) -> list[str]:
    """Problems with a NetworkPolicy YAML file (path or text), empty when it is accepted."""
    utils = require_tool()
    label = label_of(source)
    docs, problems = load_yaml_documents(source)
    for n, doc in enumerate(docs):
        where = f"{label}[{n}]"
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            problems.append(f"{where}: not a Kubernetes object (apiVersion and kind are required)")
            continue
        if (doc["apiVersion"], doc["kind"]) != ("networking.k8s.io/v1", "NetworkPolicy"):
            problems.append(f"{where}: expected networking.k8s.io/v1 NetworkPolicy, got {doc['apiVersion']} {doc['kind']}")
        try:
            utils.validate(doc, version, strict=True)
        except utils.ValidationError as e:
            path = "/" + "/".join(str(p) for p in e.path)
            problems.append(f"{where}{path}: kubernetes-validate --strict ({e.version}): {e.message}")
        except (utils.SchemaNotFoundError, utils.InvalidSchemaError, utils.VersionNotSupportedError) as e:
            problems.append(f"{where}: kubernetes-validate: {e.message}")
        problems.extend(_apiserver_rules(doc, where))
    return problems

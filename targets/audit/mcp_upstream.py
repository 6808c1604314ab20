"""`network/E/mcp-NAME/`: for every `mcp_server` with `upstream`, an egress allowlist for the
server's own pods (`app.kubernetes.io/name: NAME` in the env's namespace) that reaches its
declared upstreams and nothing else, so an agent that re-points the server gets nowhere.

A shared server (no env of its own) is locked in every env's namespace: a policy that selects
no pod there does nothing, and wherever agentpol's envs run it, it is held.

`allowlist` is the one seam to the network formats. The network target's builders (Subject,
Dest, networkpolicy/cilium/squid) live inside targets/network, which a target may not import;
until they move to a neutral module, `allowlist` builds the three files itself in the same
shape. Repoint it there and delete the builders below.
"""
from __future__ import annotations

import ipaddress
import re

import yaml

from agentpol.model import Environment, Instance, Model

SELECTOR_LABEL = "app.kubernetes.io/name"
KUBE_DNS = {"namespace": "kube-system", "k8s-app": "kube-dns"}


def files(model: Model, env: Environment) -> dict[str, str]:
    out = {}
    for inst in model.instances.values():
        if inst.type == "mcp_server" and inst.attr("upstream") and inst.env in (env.name, None):
            upstreams = tuple(sorted({_upstream(u) for u in inst.attr("upstream")}))
            for name, text in allowlist(env.k8s_namespace, inst.name, _who(inst, env),
                                        upstreams).items():
                out[f"network/{env.name}/mcp-{inst.name}/{name}"] = text
    return out


def _who(inst: Instance, env: Environment) -> str:
    return f"mcp_server.{inst.name}@{env.name}"


def _upstream(value: str) -> tuple[str, str, int]:
    """`host:port` -> (kind, host, port), kind "ip" or "domain"."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    try:
        return "ip", str(ipaddress.ip_address(host)), int(port)
    except ValueError:
        return "domain", host.lower().rstrip("."), int(port)


# -- stand-in builders (see the module docstring) ---------------------------------------------


def allowlist(namespace: str | None, selector: str, who: str,
              upstreams: tuple[tuple[str, str, int], ...]) -> dict[str, str]:
    """The three files that hold pods labelled `selector` to `upstreams` (kind, host, port)."""
    name = "agentpol-mcp-" + re.sub(r"[^a-z0-9-]+", "-", selector.lower()).strip("-")
    domains = [u for u in upstreams if u[0] == "domain"]
    meta = {"name": name, **({"namespace": namespace} if namespace else {}),
            "labels": {"app.kubernetes.io/managed-by": "agentpol"},
            "annotations": {"agentpol/principal": who}}
    head = (f"# agentpol: egress allowlist for {who}: its declared upstreams only; generated,"
            " do not edit.\n# Deny by default: nothing this policy does not allow is reachable.\n")
    return {
        "networkpolicy.yaml": _networkpolicy(meta, selector, upstreams, domains, head),
        "cilium.yaml": _cilium(meta, selector, upstreams, who, head),
        "squid.conf": _squid(selector, upstreams, who),
    }


def _ports(upstreams, kinds) -> dict[int, list[tuple[str, str, int]]]:
    out: dict[int, list] = {}
    for u in upstreams:
        if u[0] in kinds:
            out.setdefault(u[2], []).append(u)
    return dict(sorted(out.items()))


def _cidr(host: str) -> str:
    return str(ipaddress.ip_network(host))


def _networkpolicy(meta, selector, upstreams, domains, head) -> str:
    meta = {**meta, "annotations": dict(meta["annotations"])}
    if domains:
        listed = ", ".join(f"{h}:{p}" for _, h, p in domains)
        meta["annotations"]["agentpol/not-expressible"] = listed
        head += ("# Not expressible here (a NetworkPolicy has no domain names; cilium.yaml or"
                 f" the egress proxy enforces them): {listed}\n")
    egress = [{"to": [{"namespaceSelector": {"matchLabels": {
                          "kubernetes.io/metadata.name": KUBE_DNS["namespace"]}},
                       "podSelector": {"matchLabels": {"k8s-app": KUBE_DNS["k8s-app"]}}}],
               "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
    for port, group in _ports(upstreams, ("ip",)).items():
        egress.append({"to": [{"ipBlock": {"cidr": _cidr(h)}} for _, h, _ in group],
                       "ports": [{"protocol": "TCP", "port": port}]})
    doc = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta,
           "spec": {"podSelector": {"matchLabels": {SELECTOR_LABEL: selector}},
                    "policyTypes": ["Egress"], "egress": egress}}
    return head + yaml.safe_dump(doc, sort_keys=False, width=100)


def _cilium(meta, selector, upstreams, who, head) -> str:
    egress = [{"toEndpoints": [{"matchLabels": {
                   "io.kubernetes.pod.namespace": KUBE_DNS["namespace"],
                   "k8s-app": KUBE_DNS["k8s-app"]}}],
               "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"},
                                      {"port": "53", "protocol": "TCP"}],
                            "rules": {"dns": [{"matchPattern": "*"}]}}]}]
    for port, group in _ports(upstreams, ("domain", "ip")).items():
        ports = [{"ports": [{"port": str(port), "protocol": "TCP"}]}]
        names = [{"matchName": h} for k, h, _ in group if k == "domain"]
        nets = [{"cidr": _cidr(h)} for k, h, _ in group if k == "ip"]
        egress += ([{"toFQDNs": names, "toPorts": ports}] if names else []) + \
                  ([{"toCIDRSet": nets, "toPorts": ports}] if nets else [])
    doc = {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": meta,
           "spec": {"description": f"agentpol egress allowlist for {who}",
                    "endpointSelector": {"matchLabels": {SELECTOR_LABEL: selector}},
                    "enableDefaultDeny": {"egress": True, "ingress": False},
                    "egress": egress}}
    return head + yaml.safe_dump(doc, sort_keys=False, width=100)


def _squid(selector, upstreams, who) -> str:
    prefix = "mcp_" + re.sub(r"[^A-Za-z0-9_-]+", "_", selector)
    acls, rules = [], []
    for port, group in _ports(upstreams, ("domain", "ip")).items():
        acls.append(f"acl {prefix}_port_{port} port {port}")
        for what, kind, acl_type in (("domains", "domain", "dstdomain"),
                                     ("addresses", "ip", "dst")):
            hosts = [h for k, h, _ in group if k == kind]
            if hosts:
                acls.append(f"acl {prefix}_{what}_{port} {acl_type} -n {' '.join(hosts)}")
                rules.append(f"http_access allow {prefix}_{what}_{port} {prefix}_port_{port}")
    lines = [f"# agentpol: egress allowlist for {who} (squid.conf fragment); generated, do not"
             " edit.",
             "# The whole access policy of the egress proxy dedicated to this server: include it",
             "# after that proxy's http_port. Deny by default: only its upstreams pass."]
    return "\n".join(lines + acls + rules + ["http_access deny all"]) + "\n"

"""What the cluster formats share: object names, metadata and the header comment.

One naming rule (`agentpol-` + the subject's `dns_label`) names the NetworkPolicy, the
CiliumNetworkPolicy and the squid acls of a subject, so the three files of one subject are
recognisably the same allowlist; one `header` opens every file with the same words.
"""
from __future__ import annotations

from typing import Iterable

from agentpol.catalogue.kubernetes import dns_label
from agentpol.serialise import yaml_dump

from .destinations import Allowlist, Dest, Subject, opened_lines

NOT_EXPRESSIBLE_ANNOTATION = "agentpol/not-expressible"

#: Where a subject's egress proxy listens (squid's default `http_port`).
PROXY_PORT = 3128

#: The comment line for the DNS rule of the cluster formats.
DNS_LINE = "  kube-system/kube-dns:53 (UDP, TCP)  <- DNS, so that the names here resolve"


def object_name(subject: Subject) -> str:
    """The name of `subject`'s policy objects: a DNS-1123 name that no other subject of the
    namespace gets (`Bot` and `bot` differ: a name that is not already a label carries a hash)."""
    return "agentpol-" + dns_label(subject.name)


def proxy_label(subject: Subject) -> str:
    """The `app.kubernetes.io/name` of the pods running `subject`'s egress proxy (squid.conf):
    a label value, so at most 63 characters."""
    return ("agentpol-proxy-" + dns_label(subject.name))[:63].rstrip("-")


def metadata(subject: Subject, annotations: dict[str, str]) -> dict:
    meta: dict = {"name": object_name(subject)}
    if subject.namespace:
        meta["namespace"] = subject.namespace
    meta["labels"] = {"app.kubernetes.io/managed-by": "agentpol"}
    meta["annotations"] = {"agentpol/principal": subject.principal, **annotations}
    return meta


def opened(dests: Iterable[Dest], allowed: Allowlist, dns: bool) -> list[str]:
    """The header lines that list what a file opens, each with what needs it."""
    dests = list(dests)
    if not dests:
        return []
    return ["Opens (each with the statement or grant that needs it):",
            *([DNS_LINE] if dns else []), *opened_lines(dests, allowed)]


def header(subject: Subject, what: str, notes: Iterable[str] = ()) -> str:
    """The comment block that opens every generated cluster-format file (YAML and squid both
    comment with `#`): whose allowlist, which format, deny by default, then `notes`."""
    lines = [f"agentpol: egress allowlist for {subject.principal} ({what}); generated, do not edit.",
             "Deny by default: nothing this policy does not allow is reachable.", *notes]
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


def dump(doc: dict) -> str:
    return yaml_dump(doc)

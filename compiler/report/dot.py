"""The reachability graph as Graphviz DOT: one cluster per env, findings' witness paths in red
(an `env-bridge`, a warning: orange, from the imported role or user that bridges the envs).
`svg` runs graphviz's `dot` when it is installed."""
from __future__ import annotations

import json
import shutil
import subprocess

from agentpol.check import Report

_SHAPES = {"principal": "box", "instance": "ellipse", "role": "hexagon", "user": "house",
           "account": "folder", "ci-secrets": "note", "network": "cds"}


def _q(s: str) -> str:
    return json.dumps(s)


def render(report: Report) -> str:
    """Every node a principal can reach, and the edges between them."""
    g = report.graph
    hot_nodes: dict[str, str] = {}  # id -> colour: red on an error's path, orange on a bridge's
    hot_edges: dict[tuple[str, str], str] = {}
    for f in sorted(report.findings, key=lambda f: f.rule != "env-bridge"):  # red drawn last
        colour = "orange" if f.rule == "env-bridge" else "red"
        ids = [h.node for h in f.witness]
        hot_nodes.update(dict.fromkeys(ids, colour))
        hot_edges.update(dict.fromkeys(zip(ids, ids[1:]), colour))
    # what principals reach, and what the imported roles and users that bridge envs reach
    starts = [n.id for n in g.nodes.values() if n.kind == "principal"]
    starts += [f.witness[0].node for f in report.findings if f.rule == "env-bridge"]
    used = set(starts) | set(g.reach(e for p in starts for e in g.edges(p)))
    by_env: dict[str, list] = {}
    for node in sorted(g.nodes.values(), key=lambda n: n.id):
        if node.id in used:
            by_env.setdefault(node.env or "", []).append(node)
    out = ["digraph agentpol {", "  rankdir=LR;", '  node [fontname="Helvetica" fontsize=10];',
           '  edge [fontname="Helvetica" fontsize=9];']
    for i, (env, nodes) in enumerate(sorted(by_env.items())):
        indent = "    " if env else "  "
        if env:
            out += [f"  subgraph cluster_{i} {{", f"    label={_q(env)};"]
        for n in nodes:
            attrs = [f"label={_q(n.label)}", f"shape={_SHAPES.get(n.kind, 'ellipse')}"]
            if n.credential:
                attrs.append("style=bold")
            if n.id in hot_nodes:
                attrs.append(f"color={hot_nodes[n.id]}")
            out.append(f"{indent}{_q(n.id)} [{' '.join(attrs)}];")
        if env:
            out.append("  }")
    for src in sorted(g.sources()):
        for e in g.edges(src) if src in used else ():
            attrs = [f"label={_q(e.via)}"]
            if (e.src, e.dst) in hot_edges:
                attrs += [f"color={hot_edges[e.src, e.dst]}", "penwidth=2"]
            out.append(f"  {_q(e.src)} -> {_q(e.dst)} [{' '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def svg(dot_text: str) -> str:
    """SVG through graphviz; RuntimeError when `dot` is missing or fails."""
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("graphviz `dot` is not installed: write a .dot file instead")
    done = subprocess.run([exe, "-Tsvg"], input=dot_text, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.strip()}")
    return done.stdout

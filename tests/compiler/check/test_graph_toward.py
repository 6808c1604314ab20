"""`Graph.toward` (one walk back from each target, as `env-bridge` uses it) against the
brute-force oracle it replaced: a walk forward from every node (`reach`). On random graphs
with plain edges, shared runs (tuples several sources hold, some given as a union of parts
other runs share) and principals (never walked through), every node reaches exactly the
targets the forward walk reaches, at the same distance, along a path of real edges."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from agentpol.check.graph import Graph, Node

KINDS = ["role", "user", "principal", "instance"]


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 12))
    g = Graph()
    for i in range(n):
        g.add(Node(f"n{i}", f"n{i}", draw(st.sampled_from(KINDS)), None,
                   draw(st.booleans()), f"w{i}"))
    ids = [f"n{i}" for i in range(n)]
    for _ in range(draw(st.integers(0, 3 * n))):
        g.link(draw(st.sampled_from(ids)), draw(st.sampled_from(ids)),
               draw(st.sampled_from(["a", "b"])), draw(st.sampled_from(["x", "y"])))
    pool = [tuple(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True)))
            for _ in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(0, 3))):  # a run, made of parts some other runs share
        parts = tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)))
        run = tuple(dict.fromkeys(draw(st.permutations([n for p in parts for n in p]))))
        for src in draw(st.lists(st.sampled_from(ids), max_size=4, unique=True)):
            g.share(src, draw(st.sampled_from(["s", "t"])), "z", run,
                    parts if draw(st.booleans()) else None)
    targets = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    return g, targets


@settings(max_examples=300, derandomize=True, deadline=None)
@given(graphs())
def test_toward_finds_what_a_walk_from_every_node_finds(case):
    g, targets = case
    toward = g.toward(targets)
    edges = {(e.src, e.dst, e.via, e.where) for n in g.nodes for e in g.edges(n)}
    for n in (n for n, node in g.nodes.items() if node.kind != "principal"):  # never a start
        parents = g.reach(g.edges(n))
        for t in targets:
            onward, starts = toward[t]
            reached = t in parents and t != n
            assert reached == (n in starts), (n, t)
            if not reached:
                continue
            distance, first = starts[n]
            assert distance == len(Graph.path(parents, t))
            path = [first]
            while path[-1].dst != t:
                path.append(onward[path[-1].dst][1])
            assert len(path) == distance and path[0].src == n
            assert all((e.src, e.dst, e.via, e.where) in edges for e in path)
            assert all(a.dst == b.src for a, b in zip(path, path[1:]))
            assert all(g.nodes[e.dst].kind != "principal" for e in path[1:])

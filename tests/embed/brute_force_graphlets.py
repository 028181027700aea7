"""Brute-force graphlet enumerator for the orbit tests (independent of graphkit's tables).

Every node subset of size 2-5 is tested for connectivity; connected ones are matched to a
networkx atlas graphlet by isomorphism, and ORCA's orbit number of each atlas node is read off by
running ``orca-graphlets`` on that graphlet alone (each node of a graphlet touches exactly one
orbit of the graphlet's own size). Exponential: for graphs of a few dozen nodes only.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter

import networkx as nx
import numpy as np
from hypothesis import strategies as st
from networkx.algorithms.isomorphism import GraphMatcher

__all__ = ["node_orbits", "edge_orbits", "pair_orbits", "small_graphs"]


@st.composite
def small_graphs(draw, max_nodes: int = 8):
    """Hypothesis strategy: a simple undirected networkx graph on 1 to ``max_nodes`` nodes."""
    n = draw(st.integers(1, max_nodes))
    pairs = list(itertools.combinations(range(n), 2))
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(chosen)
    return graph


@functools.lru_cache(maxsize=1)
def _atlas() -> list[tuple[nx.Graph, dict[int, int], dict[frozenset, int]]]:
    """Atlas graphlets on 2-5 nodes with ORCA node orbits and edge orbits (``-1``: none)."""
    from orca import orca_edges, orca_nodes

    entries = []
    for graph in nx.graph_atlas_g():
        k = graph.number_of_nodes()
        if not 2 <= k <= 5 or not nx.is_connected(graph):
            continue
        edges = np.asarray(list(graph.edges()), dtype=np.int64)
        size = 4 if k <= 4 else 5
        node_rows = orca_nodes(edges, k, size)
        edge_rows = orca_edges(edges, k, size)
        orbits = {v: int(np.flatnonzero(node_rows[v]).max()) for v in range(k)}
        eorbits = {
            frozenset(map(int, e)): int(np.flatnonzero(row).max()) if row.any() else -1
            for e, row in zip(edges, edge_rows, strict=True)
        }
        entries.append((graph, orbits, eorbits))
    return entries


@functools.cache
def _classify(k: int, edges: frozenset) -> tuple[tuple[int, ...], dict[frozenset, int]] | None:
    """ORCA orbits of the nodes ``0..k-1`` and of the edges of a labelled small graph."""
    graph = nx.Graph()
    graph.add_nodes_from(range(k))
    graph.add_edges_from(tuple(e) for e in edges)
    if not nx.is_connected(graph):
        return None
    for atlas_graph, orbits, eorbits in _atlas():
        if atlas_graph.number_of_nodes() != k:
            continue
        matcher = GraphMatcher(graph, atlas_graph)
        if matcher.is_isomorphic():
            mapping = matcher.mapping
            node = tuple(orbits[mapping[v]] for v in range(k))
            edge = {e: eorbits[frozenset(mapping[v] for v in e)] for e in edges}
            return node, edge
    raise AssertionError("no atlas graphlet matched")  # pragma: no cover


def _induced(graph: nx.Graph, max_size: int):
    """Yield ``(nodes, classification, local edges)`` for every connected induced subgraph."""
    nodes = sorted(graph.nodes())
    for k in range(2, max_size + 1):
        for subset in itertools.combinations(nodes, k):
            edges = frozenset(
                frozenset((i, j))
                for i, j in itertools.combinations(range(k), 2)
                if graph.has_edge(subset[i], subset[j])
            )
            result = _classify(k, edges)
            if result is not None:
                yield subset, result, edges


def node_orbits(graph: nx.Graph, size: int) -> np.ndarray:
    """``int64 [n, 15 | 73]`` orbit counts of the nodes ``0..n-1``."""
    out = np.zeros((graph.number_of_nodes(), 15 if size == 4 else 73), dtype=np.int64)
    for subset, (orbits, _), _ in _induced(graph, size):
        for v, orbit in zip(subset, orbits, strict=True):
            out[v, orbit] += 1
    return out


def edge_orbits(graph: nx.Graph, size: int) -> dict[tuple[int, int], Counter]:
    """Edge ``(u, v)``, ``u < v`` -> Counter of ORCA edge orbits."""
    out = {tuple(sorted(e)): Counter() for e in graph.edges()}
    for subset, (_, eorbits), _ in _induced(graph, size):
        for e, orbit in eorbits.items():
            if orbit >= 0:
                i, j = sorted(e)
                out[(subset[i], subset[j])][orbit] += 1
    return out


def pair_orbits(graph: nx.Graph) -> dict[tuple[int, int, int], np.ndarray]:
    """Dense orbit adjacencies ``(orbit_u, orbit_v, hops) -> int64 [n, n]`` (graphlets <= 4)."""
    n = graph.number_of_nodes()
    out: dict[tuple[int, int, int], np.ndarray] = {}
    for subset, (orbits, _), edges in _induced(graph, 4):
        local = nx.Graph()
        local.add_nodes_from(range(len(subset)))
        local.add_edges_from(tuple(e) for e in edges)
        hops = dict(nx.all_pairs_shortest_path_length(local))
        for i, j in itertools.permutations(range(len(subset)), 2):
            key = (orbits[i], orbits[j], hops[i][j])
            out.setdefault(key, np.zeros((n, n), dtype=np.int64))[subset[i], subset[j]] += 1
    return out

r"""Graphlet orbit counts for every node or edge, in ORCA's numbering.

A *graphlet* is a small connected induced subgraph; its *orbits* are the classes of its nodes
(or edges) under its automorphisms (Pržulj 2007). :func:`orbit_counts` returns, for every node,
how many induced graphlets on 2-4 nodes (15 orbits) or 2-5 nodes (73 orbits) touch it on each
orbit, numbered as ORCA (Hočevar & Demšar 2014) numbers them:

==========  ===========================================================
orbits      graphlet (orbit of each node)
==========  ===========================================================
0           edge
1, 2        path on 3 nodes (1 = end, 2 = middle)
3           triangle
4, 5        path on 4 nodes (4 = end, 5 = middle)
6, 7        3-star (6 = leaf, 7 = centre)
8           4-cycle
9, 10, 11   paw (9 = pendant, 10 = triangle node of degree 2, 11 = degree 3)
12, 13      diamond (12 = degree 2, 13 = degree 3)
14          4-clique
15-72       the 21 graphlets on 5 nodes (table :data:`GRAPHLETS`)
==========  ===========================================================

How the counts are computed. For graphlets on at most 4 nodes, every orbit count follows from
*non-induced* counts (pattern copies that need not be induced), which have closed forms in
degrees, common-neighbour counts and triangles, through a unitriangular system: for a node
:math:`x` and orbits :math:`o`,

.. math::

    N_o(x) = \sum_{o'} A_{o o'} \, C_{o'}(x),

where :math:`C_{o'}(x)` is the induced count and :math:`A_{o o'}` the number of connected
spanning subgraphs of the graphlet of :math:`o'` in which the node on :math:`o'` sits on
:math:`o`. :math:`A` is derived here by brute force from :data:`GRAPHLETS`, never typed in. The
work is :math:`O(\sum_v d_v^2)`, with memory linear in the number of edges.

Orbits of 5-node graphlets are counted from the connected 4-node sets :math:`U`, each
enumerated once (ESU, Wernicke 2006), without listing the 5-node sets. A node :math:`x` on orbit
:math:`o` of a connected 5-node set :math:`V` is reached from :math:`\mu_o` sets
:math:`U = V - w` (the nodes :math:`w \ne x` whose removal keeps :math:`V` connected; the
number depends only on :math:`o`), so

.. math::

    \mu_o \, C_o(x) = \sum_{U \ni x} \; \sum_{\emptyset \ne S \subseteq U}
    h_U(S) \, [\text{x is on } o \text{ in } U + w_S],
    \qquad
    h_U(S) = \sum_{T \supseteq S} (-1)^{|T \setminus S|} c_U(T),

where :math:`h_U(S)` counts the nodes outside :math:`U` whose neighbours in :math:`U` are
exactly :math:`S` and :math:`c_U(T) = |\bigcap_{t \in T} N(t)| - |\{u \in U \setminus T :
T \subseteq N(u)\}|` those adjacent to all of :math:`T` (Möbius inversion). :math:`c_U` of a
single node is its degree; of a pair a common-neighbour count, from 2-walks counted once per
first and second node of the enumeration (or a scan of one neighbour list); of a triple or the
quadruple a scan of one neighbour list, run only when all their pairs are non-zero. The work
is proportional to the number of connected 4-node sets rather than 5-node sets, the memory
linear in the number of nodes and edges; edge orbits
are counted the same way, crediting the edges of :math:`U`. This follows the idea of ORCA
(Hočevar & Demšar 2014), relating 5-node orbits to 4-node graphlets and common neighbours,
with every coefficient derived by brute force from :data:`GRAPHLETS`.

References:
    T. Hočevar and J. Demšar, "A combinatorial approach to graphlet counting",
    Bioinformatics 30(4), 2014. N. Pržulj, "Biological network comparison using graphlet
    degree distribution", Bioinformatics 23(2), 2007. S. Wernicke, "Efficient detection of
    network motifs", IEEE/ACM TCBB 3(4), 2006.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from typing import Any, Literal

import numba
import numpy as np
from tqdm.auto import tqdm

from graphkit.embed import _orbit_kernels as kernels
from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import Graph, as_graph

_FIVE_BATCHES = 100  # progress-bar steps of the 5-node counts

__all__ = [
    "GRAPHLETS",
    "NUM_NODE_ORBITS",
    "NUM_EDGE_ORBITS",
    "orbit_counts",
    "edge_list",
    "simple_graph",
]

#: Graphlets on 2-5 nodes as ``(num_nodes, edges, node_orbits, edge_orbits)``: node ``i`` lies on
#: ORCA node orbit ``node_orbits[i]`` and ``edges[j]`` on ORCA edge orbit ``edge_orbits[j]``
#: (``-1``: the 2-node graphlet has no edge orbit in ORCA, whose edge orbits start at 3 nodes).
GRAPHLETS: tuple[tuple[int, tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...]], ...] = (
    (2, ((0, 1),), (0, 0), (-1,)),
    (3, ((0, 1), (0, 2)), (2, 1, 1), (0, 0)),
    (3, ((0, 1), (0, 2), (1, 2)), (3, 3, 3), (1, 1, 1)),
    (4, ((0, 1), (0, 3), (1, 2)), (5, 5, 4, 4), (3, 2, 2)),
    (4, ((0, 3), (1, 3), (2, 3)), (6, 6, 6, 7), (4, 4, 4)),
    (4, ((0, 1), (0, 3), (1, 2), (2, 3)), (8, 8, 8, 8), (5, 5, 5, 5)),
    (4, ((0, 3), (1, 2), (1, 3), (2, 3)), (9, 10, 10, 11), (6, 7, 8, 8)),
    (4, ((0, 1), (0, 2), (0, 3), (1, 2), (2, 3)), (13, 12, 13, 12), (9, 10, 9, 9, 9)),
    (4, ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)), (14,) * 4, (11,) * 6),
    (5, ((0, 1), (0, 4), (1, 2), (2, 3)), (16, 17, 16, 15, 15), (13, 12, 13, 12)),
    (5, ((0, 4), (1, 3), (2, 3), (3, 4)), (18, 19, 19, 21, 20), (14, 15, 15, 16)),
    (5, ((0, 4), (1, 4), (2, 4), (3, 4)), (22, 22, 22, 22, 23), (17,) * 4),
    (5, ((0, 1), (0, 2), (0, 4), (1, 2), (2, 3)), (26, 25, 26, 24, 24), (19, 20, 18, 19, 18)),
    (5, ((0, 4), (1, 2), (1, 3), (2, 3), (3, 4)), (27, 29, 29, 30, 28), (21, 23, 24, 24, 22)),
    (5, ((0, 4), (1, 4), (2, 3), (2, 4), (3, 4)), (31, 31, 32, 32, 33), (25, 25, 26, 27, 27)),
    (5, ((0, 1), (0, 4), (1, 2), (2, 3), (3, 4)), (34,) * 5, (28,) * 5),
    (5, ((0, 1), (1, 3), (1, 4), (2, 3), (2, 4)), (35, 38, 36, 37, 37), (29, 31, 31, 30, 30)),
    (
        5, ((0, 1), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4)),
        (39, 42, 41, 40, 40), (32, 35, 34, 34, 33, 33),
    ),
    (
        5, ((0, 1), (0, 4), (1, 4), (2, 3), (2, 4), (3, 4)),
        (43, 43, 43, 43, 44), (36, 37, 37, 36, 37, 37),
    ),
    (
        5, ((0, 1), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
        (45, 47, 46, 48, 48), (38, 40, 40, 39, 39, 41),
    ),
    (
        5, ((0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)),
        (50, 50, 49, 49, 49), (42,) * 6,
    ),
    (
        5, ((0, 1), (0, 3), (0, 4), (1, 2), (2, 3), (3, 4)),
        (53, 51, 51, 53, 52), (44, 46, 45, 43, 44, 45),
    ),
    (
        5, ((0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
        (54, 54, 54, 55, 55), (47, 47, 47, 47, 47, 47, 48),
    ),
    (
        5, ((0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
        (56, 57, 57, 57, 58), (49, 50, 50, 51, 50, 51, 51),
    ),
    (
        5, ((0, 1), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (3, 4)),
        (59, 61, 59, 60, 60), (53, 52, 53, 55, 55, 52, 54),
    ),
    (
        5, ((0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 4)),
        (63, 63, 64, 62, 64), (57, 56, 57, 57, 56, 57, 58),
    ),
    (
        5, ((0, 1), (0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
        (66, 66, 65, 67, 67), (60, 61, 61, 61, 61, 59, 59, 62),
    ),
    (
        5, ((0, 1), (0, 3), (0, 4), (1, 2), (1, 4), (2, 3), (2, 4), (3, 4)),
        (68, 68, 68, 68, 69), (63, 63, 64, 63, 64, 63, 64, 64),
    ),
    (
        5, ((0, 1), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)),
        (70, 71, 70, 71, 71), (65, 65, 65, 65, 66, 66, 65, 65, 66),
    ),
    (5, tuple(itertools.combinations(range(5), 2)), (72,) * 5, (67,) * 10),
)

#: Node orbits of graphlets on up to 4 and up to 5 nodes.
NUM_NODE_ORBITS = {4: 15, 5: 73}
#: Edge orbits of graphlets on 3-4 and 3-5 nodes (ORCA has no orbit for the lone edge).
NUM_EDGE_ORBITS = {4: 12, 5: 68}

Edges = frozenset[tuple[int, int]]


# ---------------------------------------------------------------------------------------------
# Classification tables derived from GRAPHLETS (cached, computed once per process)
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def labelled_graphlets() -> dict[Edges, tuple[tuple[int, ...], dict[tuple[int, int], int]]]:
    """Every labelled copy of every graphlet: ``edges -> (node orbits, {edge: edge orbit})``.

    Keys are frozensets of ``(i, j)`` pairs with ``i < j`` on the nodes ``0..k-1``.
    """
    table: dict[Edges, tuple[tuple[int, ...], dict[tuple[int, int], int]]] = {}
    for k, edges, node_orbits, edge_orbits in GRAPHLETS:
        for perm in itertools.permutations(range(k)):
            relabelled = [tuple(sorted((perm[u], perm[v]))) for u, v in edges]
            orbits = [0] * k
            for v in range(k):
                orbits[perm[v]] = node_orbits[v]
            edge_table = dict(zip(relabelled, edge_orbits, strict=True))
            table[frozenset(relabelled)] = (tuple(orbits), edge_table)
    return table


def connected_spanning_subsets(k: int, edges: tuple[tuple[int, int], ...]):
    """Edge subsets of ``edges`` that leave the ``k`` nodes connected."""
    table = labelled_graphlets()
    for r in range(k - 1, len(edges) + 1):
        for subset in itertools.combinations(edges, r):
            key = frozenset(tuple(sorted(e)) for e in subset)
            if key in table and len({v for e in key for v in e}) == k:
                yield key


@functools.lru_cache(maxsize=1)
def node_orbit_inverse() -> np.ndarray:
    """Integer inverse of :math:`A` (non-induced from induced node counts, orbits 0-14).

    ``A[o, o']`` counts the connected spanning subgraphs of the graphlet of ``o'`` in which a node
    on ``o'`` sits on ``o``. Returns ``A^{-1}`` as ``int64 [15, 15]``, so that induced counts are
    ``N @ A^{-1}.T``.
    """
    table = labelled_graphlets()
    a = np.zeros((15, 15), dtype=np.int64)
    for k, edges, node_orbits, _ in GRAPHLETS:
        if k > 4:
            continue
        for v in range(k):
            column = np.zeros(15, dtype=np.int64)
            for subset in connected_spanning_subsets(k, edges):
                column[table[subset][0][v]] += 1
            a[:, node_orbits[v]] = column  # identical for every node of one orbit
    return integer_inverse(a)


def integer_inverse(a: np.ndarray) -> np.ndarray:
    """Exact inverse of an integer matrix with unit diagonal and a triangular permutation."""
    inverse = np.rint(np.linalg.inv(a.astype(np.float64))).astype(np.int64)
    if not np.array_equal(a @ inverse, np.eye(a.shape[0], dtype=np.int64)):
        raise AssertionError("orbit coefficient matrix is not unimodular")  # pragma: no cover
    return inverse


@functools.lru_cache(maxsize=1)
def five_node_lookup() -> tuple[np.ndarray, np.ndarray]:
    """Orbits of every labelled 5-node graph, indexed by its adjacency bit mask.

    Bit ``j (j - 1) / 2 + i`` of the mask is the pair ``(i, j)``, ``i < j``. Returns
    ``(node_lut int8 [1024, 5], edge_lut int8 [1024, 10])``: the node orbit of each position
    minus 15 and the edge orbit of each pair bit minus 12; ``-1`` marks disconnected masks and
    absent pairs.
    """
    table = labelled_graphlets()
    pairs = [(i, j) for j in range(5) for i in range(j)]
    node_lut = np.full((1024, 5), -1, dtype=np.int8)
    edge_lut = np.full((1024, 10), -1, dtype=np.int8)
    for mask in range(1024):
        edges = frozenset(p for bit, p in enumerate(pairs) if mask >> bit & 1)
        if edges not in table or len({v for e in edges for v in e}) != 5:
            continue
        orbits, edge_orbits = table[edges]
        node_lut[mask] = np.asarray(orbits) - 15
        for bit, pair in enumerate(pairs):
            if pair in edge_orbits:
                edge_lut[mask, bit] = edge_orbits[pair] - 12
    return node_lut, edge_lut


@functools.lru_cache(maxsize=2)
def five_node_multiplicity(on: str = "nodes") -> np.ndarray:
    """How often the 4-set extension credits a node (edge) for one 5-node graphlet.

    For a node ``x`` (an edge ``xy``) on orbit ``o`` of a 5-node graphlet ``G``: the number of
    other nodes ``w`` whose removal leaves ``G`` connected, each being one extension
    ``(G - w) + w`` that reaches ``x`` (``xy``). It depends only on the orbit, which is checked.
    Returns ``int64 [58]`` (node orbits 15-72) or ``[56]`` (edge orbits 12-67).
    """
    if on not in ("nodes", "edges"):
        raise ConfigError(f"five_node_multiplicity: on must be 'nodes' or 'edges'; got {on!r}.")
    first = 15 if on == "nodes" else 12
    multiplicity = np.zeros(58 if on == "nodes" else 56, dtype=np.int64)
    for k, edges, node_orbits, edge_orbits in GRAPHLETS:
        if k < 5:
            continue
        parts = [(x,) for x in range(5)] if on == "nodes" else list(edges)
        orbits = node_orbits if on == "nodes" else edge_orbits
        for part, orbit in zip(parts, orbits, strict=True):
            removable = sum(_connected_without(w, edges) for w in range(5) if w not in part)
            previous = multiplicity[orbit - first]
            if previous not in (0, removable):
                raise AssertionError("multiplicity differs within an orbit")  # pragma: no cover
            multiplicity[orbit - first] = removable
    return multiplicity


def _connected_without(w: int, edges: tuple[tuple[int, int], ...]) -> bool:
    """Whether a 5-node graph with ``edges`` stays connected when node ``w`` is removed.

    The remaining 4 nodes, relabelled ``0..3``, are connected exactly when their edge set is a
    key of :func:`labelled_graphlets` (which lists every connected labelled graph).
    """
    rank = {v: i for i, v in enumerate(v for v in range(5) if v != w)}
    kept = frozenset(tuple(sorted((rank[a], rank[b]))) for a, b in edges if w not in (a, b))
    return kept in labelled_graphlets() and len({v for e in kept for v in e}) == 4


# ---------------------------------------------------------------------------------------------
# Input handling
# ---------------------------------------------------------------------------------------------


def simple_graph(graph: Any, *, strict: bool = False, caller: str = "orbit_counts") -> Graph:
    """The undirected, unweighted, loop-free :class:`Graph` graphlet counting works on.

    Args:
        graph: any input :func:`graphkit.graph.as_graph` accepts.
        strict: raise instead of warning when the input is directed, weighted, has self-loops
            or repeated edges (default ``False``: fix the input and warn).
        caller: name used in warnings and errors.

    Returns:
        The canonical simple graph (symmetric CSR, sorted rows, no weights).

    Raises:
        GraphInputError: with ``strict=True``, on any of the problems above.
    """
    g = as_graph(graph, allow_empty=True)
    loops = bool(g.num_edges) and bool(np.any(g.indices == g.row_ids()))
    problems = [
        message
        for found, message in [
            (_has_repeated_pairs(graph), "repeated edges (multi-edges) were merged"),
            (g.directed, "the directed graph was symmetrised"),
            (g.weighted, "edge weights were ignored"),
            (loops, "self-loops were removed"),
        ]
        if found
    ]
    if problems and strict:
        raise GraphInputError(
            f"{caller}: graphlets need a simple undirected unweighted graph, but "
            f"{'; '.join(problems)} would be needed. Clean the graph first or pass strict=False."
        )
    if problems:
        warnings.warn(f"{caller}: {'; '.join(problems)}.", UserWarning, stacklevel=3)
    if g.directed or g.weighted or loops:
        pattern = g.to_scipy().astype(bool).astype(np.float64)
        g = as_graph(pattern, directed=False, self_loops="remove", allow_empty=True)
        g = Graph(g.indptr, g.indices, None, g.num_nodes, False, None)
    return g


def _has_repeated_pairs(graph: Any) -> bool:
    """Whether an edge-list-like input lists the same ordered pair twice (a multigraph)."""
    if hasattr(graph, "is_multigraph") and graph.is_multigraph():
        return any(count > 1 for count in _multiplicities(graph))
    edge_index = getattr(graph, "edge_index", graph)
    if hasattr(edge_index, "detach"):
        if getattr(edge_index, "layout", None) is not None and edge_index.is_sparse:
            return False
        edge_index = edge_index.detach().cpu().numpy()
    if not isinstance(edge_index, np.ndarray) or edge_index.ndim != 2:
        return False
    if edge_index.shape[0] != 2 and edge_index.shape[1] == 2:
        edge_index = edge_index.T
    if edge_index.shape[0] != 2 or not np.issubdtype(edge_index.dtype, np.integer):
        return False
    if edge_index.shape[1] == 0 or edge_index.min() < 0:
        return False  # as_graph reports bad ids
    keys = edge_index[0].astype(np.int64) * (int(edge_index.max()) + 1) + edge_index[1]
    return np.unique(keys).shape[0] < keys.shape[0]


def _multiplicities(graph: Any) -> list[int]:
    return [graph.number_of_edges(u, v) for u, v in set(graph.edges())]


def edge_list(graph: Any) -> np.ndarray:
    """Canonical undirected edge list, the row order of ``orbit_counts(..., on='edges')``.

    Args:
        graph: any supported graph input (made simple as in :func:`orbit_counts`).

    Returns:
        ``int64 [E, 2]`` array of pairs ``(u, v)`` with ``u < v``, sorted by ``u`` then ``v``.
    """
    g = simple_graph(graph, caller="edge_list")
    return _upper_edges(g)


def _upper_edges(g: Graph) -> np.ndarray:
    rows = g.row_ids()
    upper = g.indices > rows
    return np.stack([rows[upper], g.indices[upper]], axis=1).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def orbit_counts(
    graph: Any,
    size: int = 4,
    on: Literal["nodes", "edges"] = "nodes",
    *,
    strict: bool = False,
    progress: bool = False,
) -> np.ndarray:
    r"""Exact graphlet orbit counts of every node or edge, in ORCA's numbering.

    Entry ``[v, o]`` is the number of induced connected subgraphs on at most ``size`` nodes that
    contain node ``v`` on orbit ``o`` (see the module docstring for the numbering). For
    :math:`\le 4` nodes the counts solve the unitriangular system

    .. math::

        N_o(x) = \sum_{o'} A_{o o'} \, C_{o'}(x)

    relating induced counts :math:`C` to non-induced counts :math:`N`, which are closed forms
    in degrees, common neighbours, 4-cycles, triangles and 4-cliques (Hočevar & Demšar 2014
    relate orbit counts the same way), in :math:`O(\sum_v d_v^2)` time. 5-node orbits extend
    every connected 4-node set by one node, counting the extensions by their links to the set
    without listing them (module docstring): about 8 s on a 20,000-node Barabási–Albert graph
    with hubs of degree 500 on 2 cores (``benchmarks/orbits_speed.py``).

    Args:
        graph: any input :func:`graphkit.graph.as_graph` accepts. Directed or weighted graphs
            are symmetrised and unweighted, self-loops and repeated edges dropped, each with a
            warning.
        size: largest graphlet size, ``4`` (15 node / 12 edge orbits) or ``5`` (73 / 68).
            Default ``4``.
        on: ``'nodes'`` (default) or ``'edges'`` (ORCA's edge orbits, on graphlets of 3 to
            ``size`` nodes).
        strict: raise :class:`~graphkit.errors.GraphInputError` instead of fixing the input
            (default ``False``).
        progress: show a progress bar over batches of start nodes for the 5-node counts
            (the 4-node counts take well under a second per million edges and have none).

    Returns:
        ``int64`` array of shape ``[num_nodes, 15 | 73]`` for nodes (isolated nodes get zero
        rows), or ``[num_edges, 12 | 68]`` for edges with rows in the order of
        :func:`edge_list` (pairs ``u < v`` sorted by ``u``, then ``v``).

    Raises:
        ConfigError: ``size`` is not 4 or 5, or ``on`` is not ``'nodes'``/``'edges'``.
        GraphInputError: the input is malformed (or not simple, with ``strict=True``).
    """
    if isinstance(size, bool) or size not in (4, 5):
        raise ConfigError(
            f"orbit_counts: size must be 4 (graphlets on 2-4 nodes, 15 orbits) or 5 (2-5 nodes, "
            f"73 orbits); got {size!r}."
        )
    if on not in ("nodes", "edges"):
        raise ConfigError(f"orbit_counts: on must be 'nodes' or 'edges'; got {on!r}.")
    g = simple_graph(graph, strict=strict)
    indptr, indices = g.indptr, g.indices
    chunks = numba.get_num_threads() * 8
    triangles = kernels.edge_triangles(indptr, indices, chunks)
    if on == "nodes":
        counts = _node_counts4(indptr, indices, triangles, chunks)
        if size == 5:
            counts = np.hstack([counts, _counts5(g, "nodes", progress)])
        return counts
    counts = _edge_counts4(g, triangles, chunks)
    if size == 5:
        counts = np.hstack([counts, _counts5(g, "edges", progress)])
    return counts


def _node_counts4(
    indptr: np.ndarray, indices: np.ndarray, triangles: np.ndarray, chunks: int
) -> np.ndarray:
    """Induced node orbit counts 0-14 from the non-induced counts of the kernel."""
    non_induced = kernels.node_non_induced4(indptr, indices, triangles, chunks)
    return non_induced @ node_orbit_inverse().T


def _edge_counts4(g: Graph, triangles: np.ndarray, chunks: int) -> np.ndarray:
    """Edge orbits 0-11 from the hop-1 orbit adjacencies of each edge."""
    from graphkit.embed.orbit_adjacency import edge_pair_counts

    return edge_pair_counts(g, triangles, chunks)


def _counts5(g: Graph, on: str, progress: bool) -> np.ndarray:
    """Node orbits 15-72 (edge orbits 12-67) by extending every connected 4-node set.

    Each connected 4-node set ``U`` is enumerated once (ESU, Wernicke 2006). The nodes ``w``
    outside it are never listed: how many link to exactly the subset ``S`` of ``U`` follows by
    Möbius inversion from the numbers of nodes adjacent to all of ``S`` (degrees,
    common-neighbour counts, and a scan for the rarer triples whose pairs all have other common
    neighbours). A node (edge) of a 5-node graphlet is so credited
    :func:`five_node_multiplicity` times, divided out here. Memory: a few arrays of ``n`` per
    thread besides the output. The start nodes are processed in batches, one progress-bar step
    each.
    """
    threads = numba.get_num_threads()
    node_lut, edge_lut = five_node_lookup()
    on_edges = on == "edges"
    lut = edge_lut if on_edges else node_lut
    edge_of_slot = kernels.slot_edge_ids(g.indptr, g.indices)
    batches = max(1, min(g.num_nodes, _FIVE_BATCHES)) if progress else 1
    bounds = np.linspace(0, g.num_nodes, num=batches + 1).astype(np.int64)
    credited = None
    for start, stop in tqdm(list(zip(bounds[:-1], bounds[1:], strict=True)),
                            desc="5-node orbits", unit="batch", disable=not progress):
        batch = kernels.extend_four_sets(g.indptr, g.indices, lut, edge_of_slot, on_edges,
                                         threads, int(start), int(stop))
        credited = batch if credited is None else credited + batch
    counts, remainder = np.divmod(credited, five_node_multiplicity(on))
    if remainder.any():
        raise AssertionError("5-node credits are not multiples of their orbit multiplicity")
    return counts

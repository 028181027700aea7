r"""GRADCO orbit adjacency matrices for graphlets on up to 4 nodes, sparse throughout.

Windels, Malod-Dognin & Pržulj ("Graphlets correct for the topological information missed by
random walks", 2024) define, for orbits :math:`o_u, o_v` of one graphlet and a distance
:math:`h` between two of its nodes, the *orbit adjacency* matrix

.. math::

    A^{(o_u, o_v, h)}_{ab} = \#\{\text{induced graphlets } G \ni a, b :
        a \text{ on } o_u,\ b \text{ on } o_v,\ d_G(a, b) = h\}.

On graphlets with 2-4 nodes there are 20 such matrices, 8 of them asymmetric, which with their
transposes make the 28 keys of :data:`PAIR_KEYS`, ``(orbit_u, orbit_v, hops)`` with ORCA's
orbit numbering (see :mod:`graphkit.embed.orbits`); the keys are those of the ``gradco``
package, ``(hop, orbit_u, orbit_v)`` reordered.

Computation: per row :math:`a`, closed forms in common neighbours, 3-walks, triangle counts and
edges among common neighbours give *non-induced* pair counts :math:`N`, and the unitriangular
system :math:`N_p(a, b) = \sum_{p'} A_{p p'} C_{p'}(a, b)` (with :math:`A` derived by brute
force from the graphlets) gives the induced counts :math:`C`. Two passes over the rows (count
the nonzeros, then fill) build CSR matrices directly; nothing dense of size :math:`n^2` exists.
Time is that of the 3-walks, :math:`O(\sum_{(u, v) \in E} d_u d_v)`.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import networkx as nx
import numba
import numpy as np
import scipy.sparse as sp

from graphkit.embed import _orbit_kernels as kernels
from graphkit.embed.orbits import (
    GRAPHLETS,
    connected_spanning_subsets,
    integer_inverse,
    labelled_graphlets,
    simple_graph,
)
from graphkit.graph import Graph

__all__ = ["PAIR_KEYS", "orbit_adjacency", "edge_pair_counts"]

#: The 28 orbit adjacency keys ``(orbit_u, orbit_v, hops)``, in the kernels' order.
PAIR_KEYS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 1), (1, 2, 1), (2, 1, 1), (1, 1, 2), (3, 3, 1),
    (4, 5, 1), (5, 4, 1), (4, 5, 2), (5, 4, 2), (5, 5, 1), (4, 4, 3),
    (6, 7, 1), (7, 6, 1), (6, 6, 2), (8, 8, 1), (8, 8, 2),
    (9, 11, 1), (11, 9, 1), (9, 10, 2), (10, 9, 2), (10, 10, 1), (10, 11, 1), (11, 10, 1),
    (12, 13, 1), (13, 12, 1), (12, 12, 2), (13, 13, 1), (14, 14, 1),
)


def _pair_type(edges, orbits, u: int, v: int) -> tuple[int, int, int]:
    graph = nx.Graph(list(edges))
    return orbits[u], orbits[v], nx.shortest_path_length(graph, u, v)


@functools.lru_cache(maxsize=1)
def pair_inverse() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse rows of :math:`A^{-1}` for the pair orbits: ``(indptr, columns, values)``.

    ``A[p, p']`` counts the connected spanning subgraphs ``F`` of the graphlet of ``p'`` in which
    a pair of type ``p'`` has type ``p`` (orbits in ``F``, distance in ``F``).
    """
    table = labelled_graphlets()
    index = {key: i for i, key in enumerate(PAIR_KEYS)}
    a = np.zeros((len(PAIR_KEYS), len(PAIR_KEYS)), dtype=np.int64)
    for k, edges, orbits, _ in GRAPHLETS:
        if k > 4:
            continue
        for u, v in itertools.permutations(range(k), 2):
            column = np.zeros(len(PAIR_KEYS), dtype=np.int64)
            for subset in connected_spanning_subsets(k, edges):
                column[index[_pair_type(subset, table[subset][0], u, v)]] += 1
            a[:, index[_pair_type(edges, orbits, u, v)]] = column
    inverse = sp.csr_matrix(integer_inverse(a))
    return (inverse.indptr.astype(np.int64), inverse.indices.astype(np.int64),
            inverse.data.astype(np.int64))


def _key_to_edge_orbit() -> np.ndarray:
    """ORCA edge orbit of each hop-1 key of a 3- or 4-node graphlet, ``-1`` for the others."""
    mapping = np.full(len(PAIR_KEYS), -1, dtype=np.int64)
    index = {key: i for i, key in enumerate(PAIR_KEYS)}
    for k, edges, orbits, edge_orbits in GRAPHLETS:
        if not 3 <= k <= 4:
            continue
        for (u, v), orbit in zip(edges, edge_orbits, strict=True):
            mapping[index[(orbits[u], orbits[v], 1)]] = orbit
            mapping[index[(orbits[v], orbits[u], 1)]] = orbit
    return mapping


def _chunks() -> int:
    return numba.get_num_threads() * 4


def orbit_adjacency(graph: Any, *, strict: bool = False) -> dict[tuple[int, int, int], sp.csr_matrix]:
    r"""The 28 GRADCO orbit adjacency matrices of a graph, as sparse CSR matrices.

    .. math::

        A^{(o_u, o_v, h)}_{ab} = \#\{\text{induced graphlets on} \le 4 \text{ nodes with } a
        \text{ on } o_u,\ b \text{ on } o_v \text{ at distance } h \text{ inside it}\}

    (Windels, Malod-Dognin & Pržulj 2024). Asymmetric matrices come with their transposes:
    ``m[(o_v, o_u, h)] == m[(o_u, o_v, h)].T``. ``m[(0, 0, 1)]`` is the adjacency matrix.

    Args:
        graph: any input :func:`graphkit.graph.as_graph` accepts; directed, weighted, looped or
            multi-edge inputs are made simple with a warning.
        strict: raise :class:`~graphkit.errors.GraphInputError` instead (default ``False``).

    Returns:
        ``{(orbit_u, orbit_v, hops): scipy.sparse.csr_matrix}`` with the 28 keys of
        :data:`PAIR_KEYS`, each ``[n, n]`` with exact integer counts (``int32`` when every
        count fits, else ``int64``), sorted indices and no explicit zeros.
    """
    g = simple_graph(graph, strict=strict, caller="orbit_adjacency")
    n = g.num_nodes
    chunks = _chunks()
    triangles = kernels.edge_triangles(g.indptr, g.indices, chunks)
    inverse = pair_inverse()
    nnz, largest = kernels.pair_row_counts(g.indptr, g.indices, triangles, *inverse, chunks)
    indptrs = np.zeros((len(PAIR_KEYS), n + 1), dtype=np.int64)
    np.cumsum(nnz, axis=1, out=indptrs[:, 1:])
    offsets = np.concatenate([[0], np.cumsum(indptrs[:, -1])])
    index_dtype = np.int32 if n < 2**31 else np.int64
    indices = np.empty(offsets[-1], dtype=index_dtype)
    data_dtype = np.int32 if largest < 2**31 else np.int64  # halves the memory of big graphs
    data = np.empty(offsets[-1], dtype=data_dtype)
    starts = indptrs[:, :-1] + offsets[:-1, None]
    kernels.pair_fill(g.indptr, g.indices, triangles, *inverse, starts, indices, data, chunks)
    matrices = {}
    for k, key in enumerate(PAIR_KEYS):
        block = slice(offsets[k], offsets[k + 1])
        matrix = sp.csr_matrix(
            (data[block], indices[block], indptrs[k].astype(index_dtype)), shape=(n, n)
        )
        matrix.has_sorted_indices = False
        matrix.sort_indices()
        matrices[key] = matrix
    return matrices


def edge_pair_counts(g: Graph, triangles: np.ndarray, chunks: int) -> np.ndarray:
    """ORCA edge orbits 0-11 of every edge ``u < v`` of a simple graph (rows in CSR order).

    Args:
        g: simple undirected graph (from :func:`graphkit.embed.orbits.simple_graph`).
        triangles: triangles on every stored edge, ``int64 [num_edges]``.
        chunks: node groups handed to the parallel kernel.

    Returns:
        ``int64 [E, 12]``.
    """
    return kernels.edge_pair_orbits(
        g.indptr, g.indices, triangles, *pair_inverse(), _key_to_edge_orbit(), 12, chunks
    )

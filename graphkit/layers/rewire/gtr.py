r"""Greedy Total Resistance rewiring (Black, Wan, Nayyeri & Wang, "Understanding oversquashing in
GNNs through the lens of effective resistance", ICML 2023).

GTR repeatedly adds the non-edge :math:`(u, v)` that lowers the total effective resistance
:math:`R_{tot} = n\,\mathrm{tr}(L^+)` the most. With :math:`M = L^+`,
:math:`b = e_u - e_v` and :math:`m = M b`, adding :math:`(u, v)` is the rank-one update
:math:`L + b b^\top`, so by Sherman–Morrison

.. math::

    M' = M - \frac{m m^\top}{1 + R_{uv}}, \qquad
    R_{tot} - R'_{tot} = n\,\frac{\lVert M b \rVert^2}{1 + R_{uv}}
    = n\,\frac{S_{uu} + S_{vv} - 2 S_{uv}}{1 + M_{uu} + M_{vv} - 2 M_{uv}},

with :math:`S = M^2`; :math:`S` itself follows the update
:math:`S' = S - (m s^\top + s m^\top)/c + (m^\top m)\, m m^\top / c^2`, :math:`s = M m`,
:math:`c = 1 + R_{uv}`. The predicted reduction of each step is therefore exact.

On a disconnected graph the total is the per-component sum of
:func:`~graphkit.layers.rewire.total_effective_resistance`, :math:`n` becomes the size of the
component of :math:`u, v`, and only pairs inside one component are candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.linalg.lapack
import scipy.sparse as sp
import torch
from scipy.sparse.csgraph import connected_components
from torch_geometric.transforms import BaseTransform

from graphkit.errors import GraphInputError
from graphkit.layers.rewire._graph import EdgeSet, undirected_csr
from graphkit.layers.rewire._transform import check_positive_int, format_repr, graph_of, rewired

__all__ = ["GTR", "GTRResult", "greedy_total_resistance"]


@dataclass(frozen=True)
class GTRResult:
    """Output of :func:`greedy_total_resistance`.

    Attributes:
        edge_index: ``int64 [2, E + 2k]`` rewired graph (both directions, sorted).
        added: ``int64 [2, k]`` the added edges ``(u, v)``, ``u < v``, in the order added.
        predicted_reduction: ``float64 [k]`` the drop of the total resistance each addition
            causes, predicted by Sherman–Morrison before adding it.
    """

    edge_index: torch.Tensor
    added: torch.Tensor
    predicted_reduction: torch.Tensor


def greedy_total_resistance(
    edge_index: torch.Tensor,
    num_nodes: int | None = None,
    num_edges: int = 10,
    seed: int = 0,
    dense_max_nodes: int = 10000,
) -> GTRResult:
    r"""Add ``num_edges`` edges greedily, each minimising the total effective resistance.

    Works on dense :math:`n \times n` matrices (:math:`L^+` and :math:`(L^+)^2`, as the paper's
    algorithm): :math:`O(n^3)` once (Cholesky inverse of :math:`L + P` and a symmetric product),
    then :math:`O(n^2)` per added edge
    (a parallel numba scan of all pairs and two rank-one updates); memory about
    :math:`3 \cdot 8 n^2` bytes, hence ``dense_max_nodes``. Pairs of equal score are broken by a
    seeded random node order. Stops early when no candidate pair is left.

    Args:
        edge_index: ``[2, E]`` undirected graph, both directions listed, no self-loops/duplicates.
        num_nodes: number of nodes (default ``max id + 1``).
        num_edges: edges to add (default 10, chosen here; the paper varies it).
        seed: seed of the tie-breaking node order.
        dense_max_nodes: refuse larger graphs (default 10000, about 2.4 GB).

    Returns:
        A :class:`GTRResult` with the new ``edge_index``, the added edges and the predicted
        reduction of each.
    """
    num_edges = check_positive_int("num_edges", num_edges)
    graph = undirected_csr(edge_index, num_nodes)
    n = graph.num_nodes
    if n > dense_max_nodes:
        raise GraphInputError(
            f"GTR needs dense n x n matrices; num_nodes={n} > dense_max_nodes={dense_max_nodes} "
            f"(about {24 * n * n / 2**30:.1f} GiB). Raise dense_max_nodes if memory allows."
        )
    adjacency = sp.csr_matrix((np.ones(graph.indices.size), graph.indices, graph.indptr), shape=(n, n))
    _, labels = connected_components(adjacency, directed=False)
    sizes = np.bincount(labels).astype(np.float64)
    pinv = _laplacian_pinv(adjacency, labels, sizes)
    square = _symmetric(scipy.linalg.blas.dsyrk(1.0, pinv, lower=1))  # pinv @ pinv.T = pinv^2
    dense = adjacency.toarray().astype(np.bool_)
    order = np.random.default_rng(seed).permutation(n)
    edges = EdgeSet(graph.indptr, graph.indices)
    added, predicted = [], []
    for _ in range(num_edges):
        values, partners = _best_partner(pinv, square, dense, labels, sizes[labels], order)
        a = int(np.argmax(values))
        if values[a] == -np.inf:
            break
        u, v = sorted((int(order[a]), int(partners[a])))
        predicted.append(float(values[a]))
        added.append((u, v))
        dense[u, v] = dense[v, u] = True
        edges.add(u, v)
        m = pinv[:, u] - pinv[:, v]
        s = square[:, u] - square[:, v]
        _rank_update(pinv, square, m, s, 1.0 + m[u] - m[v])
    pairs = torch.tensor(added, dtype=torch.long).reshape(-1, 2).t().contiguous()
    return GTRResult(edges.edge_index(), pairs, torch.tensor(predicted, dtype=torch.float64))


def _laplacian_pinv(adjacency: sp.csr_matrix, labels: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    r""":math:`L^+ = (L + P)^{-1} - P`, :math:`P` the block averaging matrix of the components."""
    n = adjacency.shape[0]
    averaging = (labels[:, None] == labels[None, :]) / sizes[labels][:, None]
    matrix = averaging - adjacency.toarray()
    matrix[np.diag_indices(n)] += np.asarray(adjacency.sum(axis=1)).ravel()
    factor, info = scipy.linalg.lapack.dpotrf(matrix, lower=1, overwrite_a=1)
    if info == 0:
        inverse, info = scipy.linalg.lapack.dpotri(factor, lower=1, overwrite_c=1)
    if info != 0:  # pragma: no cover - L + P is positive definite by construction
        raise RuntimeError(f"Cholesky inversion of the Laplacian failed (LAPACK info {info}).")
    pinv = _symmetric(inverse)
    pinv -= averaging
    return pinv


def _symmetric(lower: np.ndarray) -> np.ndarray:
    """The symmetric matrix whose lower triangle is that of ``lower`` (LAPACK/BLAS output)."""
    upper = np.triu_indices_from(lower, k=1)
    lower[upper] = lower.T[upper]
    return np.ascontiguousarray(lower)


@numba.njit(cache=True, parallel=True)
def _best_partner(pinv, square, dense, labels, comp_size, order):
    """For each node (in ``order``), the later node giving the largest predicted reduction."""
    n = order.shape[0]
    values = np.full(n, -np.inf)
    partners = np.full(n, -1, dtype=np.int64)
    for a in numba.prange(n):
        u = order[a]
        for b in range(a + 1, n):
            v = order[b]
            if dense[u, v] or labels[u] != labels[v]:
                continue
            gain = square[u, u] + square[v, v] - 2.0 * square[u, v]
            resistance = pinv[u, u] + pinv[v, v] - 2.0 * pinv[u, v]
            value = comp_size[u] * gain / (1.0 + resistance)
            if value > values[a]:
                values[a] = value
                partners[a] = v
    return values, partners


@numba.njit(cache=True, parallel=True)
def _rank_update(pinv, square, m, s, c):
    """Sherman–Morrison update of ``pinv`` and of ``square = pinv @ pinv``, in place."""
    n = m.shape[0]
    mm = (m * m).sum()
    for r in numba.prange(n):
        for q in range(n):
            pinv[r, q] -= m[r] * m[q] / c
            square[r, q] += -(m[r] * s[q] + s[r] * m[q]) / c + mm * m[r] * m[q] / (c * c)


class GTR(BaseTransform):
    r"""Greedy Total Resistance rewiring (Black et al., ICML 2023) as a PyG transform.

    Returns a copy of the ``Data`` with ``num_edges`` edges added by
    :func:`greedy_total_resistance`; the input is never modified. ``edge_attr``, ``edge_weight``
    and other edge-level attributes are dropped. Call :func:`greedy_total_resistance` directly
    for the added edges and their predicted reductions.

    .. math::

        (u, v) = \arg\max_{u \not\sim v} n\,
            \frac{\lVert L^+ (e_u - e_v) \rVert^2}{1 + R_{uv}}.

    Args:
        num_edges: edges to add (default 10).
        seed: seed of the tie-breaking node order.
    """

    def __init__(self, num_edges: int = 10, seed: int = 0) -> None:
        self.num_edges = check_positive_int("num_edges", num_edges)
        self.seed = check_positive_int("seed", seed)

    def forward(self, data: Any) -> Any:
        edge_index, num_nodes = graph_of(data)
        result = greedy_total_resistance(edge_index, num_nodes, num_edges=self.num_edges, seed=self.seed)
        return rewired(data, result.edge_index)

    def __repr__(self) -> str:
        return format_repr("GTR", num_edges=self.num_edges, seed=self.seed)

"""LASER: locality-aware sequential rewiring (Barbero et al., "Locality-aware graph rewiring in
GNNs", ICLR 2024).

LASER builds a sequence of graph snapshots :math:`G_1 = G, G_2, \\dots, G_R`. Snapshot
:math:`r \\ge 2` connects each node :math:`v` to a fraction :math:`\\rho` of its *r-hop orbit*
:math:`\\mathcal O_r(v) = \\{u : d_G(v, u) = r\\}` (locality: only nodes at distance exactly
:math:`r`; sparsity: only a fraction), chosen as the nodes :math:`v` is *least connected* to,
since those suffer most from over-squashing. Connectivity is the number of walks with lazy steps,

.. math::
    \\mu_k(v, u) = \\big((A + I)^k\\big)_{vu},

and :math:`v` receives edges from the :math:`\\lceil \\rho\\,|\\mathcal O_r(v)| \\rceil` nodes of
:math:`\\mathcal O_r(v)` with the lowest :math:`\\mu_k(v, u)`, ties broken at random (seeded).
With :math:`k = r` (the default), :math:`\\mu_r(v, u)` is the number of shortest paths from
:math:`v` to :math:`u`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.transforms import BaseTransform

from graphkit.errors import ConfigError
from graphkit.graph import as_graph
from graphkit.layers.rewire.drew import k_hop_rings

__all__ = ["LASER", "laser_snapshots"]


def laser_snapshots(
    edge_index: torch.Tensor, num_nodes: int | None = None, max_distance: int = 3,
    rho: float = 0.5, walk_length: int | None = None, seed: int = 0,
) -> list[torch.Tensor]:
    """The LASER snapshots of a graph.

    Args:
        edge_index: ``[2, E]`` edges (symmetrised; self-loops ignored).
        num_nodes: number of nodes (default: ``max id + 1``).
        max_distance: :math:`R`, the last snapshot's distance (default 3; ``>= 1``).
        rho: fraction :math:`\\rho \\in (0, 1]` of each orbit connected (default 0.5).
        walk_length: :math:`k` of :math:`\\mu_k` (default ``None``: :math:`k = r`).
        seed: seed of the random tie-breaking.

    Returns:
        ``R`` tensors ``[2, E_r]``: the canonical undirected input graph (``r = 1``), then for
        ``r = 2..R`` the added edges ``u → v`` (row 0 the chosen orbit node ``u``, row 1 the
        receiving node ``v``), sorted by ``v``.
    """
    _check(max_distance, rho, walk_length)
    graph = as_graph(edge_index, num_nodes=num_nodes, directed=False, self_loops="remove",
                     allow_empty=True)
    n = graph.num_nodes
    rng = np.random.default_rng(seed)
    lazy = (graph.to_scipy().astype(np.float64) + sp.identity(n, format="csr")).tocsr()
    lazy.data[:] = 1.0
    rings = k_hop_rings(graph.to_edge_index()[0], max_distance, n)
    snapshots = [graph.to_edge_index()[0]]
    walks = sp.identity(n, format="csr", dtype=np.float64)
    for r in range(1, max_distance + 1):
        walks = (walks @ lazy).tocsr()
        if r == 1:
            continue
        k = walk_length or r
        counts = walks if k == r else _matrix_power(lazy, k)
        source, target = rings[r - 1].numpy()
        mu = np.asarray(counts[target, source]).ravel()
        snapshots.append(_lowest_fraction(source, target, mu, rho, n, rng))
    return snapshots


def _matrix_power(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    result = sp.identity(matrix.shape[0], format="csr", dtype=np.float64)
    for _ in range(k):
        result = (result @ matrix).tocsr()
    return result


def _lowest_fraction(
    source: np.ndarray, target: np.ndarray, mu: np.ndarray, rho: float, n: int,
    rng: np.random.Generator,
) -> torch.Tensor:
    """For every target, the ``ceil(rho * count)`` sources of lowest ``mu`` (random tie-break)."""
    if source.size == 0:
        return torch.empty(2, 0, dtype=torch.long)
    order = np.lexsort((rng.permutation(source.size), mu, target))
    source, target = source[order], target[order]
    counts = np.bincount(target, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(target.size) - starts[target]
    keep = rank < np.ceil(rho * counts[target] - 1e-9)
    return torch.from_numpy(np.stack([source[keep], target[keep]]).astype(np.int64))


def _check(max_distance: int, rho: float, walk_length: int | None) -> None:
    if isinstance(max_distance, bool) or not isinstance(max_distance, (int, np.integer)) or max_distance < 1:
        raise ConfigError(f"max_distance must be an integer >= 1; got {max_distance!r}.")
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not (0 < rho <= 1) or math.isnan(rho):
        raise ConfigError(f"rho must be a fraction in (0, 1]; got {rho!r}.")
    if walk_length is not None and (
        isinstance(walk_length, bool) or not isinstance(walk_length, (int, np.integer)) or walk_length < 1
    ):
        raise ConfigError(f"walk_length must be an integer >= 1 or None (k = r); got {walk_length!r}.")


class LASER(BaseTransform):
    """LASER rewiring as a PyG transform (see the module docstring for the math).

    The returned ``Data`` (a copy; the input is never modified) gets
    ``edge_index_snapshots``: the list of :func:`laser_snapshots` (index ``r - 1`` for distance
    ``r``), for models that message-pass over each snapshot separately as in the paper. With
    ``merge=True`` (default) ``edge_index`` becomes the undirected union of all snapshots, the
    single rewired graph an ordinary MPNN (GCN) uses.

    Args:
        max_distance: :math:`R` (default 3). rho: :math:`\\rho` (default 0.5).
        walk_length: :math:`k` (default ``None``: :math:`k = r`).
        merge: replace ``edge_index`` by the union (default ``True``).
        seed: seed of the tie-breaking (default 0).
    """

    def __init__(
        self, max_distance: int = 3, rho: float = 0.5, walk_length: int | None = None,
        merge: bool = True, seed: int = 0,
    ) -> None:
        _check(max_distance, rho, walk_length)
        self.max_distance, self.rho, self.walk_length = max_distance, rho, walk_length
        self.merge, self.seed = merge, seed

    def forward(self, data):
        snapshots = laser_snapshots(
            data.edge_index, data.num_nodes, self.max_distance, self.rho, self.walk_length, self.seed
        )
        data.edge_index_snapshots = snapshots
        if self.merge:
            merged = as_graph(torch.cat(snapshots, dim=1), num_nodes=data.num_nodes, directed=False,
                              allow_empty=True)
            data.edge_index = merged.to_edge_index()[0]
            for key in ("edge_weight", "edge_attr"):  # no longer aligned with edge_index
                if key in data:
                    del data[key]
        return data

    def __repr__(self) -> str:
        return (f"LASER(max_distance={self.max_distance}, rho={self.rho}, "
                f"walk_length={self.walk_length}, merge={self.merge}, seed={self.seed})")

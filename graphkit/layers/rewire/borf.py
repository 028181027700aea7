r"""Batch Ollivier–Ricci Flow (Nguyen, Hieu, Nguyen, Ho, Osher & Nguyen, "Revisiting
over-smoothing and over-squashing using Ollivier–Ricci curvature", ICML 2023, Algorithm 1).

Each of ``num_iterations`` batches computes the Ollivier–Ricci curvature
:math:`\kappa(u, v) = 1 - W_1(m_u, m_v)` of every edge
(:func:`~graphkit.layers.rewire.ollivier_ricci_curvature`), then

* for each of the ``batch_add`` most negatively curved edges :math:`u \sim v`, takes the optimal
  transport plan :math:`\pi` between :math:`m_u` and :math:`m_v` and connects the pair
  :math:`(p, q)` that carries the most mass over a distance :math:`d(p, q) \ge 2`,

  .. math::

      (p, q) = \arg\max_{d(p, q) \ge 2} \pi_{pq},

  which shortens that transport and so raises :math:`\kappa(u, v)` (over-squashing);
* removes the ``batch_remove`` most positively curved edges (over-smoothing).

Only edges with :math:`\kappa < 0` get an addition and only edges with :math:`\kappa > 0` are
removed: a flat edge (:math:`\kappa = 0`, every edge of a cycle of 6 or more nodes) is neither a
bottleneck nor over-smoothing, and removing it would cut a cycle into paths.

All curvatures and plans of a batch are computed on the graph at the start of the batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch_geometric.transforms import BaseTransform

from graphkit.layers.rewire._graph import EdgeSet, UndirectedCSR, undirected_csr
from graphkit.layers.rewire._transform import check_positive_int, format_repr, graph_of, rewired
from graphkit.layers.rewire.curvature import Transport, check_alpha, orc_csr

__all__ = ["BORF", "borf"]


def borf(
    edge_index: torch.Tensor,
    num_nodes: int | None = None,
    num_iterations: int = 10,
    batch_add: int = 4,
    batch_remove: int = 2,
    alpha: float = 0.0,
    seed: int = 0,
) -> torch.Tensor:
    """Rewire an undirected graph with BORF; returns the new ``edge_index`` (both directions).

    Edges of equal curvature are ranked in a random order drawn from ``seed`` (unweighted
    graphs have many ties). An edge whose plan moves no mass over a distance of 2 or more adds
    nothing; the removed edges are never among the ``batch_add`` lowest ones (small graphs).

    Args:
        edge_index: ``[2, E]`` undirected graph, both directions listed, no self-loops/duplicates.
        num_nodes: number of nodes (default ``max id + 1``).
        num_iterations: number of batches (default 10).
        batch_add: edges added per batch, :math:`h` (default 4).
        batch_remove: edges removed per batch, :math:`k` (default 2).
        alpha: idleness of the neighbour measures (default 0).
        seed: seed of the tie-breaking ``numpy.random.Generator``.

    Returns:
        ``int64 [2, E']`` edge_index, sorted by (source, target).
    """
    num_iterations = check_positive_int("num_iterations", num_iterations)
    batch_add = check_positive_int("batch_add", batch_add)
    batch_remove = check_positive_int("batch_remove", batch_remove)
    alpha = check_alpha(alpha)
    graph = undirected_csr(edge_index, num_nodes)
    rng = np.random.default_rng(seed)
    edges = EdgeSet(graph.indptr, graph.indices)
    n = graph.num_nodes
    for _ in range(num_iterations):
        indptr, indices = edges.csr()
        current = UndirectedCSR(indptr, indices, n, np.arange(indices.size))
        is_upper = edges.keys // n < edges.keys % n
        upper = edges.keys[is_upper]
        if upper.size == 0:
            break
        transport = Transport(current, alpha)
        us, vs = upper // n, upper % n
        kappa = orc_csr(indptr, indices, alpha)[is_upper]
        order = np.lexsort((rng.permutation(upper.size), kappa))
        lowest = [e for e in order[:batch_add] if kappa[e] < 0]
        additions = [_best_pair(transport, int(us[e]), int(vs[e])) for e in lowest]
        highest = order[::-1][: min(batch_remove, max(upper.size - batch_add, 0))]
        removals = [e for e in highest if kappa[e] > 0]
        for e in removals:
            edges.remove(int(us[e]), int(vs[e]))
        for pair in additions:
            if pair is not None and not edges.has(np.array([pair[0]]), np.array([pair[1]]))[0]:
                edges.add(*pair)
    return edges.edge_index()


def _best_pair(transport: Transport, u: int, v: int) -> tuple[int, int] | None:
    """The pair at distance >= 2 carrying the most mass in an optimal plan from m_u to m_v."""
    plan = transport.plan(u, v)
    mass = np.where(plan.distances >= 2, plan.plan, 0.0)
    if mass.size == 0 or mass.max() <= 0.0:
        return None
    r, c = np.unravel_index(int(np.argmax(mass)), mass.shape)
    p, q = int(plan.sources[r]), int(plan.targets[c])
    return (min(p, q), max(p, q))


class BORF(BaseTransform):
    r"""Batch Ollivier–Ricci Flow rewiring (Nguyen et al., ICML 2023) as a PyG transform.

    Returns a copy of the ``Data`` rewired by :func:`borf`; the input is never modified.
    ``edge_attr``, ``edge_weight`` and other edge-level attributes are dropped. Deterministic
    for a given ``seed`` (ties between equal curvatures are broken by a seeded permutation).

    .. math::

        \kappa(u, v) = 1 - W_1(m_u, m_v), \qquad
        \text{add } \arg\max_{d(p, q) \ge 2} \pi^{uv}_{pq} \text{ for the } h
        \text{ lowest } \kappa, \text{ remove the } k \text{ highest.}

    Defaults: 10 batches of :math:`h = 4` additions and :math:`k = 2` removals (chosen here;
    the paper tunes the number of batches, :math:`h` and :math:`k` per dataset).

    Args:
        num_iterations: number of batches.
        batch_add: edges added per batch (:math:`h`).
        batch_remove: edges removed per batch (:math:`k`).
        seed: random seed (tie-breaking).
    """

    def __init__(
        self, num_iterations: int = 10, batch_add: int = 4, batch_remove: int = 2, seed: int = 0
    ) -> None:
        self.num_iterations = check_positive_int("num_iterations", num_iterations)
        self.batch_add = check_positive_int("batch_add", batch_add)
        self.batch_remove = check_positive_int("batch_remove", batch_remove)
        self.seed = check_positive_int("seed", seed)

    def forward(self, data: Any) -> Any:
        edge_index, num_nodes = graph_of(data)
        new = borf(
            edge_index, num_nodes, num_iterations=self.num_iterations,
            batch_add=self.batch_add, batch_remove=self.batch_remove, seed=self.seed,
        )
        return rewired(data, new)

    def __repr__(self) -> str:
        return format_repr(
            "BORF", num_iterations=self.num_iterations, batch_add=self.batch_add,
            batch_remove=self.batch_remove, seed=self.seed,
        )

r"""Effective resistance (Black et al., "Understanding oversquashing in GNNs through the lens of
effective resistance", ICML 2023).

Seeing each edge as a unit resistor, the effective resistance between :math:`u` and :math:`v` is

.. math::

    R_{uv} = (e_u - e_v)^\top L^+ (e_u - e_v),

with :math:`L = D - A` the graph Laplacian and :math:`L^+` its pseudo-inverse. A large
:math:`R_{uv}` means few, long paths between :math:`u` and :math:`v`, which bounds how much
information message passing can move between them; the total resistance
:math:`R_{tot} = \sum_{u < v} R_{uv} = n\,\mathrm{tr}(L^+)` (connected graph) measures this for
the whole graph, and :class:`~graphkit.layers.rewire.GTR` adds the edges that lower it most.

Nothing here forms a dense :math:`n \times n` matrix: :math:`L` is *grounded* (the row and column
of one node per connected component removed), which leaves a positive definite sparse matrix
:math:`L_g` factored once by SuperLU; with :math:`G` the inverse of :math:`L_g` padded with zeros
at the grounded nodes, :math:`R_{uv} = G_{uu} + G_{vv} - 2 G_{uv}` for :math:`u, v` in the same
component and :math:`L^+ = (I - J_c)\, G\, (I - J_c)` per component (:math:`J_c` the averaging
matrix), so :math:`\mathrm{tr}(L_c^+) = \mathrm{tr}(G_c) - \mathbf{1}^\top G_c \mathbf{1} / n_c`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from graphkit.errors import GraphInputError
from graphkit.layers.rewire._graph import UndirectedCSR, undirected_csr

__all__ = ["effective_resistance", "total_effective_resistance"]

_BLOCK_ENTRIES = 1 << 24  # right-hand sides are solved in blocks of about 16M entries (128 MiB)


def effective_resistance(
    edge_index: torch.Tensor, pairs: torch.Tensor, num_nodes: int | None = None
) -> torch.Tensor:
    """Effective resistance :math:`R_{uv}` of node pairs, by sparse grounded-Laplacian solves.

    Args:
        edge_index: ``[2, E]`` undirected graph, both directions listed, no self-loops/duplicates.
        pairs: ``[2, P]`` integer tensor of node pairs ``(pairs[0, k], pairs[1, k])``.
        num_nodes: number of nodes (default ``max id + 1`` of ``edge_index``).

    Returns:
        ``float64 [P]``: :math:`R_{uv}`; 0 for ``u == v`` and ``inf`` for nodes in different
        connected components.
    """
    graph = undirected_csr(edge_index, num_nodes)
    us, vs = _check_pairs(pairs, graph.num_nodes)
    solver = _GroundedSolver(graph)
    out = np.full(us.shape[0], np.inf)
    same = solver.labels[us] == solver.labels[vs]
    out[same & (us == vs)] = 0.0
    todo = np.flatnonzero(same & (us != vs))
    for block in _blocks(todo, solver.block_columns):
        rhs = np.zeros((graph.num_nodes, block.size))
        rhs[us[block], np.arange(block.size)] += 1.0
        rhs[vs[block], np.arange(block.size)] -= 1.0
        x = solver.solve(rhs)
        out[block] = x[us[block], np.arange(block.size)] - x[vs[block], np.arange(block.size)]
    return torch.from_numpy(out)


def total_effective_resistance(edge_index: torch.Tensor, num_nodes: int | None = None) -> float:
    r"""Total effective resistance: :math:`\sum R_{uv}` over unordered pairs in the same component.

    For a connected graph this is :math:`R_{tot} = n\,\mathrm{tr}(L^+)` (Black et al., 2023).
    For a disconnected graph it is the sum over components :math:`c` of
    :math:`n_c\,\mathrm{tr}(L_c^+)`: pairs in different components (infinite resistance) are left
    out, so adding an edge inside a component lowers it and the value stays finite.

    Cost: one sparse factorisation and :math:`n` triangular solves (the diagonal of :math:`G`),
    in blocks; memory stays linear in the factor size plus one block of right-hand sides.

    Args:
        edge_index: ``[2, E]`` undirected graph, both directions listed, no self-loops/duplicates.
        num_nodes: number of nodes (default ``max id + 1``).

    Returns:
        The total resistance (a Python float).
    """
    graph = undirected_csr(edge_index, num_nodes)
    solver = _GroundedSolver(graph)
    n = graph.num_nodes
    sizes = np.bincount(solver.labels)
    trace = np.zeros(sizes.size)  # tr(G_c)
    quad = np.zeros(sizes.size)  # 1^T G_c 1
    nodes = np.flatnonzero(~solver.ground)
    for block in _blocks(nodes, solver.block_columns):
        rhs = np.zeros((n, block.size))
        rhs[block, np.arange(block.size)] = 1.0
        x = solver.solve(rhs)
        np.add.at(trace, solver.labels[block], x[block, np.arange(block.size)])
    big = np.flatnonzero(sizes > 1)
    for block in _blocks(big, solver.block_columns):
        rhs = (solver.labels[:, None] == block[None, :]).astype(np.float64)
        quad[block] = (rhs * solver.solve(rhs)).sum(axis=0)
    return float((sizes * trace - quad).sum())  # components of one node contribute 0


class _GroundedSolver:
    """Solves :math:`L_g x = b` on the non-grounded nodes (grounded entries of ``x`` are 0)."""

    def __init__(self, graph: UndirectedCSR) -> None:
        n = graph.num_nodes
        adjacency = sp.csr_matrix(
            (np.ones(graph.indices.size), graph.indices, graph.indptr), shape=(n, n)
        )
        laplacian = sp.diags(graph.degrees.astype(np.float64)) - adjacency
        _, self.labels = connected_components(adjacency, directed=False)
        first = np.unique(self.labels, return_index=True)[1]
        self.ground = np.zeros(n, dtype=bool)
        self.ground[first] = True  # one node per component: the one with the lowest id
        self.free = np.flatnonzero(~self.ground)
        self.block_columns = max(1, min(512, _BLOCK_ENTRIES // max(n, 1)))
        self._lu = None
        if self.free.size:
            reduced = laplacian[self.free][:, self.free].tocsc()
            self._lu = splu(
                reduced,
                permc_spec="MMD_AT_PLUS_A",
                diag_pivot_thresh=0.0,
                options={"SymmetricMode": True},
            )
        self.num_nodes = n

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        out = np.zeros((self.num_nodes, rhs.shape[1]))
        if self._lu is not None:
            out[self.free] = self._lu.solve(np.ascontiguousarray(rhs[self.free]))
        return out


def _blocks(items: np.ndarray, size: int) -> list[np.ndarray]:
    """``items`` cut into consecutive non-empty blocks of at most ``size`` entries."""
    return [items[start : start + size] for start in range(0, items.size, size)]


def _check_pairs(pairs: torch.Tensor, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(pairs, torch.Tensor) or pairs.dim() != 2 or pairs.size(0) != 2:
        shape = list(pairs.shape) if isinstance(pairs, torch.Tensor) else type(pairs).__name__
        raise GraphInputError(f"pairs must be a torch.Tensor of shape [2, P]; got {shape}.")
    if pairs.dtype not in (torch.int32, torch.int64):
        raise GraphInputError(f"pairs must hold integer node ids; got dtype {pairs.dtype}.")
    array = pairs.detach().cpu().numpy().astype(np.int64)
    if array.size and (array.min() < 0 or array.max() >= num_nodes):
        raise GraphInputError(
            f"pairs holds node ids outside [0, num_nodes={num_nodes}); fix the pairs or pass "
            "num_nodes."
        )
    return array[0], array[1]

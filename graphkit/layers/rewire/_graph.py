"""Validation shared by the rewiring diagnostics and transforms.

Every public function of :mod:`graphkit.layers.rewire` takes an ``edge_index`` ``[2, E]`` that
lists each undirected edge in **both directions**, without self-loops or duplicate columns (the
PyG convention for undirected graphs). :func:`undirected_csr` checks that and returns the
sorted CSR adjacency plus, for every column of ``edge_index``, its slot in the CSR arrays, so
per-edge results computed on the CSR can be returned in the caller's column order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from graphkit.errors import GraphInputError

__all__ = ["EdgeSet", "UndirectedCSR", "check_int", "edge_keys_to_csr", "undirected_csr"]


@dataclass(frozen=True)
class UndirectedCSR:
    """A validated undirected graph: row ``u`` of the CSR lists the neighbours of ``u``, sorted.

    Attributes:
        indptr: ``int64 [num_nodes + 1]``. indices: ``int64 [2 * num_undirected_edges]``.
        num_nodes: node count. position: ``int64 [E]``, CSR slot of each ``edge_index`` column.
    """

    indptr: np.ndarray
    indices: np.ndarray
    num_nodes: int
    position: np.ndarray

    @property
    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.num_nodes, dtype=np.int64), self.degrees)


def undirected_csr(edge_index: Any, num_nodes: int | None = None) -> UndirectedCSR:
    """Validate an undirected ``edge_index`` (both directions listed) and build its CSR.

    Raises:
        GraphInputError: not a ``[2, E]`` integer tensor, ``num_nodes`` invalid or too small,
            an empty graph (0 nodes), self-loops, duplicate columns, or a column ``u → v``
            whose reverse ``v → u`` is missing. The message names ``edge_index``/``num_nodes``.
    """
    if not isinstance(edge_index, torch.Tensor):
        raise GraphInputError(
            f"edge_index must be a torch.Tensor of shape [2, E]; got {type(edge_index).__name__}. "
            "Convert other graphs with graphkit.graph.as_graph(...).to_edge_index()."
        )
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise GraphInputError(f"edge_index must have shape [2, E]; got {list(edge_index.shape)}.")
    if edge_index.dtype not in (torch.int32, torch.int64):
        raise GraphInputError(
            f"edge_index must hold integer node ids; got dtype {edge_index.dtype} (use .long())."
        )
    ei = edge_index.detach().cpu().numpy().astype(np.int64, copy=False)
    src, dst = ei[0], ei[1]
    if num_nodes is None:
        num_nodes = int(ei.max()) + 1 if ei.size else 0
    check_int("num_nodes", num_nodes, 1, hint=" (the graph is empty; pass a graph with nodes)")
    num_nodes = int(num_nodes)
    if ei.size and (int(ei.min()) < 0 or int(ei.max()) >= num_nodes):
        raise GraphInputError(
            f"edge_index holds node ids outside [0, num_nodes={num_nodes}) (min {int(ei.min())}, "
            f"max {int(ei.max())}); pass the right num_nodes or relabel the nodes."
        )
    if np.any(src == dst):
        raise GraphInputError(
            "edge_index has self-loops, which curvature and rewiring do not define; remove them "
            "first (torch_geometric.utils.remove_self_loops)."
        )
    key = src * num_nodes + dst
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    if sorted_key.size > 1 and np.any(sorted_key[1:] == sorted_key[:-1]):
        raise GraphInputError(
            "edge_index has duplicate columns; coalesce it first (torch_geometric.utils.coalesce)."
        )
    reverse = dst * num_nodes + src
    slot = np.searchsorted(sorted_key, reverse)
    found = slot < sorted_key.size
    found[found] = sorted_key[slot[found]] == reverse[found]
    if not np.all(found):
        bad = int(np.flatnonzero(~found)[0])
        raise GraphInputError(
            f"edge_index must list every undirected edge in both directions; column {bad} "
            f"({int(src[bad])} → {int(dst[bad])}) has no reverse column. Symmetrise it with "
            "torch_geometric.utils.to_undirected(edge_index)."
        )
    indptr = np.zeros(num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=num_nodes), out=indptr[1:])
    position = np.empty_like(order)
    position[order] = np.arange(order.size, dtype=np.int64)
    return UndirectedCSR(indptr, np.ascontiguousarray(dst[order]), num_nodes, position)


def edge_keys_to_csr(keys: np.ndarray, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` of a symmetric graph given its sorted directed keys ``u·n + v``."""
    rows, cols = keys // num_nodes, keys % num_nodes
    indptr = np.zeros(num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_nodes), out=indptr[1:])
    return indptr, np.ascontiguousarray(cols)


def check_int(
    name: str, value: Any, minimum: int, hint: str = "", error: type[Exception] = GraphInputError
) -> None:
    """Raise ``error`` naming ``name`` unless ``value`` is an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise error(f"{name} must be an int >= {minimum}; got {value!r}{hint}.")


class EdgeSet:
    """A mutable undirected simple graph kept as sorted directed keys ``u·n + v`` (both ways).

    Adding or removing an edge costs O(E) (array insert/delete); :meth:`csr` rebuilds the
    sorted CSR arrays lazily. Used by the rewiring loops, which edit a few edges per step.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray) -> None:
        self.num_nodes = indptr.size - 1
        rows = np.repeat(np.arange(self.num_nodes, dtype=np.int64), np.diff(indptr))
        self.keys = rows * self.num_nodes + indices
        self._csr: tuple[np.ndarray, np.ndarray] | None = (indptr, indices)

    def slots(self, us: np.ndarray, vs: np.ndarray) -> np.ndarray:
        """Positions of the directed edges ``us[k] → vs[k]`` in :attr:`keys` (must exist)."""
        return np.searchsorted(self.keys, np.asarray(us) * self.num_nodes + np.asarray(vs))

    def has(self, us: np.ndarray, vs: np.ndarray) -> np.ndarray:
        keys = np.asarray(us) * self.num_nodes + np.asarray(vs)
        pos = np.minimum(np.searchsorted(self.keys, keys), max(self.keys.size - 1, 0))
        return self.keys[pos] == keys if self.keys.size else np.zeros(keys.shape, dtype=bool)

    def add(self, u: int, v: int) -> np.ndarray:
        """Insert ``u ~ v``; returns the two new positions (in increasing order) in :attr:`keys`."""
        new = np.sort(np.array([u * self.num_nodes + v, v * self.num_nodes + u], dtype=np.int64))
        at = np.searchsorted(self.keys, new)
        self.keys = np.insert(self.keys, at, new)
        self._csr = None
        return at + np.arange(2)

    def remove(self, u: int, v: int) -> np.ndarray:
        """Delete ``u ~ v``; returns the two old positions in :attr:`keys`."""
        at = np.sort(self.slots(np.array([u, v]), np.array([v, u])))
        self.keys = np.delete(self.keys, at)
        self._csr = None
        return at

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        if self._csr is None:
            self._csr = edge_keys_to_csr(self.keys, self.num_nodes)
        return self._csr

    def edge_index(self) -> torch.Tensor:
        return torch.from_numpy(np.stack([self.keys // self.num_nodes, self.keys % self.num_nodes]))

"""The one place where graph inputs are validated and converted.

Every graphkit function that takes a graph calls :func:`as_graph` first and works on the
canonical :class:`Graph` it returns: a CSR adjacency with sorted column indices, merged
duplicates and (for undirected graphs) a symmetric pattern.

Accepted inputs:

* ``torch_geometric.data.Data`` (``edge_index``, optional 1-D ``edge_weight`` or ``edge_attr``,
  ``num_nodes``),
* an ``edge_index`` tensor of shape ``[2, E]`` (with ``edge_weight=`` and ``num_nodes=``),
* a torch sparse adjacency (COO, CSR or CSC; entry ``[u, v]`` is the weight of edge ``u → v``),
* a ``scipy.sparse`` matrix or array (square; stored values are edge weights),
* a ``networkx`` graph with any hashable node labels (the label of node ``i`` is kept in
  :attr:`Graph.node_labels`),
* a numpy array: integer ``(2, E)`` is an ``edge_index``, integer ``(E, 2)`` an edge list and
  any other square ``(n, n)`` array a dense adjacency matrix,
* a :class:`Graph` (returned unchanged when the requested options match).

Canonicalisation rules, in this order:

1. ids must be integers in ``[0, num_nodes)``; weights must be finite;
2. self-loops are kept, removed or rejected (``self_loops='keep'|'remove'|'error'``);
3. repeated ``(u, v)`` pairs are merged, summing their weights (unweighted graphs stay 0/1);
4. undirected graphs are symmetrised with :math:`w_{uv} = \\max(w_{uv}, w_{vu})`, so a graph
   listed in both directions is unchanged and one listed in one direction is mirrored (with its
   own weight, even a zero or negative one: the max runs over the directions present).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
import torch

from graphkit.errors import GraphInputError

__all__ = ["Graph", "as_graph", "SelfLoops"]

SelfLoops = Literal["keep", "remove", "error"]
_SELF_LOOP_CHOICES = ("keep", "remove", "error")


@dataclass(frozen=True, eq=False)
class Graph:
    """Canonical CSR graph: row ``u`` lists the out-neighbours of ``u`` in increasing order.

    Attributes:
        indptr: ``int64`` array of shape ``[num_nodes + 1]``.
        indices: ``int64`` array of shape ``[num_edges]`` (column ids, sorted within a row).
        weights: ``float64`` array of shape ``[num_edges]``, or ``None`` when unweighted.
        num_nodes: number of nodes (isolated nodes included).
        directed: ``False`` when the pattern is symmetric (each undirected edge stored twice).
        node_labels: original node labels (networkx nodes, string ids), ``None`` for 0..n-1.
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray | None
    num_nodes: int
    directed: bool
    node_labels: tuple[Hashable, ...] | None = None

    @property
    def num_edges(self) -> int:
        """Stored (directed) edges; an undirected edge counts twice, a self-loop once."""
        return int(self.indices.shape[0])

    @property
    def num_undirected_edges(self) -> int:
        """Edges of an undirected graph counted once each (self-loops included)."""
        if self.directed:
            raise GraphInputError("num_undirected_edges: the graph is directed; use num_edges.")
        loops = int(np.count_nonzero(self.indices == self.row_ids()))
        return (self.num_edges - loops) // 2 + loops

    @property
    def weighted(self) -> bool:
        return self.weights is not None

    def row_ids(self) -> np.ndarray:
        """Source id of every stored edge (the COO row array), ``int64 [num_edges]``."""
        return np.repeat(np.arange(self.num_nodes, dtype=np.int64), np.diff(self.indptr))

    def degrees(self, weighted: bool = False) -> np.ndarray:
        """Out-degree of every node (weighted degree when ``weighted`` and weights exist)."""
        if weighted and self.weights is not None:
            return np.bincount(self.row_ids(), weights=self.weights, minlength=self.num_nodes)
        return np.diff(self.indptr)

    def to_scipy(self) -> sp.csr_matrix:
        """A new ``scipy.sparse.csr_matrix`` (weights, or ones when unweighted)."""
        data = self.weights if self.weights is not None else np.ones(self.num_edges)
        return sp.csr_matrix(
            (data.copy(), self.indices.copy(), self.indptr.copy()),
            shape=(self.num_nodes, self.num_nodes),
        )

    def to_edge_index(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(edge_index [2, E] int64, edge_weight [E] float32 or None)`` in CSR order."""
        edge_index = torch.from_numpy(np.stack([self.row_ids(), self.indices]))
        weight = None if self.weights is None else torch.from_numpy(self.weights.astype(np.float32))
        return edge_index, weight

    def to_pyg(self, **attributes: Any):
        """A ``torch_geometric.data.Data`` with ``edge_index``, ``edge_weight`` and ``num_nodes``."""
        from torch_geometric.data import Data

        edge_index, weight = self.to_edge_index()
        data = Data(edge_index=edge_index, num_nodes=self.num_nodes, **attributes)
        if weight is not None:
            data.edge_weight = weight
        return data

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        w = ", weighted" if self.weighted else ""
        return f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, {kind}{w})"


def as_graph(
    graph: Any,
    *,
    num_nodes: int | None = None,
    edge_weight: Any = None,
    directed: bool | None = None,
    self_loops: SelfLoops = "keep",
    weight: str | None = "weight",
    allow_empty: bool = False,
) -> Graph:
    """Validate any supported graph input and return its canonical :class:`Graph`.

    Args:
        graph: the input (see the module docstring for the accepted types).
        num_nodes: number of nodes; inferred as ``max id + 1`` when omitted (edge_index inputs).
        edge_weight: weights of the edges of an ``edge_index`` or edge-list input, shape ``[E]``.
        directed: keep edge directions. Default: the networkx graph's own flag, the
            :class:`Graph`'s own flag, ``False`` (symmetrise) for everything else.
        self_loops: ``'keep'`` (default), ``'remove'`` or ``'error'``.
        weight: networkx edge attribute read as weight (``None`` ignores weights).
        allow_empty: accept a graph with zero nodes.

    Returns:
        The canonical graph.

    Raises:
        GraphInputError: naming the problem (shape, dtype, negative or out-of-range id,
            NaN/inf weight, empty graph, unexpected self-loop) and the fix.
    """
    if self_loops not in _SELF_LOOP_CHOICES:
        raise GraphInputError(
            f"self_loops={self_loops!r} is not one of {_SELF_LOOP_CHOICES}."
        )
    if isinstance(graph, Graph):
        if edge_weight is not None or (num_nodes is not None and num_nodes != graph.num_nodes):
            raise GraphInputError(
                "edge_weight/num_nodes cannot be combined with a Graph input; build a new graph."
            )
        unchanged = (directed is None or directed == graph.directed) and self_loops == "keep"
        if unchanged:
            return graph
        rows, cols, weights = graph.row_ids(), graph.indices, graph.weights
        return _canonical(
            rows, cols, weights, graph.num_nodes,
            graph.directed if directed is None else directed,
            self_loops, graph.node_labels, allow_empty,
        )

    node_labels = None
    default_directed = False
    if _is_pyg_data(graph):
        rows, cols, weights, n = _from_pyg(graph, num_nodes)
    elif isinstance(graph, torch.Tensor) and graph.layout != torch.strided:
        rows, cols, weights, n = _from_torch_sparse(graph, num_nodes)
    elif isinstance(graph, torch.Tensor):
        rows, cols = _split_edge_index(graph.detach().cpu().numpy(), "edge_index")
        weights, n = _weights_argument(edge_weight, rows.shape[0]), num_nodes
    elif sp.issparse(graph):
        rows, cols, weights, n = _from_scipy(graph, num_nodes)
    elif _is_networkx(graph):
        rows, cols, weights, n, node_labels = _from_networkx(graph, weight)
        default_directed = graph.is_directed()
    elif isinstance(graph, np.ndarray):
        rows, cols, weights, n = _from_numpy(graph, edge_weight, num_nodes)
    elif isinstance(graph, (list, tuple)):
        raise GraphInputError(
            "graph: got a Python list/tuple; pass np.asarray(edges) (shape (E, 2) or (2, E)) "
            "or torch.tensor(edges).t() as an edge_index."
        )
    else:
        raise GraphInputError(
            f"graph: unsupported type {type(graph).__name__}; expected a PyG Data, an "
            "edge_index tensor, a scipy.sparse matrix, a networkx graph or a numpy array."
        )
    if n is None:
        n = int(max(rows.max(initial=-1), cols.max(initial=-1))) + 1
    return _canonical(
        rows, cols, weights, n,
        default_directed if directed is None else directed,
        self_loops, node_labels, allow_empty,
    )


def _canonical(
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray | None,
    num_nodes: int,
    directed: bool,
    self_loops: SelfLoops,
    node_labels: Sequence[Hashable] | None,
    allow_empty: bool,
) -> Graph:
    num_nodes = _check_num_nodes(num_nodes, allow_empty)
    _check_ids(rows, num_nodes, "source")
    _check_ids(cols, num_nodes, "target")
    if weights is not None and not np.all(np.isfinite(weights)):
        bad = int(np.flatnonzero(~np.isfinite(weights))[0])
        raise GraphInputError(
            f"edge weights must be finite; weight of edge {bad} is {weights[bad]}. "
            "Replace NaN/inf weights (e.g. np.nan_to_num) or drop those edges."
        )
    loops = rows == cols
    if loops.any():
        if self_loops == "error":
            raise GraphInputError(
                f"graph has {int(loops.sum())} self-loop(s) (first at node {int(rows[loops][0])}); "
                "pass self_loops='remove' to drop them or 'keep' to keep them."
            )
        if self_loops == "remove":
            rows, cols = rows[~loops], cols[~loops]
            weights = None if weights is None else weights[~loops]
    data = np.ones(rows.shape[0]) if weights is None else weights.astype(np.float64)
    adj = sp.csr_matrix((data, (rows, cols)), shape=(num_nodes, num_nodes))
    adj.sum_duplicates()  # merges repeated (u, v) pairs by summing their weights
    if not directed:
        adj = _symmetrise_max(adj)
    adj.sort_indices()
    if weights is None:
        adj.data[:] = 1.0
    indptr = adj.indptr.astype(np.int64)
    indices = adj.indices.astype(np.int64)
    out_weights = None if weights is None else adj.data.astype(np.float64)
    for array in (indptr, indices, out_weights):
        if array is not None:
            array.flags.writeable = False
    labels = None if node_labels is None else tuple(node_labels)
    return Graph(indptr, indices, out_weights, num_nodes, bool(directed), labels)


def _symmetrise_max(adj: sp.csr_matrix) -> sp.csr_matrix:
    """Symmetric CSR with :math:`w_{uv} = w_{vu} = \\max` over the stored directions of ``{u, v}``.

    A pair stored in one direction only is mirrored with its own weight. (``adj.maximum(adj.T)``
    would compare it with an implicit 0 and drop one-way edges of negative or zero weight.)
    """
    n = adj.shape[0]
    coo = adj.tocoo()
    rows = np.concatenate([coo.row, coo.col]).astype(np.int64)
    cols = np.concatenate([coo.col, coo.row]).astype(np.int64)
    data = np.concatenate([coo.data, coo.data])
    keys = rows * n + cols
    order = np.lexsort((data, keys))  # by pair, then by weight
    keys, data = keys[order], data[order]
    last = np.ones(keys.shape, dtype=bool)  # the last (largest) weight of each pair
    last[:-1] = keys[1:] != keys[:-1]
    keys, data = keys[last], data[last]
    return sp.csr_matrix((data, (keys // n, keys % n)), shape=adj.shape)


def _check_num_nodes(num_nodes: Any, allow_empty: bool) -> int:
    if isinstance(num_nodes, bool) or not isinstance(num_nodes, (int, np.integer)):
        raise GraphInputError(f"num_nodes must be an int; got {type(num_nodes).__name__}.")
    num_nodes = int(num_nodes)
    if num_nodes < 0:
        raise GraphInputError(f"num_nodes must be >= 0; got {num_nodes}.")
    if num_nodes == 0 and not allow_empty:
        raise GraphInputError(
            "graph is empty (0 nodes); pass a graph with at least one node "
            "(or allow_empty=True where an empty graph is meaningful)."
        )
    return num_nodes


def _check_ids(ids: np.ndarray, num_nodes: int, role: str) -> None:
    if ids.size == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0:
        raise GraphInputError(
            f"{role} node ids must be >= 0; found {low}. Node ids index 0..num_nodes-1."
        )
    if high >= num_nodes:
        raise GraphInputError(
            f"{role} node id {high} is out of range for num_nodes={num_nodes}; "
            f"pass num_nodes >= {high + 1} or fix the ids."
        )


def _as_int_ids(array: np.ndarray, name: str) -> np.ndarray:
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array)) and np.all(
            array == np.round(array)
        ):
            raise GraphInputError(
                f"{name} must hold integer node ids; got dtype {array.dtype}. "
                f"Cast it first ({name}.long() / .astype(np.int64))."
            )
        raise GraphInputError(f"{name} must hold integer node ids; got dtype {array.dtype}.")
    return array.astype(np.int64, copy=False)


def _split_edge_index(array: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    if array.ndim != 2 or array.shape[0] != 2:
        hint = " (it looks like [E, 2]: transpose it)" if array.ndim == 2 and array.shape[1] == 2 else ""
        raise GraphInputError(
            f"{name} must have shape [2, num_edges]; got {list(array.shape)}{hint}."
        )
    array = _as_int_ids(array, name)
    return array[0], array[1]


def _weights_argument(edge_weight: Any, num_edges: int) -> np.ndarray | None:
    if edge_weight is None:
        return None
    if isinstance(edge_weight, torch.Tensor):
        edge_weight = edge_weight.detach().cpu().numpy()
    weights = np.asarray(edge_weight)
    if weights.ndim == 2 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.shape != (num_edges,):
        raise GraphInputError(
            f"edge_weight must have shape [{num_edges}] (one weight per edge); "
            f"got {list(weights.shape)}."
        )
    if not (np.issubdtype(weights.dtype, np.number) or weights.dtype == bool):
        raise GraphInputError(f"edge_weight must be numeric; got dtype {weights.dtype}.")
    return weights.astype(np.float64)


def _is_pyg_data(obj: Any) -> bool:
    try:
        from torch_geometric.data import Data
    except ImportError:  # pragma: no cover - torch_geometric is a core dependency
        return False
    return isinstance(obj, Data)


def _from_pyg(data: Any, num_nodes: int | None):
    if getattr(data, "edge_index", None) is None:
        raise GraphInputError("Data has no edge_index; set data.edge_index ([2, E] int64).")
    rows, cols = _split_edge_index(data.edge_index.detach().cpu().numpy(), "data.edge_index")
    weight = getattr(data, "edge_weight", None)
    if weight is None and getattr(data, "edge_attr", None) is not None:
        attr = data.edge_attr
        if attr.dim() == 1 or (attr.dim() == 2 and attr.size(1) == 1):
            weight = attr.reshape(-1)
    weights = _weights_argument(weight, rows.shape[0])
    n = num_nodes if num_nodes is not None else data.num_nodes
    return rows, cols, weights, n


def _from_scipy(matrix: Any, num_nodes: int | None):
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise GraphInputError(
            f"sparse adjacency must be square; got shape {tuple(matrix.shape)}."
        )
    if num_nodes is not None and num_nodes != matrix.shape[0]:
        raise GraphInputError(
            f"num_nodes={num_nodes} disagrees with the matrix shape {tuple(matrix.shape)}."
        )
    return (*matrix_edges(matrix), matrix.shape[0])


def matrix_edges(matrix: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(rows, cols, weights)`` of the stored nonzeros of a square scipy (or dense) matrix.

    Explicit zeros are not edges; ``weights`` is ``None`` when the matrix is boolean or every
    stored value is 1 (an unweighted adjacency).
    """
    coo = sp.coo_matrix(matrix)
    weights = coo.data.astype(np.float64)
    keep = weights != 0
    rows, cols, weights = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64), weights[keep]
    unweighted = coo.dtype == bool or bool(np.all(weights == 1.0))
    return rows, cols, None if unweighted else weights


def _from_torch_sparse(matrix: torch.Tensor, num_nodes: int | None):
    """A torch sparse (COO/CSR/CSC) adjacency: entry ``[u, v]`` is the weight of edge ``u → v``."""
    coo = matrix.detach().cpu().to_sparse_coo().coalesce()
    indices, values = coo.indices().numpy(), coo.values().numpy()
    if values.ndim != 1:
        raise GraphInputError(
            f"sparse adjacency must hold scalar weights; got values of shape {list(values.shape)}."
        )
    scipy_coo = sp.coo_matrix(
        (values.astype(np.float64), (indices[0], indices[1])), shape=tuple(coo.shape)
    )
    return _from_scipy(scipy_coo, num_nodes)


def _is_networkx(obj: Any) -> bool:
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a core dependency
        return False
    return isinstance(obj, nx.Graph)


def _from_networkx(graph: Any, weight: str | None):
    labels = list(graph.nodes())
    index = {label: i for i, label in enumerate(labels)}
    edges = list(graph.edges(data=weight, default=None)) if weight else list(graph.edges())
    rows = np.fromiter((index[e[0]] for e in edges), dtype=np.int64, count=len(edges))
    cols = np.fromiter((index[e[1]] for e in edges), dtype=np.int64, count=len(edges))
    weights = None
    if weight and any(e[2] is not None for e in edges):
        missing = [e[:2] for e in edges if e[2] is None]
        if missing:
            raise GraphInputError(
                f"networkx graph: edge {missing[0]} has no {weight!r} attribute while others do; "
                "give every edge a weight or pass weight=None to ignore weights."
            )
        weights = _weights_argument([e[2] for e in edges], len(edges))
    identity = all(isinstance(lab, (int, np.integer)) and lab == i for i, lab in enumerate(labels))
    return rows, cols, weights, len(labels), None if identity else labels


def _from_numpy(array: np.ndarray, edge_weight: Any, num_nodes: int | None):
    if array.ndim == 2 and array.shape[0] == 2 and np.issubdtype(array.dtype, np.integer):
        rows, cols = _split_edge_index(array, "edge_index")
        return rows, cols, _weights_argument(edge_weight, rows.shape[0]), num_nodes
    if array.ndim == 2 and array.shape[1] == 2 and np.issubdtype(array.dtype, np.integer):
        rows, cols = _split_edge_index(array.T, "edge list")
        return rows, cols, _weights_argument(edge_weight, rows.shape[0]), num_nodes
    if array.ndim == 2 and array.shape[0] == array.shape[1]:
        if edge_weight is not None:
            raise GraphInputError("edge_weight cannot be combined with a dense adjacency matrix.")
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise GraphInputError(f"dense adjacency must be numeric; got dtype {array.dtype}.")
        if not np.all(np.isfinite(array)):
            raise GraphInputError(
                "dense adjacency contains NaN/inf; replace them (np.nan_to_num) first."
            )
        return _from_scipy(sp.coo_matrix(array), num_nodes)
    raise GraphInputError(
        f"numpy graph input of shape {list(array.shape)} and dtype {array.dtype} is not "
        "understood; expected an integer (2, E) edge_index, an integer (E, 2) edge list or a "
        "square (n, n) adjacency matrix."
    )

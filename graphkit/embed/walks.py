"""Uniform (DeepWalk) and second-order biased (node2vec) random walks, compiled with numba.

References:
    Perozzi, Al-Rfou & Skiena, "DeepWalk: Online Learning of Social Representations", KDD 2014.
    Grover & Leskovec, "node2vec: Scalable Feature Learning for Networks", KDD 2016.
    Yang et al., "KnightKing: A Fast Distributed Graph Random Walk Engine", SOSP 2019
    (rejection sampling for second-order walks).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from graphkit.embed._checks import nonnegative_weights, positive_int
from graphkit.embed._walk_kernels import row_cumulative_weights, walk_kernel
from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import Graph, as_graph

__all__ = ["random_walks", "iter_walk_rounds"]

_INT32_MAX = np.iinfo(np.int32).max


def random_walks(
    graph: Any,
    walk_length: int = 80,
    walks_per_node: int = 10,
    p: float = 1.0,
    q: float = 1.0,
    seed: int | np.random.Generator | None = 0,
    start_nodes: Any = None,
) -> np.ndarray:
    r"""Random walks from every start node: DeepWalk when ``p = q = 1``, node2vec otherwise.

    A first-order step from :math:`v` picks out-neighbour :math:`x` with probability
    proportional to the edge weight (uniformly when unweighted). A second-order step, which
    came to :math:`v` from :math:`t`, picks :math:`x` with the node2vec probability
    (Grover & Leskovec, KDD 2016)

    .. math::

        P(x \mid t, v) \propto w_{vx}\,\alpha_{pq}(t, x), \qquad
        \alpha_{pq}(t, x) = \begin{cases}
            1/p & x = t \\
            1 & t \to x \text{ is an edge} \\
            1/q & \text{otherwise.}
        \end{cases}

    The first step of every walk is first-order. ``p = q = 1`` takes the first-order path.
    Second-order steps use rejection sampling from the first-order distribution (the return
    edge handled as an outlier region, as in KnightKing), so memory is linear in the edges; the
    test ":math:`t \to x` is an edge" is a binary search in the sorted CSR row of :math:`t`.

    Walks run in parallel (numba ``prange``) and are reproducible: walk ``k`` draws from its own
    counter-based SplitMix64 stream keyed by ``(seed, k)``, so the result is bit-identical for
    any number of threads.

    Args:
        graph: any input accepted by :func:`graphkit.graph.as_graph` (directed graphs walk
            along out-edges; weights must be >= 0).
        walk_length: nodes per walk, including the start node (default 80).
        walks_per_node: rounds; each round starts one walk from every start node (default 10).
        p: return parameter, ``> 0`` (default 1).
        q: in-out parameter, ``> 0`` (default 1).
        seed: an int or ``numpy.random.Generator`` (default 0); it is turned into a 64-bit key
            with ``numpy.random.default_rng(seed)``.
        start_nodes: node ids to start from (default: all nodes ``0..N-1`` in order).

    Returns:
        ``np.ndarray`` of shape ``[walks_per_node * S, walk_length]`` (``S`` start nodes),
        ``int32`` when node ids fit, else ``int64``. Row ``r * S + i`` is the walk of round ``r``
        from ``start_nodes[i]``. A walk that reaches a node without out-edges (an isolated
        node, a directed dead end, or a node whose out-weights are all zero) stops there and
        the rest of its row is padded with ``-1``.

    Raises:
        ConfigError: bad ``walk_length``, ``walks_per_node``, ``p`` or ``q``.
        GraphInputError: bad graph, negative edge weights, out-of-range ``start_nodes``.
    """
    _check_config(walk_length, walks_per_node, p, q)
    prepared = _prepare(graph)
    starts = _start_nodes(start_nodes, prepared.graph.num_nodes)
    key = _walk_key(seed)
    out = np.empty((walks_per_node * starts.shape[0], walk_length), dtype=_node_dtype(prepared))
    _run(prepared, p, q, starts, 0, key, out)
    return out


def iter_walk_rounds(
    graph: Any,
    walk_length: int = 80,
    walks_per_node: int = 10,
    p: float = 1.0,
    q: float = 1.0,
    seed: int | np.random.Generator | None = 0,
    start_nodes: Any = None,
) -> Iterator[np.ndarray]:
    """Yield the walks of :func:`random_walks` one round (``[S, walk_length]``) at a time.

    Concatenating the rounds gives exactly ``random_walks(...)`` with the same arguments, so a
    consumer can stream walks while holding a single round in memory. Arguments as in
    :func:`random_walks` (validated before the first round is yielded).
    """
    _check_config(walk_length, walks_per_node, p, q)
    prepared = _prepare(graph)
    starts = _start_nodes(start_nodes, prepared.graph.num_nodes)
    key = _walk_key(seed)
    return _rounds(prepared, walk_length, walks_per_node, p, q, starts, key)


def _walk_key(seed: int | np.random.Generator | None) -> np.uint64:
    """The 64-bit key of the walk streams, drawn from ``numpy.random.default_rng(seed)``."""
    return np.uint64(np.random.default_rng(seed).integers(0, 2**64, dtype=np.uint64))


class _Prepared:
    """CSR arrays of a graph in the form the kernels take."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.indptr = np.ascontiguousarray(graph.indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(graph.indices, dtype=np.int64)
        if graph.weights is None:
            self.weights = np.empty(0, dtype=np.float64)
            self.cumw = self.weights
            self.wdeg = np.diff(self.indptr).astype(np.float64)
        else:
            self.weights = np.ascontiguousarray(graph.weights, dtype=np.float64)
            self.cumw = row_cumulative_weights(self.indptr, self.weights)
            self.wdeg = _row_totals(self.indptr, self.cumw)


def _row_totals(indptr: np.ndarray, cumw: np.ndarray) -> np.ndarray:
    """Last running sum of each row (0 for empty rows): the weighted out-degree."""
    totals = np.zeros(indptr.shape[0] - 1, dtype=np.float64)
    nonempty = indptr[1:] > indptr[:-1]
    totals[nonempty] = cumw[indptr[1:][nonempty] - 1]
    return totals


def _prepare(graph: Any) -> _Prepared:
    graph = as_graph(graph, allow_empty=True)
    nonnegative_weights(graph, "random walks")
    _check_sorted(graph)
    return _Prepared(graph)


def _check_sorted(graph: Graph) -> None:
    """The membership test binary-searches CSR rows: require strictly increasing row indices."""
    if graph.num_edges < 2:
        return
    keys = graph.row_ids() * graph.num_nodes + graph.indices
    if not np.all(keys[1:] > keys[:-1]):
        raise GraphInputError(
            "graph: CSR rows must list distinct neighbours in increasing order; build the "
            "Graph with graphkit.graph.as_graph, which sorts and merges them."
        )


def _check_config(walk_length: Any, walks_per_node: Any, p: Any, q: Any) -> None:
    positive_int("walk_length", walk_length)
    positive_int("walks_per_node", walks_per_node)
    for name, value in (("p", p), ("q", q)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ConfigError(f"{name} must be a positive number; got {value!r}.")
        if not (math.isfinite(float(value)) and float(value) > 0):
            raise ConfigError(
                f"{name} must be a finite number > 0; got {value!r}. "
                "Use p = q = 1 for DeepWalk (uniform) walks."
            )


def _start_nodes(start_nodes: Any, num_nodes: int) -> np.ndarray:
    if start_nodes is None:
        return np.arange(num_nodes, dtype=np.int64)
    if hasattr(start_nodes, "detach"):
        start_nodes = start_nodes.detach().cpu().numpy()
    starts = np.asarray(start_nodes).reshape(-1)
    if starts.size and (starts.dtype == bool or not np.issubdtype(starts.dtype, np.integer)):
        raise GraphInputError(f"start_nodes must be integer node ids; got dtype {starts.dtype}.")
    starts = starts.astype(np.int64)
    if starts.size and (starts.min() < 0 or starts.max() >= num_nodes):
        bad = int(starts[(starts < 0) | (starts >= num_nodes)][0])
        raise GraphInputError(
            f"start_nodes: node {bad} is out of range for a graph with {num_nodes} nodes."
        )
    return np.ascontiguousarray(starts)


def _node_dtype(prepared: _Prepared) -> type:
    return np.int32 if prepared.graph.num_nodes <= _INT32_MAX else np.int64


def _run(prepared: _Prepared, p: float, q: float, starts: np.ndarray, first_walk: int,
         key: np.uint64, out: np.ndarray) -> None:
    if out.shape[0] == 0:
        return
    second_order = not (p == 1 and q == 1)
    walk_kernel(
        prepared.indptr, prepared.indices, prepared.weights, prepared.cumw, prepared.wdeg,
        prepared.graph.weights is not None, not prepared.graph.directed, second_order,
        1.0 / float(p), 1.0 / float(q), starts, np.int64(first_walk), key, out,
    )


def _rounds(prepared: _Prepared, walk_length: int, walks_per_node: int, p: float, q: float,
            starts: np.ndarray, key: np.uint64) -> Iterator[np.ndarray]:
    dtype = _node_dtype(prepared)
    for r in range(walks_per_node):
        out = np.empty((starts.shape[0], walk_length), dtype=dtype)
        _run(prepared, p, q, starts, r * starts.shape[0], key, out)
        yield out

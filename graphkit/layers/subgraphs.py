"""k-hop enclosing subgraphs of node pairs (Zhang & Chen, "Link prediction based on graph neural
networks", NeurIPS 2018; Pan, Shi & Dokmanić, "Neural link prediction with walk pooling",
ICLR 2022).

The enclosing subgraph of a pair :math:`(u, v)` is induced by the nodes within ``num_hops``
hops of :math:`u` or :math:`v`:

.. math::

    V_{uv} = \\{x : \\min(d(x, u), d(x, v)) \\le h\\},\\qquad
    G_{uv} = G[V_{uv}] \\setminus \\{(u, v), (v, u)\\}.

Hop :math:`k` adds the not yet visited neighbours of the nodes added at hop :math:`k - 1`; with
``max_nodes_per_hop`` set, at most that many of them are kept, drawn uniformly at random (as
in WalkPool's ``--max-nodes-per-hop``, needed on dense graphs such as ogbl-ddi). The draw of
pair ``p`` uses its own generator seeded with ``(seed, p)``, so a pair's subgraph depends only
on the seed and its position, never on the other pairs.

:func:`drnl_labels` gives SEAL's double-radius node labels of every subgraph node: with
:math:`d_u = d(x, u)` measured in :math:`G_{uv}` without :math:`v` and :math:`d_v` without
:math:`u`, and :math:`d = d_u + d_v`,

.. math::

    z(x) = 1 + \\min(d_u, d_v) + \\lfloor d/2 \\rfloor
           \\left(\\lfloor d/2 \\rfloor + (d \\bmod 2) - 1\\right),

:math:`z(u) = z(v) = 1`, and :math:`z(x) = 0` when either distance is infinite; so the nodes at
distances (1, 1), (1, 2), (1, 3), (2, 2) get 2, 3, 4, 5.

Everything runs in compiled numba loops; from 4,096 pairs the node sets are extracted in one
contiguous chunk of pairs per numba thread, with the same result. Node sets are returned as a
flat array plus offsets, with the two targets first (local ids 0 and 1): that is what the
WalkPool benchmark caches; the induced edges are rebuilt per mini-batch by
:func:`induced_edges`, which is cheap next to the model and keeps the cache small.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import torch

from graphkit.errors import GraphInputError
from graphkit.graph import Graph, as_graph

__all__ = [
    "EnclosingSubgraphs", "drnl_labels", "enclosing_subgraphs", "induced_edges", "k_hop_pair_nodes",
]


@dataclass(frozen=True)
class EnclosingSubgraphs:
    """Enclosing subgraphs of ``P`` pairs, concatenated.

    Attributes:
        nodes: ``int64 [total_nodes]`` global node ids; subgraph ``p`` is
            ``nodes[node_ptr[p]:node_ptr[p + 1]]``, its two targets first.
        node_ptr: ``int64 [P + 1]`` offsets into ``nodes``.
        edge_index: ``int64 [2, total_edges]`` local node ids (both directions of every edge,
            the target link excluded); subgraph ``p`` owns columns ``edge_ptr[p]:edge_ptr[p+1]``.
        edge_ptr: ``int64 [P + 1]`` offsets into ``edge_index``.
    """

    nodes: torch.Tensor
    node_ptr: torch.Tensor
    edge_index: torch.Tensor
    edge_ptr: torch.Tensor

    def __len__(self) -> int:
        return int(self.node_ptr.numel()) - 1

    def sizes(self) -> torch.Tensor:
        """Nodes per subgraph, ``int64 [P]``."""
        return self.node_ptr.diff()


#: pairs from which :func:`k_hop_pair_nodes` splits the work over the numba threads
_PARALLEL_MIN_PAIRS = 4096


@numba.njit(cache=True)
def _grow(array, needed):
    if needed <= array.size:
        return array
    bigger = np.empty(max(needed, 2 * array.size), dtype=array.dtype)
    bigger[: array.size] = array
    return bigger


@numba.njit(cache=True, nogil=True)
def _pair_nodes_kernel(indptr, indices, sources, targets, num_hops, max_per_hop, seed, first):
    """Node sets of pairs ``first, first + 1, ...`` (their global positions seed the draws)."""
    num_nodes = indptr.size - 1
    local = np.full(num_nodes, -1, dtype=np.int64)  # local id of a node in the current subgraph
    seen = np.full(num_nodes, -1, dtype=np.int64)  # pair that last listed the node as candidate
    num_pairs = sources.size
    ptr = np.zeros(num_pairs + 1, dtype=np.int64)
    out = np.empty(max(16, 4 * num_pairs), dtype=np.int64)
    candidates = np.empty(16, dtype=np.int64)
    used = 0
    for p in range(num_pairs):
        start = used
        out = _grow(out, used + 2)
        out[used] = sources[p]
        out[used + 1] = targets[p]
        local[sources[p]] = 0
        local[targets[p]] = 1
        used += 2
        frontier_start, frontier_end = start, used
        if max_per_hop >= 0:
            np.random.seed((seed * 1_000_003 + first + p) % 4_294_967_295)
        for _ in range(num_hops):
            count = 0
            for k in range(frontier_start, frontier_end):
                u = out[k]
                for e in range(indptr[u], indptr[u + 1]):
                    w = indices[e]
                    if local[w] < 0 and seen[w] != p:
                        seen[w] = p
                        candidates = _grow(candidates, count + 1)
                        candidates[count] = w
                        count += 1
            keep = count
            if 0 <= max_per_hop < count:
                keep = max_per_hop
                for k in range(keep):  # partial Fisher-Yates: a uniform subset of size `keep`
                    r = k + np.random.randint(0, count - k)
                    candidates[k], candidates[r] = candidates[r], candidates[k]
            out = _grow(out, used + keep)
            for k in range(keep):
                local[candidates[k]] = used - start
                out[used] = candidates[k]
                used += 1
            frontier_start, frontier_end = frontier_end, used
            if keep == 0:
                break
        for k in range(start, used):
            local[out[k]] = -1
        ptr[p + 1] = used
    return out[:used].copy(), ptr


@numba.njit(cache=True)
def _induced_edges_kernel(indptr, indices, nodes, ptr, selected, drop_target):
    num_nodes = indptr.size - 1
    local = np.full(num_nodes, -1, dtype=np.int64)
    edge_ptr = np.zeros(selected.size + 1, dtype=np.int64)
    src = np.empty(64, dtype=np.int64)
    dst = np.empty(64, dtype=np.int64)
    used = 0
    for b in range(selected.size):
        p = selected[b]
        lo, hi = ptr[p], ptr[p + 1]
        for k in range(lo, hi):
            local[nodes[k]] = k - lo
        for k in range(lo, hi):
            a = k - lo
            u = nodes[k]
            for e in range(indptr[u], indptr[u + 1]):
                c = local[indices[e]]
                if c < 0 or (drop_target and a + c == 1):  # (0, 1) or (1, 0)
                    continue
                src = _grow(src, used + 1)
                dst = _grow(dst, used + 1)
                src[used] = a
                dst[used] = c
                used += 1
        for k in range(lo, hi):
            local[nodes[k]] = -1
        edge_ptr[b + 1] = used
    return src[:used].copy(), dst[:used].copy(), edge_ptr


@numba.njit(cache=True)
def _distances_avoiding(indptr, indices, local, nodes, lo, size, start, avoided, dist, queue):
    """Breadth-first hop distances from local node ``start`` inside one subgraph (nodes whose
    ``local`` id is set), never entering local node ``avoided``; unreached nodes stay -1."""
    dist[:size] = -1
    dist[start] = 0
    queue[0] = start
    head, tail = 0, 1
    while head < tail:
        a = queue[head]
        head += 1
        u = nodes[lo + a]
        for e in range(indptr[u], indptr[u + 1]):
            c = local[indices[e]]
            if c < 0 or c == avoided or dist[c] >= 0:
                continue
            dist[c] = dist[a] + 1
            queue[tail] = c
            tail += 1


@numba.njit(cache=True)
def _drnl_kernel(indptr, indices, nodes, ptr):
    num_nodes = indptr.size - 1
    local = np.full(num_nodes, -1, dtype=np.int64)
    labels = np.zeros(nodes.size, dtype=np.int64)
    largest = 2
    for p in range(ptr.size - 1):
        largest = max(largest, ptr[p + 1] - ptr[p])
    from_u = np.empty(largest, dtype=np.int64)
    from_v = np.empty(largest, dtype=np.int64)
    queue = np.empty(largest, dtype=np.int64)
    for p in range(ptr.size - 1):
        lo, hi = ptr[p], ptr[p + 1]
        size = hi - lo
        for k in range(lo, hi):
            local[nodes[k]] = k - lo
        _distances_avoiding(indptr, indices, local, nodes, lo, size, 0, 1, from_u, queue)
        _distances_avoiding(indptr, indices, local, nodes, lo, size, 1, 0, from_v, queue)
        for a in range(size):
            du, dv = from_u[a], from_v[a]
            if a < 2:
                labels[lo + a] = 1
            elif du >= 0 and dv >= 0:
                half, odd = (du + dv) // 2, (du + dv) % 2
                labels[lo + a] = 1 + min(du, dv) + half * (half + odd - 1)
        for k in range(lo, hi):
            local[nodes[k]] = -1
    return labels


def pair_arrays(pairs: Any, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``int64`` source and target arrays of ``[2, P]`` node pairs of a graph with
    ``num_nodes`` nodes (the check of :func:`k_hop_pair_nodes`).

    Raises:
        GraphInputError: not an integer ``[2, P]`` array, ids outside ``[0, num_nodes)``, or a
            self-pair.
    """
    array = pairs.detach().cpu().numpy() if isinstance(pairs, torch.Tensor) else np.asarray(pairs)
    if array.ndim != 2 or array.shape[0] != 2 or not np.issubdtype(array.dtype, np.integer):
        raise GraphInputError(
            f"pairs must be an integer array of shape [2, P] (one column per pair); got dtype "
            f"{array.dtype} and shape {tuple(array.shape)}. Transpose a [P, 2] array."
        )
    array = array.astype(np.int64, copy=False)
    if array.size and (array.min() < 0 or array.max() >= num_nodes):
        raise GraphInputError(
            f"pairs holds node ids outside [0, {num_nodes}) (min {array.min()}, max "
            f"{array.max()}); pass pairs of the graph's nodes or the right num_nodes."
        )
    if np.any(array[0] == array[1]):
        first = int(np.flatnonzero(array[0] == array[1])[0])
        raise GraphInputError(
            f"pairs column {first} is a self-pair ({array[0, first]}, {array[1, first]}); "
            "an enclosing subgraph needs two distinct nodes."
        )
    return np.ascontiguousarray(array[0]), np.ascontiguousarray(array[1])


def _check_caps(num_hops: int, max_nodes_per_hop: int | None) -> int:
    if isinstance(num_hops, bool) or not isinstance(num_hops, int | np.integer) or num_hops < 0:
        raise GraphInputError(f"num_hops must be a non-negative integer; got {num_hops!r}.")
    if max_nodes_per_hop is None:
        return -1
    if isinstance(max_nodes_per_hop, bool) or not isinstance(max_nodes_per_hop, int | np.integer) \
            or max_nodes_per_hop < 1:
        raise GraphInputError(
            f"max_nodes_per_hop must be a positive integer or None (no cap); got {max_nodes_per_hop!r}."
        )
    return int(max_nodes_per_hop)


def k_hop_pair_nodes(
    graph: Any,
    pairs: Any,
    num_hops: int = 2,
    max_nodes_per_hop: int | None = None,
    seed: int = 0,
    num_nodes: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Node sets of the ``num_hops``-hop enclosing subgraphs of ``pairs``.

    Args:
        graph: any input :func:`graphkit.graph.as_graph` accepts (an undirected graph).
        pairs: ``[2, P]`` integer node pairs.
        num_hops: hops around the pair (default 2, WalkPool's setting).
        max_nodes_per_hop: keep at most this many new nodes per hop, drawn at random
            (default ``None``: no cap).
        seed: seed of the draws (used only with a cap).
        num_nodes: number of nodes when ``graph`` is an ``edge_index``.

    Returns:
        ``(nodes, ptr)``: ``int64`` arrays; subgraph ``p`` is ``nodes[ptr[p]:ptr[p + 1]]`` with
        ``pairs[:, p]`` first, then the hop-1 nodes, then hop 2, and so on.

    Raises:
        GraphInputError: malformed pairs (shape, out-of-range id, self-pair) or caps.
    """
    g = graph if isinstance(graph, Graph) else as_graph(graph, num_nodes=num_nodes)
    cap = _check_caps(num_hops, max_nodes_per_hop)
    src, dst = pair_arrays(pairs, g.num_nodes)
    workers = numba.get_num_threads() if src.size >= _PARALLEL_MIN_PAIRS else 1
    return _pair_nodes(g, src, dst, int(num_hops), cap, int(seed), workers)


def _pair_nodes(graph: Graph, src: np.ndarray, dst: np.ndarray, num_hops: int, cap: int,
                seed: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`k_hop_pair_nodes` of checked pairs, on ``workers`` threads (contiguous chunks of
    pairs, the compiled loop without the GIL); the result does not depend on ``workers``."""
    bounds = np.linspace(0, src.size, max(1, min(workers, src.size)) + 1).astype(np.int64)

    def chunk(k: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = bounds[k], bounds[k + 1]
        return _pair_nodes_kernel(graph.indptr, graph.indices, src[a:b], dst[a:b], num_hops, cap,
                                  seed, a)

    if bounds.size == 2:
        return chunk(0)
    with ThreadPoolExecutor(bounds.size - 1) as pool:
        parts = list(pool.map(chunk, range(bounds.size - 1)))
    offsets = np.cumsum([0] + [nodes.size for nodes, _ in parts[:-1]])
    ptr = np.concatenate([np.zeros(1, np.int64)] + [p[1:] + o for (_, p), o in zip(parts, offsets, strict=True)])
    return np.concatenate([nodes for nodes, _ in parts]), ptr


def induced_edges(
    graph: Graph, nodes: np.ndarray, ptr: np.ndarray, selected: np.ndarray | None = None,
    drop_target_link: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges induced by node sets from :func:`k_hop_pair_nodes`, in local ids.

    Args:
        graph: the canonical graph the node sets come from.
        nodes, ptr: the node sets.
        selected: which subgraphs (default: all), in output order.
        drop_target_link: leave out the edge between local nodes 0 and 1 (the target pair).

    Returns:
        ``(src, dst, edge_ptr)``: local ids of every directed edge; subgraph ``selected[b]``
        owns entries ``edge_ptr[b]:edge_ptr[b + 1]``.
    """
    if selected is None:
        selected = np.arange(ptr.size - 1, dtype=np.int64)
    return _induced_edges_kernel(
        graph.indptr, graph.indices, nodes, ptr, np.ascontiguousarray(selected, dtype=np.int64),
        bool(drop_target_link),
    )


def drnl_labels(graph: Graph, nodes: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Double-radius node labels (Zhang & Chen, NeurIPS 2018) of node sets from
    :func:`k_hop_pair_nodes` (formula in the module docstring).

    Distances are measured inside each induced subgraph; the target link never matters, since
    the distance to one target is measured with the other removed.

    Args:
        graph: the canonical graph the node sets come from.
        nodes, ptr: the node sets, targets first.

    Returns:
        ``int64`` labels aligned with ``nodes``.

    Raises:
        GraphInputError: ``nodes``/``ptr`` that are not node sets of ``graph`` with two targets
            each (the compiled loop does not check bounds).
    """
    nodes = np.ascontiguousarray(nodes, dtype=np.int64)
    ptr = np.ascontiguousarray(ptr, dtype=np.int64)
    if (nodes.ndim != 1 or ptr.ndim != 1 or ptr.size < 1 or ptr[0] != 0
            or ptr[-1] != nodes.size or np.any(np.diff(ptr) < 2)):
        raise GraphInputError(
            "nodes and ptr must be the flat node sets and offsets of k_hop_pair_nodes (ptr from 0 "
            "to len(nodes), at least the two targets per subgraph); pass its output unchanged."
        )
    if nodes.size and (nodes.min() < 0 or nodes.max() >= graph.num_nodes):
        raise GraphInputError(
            f"nodes holds ids outside [0, {graph.num_nodes}); pass the graph the node sets were "
            "cut from."
        )
    return _drnl_kernel(graph.indptr, graph.indices, nodes, ptr)


def enclosing_subgraphs(
    graph: Any,
    pairs: Any,
    num_hops: int = 2,
    max_nodes_per_hop: int | None = None,
    seed: int = 0,
    num_nodes: int | None = None,
) -> EnclosingSubgraphs:
    """The enclosing subgraphs of ``pairs`` without their target links (see module docstring).

    Arguments as in :func:`k_hop_pair_nodes`.

    Returns:
        An :class:`EnclosingSubgraphs`.
    """
    g = graph if isinstance(graph, Graph) else as_graph(graph, num_nodes=num_nodes)
    nodes, ptr = k_hop_pair_nodes(g, pairs, num_hops, max_nodes_per_hop, seed)
    src, dst, edge_ptr = induced_edges(g, nodes, ptr)
    return EnclosingSubgraphs(
        nodes=torch.from_numpy(nodes), node_ptr=torch.from_numpy(ptr),
        edge_index=torch.from_numpy(np.stack([src, dst])), edge_ptr=torch.from_numpy(edge_ptr),
    )

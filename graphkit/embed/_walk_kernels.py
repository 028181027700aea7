"""Numba kernels of :mod:`graphkit.embed.walks` (first- and second-order random walks).

Every walk draws its random numbers from its own counter-based stream: a SplitMix64 sequence
(Steele, Lea & Flood, OOPSLA 2014) whose starting state is a hash of ``(key, walk index)``.
A walk therefore depends only on the seed and its index, never on which thread ran it.

Second-order (node2vec) steps use rejection sampling against an envelope built from the
first-order distribution, with the return edge folded out as an "outlier" region (Yang et al.,
KnightKing, SOSP 2019), so memory stays linear in the number of edges.
"""

from __future__ import annotations

import numba
import numpy as np

from graphkit._csr import sorted_search

__all__ = ["row_cumulative_weights", "walk_kernel"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_SHIFT30 = np.uint64(30)
_SHIFT27 = np.uint64(27)
_SHIFT31 = np.uint64(31)
_SHIFT11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2 ** -53


@numba.njit(cache=True, inline="always")
def _mix64(z):
    """SplitMix64 output function: a bijective 64-bit hash."""
    z = (z ^ (z >> _SHIFT30)) * _MUL1
    z = (z ^ (z >> _SHIFT27)) * _MUL2
    return z ^ (z >> _SHIFT31)


@numba.njit(cache=True, inline="always")
def _next_uniform(state):
    """Advance a SplitMix64 state; return ``(new_state, u)`` with ``u`` uniform in ``[0, 1)``."""
    state = state + _GAMMA
    return state, np.float64(_mix64(state) >> _SHIFT11) * _TO_UNIT


@numba.njit(cache=True, inline="always")
def _walk_state(key, walk_index):
    """Starting state of the stream of walk ``walk_index`` under the 64-bit ``key``."""
    return _mix64(key ^ _mix64(np.uint64(walk_index) * _GAMMA + _GAMMA))


@numba.njit(cache=True)
def _first_order(indptr, indices, cumw, weighted, v, u):
    """Neighbour of ``v`` drawn with probability ``w_vx / sum(w_v)`` from a uniform ``u``.

    Unweighted: ``indices[start + floor(u * deg)]``. Weighted: the first edge whose
    within-row cumulative weight exceeds ``u * total`` (binary search, O(log deg)).
    """
    start, end = indptr[v], indptr[v + 1]
    if not weighted:
        return indices[start + min(np.int64(u * (end - start)), end - start - 1)]
    target = u * cumw[end - 1]
    lo, hi = start, end - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if cumw[mid] > target:
            hi = mid
        else:
            lo = mid + 1
    return indices[lo]


@numba.njit(cache=True)
def _return_weight(indptr, indices, weights, weighted, undirected, t, v):
    """Weight of the edge ``v -> t`` (0 when absent); 1 for unweighted undirected graphs."""
    if undirected and not weighted:
        return 1.0
    pos = sorted_search(indices, indptr[v], indptr[v + 1], t)
    if pos < 0:
        return 0.0
    return weights[pos] if weighted else 1.0


@numba.njit(cache=True)
def _second_order(indptr, indices, weights, cumw, wdeg, weighted, undirected, t, v,
                  inv_p, inv_q, state):
    """One node2vec step from ``v`` (previous node ``t``); returns ``(next node, state)``.

    Envelope: ``M * w_vx`` for every edge (``M = max(1, 1/q)``) plus an outlier region of mass
    ``w_vt * max(0, 1/p - M)`` that always returns to ``t``. A proposal ``x`` from the main
    region is accepted with probability ``bias(x) / M`` where ``bias(t) = min(1/p, M)``.
    """
    big = max(1.0, inv_q)
    small = min(1.0, inv_q)
    w_vt = _return_weight(indptr, indices, weights, weighted, undirected, t, v)
    outlier = w_vt * max(0.0, inv_p - big)
    total = big * wdeg[v] + outlier
    t_start, t_end = indptr[t], indptr[t + 1]
    while True:
        state, u = _next_uniform(state)
        if u * total < outlier:
            return t, state
        state, u = _next_uniform(state)
        x = _first_order(indptr, indices, cumw, weighted, v, u)
        state, u = _next_uniform(state)
        level = u * big
        if x == t:
            if level < min(inv_p, big):
                return x, state
        elif level < small or level < (
            1.0 if sorted_search(indices, t_start, t_end, x) >= 0 else inv_q
        ):
            return x, state


@numba.njit(cache=True)
def _one_walk(indptr, indices, weights, cumw, wdeg, weighted, undirected, second_order,
              inv_p, inv_q, start, state, row):
    """Fill ``row`` with a walk from ``start``; after a dead end the rest of ``row`` is ``-1``."""
    length = row.shape[0]
    row[0] = start
    prev, cur = -1, start
    for step in range(1, length):
        if wdeg[cur] <= 0.0:
            for rest in range(step, length):
                row[rest] = -1
            return
        if second_order and prev >= 0:
            nxt, state = _second_order(indptr, indices, weights, cumw, wdeg, weighted,
                                       undirected, prev, cur, inv_p, inv_q, state)
        else:
            state, u = _next_uniform(state)
            nxt = _first_order(indptr, indices, cumw, weighted, cur, u)
        row[step] = nxt
        prev, cur = cur, nxt


@numba.njit(cache=True, parallel=True)
def walk_kernel(indptr, indices, weights, cumw, wdeg, weighted, undirected, second_order,
                inv_p, inv_q, starts, first_walk, key, out):
    """Write walk ``first_walk + k`` (start node ``starts[k % len(starts)]``) into ``out[k]``.

    Args:
        indptr, indices: CSR of the graph (``int64``; indices sorted within each row).
        weights: edge weights (``float64 [E]``; any array when unweighted).
        cumw: within-row cumulative weights (``float64 [E]``; any array when unweighted).
        wdeg: (weighted) out-degree of every node, ``float64 [N]``; ``<= 0`` is a dead end.
        weighted, undirected, second_order: flags.
        inv_p, inv_q: ``1/p`` and ``1/q``.
        starts: start nodes, ``int64 [S]``.
        first_walk: global index of the first walk (the index keys the random stream).
        key: 64-bit key derived from the seed.
        out: output ``[K, walk_length]`` (``int32`` or ``int64``).
    """
    num_starts = starts.shape[0]
    for k in numba.prange(out.shape[0]):
        state = _walk_state(key, first_walk + k)
        _one_walk(indptr, indices, weights, cumw, wdeg, weighted, undirected, second_order,
                  inv_p, inv_q, starts[k % num_starts], state, out[k])


@numba.njit(cache=True, parallel=True)
def row_cumulative_weights(indptr, weights):
    """Within-row running sums of ``weights`` (``float64 [E]``), one row per node."""
    cumw = np.empty_like(weights)
    for v in numba.prange(indptr.shape[0] - 1):
        acc = 0.0
        for e in range(indptr[v], indptr[v + 1]):
            acc += weights[e]
            cumw[e] = acc
    return cumw

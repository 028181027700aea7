"""Numba kernels of :mod:`graphkit.layers.rewire`: balanced Forman curvature (all edges, and
one edge after each of many candidate additions), hop distances and exact optimal transport.

Graphs are CSR arrays ``(indptr, indices)`` with sorted rows (binary-search membership tests).
"""

from __future__ import annotations

import heapq

import numba
import numpy as np

from graphkit._csr import sorted_search

__all__ = [
    "affected_edges",
    "bfc_after_adding",
    "bfc_pairs",
    "edge_transport",
    "orc_pairs",
]


@numba.njit(cache=True, inline="always")
def _contains(indices, lo, hi, target):
    """Whether ``target`` is in the sorted slice ``indices[lo:hi]`` (binary search)."""
    return sorted_search(indices, lo, hi, target) >= 0


@numba.njit(cache=True)
def _ric_value(di, dj, triangles, squares, gamma):
    """The balanced Forman formula from degrees, triangle and 4-cycle counts."""
    d_min = min(di, dj)
    d_max = max(di, dj)
    if d_min <= 1:
        return 0.0
    value = 2.0 / di + 2.0 / dj - 2.0 + 2.0 * triangles / d_max + triangles / d_min
    if gamma > 0:
        value += squares / (gamma * d_max)
    return value


@numba.njit(cache=True)
def _square_count(indptr, indices, a, b, k):
    """``|N(k) ∩ (N(b) \\ B1(a))|``: 4-cycles ``a ~ k ~ w ~ b`` through ``k`` without diagonal a~w."""
    count = 0
    a_lo, a_hi = indptr[a], indptr[a + 1]
    b_lo, b_hi = indptr[b], indptr[b + 1]
    k_lo, k_hi = indptr[k], indptr[k + 1]
    if k_hi - k_lo <= b_hi - b_lo:
        for t in range(k_lo, k_hi):
            w = indices[t]
            if w != a and _contains(indices, b_lo, b_hi, w) and not _contains(indices, a_lo, a_hi, w):
                count += 1
    else:
        for t in range(b_lo, b_hi):
            w = indices[t]
            if w != a and _contains(indices, k_lo, k_hi, w) and not _contains(indices, a_lo, a_hi, w):
                count += 1
    return count


@numba.njit(cache=True)
def _ric(indptr, indices, i, j):
    """Balanced Forman curvature of the edge ``i ~ j`` (Topping et al., ICLR 2022, Def. 1)."""
    di = indptr[i + 1] - indptr[i]
    dj = indptr[j + 1] - indptr[j]
    if min(di, dj) <= 1:
        return 0.0
    triangles = 0
    for t in range(indptr[i], indptr[i + 1]):
        if _contains(indices, indptr[j], indptr[j + 1], indices[t]):
            triangles += 1
    squares = 0
    gamma = 0
    for side in range(2):
        a = i if side == 0 else j
        b = j if side == 0 else i
        for t in range(indptr[a], indptr[a + 1]):
            k = indices[t]
            if k == b or _contains(indices, indptr[b], indptr[b + 1], k):
                continue  # k must be a neighbour of a only (no triangle, no diagonal b~k)
            count = _square_count(indptr, indices, a, b, k)
            if count > 0:
                squares += 1
                gamma = max(gamma, count)
    return _ric_value(di, dj, triangles, squares, gamma)


@numba.njit(cache=True, parallel=True)
def bfc_pairs(indptr, indices, us, vs):
    """Balanced Forman curvature of the edges ``us[c] ~ vs[c]``."""
    out = np.empty(us.shape[0])
    for c in numba.prange(us.shape[0]):
        out[c] = _ric(indptr, indices, us[c], vs[c])
    return out


@numba.njit(cache=True)
def affected_edges(indptr, indices, p, q):
    """Edges whose balanced Forman curvature can change when the edge ``p ~ q`` is toggled.

    Ric(a, b) reads the neighbour lists of a, b and of their neighbours, so toggling ``p ~ q``
    (which changes N(p) and N(q) only) affects the edges at p or q and the edges a ~ b with
    a in N(p), b in N(q). Pass the graph that contains ``p ~ q`` (after adding, before removing).
    Returns ``(us, vs)`` with ``us < vs``, possibly with repeats.
    """
    us = []
    vs = []
    for x in (p, q):
        for s in range(indptr[x], indptr[x + 1]):
            y = indices[s]
            us.append(min(x, y))
            vs.append(max(x, y))
    for s in range(indptr[p], indptr[p + 1]):
        a = indices[s]
        for t in range(indptr[a], indptr[a + 1]):
            b = indices[t]
            if _contains(indices, indptr[q], indptr[q + 1], b):
                us.append(min(a, b))
                vs.append(max(a, b))
    return np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64)


@numba.njit(cache=True)
def _side_counts(indptr, indices, a, b, role, count, mine, other):
    """For the nodes ``k`` of role ``mine`` around ``a``: ``count[k] = |N(k) ∩ {role other}|``.

    Returns ``(squares, best, n_best, second)``: how many have a non-zero count, the largest
    count, how many reach it, and the largest count left after removing one of them.
    """
    squares = 0
    best = 0
    n_best = 0
    second = 0
    b_lo, b_hi = indptr[b], indptr[b + 1]
    for t in range(indptr[a], indptr[a + 1]):
        k = indices[t]
        if role[k] != mine:
            continue
        c = 0
        k_lo, k_hi = indptr[k], indptr[k + 1]
        if k_hi - k_lo <= b_hi - b_lo:
            for s in range(k_lo, k_hi):
                if role[indices[s]] == other:
                    c += 1
        else:
            for s in range(b_lo, b_hi):
                w = indices[s]
                if role[w] == other and _contains(indices, k_lo, k_hi, w):
                    c += 1
        count[k] = c
        if c > 0:
            squares += 1
        if c > best:
            second = best if n_best > 0 else second
            best = c
            n_best = 1
        elif c == best:
            n_best += 1
            second = best
        elif c > second:
            second = c
    return squares, best, n_best, second


@numba.njit(cache=True)
def _join_neighbour(indptr, indices, node, role, count, side, side_best):
    """Effect of a node of the far side joining a's neighbourhood on a's side of 4-cycles.

    Returns ``(lost, max_drops)``: neighbours of ``node`` on ``side`` whose count falls from 1
    to 0, and those at the maximum count ``side_best`` (each count falls by one).
    """
    lost = 0
    at_best = 0
    for s in range(indptr[node], indptr[node + 1]):
        k = indices[s]
        if role[k] == side:
            if count[k] == 1:
                lost += 1
            if count[k] == side_best:
                at_best += 1
    return lost, at_best


@numba.njit(cache=True)
def bfc_after_adding(indptr, indices, i, j, ks, ls, role, count):
    """Curvature of ``i ~ j`` after adding each candidate edge ``ks[c] ~ ls[c]`` alone (SDRF).

    With ``A = N(i) \\ B1(j)``, ``B = N(j) \\ B1(i)`` and ``T = N(i) ∩ N(j)``, a candidate
    with ``k`` in B1(i), ``l`` in B1(j) changes Ric(i, j) in one of three ways only:

    * ``i ~ l`` with ``l`` in B: ``d_i + 1``, ``l`` moves from B to T (one more triangle), the
      4-cycle counts of A-nodes adjacent to ``l`` drop by one, ``l`` leaves B's side;
    * ``k ~ j`` with ``k`` in A: the mirror case;
    * ``k ~ l`` with ``k`` in A, ``l`` in B: a new 4-cycle ``i k l j``, counts of ``k`` and
      ``l`` grow by one (possibly joining the 4-cycle sets and raising gamma_max);

    any other candidate touches a node of T and leaves Ric(i, j) unchanged. So each candidate
    costs O(1) or O(deg l) instead of a full curvature evaluation. ``role`` and ``count`` are
    ``int64 [n]`` scratch arrays of zeros, restored to zeros on return.
    """
    di = indptr[i + 1] - indptr[i]
    dj = indptr[j + 1] - indptr[j]
    triangles = 0
    for t in range(indptr[i], indptr[i + 1]):
        x = indices[t]
        if x == j:
            continue
        if _contains(indices, indptr[j], indptr[j + 1], x):
            triangles += 1
        else:
            role[x] = 1
    for t in range(indptr[j], indptr[j + 1]):
        x = indices[t]
        if x != i and not _contains(indices, indptr[i], indptr[i + 1], x):
            role[x] = 2
    sq_a, best_a, n_best_a, second_a = _side_counts(indptr, indices, i, j, role, count, 1, 2)
    sq_b, best_b, n_best_b, second_b = _side_counts(indptr, indices, j, i, role, count, 2, 1)
    out = np.empty(ks.shape[0])
    for c in range(ks.shape[0]):
        k, q = ks[c], ls[c]
        if role[k] == 2 or role[q] == 1 or (k == j) or (q == i):
            k, q = q, k  # orient as (side of i, side of j)
        if k == i and role[q] == 2:
            lost, drops = _join_neighbour(indptr, indices, q, role, count, 1, best_a)
            new_a = best_a - 1 if (best_a > 0 and drops == n_best_a) else best_a
            new_b = second_b if (count[q] == best_b and n_best_b == 1) else best_b
            squares = sq_a - lost + sq_b - (1 if count[q] > 0 else 0)
            out[c] = _ric_value(di + 1, dj, triangles + 1, squares, max(new_a, new_b))
        elif q == j and role[k] == 1:
            lost, drops = _join_neighbour(indptr, indices, k, role, count, 2, best_b)
            new_b = best_b - 1 if (best_b > 0 and drops == n_best_b) else best_b
            new_a = second_a if (count[k] == best_a and n_best_a == 1) else best_a
            squares = sq_b - lost + sq_a - (1 if count[k] > 0 else 0)
            out[c] = _ric_value(di, dj + 1, triangles + 1, squares, max(new_a, new_b))
        elif role[k] == 1 and role[q] == 2:
            squares = sq_a + sq_b + (1 if count[k] == 0 else 0) + (1 if count[q] == 0 else 0)
            gamma = max(best_a, best_b, count[k] + 1, count[q] + 1)
            out[c] = _ric_value(di, dj, triangles, squares, gamma)
        else:
            out[c] = _ric_value(di, dj, triangles, sq_a + sq_b, max(best_a, best_b))
    for side in (i, j):
        for t in range(indptr[side], indptr[side + 1]):
            role[indices[t]] = 0
            count[indices[t]] = 0
    return out


@numba.njit(cache=True)
def support_distances(indptr, indices, sources, targets, stamp, epoch):
    """Shortest-path distances between ``sources`` (in B1(x)) and ``targets`` (in B1(y)), x ~ y.

    Distances are 0, 1, 2 or 3 (``a - x - y - b`` is a path of length 3). ``stamp`` is an
    ``int64 [n]`` scratch array whose entries are all below ``epoch`` on entry.
    Returns ``(int8 [len(sources), len(targets)], next epoch)``.
    """
    out = np.full((sources.shape[0], targets.shape[0]), 3, dtype=np.int8)
    for r in range(sources.shape[0]):
        a = sources[r]
        epoch += 1
        for s in range(indptr[a], indptr[a + 1]):
            stamp[indices[s]] = epoch
        for c in range(targets.shape[0]):
            b = targets[c]
            if b == a:
                out[r, c] = 0
            elif stamp[b] == epoch:
                out[r, c] = 1
            else:
                for s in range(indptr[b], indptr[b + 1]):
                    if stamp[indices[s]] == epoch:
                        out[r, c] = 2
                        break
    return out, epoch


_ZERO = 1e-9


@numba.njit(cache=True)
def _dijkstra(cost, flow, supply, pot_r, pot_c):
    """Reduced distances from the sources with supply left, in the residual transport graph.

    Binary-heap Dijkstra; node ``r < p`` is source row ``r``, node ``p + c`` is sink column ``c``.
    """
    p, q = cost.shape
    dist_r = np.full(p, np.inf)
    dist_c = np.full(q, np.inf)
    done_r = np.zeros(p, dtype=np.bool_)
    done_c = np.zeros(q, dtype=np.bool_)
    heap = [(0.0, np.int64(0))]
    heap.pop()
    for r in range(p):
        if supply[r] > _ZERO:
            dist_r[r] = 0.0
            heap.append((0.0, np.int64(r)))
    heapq.heapify(heap)
    while heap:
        best, node = heapq.heappop(heap)
        if node < p:
            if done_r[node] or best > dist_r[node]:
                continue
            done_r[node] = True
            for c in range(q):  # forward arcs r -> c, always residual (uncapacitated)
                value = best + cost[node, c] + pot_r[node] - pot_c[c]
                if value < dist_c[c]:
                    dist_c[c] = value
                    heapq.heappush(heap, (value, np.int64(p + c)))
        else:
            c = node - p
            if done_c[c] or best > dist_c[c]:
                continue
            done_c[c] = True
            for r in range(p):  # backward arcs c -> r where flow can be cancelled
                if flow[r, c] > _ZERO:
                    value = best - cost[r, c] + pot_c[c] - pot_r[r]
                    if value < dist_r[r]:
                        dist_r[r] = value
                        heapq.heappush(heap, (value, np.int64(r)))
    return dist_r, dist_c


@numba.njit(cache=True)
def _augment_admissible(cost, flow, supply, demand, pot_r, pot_c):
    """Augment along zero-reduced-cost paths (BFS) until none is left; a max flow per phase."""
    p, q = cost.shape
    for r in range(p):  # direct source -> sink pushes first: most of the flow, in O(p q)
        for c in range(q):
            if supply[r] <= _ZERO:
                break
            if demand[c] > _ZERO and abs(cost[r, c] + pot_r[r] - pot_c[c]) < _ZERO:
                amount = min(supply[r], demand[c])
                flow[r, c] += amount
                supply[r] -= amount
                demand[c] -= amount
    parent_r = np.empty(p, dtype=np.int64)  # the column node a row was reached from (-1: start)
    parent_c = np.empty(q, dtype=np.int64)  # the row node a column was reached from
    queue = np.empty(p + q, dtype=np.int64)
    while True:
        parent_r[:] = -2
        parent_c[:] = -2
        head = tail = 0
        for r in range(p):
            if supply[r] > _ZERO:
                parent_r[r] = -1
                queue[tail] = r
                tail += 1
        end = -1
        while head < tail and end < 0:
            node = queue[head]
            head += 1
            if node < p:
                for c in range(q):
                    if parent_c[c] == -2 and abs(cost[node, c] + pot_r[node] - pot_c[c]) < _ZERO:
                        parent_c[c] = node
                        if demand[c] > _ZERO:
                            end = c
                            break
                        queue[tail] = p + c
                        tail += 1
            else:
                c = node - p
                for r in range(p):
                    if (
                        parent_r[r] == -2
                        and flow[r, c] > _ZERO
                        and abs(cost[r, c] + pot_r[r] - pot_c[c]) < _ZERO
                    ):
                        parent_r[r] = c
                        queue[tail] = r
                        tail += 1
        if end < 0:
            return
        amount = demand[end]  # bottleneck along the path, walking back to its start row
        c = end
        while True:
            r = parent_c[c]
            if parent_r[r] == -1:
                amount = min(amount, supply[r])
                break
            c = parent_r[r]
            amount = min(amount, flow[r, c])
        c = end
        demand[end] -= amount
        while True:
            r = parent_c[c]
            flow[r, c] += amount
            if parent_r[r] == -1:
                supply[r] -= amount
                break
            c = parent_r[r]
            flow[r, c] -= amount


@numba.njit(cache=True)
def transport_plan(supply, demand, cost):
    """Exact optimal transport plan by the primal-dual min-cost-flow method.

    ``supply [p]`` and ``demand [q]`` are non-negative with equal totals and ``cost [p, q]``
    holds non-negative integers (hop distances). Each phase runs Dijkstra on reduced costs
    (potentials keep them non-negative), then a BFS max flow on the zero-reduced-cost arcs;
    with integer costs bounded by ``C`` there are at most ``C + 1`` phases.
    """
    p, q = cost.shape
    supply = supply.copy()
    demand = demand.copy()
    cost = cost.astype(np.float64)
    flow = np.zeros((p, q))
    pot_r = np.zeros(p)
    pot_c = np.zeros(q)
    while supply.sum() > _ZERO:
        dist_r, dist_c = _dijkstra(cost, flow, supply, pot_r, pot_c)
        delta = np.inf
        for c in range(q):
            if demand[c] > _ZERO and dist_c[c] < delta:
                delta = dist_c[c]
        if delta == np.inf:
            break
        for r in range(p):
            pot_r[r] += min(dist_r[r], delta)
        for c in range(q):
            pot_c[c] += min(dist_c[c], delta)
        _augment_admissible(cost, flow, supply, demand, pot_r, pot_c)
    return flow


@numba.njit(cache=True)
def _measure(indptr, indices, x, alpha):
    """Sorted support and masses of the lazy uniform measure ``alpha δ_x + (1 - alpha) U(N(x))``."""
    lo, hi = indptr[x], indptr[x + 1]
    degree = hi - lo
    size = degree + (1 if alpha > 0.0 else 0)
    support = np.empty(size, dtype=np.int64)
    mass = np.full(size, (1.0 - alpha) / degree)
    t = 0
    placed = alpha == 0.0
    for s in range(lo, hi):
        if not placed and indices[s] > x:
            support[t] = x
            mass[t] = alpha
            t += 1
            placed = True
        support[t] = indices[s]
        t += 1
    if not placed:
        support[t] = x
        mass[t] = alpha
    return support, mass


@numba.njit(cache=True)
def edge_transport(indptr, indices, x, y, alpha, stamp, epoch):
    """Optimal transport from ``m_x`` to ``m_y`` (lazy uniform neighbour measures), exact.

    Mass shared by both measures stays in place (optimal for a metric cost); the rest is moved
    by :func:`transport_plan` on the hop distances. Returns ``(W1, sources, targets, plan,
    distances, epoch)`` for the non-shared parts.
    """
    sx, mx = _measure(indptr, indices, x, alpha)
    sy, my = _measure(indptr, indices, y, alpha)
    a = 0
    b = 0
    while a < sx.shape[0] and b < sy.shape[0]:  # sorted supports: remove common mass
        if sx[a] < sy[b]:
            a += 1
        elif sx[a] > sy[b]:
            b += 1
        else:
            shared = min(mx[a], my[b])
            mx[a] -= shared
            my[b] -= shared
            a += 1
            b += 1
    keep_x = mx > 1e-15
    keep_y = my > 1e-15
    sx, mx, sy, my = sx[keep_x], mx[keep_x], sy[keep_y], my[keep_y]
    if sx.shape[0] == 0 or sy.shape[0] == 0:
        empty = np.zeros((sx.shape[0], sy.shape[0]))
        return 0.0, sx, sy, empty, empty.astype(np.int8), epoch
    distances, epoch = support_distances(indptr, indices, sx, sy, stamp, epoch)
    plan = transport_plan(mx, my * (mx.sum() / my.sum()), distances)
    cost = 0.0
    for r in range(plan.shape[0]):
        for c in range(plan.shape[1]):
            cost += plan[r, c] * distances[r, c]
    return cost, sx, sy, plan, distances, epoch


@numba.njit(cache=True, parallel=True)
def orc_pairs(indptr, indices, us, vs, alpha, chunks):
    """Ollivier–Ricci curvature ``1 - W1(m_u, m_v)`` of the edges ``us[e] ~ vs[e]``.

    Edges are dealt to ``chunks`` interleaved groups (``e % chunks``), so hub edges spread
    over the threads; each group has its own scratch array.
    """
    n = indptr.shape[0] - 1
    out = np.empty(us.shape[0])
    for chunk in numba.prange(chunks):
        stamp = np.zeros(n, dtype=np.int64)
        epoch = 0
        for e in range(chunk, us.shape[0], chunks):
            cost, _, _, _, _, epoch = edge_transport(indptr, indices, us[e], vs[e], alpha, stamp, epoch)
            out[e] = 1.0 - cost
    return out

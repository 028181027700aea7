"""Numba kernels of :mod:`graphkit.embed.orbits` and :mod:`graphkit.embed.orbit_adjacency`.

All kernels take the symmetric, sorted CSR pattern of a simple graph (``indptr``, ``indices``)
and split the nodes into ``chunks`` interleaved groups (node ``v`` goes to group
``v % chunks``), so that the hubs of heavy-tailed graphs spread over the threads. Each group
owns its scratch arrays; nothing is shared between groups except read-only inputs and output
rows owned by exactly one node.
"""

from __future__ import annotations

import numba
import numpy as np

from graphkit._csr import sorted_search

__all__ = [
    "edge_triangles",
    "node_non_induced4",
    "pair_row_counts",
    "pair_fill",
    "edge_pair_orbits",
    "enumerate_five",
]

_NUM_KEYS = 28
_INSUB = np.int32(1 << 5)


@numba.njit(cache=True, inline="always")
def _comb2(x):
    return x * (x - 1) // 2


@numba.njit(cache=True, inline="always")
def _comb3(x):
    return x * (x - 1) * (x - 2) // 6


@numba.njit(parallel=True, cache=True)
def edge_triangles(indptr, indices, chunks):
    """Triangles on every stored edge ``(x, indices[p])``: ``int64 [num_edges]``."""
    n = indptr.shape[0] - 1
    tri = np.zeros(indices.shape[0], dtype=np.int64)
    for ch in numba.prange(chunks):
        mark = np.zeros(n, dtype=np.bool_)
        for x in range(ch, n, chunks):
            for p in range(indptr[x], indptr[x + 1]):
                mark[indices[p]] = True
            for p in range(indptr[x], indptr[x + 1]):
                y = indices[p]
                if y < x:
                    continue
                count = 0
                for q in range(indptr[y], indptr[y + 1]):
                    if mark[indices[q]]:
                        count += 1
                tri[p] = count
            for p in range(indptr[x], indptr[x + 1]):
                mark[indices[p]] = False
    _mirror(indptr, indices, tri)
    return tri


@numba.njit(cache=True)
def _mirror(indptr, indices, values):
    """Copy ``values`` of slots ``(x, y)``, ``x < y``, onto their mirror slots ``(y, x)``."""
    n = indptr.shape[0] - 1
    cursor = indptr[:-1].copy()
    for x in range(n):
        for p in range(indptr[x], indptr[x + 1]):
            y = indices[p]
            if y > x:
                # rows are sorted, so the lower slots of row y are met in increasing x
                while indices[cursor[y]] < x:
                    cursor[y] += 1
                values[cursor[y]] = values[p]


@numba.njit(cache=True)
def _node_stats(indptr, indices, tri):
    """Degrees, triangles per node and ``s1[v] = sum_{u ~ v} (d_u - 1)``."""
    n = indptr.shape[0] - 1
    deg = np.diff(indptr)
    tnode = np.zeros(n, dtype=np.int64)
    s1 = np.zeros(n, dtype=np.int64)
    for v in range(n):
        for p in range(indptr[v], indptr[v + 1]):
            tnode[v] += tri[p]
            s1[v] += deg[indices[p]] - 1
        tnode[v] //= 2
    return deg, tnode, s1


@numba.njit(parallel=True, cache=True)
def node_non_induced4(indptr, indices, tri, chunks):
    """Non-induced counts of the 15 node orbits on 2-4 nodes: ``int64 [n, 15]``.

    Column ``o`` counts copies (not necessarily induced) of the graphlet of orbit ``o`` with the
    node on ``o``; ``orbits.node_orbit_inverse`` turns them into induced counts.
    """
    n = indptr.shape[0] - 1
    deg, tnode, s1 = _node_stats(indptr, indices, tri)
    out = np.zeros((n, 15), dtype=np.int64)
    for ch in numba.prange(chunks):
        mark = np.full(n, -1, dtype=np.int64)
        mark_a = np.full(n, -1, dtype=np.int64)
        walks = np.zeros(n, dtype=np.int64)
        touched = np.empty(n, dtype=np.int64)
        for x in range(ch, n, chunks):
            _node_row(x, indptr, indices, tri, deg, tnode, s1, mark, mark_a, walks, touched,
                      out[x])
    return out


@numba.njit(cache=True)
def _node_row(x, indptr, indices, tri, deg, tnode, s1, mark, mark_a, walks, touched, row):
    dx = deg[x]
    tx = tnode[x]
    n1 = n4 = n5 = n6 = n9 = n10 = n13 = 0
    for p in range(indptr[x], indptr[x + 1]):
        y = indices[p]
        dy = deg[y]
        t = tri[p]
        mark[y] = x
        n1 += dy - 1
        n4 += s1[y] - (dx - 1) - t
        n5 += (dx - 1) * (dy - 1)
        n6 += _comb2(dy - 1)
        n9 += tnode[y] - t
        n10 += t * (dy - 2)
        n13 += _comb2(t)
    row[0] = dx
    row[1] = n1
    row[2] = _comb2(dx)
    row[3] = tx
    row[4] = n4
    row[5] = n5 - 2 * tx
    row[6] = n6
    row[7] = _comb3(dx)
    row[8] = _four_cycles(x, indptr, indices, walks, touched)
    row[9] = n9
    row[10] = n10
    row[11] = tx * (dx - 2)
    n12, k4 = _triangle_terms(x, indptr, indices, tri, mark, mark_a)
    row[12] = n12
    row[13] = n13
    row[14] = k4


@numba.njit(cache=True)
def _four_cycles(x, indptr, indices, walks, touched):
    """4-cycles through ``x``: :math:`\\sum_w \\binom{c(x, w)}{2}` over 2-walks ``x-y-w``."""
    count = 0
    for p in range(indptr[x], indptr[x + 1]):
        y = indices[p]
        for q in range(indptr[y], indptr[y + 1]):
            w = indices[q]
            if w == x:
                continue
            if walks[w] == 0:
                touched[count] = w
                count += 1
            walks[w] += 1
    total = 0
    for i in range(count):
        w = touched[i]
        total += _comb2(walks[w])
        walks[w] = 0
    return total


@numba.njit(cache=True)
def _triangle_terms(x, indptr, indices, tri, mark, mark_a):
    """Diamond term ``sum over triangles (x, a, b) of (t_ab - 1)`` and 4-cliques at ``x``."""
    diamond = 0
    cliques3 = 0  # every 4-clique at x is met once per pair of its other three nodes
    for p in range(indptr[x], indptr[x + 1]):
        if tri[p] == 0:
            continue
        a = indices[p]
        for q in range(indptr[a], indptr[a + 1]):
            mark_a[indices[q]] = a
        for q in range(indptr[a], indptr[a + 1]):
            b = indices[q]
            if b <= a or mark[b] != x:
                continue
            diamond += tri[q] - 1
            for r in range(indptr[b], indptr[b + 1]):
                z = indices[r]
                if mark[z] == x and mark_a[z] == a:
                    cliques3 += 1
    return diamond, cliques3 // 3


# ---------------------------------------------------------------------------------------------
# Pair (orbit adjacency) kernels
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _pair_scratch(n):
    """Scratch of one chunk: stamps, per-pair sums and the touched list."""
    marks = np.full((3, n), -1, dtype=np.int64)  # 0: N(a), 1: seen, 2: N(x)
    sums = np.zeros((n, 6), dtype=np.int64)  # c2, w3, sdeg, sta, stb, eC
    touched = np.empty(n, dtype=np.int64)
    return marks, sums, touched


@numba.njit(cache=True)
def _touch(b, a, marks, sums, touched, count):
    if marks[1, b] != a:
        marks[1, b] = a
        for k in range(6):
            sums[b, k] = 0
        touched[count] = b
        count += 1
    return count


@numba.njit(cache=True)
def _pair_row(a, indptr, indices, tri, deg, marks, sums, touched, full):
    """Per-pair sums of row ``a`` for every ``b`` within 2 hops (3 hops when ``full``).

    ``sums[b]`` = common neighbours, 3-walks ``a -> b`` (``full`` only), sum of degrees of
    the common neighbours ``x``, sums of ``t(a, x)`` and ``t(x, b)`` over them, and edges among
    them. Returns the number of touched nodes.
    """
    count = 0
    for p in range(indptr[a], indptr[a + 1]):
        marks[0, indices[p]] = a
        count = _touch(indices[p], a, marks, sums, touched, count)
    for p in range(indptr[a], indptr[a + 1]):
        x = indices[p]
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            if y == a:
                continue
            count = _touch(y, a, marks, sums, touched, count)
            sums[y, 0] += 1
            sums[y, 2] += deg[x]
            sums[y, 3] += tri[p]
            sums[y, 4] += tri[q]
    _common_edges(a, indptr, indices, tri, marks, sums)
    if full:
        count = _three_walks(a, indptr, indices, deg, marks, sums, touched, count)
    return count


@numba.njit(cache=True)
def _common_edges(a, indptr, indices, tri, marks, sums):
    """``sums[z, 5]``: edges ``x-y`` among the common neighbours of ``a`` and ``z``."""
    for p in range(indptr[a], indptr[a + 1]):
        if tri[p] == 0:
            continue
        x = indices[p]
        for q in range(indptr[x], indptr[x + 1]):
            marks[2, indices[q]] = x
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            if y <= x or marks[0, y] != a:
                continue
            for r in range(indptr[y], indptr[y + 1]):
                z = indices[r]
                if z != a and marks[2, z] == x:
                    sums[z, 5] += 1


@numba.njit(cache=True)
def _three_walks(a, indptr, indices, deg, marks, sums, touched, count):
    """``sums[b, 1]``: walks ``a-x-y-b`` of length 3 (any nodes), for every ``b != a``."""
    two_hop = count
    for i in range(two_hop):
        y = touched[i]
        walks = sums[y, 0]
        if walks == 0:
            continue
        for r in range(indptr[y], indptr[y + 1]):
            z = indices[r]
            if z == a:
                continue
            count = _touch(z, a, marks, sums, touched, count)
            sums[z, 1] += walks
    for p in range(indptr[a], indptr[a + 1]):
        sums[indices[p], 1] += deg[a]  # walks a-x-a-b
    return count


@numba.njit(cache=True)
def _walks_to_neighbour(a, b, indptr, indices, deg, marks, sums):
    """3-walks ``a -> b`` for a neighbour ``b`` of ``a``, from the common-neighbour counts."""
    walks = deg[a]
    for r in range(indptr[b], indptr[b + 1]):
        y = indices[r]
        if y != a and marks[1, y] == a:
            walks += sums[y, 0]
    return walks


@numba.njit(cache=True)
def _non_induced_pairs(s, c, da, db, w3, sdeg, sta, stb, ec, ta, tb, s1a, s1b, vec):
    """Non-induced counts of the 28 pair orbits for one ordered pair ``(a, b)``.

    Entry ``k`` counts copies (not necessarily induced) of the pattern of key ``k`` of
    ``orbit_adjacency.PAIR_KEYS`` with ``a`` and ``b`` on its two orbits.
    """
    p3 = w3 - s * (da + db - 1)  # paths a-x-y-b on 4 distinct nodes
    vec[0] = s
    vec[1] = s * (db - 1)
    vec[2] = s * (da - 1)
    vec[3] = c
    vec[4] = s * c
    vec[5] = s * (s1b - (da - 1) - c)
    vec[6] = s * (s1a - (db - 1) - c)
    vec[7] = c * (db - 1 - s)
    vec[8] = c * (da - 1 - s)
    vec[9] = s * ((da - 1) * (db - 1) - c)
    vec[10] = p3
    vec[11] = s * _comb2(db - 1)
    vec[12] = s * _comb2(da - 1)
    vec[13] = sdeg - 2 * c
    vec[14] = s * p3
    vec[15] = _comb2(c)
    vec[16] = s * (tb - c)
    vec[17] = s * (ta - c)
    vec[18] = stb - s * c
    vec[19] = sta - s * c
    vec[20] = s * (sdeg - 2 * c)
    vec[21] = s * c * (db - 2)
    vec[22] = s * c * (da - 2)
    vec[23] = s * (stb - c)
    vec[24] = s * (sta - c)
    vec[25] = ec
    vec[26] = s * _comb2(c)
    vec[27] = s * ec


@numba.njit(cache=True)
def _induced_pairs(a, b, w3, deg, tnode, s1, marks, sums, inv_ptr, inv_col, inv_val, vec, out):
    """Induced pair-orbit counts ``out[28]`` of ``(a, b)`` (``A^{-1}`` applied to ``vec``).

    Returns ``False`` when ``a`` and ``b`` are neither adjacent nor share a neighbour: then only
    an induced 4-path joins them, ``out`` is left untouched and the count is ``w3``.
    """
    s = 1 if marks[0, b] == a else 0
    c = sums[b, 0]
    if s == 0 and c == 0:
        return False
    _non_induced_pairs(s, c, deg[a], deg[b], w3, sums[b, 2], sums[b, 3], sums[b, 4],
                       sums[b, 5], tnode[a], tnode[b], s1[a], s1[b], vec)
    for k in range(_NUM_KEYS):
        total = 0
        for j in range(inv_ptr[k], inv_ptr[k + 1]):
            total += inv_val[j] * vec[inv_col[j]]
        out[k] = total
    return True


_FAR_KEY = 10  # (4, 4, 3): the only key of pairs three hops apart


@numba.njit(parallel=True, cache=True)
def pair_row_counts(indptr, indices, tri, inv_ptr, inv_col, inv_val, chunks):
    """Nonzeros of the 28 orbit adjacency matrices in every row, ``int64 [28, n]``, and the
    largest entry of any of them."""
    n = indptr.shape[0] - 1
    deg, tnode, s1 = _node_stats(indptr, indices, tri)
    nnz = np.zeros((_NUM_KEYS, n), dtype=np.int64)
    largest = np.zeros(chunks, dtype=np.int64)
    for ch in numba.prange(chunks):
        marks, sums, touched = _pair_scratch(n)
        vec = np.zeros(_NUM_KEYS, dtype=np.int64)
        out = np.zeros(_NUM_KEYS, dtype=np.int64)
        for a in range(ch, n, chunks):
            count = _pair_row(a, indptr, indices, tri, deg, marks, sums, touched, True)
            for i in range(count):
                b = touched[i]
                w3 = sums[b, 1]
                if not _induced_pairs(a, b, w3, deg, tnode, s1, marks, sums,
                                      inv_ptr, inv_col, inv_val, vec, out):
                    nnz[_FAR_KEY, a] += 1
                    largest[ch] = max(largest[ch], w3)
                    continue
                for k in range(_NUM_KEYS):
                    if out[k] != 0:
                        nnz[k, a] += 1
                        largest[ch] = max(largest[ch], out[k])
    return nnz, largest.max()


@numba.njit(parallel=True, cache=True)
def pair_fill(indptr, indices, tri, inv_ptr, inv_col, inv_val, starts, out_indices, out_data,
              chunks):
    """Write the 28 matrices: row ``a`` of key ``k`` fills from ``starts[k, a]`` on."""
    n = indptr.shape[0] - 1
    deg, tnode, s1 = _node_stats(indptr, indices, tri)
    for ch in numba.prange(chunks):
        marks, sums, touched = _pair_scratch(n)
        vec = np.zeros(_NUM_KEYS, dtype=np.int64)
        out = np.zeros(_NUM_KEYS, dtype=np.int64)
        cursor = np.zeros(_NUM_KEYS, dtype=np.int64)
        for a in range(ch, n, chunks):
            count = _pair_row(a, indptr, indices, tri, deg, marks, sums, touched, True)
            cursor[:] = starts[:, a]
            for i in range(count):
                b = touched[i]
                w3 = sums[b, 1]
                if not _induced_pairs(a, b, w3, deg, tnode, s1, marks, sums,
                                      inv_ptr, inv_col, inv_val, vec, out):
                    out_indices[cursor[_FAR_KEY]] = b
                    out_data[cursor[_FAR_KEY]] = w3
                    cursor[_FAR_KEY] += 1
                    continue
                for k in range(_NUM_KEYS):
                    if out[k] != 0:
                        out_indices[cursor[k]] = b
                        out_data[cursor[k]] = out[k]
                        cursor[k] += 1


@numba.njit(parallel=True, cache=True)
def edge_pair_orbits(indptr, indices, tri, inv_ptr, inv_col, inv_val, key_to_edge_orbit,
                     num_orbits, chunks):
    """Edge orbit counts of every edge ``u < v`` (rows in CSR order): ``int64 [E, num_orbits]``.

    An edge's count on an edge orbit is the sum of its induced pair counts over the keys
    ``key_to_edge_orbit`` maps to that orbit (``-1``: not an edge orbit).
    """
    n = indptr.shape[0] - 1
    deg, tnode, s1 = _node_stats(indptr, indices, tri)
    first = np.zeros(n + 1, dtype=np.int64)  # edge id of the first upper slot of each row
    for a in range(n):
        upper = 0
        for p in range(indptr[a], indptr[a + 1]):
            if indices[p] > a:
                upper += 1
        first[a + 1] = first[a] + upper
    counts = np.zeros((first[n], num_orbits), dtype=np.int64)
    for ch in numba.prange(chunks):
        marks, sums, touched = _pair_scratch(n)
        vec = np.zeros(_NUM_KEYS, dtype=np.int64)
        out = np.zeros(_NUM_KEYS, dtype=np.int64)
        for a in range(ch, n, chunks):
            _pair_row(a, indptr, indices, tri, deg, marks, sums, touched, False)
            edge = first[a]
            for p in range(indptr[a], indptr[a + 1]):
                b = indices[p]
                if b < a:
                    continue
                w3 = _walks_to_neighbour(a, b, indptr, indices, deg, marks, sums)
                _induced_pairs(a, b, w3, deg, tnode, s1, marks, sums,
                               inv_ptr, inv_col, inv_val, vec, out)  # adjacent: never False
                for k in range(_NUM_KEYS):
                    if key_to_edge_orbit[k] >= 0:
                        counts[edge, key_to_edge_orbit[k]] += out[k]
                edge += 1
    return counts


# ---------------------------------------------------------------------------------------------
# 5-node enumeration (ESU)
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _add_node(w, position, indptr, indices, bits):
    bits[w] |= _INSUB
    for p in range(indptr[w], indptr[w + 1]):
        bits[indices[p]] |= np.int32(1 << position)


@numba.njit(cache=True)
def _remove_node(w, position, indptr, indices, bits):
    bits[w] &= ~_INSUB
    for p in range(indptr[w], indptr[w + 1]):
        bits[indices[p]] &= ~np.int32(1 << position)


@numba.njit(cache=True)
def _edge_id(u, v, indptr, indices, first_upper, first):
    """Id of edge ``{u, v}`` (which must exist) in the canonical ``u < v`` order (binary search
    in row ``u``)."""
    if u > v:
        u, v = v, u
    return first[u] + sorted_search(indices, first_upper[u], indptr[u + 1], v) - first_upper[u]


@numba.njit(cache=True)
def _count_set(sub, mask, node_lut, edge_lut, node_counts, edge_counts, want_edges,
               indptr, indices, first_upper, first):
    for i in range(5):
        node_counts[sub[i], node_lut[mask, i]] += 1
    if not want_edges:
        return
    bit = 0
    for j in range(5):
        for i in range(j):
            if mask >> bit & 1:
                e = _edge_id(sub[i], sub[j], indptr, indices, first_upper, first)
                edge_counts[e, edge_lut[mask, bit]] += 1
            bit += 1


@numba.njit(cache=True)
def _count_last_level(candidates, sub, mask4, bits, node_lut, node_counts, hist):
    """Count the sets ``sub[0..3] + w`` for every candidate ``w`` at once.

    The orbits of ``sub[0..3]`` depend only on how ``w`` links to them (16 patterns), so they
    are credited once per pattern; each ``w`` gets its own orbit.
    """
    hist[:] = 0
    for w in candidates:
        links = bits[w] & 15
        hist[links] += 1
        node_counts[w, node_lut[mask4 | (links << 6), 4]] += 1
    for links in range(1, 16):
        if hist[links] == 0:
            continue
        mask = mask4 | (links << 6)
        for i in range(4):
            node_counts[sub[i], node_lut[mask, i]] += hist[links]


@numba.njit(cache=True)
def _esu_root(v, indptr, indices, node_lut, edge_lut, bits, ext, ext_len, ptr, masks, sub,
              hist, node_counts, edge_counts, want_edges, first_upper, first):
    """Every connected 5-node set whose smallest node is ``v``, each met exactly once."""
    sub[0] = v
    _add_node(v, 0, indptr, indices, bits)
    ext_len[1] = 0
    for p in range(indptr[v], indptr[v + 1]):
        if indices[p] > v:
            ext[1, ext_len[1]] = indices[p]
            ext_len[1] += 1
    level = 1
    ptr[1] = 0
    masks[1] = 0
    while level >= 1:
        if ptr[level] == ext_len[level]:
            level -= 1
            if level >= 1:
                _remove_node(sub[level], level, indptr, indices, bits)
            continue
        if level == 4 and not want_edges:
            _count_last_level(ext[4, ptr[4]:ext_len[4]], sub, masks[4], bits, node_lut,
                              node_counts, hist)
            ptr[4] = ext_len[4]
            continue
        w = ext[level, ptr[level]]
        ptr[level] += 1
        links = bits[w] & ((1 << level) - 1)  # adjacency of w to sub[0..level-1]
        mask = masks[level] | (links << (level * (level - 1) // 2))
        if level == 4:
            sub[4] = w
            _count_set(sub, mask, node_lut, edge_lut, node_counts, edge_counts, want_edges,
                       indptr, indices, first_upper, first)
            continue
        size = 0
        for i in range(ptr[level], ext_len[level]):
            ext[level + 1, size] = ext[level, i]
            size += 1
        for p in range(indptr[w], indptr[w + 1]):
            u = indices[p]
            if u > v and bits[u] == 0:
                ext[level + 1, size] = u
                size += 1
        sub[level] = w
        _add_node(w, level, indptr, indices, bits)
        level += 1
        ext_len[level] = size
        ptr[level] = 0
        masks[level] = mask
    _remove_node(v, 0, indptr, indices, bits)


@numba.njit(parallel=True, cache=True)
def enumerate_five(indptr, indices, node_lut, edge_lut, num_edges, chunks, want_edges, start, stop):
    """Node orbits 15-72 ``[n, 58]`` and edge orbits 12-67 ``[E, 56]`` (zeros unless
    ``want_edges``) of the connected 5-node subgraphs whose root (ESU start node) is in
    ``range(start, stop)``; summing over a partition of ``range(n)`` gives the full counts."""
    n = indptr.shape[0] - 1
    first_upper = np.zeros(n, dtype=np.int64)
    first = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        q = indptr[u]
        while q < indptr[u + 1] and indices[q] < u:
            q += 1
        first_upper[u] = q
        first[u + 1] = first[u] + indptr[u + 1] - q
    node_parts = np.zeros((chunks, n, 58), dtype=np.int64)
    edge_parts = np.zeros((chunks, num_edges if want_edges else 0, 56), dtype=np.int64)
    for ch in numba.prange(chunks):
        bits = np.zeros(n, dtype=np.int32)
        ext = np.empty((5, n), dtype=np.int64)
        ext_len = np.zeros(5, dtype=np.int64)
        ptr = np.zeros(5, dtype=np.int64)
        masks = np.zeros(5, dtype=np.int64)
        sub = np.zeros(5, dtype=np.int64)
        hist = np.zeros(16, dtype=np.int64)
        for v in range(start + ch, stop, chunks):
            _esu_root(v, indptr, indices, node_lut, edge_lut, bits, ext, ext_len, ptr, masks,
                      sub, hist, node_parts[ch], edge_parts[ch], want_edges, first_upper, first)
    node_counts = node_parts.sum(axis=0)
    edge_counts = np.zeros((num_edges, 56), dtype=np.int64)
    if want_edges:
        edge_counts = edge_parts.sum(axis=0)
    return node_counts, edge_counts

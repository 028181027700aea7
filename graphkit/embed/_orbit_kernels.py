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

__all__ = [
    "edge_triangles",
    "node_non_induced4",
    "pair_row_counts",
    "pair_fill",
    "edge_pair_orbits",
    "slot_edge_ids",
    "extend_four_sets",
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
# 5-node orbits by extending connected 4-node sets
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
def slot_edge_ids(indptr, indices):
    """Id of the edge at every CSR slot, in the order of ``orbits.edge_list`` (``u < v`` pairs
    sorted by ``u``, then ``v``); both slots of an edge get its id."""
    n = indptr.shape[0] - 1
    ids = np.empty(indices.shape[0], dtype=np.int64)
    edge = 0
    for u in range(n):
        for p in range(indptr[u], indptr[u + 1]):
            if indices[p] > u:
                ids[p] = edge
                edge += 1
    _mirror(indptr, indices, ids)
    return ids


@numba.njit(cache=True)
def _count_common(u, indptr, indices, dense, sign):
    r"""Add ``sign`` times the 2-walks from ``u`` to ``dense``: ``dense[z] += sign * c(u, z)``
    with :math:`c(u, z) = |N(u) \cap N(z)|`, for every ``z != u`` (``sign = -1`` undoes it).
    Costs :math:`\sum_{y \sim u} d_y`."""
    for p in range(indptr[u], indptr[u + 1]):
        y = indices[p]
        for q in range(indptr[y], indptr[y + 1]):
            dense[indices[q]] += sign
    dense[u] = 0


@numba.njit(cache=True, inline="always")
def _popcount3(x):
    return (x & 1) + (x >> 1 & 1) + (x >> 2 & 1)


@numba.njit(cache=True)
def _linked_to_first_three(sub, deg, indptr, indices, bits):
    """Nodes outside ``sub[:3]`` adjacent to all of ``sub[0]``, ``sub[1]``, ``sub[2]``."""
    a = sub[0]
    for i in (1, 2):
        if deg[sub[i]] < deg[a]:
            a = sub[i]
    total = 0
    for p in range(indptr[a], indptr[a + 1]):
        b = bits[indices[p]]
        total += (b & _INSUB) == 0 and (b & 7) == 7
    return total


@numba.njit(cache=True)
def _extend_triple(sub, n3, ext, bits, deg, walk2, common, indptr, indices, lut,
                   link, tally, edge_at, pair_edge, on_edges, out):
    """Credit every connected 4-set ``sub[:3] + s3`` (``s3`` in ``ext[2, :n3]``) with its
    extensions ``+ w``, without listing the nodes ``w``.

    ``link[S]`` (``S`` a non-empty subset of the 4 positions, bit ``i`` = ``sub[i]``) first
    holds :math:`c'(S)`, the number of nodes ``w`` outside the 4-set adjacent to every node of
    ``S``: degrees and common-neighbour counts minus the members of the set that qualify. The
    triples and the quadruple with ``s3`` come from one scan of the neighbours of ``s3``, done
    only when one of those triples has all its pairs non-zero. Möbius inversion over supersets
    turns ``link`` into the number of ``w`` whose neighbours in the 4-set are exactly ``S``.

    Each 5-node set ``4-set + w`` credits the node orbits of the 4 nodes (``lut`` is the node
    table, ``out`` is ``[n, 58]``) or, with ``on_edges``, the edge orbits of the edges among
    them (``lut`` is the edge table, ``out`` is ``[E, 56]``, ``edge_at[i, u]`` the id of edge
    ``(sub[i], u)``).
    """
    s0, s1, s2 = sub[0], sub[1], sub[2]
    a01 = bits[s1] & 1
    a02 = bits[s2] & 1
    a12 = bits[s2] >> 1 & 1
    mask3 = a01 | a02 << 1 | a12 << 2
    near0 = a01 << 1 | a02 << 2  # neighbours of sub[i] among the first three, as position bits
    near1 = a01 | a12 << 2
    near2 = a02 | a12 << 1
    single0 = deg[s0] - a01 - a02
    single1 = deg[s1] - a01 - a12
    single2 = deg[s2] - a02 - a12
    pair01 = common[0, s1] - (a02 & a12)
    pair02 = common[0, s2] - (a01 & a12)
    pair12 = common[1, s2] - (a01 & a02)
    triple = 0
    if pair01 > 0 and pair02 > 0 and pair12 > 0:
        triple = _linked_to_first_three(sub, deg, indptr, indices, bits)
    if on_edges:
        pair_edge[0] = edge_at[0, s1]
        pair_edge[1] = edge_at[0, s2]
        pair_edge[2] = edge_at[1, s2]
    scan = 0  # cost of counting c(s2, s3) from the neighbours of every s3
    for i3 in range(n3):
        scan += deg[ext[2, i3]]
    dense = walk2[s2] < scan  # 2-walks from s2 once, or a scan per s3
    if dense:
        _count_common(s2, indptr, indices, common[2], 1)
    for i3 in range(n3):
        s3 = ext[2, i3]
        links = bits[s3] & 7
        l0 = links & 1
        l1 = links >> 1 & 1
        l2 = links >> 2 & 1
        if dense:
            shared23 = common[2, s3]
        else:
            shared23 = 0
            for p in range(indptr[s3], indptr[s3 + 1]):
                shared23 += bits[indices[p]] >> 2 & 1  # neighbours of s3 linked to s2
        link[1] = single0 - l0
        link[2] = single1 - l1
        link[4] = single2 - l2
        link[8] = deg[s3] - l0 - l1 - l2
        link[3] = pair01 - (l0 & l1)
        link[5] = pair02 - (l0 & l2)
        link[6] = pair12 - (l1 & l2)
        link[9] = common[0, s3] - _popcount3(near0 & links)
        link[10] = common[1, s3] - _popcount3(near1 & links)
        link[12] = shared23 - _popcount3(near2 & links)
        link[7] = triple - (links == 7)
        if (link[3] | link[5] | link[6] | link[9] | link[10] | link[12]) == 0:
            link[7] = link[11] = link[13] = link[14] = link[15] = 0  # every pair is empty
        else:
            _triples_with_last(s3, link, tally, bits, indptr, indices)
            _exactly(link)
        mask4 = mask3 | links << 3
        if on_edges:
            for i in range(3):
                pair_edge[3 + i] = edge_at[i, s3]
            _credit_edges(mask4, link, lut, pair_edge, out)
            continue
        for s in range(1, 16):
            h = link[s]
            if h != 0:
                row = mask4 | s << 6
                out[s0, lut[row, 0]] += h
                out[s1, lut[row, 1]] += h
                out[s2, lut[row, 2]] += h
                out[s3, lut[row, 3]] += h
    if dense:
        _count_common(s2, indptr, indices, common[2], -1)


@numba.njit(cache=True)
def _credit_edges(mask4, link, edge_lut, pair_edge, out):
    """Credit the edges among the 4 positions (pair bits of ``mask4``) of every extension."""
    for s in range(1, 16):
        h = link[s]
        if h != 0:
            row = mask4 | s << 6
            for bit in range(6):
                if mask4 >> bit & 1:
                    out[pair_edge[bit], edge_lut[row, bit]] += h


@numba.njit(cache=True)
def _triples_with_last(s3, link, tally, bits, indptr, indices):
    """``link`` of the triples and the quadruple containing position 3.

    Scans the neighbours of ``s3`` (tallied by their links to the first three positions) only
    when some such triple has all three pairs non-zero; otherwise they are all zero.
    """
    if not ((link[3] and link[9] and link[10]) or (link[5] and link[9] and link[12])
            or (link[6] and link[10] and link[12])):
        link[11] = link[13] = link[14] = link[15] = 0
        return
    tally[:] = 0
    for p in range(indptr[s3], indptr[s3 + 1]):
        b = bits[indices[p]]
        if (b & _INSUB) == 0:
            tally[b & 7] += 1
    link[11] = tally[3] + tally[7]
    link[13] = tally[5] + tally[7]
    link[14] = tally[6] + tally[7]
    link[15] = tally[7]


@numba.njit(cache=True)
def _exactly(link):
    """Möbius inversion over supersets: "adjacent to all of S" -> "adjacent to exactly S"."""
    for b in range(4):
        for s in range(1, 16):
            if not s >> b & 1:
                link[s] -= link[s | 1 << b]


@numba.njit(cache=True)
def _extend_root(v, indptr, indices, deg, walk2, lut, bits, common, ext, sub, link,
                 tally, edge_of_slot, edge_at, pair_edge, on_edges, out):
    """Every connected 4-node set whose smallest node is ``v`` (ESU), each extended once."""
    _enter(v, 0, sub, indptr, indices, bits, edge_of_slot, edge_at, on_edges)
    _count_common(v, indptr, indices, common[0], 1)
    n1 = 0
    for p in range(indptr[v], indptr[v + 1]):
        if indices[p] > v:
            ext[0, n1] = indices[p]
            n1 += 1
    for i1 in range(n1):
        w1 = ext[0, i1]
        n2 = _next_extension(ext, 0, i1 + 1, n1, w1, v, indptr, indices, bits)
        _enter(w1, 1, sub, indptr, indices, bits, edge_of_slot, edge_at, on_edges)
        _count_common(w1, indptr, indices, common[1], 1)
        for i2 in range(n2):
            w2 = ext[1, i2]
            n3 = _next_extension(ext, 1, i2 + 1, n2, w2, v, indptr, indices, bits)
            _enter(w2, 2, sub, indptr, indices, bits, edge_of_slot, edge_at, on_edges)
            _extend_triple(sub, n3, ext, bits, deg, walk2, common, indptr, indices, lut, link,
                           tally, edge_at, pair_edge, on_edges, out)
            _remove_node(w2, 2, indptr, indices, bits)
        _count_common(w1, indptr, indices, common[1], -1)
        _remove_node(w1, 1, indptr, indices, bits)
    _count_common(v, indptr, indices, common[0], -1)
    _remove_node(v, 0, indptr, indices, bits)


@numba.njit(cache=True)
def _enter(w, position, sub, indptr, indices, bits, edge_of_slot, edge_at, on_edges):
    """Put ``w`` on ``position`` of the growing set (and record its edge ids when needed)."""
    sub[position] = w
    _add_node(w, position, indptr, indices, bits)
    if on_edges:
        for p in range(indptr[w], indptr[w + 1]):
            edge_at[position, indices[p]] = edge_of_slot[p]


@numba.njit(cache=True)
def _next_extension(ext, level, first, stop, w, v, indptr, indices, bits):
    """ESU: the remaining candidates of ``level`` plus the exclusive neighbours of ``w``."""
    size = 0
    for i in range(first, stop):
        ext[level + 1, size] = ext[level, i]
        size += 1
    for p in range(indptr[w], indptr[w + 1]):
        u = indices[p]
        if u > v and bits[u] == 0:
            ext[level + 1, size] = u
            size += 1
    return size


@numba.njit(parallel=True, cache=True)
def extend_four_sets(indptr, indices, lut, edge_of_slot, on_edges, chunks, start, stop):
    """Node orbits 15-72 ``[n, 58]`` (or edge orbits 12-67 ``[E, 56]`` with ``on_edges``), each
    multiplied by its ``orbits.five_node_multiplicity``.

    For every connected 4-node set ``U`` with smallest node in ``range(start, stop)`` and every
    node ``w`` outside ``U`` linked to it, the nodes (edges) of ``U`` are credited with their
    orbit in ``U + w``. A node ``x`` (an edge ``xy``) of a connected 5-node set ``V`` is so
    credited once per other node ``w`` that leaves ``V - w`` connected, a number fixed by the
    orbit. ``edge_of_slot`` is :func:`slot_edge_ids`. Memory: a few arrays of ``n`` per chunk.
    """
    n = indptr.shape[0] - 1
    deg = np.diff(indptr)
    walk2 = np.zeros(n, dtype=np.int64)  # 2-walks from each node
    for u in range(n):
        for p in range(indptr[u], indptr[u + 1]):
            walk2[u] += deg[indices[p]]
    rows = indices.shape[0] // 2 if on_edges else n
    parts = np.zeros((chunks, rows, 56 if on_edges else 58), dtype=np.int64)
    for ch in numba.prange(chunks):
        bits = np.zeros(n, dtype=np.int32)
        common = np.zeros((3, n), dtype=np.int64)
        ext = np.empty((3, n), dtype=np.int64)
        edge_at = np.zeros((3, n if on_edges else 0), dtype=np.int64)
        sub = np.zeros(3, dtype=np.int64)
        link = np.zeros(16, dtype=np.int64)
        tally = np.zeros(8, dtype=np.int64)
        pair_edge = np.zeros(6, dtype=np.int64)
        for v in range(start + ch, stop, chunks):
            _extend_root(v, indptr, indices, deg, walk2, lut, bits, common, ext, sub, link,
                         tally, edge_of_slot, edge_at, pair_edge, on_edges, parts[ch])
    return parts.sum(axis=0)

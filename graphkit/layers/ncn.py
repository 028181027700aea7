"""Neural Common Neighbor (NCN) and NCN with Completion (NCNC) link predictors.

Wang, Yang & Zhang, "Neural Common Neighbor with Completion for Link Prediction", ICLR 2024
(official code: GraphPKU/NeuralCommonNeighbor). NCN is an *MPNN-then-SF* model: any encoder
produces node representations :math:`h`, and the score of a candidate pair :math:`(i, j)` pools
the representations of the common neighbours of :math:`i` and :math:`j`:

.. math::
    \\mathrm{NCN}(i, j) = \\mathrm{MLP}\\Big(h_i \\odot h_j \\;\\Big\\|\\;
        \\sum_{u \\in N(i) \\cap N(j)} h_u\\Big)

NCNC completes the common neighbourhood with the NCN probabilities of the links that are
missing on one side (a neighbour of only one endpoint):

.. math::
    \\mathrm{NCNC}(i, j) = \\mathrm{MLP}\\Big(h_i \\odot h_j \\;\\Big\\|\\;
        \\sum_{u \\in N(i) \\cap N(j)} h_u
        + \\sum_{u \\in N(i) \\setminus N(j)} \\hat A_{ju} h_u
        + \\sum_{u \\in N(j) \\setminus N(i)} \\hat A_{iu} h_u\\Big),
    \\qquad \\hat A_{ju} = \\sigma\\big(\\mathrm{NCN}(j, u)\\big)

Graphs are treated as undirected without self-loops, so :math:`N(u)` never contains
:math:`u`. Everything is sparse: the neighbour lists are a sorted CSR, the sets of a batch of
pairs are found by merging the two sorted lists of each pair (a compiled loop, linear in the
two degrees) and returned as flat member lists with offsets, and the sums are
``embedding_bag`` reductions over those lists. Memory grows with the number of members, never
with ``pairs × nodes``.

On an accelerator the graph is a :class:`NeighborTensors` (the same CSR as torch tensors on the
device) and the sets are found without a compiled loop: the neighbour lists of all pairs are
gathered as sorted keys ``pair · N + node`` and intersected with one ``searchsorted``; the
members come out in the same order as the merge's. That path's memory grows with the summed
degrees of the pairs' endpoints (still never with ``pairs × nodes``).

Target-link removal (TLR, Section 5 of the paper): while training, the positive pairs of the
batch are removed from the graph before it is used (:func:`remove_target_links`), so that a
training edge cannot be its own evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import Graph, as_graph
from graphkit.layers.propagation import Adjacency

__all__ = [
    "PairSets",
    "NeighborTensors",
    "NCNPredictor",
    "NCNCPredictor",
    "neighbor_lists",
    "pair_sets",
    "common_neighbor_aggregate",
    "remove_target_links",
    "drop_neighbor_entries",
    "sample_members",
]


# --------------------------------------------------------------------------- neighbour sets


def neighbor_lists(adj: Any, num_nodes: int | None = None) -> Graph:
    """Sorted, symmetric CSR neighbour lists without self-loops.

    Args:
        adj: an ``edge_index`` ``[2, E]``, a torch sparse adjacency (COO or CSR), an
            :class:`~graphkit.layers.propagation.Adjacency`, a :class:`~graphkit.graph.Graph`
            or anything else :func:`graphkit.as_graph` accepts. Directions, weights and
            self-loops are dropped. An undirected ``Graph`` without self-loops is used as is.
        num_nodes: number of nodes, for an ``edge_index`` whose last nodes are isolated.

    Returns:
        The canonical undirected :class:`~graphkit.graph.Graph`.
    """
    if isinstance(adj, Graph) and not adj.directed and adj.weights is None and (
        num_nodes is None or num_nodes == adj.num_nodes
    ) and not np.any(adj.indices == adj.row_ids()):
        return adj
    if isinstance(adj, Adjacency):
        num_nodes = adj.num_nodes if num_nodes is None else num_nodes
        adj = torch.stack([adj._sources, adj._targets])
    return as_graph(adj, num_nodes=num_nodes, directed=False, self_loops="remove", weight=None)


@dataclass(frozen=True)
class NeighborTensors:
    """The sorted CSR of :func:`neighbor_lists` as torch tensors on one device (a GPU, say).

    Every function and predictor of this module that takes a graph accepts it; the work then
    stays on ``indptr.device``. Build it with :meth:`from_graph`.

    Attributes:
        indptr: ``int64 [num_nodes + 1]``. indices: ``int64 [num_edges]``, sorted within a row.
        num_nodes: number of nodes.
    """

    indptr: torch.Tensor
    indices: torch.Tensor
    num_nodes: int

    @classmethod
    def from_graph(cls, adj: Any, device: torch.device | str, num_nodes: int | None = None) -> NeighborTensors:
        """The neighbour lists of ``adj`` (anything :func:`neighbor_lists` takes) on ``device``."""
        g = neighbor_lists(adj, num_nodes)
        return cls(torch.tensor(g.indptr, device=device), torch.tensor(g.indices, device=device), g.num_nodes)

    @property
    def device(self) -> torch.device:
        return self.indptr.device

    def degrees(self) -> torch.Tensor:
        """``int64 [num_nodes]``."""
        return self.indptr.diff()

    def row_ids(self) -> torch.Tensor:
        """Source id of every stored edge, ``int64 [num_edges]``."""
        return torch.repeat_interleave(torch.arange(self.num_nodes, device=self.device), self.degrees(),
                                       output_size=self.indices.numel())


@dataclass(frozen=True)
class PairSets:
    """Members of per-pair node sets as flat lists (CSR style): pair ``k`` owns
    ``members[offsets[k]:offsets[k + 1]]``.

    Attributes:
        common: :math:`N(i) \\cap N(j)`.
        only_first: :math:`N(i) \\setminus (N(j) \\cup \\{j\\})` (``None`` unless requested).
        only_second: :math:`N(j) \\setminus (N(i) \\cup \\{i\\})` (``None`` unless requested).
        Each is a pair ``(offsets [M + 1], members [K])`` of ``int64`` tensors.
    """

    common: tuple[torch.Tensor, torch.Tensor]
    only_first: tuple[torch.Tensor, torch.Tensor] | None = None
    only_second: tuple[torch.Tensor, torch.Tensor] | None = None


@numba.njit(cache=True, nogil=True)
def _merge(indptr, indices, a, b, out_common, out_first, out_second, pos):
    """Merge the sorted lists of ``a`` and ``b``; write members at ``pos`` if outputs are given.

    Returns the three set sizes. ``out_*`` of size 0 means "count only".
    """
    p, p_end = indptr[a], indptr[a + 1]
    q, q_end = indptr[b], indptr[b + 1]
    n_common = n_first = n_second = 0
    fill_common, fill_first, fill_second = out_common.size > 0, out_first.size > 0, out_second.size > 0
    while p < p_end or q < q_end:
        if q >= q_end or (p < p_end and indices[p] < indices[q]):
            u = indices[p]
            p += 1
            if u != b:
                if fill_first:
                    out_first[pos[1] + n_first] = u
                n_first += 1
        elif p >= p_end or indices[q] < indices[p]:
            u = indices[q]
            q += 1
            if u != a:
                if fill_second:
                    out_second[pos[2] + n_second] = u
                n_second += 1
        else:
            if fill_common:
                out_common[pos[0] + n_common] = indices[p]
            n_common += 1
            p += 1
            q += 1
    return n_common, n_first, n_second


@numba.njit(cache=True, parallel=True)
def _pair_set_kernel(indptr, indices, src, dst, residual):
    m = src.size
    counts = np.zeros((3, m + 1), np.int64)
    empty = np.empty(0, np.int64)
    for k in numba.prange(m):  # pairs are independent: each writes its own counts and slices
        c, f, s = _merge(indptr, indices, src[k], dst[k], empty, empty, empty, counts[:, 0])
        counts[0, k + 1], counts[1, k + 1], counts[2, k + 1] = c, f, s
    offsets = np.empty((3, m + 1), np.int64)
    for r in range(3):
        offsets[r] = np.cumsum(counts[r])
    common = np.empty(offsets[0, m], np.int64)
    first = np.empty(offsets[1, m] if residual else 0, np.int64)
    second = np.empty(offsets[2, m] if residual else 0, np.int64)
    if common.size > 0 or first.size > 0 or second.size > 0:
        for k in numba.prange(m):
            _merge(indptr, indices, src[k], dst[k], common, first, second, offsets[:, k])
    return offsets, common, first, second


def _check_pairs(pairs: Any, num_nodes: int, name: str = "pairs") -> torch.Tensor:
    if not isinstance(pairs, torch.Tensor) or pairs.dim() != 2 or pairs.size(0) != 2:
        shape = tuple(pairs.shape) if isinstance(pairs, torch.Tensor) else type(pairs).__name__
        raise GraphInputError(
            f"{name} must be an integer tensor of shape [2, M] (one column per node pair); got "
            f"{shape}. Stack sources and targets with torch.stack([src, dst])."
        )
    if pairs.dtype.is_floating_point or pairs.dtype == torch.bool or pairs.is_complex():
        raise GraphInputError(f"{name} must hold integer node ids; got dtype {pairs.dtype}.")
    if pairs.numel() and (int(pairs.min()) < 0 or int(pairs.max()) >= num_nodes):
        raise GraphInputError(
            f"{name} has node ids in [{int(pairs.min())}, {int(pairs.max())}] but the graph has "
            f"{num_nodes} nodes (valid ids 0..{num_nodes - 1}); pass num_nodes or fix the ids."
        )
    return pairs.long()


def pair_sets(adj: Any, pairs: torch.Tensor, *, residual: bool = False,
              num_nodes: int | None = None) -> PairSets:
    """Common neighbours (and optionally one-sided neighbours) of each pair.

    Args:
        adj: the graph (see :func:`neighbor_lists`).
        pairs: ``[2, M]`` integer node pairs ``(i, j)``.
        residual: also return :math:`N(i) \\setminus (N(j) \\cup \\{j\\})` and
            :math:`N(j) \\setminus (N(i) \\cup \\{i\\})` (what NCNC completes).
        num_nodes: number of nodes for an ``edge_index`` input.

    Returns:
        A :class:`PairSets`; members within each pair are in increasing order. With a
        :class:`NeighborTensors` graph, its tensors are on the graph's device.

    Raises:
        GraphInputError: for a malformed graph, or ``pairs`` not ``[2, M]`` integers in range.
    """
    if isinstance(adj, NeighborTensors):
        return _sets(adj, _check_pairs(pairs, adj.num_nodes).to(adj.device), residual)
    g = neighbor_lists(adj, num_nodes)
    return _sets(g, _check_pairs(pairs, g.num_nodes), residual)


def _sets(g: Graph | NeighborTensors, pairs: torch.Tensor, residual: bool) -> PairSets:
    """:func:`pair_sets` of checked pairs, reading ``g``'s sorted lists as stored (the
    predictors pass lists thinned by :func:`drop_neighbor_entries`, which are not symmetric)."""
    if isinstance(g, NeighborTensors):
        return _pair_sets_by_search(g, pairs, residual)
    src, dst = pairs.numpy().astype(np.int64, copy=False)
    offsets, common, first, second = _pair_set_kernel(
        g.indptr, g.indices, np.ascontiguousarray(src), np.ascontiguousarray(dst), residual
    )
    offsets = torch.from_numpy(offsets)
    sets = [(offsets[r], torch.from_numpy(members)) for r, members in enumerate((common, first, second))]
    return PairSets(sets[0], *(sets[1:] if residual else (None, None)))


def _neighbor_keys(g: NeighborTensors, nodes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The neighbour lists of ``nodes[k]`` back to back: (owner ``k``, neighbour, sorted key
    ``k · N + neighbour``) per member."""
    counts = g.degrees()[nodes]
    total = int(counts.sum())
    owner = torch.repeat_interleave(torch.arange(nodes.numel(), device=nodes.device), counts, output_size=total)
    first = torch.cumsum(counts, 0) - counts
    neighbor = g.indices[torch.arange(total, device=nodes.device) - first[owner] + g.indptr[nodes][owner]]
    return owner, neighbor, owner * g.num_nodes + neighbor


def _found_in(sorted_keys: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """``keys[t] in sorted_keys`` for every ``t``."""
    if sorted_keys.numel() == 0:
        return torch.zeros_like(keys, dtype=torch.bool)
    slot = torch.searchsorted(sorted_keys, keys).clamp_(max=sorted_keys.numel() - 1)
    return sorted_keys[slot] == keys


def _as_lists(owner: torch.Tensor, members: torch.Tensor, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    sizes = torch.bincount(owner, minlength=count)
    return torch.cat([sizes.new_zeros(1), torch.cumsum(sizes, 0)]), members


def _pair_sets_by_search(g: NeighborTensors, pairs: torch.Tensor, residual: bool) -> PairSets:
    """:func:`pair_sets` in tensor operations: :math:`u \\in N(i) \\cap N(j)` iff the key
    ``k · N + u`` of ``j``'s list is among the (sorted) keys of ``i``'s list."""
    src, dst = pairs
    owner_i, neighbor_i, keys_i = _neighbor_keys(g, src)
    owner_j, neighbor_j, keys_j = _neighbor_keys(g, dst)
    shared = _found_in(keys_i, keys_j)
    common = _as_lists(owner_j[shared], neighbor_j[shared], src.numel())
    if not residual:
        return PairSets(common)
    first = ~_found_in(keys_j, keys_i) & (neighbor_i != dst[owner_i])
    second = ~shared & (neighbor_j != src[owner_j])
    return PairSets(common, _as_lists(owner_i[first], neighbor_i[first], src.numel()),
                    _as_lists(owner_j[second], neighbor_j[second], src.numel()))


@numba.njit(cache=True)
def _transpose_kernel(offsets, members, num_nodes):
    """CSR of the transposed pair × node membership: the pairs of each node, by counting sort."""
    counts = np.zeros(num_nodes + 1, np.int64)
    for t in range(members.size):
        counts[members[t] + 1] += 1
    node_offsets = np.cumsum(counts)
    fill = node_offsets[:-1].copy()
    pair_ids = np.empty(members.size, np.int64)
    order = np.empty(members.size, np.int64)
    for k in range(offsets.size - 1):
        for t in range(offsets[k], offsets[k + 1]):
            slot = fill[members[t]]
            pair_ids[slot], order[slot] = k, t
            fill[members[t]] += 1
    return node_offsets, pair_ids, order


class _PairSum(torch.autograd.Function):
    """Forward: one ``embedding_bag`` over the pair lists. Backward: the same reduction over the
    transposed lists (the pairs of each node), much faster on CPU than ``embedding_bag``'s
    sort-based backward. ``weights`` get no gradient."""

    @staticmethod
    def forward(ctx, h, offsets, members, weights):
        ctx.save_for_backward(offsets, members, weights)
        ctx.num_nodes = h.size(0)
        return F.embedding_bag(members, h, offsets, mode="sum", include_last_offset=True,
                               per_sample_weights=None if weights.numel() == 0 else weights)

    @staticmethod
    def backward(ctx, grad):
        offsets, members, weights = ctx.saved_tensors
        node_offsets, pair_ids, order = (
            torch.from_numpy(a) for a in _transpose_kernel(offsets.numpy(), members.numpy(), ctx.num_nodes)
        )
        grad_h = F.embedding_bag(
            pair_ids, grad.contiguous(), node_offsets, mode="sum", include_last_offset=True,
            per_sample_weights=None if weights.numel() == 0 else weights[order],
        )
        return grad_h, None, None, None


def _bag_sum(h: torch.Tensor, offsets: torch.Tensor, members: torch.Tensor,
             weights: torch.Tensor | None = None) -> torch.Tensor:
    """``out[k] = sum_t w_t h[members[t]]`` over the members of pair ``k`` (zeros when empty).

    On the CPU the backward pass is :class:`_PairSum`'s; elsewhere it is autograd's."""
    if members.numel() == 0:
        return h.new_zeros(offsets.numel() - 1, h.size(1))
    if h.device.type != "cpu":  # autograd's own embedding_bag backward
        return F.embedding_bag(members, h, offsets, mode="sum", include_last_offset=True,
                               per_sample_weights=weights)
    return _PairSum.apply(h, offsets, members, h.new_zeros(0) if weights is None else weights)


def sample_members(offsets: torch.Tensor, members: torch.Tensor,
                   size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """At most ``size`` members per list, with weights that keep every list's weighted sum
    unbiased (the official NCNC ``--trndeg``/``--tstdeg`` sampling).

    A list of :math:`c \\le` ``size`` members is kept whole, each with weight 1. A longer one is
    replaced by ``size`` uniform draws from it with replacement, each with weight
    :math:`c / \\text{size}`, so :math:`\\mathbb{E}[\\sum_t w_t x_{m_t}] = \\sum_{u} x_u`. Draws
    come from torch's global generator on the members' device.

    Returns:
        ``(offsets [M + 1], members [K'], weights [K'] float32)``.

    Raises:
        ConfigError: ``size`` not an integer >= 1.
        GraphInputError: ``offsets``/``members`` not the flat lists of :class:`PairSets`.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(f"size must be an integer >= 1 (members kept per list); got {size!r}.")
    if (offsets.dim() != 1 or members.dim() != 1 or offsets.numel() == 0
            or offsets.dtype != torch.int64 or members.dtype != torch.int64):
        raise GraphInputError(
            "offsets and members must be 1-D int64 tensors (offsets [M + 1], members [K]) as in "
            f"PairSets; got shapes {tuple(offsets.shape)}, {tuple(members.shape)} and dtypes "
            f"{offsets.dtype}, {members.dtype}."
        )
    counts = offsets.diff()
    if int(offsets[0]) != 0 or int(offsets[-1]) != members.numel() or bool((counts < 0).any()):
        raise GraphInputError(
            "offsets must start at 0, never decrease and end at members.numel() "
            f"({members.numel()}); list k is members[offsets[k]:offsets[k + 1]]."
        )
    long = counts > size
    kept = torch.where(long, torch.full_like(counts, size), counts)
    new_offsets = torch.cat([offsets.new_zeros(1), kept.cumsum(0)])
    owner = torch.repeat_interleave(torch.arange(counts.numel(), device=counts.device), kept)
    rank = torch.arange(owner.numel(), device=owner.device) - new_offsets[owner]
    owner_count = counts[owner]
    draw = (torch.rand(owner.numel(), device=owner.device) * owner_count).long()
    draw = torch.minimum(draw, owner_count - 1)  # float rounding can reach the count itself
    sampled = long[owner]
    position = offsets[owner] + torch.where(sampled, draw, rank)
    weights = torch.where(sampled, owner_count / size, torch.ones_like(owner_count)).float()
    return new_offsets, members[position], weights


def common_neighbor_aggregate(adj: Any, h: torch.Tensor, pairs: torch.Tensor, *,
                              num_nodes: int | None = None) -> torch.Tensor:
    """Sum of the representations of the common neighbours of each pair.

    .. math:: c_{ij} = \\sum_{u \\in N(i) \\cap N(j)} h_u

    Args:
        adj: the graph (see :func:`neighbor_lists`); ``num_nodes`` defaults to ``h.size(0)``.
        h: node representations ``[N, d]`` (differentiable).
        pairs: ``[2, M]`` integer node pairs.

    Returns:
        ``[M, d]``; a pair without common neighbour gets zeros.
    """
    h = _check_h(h)
    sets = pair_sets(adj, pairs, num_nodes=h.size(0) if num_nodes is None else num_nodes)
    return _bag_sum(h, *sets.common)


def _check_h(h: Any) -> torch.Tensor:
    if not isinstance(h, torch.Tensor) or h.dim() != 2 or not h.is_floating_point():
        shape = tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__
        raise GraphInputError(f"h must be a float tensor of node representations [N, d]; got {shape}.")
    return h


def remove_target_links(adj: Any, pairs: torch.Tensor, *,
                        num_nodes: int | None = None) -> Graph | NeighborTensors:
    """The graph without the links ``pairs`` (both directions): target-link removal (TLR).

    Pairs that are not edges are ignored. Used on each training batch so that the positive
    pairs being scored are absent from the graph the encoder and the predictor see.

    Args:
        adj: the graph (see :func:`neighbor_lists`), or a :class:`NeighborTensors`.
        pairs: ``[2, M]`` integer node pairs to remove.
        num_nodes: number of nodes for an ``edge_index`` input.

    Returns:
        A new undirected :class:`~graphkit.graph.Graph`, or a new :class:`NeighborTensors` on
        the same device for one (the input is not modified).
    """
    if isinstance(adj, NeighborTensors):
        g, pairs = adj, _check_pairs(pairs, adj.num_nodes).to(adj.device)
    else:
        g = neighbor_lists(adj, num_nodes)
        pairs = _check_pairs(pairs, g.num_nodes)
    n = g.num_nodes

    def not_a_target_link(rows: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        keys = rows * n + indices  # sorted: rows ascending, columns sorted within a row
        drop = torch.cat([pairs[0] * n + pairs[1], pairs[1] * n + pairs[0]])
        keep = torch.ones_like(keys, dtype=torch.bool)
        if keys.numel():
            slot = torch.searchsorted(keys, drop).clamp_(max=keys.numel() - 1)
            keep[slot[keys[slot] == drop]] = False
        return keep

    return _kept_entries(g, not_a_target_link, symmetric=True)


def _kept_entries(g: Graph | NeighborTensors,
                  keep_of: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                  symmetric: bool) -> Graph | NeighborTensors:
    """``g`` with only the stored entries where ``keep_of(rows, indices)`` is true, as the same
    type on the same device (``symmetric``: the kept pattern is still symmetric)."""
    if isinstance(g, NeighborTensors):
        rows, indptr, indices = g.row_ids(), g.indptr, g.indices
    else:
        rows, indptr, indices = torch.from_numpy(g.row_ids()), torch.tensor(g.indptr), torch.tensor(g.indices)
    keep = keep_of(rows, indices)
    degree = torch.bincount(rows[keep], minlength=g.num_nodes)
    indptr, indices = torch.cat([indptr.new_zeros(1), torch.cumsum(degree, 0)]), indices[keep]
    if isinstance(g, NeighborTensors):
        return NeighborTensors(indptr, indices, g.num_nodes)
    return Graph(indptr.numpy(), indices.numpy(), None, g.num_nodes, not symmetric)


def drop_neighbor_entries(g: Graph | NeighborTensors, p: float) -> Graph | NeighborTensors:
    """Each stored entry ``(i, u)`` of the neighbour lists dropped independently with
    probability ``p`` (torch's global generator): the official code's predictor edge dropout.

    The two directions of an edge are separate entries, so ``u`` can stay a neighbour of ``i``
    while ``i`` stops being one of ``u``; ``u`` stays a common neighbour of ``(i, j)`` with
    probability :math:`(1 - p)^2`. The result is a directed CSR of the same type and device.

    Args:
        g: neighbour lists from :func:`neighbor_lists` or a :class:`NeighborTensors`.
        p: drop probability in ``[0, 1)``.
    """
    if not isinstance(g, Graph | NeighborTensors):
        raise GraphInputError(
            f"g must be neighbour lists (neighbor_lists(edge_index) or NeighborTensors); got "
            f"{type(g).__name__}."
        )
    if not 0.0 <= p < 1.0:
        raise ConfigError(f"p must be a drop probability in [0, 1); got {p}.")
    return _kept_entries(g, lambda rows, indices: torch.rand(indices.shape, device=indices.device) >= p,
                         symmetric=False)


# --------------------------------------------------------------------------- predictors


def _block(in_channels: int, out_channels: int, dropout: float, layer_norm: bool) -> list[nn.Module]:
    """Linear → LayerNorm (optional) → Dropout → ReLU."""
    return [
        nn.Linear(in_channels, out_channels),
        nn.LayerNorm(out_channels) if layer_norm else nn.Identity(),
        nn.Dropout(dropout),
        nn.ReLU(),
    ]


class NCNPredictor(nn.Module):
    """Neural Common Neighbor link predictor (Wang, Yang & Zhang, ICLR 2024).

    .. math::
        h'_u &= h_u + \\mathrm{MLP}_{node}(h_u) \\quad (\\text{or } h_u \\text{ without node MLP}) \\\\
        c_{ij} &= \\sum_{u \\in N(i) \\cap N(j)} h'_u \\\\
        s(i, j) &= \\mathrm{MLP}_{out}\\big(\\beta \\, \\mathrm{MLP}_{cn}(c_{ij})
            + \\mathrm{MLP}_{pair}(h_i \\odot h_j)\\big)

    This is the paper's :math:`\\mathrm{MLP}(h_i \\odot h_j \\| c_{ij})` in the form of the
    official code: a linear layer on a concatenation is the sum of linear maps of its parts, and
    each part first gets its own MLP. :math:`\\beta` is a learnable scalar (initial value
    ``beta``). Every hidden layer is Linear → LayerNorm (``layer_norm``) → Dropout → ReLU.

    Args:
        in_channels: size of the node representations ``h``.
        hidden_channels: MLP width.
        dropout: dropout in every MLP (default 0.0).
        layer_norm: LayerNorm in the MLPs (default ``True``).
        node_mlp: add the residual node MLP :math:`h + \\mathrm{MLP}(h)` before pooling
            (official ``use_xlin``; default ``True``; needs ``in_channels == hidden_channels``).
        out_layers: hidden layers of :math:`\\mathrm{MLP}_{out}` before its output layer (1 or
            more; official ``twolayerlin`` is 2; default 1).
        tail_act: end :math:`\\mathrm{MLP}_{cn}` and :math:`\\mathrm{MLP}_{pair}` with their last
            ReLU instead of a final linear layer (official ``tailact``; default ``False``).
        beta: initial weight of the common-neighbour term (default 1.0).
        edge_dropout: in training mode, the neighbour lists the common neighbours are read from
            lose each stored entry with this probability per call
            (:func:`drop_neighbor_entries`; official ``--preedp``, 0.4 on Cora; default 0.0).
            The encoder's graph is not touched.

    Shapes: ``forward(h [N, in_channels], adj, pairs [2, M]) -> logits [M]``; ``adj`` is an
    ``edge_index``, a torch sparse adjacency, an :class:`Adjacency` or a
    :class:`~graphkit.graph.Graph` (a ``Graph`` from :func:`neighbor_lists` is reused as is), or
    a :class:`NeighborTensors` on the device of ``h`` (the pairs are moved there).
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        dropout: float = 0.0,
        layer_norm: bool = True,
        node_mlp: bool = True,
        out_layers: int = 1,
        tail_act: bool = False,
        beta: float = 1.0,
        edge_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if out_layers < 1:
            raise ConfigError(f"out_layers must be >= 1; got {out_layers}.")
        if not 0.0 <= edge_dropout < 1.0:
            raise ConfigError(f"edge_dropout must be in [0, 1); got {edge_dropout}.")
        self.edge_dropout = edge_dropout
        if node_mlp and in_channels != hidden_channels:
            raise ConfigError(
                f"node_mlp=True needs in_channels == hidden_channels (residual); got "
                f"{in_channels} and {hidden_channels}. Pass node_mlp=False or equal sizes."
            )
        self.in_channels, self.hidden_channels, self.dropout = in_channels, hidden_channels, dropout
        self.layer_norm, self.out_layers, self.tail_act = layer_norm, out_layers, tail_act
        self.beta_init = beta
        d, h = in_channels, hidden_channels
        self.node_mlp = (
            nn.Sequential(*_block(d, d, dropout, False), *_block(d, d, dropout, layer_norm))
            if node_mlp else None
        )
        self.cn_mlp = nn.Sequential(
            *_block(d, h, dropout, False), *_block(h, h, dropout, layer_norm),
            nn.Identity() if tail_act else nn.Linear(h, h),
        )
        self.pair_mlp = nn.Sequential(
            *_block(d, h, dropout, layer_norm), nn.Identity() if tail_act else nn.Linear(h, h)
        )
        out = [m for _ in range(out_layers) for m in _block(h, h, dropout, layer_norm)]
        self.out_mlp = nn.Sequential(*out, nn.Linear(h, 1))
        self.beta = nn.Parameter(torch.empty(1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.LayerNorm)):
                module.reset_parameters()
        nn.init.constant_(self.beta, self.beta_init)

    def node_features(self, h: torch.Tensor) -> torch.Tensor:
        """:math:`h'`, the representations pooled over common neighbours."""
        return h if self.node_mlp is None else h + self.node_mlp(h)

    def _head(self, h: torch.Tensor, pairs: torch.Tensor, pooled: torch.Tensor) -> torch.Tensor:
        hij = h.index_select(0, pairs[0]) * h.index_select(0, pairs[1])
        return self.out_mlp(self.beta * self.cn_mlp(pooled) + self.pair_mlp(hij)).squeeze(-1)

    def _prepare(self, h: torch.Tensor, adj: Any,
                 pairs: torch.Tensor) -> tuple[Graph | NeighborTensors, torch.Tensor]:
        h = _check_h(h)
        if h.size(1) != self.in_channels:
            raise GraphInputError(
                f"h has {h.size(1)} channels but the predictor was built with in_channels="
                f"{self.in_channels}."
            )
        if isinstance(adj, NeighborTensors):
            if adj.device != h.device:
                raise GraphInputError(
                    f"h is on {h.device} but the NeighborTensors graph is on {adj.device}; move "
                    "both to one device (NeighborTensors.from_graph(graph, h.device))."
                )
            g, pairs = adj, _check_pairs(pairs, adj.num_nodes).to(adj.device)
        else:
            g = neighbor_lists(adj, h.size(0))
            pairs = _check_pairs(pairs, g.num_nodes)
        if self.training and self.edge_dropout > 0.0:
            g = drop_neighbor_entries(g, self.edge_dropout)
        return g, pairs

    def forward(self, h: torch.Tensor, adj: Any, pairs: torch.Tensor) -> torch.Tensor:
        g, pairs = self._prepare(h, adj, pairs)
        sets = _sets(g, pairs, residual=False)
        return self._head(h, pairs, _bag_sum(self.node_features(h), *sets.common))

    def extra_repr_args(self) -> str:
        return (
            f"{self.in_channels}, {self.hidden_channels}, dropout={self.dropout}, "
            f"layer_norm={self.layer_norm}, node_mlp={self.node_mlp is not None}, "
            f"out_layers={self.out_layers}, tail_act={self.tail_act}, beta={self.beta_init}, "
            f"edge_dropout={self.edge_dropout}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr_args()})"


class NCNCPredictor(NCNPredictor):
    """NCN with Completion (Wang, Yang & Zhang, ICLR 2024): NCN whose common neighbourhood is
    completed with the NCN probabilities of the missing side.

    .. math::
        c_{ij} = \\sum_{u \\in N(i) \\cap N(j)} h'_u
            + \\sum_{u \\in N(i) \\setminus N(j)} \\hat A_{ju} h'_u
            + \\sum_{u \\in N(j) \\setminus N(i)} \\hat A_{iu} h'_u

    and :math:`s(i, j)` as in :class:`NCNPredictor`. The completion probabilities come from the
    same module used as plain NCN, without gradient (as in the official code), calibrated as in
    the official code:

    .. math::
        p_0 = \\sigma\\big(a \\, (\\mathrm{NCN}(j, u) - b)\\big), \\qquad
        \\hat A_{ju} = \\alpha \\, \\frac{\\pi p_0}{\\pi p_0 + 1 - p_0}

    (scale :math:`a`, offset :math:`b`, prior :math:`\\pi`, weight :math:`\\alpha`;
    :math:`a = \\pi = \\alpha = 1, b = 0` gives the paper's plain :math:`\\sigma(\\mathrm{NCN})`).
    The endpoints themselves are left out of the one-sided sets (a pair that is an edge does not
    complete ``j`` as a neighbour of ``j``). NCN is symmetric in its pair, so each call scores
    every distinct unordered completion pair :math:`\\{j, u\\}` once, however many target pairs
    share it: 6.0 times fewer NCN passes on an ogbl-ddi training batch of 24,576 positives and
    24,576 negatives (41.1 M completion pairs, 6.9 M distinct). In training mode the shared
    pass draws one dropout mask for all of them (the official code draws one per occurrence;
    the expected completed sum is the same).

    Args:
        in_channels, hidden_channels: as :class:`NCNPredictor`.
        prob_scale: :math:`a` (default 1.0). prob_offset: :math:`b` (default 0.0).
        prior: :math:`\\pi` (default 1.0). alpha: :math:`\\alpha` (default 1.0).
        chunk_size: completion pairs scored per chunk, bounds the memory (default 65,536).
        completion_samples: in training mode, complete each one-sided set from at most this many
            uniform draws with replacement, weighted to keep its sum unbiased
            (:func:`sample_members`; official ``--trndeg``, 96-128 on ogbl-citation2); 0, the
            default, uses every one-sided neighbour.
        eval_completion_samples: the same in eval mode (official ``--tstdeg``; default 0).
        **ncn_options: the keyword arguments of :class:`NCNPredictor` (``dropout``,
            ``layer_norm``, ``node_mlp``, ``out_layers``, ``tail_act``, ``beta``,
            ``edge_dropout``). With ``edge_dropout``, the completion probabilities are computed
            on the same dropped lists as the sets they complete (the official code drops
            entries again for them).
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        *,
        prob_scale: float = 1.0,
        prob_offset: float = 0.0,
        prior: float = 1.0,
        alpha: float = 1.0,
        chunk_size: int = 65536,
        completion_samples: int = 0,
        eval_completion_samples: int = 0,
        **ncn_options: Any,
    ) -> None:
        if chunk_size < 1:
            raise ConfigError(f"chunk_size must be >= 1; got {chunk_size}.")
        for name, value in (("completion_samples", completion_samples),
                            ("eval_completion_samples", eval_completion_samples)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"{name} must be an integer >= 0 (0 uses every one-sided neighbour); got {value!r}."
                )
        self.completion_samples, self.eval_completion_samples = completion_samples, eval_completion_samples
        if not prior > 0.0:
            raise ConfigError(f"prior must be > 0; got {prior}.")
        self.prob_scale, self.prob_offset, self.prior, self.alpha = prob_scale, prob_offset, prior, alpha
        self.chunk_size = chunk_size
        super().__init__(in_channels, hidden_channels, **ncn_options)

    def completion_probability(self, logits: torch.Tensor) -> torch.Tensor:
        """Calibrated :math:`\\hat A` from NCN logits."""
        p0 = torch.sigmoid(self.prob_scale * (logits - self.prob_offset))
        return self.alpha * self.prior * p0 / (self.prior * p0 + 1.0 - p0)

    @torch.no_grad()
    def _ncn_probability(self, h: torch.Tensor, g: Graph | NeighborTensors, hp: torch.Tensor,
                         pairs: torch.Tensor) -> torch.Tensor:
        """:math:`\\hat A` of every column of ``pairs``, each distinct unordered pair scored once.

        NCN is symmetric in its pair (:math:`h_j \\odot h_u` and :math:`N(j) \\cap N(u)`), so the
        columns are reduced to the distinct keys ``min * N + max`` and the scores are gathered
        back: on a dense graph many target pairs share a completion pair.
        """
        n = g.num_nodes
        keys = torch.minimum(pairs[0], pairs[1]) * n + torch.maximum(pairs[0], pairs[1])
        distinct, inverse = torch.unique(keys, return_inverse=True)
        out = []
        for chunk in distinct.split(self.chunk_size):
            chunk_pairs = torch.stack([torch.div(chunk, n, rounding_mode="floor"), chunk % n])
            common = _sets(g, chunk_pairs, residual=False).common
            out.append(self.completion_probability(self._head(h, chunk_pairs, _bag_sum(hp, *common))))
        return torch.cat(out)[inverse] if out else h.new_zeros(0)

    def _completion_lists(self, offsets: torch.Tensor, members: torch.Tensor
                          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """One-sided lists to complete from, sampled in this mode; ``None`` weights: all, 1 each."""
        size = self.completion_samples if self.training else self.eval_completion_samples
        return (offsets, members, None) if size == 0 else sample_members(offsets, members, size)

    def forward(self, h: torch.Tensor, adj: Any, pairs: torch.Tensor) -> torch.Tensor:
        g, pairs = self._prepare(h, adj, pairs)
        sets = _sets(g, pairs, residual=True)
        hp = self.node_features(h)
        pooled = _bag_sum(hp, *sets.common)
        # u in N(i) \ N(j) is weighted by A_hat[j, u]; u in N(j) \ N(i) by A_hat[i, u]
        sides = [(*self._completion_lists(*lists), other)
                 for lists, other in ((sets.only_first, pairs[1]), (sets.only_second, pairs[0]))]
        missing = torch.cat([torch.stack([other.repeat_interleave(offsets.diff()), members])
                             for offsets, members, _, other in sides], dim=1)
        sizes = [members.numel() for _, members, _, _ in sides]
        probabilities = self._ncn_probability(h, g, hp, missing).to(hp.dtype).split(sizes)
        for (offsets, members, sample_weights, _), weights in zip(sides, probabilities, strict=True):
            if sample_weights is not None:
                weights = weights * sample_weights.to(weights.dtype)
            pooled = pooled + _bag_sum(hp, offsets, members, weights)
        return self._head(h, pairs, pooled)

    def extra_repr_args(self) -> str:
        return (
            f"{super().extra_repr_args()}, prob_scale={self.prob_scale}, "
            f"prob_offset={self.prob_offset}, prior={self.prior}, alpha={self.alpha}, "
            f"completion_samples={self.completion_samples}, "
            f"eval_completion_samples={self.eval_completion_samples}"
        )

"""WalkPool (Pan, Shi & Dokmanić, "Neural link prediction with walk pooling", ICLR 2022).

WalkPool summarises a candidate link :math:`(i, j)` by random-walk statistics of a *latent*
graph whose transition probabilities come from attention on node features of the link's
enclosing subgraph. With queries and keys :math:`Q = \\mathrm{MLP}_Q(Z)`, :math:`K =
\\mathrm{MLP}_K(Z)` (per head, width :math:`F`) the transition matrix of a subgraph with
adjacency :math:`A` is

.. math::

    \\omega_{xy} = \\frac{\\langle Q_x, K_y\\rangle}{\\sqrt{F}},\\qquad
    P_{xy} = \\frac{A_{xy}\\, e^{\\omega_{xy}}}{\\sum_z A_{xz}\\, e^{\\omega_{xz}}}

(rows of isolated nodes are zero). It is computed twice, on the subgraph with the target link
(:math:`G^+`, :math:`P^+`) and without it (:math:`G^-`, :math:`P^-`); the two share the logits
and differ only in rows :math:`i` and :math:`j`. For :math:`\\tau = 2, \\dots, L + 1`
(:math:`L` = ``walk_length``) the *walk profile* is

.. math::

    w^{\\pm}_{\\mathrm{node}}(\\tau) = [P_\\pm^\\tau]_{ii} + [P_\\pm^\\tau]_{jj},\\quad
    w^{\\pm}_{\\mathrm{link}}(\\tau) = [P_\\pm^\\tau]_{ij} + [P_\\pm^\\tau]_{ji},\\quad
    \\Delta w_{\\mathrm{graph}}(\\tau) = \\operatorname{tr} P_+^\\tau - \\operatorname{tr} P_-^\\tau,

node-level (return probabilities at both ends), link-level (both directions) and graph-level
features, the last one *background-subtracted* by the perturbation :math:`G^- \\to G^+` (the
trace of the whole subgraph barely depends on one link; its change does). As in the authors'
implementation, :math:`\\tau` starts at 2 and the target link's own attention weights
:math:`\\sigma(\\omega_{ij}) + \\sigma(\\omega_{ji})` are appended, which gives
``5 L + 1`` features per head.

Computation. Only rows :math:`i, j` of :math:`P_\\pm^\\tau` are needed for the node and link
features, so they are propagated as row vectors (``O(τ n²)`` per subgraph, not ``O(τ n³)``).
Since :math:`P_+ = P_- + U W` with :math:`U = [e_i, e_j]` and :math:`W` the two row differences,
the matrix determinant lemma gives, as formal power series in :math:`z`,

.. math::

    \\sum_{\\tau \\ge 1} z^\\tau \\left(\\operatorname{tr} P_+^\\tau - \\operatorname{tr} P_-^\\tau\\right)
    = -z \\frac{d}{dz} \\log \\det\\!\\Big(I_2 - z \\sum_{k \\ge 0} z^k\\, W P_-^k U\\Big),

so the trace differences need only the ``2 × 2`` matrices :math:`W P_-^k U`, i.e. two more row
vectors. :meth:`WalkPooling.forward` works on the block-diagonal edge list of a PyG batch:
attention logits on edges only, softmax per source node, and each walk step a sparse (CSR)
product over the edges of :math:`G^+`, so a batch costs ``O(τ E)`` however unequal its subgraphs' sizes.
:meth:`WalkPooling.dense_forward` takes padded dense tensors ``[B, n, n]`` (``O(τ B n_max²)``).
Neither loops over subgraphs in Python.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F
from torch_geometric.utils import coalesce, softmax

from graphkit.errors import GraphInputError
from graphkit.layers.edge_operator import EdgeOperator

__all__ = ["WalkPooling", "walk_transition", "walk_profile", "PROFILE_PARTS"]

#: order of the feature groups returned by :func:`walk_profile`
PROFILE_PARTS = ("node_plus", "node_minus", "link_plus", "link_minus", "graph_diff")


def walk_transition(logits: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
    """Row-stochastic transition matrix of attention ``logits`` restricted to ``adjacency``.

    .. math:: P_{xy} = A_{xy} e^{\\omega_{xy}} / \\textstyle\\sum_z A_{xz} e^{\\omega_{xz}}

    Args:
        logits: ``[..., n, m]`` attention logits :math:`\\omega`.
        adjacency: boolean ``[..., n, m]`` (broadcastable to ``logits``).

    Returns:
        ``[..., n, m]`` probabilities; a row without neighbours is all zeros.
    """
    masked = logits.masked_fill(~adjacency, float("-inf"))
    top = masked.amax(dim=-1, keepdim=True).detach()
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    weights = torch.exp(masked - top)
    total = weights.sum(dim=-1, keepdim=True)
    return weights * total.clamp_min(torch.finfo(weights.dtype).tiny).reciprocal()


def _at(rows: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``rows[b, h, r, index[b]]`` for ``rows`` ``[B, H, R, n]`` and ``index`` ``[B]`` → ``[B, H, R]``."""
    expanded = index.view(-1, 1, 1, 1).expand(*rows.shape[:3], 1)
    return rows.gather(3, expanded).squeeze(3)


def walk_profile(
    p_plus: torch.Tensor, p_minus_rows: torch.Tensor, pairs: torch.Tensor, walk_length: int
) -> torch.Tensor:
    """Walk profile of target pairs from the transition matrices with and without the link.

    Args:
        p_plus: ``[B, H, n, n]`` transition matrices :math:`P_+` of the subgraphs with the
            target link (``H`` heads; padding rows/columns must be zero).
        p_minus_rows: ``[B, H, 2, n]`` rows :math:`i` and :math:`j` of :math:`P_-`, the
            transition matrix without the link (all other rows equal those of :math:`P_+`).
        pairs: ``[B, 2]`` local indices :math:`(i, j)` of each subgraph's target pair.
        walk_length: :math:`L`; the profile covers :math:`\\tau = 2, \\dots, L + 1`.

    Returns:
        ``[B, H, 5, L]``: along dim 2 the parts of :data:`PROFILE_PARTS` (node-level with and
        without the link, link-level with and without, trace difference), along dim 3
        :math:`\\tau = 2, \\dots, L + 1`.
    """
    batch, heads, n, _ = p_plus.shape
    i, j = pairs[:, 0], pairs[:, 1]
    w = p_plus.gather(2, pairs.view(batch, 1, 2, 1).expand(batch, heads, 2, n)) - p_minus_rows
    # P+ = P- + [e_i, e_j] W with W the two row differences
    units = F.one_hot(pairs, n).to(p_plus.dtype).unsqueeze(1).expand(batch, heads, 2, n)
    return _profile(
        torch.cat([units, units, w], dim=2),
        move=lambda state: state @ p_plus,
        read=lambda state: (_at(state, i), _at(state, j)),
        correct=lambda at_i, at_j: at_i.unsqueeze(-1) * w[:, :, :1] + at_j.unsqueeze(-1) * w[:, :, 1:],
        walk_length=walk_length,
    )


def _profile(state, move, read, correct, walk_length: int) -> torch.Tensor:
    """The walk profile ``[B, H, 5, L]`` from six row vectors propagated by :math:`P_\\pm`.

    ``state`` holds, along dim 2, :math:`e_i, e_j` (walks on :math:`G^+`), :math:`e_i, e_j`
    (walks on :math:`G^-`) and the two rows of :math:`W`; ``move`` multiplies by :math:`P_+`,
    ``correct(v_i, v_j)`` is :math:`v U W` for the :math:`G^-` rows' values at :math:`i, j`
    (so :math:`v P_- = v P_+ - v U W`), and ``read`` returns every row's values at :math:`i`
    and at :math:`j` (``[B, H, 6]`` each). The layout of the vectors (padded dense or
    block-diagonal) is the callables' business; every feature is such a value.
    """
    steps = walk_length + 1
    reads = [read(state)]
    for _ in range(steps):
        at_i, at_j = reads[-1]
        moved = move(state)
        state = torch.cat([moved[:, :, :2], moved[:, :, 2:] - correct(at_i[..., 2:], at_j[..., 2:])],
                          dim=2)
        reads.append(read(state))
    # F_t = W P-^t U, t = 0..steps-1: rows 4, 5 read at (i, j)
    f_series = torch.stack([torch.stack([r_i[..., 4:], r_j[..., 4:]], -1) for r_i, r_j in reads[:steps]],
                           dim=2)
    graph = _trace_difference(f_series, steps)[..., 1:]
    later = reads[2:]
    parts = [
        torch.stack([r_i[..., 0] + r_j[..., 1] for r_i, r_j in later], dim=-1),  # node+
        torch.stack([r_i[..., 2] + r_j[..., 3] for r_i, r_j in later], dim=-1),  # node-
        torch.stack([r_j[..., 0] + r_i[..., 1] for r_i, r_j in later], dim=-1),  # link+
        torch.stack([r_j[..., 2] + r_i[..., 3] for r_i, r_j in later], dim=-1),  # link-
    ]
    return torch.stack([*parts, graph], dim=2)


def _series_mul(a: torch.Tensor, b: torch.Tensor, order: int) -> torch.Tensor:
    """Product of power series with coefficients along the last dim, truncated at ``order``."""
    out = torch.zeros_like(a[..., : order + 1])
    for k in range(order + 1):
        out[..., k:] = out[..., k:] + a[..., k : k + 1] * b[..., : order + 1 - k]
    return out


def _trace_difference(f_series: torch.Tensor, order: int) -> torch.Tensor:
    """:math:`\\operatorname{tr}P_+^\\tau - \\operatorname{tr}P_-^\\tau`, τ = 1..order, from ``F_k``.

    ``f_series`` is ``[B, H, order, 2, 2]`` (``F_k = W P_-^k U``, k = 0..order-1). Returns
    ``[B, H, order]``.
    """
    shape = f_series.shape[:2]
    zero = f_series.new_zeros(*shape, 1)
    g_entries = {  # G(z) = z F(z): coefficient m is F_{m-1}
        (a, b): torch.cat([zero, f_series[:, :, :, a, b]], dim=-1) for a in (0, 1) for b in (0, 1)
    }
    one = torch.zeros_like(g_entries[0, 0])
    one[..., 0] = 1.0
    det = _series_mul(one - g_entries[0, 0], one - g_entries[1, 1], order) - _series_mul(
        g_entries[0, 1], g_entries[1, 0], order
    )
    # s_m = m h_m for h = log det: s_m = m g_m - sum_{k<m} s_k g_{m-k}; the answer is -s
    s: list[torch.Tensor] = [torch.zeros_like(det[..., 0])]
    for m in range(1, order + 1):
        value = m * det[..., m]
        for k in range(1, m):
            value = value - s[k] * det[..., m - k]
        s.append(value)
    return -torch.stack(s[1:], dim=-1)


def _features(profile: torch.Tensor, link_weight: torch.Tensor) -> torch.Tensor:
    """``[B, H·(5L+1)]``: per head Δgraph, :math:`\\sigma(\\omega_{ij}) + \\sigma(\\omega_{ji})`,
    node+, node-, link+, link- (``profile`` ``[B, H, 5, L]``, ``link_weight`` ``[B, H]``)."""
    return torch.cat([profile[:, :, 4], link_weight.unsqueeze(-1), profile[:, :, :4].flatten(2)],
                     dim=2).flatten(1)


class WalkPooling(nn.Module):
    """WalkPool: attention-based walk profiles of target links (see the module docstring).

    Args:
        in_channels: node feature size :math:`F_{in}`.
        heads: attention heads (default 2, the paper's setting).
        walk_length: :math:`L`, the number of walk lengths τ = 2..L+1 (default 7).
        hidden_channels: query/key width per head :math:`F` (default 32).
        dropout: dropout between the two layers of the query and key MLPs (default 0.5).

    Shapes:
        ``forward(x [N, F_in], edge_index [2, E], batch [N], pair_index [2, B]) -> [B, heads·(5L+1)]``
        where ``edge_index`` is the block-diagonal batch of enclosing subgraphs (a link between
        a subgraph's targets is ignored: the layer builds both :math:`G^+` and :math:`G^-`),
        ``batch`` maps nodes to subgraphs ``0..B-1`` and ``pair_index[:, b]`` holds the node
        indices (into ``x``) of subgraph ``b``'s targets. Per head the features are
        ``[Δgraph (L), σ(ω_ij)+σ(ω_ji) (1), node+ (L), node- (L), link+ (L), link- (L)]``.
    """

    def __init__(
        self, in_channels: int, heads: int = 2, walk_length: int = 7,
        hidden_channels: int = 32, dropout: float = 0.5,
    ) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("heads", heads),
                            ("walk_length", walk_length), ("hidden_channels", hidden_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise GraphInputError(f"{name} must be a positive integer; got {value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise GraphInputError(f"dropout must be in [0, 1); got {dropout!r}.")
        self.in_channels, self.heads, self.walk_length = in_channels, heads, walk_length
        self.hidden_channels, self.dropout = hidden_channels, dropout
        self.query = nn.ModuleList([nn.Linear(in_channels, hidden_channels),
                                    nn.Linear(hidden_channels, heads * hidden_channels)])
        self.key = nn.ModuleList([nn.Linear(in_channels, hidden_channels),
                                  nn.Linear(hidden_channels, heads * hidden_channels)])
        self.reset_parameters()

    @property
    def out_channels(self) -> int:
        """Features per target pair: ``heads · (5 · walk_length + 1)``."""
        return self.heads * (5 * self.walk_length + 1)

    def reset_parameters(self) -> None:
        for layer in (*self.query, *self.key):
            layer.reset_parameters()

    def _project(self, mlp: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
        """Query or key MLP: ``[..., F_in] -> [..., heads · hidden]``."""
        return mlp[1](F.dropout(F.leaky_relu(mlp[0](x), 0.2), self.dropout, self.training))

    def _dense_heads(self, h: torch.Tensor) -> torch.Tensor:
        """``[B, n, heads · hidden] -> [B, heads, n, hidden]``."""
        return h.view(*h.shape[:2], self.heads, self.hidden_channels).transpose(1, 2)

    def forward(
        self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
        pair_index: torch.Tensor,
    ) -> torch.Tensor:
        """Walk-profile features ``[B, heads·(5L+1)]`` of a block-diagonal batch (see class doc)."""
        num_nodes = self._check_nodes(x, batch)
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise GraphInputError(
                f"edge_index must have shape [2, E]; got {tuple(edge_index.shape)}."
            )
        if edge_index.numel() and (edge_index.min() < 0 or edge_index.max() >= num_nodes):
            raise GraphInputError(
                f"edge_index holds node ids outside [0, {num_nodes}) (the rows of x)."
            )
        num_graphs = int(batch.max()) + 1 if batch.numel() else 0
        if pair_index.dim() != 2 or pair_index.size(0) != 2 or pair_index.size(1) != num_graphs:
            raise GraphInputError(
                f"pair_index must have shape [2, B] with B = {num_graphs} subgraphs (one target "
                f"pair per subgraph of batch); got {tuple(pair_index.shape)}."
            )
        if pair_index.numel() and (pair_index.min() < 0 or pair_index.max() >= num_nodes):
            raise GraphInputError(
                f"pair_index holds node ids outside [0, {num_nodes}) (the rows of x); give the "
                "targets' positions in the batched x."
            )
        owner = torch.arange(num_graphs, device=batch.device)
        if not bool((batch[pair_index] == owner).all()):
            raise GraphInputError(
                "pair_index[:, b] must hold two nodes of subgraph b (batch[pair_index] == b); "
                "pass the targets' indices in the batched node order."
            )
        if edge_index.numel() and not bool((batch[edge_index[0]] == batch[edge_index[1]]).all()):
            raise GraphInputError(
                "edge_index links nodes of different subgraphs (batch[edge_index[0]] != "
                "batch[edge_index[1]]); give the block-diagonal batch of the enclosing subgraphs."
            )
        if bool((pair_index[0] == pair_index[1]).any()):
            raise GraphInputError(
                "pair_index holds a self-pair (pair_index[0] == pair_index[1]); each target pair "
                "needs two nodes."
            )
        return self._edge_forward(x, edge_index, batch, pair_index)

    def _edge_forward(
        self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
        pair_index: torch.Tensor,
    ) -> torch.Tensor:
        """:meth:`forward` on the edge list: every step costs ``O(E)``, not ``O(B n²)``.

        The walk vectors are node-major (``[N, H, 6]``); one step sends each entry along the
        out-edges of :math:`G^+`, weighted by :math:`P_+` (a CSR product, see
        :class:`~graphkit.layers.edge_operator.EdgeOperator`, which also computes the attention
        logits on the edges), and the rows of :math:`W` live on the targets' neighbours.
        """
        num_nodes = x.size(0)
        i, j = pair_index
        src, dst = coalesce(edge_index, num_nodes=num_nodes)
        owner = batch[src]
        between = ((src == i[owner]) & (dst == j[owner])) | ((src == j[owner]) & (dst == i[owner]))
        # G+ = G- followed by the target links in both directions
        src = torch.cat([src[~between], i, j])
        dst = torch.cat([dst[~between], j, i])
        minus_edges = src.numel() - 2 * i.numel()
        edges = EdgeOperator(src, dst, num_nodes)
        query = self._project(self.query, x) / math.sqrt(self.hidden_channels)
        key = self._project(self.key, x)
        shape = (num_nodes, self.heads, self.hidden_channels)
        logits = edges.dot(key.view(shape), query.view(shape))  # <q_src, k_dst>, [E+, H]
        p_plus = softmax(logits, src, num_nodes=num_nodes)
        p_minus = softmax(logits[:minus_edges], src[:minus_edges], num_nodes=num_nodes)
        # W (row differences of P+ and P- at the targets), node-major [N, H, 2]
        w = x.new_zeros(num_nodes, self.heads, 2)
        owner = batch[src]
        for column, target in enumerate((i, j)):
            leaves = src == target[owner]  # out-edges of this target (G+; G- is the prefix)
            minus_leaves = leaves[:minus_edges]
            w[:, :, column].index_add_(0, dst[leaves], p_plus[leaves])
            w[:, :, column].index_add_(0, dst[:minus_edges][minus_leaves], -p_minus[minus_leaves])
        units = x.new_zeros(num_nodes, self.heads, 2)
        units[i, :, 0] = 1.0
        units[j, :, 1] = 1.0

        profile = _profile(
            torch.cat([units, units, w], dim=2), move=lambda state: edges.propagate(state, p_plus),
            read=lambda state: (state[i], state[j]),
            correct=lambda at_i, at_j: at_i[batch] * w[:, :, :1] + at_j[batch] * w[:, :, 1:],
            walk_length=self.walk_length,
        )
        target_logits = logits[minus_edges:]  # (i, j) then (j, i), one row per subgraph each
        link_weight = torch.sigmoid(target_logits[: i.numel()]) + torch.sigmoid(target_logits[i.numel():])
        return _features(profile, link_weight)

    def dense_forward(
        self, x: torch.Tensor, adjacency: torch.Tensor, mask: torch.Tensor, pairs: torch.Tensor,
    ) -> torch.Tensor:
        """Walk-profile features of padded subgraphs.

        Args:
            x: ``[B, n, F_in]`` node features (padding rows are ignored).
            adjacency: boolean ``[B, n, n]`` adjacency; entries between the targets are ignored.
            mask: boolean ``[B, n]``, ``True`` for real nodes.
            pairs: ``[B, 2]`` local indices of the targets.

        Returns:
            ``[B, heads·(5L+1)]``.
        """
        if x.dim() != 3 or x.size(-1) != self.in_channels:
            raise GraphInputError(
                f"x must have shape [B, n, {self.in_channels}] (in_channels={self.in_channels}); "
                f"got {tuple(x.shape)}."
            )
        batch, n = x.shape[:2]
        if pairs.shape != (batch, 2) or (pairs.numel() and (pairs.min() < 0 or pairs.max() >= n)):
            raise GraphInputError(
                f"pairs must be [B, 2] = [{batch}, 2] local target indices in [0, {n}); got shape "
                f"{tuple(pairs.shape)}."
            )
        rows = torch.arange(batch, device=x.device)
        i, j = pairs[:, 0], pairs[:, 1]
        if bool((i == j).any()):
            raise GraphInputError("pairs holds a self-pair (i == j); each target pair needs two nodes.")
        valid = mask.unsqueeze(1) & mask.unsqueeze(2)
        minus = adjacency.bool() & valid
        minus[rows, i, j] = False
        minus[rows, j, i] = False
        plus = minus.clone()
        plus[rows, i, j] = True
        plus[rows, j, i] = True
        query = self._dense_heads(self._project(self.query, x)) / math.sqrt(self.hidden_channels)
        key = self._dense_heads(self._project(self.key, x)).transpose(-1, -2)  # [B, H, F, n]
        p_plus = walk_transition(query @ key, plus.unsqueeze(1))  # [B, H, n, n]
        # rows i, j of the logits again (cheap), so no backward pass scatters into [B, H, n, n]
        index = pairs.view(batch, 1, 2, 1).expand(batch, self.heads, 2, query.size(-1))
        target_rows = query.gather(2, index) @ key  # [B, H, 2, n]
        minus_rows = torch.stack([minus[rows, i], minus[rows, j]], dim=1).unsqueeze(1)
        p_minus_rows = walk_transition(target_rows, minus_rows)
        profile = walk_profile(p_plus, p_minus_rows, pairs, self.walk_length)  # [B, H, 5, L]
        link_weight = torch.sigmoid(_at(target_rows[:, :, :1], j)) + torch.sigmoid(
            _at(target_rows[:, :, 1:], i)
        )
        return _features(profile, link_weight.squeeze(-1))

    def _check_nodes(self, x: torch.Tensor, batch: torch.Tensor) -> int:
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise GraphInputError(
                f"x must have shape [N, {self.in_channels}] (in_channels={self.in_channels}); "
                f"got {tuple(x.shape)}."
            )
        if batch.shape != (x.size(0),):
            raise GraphInputError(
                f"batch must have shape [N] = [{x.size(0)}] (the subgraph of each row of x); "
                f"got {tuple(batch.shape)}."
            )
        if batch.numel() > 1 and bool((batch[1:] < batch[:-1]).any()):
            raise GraphInputError(
                "batch must be sorted (the nodes of subgraph 0 first, then subgraph 1, ...), as "
                "PyG's DataLoader produces it; reorder x and edge_index accordingly."
            )
        return x.size(0)

    def __repr__(self) -> str:
        extra = "" if self.hidden_channels == 32 else f", hidden_channels={self.hidden_channels}"
        extra += "" if self.dropout == 0.5 else f", dropout={self.dropout}"
        return (f"{self.__class__.__name__}({self.in_channels}, heads={self.heads}, "
                f"walk_length={self.walk_length}{extra})")

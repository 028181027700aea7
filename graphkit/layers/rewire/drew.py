"""Dynamically rewired message passing with delay (DRew; Gutteridge et al., ICML 2023).

DRew makes a graph denser layer by layer instead of once: layer :math:`\\ell` (counted from 0)
aggregates over the *k-hop rings* :math:`\\mathcal N_k(i) = \\{j : d_G(i, j) = k\\}` for every
:math:`1 \\le k \\le \\ell + 1`, so nodes at distance :math:`k` interact directly from layer
:math:`k - 1` onward. The delay :math:`\\nu` (:math:`\\nu`-DRew) makes a node at distance
:math:`k` send the representation it had :math:`\\tau_\\nu(k)` layers earlier, a distance-aware
skip connection:

.. math::
    a_{i,k}^{(\\ell)} = \\sum_{j \\in \\mathcal N_k(i)}
        \\frac{h_j^{(\\ell - \\tau_\\nu(k))}}{\\sqrt{|\\mathcal N_k(i)|\\,|\\mathcal N_k(j)|}},
    \\qquad \\tau_\\nu(k) = \\max(0, k - \\nu),

.. math::
    h_i^{(\\ell + 1)} = h_i^{(\\ell)} + \\sigma\\Big(\\sum_{k=1}^{\\min(\\ell + 1, K)}
        a_{i,k}^{(\\ell)} W_k^{(\\ell)} + b^{(\\ell)}\\Big),

with the GCN-style symmetric normalisation of DRew-GCN per ring. :math:`\\nu = 1` is the
paper's default (information from distance :math:`k` arrives at layer :math:`k`, as in a
classical MPNN, but directly instead of through :math:`k - 1` intermediate nodes); :math:`\\nu
= \\infty` (``nu=None``) is DRew without delay. :math:`K` (``max_k``) optionally caps the ring
distance (a cost control of this implementation; ``None`` follows the paper).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn
from torch.nn import functional as F

from graphkit.errors import ConfigError
from graphkit.graph import as_graph

__all__ = ["k_hop_rings", "ring_operators", "delay", "DRewConv", "DRewGNN"]


def k_hop_rings(edge_index: torch.Tensor, max_k: int, num_nodes: int | None = None) -> list[torch.Tensor]:
    """The exact shortest-path rings of an undirected graph, by breadth-first frontiers.

    Ring :math:`k` holds every ordered pair :math:`(j, i)` with :math:`d_G(i, j) = k`:
    the frontier :math:`F_k = (F_{k-1} A) \\setminus (F_0 \\cup \\dots \\cup F_{k-1})` with
    :math:`F_0 = I`, computed with sparse products (memory proportional to the pairs within
    distance ``max_k``).

    Args:
        edge_index: ``[2, E]`` edges (symmetrised; self-loops ignored).
        max_k: largest distance (``>= 1``).
        num_nodes: number of nodes (default: ``max id + 1``).

    Returns:
        ``max_k`` tensors ``[2, E_k]`` (``int64``; row 0 source ``j``, row 1 target ``i``,
        sorted by target then source); ring ``k`` is ``result[k - 1]`` (empty when no pair is
        at distance ``k``).
    """
    if isinstance(max_k, bool) or not isinstance(max_k, (int, np.integer)) or max_k < 1:
        raise ConfigError(f"max_k must be an integer >= 1; got {max_k!r}.")
    graph = as_graph(edge_index, num_nodes=num_nodes, directed=False, self_loops="remove",
                     allow_empty=True)
    n = graph.num_nodes
    adjacency = graph.to_scipy().astype(np.float64)
    adjacency.data[:] = 1.0
    reached = sp.identity(n, format="csr", dtype=np.float64)
    frontier = reached
    rings = []
    for _ in range(int(max_k)):
        step = (frontier @ adjacency).tocsr()
        step.data[:] = 1.0
        step = (step - step.multiply(reached)).tocsr()
        step.eliminate_zeros()
        rings.append(step)
        reached = (reached + step).tocsr()
        frontier = step
    out = []
    for ring in rings:
        coo = ring.tocoo()
        order = np.lexsort((coo.col, coo.row))
        out.append(torch.from_numpy(np.stack([coo.col[order], coo.row[order]]).astype(np.int64)))
    return out


def ring_operators(edge_index: torch.Tensor, max_k: int, num_nodes: int | None = None) -> list[torch.Tensor]:
    """Normalised ring matrices :math:`D_k^{-1/2} A_k D_k^{-1/2}` (sparse COO ``[n, n]``), k = 1..max_k.

    :math:`A_k` is the 0/1 matrix of :func:`k_hop_rings` ring ``k`` (row ``i`` aggregates over
    the sources ``j`` at distance ``k``) and :math:`D_k` its degree matrix; a node with an
    empty ring aggregates zeros.
    """
    rings = k_hop_rings(edge_index, max_k, num_nodes)
    n = as_graph(edge_index, num_nodes=num_nodes, allow_empty=True).num_nodes
    operators = []
    for ring in rings:
        source, target = ring
        degree = torch.zeros(n).index_add_(0, target, torch.ones(target.numel()))
        values = degree[target].clamp(min=1).rsqrt() * degree[source].clamp(min=1).rsqrt()
        operators.append(torch.sparse_coo_tensor(
            torch.stack([target, source]), values, (n, n), check_invariants=True
        ).coalesce())
    return operators


def delay(k: int, nu: int | None) -> int:
    """:math:`\\tau_\\nu(k) = \\max(0, k - \\nu)`; ``nu=None`` means :math:`\\nu = \\infty` (no delay)."""
    return 0 if nu is None else max(0, k - nu)


def _check_nu(nu: int | None) -> None:
    if nu is not None and (isinstance(nu, bool) or not isinstance(nu, (int, np.integer)) or nu < 1):
        raise ConfigError(f"nu must be an integer >= 1 or None (no delay); got {nu!r}.")


class DRewConv(nn.Module):
    """Layer :math:`\\ell` of DRew-GCN: the pre-activation :math:`\\sum_k a_{i,k}^{(\\ell)} W_k^{(\\ell)} + b`.

    It holds one weight per ring :math:`k = 1, \\dots, \\min(\\ell + 1, K)` and reads, for ring
    :math:`k`, the representation of layer :math:`\\ell - \\tau_\\nu(k)` from ``history``.

    Args:
        channels: width of the representations.
        layer: :math:`\\ell` (0 for the first layer).
        nu: delay :math:`\\nu >= 1`, or ``None`` for no delay (default 1).
        max_k: cap :math:`K` on the ring distance (default ``None``: no cap).
    """

    def __init__(self, channels: int, layer: int, nu: int | None = 1, max_k: int | None = None) -> None:
        super().__init__()
        _check_nu(nu)
        if layer < 0:
            raise ConfigError(f"layer must be >= 0; got {layer}.")
        if max_k is not None and max_k < 1:
            raise ConfigError(f"max_k must be >= 1 or None; got {max_k}.")
        self.channels, self.layer, self.nu, self.max_k = channels, layer, nu, max_k
        self.num_rings = layer + 1 if max_k is None else min(layer + 1, max_k)
        self.lins = nn.ModuleList(nn.Linear(channels, channels, bias=False) for _ in range(self.num_rings))
        self.bias = nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for lin in self.lins:
            nn.init.xavier_uniform_(lin.weight)
        nn.init.zeros_(self.bias)

    def sources(self) -> list[tuple[int, int]]:
        """``(k, layer read)`` for every ring this layer aggregates: ``(k, ℓ - τ_ν(k))``."""
        return [(k, self.layer - delay(k, self.nu)) for k in range(1, self.num_rings + 1)]

    def forward(self, history: list[torch.Tensor], rings: list[torch.Tensor]) -> torch.Tensor:
        """``history``: ``[h^(0), ..., h^(ℓ)]`` (each ``[n, channels]``); ``rings``: ring operators."""
        if len(history) != self.layer + 1:
            raise ConfigError(f"layer {self.layer} needs {self.layer + 1} past representations; "
                              f"got {len(history)}.")
        if len(rings) < self.num_rings:
            raise ConfigError(f"layer {self.layer} aggregates {self.num_rings} rings; got "
                              f"{len(rings)} ring operators (build them with max_k >= {self.num_rings}).")
        out = self.bias
        for (k, read), lin in zip(self.sources(), self.lins, strict=True):
            out = out + torch.sparse.mm(rings[k - 1], lin(history[read]))
        return out

    def __repr__(self) -> str:
        return f"DRewConv({self.channels}, layer={self.layer}, nu={self.nu}, max_k={self.max_k})"


class DRewGNN(nn.Module):
    """DRew-GCN: linear encoder, ``num_layers`` residual :class:`DRewConv` layers, linear decoder.

    .. math::
        h^{(0)} = x W_{in}, \\qquad
        h^{(\\ell+1)} = h^{(\\ell)} + \\mathrm{dropout}(\\sigma(\\mathrm{DRewConv}_\\ell(h^{(0)}, \\dots,
        h^{(\\ell)}))), \\qquad y = h^{(L)} W_{out}

    Args:
        in_channels: input features. hidden: width. out_channels: outputs.
        num_layers: :math:`L` (default 4).
        nu: delay (default 1; ``None``: no delay).
        dropout: dropout after each activation (default 0.0).
        max_k: cap on the ring distance (default ``None``: rings up to ``num_layers``).
        activation: :math:`\\sigma`, ``'relu'`` (default) or ``'identity'`` (a linear model).
    """

    def __init__(
        self, in_channels: int, hidden: int, out_channels: int, num_layers: int = 4,
        nu: int | None = 1, dropout: float = 0.0, max_k: int | None = None,
        activation: Literal["relu", "identity"] = "relu",
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ConfigError(f"num_layers must be >= 1; got {num_layers}.")
        if activation not in ("relu", "identity"):
            raise ConfigError(f"activation must be 'relu' or 'identity'; got {activation!r}.")
        self.in_channels, self.hidden, self.out_channels = in_channels, hidden, out_channels
        self.num_layers, self.nu, self.dropout, self.max_k = num_layers, nu, dropout, max_k
        self.activation = activation
        self.encoder = nn.Linear(in_channels, hidden)
        self.convs = nn.ModuleList(DRewConv(hidden, t, nu, max_k) for t in range(num_layers))
        self.decoder = nn.Linear(hidden, out_channels)
        self.reset_parameters()

    @property
    def num_rings(self) -> int:
        """Rings the deepest layer reads: ``min(num_layers, max_k)``."""
        return self.convs[-1].num_rings

    def reset_parameters(self) -> None:
        self.encoder.reset_parameters()
        for conv in self.convs:
            conv.reset_parameters()
        self.decoder.reset_parameters()

    def rings(self, edge_index: torch.Tensor, num_nodes: int) -> list[torch.Tensor]:
        """The ring operators this model needs (compute once per graph, pass to ``forward``)."""
        return ring_operators(edge_index, self.num_rings, num_nodes)

    def forward(
        self, x: torch.Tensor, edge_index: torch.Tensor | None = None,
        rings: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Outputs ``[n, out_channels]`` from ``x [n, in_channels]`` and ``edge_index`` or ``rings``."""
        if rings is None:
            if edge_index is None:
                raise ConfigError("DRewGNN needs edge_index or precomputed rings (model.rings(...)).")
            rings = self.rings(edge_index, x.size(0))
        history = [self.encoder(x)]
        for conv in self.convs:
            update = conv(history, rings)
            if self.activation == "relu":
                update = F.relu(update)
            update = F.dropout(update, p=self.dropout, training=self.training)
            history.append(history[-1] + update)
        return self.decoder(history[-1])

    def __repr__(self) -> str:
        return (f"DRewGNN({self.in_channels}, {self.hidden}, {self.out_channels}, "
                f"num_layers={self.num_layers}, nu={self.nu}, dropout={self.dropout}, "
                f"max_k={self.max_k}, activation={self.activation!r})")

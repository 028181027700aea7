"""Neural Sheaf Diffusion link models for ``graphkit bench --task link`` (registered on import).

``nsd-diag``, ``nsd-orth`` and ``nsd-gen`` (the names of the node models) encode the nodes with
:class:`~graphkit.layers.sheaf.SheafDiffusion` (Bodnar et al., NeurIPS 2022) with diagonal,
orthogonal or general restriction maps, learned from the node representations at every layer,
and score a pair with the Hadamard-MLP predictor of the other link GNNs:

.. math::
    H = \\mathrm{NSD}(E \\text{ or } X), \\qquad
    s(u, v) = \\mathrm{MLP}(h_u \\odot h_v),

where :math:`E` are learnable node embeddings (Xavier-initialised, as the link GNNs use when a
dataset has no features, e.g. ogbl-ddi) and :math:`X` the node features otherwise. The sheaf
Laplacian is built on the training graph (made undirected, self-loops removed) and applied as one
CSR product (``spmm=True``): memory grows with ``E · d²`` plus ``N · d · C``, never ``N²``. The
validated graph and its CSR pattern are cached across the training batches (``cached=True``).
Training is :func:`graphkit.bench.link.fit_link_model`, the loop of every link GNN (uniform
non-edge negatives, binary cross-entropy, test at the best valid evaluation, ``time_limit_s``).

Defaults: the ogbl-ddi recipe of the link GNNs (OGB's GraphSAGE example: representation size
``hidden`` 256, 2 layers, dropout 0.5, lr 0.005, batch 65,536, 200 epochs, evaluation every 5,
2-layer predictor, gradient clipping 1.0) with a sheaf of stalk dimension ``d`` 4 and ``channels``
32 per stalk dimension (a ``d · channels = 128`` wide diffusion between a 256 → 128 input layer
and a 128 → 256 output layer). ``d`` and ``channels`` were set for cost on ogbl-ddi (the
authors' node-classification grids use d in 2-5 and 8-32 channels), not tuned; the map learner
and ``nsd-orth``'s Householder maps with learned edge weights follow the node models.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from graphkit.bench.job import Job, JobOutcome
from graphkit.bench.link import GNN_DEFAULTS, fit_link_model
from graphkit.bench.registry import ModelSpec, register_model
from graphkit.data.types import LinkSplit
from graphkit.errors import ConfigError
from graphkit.graph import as_graph
from graphkit.layers.predictors import PREDICTORS, HadamardMLPPredictor
from graphkit.layers.sheaf import SheafDiffusion

__all__ = ["SHEAF_LINK_DEFAULTS", "SheafLinkModel", "train_sheaf_link"]

_COMMON: dict[str, Any] = {
    **{key: value for key, value in GNN_DEFAULTS.items() if key != "layout"},
    "channels": 32,
    "d": 4,
    "input_dropout": 0.0,
    "add_trivial": False,
    "add_signed": False,
    "sheaf_act": "tanh",
    "use_act": True,
}
#: default hyperparameters of each link model
SHEAF_LINK_DEFAULTS: dict[str, dict[str, Any]] = {
    "nsd-diag": dict(_COMMON),
    "nsd-orth": {**_COMMON, "orth_method": "householder", "edge_weights": True},
    "nsd-gen": dict(_COMMON),
}
_MAPS = {"nsd-diag": "diag", "nsd-orth": "orth", "nsd-gen": "general"}
_LABELS = {"nsd-diag": "Diag-NSD", "nsd-orth": "O(d)-NSD", "nsd-gen": "Gen-NSD"}


class SheafLinkModel(nn.Module):
    """Embeddings or features → :class:`SheafDiffusion` → pair predictor.

    Has the interface of :class:`~graphkit.bench.link.LinkModel` (``encode``, ``batch_graph``,
    ``forward(h, pairs, adj)``); ``adj`` is the undirected training ``edge_index`` without
    self-loops, both directions of every edge.

    Args:
        kind: ``'nsd-diag'``, ``'nsd-orth'`` or ``'nsd-gen'``. num_nodes: ``N``.
        in_channels: feature size, ``None`` for learnable embeddings of size ``hidden``.
        params: the job's hyperparameters (see :data:`SHEAF_LINK_DEFAULTS`).
    """

    def __init__(self, kind: str, num_nodes: int, in_channels: int | None, params: dict[str, Any]) -> None:
        super().__init__()
        _check_params(params)
        hidden = params["hidden"]
        self.embedding = nn.Embedding(num_nodes, hidden) if in_channels is None else None
        extra = {k: params[k] for k in ("orth_method", "edge_weights") if k in params}
        self.encoder = SheafDiffusion(
            hidden if in_channels is None else in_channels, hidden, params["channels"], params["d"],
            _MAPS[kind], params["num_layers"], params["dropout"], params["input_dropout"],
            params["use_act"], cached=True, spmm=True, add_trivial=params["add_trivial"],
            add_signed=params["add_signed"], sheaf_act=params["sheaf_act"], **extra,
        )
        if params["predictor"] == "mlp":
            self.predictor: nn.Module = HadamardMLPPredictor(
                hidden, hidden, params["predictor_layers"], params["dropout"]
            )
        else:
            self.predictor = PREDICTORS[params["predictor"]]()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.embedding is not None:
            nn.init.xavier_uniform_(self.embedding.weight)
        self.encoder.reset_parameters()
        self.predictor.reset_parameters()

    def encode(self, x: torch.Tensor | None, adj: torch.Tensor) -> torch.Tensor:
        h = self.embedding.weight if self.embedding is not None else x
        return self.encoder(h, adj)

    def batch_graph(self, adj: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return adj

    def forward(self, h: torch.Tensor, pairs: torch.Tensor, adj: torch.Tensor | None = None) -> torch.Tensor:
        return self.predictor(h, pairs)


def _check_params(params: dict[str, Any]) -> None:
    """Raise :class:`ConfigError` naming the first bad value the layers would not catch."""
    for key in ("hidden", "predictor_layers"):
        if not isinstance(params[key], int) or params[key] < 1:
            raise ConfigError(f"{key} must be an integer >= 1; got {params[key]!r}.")
    if params["predictor"] not in PREDICTORS:
        raise ConfigError(f"predictor must be one of {sorted(PREDICTORS)}; got {params['predictor']!r}.")


def train_sheaf_link(job: Job, kind: str) -> JobOutcome:
    """Train the sheaf link model ``kind`` on the job's link split; test at the best valid epoch."""
    p, data, split = job.params, job.dataset.data, job.dataset.split
    assert isinstance(split, LinkSplit)
    x = job.features if job.features is not None else getattr(data, "x", None)
    x = None if x is None else x.float().to_dense()
    graph = as_graph(data.edge_index, num_nodes=data.num_nodes, directed=False, self_loops="remove",
                     allow_empty=True)
    edge_index = graph.to_edge_index()[0]
    model = SheafLinkModel(kind, data.num_nodes, None if x is None else x.size(1), p)
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    return fit_link_model(job, model, optimizer, x, edge_index)


def _register() -> None:
    for kind, defaults in SHEAF_LINK_DEFAULTS.items():
        register_model(ModelSpec(
            kind, "link", lambda job, kind=kind: train_sheaf_link(job, kind), dict(defaults),
            f"{_LABELS[kind]} encoder (Bodnar et al., NeurIPS 2022) + Hadamard-MLP or dot predictor",
        ))


_register()

"""``ncn`` and ``ncnc`` link models for ``graphkit bench --task link`` (registered on import).

Neural Common Neighbor and NCN with Completion (Wang, Yang & Zhang, ICLR 2024): a weight-free
propagation encoder on learnable embeddings (or on a linear map of the node features) and the
:class:`~graphkit.layers.ncn.NCNPredictor` / :class:`~graphkit.layers.ncn.NCNCPredictor`.
Training reuses :func:`graphkit.bench.link.fit_link_model` (uniform non-edge negatives, one per
positive, binary cross-entropy, test reported at the best valid evaluation, ``time_limit_s``,
progress bar); each training batch is encoded and scored on the training graph without the
batch's positive pairs (target-link removal, ``target_link_removal``). ``device`` (default
``'cpu'``) moves the model and the graph (as :class:`~graphkit.layers.ncn.NeighborTensors`) to
a GPU, say ``'cuda'``; negatives and the split stay on the CPU, so a seed draws the same pairs.

Defaults are the official ogbl-ddi command of the paper's code (GraphPKU/NeuralCommonNeighbor,
README): ``--model puresum --mplayers 1 --hiddim 224 --res --gnndp 0.4 --xdp 0.05 --tdp 0.0
--predp 0.6 --gnnlr 0.0021 --prelr 0.0018 --batch_size 24576 --epochs 100 --ln --lnnn
--use_xlin --twolayerlin --maskinput``, evaluated every epoch. ``ncnc`` adds the ddi NCNC
calibration (``--probscale 10 --proboffset 3 --pt 0.1 --alpha 0.5``) and, off by default as on
ddi, the official one-sided neighbour sampling ``--trndeg``/``--tstdeg`` as
``completion_samples``/``eval_completion_samples``. ``edge_dropout`` is the
official ``--preedp`` (0 on ddi, 0.4 in the official Cora command). Differences from the
official runs: the official ddi NCNC fine-tunes a trained NCN for 2 epochs (encoder frozen,
predictor lr 0.0025) while the ``ncnc`` bench model trains from scratch with the NCN settings
(:func:`train_ncn` with ``init_state`` and ``on_best`` runs the official recipe:
``benchmarks/ncnc_ddi.py``); negatives are
drawn per batch instead of once per epoch (same distribution); JumpingKnowledge (``--jk``, used
on Planetoid with one layer, where it is a learnable scale) is not implemented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from graphkit._sparse import csr_tensor, sparse_matmul
from graphkit.bench.job import Job, JobOutcome
from graphkit.bench.link import fit_link_model
from graphkit.bench.registry import ModelSpec, register_model
from graphkit.data.types import LinkSplit
from graphkit.errors import ConfigError
from graphkit.graph import Graph
from graphkit.layers.ncn import (
    NCNCPredictor,
    NCNPredictor,
    NeighborTensors,
    neighbor_lists,
    remove_target_links,
)

__all__ = ["NCN_DEFAULTS", "NCNC_DEFAULTS", "PropagationEncoder", "NCNLinkModel", "build_ncn_model", "train_ncn"]

NCN_DEFAULTS: dict[str, Any] = {
    "hidden": 224,
    "num_layers": 1,
    "encoder": "sum",
    "residual": True,
    "input_dropout": 0.05,
    "encoder_dropout": 0.4,
    "tail_dropout": 0.0,
    "dropout": 0.6,
    "lr": 0.0021,
    "predictor_lr": 0.0018,
    "batch_size": 24576,
    "epochs": 100,
    "eval_every": 1,
    "layer_norm": True,
    "node_mlp": True,
    "out_layers": 2,
    "tail_act": False,
    "target_link_removal": True,
    "grad_clip": 0.0,
    "time_limit_s": 0,
    "predictor_chunk": 0,
    "precision": "fp32",
    "device": "cpu",
    "edge_dropout": 0.0,
}
NCNC_DEFAULTS: dict[str, Any] = {
    **NCN_DEFAULTS,
    "prob_scale": 10.0,
    "prob_offset": 3.0,
    "prior": 0.1,
    "alpha": 0.5,
    "completion_samples": 0,
    "eval_completion_samples": 0,
}
_PROPAGATIONS = ("sum", "gcn")
_SPARSE_FEATURES = 0.1  # features denser than this stay dense


class _SymmetricProduct(torch.autograd.Function):
    """``P @ h`` for a symmetric sparse ``P`` (both propagations are): the gradient with respect
    to ``h`` is ``P^T g = P g``, so the backward pass is one more product with ``P`` on any
    device, without autograd's sparse transpose. Both products run in float32 at least
    (:func:`~graphkit._sparse.sparse_matmul`); the gradient is returned in ``h``'s dtype."""

    @staticmethod
    def forward(ctx, operator: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        ctx.operator, ctx.h_dtype = operator, h.dtype
        return sparse_matmul(operator, h)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor]:
        return None, sparse_matmul(ctx.operator, grad).to(ctx.h_dtype)


class PropagationEncoder(nn.Module):
    """Weight-free propagation (the official ``puresum`` / ``puregcn`` MPNN).

    .. math::
        x^{(0)} &= \\mathrm{Dropout}(E) \\text{ (embeddings) or }
            \\mathrm{Dropout}(W \\, \\mathrm{Dropout}(X)) \\text{ (features)} \\\\
        x^{(l+1)} &= \\mathrm{Dropout}(P x^{(l)}) \\; [+ \\, x^{(l)} \\text{ with residual}], \\qquad
        P = A \\text{ (sum) or } \\tilde D^{-1/2} (A + I) \\tilde D^{-1/2} \\text{ (gcn)}

    Args:
        num_nodes: nodes (embedding rows). in_channels: feature size, ``None`` for embeddings
            (orthogonal initialisation). hidden: representation size. num_layers: propagations.
        kind: ``'sum'`` or ``'gcn'``. residual: add the input of each propagation.
        input_dropout, encoder_dropout, tail_dropout: on the features, after the embedding or
            linear map, and after each propagation.
    """

    def __init__(self, num_nodes: int, in_channels: int | None, hidden: int, num_layers: int,
                 kind: str = "sum", residual: bool = True, input_dropout: float = 0.0,
                 encoder_dropout: float = 0.0, tail_dropout: float = 0.0) -> None:
        super().__init__()
        if kind not in _PROPAGATIONS:
            raise ConfigError(f"encoder must be one of {_PROPAGATIONS}; got {kind!r}.")
        self.kind, self.num_layers, self.residual = kind, num_layers, residual
        self.input_dropout, self.encoder_dropout, self.tail_dropout = input_dropout, encoder_dropout, tail_dropout
        self.embedding = nn.Embedding(num_nodes, hidden) if in_channels is None else None
        self.lin = nn.Linear(in_channels, hidden) if in_channels is not None else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.embedding is not None:
            nn.init.orthogonal_(self.embedding.weight)
        if self.lin is not None:
            self.lin.reset_parameters()

    def _operator(self, g: Graph | NeighborTensors) -> torch.Tensor:
        if isinstance(g, NeighborTensors):
            indptr, indices = g.indptr, g.indices
        else:
            indptr, indices = torch.as_tensor(g.indptr.copy()), torch.as_tensor(g.indices.copy())
        values = torch.ones(indices.numel(), device=indices.device)
        if self.kind == "gcn":
            norm = (1.0 + indptr.diff().float()).rsqrt()
            rows = torch.repeat_interleave(torch.arange(g.num_nodes, device=indices.device), indptr.diff())
            values = norm[rows] * norm[indices]
        return csr_tensor(indptr, indices, values, (g.num_nodes, g.num_nodes))

    def _input_map(self, x: torch.Tensor) -> torch.Tensor:
        """``W Dropout(x) + b``; a sparse COO ``x`` (bag-of-words features) stays sparse: dropout
        zeroes stored values only, which is the dense result without the dense product."""
        if not x.is_sparse:
            return self.lin(F.dropout(x, self.input_dropout, self.training))
        dropped = torch.sparse_coo_tensor(
            x.indices(), F.dropout(x.values(), self.input_dropout, self.training), x.shape,
            is_coalesced=True, check_invariants=False,  # x's own (checked) indices
        )
        return sparse_matmul(dropped, self.lin.weight.t()) + self.lin.bias

    def forward(self, x: torch.Tensor | None, g: Graph | NeighborTensors) -> torch.Tensor:
        h = self.embedding.weight if self.embedding is not None else self._input_map(x)
        h = F.dropout(h, self.encoder_dropout, self.training)
        if self.num_layers:
            operator = self._operator(g)
            self_weight = (1.0 + operator.crow_indices().diff().float()).reciprocal().unsqueeze(1)
        for _ in range(self.num_layers):
            out = _SymmetricProduct.apply(operator, h)
            if self.kind == "gcn":
                out = out + self_weight * h
            out = F.dropout(out, self.tail_dropout, self.training)
            h = out + h if self.residual else out
        return h


class NCNLinkModel(nn.Module):
    """Encoder + NCN/NCNC predictor with the interface of :class:`~graphkit.bench.link.LinkModel`.

    ``adj`` is a :class:`~graphkit.graph.Graph` from :func:`~graphkit.layers.ncn.neighbor_lists`;
    :meth:`batch_graph` removes a training batch's positives from it when ``target_link_removal``.
    """

    def __init__(self, encoder: PropagationEncoder, predictor: NCNPredictor,
                 target_link_removal: bool = True) -> None:
        super().__init__()
        self.encoder, self.predictor, self.target_link_removal = encoder, predictor, target_link_removal

    def encode(self, x: torch.Tensor | None, adj: Graph) -> torch.Tensor:
        return self.encoder(x, adj)

    def batch_graph(self, adj: Graph, pos: torch.Tensor) -> Graph:
        return remove_target_links(adj, pos) if self.target_link_removal else adj

    def forward(self, h: torch.Tensor, pairs: torch.Tensor, adj: Graph) -> torch.Tensor:
        return self.predictor(h, adj, pairs)


def build_ncn_model(p: dict[str, Any], num_nodes: int, in_channels: int | None,
                    completion: bool) -> NCNLinkModel:
    """The ``ncn`` (``completion=False``) or ``ncnc`` model of the hyperparameters ``p`` (the keys
    of :data:`NCN_DEFAULTS`, and those of :data:`NCNC_DEFAULTS` for ``ncnc``), on the CPU.

    ``in_channels`` is the node feature size, ``None`` for learnable embeddings.
    """
    encoder = PropagationEncoder(
        num_nodes, in_channels, p["hidden"], p["num_layers"], p["encoder"], p["residual"],
        p["input_dropout"], p["encoder_dropout"], p["tail_dropout"],
    )
    shared = dict(dropout=p["dropout"], layer_norm=p["layer_norm"], node_mlp=p["node_mlp"],
                  out_layers=p["out_layers"], tail_act=p["tail_act"], edge_dropout=p["edge_dropout"])
    if completion:
        predictor: NCNPredictor = NCNCPredictor(
            p["hidden"], p["hidden"], **shared, prob_scale=p["prob_scale"],
            prob_offset=p["prob_offset"], prior=p["prior"], alpha=p["alpha"],
            completion_samples=p["completion_samples"],
            eval_completion_samples=p["eval_completion_samples"],
        )
    else:
        predictor = NCNPredictor(p["hidden"], p["hidden"], **shared)
    return NCNLinkModel(encoder, predictor, p["target_link_removal"])


def train_ncn(job: Job, completion: bool, *, init_state: dict[str, torch.Tensor] | None = None,
              on_best: Callable[[nn.Module], None] | None = None) -> JobOutcome:
    """Train ``ncn`` (``completion=False``) or ``ncnc`` on the job's link split.

    ``init_state`` is a state dict to start from, e.g. a trained ``ncn`` model's for the
    official ddi NCNC recipe (fine-tune it with completion: ``ncn`` and ``ncnc`` models have the
    same parameters); ``on_best`` is :func:`~graphkit.bench.link.fit_link_model`'s.
    """
    p, data, split = job.params, job.dataset.data, job.dataset.split
    assert isinstance(split, LinkSplit)
    _check_removed_share(p, split.train_pos.size(1))
    x = job.features if job.features is not None else getattr(data, "x", None)
    x = None if x is None else x.float()
    if x is not None and x.count_nonzero() < _SPARSE_FEATURES * x.numel():
        x = x.to_sparse().coalesce()
    device = _device(p["device"])
    graph = neighbor_lists(data.edge_index, data.num_nodes)
    if device.type != "cpu":
        graph, x = NeighborTensors.from_graph(graph, device), None if x is None else x.to(device)
    model = build_ncn_model(p, data.num_nodes, None if x is None else x.size(1), completion).to(device)
    if init_state is not None:
        model.load_state_dict(init_state)
    optimizer = torch.optim.Adam([
        {"params": model.encoder.parameters(), "lr": p["lr"]},
        {"params": model.predictor.parameters(), "lr": p["predictor_lr"]},
    ])
    return fit_link_model(job, model, optimizer, x, graph, on_best)


_MAX_REMOVED_SHARE = 0.5


def _check_removed_share(p: dict[str, Any], num_train: int) -> None:
    """Refuse a batch that would take most training edges out of the graph it is scored on.

    Target-link removal scores each batch on the training graph without the batch's positives.
    The official runs remove a small share per batch (ogbl-ddi 2.3 %, Cora 26 %); the ddi batch
    of 24,576 on a small graph removes every edge, and the model trains on an empty graph but is
    evaluated on the full one (Cora: valid AUC 75.6 instead of 94.4 with a batch of 1,152).
    """
    if not p["target_link_removal"] or num_train == 0:
        return
    share = min(p["batch_size"], num_train) / num_train
    if share > _MAX_REMOVED_SHARE:
        raise ConfigError(
            f"batch_size={p['batch_size']} takes {100 * share:.0f} % of the {num_train:,} training "
            f"edges out of the graph each batch is scored on (target_link_removal), leaving the "
            f"model an almost empty graph in training; at most {100 * _MAX_REMOVED_SHARE:.0f} % is "
            f"allowed. Pass --set batch_size={max(1, num_train // 4)} (a quarter) or "
            "--set target_link_removal=false."
        )


def _device(name: str) -> torch.device:
    """The torch device of the ``device`` parameter; an unusable one fails before training."""
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as error:
        raise ConfigError(f"device must name a torch device ('cpu', 'cuda', 'cuda:1'); got {name!r}.") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device={name!r} but torch sees no CUDA device here; use device='cpu'.")
    return device


def _register() -> None:
    register_model(ModelSpec(
        "ncn", "link", lambda job: train_ncn(job, completion=False), dict(NCN_DEFAULTS),
        "Neural Common Neighbor (Wang et al., ICLR 2024): propagation encoder + common-neighbour pooling",
    ))
    register_model(ModelSpec(
        "ncnc", "link", lambda job: train_ncn(job, completion=True), dict(NCNC_DEFAULTS),
        "NCN with common-neighbour completion (Wang et al., ICLR 2024)",
    ))


_register()

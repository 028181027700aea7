"""Node classification task: models, training loop and evaluation for ``graphkit bench --task node``.

Models (registered on import):

* ``mlp``: a multi-layer perceptron on the node features, no message passing;
* ``gcn``, ``sage``, ``gin``: stacks of :class:`~graphkit.layers.encoders.GCNLayer`,
  :class:`~graphkit.layers.encoders.SAGELayer`, :class:`~graphkit.layers.encoders.GINLayer` on a
  cached :class:`~graphkit.layers.propagation.Adjacency`, the last layer giving class logits;
* ``gat``: PyG's ``GATConv`` as in Veličković et al. (ICLR 2018): 8 heads of 8 hidden units
  (concatenated, ELU), one output head, dropout 0.6 on inputs and attention coefficients;
* ``appnp``: an MLP followed by personalised-PageRank propagation (Gasteiger, Bojchevski &
  Günnemann, "Predict then Propagate", ICLR 2019), see :func:`appnp_propagate`;
* ``linear``: scikit-learn ``LogisticRegression`` on the features (one-vs-rest for multi-label
  targets such as BlogCatalog), the usual probe for node embeddings.
* ``nsd-diag``, ``nsd-orth``, ``nsd-gen``: discrete Neural Sheaf Diffusion with diagonal,
  orthogonal and general restriction maps (Bodnar et al., NeurIPS 2022), see
  :class:`~graphkit.layers.sheaf.SheafDiffusion` and :class:`SheafNodeModel`.

Training is full-batch with Adam and L2 weight decay: every epoch takes one gradient step on the
training nodes (cross-entropy; binary cross-entropy per label for multi-label ``y [N, C]``), then
scores valid and test nodes in eval mode. The selected epoch has the best valid value of the
dataset's official metric, ties going to the lower valid loss (the criterion of Veličković et
al.); training stops after ``patience`` epochs without a better selected epoch, and the test
metrics reported are those of the selected epoch. Models whose ``select`` hyperparameter is
``'loss'`` (the NSD models, as in Bodnar et al.'s code) select the epoch of lowest valid loss
instead, ties going to the better valid metric.

Defaults are the published settings: GCN as Kipf & Welling (ICLR 2017, hidden 16, lr 0.01,
weight decay 5e-4, dropout 0.5, 200 epochs), GAT as Veličković et al. (lr 0.005, weight decay
5e-4, dropout 0.6, patience 100), APPNP as Gasteiger et al. (hidden 64, K 10, alpha 0.1,
dropout 0.5, lr 0.01) with the weight decay 5e-4 of the GCN setting on every weight (their 5e-3
on the first layer only was tuned for Cora-ML). The datasets' own features are row-normalised
(``normalize_features``) as in those papers; embeddings passed with ``--features`` are not. A dataset without features (BlogCatalog) gets a learnable embedding per node of
size ``hidden`` as the GNN input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from graphkit.bench.job import Job, JobOutcome
from graphkit.bench.metrics import metric_fn
from graphkit.bench.registry import ModelSpec, register_model
from graphkit.data.types import NodeSplit
from graphkit.errors import ConfigError
from graphkit.graph import as_graph
from graphkit.layers.encoders import GCNLayer, GINLayer, SAGELayer
from graphkit.layers.propagation import _DENSE_MAX_NODES, _DENSE_MIN_DENSITY, Adjacency
from graphkit.layers.sheaf import SheafDiffusion

__all__ = [
    "NODE_DEFAULTS",
    "LAYER_OPTIONS",
    "NodeModel",
    "SheafNodeModel",
    "ModelBuilder",
    "appnp_propagate",
    "node_metrics",
    "estimate_memory",
    "available_memory",
    "check_memory",
    "train_node_model",
    "run_linear",
]

# ``input_dropout``: dropout on the input features (``None``: ``dropout``, as Kipf & Welling);
# ``select``: ``'valid'`` selects the epoch of best valid metric, ``'loss'`` of lowest valid loss.
_COMMON: dict[str, Any] = {
    "lr": 0.01, "weight_decay": 5e-4, "dropout": 0.5, "input_dropout": None, "epochs": 200,
    "patience": 200, "normalize_features": True, "layout": "auto", "select": "valid",
}
#: Default hyperparameters of every model (``--set key=value`` overrides them).
NODE_DEFAULTS: dict[str, dict[str, Any]] = {
    "mlp": {**_COMMON, "hidden": 64, "num_layers": 2},
    "gcn": {**_COMMON, "hidden": 16, "num_layers": 2, "self_loops": "remaining", "init": "glorot"},
    "sage": {**_COMMON, "hidden": 64, "num_layers": 2},
    "gin": {**_COMMON, "hidden": 64, "num_layers": 2},
    "gat": {**_COMMON, "hidden": 8, "heads": 8, "num_layers": 2, "lr": 0.005, "dropout": 0.6,
            "epochs": 1000, "patience": 100},
    "appnp": {**_COMMON, "hidden": 64, "num_layers": 2, "K": 10, "alpha": 0.1},
    "linear": {"C": 1.0, "solver": None, "max_iter": 1000, "normalize_features": False,
               "standardize": True},
}
# Neural Sheaf Diffusion (Bodnar et al., NeurIPS 2022): the defaults of the authors' code (hidden
# 20 channels per stalk dimension, 2 layers, patience 200, 1500 epochs, tanh map learner,
# Householder O(d) maps with learned edge weights) with the lr 0.02 and dropout 0.7 of their
# WebKB scripts; ``hidden`` is channels per stalk dimension, ``sheaf_decay`` the weight decay of
# the map learners (``None``: ``weight_decay``); ``select='loss'``: the epoch of lowest valid
# loss is selected, as in the authors' code (``'valid'``: the best valid metric).
_NSD: dict[str, Any] = {
    **_COMMON, "hidden": 20, "num_layers": 2, "d": 3, "lr": 0.02, "dropout": 0.7,
    "input_dropout": 0.0, "epochs": 1500, "sheaf_decay": None, "add_trivial": False,
    "add_signed": False, "pool_stalks": False, "sheaf_act": "tanh", "use_act": True,
    "select": "loss",
}
NODE_DEFAULTS.update({
    "nsd-diag": dict(_NSD),
    "nsd-orth": {**_NSD, "orth_method": "householder", "edge_weights": True},
    "nsd-gen": dict(_NSD),
})
_NSD_MAPS = {"nsd-diag": "diag", "nsd-orth": "orth", "nsd-gen": "general"}
_LAYERS = {"gcn": GCNLayer, "sage": SAGELayer, "gin": GINLayer}
#: hyperparameters passed to every layer of the model (keys of its NODE_DEFAULTS entry)
LAYER_OPTIONS = {"gcn": ("self_loops", "init")}
_GIB = 2**30
# inputs sparser than this are kept as sparse COO tensors (cheaper input dropout)
_SPARSE_INPUT_DENSITY = 0.25
# models whose first layer starts with nn.Linear, which multiplies a sparse input directly
_SPARSE_INPUT_KINDS = ("mlp", "appnp", "gcn")


def appnp_propagate(h: torch.Tensor, adj: Adjacency, K: int = 10, alpha: float = 0.1) -> torch.Tensor:
    """Personalised-PageRank propagation of APPNP (Gasteiger et al., ICLR 2019).

    .. math::
        Z^{(0)} = H, \\qquad
        Z^{(k+1)} = (1 - \\alpha)\\, \\hat A Z^{(k)} + \\alpha H, \\qquad
        \\hat A = \\tilde D^{-1/2} (A + I) \\tilde D^{-1/2},

    returning :math:`Z^{(K)}` (``[N, C]``), the same as PyG's ``APPNP(K, alpha)``.

    Args:
        h: predictions ``[N, C]`` before propagation. adj: the graph.
        K: power-iteration steps (default 10). alpha: teleport probability (default 0.1).
    """
    z = h
    for _ in range(K):
        z = (1.0 - alpha) * adj.matmul(z, "sym") + alpha * h
    return z


class NodeModel(nn.Module):
    """Features (or a learnable embedding) → ``num_layers`` layers → class logits.

    Dropout is applied to the input of every layer and ReLU (ELU for GAT) between layers, as in
    Kipf & Welling and Veličković et al. ``x`` may be a sparse COO tensor (bag-of-words
    features): input dropout then draws only for its stored entries, like Kipf & Welling's
    ``sparse_dropout``, which has the distribution of dense dropout at a fraction of the cost,
    and ``mlp``, ``gcn`` and ``appnp`` multiply the sparse matrix directly.

    Args:
        kind: ``'mlp'``, ``'gcn'``, ``'sage'``, ``'gin'``, ``'gat'`` or ``'appnp'``.
        in_channels: feature size, or ``None`` for a learnable embedding of size ``hidden`` per node.
        hidden: hidden width (GAT: per head). out_channels: number of classes.
        num_nodes: number of nodes (used for the embedding).
        num_layers: layers (default 2). dropout: dropout probability (default 0.5).
        input_dropout: dropout on the input of the first layer (default ``None``: ``dropout``).
        heads: GAT attention heads in the hidden layers (default 8).
        K, alpha: APPNP propagation steps and teleport probability (default 10, 0.1).
        layer_options: extra keyword arguments of every layer (GCN: ``self_loops``, ``init``
            of :class:`~graphkit.layers.encoders.GCNLayer`).
    """

    def __init__(
        self, kind: str, in_channels: int | None, hidden: int, out_channels: int, num_nodes: int,
        num_layers: int = 2, dropout: float = 0.5, heads: int = 8, K: int = 10, alpha: float = 0.1,
        input_dropout: float | None = None, layer_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if kind not in NODE_DEFAULTS or kind == "linear" or kind in _NSD_MAPS:
            raise ConfigError(f"kind must be one of mlp, gcn, sage, gin, gat, appnp; got {kind!r}.")
        if num_layers < 1:
            raise ConfigError(f"num_layers must be >= 1; got {num_layers}.")
        self.kind, self.dropout, self.K, self.alpha = kind, dropout, K, alpha
        self.input_dropout = dropout if input_dropout is None else input_dropout
        self.embedding = nn.Embedding(num_nodes, hidden) if in_channels is None else None
        width = hidden if in_channels is None else in_channels
        if kind == "gat":
            from torch_geometric.nn import GATConv

            sizes = [width] + [hidden * heads] * (num_layers - 1)
            self.layers = nn.ModuleList(
                GATConv(a, hidden, heads=heads, dropout=dropout) for a in sizes[:-1]
            )
            self.layers.append(GATConv(sizes[-1], out_channels, heads=1, dropout=dropout))
        else:
            sizes = [width] + [hidden] * (num_layers - 1) + [out_channels]
            layer = _LAYERS.get(kind, nn.Linear)
            options = layer_options or {}
            self.layers = nn.ModuleList(
                layer(a, b, **options) for a, b in zip(sizes, sizes[1:], strict=False)
            )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.embedding is not None:
            nn.init.xavier_uniform_(self.embedding.weight)
        for layer in self.layers:
            layer.reset_parameters()

    def forward(self, x: torch.Tensor | None, adj: Adjacency, edge_index: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, C]``; GAT reads ``edge_index``, the other GNNs the cached ``adj``."""
        h = self.embedding.weight if self.embedding is not None else x
        for i, layer in enumerate(self.layers):
            rate = self.input_dropout if i == 0 else self.dropout
            if h.is_sparse:  # drop stored entries only (zeros stay zero): dense dropout's law
                h = h.coalesce()
                values = F.dropout(h.values(), p=rate, training=self.training)
                h = torch.sparse_coo_tensor(
                    h.indices(), values, h.shape, is_coalesced=True, check_invariants=False
                )
                if self.kind not in _SPARSE_INPUT_KINDS:
                    h = h.to_dense()
            else:
                h = F.dropout(h, p=rate, training=self.training)
            if self.kind in ("mlp", "appnp"):
                h = layer(h)
            elif self.kind == "gat":
                h = layer(h, edge_index)
            else:
                h = layer(h, adj)
            if i < len(self.layers) - 1:
                h = F.elu(h) if self.kind == "gat" else F.relu(h)
        return appnp_propagate(h, adj, self.K, self.alpha) if self.kind == "appnp" else h


class SheafNodeModel(nn.Module):
    """:class:`~graphkit.layers.sheaf.SheafDiffusion` behind the ``model(x, adj, edge_index)`` call.

    The graph is made undirected without self-loops once, at construction, as the sheaf
    Laplacian requires; a sparse ``x`` is made dense.

    Args:
        kind: ``'nsd-diag'``, ``'nsd-orth'`` or ``'nsd-gen'``. in_channels, num_classes: sizes.
        edge_index: the training graph. num_nodes: ``N``. params: the job's hyperparameters.
    """

    def __init__(
        self, kind: str, in_channels: int, num_classes: int, edge_index: torch.Tensor,
        num_nodes: int, params: dict[str, Any],
    ) -> None:
        super().__init__()
        graph = as_graph(edge_index, num_nodes=num_nodes, directed=False, self_loops="remove",
                         allow_empty=True)
        self.register_buffer("edge_index", graph.to_edge_index()[0], persistent=False)
        extra = {k: params[k] for k in ("orth_method", "edge_weights") if k in params}
        self.net = SheafDiffusion(
            in_channels, num_classes, params["hidden"], params["d"], _NSD_MAPS[kind],
            params["num_layers"], params["dropout"], params["input_dropout"], params["use_act"],
            add_trivial=params["add_trivial"], add_signed=params["add_signed"],
            pool_stalks=params["pool_stalks"], sheaf_act=params["sheaf_act"], **extra,
        )
        sheaf_decay = params["sheaf_decay"]
        sheaf = {id(t) for t in self.net.sheaf_parameters()}
        self.param_groups = [
            {"params": [t for t in self.parameters() if id(t) in sheaf],
             "weight_decay": params["weight_decay"] if sheaf_decay is None else sheaf_decay},
            {"params": [t for t in self.parameters() if id(t) not in sheaf],
             "weight_decay": params["weight_decay"]},
        ]

    def forward(self, x: torch.Tensor, adj: Adjacency, edge_index: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, C]`` (``adj`` and ``edge_index`` are unused: the graph is cached)."""
        return self.net(x.to_dense() if x.is_sparse else x, self.edge_index)


#: builds a job's model from ``(job, in_channels, num_classes)``; called as ``model(x, adj, edge_index)``
ModelBuilder = Callable[[Job, int | None, int], nn.Module]


def _build_sheaf(job: Job, in_channels: int | None, num_classes: int, kind: str) -> nn.Module:
    if in_channels is None:
        raise ConfigError(f"model {kind!r} needs node features; pass --features for "
                          f"dataset {job.dataset.name!r}.")
    data = job.dataset.data
    return SheafNodeModel(kind, in_channels, num_classes, data.edge_index, data.num_nodes, job.params)


def node_metrics(primary: str, multilabel: bool) -> list[str]:
    """Metrics reported for a dataset whose official metric is ``primary`` (primary first)."""
    extra = ["micro-f1", "macro-f1"] if multilabel else ["accuracy", "macro-f1"]
    return [primary] + [m for m in extra if m != primary]


# --------------------------------------------------------------------------------- memory guard


def available_memory() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (``None`` where it cannot be read)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _dense_layout(num_nodes: int, num_edges: int, layout: str) -> bool:
    """Whether :class:`Adjacency` with ``layout`` stores a dense ``n × n`` matrix (its 'auto' rule)."""
    if layout == "auto":
        return num_nodes <= _DENSE_MAX_NODES and num_edges / max(num_nodes**2, 1) >= _DENSE_MIN_DENSITY
    return layout == "dense"


def estimate_memory(
    model: str, num_nodes: int, num_edges: int, in_channels: int | None, num_classes: int,
    params: dict[str, Any],
) -> dict[str, int]:
    """Rough bytes a job allocates on top of the loaded dataset, by part.

    Counts float32 copies of the ``N × F`` features (float64 and a second copy for ``linear``),
    the dense ``n × n`` adjacency with its construction buffer when the layout is dense, and
    about four activations of ``N × width`` per layer for autograd (GAT: per edge and head).

    Args:
        model: model name. num_nodes, num_edges: graph size (directed edges).
        in_channels: feature size (``None``: learnable embedding). num_classes: outputs.
        params: the job's hyperparameters.

    Returns:
        ``{'features': ..., 'adjacency': ..., 'activations': ...}`` in bytes.
    """
    n, features = num_nodes, in_channels or 0
    if model == "linear":
        return {"features": 2 * 8 * n * features, "adjacency": 0, "activations": 8 * n * num_classes}
    heads = params.get("heads", 1) if model == "gat" else 1
    width = params["hidden"] * heads + num_classes
    adjacency = 2 * 4 * n * n if _dense_layout(n, num_edges, params.get("layout", "auto")) else 0
    activations = 4 * 4 * params["num_layers"] * (n * width + (num_edges + n) * heads * (model == "gat"))
    return {"features": 2 * 4 * n * features, "adjacency": adjacency, "activations": activations}


def check_memory(estimate: dict[str, int], dataset: str, model: str, available: int | None) -> None:
    """Raise :class:`ConfigError` with advice when ``estimate`` exceeds ``available`` bytes."""
    total = sum(estimate.values())
    if available is None or total <= available:
        return
    parts = ", ".join(f"{key} {value / _GIB:.2f}" for key, value in estimate.items() if value)
    advice = []
    if estimate["adjacency"]:
        advice.append("--set layout=sparse (the dense adjacency is n² × 4 bytes)")
    if estimate["features"] > available // 2:
        advice.append("lower-dimensional features (--features with a small embedding)")
    advice.append("a smaller --set hidden=..., or a machine with more memory")
    raise ConfigError(
        f"{dataset}/{model}: training needs about {total / _GIB:.2f} GiB ({parts} GiB) but only "
        f"{available / _GIB:.2f} GiB is available (MemAvailable in /proc/meminfo). "
        f"Try {'; or '.join(advice)}."
    )


# ------------------------------------------------------------------------------------- training


def _inputs(job: Job) -> tuple[torch.Tensor | None, torch.Tensor, NodeSplit, bool]:
    data, split = job.dataset.data, job.dataset.split
    if not isinstance(split, NodeSplit):
        raise ConfigError(f"dataset {job.dataset.name!r} was loaded for the link task; load it with task='node'.")
    if split.valid_idx.numel() == 0:
        raise ConfigError(
            f"dataset {job.dataset.name!r} was loaded with no validation nodes; benchmark models "
            "are selected on validation data, so load it with valid_ratio > 0."
        )
    x = job.features if job.features is not None else getattr(data, "x", None)
    if x is not None:
        x = x.to_dense().float() if x.is_sparse else x.float()
        # row normalisation is for the datasets' bag-of-words features; embeddings from
        # ``--features`` are used as computed (their L1 rows would shrink to ~1/d per entry)
        if job.features is None and job.params.get("normalize_features", False):
            x = x / x.abs().sum(dim=1, keepdim=True).clamp(min=1e-12)
    y = data.y
    multilabel = y.dim() == 2 and y.size(1) > 1
    y = y.float() if multilabel else y.view(-1).long()
    return x, y, split, multilabel


def _num_classes(y: torch.Tensor, multilabel: bool) -> int:
    return y.size(1) if multilabel else int(y.max()) + 1


def _loss(logits: torch.Tensor, y: torch.Tensor, multilabel: bool) -> torch.Tensor:
    if multilabel:
        return F.binary_cross_entropy_with_logits(logits, y)
    return F.cross_entropy(logits, y)


def train_node_model(job: Job, kind: str, build: ModelBuilder | None = None) -> JobOutcome:
    """Train ``kind`` full-batch on the job's node split; report test at the selected epoch.

    Args:
        job: the job (``job.params`` holds the hyperparameters of :data:`NODE_DEFAULTS`).
        kind: ``'mlp'``, ``'gcn'``, ``'sage'``, ``'gin'``, ``'gat'`` or ``'appnp'``, or any
            name when ``build`` is given.
        build: builds the model instead of :class:`NodeModel` (default ``None``); a model with
            a ``param_groups`` attribute gets those optimizer groups (per-group weight decay).

    Returns:
        The outcome; ``history`` has ``{epoch, loss, train, valid, test}`` for every epoch
        (primary metric; ``loss`` is the training loss of the step, taken in train mode, while
        ``train``/``valid``/``test`` score the model after the step in eval mode),
        ``train``/``valid``/``test`` all metrics of :func:`node_metrics` at ``best_epoch``.
    """
    p, data = job.params, job.dataset.data
    torch.manual_seed(job.seed)
    x, y, split, multilabel = _inputs(job)
    if x is None and kind == "mlp" and build is None:
        raise ConfigError(
            f"model 'mlp' needs node features but dataset {job.dataset.name!r} has none: it sees "
            "no graph, so a learned embedding per node would train only the training nodes' rows "
            "and leave the others at their random start. Pass an embedding with --features "
            "(graphkit bench --list-features), or use a GNN model."
        )
    num_nodes, num_classes = data.num_nodes, _num_classes(y, multilabel)
    check_memory(
        estimate_memory(kind, num_nodes, data.edge_index.size(1), None if x is None else x.size(1),
                        num_classes, p),
        job.dataset.name, kind, available_memory(),
    )
    adj = Adjacency(data.edge_index, num_nodes=num_nodes, layout=p["layout"])
    if x is not None and x.count_nonzero() < _SPARSE_INPUT_DENSITY * x.numel():
        x = x.to_sparse()
    if build is None:
        model = NodeModel(
            kind, None if x is None else x.size(1), p["hidden"], num_classes, num_nodes,
            p["num_layers"], p["dropout"], p.get("heads", 8), p.get("K", 10), p.get("alpha", 0.1),
            p["input_dropout"], {key: p[key] for key in LAYER_OPTIONS.get(kind, ())},
        )
    else:
        model = build(job, None if x is None else x.size(1), num_classes)
    groups = getattr(model, "param_groups", None) or model.parameters()
    optimizer = torch.optim.Adam(groups, lr=p["lr"], weight_decay=p["weight_decay"])
    primary = metric_fn(job.metric)
    select = p["select"]
    if select not in ("valid", "loss"):
        raise ConfigError(f"select must be 'valid' (best valid metric) or 'loss' (lowest valid "
                          f"loss); got {select!r}.")
    train_idx, valid_idx, test_idx = split.train_idx, split.valid_idx, split.test_idx
    best: tuple[float, float, int, torch.Tensor] | None = None  # selection key (2), epoch, logits
    history: list[dict[str, float]] = []
    bar = tqdm(range(1, p["epochs"] + 1), desc=f"{job.dataset.info.name}/{job.model} seed {job.seed}",
               disable=not job.progress, leave=False)
    for epoch in bar:
        model.train()
        optimizer.zero_grad()
        loss = _loss(model(x, adj, data.edge_index)[train_idx], y[train_idx], multilabel)
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            logits = model(x, adj, data.edge_index)
        valid = primary(logits[valid_idx], y[valid_idx])
        valid_loss = float(_loss(logits[valid_idx], y[valid_idx], multilabel))
        test = primary(logits[test_idx], y[test_idx])
        train = primary(logits[train_idx], y[train_idx])
        history.append({"epoch": epoch, "loss": float(loss.detach()), "train": train, "valid": valid,
                        "test": test})
        key = (-valid_loss, valid) if select == "loss" else (valid, -valid_loss)
        if best is None or key > best[:2]:
            best = (*key, epoch, logits)
        bar.set_postfix(loss=f"{float(loss.detach()):.4f}", valid=f"{100 * valid:.2f}")
        if epoch - best[2] >= p["patience"]:
            break
    assert best is not None
    names = node_metrics(job.metric, multilabel)
    logits = best[3]
    return JobOutcome(
        valid={m: metric_fn(m)(logits[valid_idx], y[valid_idx]) for m in names},
        test={m: metric_fn(m)(logits[test_idx], y[test_idx]) for m in names},
        best_epoch=best[2], epochs_run=epoch,
        num_params=sum(t.numel() for t in model.parameters()), history=history,
        train={m: metric_fn(m)(logits[train_idx], y[train_idx]) for m in names},
    )


def run_linear(job: Job) -> JobOutcome:
    """Logistic regression on the features of the training nodes: the classifier of
    :func:`graphkit.embed.evaluate.logistic_regression`, the embedding-evaluation protocol.

    With ``standardize`` (default) every feature column is centred and scaled to unit variance
    with the mean and standard deviation of the training nodes (the last step of the FastRP
    pipeline; it also makes the solver converge on unscaled counts such as orbit features).

    Multi-label targets ``y [N, C]`` train one binary classifier per label (one-vs-rest,
    liblinear unless ``solver`` is set), and the F1 scores use the top-:math:`k_i` protocol of
    DeepWalk (see :func:`~graphkit.bench.metrics.micro_f1`) on the predicted probabilities;
    single-label targets a multinomial model (lbfgs).

    Raises:
        ConfigError: the dataset has no features and none were given.
    """
    from graphkit.embed.evaluate import logistic_regression

    p, data = job.params, job.dataset.data
    x, y, split, multilabel = _inputs(job)
    if x is None:
        raise ConfigError(
            f"model 'linear' needs node features but dataset {job.dataset.name!r} has none; "
            "pass an embedding with --features (graphkit bench --list-features shows them), "
            "or use a GNN model, which learns an embedding per node."
        )
    num_classes = _num_classes(y, multilabel)
    check_memory(
        estimate_memory("linear", data.num_nodes, data.edge_index.size(1), x.size(1), num_classes, p),
        job.dataset.name, "linear", available_memory(),
    )
    features, targets = x.double().numpy(), y.numpy()
    train = split.train_idx.numpy()
    if p["standardize"]:  # zero mean, unit variance per column, from the training nodes only
        mean, std = features[train].mean(axis=0), features[train].std(axis=0)
        features = (features - mean) / np.where(std > 0, std, 1.0)
    classifier = logistic_regression(
        features[train], targets[train].astype(np.int64), multilabel=multilabel, C=p["C"],
        solver=p["solver"], max_iter=p["max_iter"],
    )
    names = node_metrics(job.metric, multilabel)
    outcome: dict[str, dict[str, float]] = {}
    for part, index in (("valid", split.valid_idx), ("test", split.test_idx)):
        scores = torch.from_numpy(classifier.predict_proba(features[index.numpy()]))
        if not multilabel:  # columns follow classifier.classes_, which may miss a class
            full = torch.zeros(len(index), num_classes, dtype=scores.dtype)
            full[:, torch.from_numpy(classifier.classes_)] = scores
            scores = full
        outcome[part] = {m: metric_fn(m)(scores, y[index]) for m in names}
    estimators = classifier.estimators_ if multilabel else [classifier]
    # a label without training positives gets scikit-learn's constant predictor: no parameters
    num_params = sum(e.coef_.size + e.intercept_.size for e in estimators if hasattr(e, "coef_"))
    return JobOutcome(valid=outcome["valid"], test=outcome["test"], num_params=int(num_params))


_DESCRIPTIONS = {
    "mlp": "multi-layer perceptron on node features (no graph)",
    "gcn": "GCN (Kipf & Welling, ICLR 2017)",
    "sage": "GraphSAGE, mean aggregator (Hamilton et al., NeurIPS 2017)",
    "gin": "GIN (Xu et al., ICLR 2019)",
    "gat": "GAT, 8 heads x 8 hidden (Velickovic et al., ICLR 2018)",
    "appnp": "APPNP: MLP + personalised PageRank, K=10, alpha=0.1 (Gasteiger et al., ICLR 2019)",
}
_NSD_DESCRIPTIONS = {
    "nsd-diag": "Diag-NSD: sheaf diffusion, diagonal maps (Bodnar et al., NeurIPS 2022)",
    "nsd-orth": "O(d)-NSD: sheaf diffusion, orthogonal maps (Bodnar et al., NeurIPS 2022)",
    "nsd-gen": "Gen-NSD: sheaf diffusion, general maps (Bodnar et al., NeurIPS 2022)",
}


def _register() -> None:
    for kind, label in _DESCRIPTIONS.items():
        register_model(ModelSpec(
            kind, "node", lambda job, kind=kind: train_node_model(job, kind), dict(NODE_DEFAULTS[kind]),
            label,
        ))
    for kind, label in _NSD_DESCRIPTIONS.items():
        build = functools.partial(_build_sheaf, kind=kind)
        register_model(ModelSpec(
            kind, "node", lambda job, kind=kind, build=build: train_node_model(job, kind, build),
            dict(NODE_DEFAULTS[kind]), label,
        ))
    register_model(ModelSpec(
        "linear", "node", run_linear, dict(NODE_DEFAULTS["linear"]),
        "logistic regression on features (one-vs-rest for multi-label), scikit-learn",
    ))


_register()

"""WalkPool link prediction model for ``graphkit bench --task link --model walkpool``.

Pan, Shi & Dokmanić, "Neural link prediction with walk pooling", ICLR 2022; the setup follows
the paper and the authors' implementation (DaDaCheng/WalkPooling) wherever they say something:

* observed graph: the training positives and, with ``observe_valid`` (``'auto'``: on for the
  WalkPool/SEAL fixed-split graphs, as the authors' default ``--observe-val-and-injection
  True``; off elsewhere, as their code does for Planetoid), also the validation positives,
  which are then classified exactly like training positives. Test pairs are never edges of it
  (checked). The authors' "injection" of the negative training/validation pairs concerns only
  the graph their optional unsupervised node embeddings are computed on (``utils.py``,
  ``edge_index_observed``); their subgraphs never contain negatives, and neither do these;
* every candidate pair :math:`(i, j)` (training, validation and test, positive or negative) is
  classified from its ``num_hops``-hop enclosing subgraph (:mod:`graphkit.layers.subgraphs`,
  default 2 hops, optional ``max_nodes_per_hop`` cap; ``'auto'`` is the authors' choice, 100
  on PB, no cap elsewhere; an extraction that would not fit in memory is refused before it
  starts, see :func:`check_subgraph_memory`). The target link is **removed** from every
  subgraph (:math:`G^-`) and put back by the model (:math:`G^+`), so a training positive, whose
  link is in the training graph, looks exactly like a test positive, whose link is not;
* node features: the graphs have none, so, as in the authors' default (``--init-attribute
  ones``), every node gets a vector of ``hidden`` ones (``node_label='ones'``);
  ``node_label='zero_one'`` appends a 0/1 column marking the two targets, and
  ``node_label='drnl'`` appends a learned ``hidden``-dimensional embedding of each node's
  double-radius label (:func:`~graphkit.layers.drnl_labels`; the authors' ``--drnl True``,
  which their table scripts run beside ``--drnl False``). Given features (``data.x`` or
  ``--features``) replace the ones;
* encoder: two GCN layers on :math:`G^+`; WalkPool (:class:`~graphkit.layers.WalkPooling`)
  reads the concatenation of the input and both layer outputs;
* classifier and loss: batch normalisation then an MLP of widths ``20d, 20d, 10d, d, 1``
  (``d`` = WalkPool features; ReLU, dropout 0.5 before the last layer) giving a logit
  :math:`s`; ``loss='bce'`` (default) trains :math:`s` with the binary cross-entropy (the
  authors' current default, ``--MSE False``), ``loss='mse'`` trains :math:`\\sigma(s)` with the
  mean squared error against the 0/1 label (their code at the paper's release); ``bce`` had
  the higher validation AUC in all three runs compared (results/walkpool_seal.md). Adam, lr
  5e-5, batch 32, 50 epochs: the authors' defaults; walk length 7, 2 heads, hidden 32;
* validation and test are evaluated after every epoch and the test value at the best
  validation epoch (primary metric) is reported (the authors' "from AUC" selection; with
  ``observe_valid`` the validation positives are observed links, as in their code). Every
  ``history`` entry also records ``preprocess_s``, the time spent extracting (or reading
  cached) subgraph node sets and computing their DRNL labels.

Subgraph node sets are extracted once per split in compiled code (one call for all pairs) and
cached under ``$GRAPHKIT_CACHE/walkpool_subgraphs`` keyed on the graph, the pairs and the
extraction parameters (written atomically). Mini-batches are block-diagonal edge lists, as
PyG batches, so their cost follows the subgraphs' edges with no padding; training batches are
uniformly shuffled, evaluation batches take the pairs in order.
``train_pairs`` (> 0) trains on a fixed random subset of that many positive pairs and as many
negatives (used on ogbl-ddi); ``time_limit_s`` stops after the first epoch that ends past it.
With a ``job.checkpoint`` (the runner's ``<out>/checkpoints/<record key>.pt``) the training
state is saved after an epoch, at most once a minute and never after the last
(:mod:`graphkit.bench.checkpoint`), and a rerun of the same job continues from it with the same
result as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch_geometric.utils import coalesce
from tqdm.auto import tqdm

from graphkit.atomic import atomic_open
from graphkit.bench.checkpoint import TrainingCheckpoint
from graphkit.bench.job import Job, JobOutcome
from graphkit.bench.link import BestValidEvaluation, NegativeSampler, link_metrics
from graphkit.bench.metrics import metric_fn
from graphkit.bench.node import available_memory
from graphkit.bench.registry import ModelSpec, register_model
from graphkit.data.root import cache_dir
from graphkit.data.types import LinkSplit
from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import Graph, as_graph
from graphkit.layers.edge_operator import EdgeOperator
from graphkit.layers.subgraphs import drnl_labels, induced_edges, k_hop_pair_nodes, pair_arrays
from graphkit.layers.walk_pool import WalkPooling

__all__ = [
    "WALKPOOL_DEFAULTS",
    "WalkPoolLinkModel",
    "SubgraphSet",
    "check_subgraph_memory",
    "estimate_subgraph_nodes",
    "extract_cached",
    "gcn_operator",
    "observed_graph",
    "train_walkpool",
]

WALKPOOL_DEFAULTS: dict[str, Any] = {
    "hidden": 32,
    "heads": 2,
    "walk_length": 7,
    "num_hops": 2,
    "max_nodes_per_hop": "auto",
    "node_label": "ones",
    "dropout": 0.5,
    "lr": 5e-5,
    "batch_size": 32,
    "epochs": 50,
    "eval_every": 1,
    "train_pairs": 0,
    "time_limit_s": 0,
    "observe_valid": "auto",
    "loss": "bce",
    "cache": True,
}
#: the authors' per-dataset cap (``main.py``: 100 nodes per hop on PB and E.coli)
_AUTO_CAP = {"pb": 100, "pb-50": 100}
_NODE_LABELS = ("ones", "zero_one", "drnl")
#: pairs whose node sets estimate the size of an extraction (:func:`estimate_subgraph_nodes`)
_SIZE_SAMPLE = 1000
#: bytes per node id while extracting: the growing int64 array, its final copy, the cache buffer
_EXTRACTION_BYTES_PER_NODE = 3 * 8
_LOSSES = ("mse", "bce")


class WalkPoolLinkModel(nn.Module):
    """Two GCN layers, :class:`~graphkit.layers.WalkPooling` and the paper's MLP classifier.

    Args:
        in_channels: input node features. hidden: GCN width and WalkPool query/key width.
        heads, walk_length: WalkPool settings. dropout: GCN, attention and classifier dropout.
        num_labels: if positive, integer node labels in ``[0, num_labels)`` (DRNL) are embedded
            in ``hidden`` learned dimensions and appended to ``x``.

    ``forward(x [N, F], edge_index [2, E] (block-diagonal G^-), batch [N], pair_index [2, B],
    labels [N] or None) -> [B]`` probabilities, the sigmoid of :meth:`logits` (same
    arguments); the inputs are those of :meth:`WalkPooling.forward`.
    """

    def __init__(
        self, in_channels: int, hidden: int = 32, heads: int = 2, walk_length: int = 7,
        dropout: float = 0.5, num_labels: int = 0,
    ) -> None:
        super().__init__()
        self.dropout = dropout
        self.label_embedding = nn.Embedding(num_labels, hidden) if num_labels > 0 else None
        if self.label_embedding is not None:
            in_channels += hidden
        self.conv1 = nn.Linear(in_channels, hidden, bias=False)
        self.conv2 = nn.Linear(hidden, hidden, bias=False)
        self.bias1 = nn.Parameter(torch.zeros(hidden))
        self.bias2 = nn.Parameter(torch.zeros(hidden))
        self.pool = WalkPooling(in_channels + 2 * hidden, heads, walk_length, hidden, dropout)
        width = self.pool.out_channels
        self.norm = nn.BatchNorm1d(width)
        sizes = [width, 20 * width, 20 * width, 10 * width, width]
        self.mlp = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.out = nn.Linear(width, 1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in (self.conv1, self.conv2, self.pool, self.norm, *self.mlp, self.out):
            module.reset_parameters()
        if self.label_embedding is not None:
            self.label_embedding.reset_parameters()
        nn.init.xavier_uniform_(self.conv1.weight)  # glorot, as PyG's GCNConv
        nn.init.xavier_uniform_(self.conv2.weight)
        nn.init.zeros_(self.bias1)
        nn.init.zeros_(self.bias2)

    def forward(
        self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
        pair_index: torch.Tensor, labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return torch.sigmoid(self.logits(x, edge_index, batch, pair_index, labels))

    def logits(
        self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
        pair_index: torch.Tensor, labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Classifier logits ``[B]`` (arguments as :meth:`forward`)."""
        if (labels is None) != (self.label_embedding is None):
            raise ValueError(
                "labels must be given exactly when the model was built with num_labels > 0."
            )
        if self.label_embedding is not None:
            x = torch.cat([x, self.label_embedding(labels)], dim=-1)
        src, dst, weight = gcn_operator(edge_index, pair_index, x.size(0))
        gcn, weight = EdgeOperator(src, dst, x.size(0)), weight.unsqueeze(-1)

        def propagate(h: torch.Tensor) -> torch.Tensor:
            return gcn.propagate(h.unsqueeze(1), weight).squeeze(1)

        first = propagate(self.conv1(x)) + self.bias1
        hidden = F.dropout(first.relu(), self.dropout, self.training)
        second = propagate(self.conv2(hidden)) + self.bias2
        h = self.norm(self.pool(torch.cat([x, first, second], -1), edge_index, batch, pair_index))
        for layer in self.mlp:
            h = layer(h).relu()
        return self.out(F.dropout(h, self.dropout, self.training)).squeeze(-1)


def gcn_operator(
    edge_index: torch.Tensor, pair_index: torch.Tensor, num_nodes: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Entries of the GCN propagation matrix of :math:`G^+` (Kipf & Welling, ICLR 2017).

    .. math:: \\hat A = \\tilde D^{-1/2} (A^+ + I) \\tilde D^{-1/2}

    with :math:`A^+` the (symmetric) subgraph adjacency plus the target links ``pair_index``,
    duplicates merged and existing self-loops replaced by the one of :math:`I`.

    Returns:
        ``(src, dst, weight)``: :math:`(\\hat A h)_y = \\sum_{src \\to y} weight \\cdot h_{src}`,
        computed once for both layers.
    """
    for name, value in (("edge_index", edge_index), ("pair_index", pair_index)):
        if value.dim() != 2 or value.size(0) != 2:
            raise GraphInputError(f"{name} must have shape [2, *]; got {tuple(value.shape)}.")
        if value.numel() and (value.min() < 0 or value.max() >= num_nodes):
            raise GraphInputError(
                f"{name} holds node ids outside [0, {num_nodes}); give ids into the batch's x."
            )
    i, j = pair_index
    plus = coalesce(torch.cat([edge_index, torch.stack([i, j]), torch.stack([j, i])], dim=1),
                    num_nodes=num_nodes)
    plus = plus[:, plus[0] != plus[1]]
    loops = torch.arange(num_nodes, device=edge_index.device)
    src, dst = torch.cat([plus[0], loops]), torch.cat([plus[1], loops])
    scale = torch.bincount(src, minlength=num_nodes).float().rsqrt()
    return src, dst, scale[src] * scale[dst]


class SubgraphSet:
    """Cached enclosing-subgraph node sets of a list of pairs, assembled into PyG-style batches.

    ``labels`` (optional, aligned with ``nodes``) are integer node labels such as DRNL, batched
    as an ``[N]`` tensor (``None`` in the batch when not given).
    """

    def __init__(
        self, graph: Graph, nodes: np.ndarray, ptr: np.ndarray,
        features: torch.Tensor | None, feature_dim: int, zero_one: bool,
        labels: np.ndarray | None = None,
    ) -> None:
        self.graph, self.nodes, self.ptr = graph, nodes, ptr
        self.sizes = np.diff(ptr)
        self.features, self.feature_dim, self.zero_one = features, feature_dim, zero_one
        self.labels = None if labels is None else torch.from_numpy(labels)

    @property
    def num_labels(self) -> int:
        """Size of the label vocabulary (0 without labels)."""
        return 0 if self.labels is None else int(self.labels.max()) + 1

    @property
    def in_channels(self) -> int:
        base = self.feature_dim if self.features is None else self.features.size(1)
        return base + int(self.zero_one)

    def batch(self, selected: np.ndarray) -> tuple[torch.Tensor | None, ...]:
        """``(x, edge_index of G^-, batch, pair_index, labels)`` of subgraphs ``selected``.

        Block-diagonal, as a PyG ``DataLoader`` batch: subgraph ``b``'s nodes follow those of
        ``b - 1``, its targets first (``pair_index[:, b]``); the target link is left out.
        """
        sizes = torch.from_numpy(self.sizes[selected])
        first = torch.cumsum(sizes, 0) - sizes  # batch position of each subgraph's node 0
        batch = torch.repeat_interleave(torch.arange(len(selected)), sizes)
        position = torch.arange(int(sizes.sum())) - first[batch]
        index = torch.from_numpy(self.ptr[selected])[batch] + position  # into self.nodes
        src, dst, edge_ptr = induced_edges(self.graph, self.nodes, self.ptr, selected)
        owner = torch.repeat_interleave(torch.arange(len(selected)),
                                        torch.from_numpy(np.diff(edge_ptr)))
        edge_index = torch.stack([torch.from_numpy(src), torch.from_numpy(dst)]) + first[owner]
        if self.features is None:
            x = torch.ones(len(batch), self.feature_dim)
        else:
            x = self.features[torch.from_numpy(self.nodes)[index]]
        if self.zero_one:
            x = torch.cat([x, (position < 2).float().unsqueeze(-1)], dim=-1)
        labels = None if self.labels is None else self.labels[index]
        return x, edge_index, batch, torch.stack([first, first + 1]), labels


def _digest(*arrays: np.ndarray, **params: Any) -> str:
    h = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for array in arrays:
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:20]


def extract_cached(
    graph: Graph, pairs: np.ndarray, num_hops: int, cap: int | None, seed: int,
    name: str, use_cache: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`k_hop_pair_nodes` of ``pairs``, read from / written to the subgraph cache."""
    if not use_cache:
        return k_hop_pair_nodes(graph, pairs, num_hops, cap, seed)
    key = _digest(graph.indptr, graph.indices, pairs, num_hops=num_hops, cap=cap, seed=seed,
                  version=1)
    path = cache_dir("walkpool_subgraphs") / f"{name.replace('/', '_')}-{key}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as stored:
            return stored["nodes"], stored["ptr"]
    nodes, ptr = k_hop_pair_nodes(graph, pairs, num_hops, cap, seed)
    buffer = io.BytesIO()
    np.savez(buffer, nodes=nodes, ptr=ptr)
    with atomic_open(path) as handle:
        handle.write(buffer.getvalue())
    return nodes, ptr


def estimate_subgraph_nodes(
    graph: Any, pairs: Any, num_hops: int, cap: int | None, seed: int
) -> float:
    """Estimated total node count of the enclosing subgraphs of ``pairs`` (``[2, P]``).

    .. math:: \\hat T = P \\cdot \\frac{1}{|S|} \\sum_{p \\in S} |V_p|

    over a seeded uniform sample :math:`S` of at most 1,000 pairs (all of them when
    :math:`P \\le 1000`, so the estimate is then exact). ``graph`` and ``pairs`` are checked as
    by :func:`~graphkit.layers.k_hop_pair_nodes`.

    Raises:
        GraphInputError: malformed pairs (shape, out-of-range id, self-pair), named as such.
    """
    g = graph if isinstance(graph, Graph) else as_graph(graph)
    pairs = np.stack(pair_arrays(pairs, g.num_nodes))
    count = pairs.shape[1]
    if count > _SIZE_SAMPLE:
        pairs = pairs[:, np.random.default_rng(seed).choice(count, _SIZE_SAMPLE, replace=False)]
    nodes, _ = k_hop_pair_nodes(g, pairs, num_hops, cap, seed)
    return count * nodes.size / max(pairs.shape[1], 1)


def check_subgraph_memory(
    graph: Any, pairs: Any, num_hops: int, cap: int | None, seed: int, name: str,
    available: int | None,
) -> None:
    """Refuse, before it starts, an extraction whose node sets would not fit in ``available``.

    Uncapped 2-hop subgraphs of a dense graph are most of the graph: on ogbl-ddi about 3,900 of
    its 4,267 nodes for each of 2.6 million pairs, 226 GiB while extracting (20 nodes per hop:
    42 nodes, 2.4 GiB). Unchecked, the extraction grows until the machine runs out of memory.
    :func:`estimate_subgraph_nodes` gives the node count; extracting costs 3 × 8 bytes a node.

    Raises:
        ConfigError: naming ``max_nodes_per_hop``, when the estimate exceeds ``available`` bytes
            (``None``: unknown, no check).
    """
    if available is None:
        return
    total = estimate_subgraph_nodes(graph, pairs, num_hops, cap, seed)
    need = total * _EXTRACTION_BYTES_PER_NODE
    if need <= available:
        return
    count = np.shape(pairs)[1]
    gib = 2**30
    raise ConfigError(
        f"{name}/walkpool: the {num_hops}-hop enclosing subgraphs of {count:,} pairs "
        f"hold about {total / count:,.0f} nodes each "
        f"({'no cap' if cap is None else f'at most {cap} new nodes per hop'}); extracting them "
        f"needs about {need / gib:.1f} GiB but only {available / gib:.1f} GiB is available "
        "(MemAvailable in /proc/meminfo). Cap the hops with --set max_nodes_per_hop=N "
        "(ogbl-ddi's WalkPool results use 20), or use --set num_hops=1."
    )


def _check_params(p: dict[str, Any]) -> int | None:
    if p["node_label"] not in _NODE_LABELS:
        raise ConfigError(f"node_label must be one of {_NODE_LABELS}; got {p['node_label']!r}.")
    for key in ("hidden", "heads", "walk_length", "batch_size", "epochs", "eval_every"):
        if isinstance(p[key], bool) or not isinstance(p[key], int) or p[key] < 1:
            raise ConfigError(f"walkpool parameter {key} must be a positive integer; got {p[key]!r}.")
    if p["batch_size"] > 4096:
        raise ConfigError(
            f"walkpool batch_size={p['batch_size']} subgraphs is too large (a batch's subgraphs "
            "are held in memory at once); use --set batch_size=32 (the paper's value) or another "
            "value <= 4096."
        )
    if p["loss"] not in _LOSSES:
        raise ConfigError(f"walkpool loss must be one of {_LOSSES}; got {p['loss']!r}.")
    if p["observe_valid"] not in ("auto", 0, 1):  # True == 1, False == 0
        raise ConfigError(
            f"observe_valid must be 'auto', True/1 or False/0; got {p['observe_valid']!r}."
        )
    cap = p["max_nodes_per_hop"]
    if cap in ("auto", 0, None):
        return None
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ConfigError(
            f"max_nodes_per_hop must be 'auto', 0 (no cap) or a positive integer; got {cap!r}."
        )
    return cap


def _pair_sets(job: Job, generator: torch.Generator) -> dict[str, torch.Tensor]:
    split, data = job.dataset.split, job.dataset.data
    assert isinstance(split, LinkSplit)
    if split.negatives != "global":
        raise ConfigError(
            f"walkpool scores pairs one subgraph each and supports datasets with global "
            f"negatives; {job.dataset.info.name!r} has per-positive negatives."
        )
    train_pos = split.train_pos
    limit = job.params["train_pairs"]
    if limit and limit < train_pos.size(1):
        train_pos = train_pos[:, torch.randperm(train_pos.size(1), generator=generator)[:limit]]
    train_neg = split.train_neg
    if train_neg is None:
        train_neg = NegativeSampler(data.edge_index, data.num_nodes, generator)(train_pos.size(1))
    elif limit and limit < train_neg.size(1):
        train_neg = train_neg[:, torch.randperm(train_neg.size(1), generator=generator)[:limit]]
    return {
        "train_pos": train_pos, "train_neg": train_neg,
        "valid_pos": split.valid_pos, "valid_neg": split.valid_neg,
        "test_pos": split.test_pos, "test_neg": split.test_neg,
    }


def observed_graph(
    edge_index: torch.Tensor, num_nodes: int, valid_pos: torch.Tensor | None,
    test_pairs: torch.Tensor,
) -> Graph:
    """The graph the enclosing subgraphs are cut from: ``edge_index`` plus ``valid_pos``.

    Args:
        edge_index: the split's message-passing edges (the training positives).
        num_nodes: number of nodes.
        valid_pos: ``[2, V]`` validation positives to add (``None``: add nothing).
        test_pairs: ``[2, T]`` all test pairs; none may be an edge of the result.

    Raises:
        ConfigError: a test pair is an edge of the observed graph (its own link would leak).
    """
    edges = edge_index if valid_pos is None else torch.cat([edge_index, valid_pos], dim=1)
    graph = as_graph(edges, num_nodes=num_nodes)  # symmetrised, duplicates merged
    pairs = np.array(test_pairs.numpy(), dtype=np.int64)  # a writeable copy for scipy indexing
    leaked = np.asarray(graph.to_scipy()[pairs[0], pairs[1]]).ravel() != 0
    if leaked.any():
        first = int(np.flatnonzero(leaked)[0])
        raise ConfigError(
            f"test pair ({pairs[0, first]}, {pairs[1, first]}) is an edge of the observed graph "
            f"({int(leaked.sum())} such pairs): the split's test links overlap its training or "
            "validation links; fix the split."
        )
    return graph


def _train_batches(count: int, batch_size: int, generator: torch.Generator) -> list[np.ndarray]:
    """Uniformly shuffled batches."""
    perm = torch.randperm(count, generator=generator).numpy()
    return [perm[k : k + batch_size] for k in range(0, count, batch_size)]


@torch.no_grad()
def _predict(model: WalkPoolLinkModel, subgraphs: SubgraphSet, index: np.ndarray,
             batch_size: int) -> torch.Tensor:
    model.eval()
    scores = torch.empty(len(index))
    for start in range(0, len(index), batch_size):
        scores[start : start + batch_size] = model(*subgraphs.batch(index[start : start + batch_size]))
    return scores


def train_walkpool(job: Job) -> JobOutcome:
    """Train WalkPool on the job's split; valid/test metrics at the best valid epoch."""
    p, data = job.params, job.dataset.data
    cap = _check_params(p)
    if p["max_nodes_per_hop"] == "auto":
        cap = _AUTO_CAP.get(job.dataset.info.name)
    generator = torch.Generator().manual_seed(job.seed)
    parts = _pair_sets(job, generator)
    observe = p["observe_valid"]
    if observe == "auto":
        observe = job.dataset.info.loader == "walkpool"
    graph = observed_graph(data.edge_index, data.num_nodes, parts["valid_pos"] if observe else None,
                           torch.cat([parts["test_pos"], parts["test_neg"]], dim=1))
    all_pairs = torch.cat(list(parts.values()), dim=1).numpy()
    tic = time.perf_counter()
    check_subgraph_memory(graph, all_pairs, p["num_hops"], cap, job.seed, job.dataset.info.name,
                          available_memory())
    nodes, ptr = extract_cached(graph, all_pairs, p["num_hops"], cap, job.seed,
                                job.dataset.info.name, bool(p["cache"]))
    labels = drnl_labels(graph, nodes, ptr) if p["node_label"] == "drnl" else None
    preprocess_s = round(time.perf_counter() - tic, 3)
    features = job.features if job.features is not None else getattr(data, "x", None)
    subgraphs = SubgraphSet(graph, nodes, ptr, None if features is None else features.float(),
                            p["hidden"], p["node_label"] == "zero_one", labels)
    bounds = np.cumsum([0] + [t.size(1) for t in parts.values()])
    index = {name: np.arange(bounds[k], bounds[k + 1]) for k, name in enumerate(parts)}
    train_index = np.concatenate([index["train_pos"], index["train_neg"]])
    labels = torch.cat([torch.ones(len(index["train_pos"])), torch.zeros(len(index["train_neg"]))])

    model = WalkPoolLinkModel(subgraphs.in_channels, p["hidden"], p["heads"], p["walk_length"],
                              p["dropout"], subgraphs.num_labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"], fused=True)
    metrics = link_metrics(job.metric)
    selection = BestValidEvaluation(job.metric)
    training = {"model": model, "optimizer": optimizer, "selection": selection}
    checkpoint = TrainingCheckpoint(job.checkpoint, training, generator)
    done = checkpoint.resume()
    bar = tqdm(range(done + 1, p["epochs"] + 1),
               desc=f"{job.dataset.info.name}/walkpool seed {job.seed}",
               disable=not job.progress, leave=False, initial=done, total=p["epochs"])
    epoch = done
    for epoch in bar:
        model.train()
        total = 0.0
        for batch in _train_batches(len(train_index), p["batch_size"], generator):
            if len(batch) < 2:  # batch normalisation needs two samples
                continue
            inputs, target = subgraphs.batch(train_index[batch]), labels[torch.from_numpy(batch)]
            if p["loss"] == "bce":
                loss = F.binary_cross_entropy_with_logits(model.logits(*inputs), target)
            else:
                loss = F.mse_loss(model(*inputs), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        loss_value = total / len(train_index)
        out_of_time = bool(p["time_limit_s"]) and selection.elapsed() > p["time_limit_s"]
        if epoch % p["eval_every"] == 0 or epoch == p["epochs"] or out_of_time:
            result = _evaluate(model, subgraphs, index, metrics, 2 * p["batch_size"])
            valid = selection.record(epoch, loss_value, result, preprocess_s=preprocess_s)
            bar.set_postfix(loss=f"{loss_value:.4f}", valid=f"{100 * valid:.2f}")
        if out_of_time or epoch == p["epochs"]:
            break  # a finished run needs no checkpoint: the runner deletes it
        checkpoint.epoch_done(epoch)
    return selection.outcome(model, epoch)


def _evaluate(model, subgraphs: SubgraphSet, index: dict[str, np.ndarray], metrics: list[str],
              batch_size: int) -> dict[str, dict[str, float]]:
    result = {}
    for part in ("valid", "test"):
        pos = _predict(model, subgraphs, index[f"{part}_pos"], batch_size)
        neg = _predict(model, subgraphs, index[f"{part}_neg"], batch_size)
        result[part] = {name: metric_fn(name)(pos, neg) for name in metrics}
    return result


register_model(ModelSpec(
    "walkpool", "link", train_walkpool, dict(WALKPOOL_DEFAULTS),
    "WalkPool (Pan et al., ICLR 2022): GCN + attention walk profiles of enclosing subgraphs",
))

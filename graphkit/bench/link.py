"""Link prediction task: models, training loop and evaluation for ``graphkit bench --task link``.

Models (registered on import):

* ``gcn``, ``sage``, ``gin``, ``gat``: a :class:`~graphkit.layers.encoders.GNNEncoder` on the
  training graph (learnable node embeddings when the dataset has no features) and a
  Hadamard-MLP (``predictor='mlp'``) or inner-product (``'dot'``) predictor;
* ``mf``: learnable embeddings and the Hadamard MLP, no message passing;
* ``cn``, ``aa``, ``ra``, ``katz``, ``ppr``: heuristics scored on the training graph.

Training follows OGB's link examples (Hu et al., 2020): each mini-batch of training positives
recomputes the encoder, draws the same number of uniformly random negative pairs that are not
training edges, and minimises binary cross-entropy; every ``eval_every`` epochs the valid and
test pairs are scored, and the reported test value is the one at the best valid epoch.
The defaults are OGB's ogbl-ddi recipe (2 layers, hidden 256, dropout 0.5, lr 0.005,
batch 65,536, 200 epochs, evaluation every 5 epochs). ``time_limit_s`` stops training after
the first epoch that ends past the limit (0: no limit); that epoch is always evaluated. A run
of the runner is resumable: it saves its training state to ``<out>/checkpoints/`` at most once a
minute and a rerun of the command continues from it (:mod:`graphkit.bench.checkpoint`).

Two settings change how a batch is computed, not what it computes. ``predictor_chunk`` scores
the batch's pairs in chunks of that many (0: all at once) and backpropagates each chunk into
the detached encoder output before one backward pass through the encoder: the gradient is the
batch's, but the activations held at once are a chunk's (smaller buffers, faster on CPU:
``benchmarks/link_ddi_speed.py``). ``precision='bf16'`` runs the training forward passes under CPU autocast
(bfloat16 matrix products, float32 parameters and optimiser); evaluation always scores in
float32, so that rankings are not decided by bfloat16 ties.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from graphkit.bench.checkpoint import TrainingCheckpoint
from graphkit.bench.job import Job, JobOutcome
from graphkit.bench.metrics import metric_fn
from graphkit.bench.registry import ModelSpec, register_model
from graphkit.data.types import LinkSplit
from graphkit.errors import ConfigError, DatasetError
from graphkit.layers import heuristics
from graphkit.layers.encoders import GNNEncoder
from graphkit.layers.predictors import PREDICTORS, HadamardMLPPredictor
from graphkit.layers.propagation import Adjacency

__all__ = [
    "BestValidEvaluation", "LinkModel", "NegativeSampler", "evaluate_link_model", "fit_link_model",
    "link_metrics", "train_link_model",
]

GNN_DEFAULTS: dict[str, Any] = {
    "hidden": 256,
    "num_layers": 2,
    "dropout": 0.5,
    "lr": 0.005,
    "batch_size": 65536,
    "epochs": 200,
    "eval_every": 5,
    "predictor": "mlp",
    "predictor_layers": 2,
    "grad_clip": 1.0,
    "layout": "auto",
    "time_limit_s": 0,
    "predictor_chunk": 16384,
    "precision": "fp32",
}
MF_DEFAULTS: dict[str, Any] = {
    "hidden": 256,
    "dropout": 0.5,
    "lr": 0.01,
    "batch_size": 65536,
    "epochs": 200,
    "eval_every": 5,
    "predictor_layers": 3,
    "grad_clip": 1.0,
    "time_limit_s": 0,
    "predictor_chunk": 16384,
    "precision": "fp32",
}


def link_metrics(primary: str) -> list[str]:
    """Metrics reported for a dataset whose official metric is ``primary`` (primary first)."""
    if primary.startswith("hits@"):
        extra = ["hits@10", "hits@20", "hits@50", "hits@100"]
    elif primary in ("auc", "ap"):
        extra = ["auc", "ap"]
    else:
        extra = []
    return [primary] + [m for m in extra if m != primary]


class LinkModel(nn.Module):
    """Node representation (embeddings/features → optional encoder) plus a pair predictor.

    Args:
        num_nodes: nodes of the graph. in_channels: input feature size (``None`` → learnable
            embeddings of size ``hidden``). hidden: representation size. encoder: a GNN kind
            or ``None`` (matrix factorisation). num_layers, dropout: encoder settings.
        predictor: ``'mlp'`` or ``'dot'``. predictor_layers: MLP depth.
    """

    def __init__(
        self,
        num_nodes: int,
        in_channels: int | None,
        hidden: int,
        encoder: str | None,
        num_layers: int = 2,
        dropout: float = 0.5,
        predictor: str = "mlp",
        predictor_layers: int = 2,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_nodes, hidden) if in_channels is None else None
        width = hidden if in_channels is None else in_channels
        self.encoder = (
            GNNEncoder(encoder, width, hidden, num_layers, dropout) if encoder is not None else None
        )
        if predictor == "mlp":
            self.predictor: nn.Module = HadamardMLPPredictor(
                hidden if encoder is not None or in_channels is None else width,
                hidden, predictor_layers, dropout,
            )
        else:
            self.predictor = PREDICTORS[predictor]()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.embedding is not None:
            nn.init.xavier_uniform_(self.embedding.weight)
        if self.encoder is not None:
            self.encoder.reset_parameters()
        self.predictor.reset_parameters()

    def encode(self, x: torch.Tensor | None, adj: Adjacency) -> torch.Tensor:
        h = self.embedding.weight if self.embedding is not None else x
        return self.encoder(h, adj) if self.encoder is not None else h

    def batch_graph(self, adj: Adjacency, pos: torch.Tensor) -> Adjacency:
        """The graph a training batch with positives ``pos`` is encoded and scored on."""
        return adj

    def forward(self, h: torch.Tensor, pairs: torch.Tensor, adj: Adjacency | None = None) -> torch.Tensor:
        return self.predictor(h, pairs)


class NegativeSampler:
    """Uniform random node pairs that are neither self-loops nor training edges."""

    def __init__(self, edge_index: torch.Tensor, num_nodes: int, generator: torch.Generator):
        self.num_nodes, self.generator = num_nodes, generator
        keys = torch.unique(edge_index[0] * num_nodes + edge_index[1])  # sorted
        non_loops = int((keys // num_nodes != keys % num_nodes).sum())
        if non_loops >= num_nodes * (num_nodes - 1):
            raise DatasetError(
                f"the training graph on {num_nodes} nodes is complete: there is no non-edge to "
                "sample as a negative pair."
            )
        # a sentinel above every key keeps searchsorted's answer a valid index (also when empty)
        self.keys = torch.cat([keys, torch.tensor([num_nodes * num_nodes])])

    def __call__(self, count: int) -> torch.Tensor:
        chunks, have = [], 0
        while have < count:
            pairs = torch.randint(0, self.num_nodes, (2, 2 * (count - have) + 16), generator=self.generator)
            keys = pairs[0] * self.num_nodes + pairs[1]
            keep = (self.keys[torch.searchsorted(self.keys, keys)] != keys) & (pairs[0] != pairs[1])
            chunks.append(pairs[:, keep])
            have += int(keep.sum())
        return torch.cat(chunks, dim=1)[:, :count]


@torch.no_grad()
def _score(model: LinkModel, h: torch.Tensor, pairs: torch.Tensor, batch_size: int, adj=None) -> torch.Tensor:
    return torch.cat(
        [model(h, pairs[:, i : i + batch_size], adj).cpu() for i in range(0, pairs.size(1), batch_size)]
    )


@torch.no_grad()
def evaluate_link_model(
    model: LinkModel, x: torch.Tensor | None, adj: Adjacency, split: LinkSplit,
    metrics: list[str], batch_size: int,
) -> dict[str, dict[str, float]]:
    """Metrics on the valid and test pairs (the encoder is run once, in eval mode).

    ``model`` is a :class:`LinkModel` or any module with its interface (``encode(x, adj)``,
    ``forward(h, pairs, adj)``); ``adj`` is passed through unchanged.
    """
    model.eval()
    h = model.encode(x, adj)
    return {
        part: _pair_metrics(
            _score(model, h, getattr(split, f"{part}_pos"), batch_size, adj),
            _score_negatives(model, h, split, part, batch_size, adj),
            metrics,
        )
        for part in ("valid", "test")
    }


def _score_negatives(model, h, split: LinkSplit, part: str, batch_size: int, adj=None) -> torch.Tensor:
    neg = getattr(split, f"{part}_neg")
    if split.negatives == "global":
        return _score(model, h, neg, batch_size, adj)
    sources = getattr(split, f"{part}_pos")[0].repeat_interleave(neg.size(1))
    pairs = torch.stack([sources, neg.reshape(-1)])
    return _score(model, h, pairs, batch_size, adj).view_as(neg)


def _pair_metrics(pos: torch.Tensor, neg: torch.Tensor, metrics: list[str]) -> dict[str, float]:
    return {name: metric_fn(name)(pos, neg) for name in metrics}


def train_link_model(job: Job, encoder: str | None) -> JobOutcome:
    """Train ``encoder`` (or MF when ``None``) on the job's link split; test at best valid."""
    p, data, split = job.params, job.dataset.data, job.dataset.split
    assert isinstance(split, LinkSplit)
    num_nodes = data.num_nodes
    x = job.features if job.features is not None else getattr(data, "x", None)
    if x is not None:
        x = x.float()
    adj = Adjacency(data.edge_index, num_nodes=num_nodes, layout=p.get("layout", "auto"))
    model = LinkModel(
        num_nodes, None if x is None else x.size(1), p["hidden"], encoder,
        p.get("num_layers", 2), p["dropout"], p.get("predictor", "mlp"), p["predictor_layers"],
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    return fit_link_model(job, model, optimizer, x, adj)


def fit_link_model(job: Job, model: nn.Module, optimizer: torch.optim.Optimizer,
                   x: torch.Tensor | None, adj: Any,
                   on_best: Callable[[nn.Module], None] | None = None) -> JobOutcome:
    """The training loop of :func:`train_link_model` for any model with :class:`LinkModel`'s
    interface (``encode``, ``batch_graph``, ``forward(h, pairs, adj)``); ``adj`` is opaque here.
    ``on_best(model)`` is called after each evaluation that becomes the best valid one, say to
    keep that state (evaluations of an earlier, resumed process are not replayed).

    Uses ``job.params`` keys ``epochs``, ``eval_every``, ``batch_size``, ``grad_clip``,
    ``time_limit_s``, ``predictor_chunk`` and ``precision``; the test metrics reported are those
    of the best valid evaluation. With a ``job.checkpoint`` the training state is saved after
    an epoch, at most once a minute (:mod:`graphkit.bench.checkpoint`), and a rerun continues
    from it.
    """
    p, data, split = job.params, job.dataset.data, job.dataset.split
    chunk = p["predictor_chunk"]
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 0:
        raise ConfigError(
            f"predictor_chunk must be an integer >= 0 (0: score a batch's pairs at once); got {chunk!r}."
        )
    _autocast(p["precision"])  # an unknown precision fails here, before any training
    num_nodes = data.num_nodes
    generator = torch.Generator().manual_seed(job.seed)
    sampler = NegativeSampler(data.edge_index, num_nodes, generator)
    metrics = link_metrics(job.metric)
    train_pos = split.train_pos
    selection = BestValidEvaluation(job.metric)
    training = {"model": model, "optimizer": optimizer, "selection": selection}
    checkpoint = TrainingCheckpoint(job.checkpoint, training, generator)
    done = checkpoint.resume()
    bar = tqdm(range(done + 1, p["epochs"] + 1), desc=f"{job.dataset.info.name}/{job.model} seed {job.seed}",
               disable=not job.progress, leave=False, initial=done, total=p["epochs"])
    epoch = done
    for epoch in bar:
        loss = _train_epoch(model, x, adj, train_pos, sampler, optimizer, p, generator)
        out_of_time = bool(p["time_limit_s"]) and selection.elapsed() > p["time_limit_s"]
        if epoch % p["eval_every"] == 0 or epoch == p["epochs"] or out_of_time:
            result = evaluate_link_model(model, x, adj, split, metrics, job.eval_batch_size)
            valid = selection.record(epoch, loss, result)
            bar.set_postfix(loss=f"{loss:.4f}", valid=f"{100 * valid:.2f}")
            if on_best is not None and selection.best[1] == epoch:
                on_best(model)
        if out_of_time or epoch == p["epochs"]:
            break  # a finished run needs no checkpoint: the runner deletes it
        checkpoint.epoch_done(epoch)
    return selection.outcome(model, epoch)


class BestValidEvaluation:
    """A link model's learning curve and its evaluation with the best primary valid metric.

    :meth:`record` appends ``{epoch, loss, valid, test, time_s, **extra}`` (primary metric,
    seconds since construction) to :attr:`history` and keeps the evaluation if its valid value
    beats every earlier one (ties keep the earlier epoch); :meth:`outcome` reports it.

    Args:
        metric: the primary metric name (``job.metric``).
    """

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.history: list[dict[str, float]] = []
        self.best: tuple[float, int, dict] | None = None  # (valid, epoch, result)
        self._start = time.perf_counter()
        self.prior_s = 0.0  # seconds of earlier processes, restored by load_state_dict

    def elapsed(self) -> float:
        """Training seconds, earlier processes included (the clock of ``time_limit_s``)."""
        return self.prior_s + time.perf_counter() - self._start

    def state_dict(self) -> dict:
        """History, best evaluation and elapsed time, for a checkpoint."""
        return {"history": self.history, "best": self.best, "elapsed": self.elapsed()}

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict`: the clock goes on from the saved elapsed time."""
        self.history, self.best = state["history"], state["best"]
        self.prior_s, self._start = state["elapsed"], time.perf_counter()

    def record(self, epoch: int, loss: float, result: dict, **extra: float) -> float:
        """Log one evaluation (``result = {'valid': {...}, 'test': {...}}``); return its valid value."""
        valid = result["valid"][self.metric]
        self.history.append({"epoch": epoch, "loss": loss, "valid": valid,
                             "test": result["test"][self.metric],
                             "time_s": round(self.elapsed(), 2), **extra})
        if self.best is None or valid > self.best[0]:
            self.best = (valid, epoch, result)
        return valid

    def outcome(self, model: nn.Module, epochs_run: int) -> JobOutcome:
        """Valid and test metrics of the best evaluation, with the history and parameter count."""
        if self.best is None:
            raise RuntimeError("no evaluation was recorded; evaluate at least once (eval_every).")
        _, epoch, result = self.best
        return JobOutcome(
            valid=result["valid"], test=result["test"], best_epoch=epoch, epochs_run=epochs_run,
            num_params=sum(t.numel() for t in model.parameters()), history=self.history,
            prior_time_s=self.prior_s,
        )


PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}


def _train_epoch(model, x, adj, train_pos, sampler, optimizer, p, generator) -> float:
    model.train()
    total, count = 0.0, 0
    order = torch.randperm(train_pos.size(1), generator=generator)
    for start in range(0, order.numel(), p["batch_size"]):
        pos = train_pos[:, order[start : start + p["batch_size"]]]
        optimizer.zero_grad()
        graph = model.batch_graph(adj, pos)
        with _autocast(p["precision"]):
            h = model.encode(x, graph)
        loss = _pair_loss_backward(model, h, graph, pos, sampler(pos.size(1)), p)
        if p["grad_clip"]:
            nn.utils.clip_grad_norm_(model.parameters(), p["grad_clip"])
        optimizer.step()
        total += loss * pos.size(1)
        count += pos.size(1)
    return total / count


def _autocast(precision: str) -> torch.autocast:
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {sorted(PRECISIONS)}; got {precision!r}.")
    dtype = PRECISIONS[precision]
    return torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None)


def _pair_loss_backward(model, h: torch.Tensor, graph, pos: torch.Tensor, neg: torch.Tensor,
                        p: dict) -> float:
    r"""Backpropagate the batch loss and return its value.

    .. math::

        L = \frac{1}{|P|} \sum_{(u, v) \in P} \mathrm{BCE}(s_{uv}, 1)
          + \frac{1}{|N|} \sum_{(u, v) \in N} \mathrm{BCE}(s_{uv}, 0)

    The pairs are scored ``p['predictor_chunk']`` at a time on a detached copy of the encoder
    output ``h``; each chunk's share of :math:`L` is backpropagated at once (its gradient with
    respect to ``h`` accumulates on the copy), and ``h`` is backpropagated once at the end. By
    linearity of the gradient this equals backpropagating :math:`L` in one piece.
    """
    cut = h.detach().requires_grad_(h.requires_grad)
    chunk = p["predictor_chunk"] or max(pos.size(1), neg.size(1))
    total = 0.0
    for pairs, target in ((pos, 1.0), (neg, 0.0)):
        for i in range(0, pairs.size(1), chunk):
            with _autocast(p["precision"]):
                logits = model(cut, pairs[:, i : i + chunk], graph)
            loss = F.binary_cross_entropy_with_logits(
                logits.float(), torch.full_like(logits, target, dtype=torch.float32),
                reduction="sum",
            ) / pairs.size(1)
            loss.backward()
            total += loss.item()
    if h.requires_grad:
        h.backward(cut.grad)
    return total


_HEURISTICS = {
    "cn": (heuristics.common_neighbors, "common neighbours"),
    "aa": (heuristics.adamic_adar, "Adamic-Adar index"),
    "ra": (heuristics.resource_allocation, "resource allocation index"),
    "katz": (heuristics.katz, "Katz index (truncated series)"),
    "ppr": (heuristics.personalized_pagerank, "personalised PageRank"),
}


def run_heuristic(job: Job, name: str) -> JobOutcome:
    """Score valid and test pairs with a heuristic on the training graph (no training)."""
    split, data = job.dataset.split, job.dataset.data
    assert isinstance(split, LinkSplit)
    score_fn = _HEURISTICS[name][0]
    parts = {
        part: (getattr(split, f"{part}_pos"), getattr(split, f"{part}_neg")) for part in ("valid", "test")
    }
    pairs, sizes = [], []
    for pos, neg in parts.values():
        neg_pairs = neg if split.negatives == "global" else torch.stack(
            [pos[0].repeat_interleave(neg.size(1)), neg.reshape(-1)]
        )
        pairs += [pos, neg_pairs]
        sizes += [pos.size(1), neg_pairs.size(1)]
    scores = score_fn(data.edge_index, torch.cat(pairs, dim=1), num_nodes=data.num_nodes)
    vp, vn, tp, tn = torch.split(scores, sizes)
    if split.negatives == "per_positive":
        vn, tn = vn.view_as(split.valid_neg), tn.view_as(split.test_neg)
    metrics = link_metrics(job.metric)
    return JobOutcome(valid=_pair_metrics(vp, vn, metrics), test=_pair_metrics(tp, tn, metrics))


def _register() -> None:
    for kind, label in (("gcn", "GCN"), ("sage", "GraphSAGE"), ("gin", "GIN"), ("gat", "GAT")):
        register_model(ModelSpec(
            kind, "link", lambda job, kind=kind: train_link_model(job, kind), dict(GNN_DEFAULTS),
            f"{label} encoder + Hadamard-MLP or dot predictor",
        ))
    register_model(ModelSpec(
        "mf", "link", lambda job: train_link_model(job, None), dict(MF_DEFAULTS),
        "learnable node embeddings + Hadamard MLP (matrix factorisation)",
    ))
    for name, (_, label) in _HEURISTICS.items():
        register_model(ModelSpec(name, "link", lambda job, name=name: run_heuristic(job, name), {}, label))


_register()

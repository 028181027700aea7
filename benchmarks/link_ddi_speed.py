"""Training speed on ogbl-ddi: graphkit's link training against OGB's GraphSAGE recipe in plain PyG.

OGB's ogbl-ddi example (``examples/linkproppred/ddi/gnn.py`` in snap-stanford/ogb, Hu et al.,
"Open Graph Benchmark", NeurIPS 2020) trains a learnable 4267 x 256 embedding (xavier init), a
2-layer mean-aggregator GraphSAGE (Hamilton et al., NeurIPS 2017; hidden 256, ReLU and dropout
0.5 between layers) and a 2-layer MLP on the Hadamard product of the endpoints (dropout 0.5) with
Adam (lr 0.005). Each batch of 65,536 training positives recomputes the GNN on the whole
training graph, draws as many negatives with ``torch_geometric.utils.negative_sampling(...,
method='dense')``, minimises ``-log(sigmoid(pos)) - log(1 - sigmoid(neg))`` and clips the
gradient norm to 1 separately for the embedding, the GNN and the predictor.

That recipe is reimplemented here with ``torch_geometric.nn.SAGEConv`` in two forms available
without ``torch-sparse``: (a) ``pyg-scatter``, message passing on ``edge_index``; (b)
``pyg-csr``, the same convolution on a ``torch.sparse_csr`` ``adj_t`` (PyG then aggregates with
a sparse-dense product). They are compared with graphkit's own training of the same model
(:class:`graphkit.bench.link.LinkModel` with ``'sage'``, trained by the ``_train_epoch`` loop of
:func:`graphkit.bench.link.train_link_model` with its defaults, pairs scored 16,384 at a time),
on its default adjacency layout (dense on ddi) in float32 and with ``precision='bf16'``
(bfloat16 autocast), and on the CSR layout.

Everything runs in one process, one variant after the other. By default the time per epoch is
*estimated*: one warm-up batch, then ``--batches`` timed batches whose mean is multiplied by
the number of batches in an epoch (17; the last, partial one counted as full). ``--batches 0``
times one full epoch instead. Each variant also gets a per-batch breakdown (encoder forward +
backward, predictor forward + backward with the loss, negative sampling, rest) and its peak
resident memory. Before timing, the script checks that graphkit's ``SAGELayer`` with weights
copied from PyG's ``SAGEConv`` gives the same output on ddi, and that (a) and (b) agree.

Usage (from the repository root)::

    python benchmarks/link_ddi_speed.py --root ../shared/datasets --out /tmp/link_ddi_speed_table.md

The data root defaults to ``$GRAPHKIT_DATA``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import gc
import math
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch_geometric
from torch import nn
from torch.nn import functional as F
from torch_geometric.nn import SAGEConv
from torch_geometric.utils import negative_sampling

from graphkit.bench.job import PeakMemory
from graphkit.bench.link import (
    GNN_DEFAULTS,
    LinkModel,
    NegativeSampler,
    _autocast,
    _pair_loss_backward,
    _train_epoch,
)
from graphkit.data import load
from graphkit.layers.encoders import SAGELayer
from graphkit.layers.propagation import Adjacency

HIDDEN, LAYERS, DROPOUT, LR, BATCH, CLIP = 256, 2, 0.5, 0.005, 64 * 1024, 1.0


class PeerSAGE(nn.Module):
    """OGB's ``SAGE`` model: SAGEConv layers with ReLU and dropout between them."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList(SAGEConv(HIDDEN, HIDDEN) for _ in range(LAYERS))

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        for conv in self.convs[:-1]:
            x = F.dropout(F.relu(conv(x, adj)), p=DROPOUT, training=self.training)
        return self.convs[-1](x, adj)


class PeerPredictor(nn.Module):
    """OGB's ``LinkPredictor``: MLP on ``x_i * x_j`` returning a probability."""

    def __init__(self) -> None:
        super().__init__()
        self.lins = nn.ModuleList([nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, 1)])

    def forward(self, x_i: torch.Tensor, x_j: torch.Tensor) -> torch.Tensor:
        x = x_i * x_j
        for lin in self.lins[:-1]:
            x = F.dropout(F.relu(lin(x)), p=DROPOUT, training=self.training)
        return torch.sigmoid(self.lins[-1](x))


@dataclass
class Variant:
    """One training setup: how to run a batch and its parts on a set of positives."""

    name: str
    train: Callable[[torch.Tensor], float]  # trains on these positives (in batches), returns loss
    encode: Callable[[], torch.Tensor]
    predictor_backward: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], None]
    sample: Callable[[int], torch.Tensor]
    results: dict[str, float] = field(default_factory=dict)


def peer_variant(name: str, adj: torch.Tensor, edge_index: torch.Tensor, n: int) -> Variant:
    """OGB's ``train()`` with SAGEConv on ``adj`` (an ``edge_index`` or a sparse ``adj_t``)."""
    torch.manual_seed(0)
    emb, model, predictor = nn.Embedding(n, HIDDEN), PeerSAGE(), PeerPredictor()
    nn.init.xavier_uniform_(emb.weight)
    optimizer = torch.optim.Adam(
        list(model.parameters()) + list(emb.parameters()) + list(predictor.parameters()), lr=LR
    )

    def sample(count: int) -> torch.Tensor:
        return negative_sampling(edge_index, num_nodes=n, num_neg_samples=count, method="dense")

    def loss_fn(h: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        pos_out = predictor(h[pos[0]], h[pos[1]])
        neg_out = predictor(h[neg[0]], h[neg[1]])
        return -torch.log(pos_out + 1e-15).mean() - torch.log(1 - neg_out + 1e-15).mean()

    def train(positives: torch.Tensor) -> float:
        model.train()
        predictor.train()
        total = count = 0.0
        for perm in torch.randperm(positives.size(1)).split(BATCH):
            optimizer.zero_grad()
            h = model(emb.weight, adj)
            pos = positives[:, perm]
            loss = loss_fn(h, pos, sample(perm.numel()))
            loss.backward()
            nn.utils.clip_grad_norm_(emb.weight, CLIP)
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            nn.utils.clip_grad_norm_(predictor.parameters(), CLIP)
            optimizer.step()
            total += loss.item() * perm.numel()
            count += perm.numel()
        return total / count

    return Variant(name, train, lambda: model(emb.weight, adj),
                   lambda h, pos, neg: loss_fn(h, pos, neg).backward(), sample)


def graphkit_variant(name: str, edge_index: torch.Tensor, n: int, layout: str,
                     precision: str = "fp32") -> Variant:
    """graphkit's ``LinkModel('sage')`` trained by ``graphkit.bench.link._train_epoch`` with
    the runner's defaults (``predictor_chunk`` 16,384) and the given ``precision``."""
    torch.manual_seed(0)
    adj = Adjacency(edge_index, num_nodes=n, layout=layout)
    model = LinkModel(n, None, HIDDEN, "sage", LAYERS, DROPOUT, "mlp", 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(0)
    sampler = NegativeSampler(edge_index, n, generator)
    params = {**GNN_DEFAULTS, "batch_size": BATCH, "grad_clip": CLIP, "precision": precision}

    def train(positives: torch.Tensor) -> float:
        return _train_epoch(model, None, adj, positives, sampler, optimizer, params, generator)

    def encode() -> torch.Tensor:
        model.train()
        with _autocast(precision):
            return model.encode(None, adj)

    def predictor_backward(h: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> None:
        _pair_loss_backward(model, h, adj, pos, neg, params)

    label = f"{name} (layout {adj.layout!r}{', bf16' if precision == 'bf16' else ''})"
    return Variant(label, train, encode, predictor_backward, sampler)


def check_equivalence(edge_index: torch.Tensor, adj_t: torch.Tensor, n: int) -> list[str]:
    """Max abs differences between PyG SAGEConv (both inputs) and graphkit's SAGELayer."""
    torch.manual_seed(1)
    x = nn.init.xavier_uniform_(torch.empty(n, HIDDEN))
    conv, layer = SAGEConv(HIDDEN, HIDDEN), SAGELayer(HIDDEN, HIDDEN)
    with torch.no_grad():
        layer.lin_neighbors.weight.copy_(conv.lin_l.weight)
        layer.lin_neighbors.bias.copy_(conv.lin_l.bias)
        layer.lin_root.weight.copy_(conv.lin_r.weight)
        scatter = conv(x, edge_index)
        lines = [
            f"| PyG SAGEConv: edge_index vs torch CSR adj_t | {(conv(x, adj_t) - scatter).abs().max():.2e} |"
        ]
        for layout in ("dense", "sparse"):
            out = layer(x, Adjacency(edge_index, num_nodes=n, layout=layout))
            lines.append(
                f"| graphkit SAGELayer ({layout}) vs PyG SAGEConv (edge_index) | "
                f"{(out - scatter).abs().max():.2e} |"
            )
    scale = scatter.abs().max().item()
    lines.append(f"| (largest output magnitude, for scale) | {scale:.2e} |")
    return lines


def _release_memory() -> None:
    gc.collect()
    # hand freed heap pages back to the OS so that the next variant's RSS starts low
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measure(variant: Variant, train_pos: torch.Tensor, batches: int, reps: int) -> None:
    """Fill ``variant.results`` with epoch time, breakdown and peak RSS."""
    epoch_batches = math.ceil(train_pos.size(1) / BATCH)
    order = torch.randperm(train_pos.size(1), generator=torch.Generator().manual_seed(0))
    shuffled = train_pos[:, order]
    _release_memory()
    with PeakMemory() as memory:
        start_rss = memory.peak_bytes or 0
        variant.train(shuffled[:, :BATCH])  # warm-up
        start = time.perf_counter()
        if batches:
            variant.train(shuffled[:, BATCH : (1 + batches) * BATCH])
            batch_s = (time.perf_counter() - start) / batches
            epoch_s = batch_s * epoch_batches
        else:
            variant.train(train_pos)
            epoch_s = time.perf_counter() - start
            batch_s = epoch_s / epoch_batches
        parts = {"encoder": 0.0, "predictor": 0.0, "negatives": 0.0}
        for i in range(reps):
            pos = shuffled[:, i * BATCH : (i + 1) * BATCH]
            t0 = time.perf_counter()
            h = variant.encode()
            h.backward(torch.ones_like(h) / h.numel())
            t1 = time.perf_counter()
            neg = variant.sample(BATCH)
            t2 = time.perf_counter()
            h_leaf = h.detach().requires_grad_()
            variant.predictor_backward(h_leaf, pos, neg)
            t3 = time.perf_counter()
            parts["encoder"] += (t1 - t0) / reps
            parts["negatives"] += (t2 - t1) / reps
            parts["predictor"] += (t3 - t2) / reps
    variant.results = {
        "epoch_s": epoch_s, "batch_s": batch_s, **parts,
        "rest": batch_s - sum(parts.values()),
        "start_mib": start_rss / 2**20, "peak_mib": (memory.peak_bytes or 0) / 2**20,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="data root (default $GRAPHKIT_DATA)")
    parser.add_argument("--batches", type=int, default=4,
                        help="timed batches per variant after 1 warm-up (0: time one full epoch)")
    parser.add_argument("--reps", type=int, default=2, help="repetitions of the per-batch breakdown")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--out", default=None, help="also write the markdown report here")
    args = parser.parse_args(argv)
    if args.batches < 0 or args.reps < 1:
        parser.error("--batches must be >= 0 and --reps >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    load_before = os.getloadavg()

    dataset = load("ogbl-ddi", args.root)
    edge_index, n = dataset.data.edge_index, dataset.data.num_nodes
    train_pos = dataset.split.train_pos  # each undirected training edge once
    # adj_t[target, source] = 1: PyG's transposed adjacency, here as a torch CSR tensor
    values = torch.ones(edge_index.size(1))
    adj_t = torch.sparse_coo_tensor(edge_index.flip(0), values, (n, n)).coalesce().to_sparse_csr()
    equivalence = check_equivalence(edge_index, adj_t, n)

    variants = [
        lambda: graphkit_variant("graphkit", edge_index, n, "auto"),
        lambda: graphkit_variant("graphkit", edge_index, n, "auto", precision="bf16"),
        lambda: graphkit_variant("graphkit", edge_index, n, "sparse"),
        lambda: peer_variant("PyG SAGEConv, torch CSR adj_t (b)", adj_t, edge_index, n),
        lambda: peer_variant("PyG SAGEConv, edge_index scatter (a)", edge_index, edge_index, n),
    ]
    done = []
    for make in variants:  # the most memory-hungry last, so its heap does not inflate the others
        variant = make()
        measure(variant, train_pos, args.batches, args.reps)
        print(f"{variant.name}: {variant.results}", flush=True)
        done.append((variant.name, variant.results))
        del variant  # frees its model and adjacency before the next variant
    load_after = os.getloadavg()

    report = render(args, done, equivalence, train_pos.size(1), load_before, load_after)
    print(report)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(report)


def bounds(done: list[tuple[str, dict[str, float]]]) -> list[str]:
    """Where the time goes: the share of the batch outside the encoder bounds any speed-up."""
    r = done[0][1]
    outside = r["batch_s"] - r["encoder"]
    lines = [
        f"Where the time goes (graphkit, default layout): encoder {r['encoder']:.2f} s of a "
        f"{r['batch_s']:.2f} s batch ({100 * r['encoder'] / r['batch_s']:.0f} %); predictor "
        f"{r['predictor']:.2f} s ({100 * r['predictor'] / r['batch_s']:.0f} %). Even with a free "
        f"encoder a batch would still take about {outside:.2f} s, so the largest speed-up a faster "
        "encoder could give over each peer is:",
    ]
    for name, other in done[1:]:
        lines.append(f"* {name}: {other['batch_s'] / outside:.2f}x "
                     f"(measured: {other['batch_s'] / r['batch_s']:.2f}x)")
    return lines


def render(args, done: list[tuple[str, dict[str, float]]], equivalence: list[str], num_pos: int,
           load_before: tuple[float, ...], load_after: tuple[float, ...]) -> str:
    """The markdown report."""
    epoch_batches = math.ceil(num_pos / BATCH)
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    how = (f"estimated: mean of {args.batches} timed batches (after 1 warm-up batch) x "
           f"{epoch_batches} batches per epoch" if args.batches else
           "measured: one full epoch (after 1 warm-up batch)")
    graphkit = done[0][1]["epoch_s"]
    lines = [
        "# ogbl-ddi link training speed: graphkit vs OGB's GraphSAGE recipe in PyG", "",
        f"Command: `{command}`", "",
        f"Date: {datetime.datetime.now().isoformat(timespec='minutes')}. Machine: {platform.platform()}, "
        f"{os.cpu_count()} CPUs (nproc), torch {torch.__version__} with {torch.get_num_threads()} threads, "
        f"torch_geometric {torch_geometric.__version__}, Python {platform.python_version()}.",
        f"Load average (1/5/15 min) before: {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"after: {'/'.join(f'{v:.2f}' for v in load_after)}.", "",
        f"Epoch time is {how}; {num_pos:,} training positives, batch {BATCH:,}. All variants in one "
        "process, sequentially, in the order of the table.", "",
        "| variant | epoch (s) | batch (s) | graphkit speed-up | encoder fwd+bwd (s) | predictor fwd+bwd (s) "
        "| negatives (s) | rest (s) | RSS at start (MiB) | peak RSS (MiB) | peak - start (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in done:
        lines.append(
            f"| {name} | {r['epoch_s']:.1f} | {r['batch_s']:.2f} | {r['epoch_s'] / graphkit:.2f}x | "
            f"{r['encoder']:.2f} | {r['predictor']:.2f} | {r['negatives']:.3f} | {r['rest']:.2f} | "
            f"{r['start_mib']:.0f} | {r['peak_mib']:.0f} | {r['peak_mib'] - r['start_mib']:.0f} |"
        )
    lines += [
        "", "Speed-up = this variant's epoch time / graphkit's (default layout) epoch time.",
        f"Breakdown columns are means over {args.reps} separately timed repetitions per batch: encoder = full-graph "
        "GNN forward + backward (into the embedding); predictor = MLP forward + backward with the loss on "
        "65,536 positive and 65,536 negative pairs; negatives = negative sampling; rest = batch time minus "
        "the three (gradient clipping, Adam step, timing noise; it can be negative on a loaded machine).",
        "", *bounds(done), "", "Equivalence on ddi (xavier-initialised 4267 x 256 input, one layer, identical weights):", "",
        "| comparison | max abs diff |", "|---|---|", *equivalence, "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

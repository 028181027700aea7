"""WalkPooling speed: the edge-list forward against the padded dense one, on real subgraphs.

``WalkPooling.forward`` takes a block-diagonal batch and works on its edges (cost ``O(τ E)``);
``WalkPooling.dense_forward`` takes the same subgraphs padded to the largest in the batch
(``O(τ B n_max²)``). No other WalkPool implementation is on PyPI (the authors' code is a
script repository), so the padded path, which graphkit used before, is the baseline.

For each graph, the training pairs of fixed split 0 (the ``walkpool`` model's observed graph,
2-hop enclosing subgraphs with the model's default cap: 100 nodes per hop on PB, none on the
other graphs) are shuffled into batches of 32 as in training; each path
runs forward + backward of a ``WalkPooling(96)`` layer (the model's input width: 32 ones + two
GCN layers of 32) on ``--batches`` of them in a fresh process, one thread. Reported: median
seconds per batch after one warm-up batch, and the process's peak RSS over the RSS before the
first batch. Building the padded tensors is not timed.

    nice python benchmarks/walkpool_speed.py --root ../shared/datasets --datasets ns,usair,yeast

``--model`` times a whole training step of the ``walkpool`` bench model instead (assembling the
batch, forward, MSE loss, backward, Adam), the unit that a WalkPool run repeats, in wall and in
CPU seconds (the process's own; on a machine whose cores are busy with other work the CPU
time is the steadier of the two); to compare two versions of graphkit, run it with each on
``PYTHONPATH`` (a ``git worktree`` of the older one). ``--dot-widths`` times the two ways
``EdgeOperator.dot`` can run (sampled dense-dense product, gather + reduce) on the edges of one
batch at state widths 4-32: the measurement behind the width from which it uses the first.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch_geometric.utils import to_dense_adj, to_dense_batch

import graphkit
from graphkit.bench import Job
from graphkit.bench.link_walkpool import (
    _AUTO_CAP,
    WALKPOOL_DEFAULTS,
    SubgraphSet,
    WalkPoolLinkModel,
    _pair_sets,
    _train_batches,
    observed_graph,
)
from graphkit.data import load
from graphkit.layers import EdgeOperator, WalkPooling, k_hop_pair_nodes
from graphkit.layers.edge_operator import _gather_dot, _sampled_dot

WIDTH = 96


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _batches(name: str, root: str | None, count: int) -> tuple[SubgraphSet, list[np.ndarray]]:
    dataset = load(name, root, task="link", seed=0)
    job = Job(dataset, "walkpool", dict(WALKPOOL_DEFAULTS), seed=0, metric="auc")
    generator = torch.Generator().manual_seed(0)
    parts = _pair_sets(job, generator)
    graph = observed_graph(dataset.data.edge_index, dataset.data.num_nodes, parts["valid_pos"],
                           torch.cat([parts["test_pos"], parts["test_neg"]], dim=1))
    pairs = torch.cat([parts["train_pos"], parts["train_neg"]], dim=1).numpy()
    nodes, ptr = k_hop_pair_nodes(graph, pairs, 2, _AUTO_CAP.get(name), 0)
    subgraphs = SubgraphSet(graph, nodes, ptr, None, 32, False)
    return subgraphs, _train_batches(pairs.shape[1], 32, generator)[:count]


def model_step(name: str, root: str | None, count: int) -> dict:
    """Time ``count`` training steps of the ``walkpool`` model (after one warm-up step)."""
    torch.set_num_threads(1)
    subgraphs, batches = _batches(name, root, count + 1)
    torch.manual_seed(0)
    model = WalkPoolLinkModel(subgraphs.in_channels, 32, 2, 7, 0.5)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5, fused=True)
    before = _rss_mib()
    times, cpu_times = [], []
    for selected in batches:
        tic, cpu = time.perf_counter(), time.process_time()
        loss = F.mse_loss(model(*subgraphs.batch(selected)), torch.ones(len(selected)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - tic)
        cpu_times.append(time.process_time() - cpu)
    return {"seconds": float(np.median(times[1:])), "cpu_seconds": float(np.median(cpu_times[1:])),
            "peak_mib": _rss_mib() - before, "loss": loss.item(),
            "graphkit": str(Path(graphkit.__file__).parent)}


def dot_widths(name: str, root: str | None, count: int) -> list[str]:
    """Median seconds of the two ways ``EdgeOperator.dot`` can run (SDDMM, gather + reduce) on
    the edges of one training batch, 2 heads, at several state widths, alternating the two so
    both see the same machine state."""
    torch.set_num_threads(1)
    subgraphs, batches = _batches(name, root, 1)
    _, edge_index, batch, _, _ = subgraphs.batch(batches[0])
    operator = EdgeOperator(edge_index[0], edge_index[1], batch.numel())
    rows = []
    for width in (4, 6, 8, 16, 32):
        left, right = torch.randn(2, batch.numel(), 2, width).unbind(0)
        times: dict[object, list[float]] = {_sampled_dot: [], _gather_dot: []}
        for _ in range(count + 1):
            for way, spent in times.items():
                tic = time.perf_counter()
                way(left, right, operator)
                spent.append(time.perf_counter() - tic)
        sampled, gather = (float(np.median(times[way][1:])) for way in (_sampled_dot, _gather_dot))
        rows.append(f"| {name} | {edge_index.size(1)} | {width} | {1e3 * sampled:.2f} | "
                    f"{1e3 * gather:.2f} | {gather / sampled:.2f} |")
    return rows


def child(name: str, root: str | None, path: str, count: int) -> dict:
    """Time one path on ``count`` batches (run in its own process for a clean peak RSS)."""
    if path == "model":
        return model_step(name, root, count)
    torch.set_num_threads(1)
    subgraphs, batches = _batches(name, root, count + 1)
    torch.manual_seed(0)
    layer = WalkPooling(WIDTH)
    inputs, edges = [], []
    for selected in batches:
        _, edge_index, batch, pair_index, _ = subgraphs.batch(selected)
        edges.append(edge_index.size(1) / len(selected))
        x = torch.randn(batch.numel(), WIDTH, requires_grad=True)
        if path == "edge":
            inputs.append((layer, (x, edge_index, batch, pair_index)))
        else:
            dense_x, mask = to_dense_batch(x, batch)
            adjacency = to_dense_adj(edge_index, batch, max_num_nodes=dense_x.size(1)) > 0
            first = torch.cumsum(torch.bincount(batch), 0) - torch.bincount(batch)
            local = (pair_index - first).t()
            inputs.append((layer.dense_forward, (dense_x, adjacency, mask, local)))
    before = _rss_mib()
    times = []
    for call, args in inputs:
        tic = time.perf_counter()
        call(*args).sum().backward()
        times.append(time.perf_counter() - tic)
    sizes = [subgraphs.sizes[b] for b in batches[1:]]
    return {"seconds": float(np.median(times[1:])), "peak_mib": _rss_mib() - before,
            "mean_nodes": float(np.mean(np.concatenate(sizes))),
            "mean_padded": float(np.mean([s.max() for s in sizes])),
            "mean_edges": float(np.mean(edges[1:]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--datasets", default="ns,usair,yeast")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--model", action="store_true",
                        help="time training steps of the walkpool model, not the layer paths")
    parser.add_argument("--dot-widths", action="store_true",
                        help="time the SDDMM and gather ways of EdgeOperator.dot on one batch")
    parser.add_argument("--child", nargs=2, metavar=("DATASET", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.root, args.child[1], args.batches)))
        return

    def run_child(name: str, path: str) -> dict:
        command = [sys.executable, __file__, "--child", name, path, "--batches", str(args.batches)]
        if args.root:
            command += ["--root", args.root]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    if args.dot_widths:
        print("| graph | directed edges | width | SDDMM (ms) | gather (ms) | gather / SDDMM |")
        print("|---|---|---|---|---|---|")
        for name in args.datasets.split(","):
            print("\n".join(dot_widths(name, args.root, args.batches)), flush=True)
        return
    if args.model:
        rows = ["| graph | s/step | CPU s/step | peak (MiB) | last loss | graphkit |",
                "|---|---|---|---|---|---|"]
        for name in args.datasets.split(","):
            step = run_child(name, "model")
            rows.append(f"| {name} | {step['seconds']:.3f} | {step['cpu_seconds']:.3f} | "
                        f"{step['peak_mib']:.0f} | {step['loss']:.6f} | {step['graphkit']} |")
            print(rows[-1], flush=True)
        print("\n".join(rows))
        return
    rows = ["| graph | mean nodes | mean padded n | mean directed edges | dense s/batch | "
            "edge s/batch | dense / edge | dense peak (MiB) | edge peak (MiB) |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name in args.datasets.split(","):
        result = {}
        for path in ("dense", "edge"):
            result[path] = run_child(name, path)
        dense, edge = result["dense"], result["edge"]
        rows.append(f"| {name} | {edge['mean_nodes']:.1f} | {edge['mean_padded']:.1f} | "
                    f"{edge['mean_edges']:.0f} | {dense['seconds']:.3f} | {edge['seconds']:.3f} | "
                    f"{dense['seconds'] / edge['seconds']:.2f} | {dense['peak_mib']:.0f} | "
                    f"{edge['peak_mib']:.0f} |")
        print(rows[-1], flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()

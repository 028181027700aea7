"""WalkPool on ogbl-ddi (official split, Hits@20): subgraph caps, timings and a capped run.

ogbl-ddi is dense (4,267 nodes, about 1.07 M training edges, mean degree about 500), so the
2-hop enclosing subgraphs are capped with ``max_nodes_per_hop`` (no published WalkPool number
exists for ogbl-ddi; the caps are ours). The script

1. extracts the subgraph node sets of ``--extract-sample`` random valid/test pairs (timed in
   wall-clock and CPU seconds, extrapolated to all 464,459; with the size distribution),
2. times ``--probe-batches`` training batches and as many evaluation batches, and extrapolates
   to one epoch over all 1,067,911 training positives (+ as many negatives) and to one pass
   over the 463,455 valid + test pairs,
3. with ``--run``, trains ``graphkit bench``'s ``walkpool`` model on the fixed training subset
   for ``--epochs`` epochs and evaluates the full official valid and test sets (Hits@20).

Example (what produced ``benchmarks/results/walkpool_ddi.md``)::

    nice python benchmarks/walkpool_ddi.py --root ../shared/datasets --max-nodes-per-hop 20 \\
        --train-pairs 20000 --epochs 1 --run
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from graphkit.bench import BenchConfig, run
from graphkit.bench.link_walkpool import WALKPOOL_DEFAULTS, SubgraphSet, WalkPoolLinkModel
from graphkit.data import load
from graphkit.graph import as_graph
from graphkit.layers import k_hop_pair_nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--num-hops", type=int, default=2)
    parser.add_argument("--max-nodes-per-hop", type=int, default=20)
    parser.add_argument("--train-pairs", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--probe-batches", type=int, default=20)
    parser.add_argument("--extract-sample", type=int, default=50000,
                        help="valid+test pairs extracted for the timing (0: all)")
    parser.add_argument("--run", action="store_true", help="also train and evaluate (step 3)")
    parser.add_argument("--out-dir", default="runs/walkpool_ddi")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    ds = load("ogbl-ddi", args.root, task="link")
    split = ds.split
    graph = as_graph(ds.data.edge_index, num_nodes=ds.data.num_nodes)
    eval_pairs = torch.cat([split.valid_pos, split.valid_neg, split.test_pos, split.test_neg], 1)
    rng = np.random.default_rng(0)
    print(f"ogbl-ddi: {graph.num_nodes} nodes, {graph.num_edges // 2} training edges, "
          f"{split.train_pos.size(1)} train positives, {eval_pairs.size(1)} valid+test pairs")

    sample = eval_pairs
    if 0 < args.extract_sample < eval_pairs.size(1):
        sample = eval_pairs[:, rng.choice(eval_pairs.size(1), args.extract_sample, replace=False)]
    k_hop_pair_nodes(graph, sample[:, :10], args.num_hops, args.max_nodes_per_hop, 0)  # compile
    wall, cpu = time.perf_counter(), time.process_time()
    nodes, ptr = k_hop_pair_nodes(graph, sample, args.num_hops, args.max_nodes_per_hop, 0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sizes = np.diff(ptr)
    scale = eval_pairs.size(1) / sample.size(1)
    print(f"extraction of {sample.size(1)} valid+test subgraphs (hops={args.num_hops}, "
          f"cap={args.max_nodes_per_hop}): {wall:.1f} s wall, {cpu:.1f} s CPU -> all "
          f"{eval_pairs.size(1)}: ~{scale * wall:.0f} s wall, ~{scale * cpu:.0f} s CPU; nodes per "
          f"subgraph mean {sizes.mean():.1f}, max {sizes.max()}")

    subgraphs = SubgraphSet(graph, nodes, ptr, None, WALKPOOL_DEFAULTS["hidden"], False)
    model = WalkPoolLinkModel(subgraphs.in_channels)
    optimizer = torch.optim.Adam(model.parameters(), lr=WALKPOOL_DEFAULTS["lr"], fused=True)
    batch = WALKPOOL_DEFAULTS["batch_size"]
    probe = rng.choice(len(sizes), args.probe_batches * batch, replace=False)
    model.train()
    tic, cpu = time.perf_counter(), time.process_time()
    for k in range(args.probe_batches):
        out = model(*subgraphs.batch(probe[k * batch : (k + 1) * batch]))
        loss = torch.nn.functional.mse_loss(out, torch.ones_like(out))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    train_per_batch = (time.perf_counter() - tic) / args.probe_batches
    train_cpu = (time.process_time() - cpu) / args.probe_batches
    model.eval()
    tic, cpu = time.perf_counter(), time.process_time()
    with torch.no_grad():
        for k in range(args.probe_batches // 2):
            model(*subgraphs.batch(probe[k * 2 * batch : (k + 1) * 2 * batch]))
    probed = args.probe_batches // 2 * 2 * batch
    eval_per_pair = (time.perf_counter() - tic) / probed
    eval_cpu = (time.process_time() - cpu) / probed
    train_total = 2 * split.train_pos.size(1)
    for label, per_batch, per_pair in (("wall", train_per_batch, eval_per_pair),
                                       ("CPU", train_cpu, eval_cpu)):
        print(f"{label}: training {1000 * per_batch:.0f} ms per batch of {batch} -> one epoch over "
              f"all {train_total} training pairs ~ {train_total / batch * per_batch / 3600:.1f} h, "
              f"over {2 * args.train_pairs} pairs ~ {2 * args.train_pairs / batch * per_batch / 60:.1f} "
              f"min; evaluation {1e3 * per_pair:.2f} ms per pair -> valid+test pass ~ "
              f"{eval_pairs.size(1) * per_pair / 60:.1f} min")

    if args.run:
        params = {"max_nodes_per_hop": args.max_nodes_per_hop, "num_hops": args.num_hops,
                  "train_pairs": args.train_pairs, "epochs": args.epochs,
                  "eval_every": args.epochs}
        tic = time.perf_counter()
        records = run(BenchConfig(task="link", datasets=["ogbl-ddi"], models=["walkpool"],
                                  seeds=[0], params=params, root=args.root, out=args.out_dir,
                                  progress=False))
        record = records[0]
        print(f"run ({time.perf_counter() - tic:.0f} s wall, job {record['wall_time_s']:.0f} s): "
              f"params {params}; valid {record['metrics']['valid']}; test {record['metrics']['test']}; "
              f"history {record['history']}")


if __name__ == "__main__":
    main()

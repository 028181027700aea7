"""Enclosing-subgraph extraction (``k_hop_pair_nodes``) on one numba thread against all of them.

From 4,096 pairs the extraction splits the pairs into one contiguous chunk per numba thread and
runs the compiled loop on each without the GIL. This script times it on ogbl-ddi training
positives with the WalkPool ddi setting (2 hops, at most ``--cap`` new nodes per hop), each
thread count in a fresh process (``NUMBA_NUM_THREADS``), after a warm-up call, and checks that
every run returns the same node sets (SHA-256 of ``nodes`` and ``ptr``).

    python benchmarks/extraction_speed.py --root ../shared/datasets --pairs 500000 --threads 1,2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time


def child(root: str | None, pairs: int, cap: int) -> dict:
    from graphkit.data import load
    from graphkit.graph import as_graph
    from graphkit.layers import k_hop_pair_nodes

    dataset = load("ogbl-ddi", root, task="link", seed=0)
    graph = as_graph(dataset.data.edge_index, num_nodes=dataset.data.num_nodes)
    selected = dataset.split.train_pos[:, :pairs].numpy()
    k_hop_pair_nodes(graph, selected[:, :10], 2, cap, 0)  # compile / load the cached kernel
    start = time.perf_counter()
    nodes, ptr = k_hop_pair_nodes(graph, selected, 2, cap, 0)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(nodes.tobytes() + ptr.tobytes()).hexdigest()[:16]
    return {"seconds": seconds, "nodes": int(nodes.size), "sha256": digest,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--pairs", type=int, default=500_000)
    parser.add_argument("--cap", type=int, default=20, help="max_nodes_per_hop (default 20)")
    parser.add_argument("--threads", default="1,2", help="numba thread counts (default 1,2)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.root, args.pairs, args.cap)))
        return
    print(f"ogbl-ddi, {args.pairs:,} training positives, 2 hops, at most {args.cap} new nodes per hop\n")
    print("| numba threads | s | speed-up | nodes | sha256 | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|")
    base = None
    for threads in (int(t) for t in args.threads.split(",")):
        command = [sys.executable, __file__, "--pairs", str(args.pairs), "--cap", str(args.cap), "--child"]
        if args.root:
            command += ["--root", args.root]
        env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
        run = json.loads(subprocess.run(command, env=env, capture_output=True, text=True,
                                        check=True).stdout.strip().splitlines()[-1])
        base = base or run["seconds"]
        print(f"| {threads} | {run['seconds']:.2f} | {base / run['seconds']:.2f} | {run['nodes']:,} | "
              f"{run['sha256']} | {run['peak_mib']:.0f} |")


if __name__ == "__main__":
    main()

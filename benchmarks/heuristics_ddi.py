"""Link prediction heuristics on ogbl-ddi: Hits@20 against the published OGB numbers.

Scores the valid/test positives and negatives of ogbl-ddi with common neighbours, Adamic-Adar,
resource allocation (and Katz / personalized PageRank on request) computed on the *training*
graph only, and reports valid/test Hits@20 (x100), wall time and peak traced memory per
heuristic, plus a networkx timing on a subsample of pairs as a peer comparison.

Usage (from the repository root)::

    python benchmarks/heuristics_ddi.py --root ../shared/datasets --out /tmp/ddi.md

The data root defaults to ``$GRAPHKIT_DATA``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import tracemalloc
from functools import partial

import numpy as np
import torch

from graphkit.bench.metrics import hits_at_k
from graphkit.data import load
from graphkit.graph import as_graph
from graphkit.layers import (
    adamic_adar,
    common_neighbors,
    katz,
    personalized_pagerank,
    resource_allocation,
)

HEURISTICS = {
    "cn": ("Common neighbours", common_neighbors),
    "aa": ("Adamic-Adar", adamic_adar),
    "ra": ("Resource allocation", resource_allocation),
    "katz": ("Katz (beta=0.005, L=3)", partial(katz, beta=0.005, max_iter=3)),
    "ppr": ("Personalized PageRank (alpha=0.15, 30 it.)", partial(personalized_pagerank, max_iter=30)),
}
# OGB leaderboard, ogbl-ddi test Hits@20 (x100), as given in the task
PUBLISHED_TEST = {"cn": 17.73, "aa": 18.61, "ra": 27.60}
PARTS = ("valid_pos", "valid_neg", "test_pos", "test_neg")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="data root (default $GRAPHKIT_DATA)")
    parser.add_argument("--heuristics", default="cn,aa,ra,katz", help=f"from {','.join(HEURISTICS)}")
    parser.add_argument("--nx-pairs", type=int, default=2000, help="pairs timed with networkx (0: skip)")
    parser.add_argument("--out", default=None, help="also write the markdown report here")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.heuristics.split(",")]
    unknown = sorted(set(names) - set(HEURISTICS))
    if unknown:
        parser.error(f"unknown heuristics {unknown}; choose from {sorted(HEURISTICS)}")

    t0 = time.perf_counter()
    dataset = load("ogbl-ddi", args.root)
    graph = as_graph(dataset.data, directed=False)  # the training graph only
    split = dataset.split
    pairs = torch.cat([getattr(split, part) for part in PARTS], dim=1)
    sizes = [getattr(split, part).shape[1] for part in PARTS]
    load_s = time.perf_counter() - t0

    rows = []
    for name in names:
        label, func = HEURISTICS[name]
        tracemalloc.start()
        start = time.perf_counter()
        scores = dict(zip(PARTS, func(graph, pairs).split(sizes), strict=True))
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        valid = 100 * hits_at_k(scores["valid_pos"], scores["valid_neg"], 20)
        test = 100 * hits_at_k(scores["test_pos"], scores["test_neg"], 20)
        published = PUBLISHED_TEST.get(name)
        check = "" if published is None else f"{published:.2f} ({test - published:+.2f})"
        rows.append((label, f"{valid:.2f}", f"{test:.2f}", check, f"{seconds:.1f}", f"{peak:.0f}"))
        print(f"{label}: valid {valid:.2f} test {test:.2f} {seconds:.1f}s peak {peak:.0f} MiB",
              file=sys.stderr)

    lines = [
        f"Command: `python {' '.join(sys.argv)}`",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {np.__version__}",
        "",
        f"ogbl-ddi: {graph.num_nodes} nodes, {graph.num_undirected_edges} training edges; "
        f"scored pairs: {dict(zip(PARTS, sizes, strict=True))}; load {load_s:.1f} s.",
        "",
        "| heuristic | valid Hits@20 | test Hits@20 | published test (diff) | time (s) | peak traced MiB |",
        "|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        f"Process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB "
        "(includes loading the dataset).",
    ]
    if args.nx_pairs > 0:
        lines += ["", *_networkx_comparison(graph, split.test_pos, args.nx_pairs)]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(report)


def _networkx_comparison(graph, test_pos: torch.Tensor, num_pairs: int) -> list[str]:
    """Time networkx on the first ``num_pairs`` test positives and check it gives our values."""
    import networkx as nx

    sample = test_pos[:, :num_pairs]
    ebunch = [tuple(pair) for pair in sample.t().tolist()]
    nx_graph = nx.Graph()
    nx_graph.add_nodes_from(range(graph.num_nodes))
    nx_graph.add_edges_from(zip(graph.row_ids().tolist(), graph.indices.tolist(), strict=True))
    peers = {
        "cn": lambda: [len(list(nx.common_neighbors(nx_graph, u, v))) for u, v in ebunch],
        "aa": lambda: [p for _, _, p in nx.adamic_adar_index(nx_graph, ebunch)],
        "ra": lambda: [p for _, _, p in nx.resource_allocation_index(nx_graph, ebunch)],
    }
    lines = [
        f"networkx {nx.__version__} on the first {len(ebunch)} test positives (same training graph):",
        "",
        "| heuristic | networkx (s) | graphkit (s) | speed-up | max abs diff |",
        "|---|---|---|---|---|",
    ]
    for name, peer in peers.items():
        start = time.perf_counter()
        expected = np.asarray(peer(), dtype=np.float64)
        nx_seconds = time.perf_counter() - start
        start = time.perf_counter()
        ours = HEURISTICS[name][1](graph, sample).numpy()
        seconds = time.perf_counter() - start
        diff = float(np.abs(ours - expected).max())
        lines.append(
            f"| {HEURISTICS[name][0]} | {nx_seconds:.2f} | {seconds:.3f} | "
            f"{nx_seconds / seconds:.0f}x | {diff:.1e} |"
        )
    return lines


if __name__ == "__main__":
    main()

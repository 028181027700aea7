"""Rewiring diagnostics and transforms: wall time and peak memory.

Measurements (one process; the peak RSS of each step is sampled with
``graphkit.bench.job.PeakMemory`` and includes everything already loaded, shown as "RSS before"):

* ``balanced_forman_curvature`` of every edge of a seeded Barabási–Albert graph with 100,002
  undirected edges (``graphkit.data.synthetic.barabasi_albert(33_337, m=3, seed=0)``,
  symmetrised) and of Actor (7,600 nodes, 26,659 edges): first call (includes loading the
  numba cache or compiling) and best of ``--repeats`` calls;
* ``ollivier_ricci_curvature`` of every Actor edge (exact transport per edge);
* ``spectral_gap`` and ``total_effective_resistance`` of Actor;
* the four transforms on Actor: SDRF with the paper's Actor hyperparameters (1010 loops,
  tau = 69, C+ = 1.22), FoSR / BORF / GTR with their defaults, each with the diagnostic it
  targets before and after.

Usage (repository root)::

    python benchmarks/rewire_speed.py --root ../shared/datasets --out /tmp/rewire_speed.md
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
import scipy
import torch
from torch_geometric.utils import to_undirected

from graphkit.bench.job import PeakMemory
from graphkit.data import load
from graphkit.data.synthetic import barabasi_albert
from graphkit.layers.rewire import (
    balanced_forman_curvature,
    borf,
    fosr,
    greedy_total_resistance,
    ollivier_ricci_curvature,
    sdrf,
    spectral_gap,
    total_effective_resistance,
)


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(fn: Callable[[], Any], repeats: int = 1) -> tuple[Any, float, float, float]:
    """``(result, first call s, best call s, peak RSS MiB)`` of ``repeats`` calls of ``fn``."""
    times = []
    with PeakMemory() as peak:
        for _ in range(repeats):
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
    return result, times[0], min(times), (peak.peak_bytes or 0) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None, help="data root (default $GRAPHKIT_DATA)")
    parser.add_argument("--out", default=None, help="write the markdown table here too")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rows: list[str] = []
    notes: list[str] = []

    def record(name: str, graph: str, fn: Callable[[], Any], repeats: int = 1) -> Any:
        before = _rss_mib()
        result, first, best, peak = measure(fn, repeats)
        best_text = f"{best:.3f}" if repeats > 1 else "-"
        rows.append(f"| {name} | {graph} | {first:.3f} | {best_text} | {before:.0f} | {peak:.0f} |")
        print(rows[-1], flush=True)
        return result

    ba = barabasi_albert(33_337, m=3, seed=0)
    ba_edges = to_undirected(ba.edge_index, num_nodes=ba.num_nodes)
    ba_name = f"BA n={ba.num_nodes}, {ba_edges.size(1) // 2:,} edges"
    curv = record(
        "balanced_forman_curvature (all edges)", ba_name,
        lambda: balanced_forman_curvature(ba_edges, ba.num_nodes), args.repeats,
    )
    notes.append(f"BA curvature: min {curv.min():.4f}, max {curv.max():.4f}")

    actor = load("actor", args.root, task="node").data
    ei, n = actor.edge_index, actor.num_nodes
    name = f"Actor n={n}, {ei.size(1) // 2:,} edges"
    bfc0 = record("balanced_forman_curvature (all edges)", name,
                  lambda: balanced_forman_curvature(ei, n), args.repeats)
    orc0 = record("ollivier_ricci_curvature (all edges, alpha=0)", name,
                  lambda: ollivier_ricci_curvature(ei, n))
    gap0 = record("spectral_gap (normalised, ARPACK shift-invert)", name, lambda: spectral_gap(ei, n))
    tot0 = record("total_effective_resistance (sparse solves)", name,
                  lambda: total_effective_resistance(ei, n))

    new = record("SDRF(loops=1010, tau=69, removal_bound=1.22)", name,
                 lambda: sdrf(ei, n, loops=1010, tau=69.0, removal_bound=1.22, seed=0))
    bfc1 = balanced_forman_curvature(new, n)
    notes.append(
        f"SDRF: edges {ei.size(1) // 2} -> {new.size(1) // 2}; balanced Forman min "
        f"{bfc0.min():.4f} -> {bfc1.min():.4f}, mean {bfc0.mean():.4f} -> {bfc1.mean():.4f}"
    )

    new = record("FoSR(num_iterations=50, initial_power_iterations=5)", name, lambda: fosr(ei, n, seed=0))
    notes.append(
        f"FoSR: edges {ei.size(1) // 2} -> {new.size(1) // 2}; spectral gap "
        f"{gap0:.5f} -> {spectral_gap(new, n):.5f}"
    )

    new = record("BORF(num_iterations=10, batch_add=4, batch_remove=2)", name, lambda: borf(ei, n, seed=0))
    orc1 = ollivier_ricci_curvature(new, n)
    notes.append(
        f"BORF: edges {ei.size(1) // 2} -> {new.size(1) // 2}; Ollivier-Ricci min "
        f"{orc0.min():.4f} -> {orc1.min():.4f}, mean {orc0.mean():.4f} -> {orc1.mean():.4f}"
    )

    result = record("GTR(num_edges=10) (dense L^+)", name, lambda: greedy_total_resistance(ei, n, seed=0))
    tot1 = total_effective_resistance(result.edge_index, n)
    notes.append(
        f"GTR: edges {ei.size(1) // 2} -> {result.edge_index.size(1) // 2}; total resistance "
        f"{tot0:.1f} -> {tot1:.1f} (drop {tot0 - tot1:.1f}, predicted "
        f"{result.predicted_reduction.sum().item():.1f})"
    )

    header = [
        "| measurement | graph | first call (s) | best of repeats (s) | RSS before (MiB) | peak RSS (MiB) |",
        "|---|---|---|---|---|---|",
    ]
    versions = (
        f"python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, numba {numba.__version__}, {os.cpu_count()} CPUs, "
        f"numba threads {numba.get_num_threads()}"
    )
    text = "\n".join(header + rows) + "\n\n" + "\n".join(f"* {line}" for line in notes)
    text += f"\n\nVersions: {versions}\n"
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()

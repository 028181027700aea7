"""FastRP speed and peak memory: graphkit vs the official algorithm, and a 1M-node graph.

Part 1: Barabási–Albert graph (networkx ``barabasi_albert_graph(n, m, seed=0)``), d = 128 and
512, weights (0, 0, 1, 6.67), beta = -0.64, row normalisation, density 1/sqrt(n). Compared:

* graphkit ``fastrp`` with the scipy CSR adjacency as input (``as_graph`` conversion
  included, as the official code also starts from a scipy matrix) and with a pre-converted
  :class:`~graphkit.graph.Graph` (conversion excluded);
* local baseline "official algorithm (scipy/sklearn)": the steps of the official code
  (GTmac/FastRP ``fastrp.py``, not on PyPI) written here with scipy and scikit-learn: sparse
  transition matrix, ``SparseRandomProjection`` reweighted by degree, sparse x sparse products,
  dense row normalisation and weighted sum (the official final column standardisation is left
  out, as in graphkit);
* local baseline "plain scipy SpMM": the same formula with ``csr_float32 @ dense`` per step;
* the reference numbers measured for the official code on this machine class (quoted, not
  re-run): 0.40 s at d = 128, 1.45 s at d = 512, peak 1.24 GB.

Every measurement runs in its own subprocess: one warm-up call at d = 8 (compiles the numba
kernels), then the median of ``--repeats`` timed calls; peak RSS is that process's
``ru_maxrss`` (imports and graph included), reported with its increase over the RSS before the
calls and over the RSS after the warm-up. graphkit's compile time is the warm-up time in a
process with an empty numba cache directory.

Part 2: a random graph with 1,000,000 nodes and 10,000,000 uniform random edges (symmetrised),
d = 128: ``as_graph`` conversion and ``fastrp`` time, and the throughput of the dense steps in
multiply-adds per second against one single-threaded scipy SpMM of the same size.

Run from the repository root:

    python benchmarks/fastrp_speed.py --out /tmp/fastrp_speed.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

import numpy as np

WEIGHTS = (0.0, 0.0, 1.0, 6.67)
BETA = -0.64
OFFICIAL_REFERENCE = {128: 0.40, 512: 1.45}  # seconds, official code, this machine class
OFFICIAL_PEAK_GB = 1.24


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--m", type=int, default=5)
    parser.add_argument("--dims", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large-nodes", type=int, default=1_000_000)
    parser.add_argument("--large-edges", type=int, default=10_000_000)
    parser.add_argument("--large-dim", type=int, default=128)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--out", default=None, help="also write the Markdown report here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--dim", type=int, default=128, help=argparse.SUPPRESS)
    return parser.parse_args()


# --------------------------------------------------------------------------------------------
# Workers (one measurement each, run in a subprocess; print one JSON line)
# --------------------------------------------------------------------------------------------


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _ba_adjacency(n: int, m: int):
    import networkx as nx
    import scipy.sparse as sp

    graph = nx.barabasi_albert_graph(n, m, seed=0)
    return sp.csr_matrix(nx.to_scipy_sparse_array(graph, format="csr", dtype=np.float64))


def _official_algorithm(adjacency, dim: int, seed: int = 42) -> np.ndarray:
    """The official code's steps, written with scipy/sklearn (sparse x sparse products)."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize
    from sklearn.random_projection import SparseRandomProjection

    n = adjacency.shape[0]
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    transition = sp.diags(1.0 / degree) @ adjacency
    projector = SparseRandomProjection(n_components=dim, random_state=seed).fit(transition)
    projector.components_ = projector.components_ @ sp.diags(degree ** BETA, shape=(n, n))
    current = projector.transform(transition)
    powers = [current]
    for _ in WEIGHTS[1:]:
        current = transition @ current
        powers.append(current)
    total = np.zeros((n, dim))
    for weight, power in zip(WEIGHTS, powers, strict=True):
        total += weight * normalize(np.asarray(power.todense()), norm="l2", axis=1)
    return total


def _plain_scipy(adjacency, dim: int) -> np.ndarray:
    """Same formula with a float32 CSR transition matrix times dense matrices."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    n = adjacency.shape[0]
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    transition = (sp.diags(1.0 / degree) @ adjacency).astype(np.float32).tocsr()
    s = np.sqrt(n)  # density 1/s = 1/sqrt(n); entries +-sqrt(s)
    rng = np.random.default_rng(0)
    projection = sp.diags(degree ** BETA) @ sp.random(
        n, dim, density=1 / s, format="csr", rng=rng,
        data_rvs=lambda k: np.sqrt(s) * rng.choice([-1.0, 1.0], size=k),
    )
    current = (transition @ projection.astype(np.float32)).toarray()
    total = np.zeros_like(current)
    for i, weight in enumerate(WEIGHTS):
        if i:
            current = transition @ current
        if weight:
            total += weight * normalize(current, norm="l2", axis=1)
    return total


def _time_calls(function, repeats: int) -> tuple[float, float, list[float]]:
    """Warm-up at d = 8 (compiles numba kernels), then ``repeats`` timed full-size calls."""
    start = time.perf_counter()
    function(8)
    warmup = time.perf_counter() - start
    rss_warm = _rss_mib()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(None)
        times.append(time.perf_counter() - start)
    return warmup, rss_warm, times


def worker_ba(args: argparse.Namespace) -> dict:
    adjacency = _ba_adjacency(args.n, args.m)
    if args.worker in ("graphkit", "graphkit-graph"):
        import numba

        from graphkit.embed.fastrp import fastrp
        from graphkit.graph import as_graph

        graph = adjacency if args.worker == "graphkit" else as_graph(adjacency)

        def call(dim=None):
            return fastrp(graph, dim=dim or args.dim, weights=WEIGHTS, beta=BETA)
        extra = {"threads": numba.get_num_threads()}
    elif args.worker == "official":
        def call(dim=None):
            return _official_algorithm(adjacency, dim or args.dim)
        extra = {}
    else:
        def call(dim=None):
            return _plain_scipy(adjacency, dim or args.dim)
        extra = {}
    rss_before = _rss_mib()
    warmup, rss_warm, times = _time_calls(call, args.repeats)
    return {"warmup": warmup, "times": times, "rss_before_mib": rss_before, "rss_warm_mib": rss_warm,
            "peak_mib": _rss_mib(), "edges": int(adjacency.nnz), **extra}


def worker_large(args: argparse.Namespace) -> dict:
    import numba
    import scipy.sparse as sp

    from graphkit.embed.fastrp import fastrp
    from graphkit.graph import as_graph

    n, e, dim = args.large_nodes, args.large_edges, args.large_dim
    rng = np.random.default_rng(0)
    edges = rng.integers(0, n, size=(2, e), dtype=np.int64)
    start = time.perf_counter()
    graph = as_graph(edges, num_nodes=n)
    convert = time.perf_counter() - start
    del edges
    fastrp(graph, dim=8, weights=(1.0,))  # warm-up: compile or cache load
    start = time.perf_counter()
    fastrp(graph, dim=dim, weights=WEIGHTS, beta=BETA)
    full = time.perf_counter() - start
    start = time.perf_counter()
    fastrp(graph, dim=dim, weights=WEIGHTS[:1], beta=BETA)
    one_step = time.perf_counter() - start
    peak_fastrp = _rss_mib()
    transition = sp.diags((1.0 / np.maximum(graph.degrees(), 1)).astype(np.float32)) @ (
        graph.to_scipy().astype(np.float32))
    dense = np.random.default_rng(1).standard_normal((n, dim), dtype=np.float32)
    start = time.perf_counter()
    transition @ dense
    spmm = time.perf_counter() - start
    return {"convert": convert, "full": full, "one_step": one_step, "spmm": spmm,
            "nnz": graph.num_edges, "peak_fastrp_mib": peak_fastrp,
            "threads": numba.get_num_threads()}


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def run_worker(args: argparse.Namespace, kind: str, dim: int, env: dict | None = None) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--dim", str(dim),
               "--n", str(args.n), "--m", str(args.m), "--repeats", str(args.repeats),
               "--large-nodes", str(args.large_nodes), "--large-edges", str(args.large_edges),
               "--large-dim", str(args.large_dim)]
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, **(env or {})})
    return json.loads(result.stdout.strip().splitlines()[-1])


def part_one(args: argparse.Namespace) -> list[str]:
    lines = [f"## Barabási–Albert n = {args.n:,}, m = {args.m}\n",
             "| d | implementation | median (s) | runs (s) | speed-up vs official ref | "
             "peak RSS (MiB) | RSS before calls (MiB) | peak - before (MiB) | "
             "peak - after warm-up (MiB) |",
             "|---|---|---|---|---|---|---|---|---|"]
    compile_notes = []
    for dim in args.dims:
        with tempfile.TemporaryDirectory() as cache:
            fresh = run_worker(args, "graphkit", dim, {"NUMBA_CACHE_DIR": cache})
        ref = OFFICIAL_REFERENCE.get(dim)
        ref_cell = "n/a" if ref is None else f"{ref:.2f}"
        lines.append(f"| {dim} | official code (reference, quoted) | {ref_cell} | - | 1.0x | "
                     f"{OFFICIAL_PEAK_GB * 1024:.0f} | - | - | - |")
        for kind, label in (("graphkit", "graphkit fastrp (scipy input)"),
                            ("graphkit-graph", "graphkit fastrp (Graph input: no conversion)"),
                            ("official", "local baseline: official algorithm (scipy/sklearn)"),
                            ("plain", "local baseline: plain scipy SpMM")):
            result = fresh if kind == "graphkit" else run_worker(args, kind, dim)
            median = statistics.median(result["times"])
            speedup = "n/a" if ref is None else f"{ref / median:.1f}x"
            runs = ", ".join(f"{t:.3f}" for t in result["times"])
            lines.append(f"| {dim} | {label} | {median:.3f} | {runs} | {speedup} | "
                         f"{result['peak_mib']:.0f} | {result['rss_before_mib']:.0f} | "
                         f"{result['peak_mib'] - result['rss_before_mib']:.0f} | "
                         f"{result['peak_mib'] - result['rss_warm_mib']:.0f} |")
        compile_notes.append(
            f"* d = {dim}: warm-up call (d = 8) with an empty numba cache: "
            f"{fresh['warmup']:.2f} s, almost all of it compilation ({fresh['threads']} numba "
            f"threads); BA graph: {fresh['edges']:,} stored edges."
        )
    return lines + ["", "Compile time (excluded from the medians):", *compile_notes, ""]


def part_two(args: argparse.Namespace) -> list[str]:
    r = run_worker(args, "large", args.large_dim)
    steps = len(WEIGHTS) - 1
    dense_step = (r["full"] - r["one_step"]) / steps
    ops = r["nnz"] * args.large_dim
    return [
        f"## Random graph: {args.large_nodes:,} nodes, {args.large_edges:,} random edges "
        f"(symmetrised: {r['nnz']:,} stored), d = {args.large_dim}\n",
        "| step | time (s) |", "|---|---|",
        f"| as_graph conversion (dedupe, symmetrise, CSR) | {r['convert']:.2f} |",
        f"| fastrp, {len(WEIGHTS)} iterations | {r['full']:.2f} |",
        f"| total | {r['convert'] + r['full']:.2f} |",
        f"| fastrp with 1 iteration (projection + first sparse step) | {r['one_step']:.2f} |",
        f"| one dense step, (full - one iteration) / {steps} | {dense_step:.2f} |",
        f"| one scipy SpMM `csr_float32 @ dense [n, {args.large_dim}]` (1 thread) | "
        f"{r['spmm']:.2f} |",
        "",
        f"Throughput of a dense step: nnz(A) x d = {ops / 1e9:.2f} G multiply-adds; graphkit "
        f"{ops / dense_step / 1e9:.2f} G/s ({r['threads']} numba threads, fused with the row "
        f"normalisation and weighted sum) vs scipy SpMM {ops / r['spmm'] / 1e9:.2f} G/s "
        f"(ratio {r['spmm'] / dense_step:.1f}x). Peak RSS of that process after fastrp: "
        f"{r['peak_fastrp_mib']:.0f} MiB.",
        "",
    ]


def main() -> None:
    args = parse_args()
    if args.worker == "large":
        print(json.dumps(worker_large(args)))
        return
    if args.worker:
        print(json.dumps(worker_ba(args)))
        return
    import numba
    import scipy
    import sklearn

    load_before = "/".join(f"{v:.2f}" for v in os.getloadavg())
    lines = ["# FastRP speed and peak memory\n",
             "Command: `python benchmarks/fastrp_speed.py`\n",
             f"Date: {datetime.now().isoformat(timespec='minutes')}. Machine: "
             f"{platform.platform()}, {os.cpu_count()} CPUs, numba {numba.__version__}, numpy "
             f"{np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
             f"Python {platform.python_version()}. Load average before: {load_before}.\n",
             "The official FastRP code (GTmac/FastRP) is not on PyPI; its reference times "
             "(0.40 s at d = 128, 1.45 s at d = 512, peak 1.24 GB) were measured separately on "
             "this machine class and are quoted. The two local baselines are written in this "
             "script and run here, in the same session.\n"]
    lines += part_one(args)
    if not args.skip_large:
        lines += part_two(args)
    lines.append(f"Load average after: {'/'.join(f'{v:.2f}' for v in os.getloadavg())}.")
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(report + "\n")


if __name__ == "__main__":
    main()

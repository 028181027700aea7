"""node2vec random-walk speed: graphkit against PecanPy (PreComp, SparseOTF, DenseOTF).

Graph: ``networkx.barabasi_albert_graph(n, m, seed=0)`` (default n = 20,000, m = 5), written as
a tab-separated edge list that both sides read. Walks: p = 0.25, q = 4, 10 walks x 80 steps from
every node. Every measurement runs in its own subprocess (so ``ru_maxrss`` is its own peak):

* graphkit: first call of ``random_walks`` in a fresh numba cache (compile + walks), then the
  best of ``--repeats`` calls after warm-up;
* PecanPy (run by ``--pecanpy-python``, a separate virtualenv since PecanPy needs numpy < 2):
  ``simulate_walks`` twice per mode; PecanPy compiles its walk kernel on every call (its
  ``move_forward`` is a fresh closure each time), so both calls include JIT time. We also time
  its numba core ``_random_walks`` alone (without mapping ids to strings). PecanPy's
  ``walk_length`` counts steps (a walk has ``walk_length + 1`` nodes), graphkit's counts nodes,
  so PecanPy is called with ``walk_length - 1`` and both produce walks of the same size;
* pipeline: walks + gensim skip-gram (d = 128, window 10, 1 epoch) for graphkit's ``node2vec``
  and PecanPy's ``embed`` with its fastest mode.

As a correctness check both sides report the share of second-order steps that return to the
previous node (``walk[j] == walk[j-2]``), which must agree.

Usage (from the repository root, PecanPy in its own venv)::

    python3 -m venv /tmp/pecanpy-venv && /tmp/pecanpy-venv/bin/pip install pecanpy networkx
    python benchmarks/walks_speed.py --pecanpy-python /tmp/pecanpy-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PECANPY_MODES = ("PreComp", "SparseOTF", "DenseOTF")


# ---------------------------------------------------------------- measurement workers


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _return_share(walks: np.ndarray) -> float:
    """Share of steps ``j >= 2`` (both nodes valid) with ``walk[j] == walk[j - 2]``."""
    a, b = walks[:, 2:], walks[:, :-2]
    valid = (a >= 0) & (b >= 0)
    return float(np.mean(a[valid] == b[valid]))


def _read_edges(path: str) -> np.ndarray:
    return np.loadtxt(path, dtype=np.int64, delimiter="\t").reshape(-1, 2)


def _measure_ours_walks(args: argparse.Namespace) -> dict:
    from graphkit.embed.walks import random_walks
    from graphkit.graph import as_graph

    as_graph(np.array([[0, 1]]))  # first call imports torch_geometric lazily
    imports_mib = _peak_mib()
    start = time.perf_counter()
    graph = as_graph(_read_edges(args.edgelist), directed=False)
    load_s = time.perf_counter() - start
    options = {"walk_length": args.walk_length, "walks_per_node": args.walks_per_node,
               "p": args.p, "q": args.q, "seed": 0}
    start = time.perf_counter()
    walks = random_walks(graph, **options)
    first_s = time.perf_counter() - start
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        walks = random_walks(graph, **options)
        times.append(time.perf_counter() - start)
    return {"load_s": load_s, "first_s": first_s, "best_s": min(times),
            "median_s": float(np.median(times)), "return_share": _return_share(walks),
            "peak_mib": _peak_mib(), "imports_mib": imports_mib}


def _measure_ours_pipeline(args: argparse.Namespace) -> dict:
    from graphkit.embed.skipgram import node2vec
    from graphkit.embed.walks import random_walks
    from graphkit.graph import as_graph

    random_walks(np.array([[0, 1], [1, 2]]), walk_length=3, p=args.p, q=args.q)  # compile
    graph = as_graph(_read_edges(args.edgelist), directed=False)
    start = time.perf_counter()
    emb = node2vec(graph, dim=128, walk_length=args.walk_length,
                   walks_per_node=args.walks_per_node, p=args.p, q=args.q, window=10,
                   workers=args.w2v_workers, seed=0)
    return {"pipeline_s": time.perf_counter() - start, "shape": list(emb.shape),
            "peak_mib": _peak_mib()}


def _pecanpy_graph(args: argparse.Namespace):
    from pecanpy import pecanpy

    args.imports_mib = _peak_mib()
    graph = getattr(pecanpy, args.mode)(p=args.p, q=args.q, workers=args.w2v_workers,
                                        verbose=False, random_state=0)
    start = time.perf_counter()
    graph.read_edg(args.edgelist, weighted=False, directed=False)
    return graph, time.perf_counter() - start


def _measure_pecanpy_walks(args: argparse.Namespace) -> dict:
    graph, load_s = _pecanpy_graph(args)
    core: list[tuple[float, np.ndarray]] = []
    kernel = graph._random_walks

    def timed_kernel(*kernel_args):
        start = time.perf_counter()
        result = kernel(*kernel_args)
        core.append((time.perf_counter() - start, result))
        return result

    graph._random_walks = timed_kernel
    calls = []
    for _ in range(2):
        start = time.perf_counter()
        graph.simulate_walks(args.walks_per_node, args.walk_length - 1)
        calls.append(time.perf_counter() - start)
    mat = core[-1][1]
    lengths = mat[:, -1].astype(np.int64)
    walks = mat[:, :-1].astype(np.int64)
    walks[np.arange(walks.shape[1])[None, :] >= lengths[:, None]] = -1
    return {"load_s": load_s, "first_s": calls[0], "second_s": calls[1],
            "core_first_s": core[0][0], "core_second_s": core[1][0],
            "return_share": _return_share(walks), "peak_mib": _peak_mib(),
            "imports_mib": args.imports_mib}


def _measure_pecanpy_pipeline(args: argparse.Namespace) -> dict:
    graph, _ = _pecanpy_graph(args)
    start = time.perf_counter()
    emb = graph.embed(dim=128, num_walks=args.walks_per_node,
                      walk_length=args.walk_length - 1, window_size=10)
    return {"pipeline_s": time.perf_counter() - start, "shape": list(emb.shape),
            "peak_mib": _peak_mib()}


MEASUREMENTS = {
    "ours-walks": _measure_ours_walks,
    "ours-pipeline": _measure_ours_pipeline,
    "pecanpy-walks": _measure_pecanpy_walks,
    "pecanpy-pipeline": _measure_pecanpy_pipeline,
}


# ---------------------------------------------------------------- driver


def _subprocess(python: str, measure: str, args: argparse.Namespace, edgelist: Path,
                mode: str = "", env: dict | None = None) -> dict:
    """Run one measurement in a fresh process; ``{"timeout_s": ...}`` when it runs too long."""
    command = [python, os.path.abspath(__file__), "--measure", measure, "--edgelist",
               str(edgelist), "--mode", mode, "--p", str(args.p), "--q", str(args.q),
               "--walk-length", str(args.walk_length), "--walks-per-node",
               str(args.walks_per_node), "--repeats", str(args.repeats), "--w2v-workers",
               str(args.w2v_workers)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"{measure} {mode}: timed out after {args.timeout} s", file=sys.stderr)
        return {"timeout_s": args.timeout}
    if done.returncode != 0:
        raise RuntimeError(f"{measure} {mode} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{measure} {mode}: {result}", file=sys.stderr)
    return result


def _write_graph(n: int, m: int, path: Path) -> int:
    import networkx as nx

    graph = nx.barabasi_albert_graph(n, m, seed=0)
    edges = np.array(graph.edges(), dtype=np.int64)
    np.savetxt(path, edges, fmt="%d", delimiter="\t")
    return edges.shape[0]


def _versions(python: str) -> str:
    import gensim
    import numba

    code = ("import importlib.metadata as m; print(m.version('pecanpy'), m.version('numpy'), "
            "m.version('numba'), m.version('gensim'))")
    peer = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return (f"Python {platform.python_version()}, numpy {np.__version__}, numba "
            f"{numba.__version__}, gensim {gensim.__version__}; PecanPy venv (pecanpy, numpy, "
            f"numba, gensim): {peer.stdout.strip() or 'unavailable'}")


def _fastest(peers: dict) -> str:
    finished = [mode for mode, row in peers.items() if "timeout_s" not in row]
    return min(finished, key=lambda mode: peers[mode]["second_s"])


def _peer_row(mode: str, row: dict, ref: float) -> str:
    if "timeout_s" in row:
        return (f"| PecanPy {mode} | – | > {row['timeout_s']} for both calls (killed) | – | – "
                "| – | – | – | – |")
    return (f"| PecanPy {mode} | {row['load_s']:.2f} | {row['first_s']:.2f} | "
            f"{row['second_s']:.2f} (2nd call) | {row['core_first_s']:.2f} / "
            f"{row['core_second_s']:.2f} | {ref / row['second_s']:.2f}x "
            f"| {row['return_share']:.4f} | {row['peak_mib']:.0f} | {row['imports_mib']:.0f} |")


def _report(args: argparse.Namespace, num_edges: int, ours: dict, peers: dict, pipes: dict,
            python: str) -> str:
    fastest = _fastest(peers)
    ref = peers[fastest]["second_s"]
    lines = [
        f"Graph: barabasi_albert_graph(n={args.n}, m={args.m}, seed=0), {num_edges} undirected "
        f"edges; node2vec walks p={args.p}, q={args.q}, {args.walks_per_node} walks x "
        f"{args.walk_length} nodes per node. NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')}, "
        f"{os.cpu_count()} CPUs.",
        "",
        "| implementation | read graph (s) | first call (s) | after warm-up (s) | numba core (s) "
        "| speed-up vs PecanPy fastest | return-step share | peak RSS (MiB) | RSS after imports "
        "(MiB) |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| graphkit `random_walks` | {ours['load_s']:.2f} | {ours['first_s']:.2f} "
        f"| {ours['best_s']:.2f} (median {ours['median_s']:.2f}, {args.repeats} runs) | – "
        f"| {ref / ours['best_s']:.1f}x | {ours['return_share']:.4f} | {ours['peak_mib']:.0f} "
        f"| {ours['imports_mib']:.0f} |",
    ]
    lines += [_peer_row(mode, row, ref) for mode, row in peers.items()]
    lines += [
        "",
        f"graphkit compile time (first call minus warm call): "
        f"{ours['first_s'] - ours['best_s']:.2f} s. PecanPy fastest mode: {fastest}.",
        "",
        "Full pipeline (walks + gensim Word2Vec sg=1, d=128, window 10, 1 epoch, "
        f"workers={args.w2v_workers}):",
        "",
        "| implementation | time (s) | peak RSS (MiB) |",
        "|---|---|---|",
    ]
    for name, row in pipes.items():
        if "timeout_s" in row:
            lines.append(f"| {name} | > {row['timeout_s']} (killed) | – |")
        else:
            lines.append(f"| {name} | {row['pipeline_s']:.1f} | {row['peak_mib']:.0f} |")
    lines += ["", _versions(python)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--m", type=int, default=5)
    parser.add_argument("--p", type=float, default=0.25)
    parser.add_argument("--q", type=float, default=4.0)
    parser.add_argument("--walk-length", type=int, default=80)
    parser.add_argument("--walks-per-node", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="timed graphkit calls")
    parser.add_argument("--w2v-workers", type=int, default=2, help="gensim workers (pipeline)")
    parser.add_argument("--pecanpy-python", default="/tmp/pecanpy-venv/bin/python")
    parser.add_argument("--modes", default=",".join(PECANPY_MODES))
    parser.add_argument("--timeout", type=int, default=300,
                        help="seconds before a measurement subprocess is killed")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the gensim pipeline")
    parser.add_argument("--out", default=None, help="also write the markdown table here")
    parser.add_argument("--measure", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--edgelist", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(MEASUREMENTS[args.measure](args)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        edgelist = Path(tmp) / "ba.edg"
        num_edges = _write_graph(args.n, args.m, edgelist)
        fresh_cache = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba-cache"))
        ours = _subprocess(sys.executable, "ours-walks", args, edgelist, env=fresh_cache)
        modes = [mode.strip() for mode in args.modes.split(",")]
        peers = {mode: _subprocess(args.pecanpy_python, "pecanpy-walks", args, edgelist, mode)
                 for mode in modes}
        pipes = {}
        if not args.no_pipeline:
            fastest = _fastest(peers)
            pipes["graphkit `node2vec`"] = _subprocess(sys.executable, "ours-pipeline", args,
                                                       edgelist)
            pipes[f"PecanPy {fastest} `embed`"] = _subprocess(
                args.pecanpy_python, "pecanpy-pipeline", args, edgelist, fastest)
    report = _report(args, num_edges, ours, peers, pipes, args.pecanpy_python)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()

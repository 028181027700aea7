"""Graphlet orbit counting and GRADCO orbit adjacency: speed, peak memory and agreement.

Graph: ``networkx.barabasi_albert_graph(n, m, seed=0)`` (default n = 20,000, m = 5). Every
measurement runs in its own subprocess, so ``ru_maxrss`` is that measurement's own peak:

* graphkit ``orbit_counts`` (sizes 4 and 5, nodes and edges) and ``orbit_adjacency``: best
  of ``--repeats`` calls on the numpy edge list (conversion included) after a warm-up call on a
  tiny graph; the compile time is measured separately, in a fresh numba cache directory;
* ``orca-graphlets`` (pure-Python port of ORCA, output identical to ORCA): one call, and its
  output is compared entry by entry with graphkit's. Its size-5 runs on the big graph take
  about 10 minutes each, so they need ``--orca-size5-big``; without it the quoted 567 s is
  used for the ratio;
* ORCA C++ is not on PyPI: its times on this graph class (0.18 s size 4, 14.6 s size 5, 2 cores)
  are quoted from the task description, not measured;
* ``gradco`` (needs numpy < 2, so it runs from ``--gradco-python``, a separate virtualenv) on a
  smaller BA graph (``--gradco-n``): time, and all 28 matrices compared with graphkit's.

Size 5 is also measured on a smaller BA graph (``--size5-n``), where orca-graphlets is quick.

Usage (from the repository root)::

    python3 -m venv /tmp/gradco_venv && /tmp/gradco_venv/bin/pip install gradco
    python benchmarks/orbits_speed.py --gradco-python /tmp/gradco_venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ORCA_CPP_SECONDS = {4: 0.18, 5: 14.6}  # reference numbers quoted by the task (BA 20k, m=5)
ORCA_PY_REFERENCE = {4: 4.85, 5: 567.0}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sparse_arrays(matrices: dict) -> dict[str, np.ndarray]:
    """``name -> sparse matrix`` as ``name -> int64 [3, nnz]`` (row, col, value), sorted."""
    import scipy.sparse as sp

    out = {}
    for name, matrix in matrices.items():
        coo = sp.coo_matrix(matrix)
        keep = coo.data != 0
        triples = np.stack([coo.row[keep], coo.col[keep], coo.data[keep]]).astype(np.int64)
        out[name] = triples[:, np.lexsort((triples[1], triples[0]))]
    return out


# ---------------------------------------------------------------- workers (one per process)


def _worker_graphkit(args) -> dict:
    from graphkit.embed.orbit_adjacency import orbit_adjacency
    from graphkit.embed.orbits import orbit_counts

    edges = np.load(args.edges)
    tiny = np.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [3, 4]])
    if args.what == "adjacency":
        call = orbit_adjacency
    else:
        def call(e):
            return orbit_counts(e, size=args.size, on=args.what)
    start = time.perf_counter()
    call(tiny)
    first = time.perf_counter() - start
    rss_before = _rss_mib()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = call(edges)
        times.append(time.perf_counter() - start)
        if args.save and args.what == "adjacency":
            np.savez(args.save, **_sparse_arrays(
                {f"{u}_{v}_{h}": m for (u, v, h), m in result.items()}))
        elif args.save:
            np.save(args.save, result)
        nnz = sum(m.nnz for m in result.values()) if args.what == "adjacency" else None
        del result
    return {"best_s": min(times), "times": times, "first_call_s": first, "nnz": nnz,
            "rss_before_mib": rss_before, "peak_mib": _peak_mib()}


def _worker_orca(args) -> dict:
    from orca import orca_edges, orca_nodes

    edges = np.load(args.edges)
    n = int(edges.max()) + 1
    function = orca_nodes if args.what == "nodes" else orca_edges
    start = time.perf_counter()
    result = function(edges, n, args.size)
    seconds = time.perf_counter() - start
    np.save(args.save, result)
    return {"best_s": seconds, "peak_mib": _peak_mib()}


def _worker_gradco(args) -> dict:
    import gradco
    import scipy.sparse as sp

    edges = np.load(args.edges)
    n = int(edges.max()) + 1
    adjacency = sp.csr_array((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]],
                                                         np.r_[edges[:, 1], edges[:, 0]])),
                             shape=(n, n))
    start = time.perf_counter()
    counter = gradco.Counter(adjacency)
    counter.count()
    out = {}
    for u, v, h in json.loads(args.keys):
        out[f"{u}_{v}_{h}"] = counter.get_orbit_adjacency(h, u, v)
    seconds = time.perf_counter() - start
    np.savez(args.save, **_sparse_arrays(out))
    return {"best_s": seconds, "peak_mib": _peak_mib()}


def _worker_compile(args) -> dict:
    tiny = np.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [3, 4]])
    start = time.perf_counter()
    from graphkit.embed.orbit_adjacency import orbit_adjacency
    from graphkit.embed.orbits import orbit_counts
    imported = time.perf_counter()
    timings = {"import_s": imported - start}
    for label, call in [
        ("size4_nodes", lambda: orbit_counts(tiny)),
        ("size4_edges", lambda: orbit_counts(tiny, on="edges")),
        ("size5_nodes", lambda: orbit_counts(tiny, size=5)),
        ("size5_edges", lambda: orbit_counts(tiny, size=5, on="edges")),
        ("adjacency", lambda: orbit_adjacency(tiny)),
    ]:
        begin = time.perf_counter()
        call()
        timings[label] = time.perf_counter() - begin
    return timings


# ---------------------------------------------------------------- driver


def _run(python: str, worker: str, env: dict | None = None, **options) -> dict:
    command = [python, __file__, "--worker", worker]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ba_edges(n: int, m: int, path: Path) -> tuple[Path, str]:
    """Save the BA graph's edge list; describe its max degree and its 4-stars."""
    import networkx as nx

    graph = nx.barabasi_albert_graph(n, m, seed=0)
    edges = np.asarray(list(graph.edges()), dtype=np.int64)
    np.save(path, edges)
    degrees = [d for _, d in graph.degree()]
    stars = sum(math.comb(d, 4) for d in degrees)  # a lower bound on connected 5-node sets
    return path, f"max degree {max(degrees)}, sum_v C(d_v, 4) = {stars:.2e}"


def _versions() -> str:
    import importlib.metadata as md

    parts = [f"python {platform.python_version()}"]
    for name in ("numpy", "scipy", "numba", "networkx", "orca-graphlets"):
        try:
            parts.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            parts.append(f"{name} (absent)")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--m", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size5-n", type=int, default=1000, help="BA graph for size-5 runs")
    parser.add_argument("--orca-size5-big", action="store_true",
                        help="also run orca-graphlets size 5 on the --n graph (~10 min each)")
    parser.add_argument("--gradco-n", type=int, default=2000)
    parser.add_argument("--gradco-python", default=None, help="python of a venv with gradco")
    parser.add_argument("--skip-orca", action="store_true", help="skip orca-graphlets runs")
    parser.add_argument("--out", default=None, help="also write the Markdown table here")
    # worker options
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--edges", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--what", default="nodes", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=4, help=argparse.SUPPRESS)
    parser.add_argument("--save", default="", help=argparse.SUPPRESS)
    parser.add_argument("--keys", default="[]", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker = {"graphkit": _worker_graphkit, "orca": _worker_orca,
                  "gradco": _worker_gradco, "compile": _worker_compile}[args.worker]
        print(json.dumps(worker(args)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="orbits_speed_"))
    try:
        print("\n".join(_report(args, tmp)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _report(args, tmp: Path) -> list[str]:
    python = sys.executable
    big, big_max = _ba_edges(args.n, args.m, tmp / "big.npy")
    small, small_max = _ba_edges(args.size5_n, args.m, tmp / "small.npy")
    rows = []

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp / "numba_cache"))
    compile_times = _run(python, "compile", env=env)
    cases = [("nodes", 4, big, "big"), ("edges", 4, big, "big"), ("nodes", 5, small, "small"),
             ("edges", 5, small, "small"), ("nodes", 5, big, "big"), ("edges", 5, big, "big")]
    for what, size, edges, label in cases:
        ours = _run(python, "graphkit", edges=edges, what=what, size=size,
                    repeats=args.repeats, save=tmp / f"gk_{what}{size}{label}.npy")
        graph = f"BA n={args.n if label == 'big' else args.size5_n}"
        quoted = label == "big" and what == "nodes" and (args.n, args.m) == (20_000, 5)
        orca_cell, ratio, agree = "not run", "", "-"
        if args.skip_orca:
            pass
        elif size == 5 and label == "big" and not args.orca_size5_big:
            if quoted:
                orca_cell = f"not run ({ORCA_PY_REFERENCE[5]:.0f} quoted)"
                ratio = f"{ORCA_PY_REFERENCE[5] / ours['best_s']:.0f}x (vs quoted)"
        else:
            ref = _run(python, "orca", edges=edges, what=what, size=size,
                       save=tmp / f"orca_{what}{size}{label}.npy")
            same = np.array_equal(np.load(tmp / f"gk_{what}{size}{label}.npy"),
                                  np.load(tmp / f"orca_{what}{size}{label}.npy"))
            orca_cell = f"{ref['best_s']:.2f}"
            ratio = f"{ref['best_s'] / ours['best_s']:.0f}x"
            agree = "identical" if same else "DIFFERENT"
        cpp = f"{ORCA_CPP_SECONDS[size]}" if quoted else "-"
        cpp_ratio = (f"{ORCA_CPP_SECONDS[size] / ours['best_s']:.2f}" if cpp != "-" else "-")
        rows.append(f"| orbit_counts size={size} on={what} | {graph} | {ours['best_s']:.3f} | "
                    f"{cpp} | {cpp_ratio} | {orca_cell} | {ratio} | {agree} | "
                    f"{ours['peak_mib']:.0f} |")

    adj = _run(python, "graphkit", edges=big, what="adjacency", repeats=1)
    rows.append(f"| orbit_adjacency (28 matrices, {adj['nnz']:,} nonzeros) | BA n={args.n} | "
                f"{adj['best_s']:.2f} | - | - | - | - | - | {adj['peak_mib']:.0f} "
                f"(after imports: {adj['rss_before_mib']:.0f}) |")
    lines = [
        f"Graph: networkx.barabasi_albert_graph(n, m={args.m}, seed=0); n={args.n}: "
        f"{big_max}; n={args.size5_n}: {small_max}. Times in seconds, best of "
        f"{args.repeats} (graphkit) or one call (orca-graphlets), input = numpy edge list.",
        "",
        "| measurement | graph | graphkit (s) | ORCA C++ ref (s) | ORCA C++ / graphkit | "
        "orca-graphlets (s) | orca-graphlets / graphkit | output vs orca-graphlets | "
        "graphkit peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Compile time (fresh numba cache, first call on a 5-node graph, s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in compile_times.items()),
    ]
    if args.gradco_python:
        lines += ["", *_gradco_rows(args, tmp, python)]
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")
    lines += ["", f"Versions: {_versions()}; {os.cpu_count()} CPUs."]
    return lines


def _gradco_rows(args, tmp: Path, python: str) -> list[str]:
    from graphkit.embed.orbit_adjacency import PAIR_KEYS

    edges, _ = _ba_edges(args.gradco_n, args.m, tmp / "gradco.npy")
    ref = _run(args.gradco_python, "gradco", edges=edges, save=tmp / "gradco_out.npz",
               keys=json.dumps([list(k) for k in PAIR_KEYS]))
    ours = _run(python, "graphkit", edges=edges, what="adjacency", repeats=1,
                save=tmp / "gk_adj.npz")
    a, b = np.load(tmp / "gradco_out.npz"), np.load(tmp / "gk_adj.npz")
    differing = [key for key in a.files if not np.array_equal(a[key], b[key])]
    verdict = ("all 28 matrices identical" if not differing
               else f"{len(differing)} of 28 differ: {', '.join(differing)}")
    return [
        f"GRADCO check on BA n={args.gradco_n}, m={args.m}: gradco {ref['best_s']:.2f} s "
        f"(peak RSS {ref['peak_mib']:.0f} MiB), graphkit {ours['best_s']:.2f} s "
        f"(peak RSS {ours['peak_mib']:.0f} MiB); {verdict}.",
    ]


if __name__ == "__main__":
    main()

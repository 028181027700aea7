"""node2vec and DeepWalk on BlogCatalog: Micro/Macro-F1 against the node2vec paper.

Protocol (Grover & Leskovec, KDD 2016, Section 4.3): d = 128, 10 walks of 80 nodes per node,
window 10, one epoch of skip-gram with negative sampling; node2vec with p = q = 0.25 (the
paper's tuned BlogCatalog setting), DeepWalk with p = q = 1. The embeddings are scored with
``graphkit.embed.evaluate.node_classification_f1`` (one-vs-rest logistic regression, C = 1,
top-k prediction) at 10 / 50 / 90 % training labels, averaged over 5 random splits.

Published Macro-F1 at 50 % labels (node2vec paper, Table 2): DeepWalk 0.211, node2vec 0.258.

With ``--pecanpy-python`` (a virtualenv with PecanPy, which needs numpy < 2) the same protocol
also scores PecanPy's node2vec embedding (SparseOTF ``embed``, same settings) as a control for
the skip-gram and evaluation side.

Usage (from the repository root)::

    python benchmarks/node2vec_blogcatalog.py --root ../shared/datasets \
        [--pecanpy-python /tmp/pecanpy-venv/bin/python]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from graphkit.data import load
from graphkit.embed.evaluate import node_classification_f1
from graphkit.embed.skipgram import node2vec
from graphkit.graph import as_graph

PAPER_MACRO_F1_AT_50 = {"DeepWalk": 0.211, "node2vec": 0.258}
PECANPY_EMBED = """
import sys
import numpy as np
from pecanpy import pecanpy
edges, out, n, dim, walks, length, window, workers, seed, p, q = sys.argv[1:]
g = pecanpy.SparseOTF(p=float(p), q=float(q), workers=int(workers), random_state=int(seed))
g.read_edg(edges, weighted=False, directed=False)
emb = g.embed(dim=int(dim), num_walks=int(walks), walk_length=int(length) - 1,
              window_size=int(window))
full = np.zeros((int(n), int(dim)), dtype=np.float32)
full[np.array([int(node) for node in g.nodes])] = emb
np.save(out, full)
"""


def _embed(graph, method: str, args: argparse.Namespace) -> tuple[np.ndarray, float]:
    p, q = (1.0, 1.0) if method == "DeepWalk" else (args.p, args.q)
    start = time.perf_counter()
    emb = node2vec(graph, dim=args.dim, walk_length=args.walk_length,
                   walks_per_node=args.walks_per_node, p=p, q=q, window=args.window,
                   epochs=args.epochs, workers=args.workers, seed=args.seed)
    return emb, time.perf_counter() - start


def _pecanpy_embed(graph, python: str, args: argparse.Namespace) -> tuple[np.ndarray, float]:
    """PecanPy's node2vec (SparseOTF; its walk_length counts steps, hence ``- 1``) in ``python``."""
    with tempfile.TemporaryDirectory() as tmp:
        edges = Path(tmp) / "graph.edg"
        pairs = np.stack([graph.row_ids(), graph.indices], axis=1)
        np.savetxt(edges, pairs[pairs[:, 0] < pairs[:, 1]], fmt="%d", delimiter="\t")
        out = Path(tmp) / "emb.npy"
        start = time.perf_counter()
        subprocess.run([python, "-c", PECANPY_EMBED, str(edges), str(out), str(graph.num_nodes),
                        str(args.dim), str(args.walks_per_node), str(args.walk_length),
                        str(args.window), str(args.workers), str(args.seed), str(args.p),
                        str(args.q)], check=True)
        return np.load(out), time.perf_counter() - start


def _rows(method: str, results: list[dict], embed_s: float, eval_s: float) -> list[str]:
    lines = []
    for row in results:
        paper = PAPER_MACRO_F1_AT_50.get(method.split()[0]) if abs(row["train_ratio"] - 0.5) < 1e-9 else None
        lines.append(
            f"| {method} | {row['train_ratio']:.0%} "
            f"| {row['micro_f1_mean']:.4f} ± {row['micro_f1_std']:.4f} "
            f"| {row['macro_f1_mean']:.4f} ± {row['macro_f1_std']:.4f} "
            f"| {'–' if paper is None else f'{paper:.3f}'} | {embed_s:.1f} | {eval_s:.1f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None, help="data root (default $GRAPHKIT_DATA)")
    parser.add_argument("--methods", default="node2vec,DeepWalk")
    parser.add_argument("--p", type=float, default=0.25)
    parser.add_argument("--q", type=float, default=0.25)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--walk-length", type=int, default=80)
    parser.add_argument("--walks-per-node", type=int, default=10)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gensim worker threads")
    parser.add_argument("--repeats", type=int, default=5, help="random splits per ratio")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--normalize", action="store_true",
                        help="L2-normalise the embeddings before the classifier")
    parser.add_argument("--pecanpy-python", default=None,
                        help="python of a PecanPy venv: also score PecanPy's node2vec")
    parser.add_argument("--out", default=None, help="also write the markdown table here")
    args = parser.parse_args(argv)
    methods = [name.strip() for name in args.methods.split(",")]
    unknown = sorted(set(methods) - set(PAPER_MACRO_F1_AT_50))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {sorted(PAPER_MACRO_F1_AT_50)}")

    dataset = load("blogcatalog", args.root)
    graph = as_graph(dataset.data, directed=False)
    labels = dataset.data.y.numpy()
    lines = [
        f"BlogCatalog: {graph.num_nodes} nodes, {graph.num_undirected_edges} undirected edges, "
        f"{labels.shape[1]} labels. d={args.dim}, {args.walks_per_node} walks x "
        f"{args.walk_length} nodes, window {args.window}, {args.epochs} epoch(s), gensim "
        f"workers={args.workers}, seed {args.seed}; node2vec p={args.p}, q={args.q}. "
        f"Scores: mean ± std over {args.repeats} random splits (C=1, normalize="
        f"{args.normalize}).",
        "",
        "| method | train labels | Micro-F1 | Macro-F1 | paper Macro-F1 | embed (s) | eval (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = [(method, lambda method=method: _embed(graph, method, args)) for method in methods]
    if args.pecanpy_python:
        runs.append(("node2vec (PecanPy)",
                     lambda: _pecanpy_embed(graph, args.pecanpy_python, args)))
    for name, embed in runs:
        emb, embed_s = embed()
        start = time.perf_counter()
        results = node_classification_f1(emb, labels, train_ratios=(0.1, 0.5, 0.9),
                                          repeats=args.repeats, C=1.0, seed=args.seed,
                                          normalize=args.normalize)
        lines += _rows(name, results, embed_s, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import gensim
    import numba
    import sklearn

    lines += [
        "",
        f"Peak RSS {peak:.0f} MiB. {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"gensim {gensim.__version__}, scikit-learn {sklearn.__version__}.",
    ]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()

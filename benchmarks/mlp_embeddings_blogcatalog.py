"""An MLP on FastRP embeddings of BlogCatalog, its regularisation chosen on validation nodes.

The node task's ``mlp`` defaults (dropout 0.5, weight decay 5e-4, 200 epochs) are the
Planetoid settings of Kipf & Welling; on 128-dimensional FastRP embeddings with 39 labels they
underfit. This script picks the dropout (no weight decay, 1000 epochs) by the valid micro-F1
of seed 0, then runs seeds 0-2 of the chosen setting beside the ``linear`` probe and the default
MLP, and prints a Markdown table. Finished jobs in ``--out-dir`` are read back, not rerun.

Usage (from the repository root)::

    python benchmarks/mlp_embeddings_blogcatalog.py --root ../shared/datasets --out-dir /tmp/mlp_bc
"""

from __future__ import annotations

import argparse
import itertools
import statistics

from graphkit.bench import BenchConfig, run

GRID = {"dropout": [0.0, 0.5], "weight_decay": [0.0]}
EPOCHS = 1000


def _run(model: str, params: dict, seeds: list[int], args, name: str) -> list[dict]:
    config = BenchConfig(
        task="node", datasets=["blogcatalog"], models=[model], seeds=seeds, params=params,
        root=args.root, out=f"{args.out_dir}/{name}", features="fastrp",
        feature_cache=f"{args.out_dir}/features", progress=False,
    )
    return run(config)


def _mean_std(records: list[dict], part: str) -> str:
    values = [100 * r["metrics"][part]["micro-f1"] for r in records]
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} ± {std:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--out-dir", default="/tmp/mlp_bc")
    args = parser.parse_args()
    print("| dropout | weight decay | valid micro-F1 (seed 0) |\n|---|---|---|")
    scored = []
    for dropout, decay in itertools.product(GRID["dropout"], GRID["weight_decay"]):
        params = {"dropout": dropout, "weight_decay": decay, "epochs": EPOCHS, "patience": EPOCHS}
        name = f"grid-d{dropout}-wd{decay}"
        records = _run("mlp", params, [0], args, name)
        valid = 100 * records[0]["metrics"]["valid"]["micro-f1"]
        scored.append((valid, params, name))
        print(f"| {dropout} | {decay} | {valid:.2f} |")
    _, best, best_name = max(scored, key=lambda item: item[0])
    seeds = list(range(3))
    rows = [  # the chosen setting's seed 0 is read back from its grid directory
        ("mlp, chosen on valid: " + ", ".join(f"{k}={v}" for k, v in best.items()),
         _run("mlp", best, seeds, args, best_name)),
        ("mlp, defaults", _run("mlp", {}, seeds, args, "mlp-default")),
        ("linear (logistic regression)", _run("linear", {}, seeds, args, "linear")),
    ]
    print("\n| model | valid micro-F1 | test micro-F1 | seeds |\n|---|---|---|---|")
    for label, records in rows:
        print(f"| {label} | {_mean_std(records, 'valid')} | {_mean_std(records, 'test')} | "
              f"{len(records)} |")


if __name__ == "__main__":
    main()

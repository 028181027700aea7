"""Neural Sheaf Diffusion on Cora and CiteSeer with random 48/32/20 per-class splits.

Bodnar et al. (NeurIPS 2022, Table 1) use the geom-gcn 48/32/20 splits of Cora and CiteSeer
(Gen-NSD 87.30 ± 1.15 on Cora, Diag-NSD 77.14 ± 1.85 on CiteSeer). Those split files are not in
the offline data here, so split ``i`` (i = 0..9) is a seeded, class-stratified
:func:`graphkit.data.splits.random_node_split` with ``train_ratio=0.48, valid_ratio=0.32``
(the rest, 20 %, is test), drawn with seed ``i``; the model seed is ``i`` as well. As in the
authors' loader, CiteSeer's 15 nodes without a label (``extra['unlabelled_nodes']`` of the
loaded dataset; PyG gives them zero features and class 0) are in no part; ``--splits all``
keeps them, as the first six rounds of ``nsd_planetoid.md`` did (Cora has no such node, so its
splits are the same either way). Every
(dataset, model, grid point) is trained on the same 10 splits through the ``nsd-*`` node
models (:func:`graphkit.bench.node.train_node_model`: full batch, the epoch of lowest valid
loss selected, as the authors' code); the grid point reported per (dataset, model) is the one
with the best **mean validation** accuracy, never test.

Each finished run is appended to ``--results`` (JSON lines) and skipped when the script is run
again, so an interrupted grid resumes. The table lists every grid point that has all splits;
``--report-only`` prints it without training anything.

Besides the named grid points, ``sweepS-K`` is trial ``K`` of the random search of
``nsd_random_search.py`` with sample seed ``S`` (the authors' WebKB sweep space), under this
script's budget and splits: the search drawn by that script, run on these splits.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 nice python benchmarks/nsd_planetoid.py --root ../shared/datasets \\
        --datasets cora,citeseer --models nsd-diag,nsd-orth,nsd-gen --results /tmp/nsd_planetoid.jsonl

The data root defaults to ``$GRAPHKIT_DATA``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

import torch
from nsd_random_search import trials

from graphkit.bench import Job, get_model
from graphkit.bench.config import parse_seeds
from graphkit.bench.node import NODE_DEFAULTS
from graphkit.data import load
from graphkit.data.splits import random_node_split
from graphkit.data.types import LoadedDataset

# the budget every run gets (the node defaults are 1500 epochs, patience 200): lowered so the
# grid fits on the shared 2-core machine; the selected epochs are far below the cap (reported)
BUDGET = {"epochs": 500, "patience": 100}
# grid points (overrides of the nsd-* node defaults: d 3, hidden 20, 2 layers, lr 0.02,
# dropout 0.7, weight decay 5e-4); "default" first
GRID = {
    "default": {},
    "d2-drop0.5": {"d": 2, "dropout": 0.5},
    # second round (2026-11-26), fixed before it ran: a GCN on the same splits reaches 87.9 on
    # Cora with input dropout 0.5, which the nsd-* defaults (input_dropout 0) lack
    "d2-drop0.5-in0.5": {"d": 2, "dropout": 0.5, "input_dropout": 0.5},
    "d3-drop0.5-in0.5": {"d": 3, "dropout": 0.5, "input_dropout": 0.5},
    "d2-drop0.5-in0.5-lr0.01": {"d": 2, "dropout": 0.5, "input_dropout": 0.5, "lr": 0.01},
    "d2-drop0.5-in0.5-h32": {"d": 2, "dropout": 0.5, "input_dropout": 0.5, "hidden": 32},
    # third round (2026-11-26, CiteSeer only), fixed before it ran: variations of the point with
    # the best CiteSeer validation accuracy so far (d3-drop0.5-in0.5) in regularisation, stalk
    # dimension, depth and epoch selection (the GCN on these splits selects on valid accuracy)
    "d3-drop0.5-in0.5-wd5e-3": {"d": 3, "dropout": 0.5, "input_dropout": 0.5, "weight_decay": 5e-3},
    "d3-drop0.7-in0.7": {"d": 3, "dropout": 0.7, "input_dropout": 0.7},
    "d3-drop0.5-in0.5-selvalid": {"d": 3, "dropout": 0.5, "input_dropout": 0.5, "select": "valid"},
    "d1-drop0.5-in0.5": {"d": 1, "dropout": 0.5, "input_dropout": 0.5},
    "d4-drop0.5-in0.5": {"d": 4, "dropout": 0.5, "input_dropout": 0.5},
    "d3-drop0.5-in0.5-l4": {"d": 3, "dropout": 0.5, "input_dropout": 0.5, "num_layers": 4},
    # fourth round (2026-11-26, CiteSeer only), fixed before it ran: no point so far had the
    # fixed identity stalk (the authors' add_hp, one channel of ordinary GCN diffusion), which
    # their WebKB sweep draws half the time
    "d3-drop0.5-in0.5-triv": {"d": 3, "dropout": 0.5, "input_dropout": 0.5, "add_trivial": True},
    "d2-drop0.5-in0.5-triv": {"d": 2, "dropout": 0.5, "input_dropout": 0.5, "add_trivial": True},
    # fifth round (2026-11-26, CiteSeer only), fixed before it ran: an MLP on the same splits
    # gets 72.89, so NSD (73.9-74.3) gains about 1 point from the graph where the GCN gains 3.5;
    # less dropout before each diffusion step, more regularisation of the input layer
    "d3-drop0.2-in0.5": {"d": 3, "dropout": 0.2, "input_dropout": 0.5},
    "d3-drop0.5-in0.8": {"d": 3, "dropout": 0.5, "input_dropout": 0.8},
    "d3-drop0.5-in0.5-wd1e-3": {"d": 3, "dropout": 0.5, "input_dropout": 0.5, "weight_decay": 1e-3},
    "d3-drop0.2-in0.8": {"d": 3, "dropout": 0.2, "input_dropout": 0.8},
    # sixth round (2026-11-26, CiteSeer only), fixed before it ran: the fifth round's best valid
    # point (d3-drop0.2-in0.8) pushed further, at d 2, and with selection on valid accuracy
    "d3-drop0.0-in0.8": {"d": 3, "dropout": 0.0, "input_dropout": 0.8},
    "d3-drop0.2-in0.9": {"d": 3, "dropout": 0.2, "input_dropout": 0.9},
    "d2-drop0.2-in0.8": {"d": 2, "dropout": 0.2, "input_dropout": 0.8},
    "d3-drop0.2-in0.8-selvalid": {"d": 3, "dropout": 0.2, "input_dropout": 0.8, "select": "valid"},
}
PAPER = {("cora", "nsd-gen"): 87.30, ("citeseer", "nsd-diag"): 77.14}
SWEEP = re.compile(r"sweep(\d+)-(\d+)")


def grid_point(name: str) -> dict[str, object]:
    """The overrides of grid point ``name``: a named point of ``GRID`` or a sweep trial.

    ``sweepS-K`` is trial ``K`` (0-based) of ``nsd_random_search.trials`` with sample seed
    ``S``, without its epoch budget: every point here gets ``BUDGET``.
    """
    if name in GRID:
        return GRID[name]
    match = SWEEP.fullmatch(name)
    if match is None:
        raise SystemExit(f"unknown grid point {name!r}: use one of {', '.join(GRID)} "
                         "or sweepS-K (trial K of the random search with sample seed S)")
    sample_seed, k = (int(v) for v in match.groups())
    params = trials(k + 1, sample_seed)[k]
    return {key: value for key, value in params.items() if key not in BUDGET}


def _splits(dataset: str, root: str | None, seeds: list[int], kind: str) -> dict[int, LoadedDataset]:
    base = load(dataset, root, task="node")
    exclude = base.extra["unlabelled_nodes"] if kind == "labelled" else None
    out = {}
    for seed in seeds:
        split = random_node_split(base.data.y, train_ratio=0.48, valid_ratio=0.32, seed=seed,
                                  exclude=exclude)
        out[seed] = LoadedDataset(base.name, "node", base.data, split, base.info, seed=seed)
    return out


def _done(path: Path) -> dict[tuple, dict]:
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    # rows written before the splits option existed used every node ("all")
    return {(r.get("splits", "all"), r["dataset"], r["model"], r["grid"], r["seed"]): r
            for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=None, help="data root (default: $GRAPHKIT_DATA)")
    parser.add_argument("--datasets", default="cora,citeseer")
    parser.add_argument("--models", default="nsd-diag,nsd-orth,nsd-gen")
    parser.add_argument("--grid", default=",".join(GRID), help=f"grid points, from {', '.join(GRID)}, or sweepS-K (module docstring)")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--splits", choices=("labelled", "all"), default="labelled",
                        help="leave CiteSeer's unlabelled nodes out of the splits (default), or not")
    parser.add_argument("--report-only", action="store_true",
                        help="print the table of the finished runs; train nothing")
    parser.add_argument("--results", default="runs/nsd_planetoid.jsonl")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds = parse_seeds(args.seeds)
    path = Path(args.results)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = {key[1:]: row for key, row in _done(path).items() if key[0] == args.splits}
    datasets = [d for d in args.datasets.split(",") if d]
    models = [m for m in args.models.split(",") if m]
    grid = [g for g in args.grid.split(",") if g]
    overrides = {point: grid_point(point) for point in grid}
    if args.report_only:
        _table(done, datasets, models, grid, seeds)
        return
    print(f"load average before: {os.getloadavg()}", flush=True)
    for dataset in datasets:
        splits = _splits(dataset, args.root, seeds, args.splits)
        for model in models:
            for point in grid:
                for seed in seeds:
                    if (dataset, model, point, seed) in done:
                        continue
                    params = {**NODE_DEFAULTS[model], **BUDGET, **overrides[point]}
                    start = time.perf_counter()
                    outcome = get_model("node", model).run(
                        Job(splits[seed], model, params, seed=seed, metric="accuracy")
                    )
                    row = {"splits": args.splits, "dataset": dataset, "model": model,
                           "grid": point, "seed": seed,
                           "valid": outcome.valid["accuracy"], "test": outcome.test["accuracy"],
                           "best_epoch": outcome.best_epoch, "epochs_run": outcome.epochs_run,
                           "seconds": round(time.perf_counter() - start, 1),
                           "load": round(os.getloadavg()[0], 1)}
                    with path.open("a") as handle:
                        handle.write(json.dumps(row) + "\n")
                    done[(dataset, model, point, seed)] = row
                    print(json.dumps(row), flush=True)
    _table(done, datasets, models, grid, seeds)


def _table(done: dict, datasets: list[str], models: list[str], grid: list[str], seeds: list[int]) -> None:
    def spread(values: list[float]) -> float:
        return statistics.stdev(values) if len(values) > 1 else 0.0

    print("\n| dataset | model | grid point | valid acc | test acc | selected (best valid) | "
          "paper (test) | best epochs | s / split | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for dataset in datasets:
        for model in models:
            complete = {}
            for point in grid:
                rows = [done.get((dataset, model, point, s)) for s in seeds]
                if all(rows):
                    complete[point] = rows
            if not complete:
                continue
            chosen = max(complete, key=lambda p: statistics.mean(r["valid"] for r in complete[p]))
            for point, rows in complete.items():
                valid = [100 * r["valid"] for r in rows]
                test = [100 * r["test"] for r in rows]
                paper = PAPER.get((dataset, model))
                print(f"| {dataset} | {model} | {point} | {statistics.mean(valid):.2f} ± {spread(valid):.2f} | "
                      f"{statistics.mean(test):.2f} ± {spread(test):.2f} | {'**yes**' if point == chosen else ''} | "
                      f"{'' if paper is None else f'{paper:.2f}'} | "
                      f"{min(r['best_epoch'] for r in rows)}-{max(r['best_epoch'] for r in rows)} | "
                      f"{statistics.mean(r['seconds'] for r in rows):.0f} | "
                      f"{min(r['load'] for r in rows):.1f}-{max(r['load'] for r in rows):.1f} |")


if __name__ == "__main__":
    main()

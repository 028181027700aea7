"""Rewiring against over-squashing on synthetic tasks: ring transfer and Tree-NeighborsMatch.

A GCN is trained on each dataset (Tree-NeighborsMatch at depth 2 and 3) as given (``none``) and
after each rewiring (SDRF, FoSR, BORF, GTR, LASER); DRew-GCN runs on the original graph, beside
its controls (``residual-gcn``: DRew-GCN's residual architecture with the 1-hop ring only), which
also run on the rewired graphs (``residual-gcn+sdrf``, ...; see :func:`_parse`). Every
configuration runs over 5 seeds (fewer where a dataset sets ``max_seeds``; each seed draws its
own graphs, features, split and initialisation); for every (dataset, method) the configuration
with the best mean validation accuracy is selected and its test accuracy reported (mean ± std
over the seeds). Depth equals the source-target distance (ring: ``ring_size // 2``
layers; tree: ``depth + 1`` layers, as Alon & Yahav), so information *can* reach the target
without rewiring: what changes is how much it is squashed on the way.

Datasets marked ``fit`` measure what Alon & Yahav (ICLR 2021) measure on Tree-NeighborsMatch:
how well the model FITS its training trees (over-squashing is a failure to fit). They train for
a fixed number of epochs with no early stopping (``patience = epochs``) and report, next to
valid/test at the epoch selected on validation, the training accuracy at that epoch, the best
training accuracy of the run and how much it still rose in the last sixth of the epochs (a
plateau check). Their hyperparameters are fixed in advance, identical for every method.

Each finished run is appended to ``--work/runs.jsonl`` and skipped on a rerun, so adding a method
later only runs what is new. Methods whose transform is not importable are reported as missing.

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 nice python benchmarks/rewire_synthetic.py \
        --out benchmarks/results/rewire_synthetic_table.md --work /tmp/rewire_synthetic

(``NUMBA_NUM_THREADS=1``: after a parallel numba kernel of a rewiring, numba's worker thread
kept a second core busy during the GCN training that followed in the same process.)
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from graphkit.bench.job import Job
from graphkit.bench.registry import get_model
from graphkit.bench.rewire import make_transform, rewire_dataset
from graphkit.data import load
from graphkit.errors import ConfigError

#: label -> catalogue name, generator options and GCN depth (= source-target distance + 0 or 1)
DATASETS: dict[str, dict[str, Any]] = {
    "ring-transfer": {"name": "ring-transfer",
                      "options": {"num_graphs": 200, "ring_size": 20, "num_classes": 5},
                      "num_layers": 10},
    "tree-neighbors-match": {"name": "tree-neighbors-match",
                             "options": {"num_graphs": 1000, "depth": 2}, "num_layers": 3},
    # the fitting experiment: hidden 32 as Alon & Yahav's default width, a fixed budget of
    # epochs (no early stopping), LASER's rho fixed in advance
    "tree-neighbors-match-d3-fit": {"name": "tree-neighbors-match",
                                    "options": {"num_graphs": 2500, "depth": 3}, "num_layers": 4,
                                    "fit": True, "grid": {"laser": [{"rho": 0.5}]}, "max_seeds": 5,
                                    "params": {"hidden": 32, "epochs": 600, "patience": 600}},
}
REWIRINGS = ["sdrf", "fosr", "borf", "gtr", "laser"]
#: rewiring arguments searched on validation (the rest are each transform's defaults)
REWIRING_GRID: dict[str, list[dict[str, Any]]] = {
    "none": [{}], "sdrf": [{}], "fosr": [{}], "borf": [{}], "gtr": [{}],
    "laser": [{"rho": 0.5}, {"rho": 1.0}],
}
#: models other than the plain GCN: label -> (bench model, its settings). The two
#: ``residual-gcn`` models are DRew-GCN's controls: the same encoder, residual layers and decoder
#: with only the 1-hop ring (``max_k = 1``), at DRew's width and at the width that matches DRew's
#: hidden-to-hidden weights (see :func:`_matched_width`), so a gain of DRew over them is the rings' and not
#: the residual connections' or the extra weights'.
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "gcn": ("gcn", {}),
    "drew": ("drew-gcn", {}),
    "residual-gcn": ("drew-gcn", {"max_k": 1}),
    "residual-gcn-wide": ("drew-gcn", {"max_k": 1}),
}
#: every rewiring with the GCN and with the residual GCN, and the models on the original graph
DEFAULT_METHODS = ["none", *REWIRINGS, "drew", "residual-gcn", "residual-gcn-wide",
                   *(f"residual-gcn+{rewiring}" for rewiring in REWIRINGS)]
#: model settings searched on validation (one value: the CPU budget of this machine)
MODEL_GRID = [{"lr": 0.01}]
FIXED = {"hidden": 64, "dropout": 0.0, "weight_decay": 0.0, "epochs": 150, "patience": 50}


def _parse(method: str) -> tuple[str, str]:
    """``(model label, rewiring)`` of a method label.

    A rewiring name (``sdrf``) is the plain GCN on the rewired graph, a model label (``drew``)
    that model on the original graph, and ``MODEL+REWIRING`` (``residual-gcn+sdrf``) both.
    """
    if "+" in method:
        model, rewiring = method.split("+", 1)
        return model, rewiring
    return (method, "none") if method in MODELS else ("gcn", method)


def _runs(dataset: str, methods: list[str], seeds: list[int]):
    """(method label, model, rewiring, rewiring params, model params, seed) of every run.

    Seed by seed (every method of seed 0 first), so a run cut short has whole seeds; a
    dataset's ``max_seeds`` caps the seeds.
    """
    entry = DATASETS[dataset]
    grid = {**REWIRING_GRID, **entry.get("grid", {})}
    for seed, method in itertools.product(seeds[:entry.get("max_seeds", len(seeds))], methods):
        label, rewiring = _parse(method)
        model, settings = MODELS[label]
        for rewire_params, model_params in itertools.product(grid[rewiring], MODEL_GRID):
            params = {**FIXED, **entry.get("params", {}), **model_params, **settings,
                      "num_layers": entry["num_layers"]}
            if label == "residual-gcn-wide":
                params["hidden"] = _matched_width(params["hidden"], params["num_layers"])
            yield method, model, rewiring, rewire_params, params, seed


def _matched_width(hidden: int, num_layers: int) -> int:
    """Width at which ``L`` one-ring layers hold as many weights as DRew-GCN's ``L(L + 1) / 2``.

    DRew-GCN's layer :math:`\\ell` (0-based) has :math:`\\ell + 1` weight matrices of size
    :math:`h \\times h`, :math:`h^2 L (L + 1) / 2` in all; :math:`L` one-ring layers of width
    :math:`h'` have :math:`h'^2 L`, equal when :math:`h' = h \\sqrt{(L + 1) / 2}`. The encoder
    and decoder, which grow with the width, are left out, so the total is a little larger.
    """
    return round(hidden * math.sqrt((num_layers + 1) / 2))


def _key(dataset: str, method: str, rewire_params: dict, params: dict, seed: int) -> str:
    return json.dumps([dataset, method, rewire_params, params, seed], sort_keys=True)


def _available(method: str) -> bool:
    rewiring = _parse(method)[1]
    if rewiring == "none":
        return True
    try:
        make_transform(rewiring)
    except ConfigError:
        return False
    return True


def run_one(dataset: str, model: str, rewiring: str, rewire_params: dict, params: dict,
            seed: int, cache: Path) -> dict[str, Any]:
    loaded = load(DATASETS[dataset]["name"], task="node", seed=seed, **DATASETS[dataset]["options"])
    start = time.perf_counter()
    loaded = rewire_dataset(loaded, rewiring, rewire_params, cache_dir=cache)
    rewire_s = time.perf_counter() - start
    spec = get_model("node", model)
    job = Job(dataset=loaded, model=model, params={**spec.defaults, **params}, seed=seed,
              metric="accuracy")
    torch.manual_seed(seed)
    start = time.perf_counter()
    outcome = spec.run(job)
    train = [h["train"] for h in outcome.history]
    tail = max(1, len(train) // 6)
    return {
        "valid": outcome.valid["accuracy"], "test": outcome.test["accuracy"],
        "train": outcome.train["accuracy"], "train_max": max(train),
        "train_max_epoch": 1 + train.index(max(train)),
        "train_tail_gain": max(train) - max(train[:-tail]) if len(train) > tail else max(train),
        "best_epoch": outcome.best_epoch, "train_s": round(time.perf_counter() - start, 2),
        "rewire_s": round(rewire_s, 2), "edges": int(loaded.data.edge_index.size(1)),
        "num_params": outcome.num_params,
    }


def _pm(values: list[float]) -> str:
    """``mean ± std`` (%) of fractions."""
    percent = [100 * v for v in values]
    return f"{statistics.mean(percent):.1f} ± {statistics.stdev(percent):.1f}"


def _select(records: dict[str, dict], dataset: str, method: str,
            seeds: list[int]) -> tuple[str, list[dict]] | str:
    """``(configuration label, its records)`` with the best mean valid accuracy over complete
    configurations, or why there is none."""
    by_config: dict[str, list[dict]] = {}
    for m, _, _, rewire_params, params, seed in _runs(dataset, [method], seeds):
        record = records.get(_key(dataset, m, rewire_params, params, seed))
        if record is not None:
            label = json.dumps({**rewire_params, "lr": params["lr"]})
            by_config.setdefault(label, []).append(record)
    needed = min(len(seeds), DATASETS[dataset].get("max_seeds", len(seeds)))
    complete = {k: v for k, v in by_config.items() if len(v) == needed}
    if not complete:
        done = sum(len(v) for v in by_config.values())
        expected = len(list(_runs(dataset, [method], seeds)))
        return ("transform not available" if not _available(method) else
                f"incomplete: {done} of {expected} runs done in the CPU time" if done
                else "not run in the CPU time")
    return max(complete.items(), key=lambda item: statistics.mean(r["valid"] for r in item[1]))


def _baseline(method: str) -> str | None:
    """What a fitting row is paired with: the same model on the original graph, and for DRew-GCN
    and the wide control, the residual control (they differ from it in rings or width only)."""
    label, rewiring = _parse(method)
    if rewiring != "none":
        return "none" if label == "gcn" else label
    return "residual-gcn" if method in ("drew", "residual-gcn-wide") else None


def _paired_gain(chosen: list[dict], base: list[dict]) -> str:
    """Mean ± std over seeds of the best-train-accuracy difference, and how many seeds rose."""
    base_by_seed = {json.loads(r["key"])[-1]: r["train_max"] for r in base}
    gains = [100 * (r["train_max"] - base_by_seed[json.loads(r["key"])[-1]]) for r in chosen]
    return (f"{statistics.mean(gains):+.1f} ± {statistics.stdev(gains):.1f} "
            f"({sum(g > 0 for g in gains)}/{len(gains)} higher)")


def summarise(records: dict[str, dict], methods: list[str], seeds: list[int]) -> list[str]:
    lines = []
    for dataset in DATASETS:
        fit = DATASETS[dataset].get("fit", False)
        fit_head = ("| weights | best train acc. | paired gain in best train acc. (vs) "
                    "| train acc. at selected epoch | train gain, last 1/6 of epochs " if fit else "")
        num_seeds = min(len(seeds), DATASETS[dataset].get("max_seeds", len(seeds)))
        lines += [f"### {dataset} ({json.dumps(DATASETS[dataset]['options'])}, "
                  f"{DATASETS[dataset]['num_layers']} layers, {num_seeds} seeds)", "",
                  f"| method | selected configuration {fit_head}| valid acc. | test acc. | edges "
                  "| rewire s (uncached) | train s/seed |",
                  "|---|---|---|---|---|---|---|" + ("---|---|---|---|---|" if fit else "")]
        empty = "| | | | | |" + (" | | | | |" if fit else "")
        selected = {method: _select(records, dataset, method, seeds)
                    for method in {*methods, *filter(None, map(_baseline, methods))}}
        for method in methods:
            if isinstance(selected[method], str):
                lines.append(f"| {method} | {selected[method]} {empty}")
                continue
            label, chosen = selected[method]
            fit_cells = ""
            if fit:
                weights = chosen[0].get("num_params")
                base = _baseline(method)
                paired = (f"{_paired_gain(chosen, selected[base][1])} vs {base}"
                          if base and not isinstance(selected[base], str) else "")
                fit_cells = (f"| {f'{weights:,}' if weights else '–'} "
                             f"| **{_pm([r['train_max'] for r in chosen])}** | {paired} "
                             f"| {_pm([r['train'] for r in chosen])} "
                             f"| {_pm([r['train_tail_gain'] for r in chosen])} ")
            lines.append(
                f"| {method} | `{label}` {fit_cells}| {_pm([r['valid'] for r in chosen])} "
                f"| **{_pm([r['test'] for r in chosen])}** "
                f"| {statistics.mean(r['edges'] for r in chosen):,.0f} "
                f"| {max(r['rewire_s'] for r in chosen):.1f} "
                f"| {statistics.mean(r['train_s'] for r in chosen):.1f} |"
            )
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Markdown table to write.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/rewire_synthetic"),
                        help="Run log (runs.jsonl) and rewiring cache.")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="Comma-separated: a rewiring (the GCN on the rewired graph), a model "
                        f"({', '.join(m for m in MODELS if m != 'gcn')}) or MODEL+REWIRING.")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", default=",".join(DATASETS), help="Datasets to run (the table "
                        "lists every dataset with runs in the log).")
    parser.add_argument("--no-run", action="store_true", help="Only write the table from the log.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = list(range(args.seeds))
    requested = args.methods.split(",")
    for method in requested:
        label, rewiring = _parse(method)
        if label not in MODELS or rewiring not in REWIRING_GRID:
            parser.error(f"--methods: unknown method {method!r}; use none, a rewiring "
                         f"({', '.join(REWIRINGS)}), a model ({', '.join(m for m in MODELS if m != 'gcn')}) "
                         "or MODEL+REWIRING.")
    methods = [m for m in requested if _available(m)]
    missing = [m for m in requested if m not in methods]
    args.work.mkdir(parents=True, exist_ok=True)
    log = args.work / "runs.jsonl"
    records = {}
    if log.exists():
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            records[entry["key"]] = entry
    for dataset in [] if args.no_run else args.datasets.split(","):
        for method, model, rewiring, rewire_params, params, seed in _runs(dataset, methods, seeds):
            key = _key(dataset, method, rewire_params, params, seed)
            if key in records:
                continue
            record = run_one(dataset, model, rewiring, rewire_params, params, seed, args.work / "rewire")
            record["key"] = key
            records[key] = record
            with log.open("a") as handle:
                handle.write(json.dumps(record) + "\n")
            print(f"{dataset} {method} {rewire_params} lr={params['lr']} seed {seed}: "
                  f"train {record['train']:.3f} (best {record['train_max']:.3f}) "
                  f"valid {record['valid']:.3f} test {record['test']:.3f} ({record['train_s']} s)",
                  flush=True)
    lines = [f"Machine: {platform.platform()}, torch {torch.__version__}, 1 thread; "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    lines += summarise(records, requested, seeds)
    if missing:
        lines.append(f"Not available when this ran: {', '.join(missing)}.")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

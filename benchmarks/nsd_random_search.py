"""Random hyperparameter search for an ``nsd-*`` node model, selected on validation accuracy.

The search space is the authors' WebKB sweep (``config/orth_webkb_sweep.yml`` of
twitter-research/neural-sheaf-diffusion, a wandb random search whose metric is the mean
validation accuracy over the 10 folds):

* ``d`` ∈ {2, 3, 4}; ``add_signed`` (their ``add_lp``) and ``add_trivial`` (``add_hp``) on/off;
* ``num_layers`` ∈ {2, ..., 6}; ``hidden`` ∈ {8, 16, 32} channels per stalk dimension;
* ``weight_decay = exp(u)``, u ~ U(−9.2, −6.8) (1.0e-4 to 1.1e-3); ``sheaf_decay = exp(u)``,
  u ~ U(−11, −6.8) (1.7e-5 to 1.1e-3), as wandb's ``log_uniform``;
* ``input_dropout``, ``dropout`` ∈ {0.0, 0.1, ..., 0.9};
* fixed: lr 0.02, at most 1000 epochs, patience 200, the epoch of lowest validation loss.

Trial ``k`` is the ``k``-th draw of ``random.Random(sample_seed)``, so the list of trials is
fixed before anything runs and a longer search extends a shorter one. Every trial trains on the
splits of ``--seeds`` (seed ``i`` uses geom-gcn split ``i``) with ``graphkit.bench.run`` into
``OUT_DIR/trial-KKK``; finished trials are read back, not rerun, so several processes can share
the work (``--part 0/2`` and ``--part 1/2``). The table lists every finished trial by mean
validation accuracy; the first row is the selected one. Test accuracy plays no part in it.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 python benchmarks/nsd_random_search.py --root ../shared/datasets \\
        --dataset cornell --model nsd-diag --trials 64 --out-dir /tmp/nsdsearch
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from pathlib import Path

from graphkit.bench import BenchConfig, run
from graphkit.bench.config import parse_seeds
from graphkit.bench.results import ResultStore, mean_std

DROPOUTS = [round(0.1 * i, 1) for i in range(10)]
FIXED = {"lr": 0.02, "epochs": 1000, "patience": 200}


def sample_trial(rng: random.Random) -> dict[str, object]:
    """One draw from the authors' WebKB sweep distributions (module docstring)."""
    return {
        "d": rng.choice([2, 3, 4]),
        "add_signed": rng.choice([True, False]),
        "add_trivial": rng.choice([True, False]),
        "num_layers": rng.choice([2, 3, 4, 5, 6]),
        "hidden": rng.choice([8, 16, 32]),
        "weight_decay": math.exp(rng.uniform(-9.2, -6.8)),
        "sheaf_decay": math.exp(rng.uniform(-11.0, -6.8)),
        "input_dropout": rng.choice(DROPOUTS),
        "dropout": rng.choice(DROPOUTS),
        **FIXED,
    }


def trials(count: int, sample_seed: int) -> list[dict[str, object]]:
    """The first ``count`` trials of the search seeded with ``sample_seed``."""
    rng = random.Random(sample_seed)
    return [sample_trial(rng) for _ in range(count)]


def _assignments(params: dict[str, object]) -> str:
    def value(v: object) -> str:
        if isinstance(v, bool):
            return str(v).lower()
        return f"{v:.3g}" if isinstance(v, float) and v < 1e-2 else str(v)

    return " ".join(f"{key}={value(v)}" for key, v in params.items() if key not in FIXED)


def _format(values: list[float]) -> str:
    mean, std = mean_std(values)
    return f"{mean:.2f} ± {std:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=None, help="data root (default: $GRAPHKIT_DATA)")
    parser.add_argument("--dataset", default="cornell")
    parser.add_argument("--model", default="nsd-diag")
    parser.add_argument("--trials", type=int, default=64, help="number of trials (default 64)")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed of the trial list")
    parser.add_argument("--seeds", default="0-9", help="splits / model seeds of every trial")
    parser.add_argument("--part", default="0/1",
                        help="I/N: train trials k with k mod N == I, read the rest back if finished")
    parser.add_argument("--out-dir", default="/tmp/nsdsearch")
    parser.add_argument("--report-only", action="store_true", help="train nothing, print the table")
    args = parser.parse_args()
    try:
        index, parts = (int(v) for v in args.part.split("/"))
    except ValueError:
        parser.error(f"--part must be I/N with integers, e.g. 0/2; got {args.part!r}")
    if not 0 <= index < parts:
        parser.error(f"--part I/N needs 0 <= I < N, e.g. 0/2 and 1/2; got {args.part!r}")
    seeds = parse_seeds(args.seeds)
    out_dir = Path(args.out_dir) / f"{args.dataset}-{args.model}-s{args.sample_seed}"

    rows = []
    for k, params in enumerate(trials(args.trials, args.sample_seed)):
        out = out_dir / f"trial-{k:03d}"
        if args.report_only or k % parts != index:
            records = [r for r in ResultStore(out).records() if r["seed"] in seeds]
        else:
            records = run(BenchConfig(task="node", datasets=[args.dataset], models=[args.model],
                                      seeds=seeds, params=params, root=args.root, out=str(out),
                                      progress=False))
        if len(records) < len(seeds):
            continue  # not started or not finished: another part trains it
        valid = [100 * r["metrics"]["valid"]["accuracy"] for r in records]
        test = [100 * r["metrics"]["test"]["accuracy"] for r in records]
        seconds = statistics.mean(r["wall_time_s"] for r in records)
        rows.append((statistics.mean(valid), k, params, valid, test, seconds))

    rows.sort(key=lambda row: (-row[0], row[1]))
    print(f"{len(rows)} finished trials of {args.trials}; {args.dataset}, {args.model}, "
          f"seeds {args.seeds}, sample seed {args.sample_seed}; fixed {FIXED}\n")
    print("| rank | trial | valid | test | s/split | hyperparameters |")
    print("|---|---|---|---|---|---|")
    for rank, (_, k, params, valid, test, seconds) in enumerate(rows, 1):
        print(f"| {rank} | {k} | {_format(valid)} | {_format(test)} | {seconds:.0f} | "
              f"{_assignments(params)} |")
    if rows:
        k, params = rows[0][1], rows[0][2]
        sets = " ".join(f"--set {key}={str(v).lower() if isinstance(v, bool) else v}"
                        for key, v in params.items())
        print(f"\nSelected: trial {k}, as one command (full-precision values):\n\n```bash\n"
              f"graphkit bench --task node --dataset {args.dataset} --model {args.model} "
              f"--seeds {args.seeds} {sets} --out {out_dir}/selected\n```")


if __name__ == "__main__":
    main()

"""Valid-selected test metric within a wall-time budget, read from a run's learning curves.

Every link record of ``graphkit bench`` keeps its evaluations in ``history`` (epoch, valid,
test, and ``time_s``: seconds since training started, evaluations included). Training is
deterministic for a seed, so the evaluations done within ``--budget`` seconds are exactly those a
run with ``--set time_limit_s=BUDGET`` would have made before stopping; selecting the best valid
one among them gives that run's reported test value (ties keep the earlier epoch, as the
runner does). Also prints the full-run numbers and the mean over seeds.

Usage (from the repository root)::

    python benchmarks/time_to_accuracy.py runs/ddi-sage-bf16 --budget 900 [--curves]

``--curves`` also prints every evaluation of every seed (epoch, valid, test, seconds).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from graphkit.bench.results import ResultStore, mean_std


def best_within(history: list[dict], budget: float) -> dict | None:
    """The first evaluation with the highest valid value among those done by ``budget``."""
    best = None
    for point in history:
        if point["time_s"] <= budget and (best is None or point["valid"] > best["valid"]):
            best = point
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a graphkit bench --out directory")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds (default 900)")
    parser.add_argument("--curves", action="store_true", help="print every evaluation too")
    args = parser.parse_args(argv)
    records = ResultStore(args.run).records()  # ordered by dataset, model, seed
    print(f"| seed | metric | full run: valid | test | best epoch | wall (s) | within {args.budget:.0f} s: "
          "valid | test | epoch | at (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    within_tests, full_tests = [], []
    for r in records:
        metric = r["metric"]
        best = best_within(r["history"], args.budget)
        full_tests.append(100 * r["metrics"]["test"][metric])
        cells = ["-"] * 4
        if best is not None:
            within_tests.append(100 * best["test"])
            cells = [f"{100 * best['valid']:.2f}", f"{100 * best['test']:.2f}", str(best["epoch"]),
                     f"{best['time_s']:.0f}"]
        print(f"| {r['seed']} | {metric} | {100 * r['metrics']['valid'][metric]:.2f} | "
              f"{full_tests[-1]:.2f} | {r['best_epoch']} | {r['wall_time_s']:.0f} | "
              + " | ".join(cells) + " |")
    if args.curves:
        for r in records:
            points = ", ".join(f"{p['epoch']}: {100 * p['valid']:.1f}/{100 * p['test']:.1f} "
                               f"@{p['time_s']:.0f}s" for p in r["history"])
            print(f"\nseed {r['seed']} (epoch: valid/test @time): {points}")
    for label, values in (("full run", full_tests), (f"within {args.budget:.0f} s", within_tests)):
        if values:
            mean, spread = mean_std(values)
            print(f"\n{label}: test mean {mean:.2f} ± {spread:.2f} "
                  f"over {len(values)} seeds")


if __name__ == "__main__":
    main()

"""A sheaf link model against GraphSAGE on ogbl-ddi (Hits@20) with the same epoch budget.

Runs ``graphkit bench --task link --dataset ogbl-ddi`` jobs for each model and seed with the same
``--set`` overrides (by default ``epochs=6 eval_every=1``: every epoch is evaluated and the test
value reported is the one at the best valid epoch), one job at a time, then prints a Markdown
table: per-seed valid/test Hits@20, best epoch, seconds per epoch (training plus evaluation),
peak RSS and the 1-minute load average when the job ended (jobs read back from an earlier call
have none), and mean ± sample std over seeds.
Finished jobs found in the output directory are read back, not rerun, so the equivalent CLI
commands (printed with the table) and this script share their results.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 nice python benchmarks/nsd_ddi.py --root ../shared/datasets \\
        --models sage,nsd-diag --seeds 0-9 --out runs/nsd-ddi

The data root defaults to ``$GRAPHKIT_DATA``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from datetime import datetime, timezone

import torch

from graphkit.bench import BenchConfig, run
from graphkit.bench.config import parse_assignments, parse_seeds


def _command(model: str, seeds: str, assignments: list[str], out: str) -> str:
    sets = " ".join(f"--set {item}" for item in assignments)
    return f"graphkit bench --task link --dataset ogbl-ddi --model {model} --seeds {seeds} {sets} --out {out}"


def _mean_std(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} ± {spread:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=None, help="data root (default: $GRAPHKIT_DATA)")
    parser.add_argument("--models", default="sage,nsd-diag")
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--set", dest="assignments", action="append",
                        default=None, help="key=value for every model (default: epochs=6, eval_every=1)")
    parser.add_argument("--out", default="runs/nsd-ddi")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: shared machine)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    assignments = args.assignments or ["epochs=6", "eval_every=1"]
    params = parse_assignments(assignments)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    seeds = parse_seeds(args.seeds)
    print(f"platform {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} with "
          f"{torch.get_num_threads()} thread(s); load average before: {os.getloadavg()}", flush=True)
    rows: dict[str, list[tuple[dict, str]]] = {m: [] for m in models}
    started = datetime.now(timezone.utc).replace(microsecond=0)
    for seed in seeds:  # seeds outer, models inner: both models see similar machine load
        for model in models:
            config = BenchConfig(task="link", datasets=["ogbl-ddi"], models=[model], seeds=[seed],
                                 params=params, root=args.root, out=f"{args.out}/{model}")
            (record,) = run(config)
            # the load average is known only for a job this call ran, not for one read back
            ran_now = datetime.fromisoformat(record["finished_at"]) >= started
            load = f"{os.getloadavg()[0]:.1f}" if ran_now else "read back"
            rows[model].append((record, load))
            test = record["metrics"]["test"]["hits@20"]
            print(f"{model} seed {seed}: valid {100 * record['metrics']['valid']['hits@20']:.2f} test "
                  f"{100 * test:.2f} ({record['wall_time_s']:.0f} s, load {load})", flush=True)
    print("\n| model | seed | valid Hits@20 | test Hits@20 | best epoch | epochs | s / epoch | "
          "peak RSS (MiB) | load avg at end | parameters |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model in models:
        for record, load in rows[model]:
            metrics = record["metrics"]
            print(f"| {model} | {record['seed']} | {100 * metrics['valid']['hits@20']:.2f} | "
                  f"{100 * metrics['test']['hits@20']:.2f} | {record['best_epoch']} | "
                  f"{record['epochs_run']} | {record['wall_time_s'] / record['epochs_run']:.0f} | "
                  f"{record['peak_rss_mb'] or 0:.0f} | {load} | {record['num_params']:,} |")
    print("\n| model | seeds | valid Hits@20 | test Hits@20 |")
    print("|---|---|---|---|")
    for model in models:
        records = [r for r, _ in rows[model]]
        valid = [100 * r["metrics"]["valid"]["hits@20"] for r in records]
        test = [100 * r["metrics"]["test"]["hits@20"] for r in records]
        print(f"| {model} | {len(records)} | {_mean_std(valid)} | **{_mean_std(test)}** |")
    print(f"\nload average after: {os.getloadavg()}\nEquivalent CLI commands:")
    for model in models:
        print("    " + _command(model, args.seeds, assignments, f"{args.out}/{model}"))


if __name__ == "__main__":
    main()

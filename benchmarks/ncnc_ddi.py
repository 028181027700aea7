"""NCNC on ogbl-ddi with the official recipe: train NCN, then fine-tune its best state with completion.

The official ddi NCNC (GraphPKU/NeuralCommonNeighbor README) first trains NCN with the ddi
command and ``--savemod`` (the state of the best valid epoch), then loads it with ``--loadmod``
into NCNC and trains 2 more epochs with the encoder's learning rate at 0, the predictor's at
0.0025, and the NCNC calibration ``--probscale 10 --proboffset 3 --pt 0.1 --alpha 0.5``. The
reported test Hits@20 is that of NCNC's best valid epoch. Per seed here: ``ncn`` with its
defaults (the official NCN command) for ``--ncn-epochs``, its best-valid state kept in memory
(``on_best``), then ``ncnc`` with its defaults, ``lr=0``, ``predictor_lr=0.0025``, for
``--ncnc-epochs``, started from that state (``init_state``). Published (Wang, Yang & Zhang,
ICLR 2024, 10 seeds): NCN 82.32 ± 6.10, NCNC 84.11 ± 3.67.

One NCNC epoch with its evaluation takes about 3 h with two CPU threads here
(``results/ncn_ddi.md``), so this is a GPU job:

    python benchmarks/ncnc_ddi.py --root ../shared/datasets --device cuda --seeds 0 \
        --json ncnc_ddi_s0.json

``--dataset`` with a smaller ``--batch-size`` runs the same recipe on another link dataset (its
own metric) as a quick CPU check, e.g. ``--dataset usair --batch-size 256 --ncn-epochs 30``;
the ddi batch of 24,576 would hold all of a small graph's training edges, which target-link
removal refuses. The other hyperparameters stay ddi's.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch

from graphkit.bench import Job
from graphkit.bench.link_ncn import NCN_DEFAULTS, NCNC_DEFAULTS, train_ncn
from graphkit.data import load

FINE_TUNING = {"lr": 0.0, "predictor_lr": 0.0025}  # official ddi NCNC: --gnnlr 0.00 --prelr 0.0025


def _run_seed(dataset, seed: int, args) -> dict:
    """NCN, then NCNC from NCN's best-valid state; both records and wall times."""
    metric = dataset.info.metrics["link"]
    common = {"device": args.device, "eval_every": 1, "batch_size": args.batch_size}
    kept: dict[str, dict] = {}

    def keep(model: torch.nn.Module) -> None:
        kept["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}

    ncn_params = {**NCN_DEFAULTS, **common, "epochs": args.ncn_epochs}
    ncnc_params = {**NCNC_DEFAULTS, **common, **FINE_TUNING, "epochs": args.ncnc_epochs}
    record = {"seed": seed, "metric": metric}
    for name, completion, params in (("ncn", False, ncn_params), ("ncnc", True, ncnc_params)):
        options = {"init_state": kept["state"]} if completion else {"on_best": keep}
        torch.manual_seed(seed)
        start = time.perf_counter()
        outcome = train_ncn(Job(dataset, name, params, seed=seed, metric=metric, progress=True),
                            completion, **options)
        record[name] = {"config": params, "valid": outcome.valid, "test": outcome.test,
                        "best_epoch": outcome.best_epoch, "epochs_run": outcome.epochs_run,
                        "wall_time_s": time.perf_counter() - start, "history": outcome.history}
        print(f"seed {seed} {name}: valid {100 * outcome.valid[metric]:.2f} test "
              f"{100 * outcome.test[metric]:.2f} (best epoch {outcome.best_epoch}, "
              f"{record[name]['wall_time_s']:.0f} s)", flush=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None, help="graphkit data root (default $GRAPHKIT_DATA)")
    parser.add_argument("--dataset", default="ogbl-ddi")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds, e.g. 0,1,2")
    parser.add_argument("--batch-size", type=int, default=NCN_DEFAULTS["batch_size"])
    parser.add_argument("--ncn-epochs", type=int, default=NCN_DEFAULTS["epochs"])
    parser.add_argument("--ncnc-epochs", type=int, default=2)
    parser.add_argument("--json", default=None, help="write the records here")
    args = parser.parse_args()
    records = []
    for seed in (int(s) for s in args.seeds.split(",")):
        dataset = load(args.dataset, args.root, task="link", seed=seed)
        records.append(_run_seed(dataset, seed, args))
    metric = records[0]["metric"]
    for name in ("ncn", "ncnc"):
        valid = torch.tensor([100 * r[name]["valid"][metric] for r in records])
        test = torch.tensor([100 * r[name]["test"][metric] for r in records])
        print(f"{args.dataset} {name} ({len(records)} seeds): valid {valid.mean():.2f} ± "
              f"{valid.std(unbiased=False):.2f}, test {test.mean():.2f} ± {test.std(unbiased=False):.2f}")
    if args.json:
        versions = {"python": platform.python_version(), "torch": torch.__version__}
        with open(args.json, "w") as handle:
            json.dump({"dataset": args.dataset, "records": records, "versions": versions}, handle, indent=1)


if __name__ == "__main__":
    main()

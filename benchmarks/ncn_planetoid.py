"""NCN / NCNC on Cora and CiteSeer random link splits with the paper's protocol.

Protocol of the official code (GraphPKU/NeuralCommonNeighbor, ``dataset.py`` and README): a
random 70 / 10 / 20 % train / valid / test split of the undirected edges for every run (seed),
one random non-edge per test positive, Hits@100 (OGB definition), 100 epochs evaluated every
epoch, test reported at the best valid epoch; the hyperparameters are the README's per-dataset
commands (below). graphkit's split draws one negative per *valid* positive too (the official
split has two) and the official ``--jk`` (a learnable scale with one layer) is not implemented.
Cora's predictor edge dropout ``--preedp 0.4`` is the ``edge_dropout`` parameter. It was
chosen per model on the validation Hits@100 of 10 seeds (``results/ncn_planetoid.md``): kept
for NCN (95.40 against 95.25 without it) and dropped for NCNC (95.47 against 95.53).
``--set edge_dropout=...`` overrides it for both models.

    nice python benchmarks/ncn_planetoid.py --root ../shared/datasets --seeds 0-9 --out /tmp/ncn_planetoid.md
    nice python benchmarks/ncn_planetoid.py --root ../shared/datasets --datasets cora --set edge_dropout=0.0
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from graphkit.bench import Job, get_model
from graphkit.bench.config import parse_assignments
from graphkit.data import load

# README commands: --model puregcn --hiddim 256 --mplayers 1 --ln --lnnn --use_xlin --tailact
# --maskinput --epochs 100, plus (key: official flag); "ncnc" holds NCNC's own values
SETTINGS = {
    "cora": {
        "encoder": "gcn", "residual": False, "hidden": 256, "num_layers": 1, "tail_act": True,
        "input_dropout": 0.7, "tail_dropout": 0.3, "encoder_dropout": 0.05, "dropout": 0.05,
        "lr": 0.0043, "predictor_lr": 0.0024, "batch_size": 1152, "out_layers": 1,
        "epochs": 100, "eval_every": 1, "edge_dropout": 0.4,
        "ncnc": {"prob_scale": 4.3, "prob_offset": 2.8, "prior": 0.75, "alpha": 1.0,
                 "edge_dropout": 0.0},
    },
    "citeseer": {
        "encoder": "gcn", "residual": False, "hidden": 256, "num_layers": 1, "tail_act": True,
        "input_dropout": 0.4, "tail_dropout": 0.0, "encoder_dropout": 0.75, "dropout": 0.55,
        "lr": 0.0085, "predictor_lr": 0.0078, "batch_size": 384, "out_layers": 2,
        "epochs": 100, "eval_every": 1,
        "ncnc": {"prob_scale": 6.5, "prob_offset": 4.4, "prior": 0.75, "alpha": 0.4},
    },
}
# Wang, Yang & Zhang (ICLR 2024), Table 2 (Hits@100, mean ± std over 10 runs), as recalled.
PUBLISHED = {("cora", "ncn"): "89.05 ± 0.96", ("citeseer", "ncn"): "91.56 ± 1.43",
             ("cora", "ncnc"): "89.65 ± 1.36", ("citeseer", "ncnc"): "93.47 ± 0.95"}


def _seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = map(int, text.split("-"))
        return list(range(first, last + 1))
    return [int(s) for s in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--datasets", default="cora,citeseer")
    parser.add_argument("--models", default="ncn,ncnc")
    parser.add_argument("--seeds", default="0-9", help="'0-9' or '0,1,2'")
    parser.add_argument("--out", default=None)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a setting on every dataset (e.g. edge_dropout=0.4)")
    args = parser.parse_args()
    overrides = parse_assignments(args.set)
    torch.set_num_threads(1)
    rows = ["| dataset | model | runs | valid Hits@100 | test Hits@100 | published test | s / epoch |",
            "|---|---|---|---|---|---|---|"]
    for name in args.datasets.split(","):
        settings = dict(SETTINGS[name])
        completion = settings.pop("ncnc")
        for model in args.models.split(","):
            spec = get_model("link", model)
            params = {**spec.defaults, **settings, **(completion if model == "ncnc" else {}), **overrides}
            valid, test, per_epoch = [], [], []
            for seed in _seeds(args.seeds):
                dataset = load(name, args.root, task="link", seed=seed, valid_ratio=0.1, test_ratio=0.2)
                torch.manual_seed(seed)
                start = time.perf_counter()
                outcome = spec.run(Job(dataset, model, params, seed=seed, metric="hits@100"))
                per_epoch.append((time.perf_counter() - start) / outcome.epochs_run)
                valid.append(100 * outcome.valid["hits@100"])
                test.append(100 * outcome.test["hits@100"])
                print(f"{name} {model} seed {seed}: valid {valid[-1]:.2f} test {test[-1]:.2f} "
                      f"(best epoch {outcome.best_epoch}, {per_epoch[-1]:.2f} s/epoch)", flush=True)
            rows.append(
                f"| {name} | {model} | {len(test)} | {np.mean(valid):.2f} ± {np.std(valid):.2f} | "
                f"{np.mean(test):.2f} ± {np.std(test):.2f} | {PUBLISHED[(name, model)]} | "
                f"{np.mean(per_epoch):.2f} |"
            )
            print(rows[-1], flush=True)
    print("\n".join(rows))
    if args.out:
        with open(args.out, "w") as handle:
            handle.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()

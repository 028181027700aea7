"""What a training checkpoint costs against a link model's epoch.

For each dataset: train the ``gcn`` link model with the bench defaults (no checkpoint) and
report seconds per epoch; then time :meth:`TrainingCheckpoint.epoch_done` on the trained model and
its Adam optimiser (save interval 0, so every call writes) and report the mean seconds per save
and the file size. This is the measurement behind ``SAVE_INTERVAL_S`` in
``graphkit/bench/checkpoint.py``.

    OMP_NUM_THREADS=1 python benchmarks/checkpoint_cost.py --root ../shared/datasets
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from graphkit.bench import Job
from graphkit.bench import checkpoint as checkpoint_module
from graphkit.bench.link import GNN_DEFAULTS, BestValidEvaluation, LinkModel, fit_link_model
from graphkit.data import load
from graphkit.layers.propagation import Adjacency

_METRIC = {"cora": "auc", "ogbl-ddi": "hits@20"}


def measure(name: str, root: str | None, epochs: int, saves: int) -> str:
    dataset = load(name, root, task="link", seed=0)
    data, p = dataset.data, {**GNN_DEFAULTS, "epochs": epochs, "eval_every": epochs}
    x = None if getattr(data, "x", None) is None else data.x.float()
    torch.manual_seed(0)
    model = LinkModel(data.num_nodes, None if x is None else x.size(1), p["hidden"], "gcn",
                      p["num_layers"], p["dropout"], p["predictor"], p["predictor_layers"])
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    adj = Adjacency(data.edge_index, num_nodes=data.num_nodes, layout=p["layout"])
    start = time.perf_counter()
    fit_link_model(Job(dataset, "gcn", p, seed=0, metric=_METRIC[name]), model, optimizer, x, adj)
    per_epoch = (time.perf_counter() - start) / epochs  # one evaluation included
    checkpoint_module.SAVE_INTERVAL_S = 0.0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "job.pt"
        parts = {"model": model, "optimizer": optimizer, "selection": BestValidEvaluation("auc")}
        checkpoint = checkpoint_module.TrainingCheckpoint(path, parts, torch.Generator())
        start = time.perf_counter()
        for epoch in range(1, saves + 1):
            checkpoint.epoch_done(epoch)
        per_save = (time.perf_counter() - start) / saves
        size = path.stat().st_size
    params = sum(t.numel() for t in model.parameters())
    return (f"| {name} | {params:,} | {per_epoch * 1000:.0f} | {per_save * 1000:.1f} | "
            f"{size / 2**20:.1f} | {per_save / per_epoch:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--datasets", default="cora,ogbl-ddi")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    print("| dataset | parameters | ms per epoch (gcn defaults) | ms per save | MiB per save | save / epoch |")
    print("|---|---|---|---|---|---|")
    for name in args.datasets.split(","):
        print(measure(name, args.root, args.epochs, args.saves), flush=True)


if __name__ == "__main__":
    main()

"""The training metric of the node loop: computed on the training nodes, at the selected epoch.

A tiny problem where the three node sets have different, hand-computed accuracies once the
model has fitted: the training nodes carry contradictory labels (3 of 4 nodes of each feature
agree), so the best fit scores exactly 0.75 on them, while the valid and test nodes are
consistent (1.0) and all nodes together score 10/12. A training metric computed on any other
set of nodes than the training nodes would give one of the other values.
"""

from __future__ import annotations

import torch
from torch_geometric.data import Data

from graphkit.bench import Job
from graphkit.bench.node import NODE_DEFAULTS, train_node_model
from graphkit.data import get_info
from graphkit.data.types import LoadedDataset, NodeSplit


def _contradictory() -> LoadedDataset:
    """12 nodes: features ``[1, 0]`` or ``[0, 1]``; train 0-7 (two labels flipped), valid 8-9, test 10-11."""
    feature = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1])
    y = feature.clone()
    y[3], y[7] = 1, 0  # one contradicting label per feature among the training nodes
    ring = torch.arange(12)
    edge_index = torch.stack([torch.cat([ring, (ring + 1) % 12]), torch.cat([(ring + 1) % 12, ring])])
    data = Data(x=torch.nn.functional.one_hot(feature, 2).float(), y=y, edge_index=edge_index)
    split = NodeSplit(torch.arange(8), torch.tensor([8, 9]), torch.tensor([10, 11]))
    return LoadedDataset("contradictory", "node", data, split, get_info("cora"), seed=0)


def _fit(dataset: LoadedDataset):
    params = {**NODE_DEFAULTS["mlp"], "num_layers": 1, "dropout": 0.0, "weight_decay": 0.0,
              "lr": 0.1, "epochs": 60, "patience": 60}
    job = Job(dataset=dataset, model="mlp", params=params, seed=0, metric="accuracy")
    return train_node_model(job, "mlp")


def test_train_accuracy_is_measured_on_the_training_nodes():
    outcome = _fit(_contradictory())
    assert outcome.valid["accuracy"] == 1.0 and outcome.test["accuracy"] == 1.0
    # the best fit of the training nodes gets 6 of 8 right; all 12 nodes would give 10/12
    assert outcome.train["accuracy"] == 0.75
    assert set(outcome.train) == {"accuracy", "macro-f1"}


def test_train_value_of_the_history_is_the_selected_epochs():
    outcome = _fit(_contradictory())
    history = outcome.history
    assert all(set(h) == {"epoch", "loss", "train", "valid", "test"} for h in history)
    assert history[outcome.best_epoch - 1]["train"] == outcome.train["accuracy"]

"""Shared fixtures of the benchmark-task tests."""

from __future__ import annotations

import pytest
from torch_geometric.data import Data

from graphkit.bench import checkpoint as checkpoint_module
from graphkit.data import get_info
from graphkit.data.splits import random_link_split, training_graph
from graphkit.data.synthetic import planted_link_graph
from graphkit.data.types import LoadedDataset


@pytest.fixture(scope="session")
def planted_link_dataset():
    """Factory ``make(split_options, **graph_options) -> LoadedDataset``.

    The graph is ``planted_link_graph(**graph_options)`` split by
    ``random_link_split(graph, **split_options)``; ``data`` holds the training graph only.
    """

    def make(split_options: dict, **graph_options) -> LoadedDataset:
        graph = planted_link_graph(**graph_options)
        split = random_link_split(graph, **split_options)
        data = Data(edge_index=training_graph(split, graph.num_nodes), num_nodes=graph.num_nodes)
        return LoadedDataset("planted", "link", data, split, get_info("sbm"), seed=0)

    return make


@pytest.fixture
def crash_in_epoch_2(monkeypatch):
    """Factory ``install(module, name) -> calls`` for the resumption tests.

    Saves a checkpoint after every epoch (``SAVE_INTERVAL_S = 0``) and replaces
    ``module.<name>``, a function the training loop calls once per epoch, by a counting wrapper
    that raises ``KeyboardInterrupt`` on its second call: a process killed in epoch 2, after
    epoch 1's checkpoint. ``calls`` grows by one per call.
    """
    monkeypatch.setattr(checkpoint_module, "SAVE_INTERVAL_S", 0.0)

    def install(module, name: str) -> list[int]:
        original, calls = getattr(module, name), []

        def counted(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
        return calls

    return install

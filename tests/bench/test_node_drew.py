"""``drew-gcn`` in ``graphkit bench --task node``: registered, trained by the node loop, validated."""

from __future__ import annotations

import pytest
import torch

from graphkit.bench import BenchConfig, run
from graphkit.bench.node_drew import DREW_DEFAULTS, DRewNodeModel
from graphkit.bench.registry import get_model
from graphkit.errors import ConfigError
from graphkit.layers.rewire.drew import DRewGNN


def test_registered_with_defaults():
    spec = get_model("node", "drew-gcn")
    assert spec.defaults == DREW_DEFAULTS
    assert (spec.defaults["nu"], spec.defaults["max_k"], spec.defaults["num_layers"]) == (1, 0, 4)


def test_bench_run_trains_drew_gcn(tmp_path):
    params = {"epochs": 3, "num_layers": 2, "hidden": 8}
    records = run(BenchConfig(task="node", datasets=["ring-transfer"], models=["drew-gcn"],
                              seeds=[0], params=params, out=str(tmp_path), progress=False))
    record = records[0]
    assert record["epochs_run"] == 3 and len(record["history"]) == 3
    # ring-transfer: 6 input features (5 classes + target flag), 5 classes
    expected = DRewGNN(6, 8, 5, num_layers=2)
    assert record["num_params"] == sum(p.numel() for p in expected.parameters())


def test_zero_means_no_delay_and_no_cap_and_bad_values():
    edge_index = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    model = DRewNodeModel(2, 2, edge_index, 3, {**DREW_DEFAULTS, "nu": 0, "max_k": 0})
    assert model.net.nu is None and model.net.max_k is None and len(model.rings) == 4
    capped = DRewNodeModel(2, 2, edge_index, 3, {**DREW_DEFAULTS, "nu": 2, "max_k": 2})
    assert capped.net.nu == 2 and len(capped.rings) == 2
    with pytest.raises(ConfigError, match="nu"):
        DRewNodeModel(2, 2, edge_index, 3, {**DREW_DEFAULTS, "nu": -1})

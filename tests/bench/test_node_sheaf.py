"""Tests of the Neural Sheaf Diffusion bench models (``nsd-diag``, ``nsd-orth``, ``nsd-gen``)."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from graphkit.bench import BenchConfig, Job, get_model, model_names, run
from graphkit.bench.node import NODE_DEFAULTS, NodeModel, SheafNodeModel
from graphkit.data import get_info, load
from graphkit.data.splits import random_node_split
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError

NSD = ["nsd-diag", "nsd-orth", "nsd-gen"]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def sbm() -> LoadedDataset:
    """400 nodes in 4 blocks with weak features (an MLP gets about 0.56, GNNs 0.96 or more)."""
    return load("sbm", task="node", seed=0, num_nodes=400, p_in=0.08, p_out=0.005,
                num_features=16, feature_signal=1.0)


def _job(dataset: LoadedDataset, model: str, seed: int = 0, **params) -> Job:
    return Job(dataset=dataset, model=model, params={**NODE_DEFAULTS[model], **params}, seed=seed,
               metric=dataset.info.metrics["node"])


def test_registered_with_the_authors_defaults():
    assert set(model_names("node")) >= set(NSD)
    for name in NSD:
        defaults = get_model("node", name).defaults
        assert (defaults["hidden"], defaults["lr"], defaults["patience"]) == (20, 0.02, 200)
        assert defaults["sheaf_decay"] is None
    assert get_model("node", "nsd-orth").defaults["orth_method"] == "householder"
    assert get_model("node", "nsd-orth").defaults["edge_weights"] is True


@pytest.mark.parametrize("model", NSD)
def test_learns_planted_classes(sbm, model):
    params = {"epochs": 60, "patience": 60, "hidden": 8, "d": 2, "dropout": 0.0}
    outcome = get_model("node", model).run(_job(sbm, model, **params))
    assert outcome.test["accuracy"] > 0.8  # chance 0.25, features alone about 0.56
    assert outcome.num_params > 0 and outcome.epochs_run == 60


def test_same_seed_same_result(sbm):
    runs = [get_model("node", "nsd-orth").run(_job(sbm, "nsd-orth", seed=s, epochs=4, hidden=4))
            for s in (3, 3, 4)]
    assert runs[0].history == runs[1].history
    assert runs[0].history != runs[2].history


def test_sheaf_decay_gets_its_own_parameter_group(sbm):
    params = {**NODE_DEFAULTS["nsd-diag"], "weight_decay": 1e-3, "sheaf_decay": 1e-5, "hidden": 4}
    model = SheafNodeModel("nsd-diag", 16, 4, sbm.data.edge_index, 400, params)
    sheaf, other = model.param_groups
    assert (sheaf["weight_decay"], other["weight_decay"]) == (1e-5, 1e-3)
    assert {id(p) for p in sheaf["params"]} == {id(p) for p in model.net.sheaf_parameters()}
    assert len(sheaf["params"]) + len(other["params"]) == len(list(model.parameters()))
    params["sheaf_decay"] = None
    model = SheafNodeModel("nsd-diag", 16, 4, sbm.data.edge_index, 400, params)
    assert model.param_groups[0]["weight_decay"] == 1e-3


def test_graph_is_symmetrised_and_loop_free():
    # one direction per edge and a self-loop: the model makes the graph undirected without loops
    edge_index = torch.tensor([[0, 1, 2, 3, 3], [1, 2, 3, 0, 3]])
    params = {**NODE_DEFAULTS["nsd-gen"], "hidden": 2}
    model = SheafNodeModel("nsd-gen", 3, 2, edge_index, 4, params)
    assert sorted(map(tuple, model.edge_index.t().tolist())) == [
        (0, 1), (0, 3), (1, 0), (1, 2), (2, 1), (2, 3), (3, 0), (3, 2)
    ]
    x = torch.rand(4, 3)
    torch.testing.assert_close(model.eval()(x.to_sparse(), None, edge_index),
                               model(x, None, edge_index))


def test_needs_node_features():
    ring = torch.arange(30)
    edge_index = torch.stack([torch.cat([ring, (ring + 1) % 30]), torch.cat([(ring + 1) % 30, ring])])
    data = Data(edge_index=edge_index, y=ring % 2, num_nodes=30)
    dataset = LoadedDataset("nofeat", "node", data, random_node_split(data.y, seed=0),
                            get_info("cora"), seed=0)
    with pytest.raises(ConfigError, match="needs node features"):
        get_model("node", "nsd-diag").run(_job(dataset, "nsd-diag", epochs=1))


def test_node_model_rejects_sheaf_kinds():
    with pytest.raises(ConfigError, match="kind"):
        NodeModel("nsd-orth", 4, 8, 2, 10)


def test_runner_applies_overrides(tmp_path):
    config = BenchConfig(task="node", datasets=["sbm"], models=["nsd-orth"], seeds=[0],
                         params={"epochs": 3, "hidden": 4, "d": 2, "add_trivial": True},
                         out=str(tmp_path / "out"))
    (record,) = run(config)
    assert record["epochs_run"] == 3 and record["config"]["params"]["d"] == 2
    assert set(record["metrics"]["test"]) == {"accuracy", "macro-f1"}


def test_selects_the_lowest_valid_loss_epoch(sbm):
    # same seed and no early stop: both runs train identically and differ only in the selection
    params = {"epochs": 25, "patience": 25, "hidden": 4, "d": 2}
    by_loss = get_model("node", "nsd-diag").run(_job(sbm, "nsd-diag", **params))
    by_valid = get_model("node", "nsd-diag").run(_job(sbm, "nsd-diag", select="valid", **params))
    assert by_loss.history == by_valid.history
    assert by_valid.valid["accuracy"] == max(h["valid"] for h in by_valid.history)
    assert by_valid.valid["accuracy"] >= by_loss.valid["accuracy"]
    entry = by_loss.history[by_loss.best_epoch - 1]
    assert (entry["valid"], entry["test"]) == (by_loss.valid["accuracy"], by_loss.test["accuracy"])


def test_unknown_selection_is_an_error(sbm):
    with pytest.raises(ConfigError, match="select"):
        get_model("node", "nsd-diag").run(_job(sbm, "nsd-diag", select="test", epochs=1))

"""Tests of the node classification task: every model learns planted classes, the reported test
value is the one of the best valid epoch, seeded determinism, logistic regression against a
direct scikit-learn fit, APPNP against PyG, the memory guard and the runner end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from torch_geometric.data import Data
from torch_geometric.nn import APPNP
from torch_geometric.utils import coalesce

from graphkit.bench import BenchConfig, Job, get_model, run
from graphkit.bench import node as node_module
from graphkit.bench.node import (
    NODE_DEFAULTS,
    NodeModel,
    appnp_propagate,
    check_memory,
    estimate_memory,
    node_metrics,
    run_linear,
    train_node_model,
)
from graphkit.data import get_info, load
from graphkit.data.splits import random_node_split
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError
from graphkit.layers.propagation import Adjacency


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def sbm() -> LoadedDataset:
    """400 nodes in 4 blocks (p_in 0.08, p_out 0.005), weak features: the graph carries the signal.

    On this graph an MLP reaches about 0.56 test accuracy and every GNN 0.96 or more.
    """
    return load("sbm", task="node", seed=0, num_nodes=400, p_in=0.08, p_out=0.005,
                num_features=16, feature_signal=1.0)


def _job(dataset: LoadedDataset, model: str, seed: int = 0, **params) -> Job:
    merged = {**NODE_DEFAULTS[model], **params}
    return Job(dataset=dataset, model=model, params=merged, seed=seed,
               metric=dataset.info.metrics["node"])


def _multilabel(num_nodes: int = 300, num_labels: int = 5, with_x: bool = True, seed: int = 0):
    """Multi-label targets (each node 1-2 labels, like BlogCatalog) and features that reveal them."""
    rng = np.random.default_rng(seed)
    y = np.zeros((num_nodes, num_labels), dtype=np.float32)
    y[np.arange(num_nodes), rng.integers(0, num_labels, num_nodes)] = 1
    second = rng.random(num_nodes) < 0.3
    y[np.flatnonzero(second), rng.integers(0, num_labels, int(second.sum()))] = 1
    x = y @ rng.normal(size=(num_labels, 8)) + 0.5 * rng.normal(size=(num_nodes, 8))
    ring = np.arange(num_nodes)
    edge_index = torch.tensor(np.stack([np.r_[ring, (ring + 1) % num_nodes],
                                        np.r_[(ring + 1) % num_nodes, ring]]))
    data = Data(edge_index=edge_index, y=torch.from_numpy(y), num_nodes=num_nodes)
    if with_x:
        data.x = torch.from_numpy(x.astype(np.float32))
    split = random_node_split(data.y, seed=seed, stratify=False)
    return LoadedDataset("multilabel", "node", data, split, get_info("blogcatalog"), seed=seed)


# ---------------------------------------------------------------- training


@pytest.mark.parametrize("model", ["mlp", "gcn", "sage", "gin", "gat", "appnp"])
def test_every_model_learns_planted_classes(sbm, model):
    # 4 balanced classes: chance is 0.25. Features alone give an MLP ~0.56; the graph gives more.
    outcome = get_model("node", model).run(_job(sbm, model, epochs=60, patience=60))
    floor = 0.45 if model == "mlp" else 0.85
    assert outcome.test["accuracy"] > floor
    assert set(outcome.test) == {"accuracy", "macro-f1"}
    assert outcome.num_params > 0


def test_reported_test_value_is_the_best_valid_epoch(sbm):
    outcome = train_node_model(_job(sbm, "gcn", epochs=40, patience=40), "gcn")
    history = outcome.history
    assert [h["epoch"] for h in history] == list(range(1, 41))
    best_valid = max(h["valid"] for h in history)
    entry = history[outcome.best_epoch - 1]
    assert entry["valid"] == best_valid == outcome.valid["accuracy"]
    assert entry["test"] == outcome.test["accuracy"]
    # ties on valid go to the first epoch reaching the best (lower valid loss among equals)
    assert outcome.best_epoch >= min(h["epoch"] for h in history if h["valid"] == best_valid)


def test_mlp_without_features_fails_and_names_the_fix():
    """An MLP sees no graph: on learned per-node embeddings it cannot score unseen nodes."""
    dataset = _multilabel(with_x=False)
    with pytest.raises(ConfigError, match="model 'mlp' needs node features.*--features"):
        get_model("node", "mlp").run(_job(dataset, "mlp", epochs=2))
    assert get_model("node", "appnp").run(_job(dataset, "appnp", epochs=2)).epochs_run == 2


def test_patience_stops_training(sbm):
    outcome = train_node_model(_job(sbm, "mlp", epochs=500, patience=5, lr=0.05), "mlp")
    assert outcome.epochs_run < 500
    assert outcome.epochs_run == outcome.best_epoch + 5
    assert len(outcome.history) == outcome.epochs_run


@pytest.mark.parametrize("model", ["gcn", "gat"])
def test_same_seed_same_result(sbm, model):
    runs = [train_node_model(_job(sbm, model, seed=s, epochs=10), model) for s in (3, 3, 4)]
    assert runs[0].history == runs[1].history
    assert runs[0].history != runs[2].history


def test_sparse_input_matches_dense(sbm):
    model = NodeModel("gcn", 16, 8, 4, sbm.data.num_nodes).eval()
    adj = Adjacency(sbm.data.edge_index, num_nodes=sbm.data.num_nodes)
    x = torch.relu(sbm.data.x)  # about half zeros
    dense = model(x, adj, sbm.data.edge_index)
    sparse = model(x.to_sparse(), adj, sbm.data.edge_index)
    torch.testing.assert_close(sparse, dense)


def test_featureless_multilabel_gnn_uses_embeddings():
    dataset = _multilabel(with_x=False)
    outcome = train_node_model(_job(dataset, "gcn", epochs=5), "gcn")
    assert set(outcome.test) == {"micro-f1", "macro-f1"}
    model = NodeModel("gcn", None, 16, 5, 300)
    assert model.embedding.weight.shape == (300, 16)


def test_node_metrics():
    assert node_metrics("accuracy", multilabel=False) == ["accuracy", "macro-f1"]
    assert node_metrics("micro-f1", multilabel=True) == ["micro-f1", "macro-f1"]


# ---------------------------------------------------------------- linear


def test_linear_multilabel_equals_direct_one_vs_rest_fit():
    dataset = _multilabel()
    outcome = run_linear(_job(dataset, "linear"))
    x, y, split = dataset.data.x.double().numpy(), dataset.data.y.numpy(), dataset.split
    x = StandardScaler().fit(x[split.train_idx]).transform(x)  # training-node statistics
    # the embedding-evaluation protocol: one-vs-rest liblinear (DeepWalk / FastRP scoring)
    reference = OneVsRestClassifier(LogisticRegression(C=1.0, solver="liblinear", max_iter=1000))
    reference.fit(x[split.train_idx], y[split.train_idx].astype(int))
    scores = reference.predict_proba(x[split.test_idx])
    truth = y[split.test_idx].astype(int)
    k = truth.sum(axis=1, keepdims=True)
    ranks = np.argsort(np.argsort(-scores, axis=1, kind="stable"), axis=1)
    predicted = (ranks < k).astype(int)
    assert outcome.test["micro-f1"] == pytest.approx(f1_score(truth, predicted, average="micro"))
    assert outcome.test["macro-f1"] == pytest.approx(f1_score(truth, predicted, average="macro"))
    assert outcome.test["micro-f1"] > 0.7
    assert outcome.num_params == 5 * (8 + 1)


def test_linear_label_without_training_positives_predicts_it_never(sbm):
    dataset = _multilabel()
    y, train = dataset.data.y.clone(), dataset.split.train_idx
    rare = torch.zeros(y.size(0), 1)
    rare[dataset.split.test_idx[:3]] = 1.0  # a sixth label only test nodes have
    dataset.data.y = torch.cat([y, rare], dim=1)
    outcome = run_linear(_job(dataset, "linear"))
    assert not rare[train].any()
    assert outcome.num_params == 5 * (8 + 1)  # the constant predictor of label 6 has none
    assert 0.0 < outcome.test["macro-f1"] < outcome.test["micro-f1"]


def test_linear_single_label(sbm):
    outcome = run_linear(_job(sbm, "linear"))
    assert set(outcome.test) == {"accuracy", "macro-f1"}
    assert outcome.test["accuracy"] > 0.4  # chance 0.25
    assert outcome.num_params == 4 * (16 + 1)


def test_linear_without_features_asks_for_features():
    with pytest.raises(ConfigError, match="--features"):
        run_linear(_job(_multilabel(with_x=False), "linear"))


def test_standardized_linear_ignores_the_scale_of_a_feature(sbm):
    job = _job(sbm, "linear")
    job.features = sbm.data.x.clone()
    scaled = _job(sbm, "linear")
    scaled.features = sbm.data.x.clone()
    scaled.features[:, 0] *= 1000.0
    standardized, rescaled = run_linear(job), run_linear(scaled)
    assert standardized.valid == pytest.approx(rescaled.valid)
    assert standardized.test == pytest.approx(rescaled.test)
    raw = _job(sbm, "linear", standardize=False)
    raw.features = scaled.features
    assert run_linear(raw).valid != pytest.approx(standardized.valid)  # the scale matters there


def test_a_split_without_validation_nodes_is_refused(sbm):
    split = random_node_split(sbm.data.y, seed=0, train_ratio=0.5, valid_ratio=0.0)
    dataset = LoadedDataset("sbm", "node", sbm.data, split, sbm.info, seed=0)
    for model in ("linear", "gcn"):
        with pytest.raises(ConfigError, match="no validation nodes.*valid_ratio > 0"):
            get_model("node", model).run(_job(dataset, model))


def test_job_features_replace_data_x(sbm):
    features = torch.nn.functional.one_hot(sbm.data.y, 4).float()  # the labels themselves
    job = _job(sbm, "linear")
    job.features = features
    assert run_linear(job).test["accuracy"] == 1.0


def test_only_the_datasets_own_features_are_row_normalised(sbm):
    job = _job(sbm, "mlp", normalize_features=True)
    x, *_ = node_module._inputs(job)
    expected = sbm.data.x / sbm.data.x.abs().sum(dim=1, keepdim=True)
    torch.testing.assert_close(x, expected.float())
    job.features = 3.0 * sbm.data.x.clone()  # an embedding from --features
    x, *_ = node_module._inputs(job)
    torch.testing.assert_close(x, job.features)


# ---------------------------------------------------------------- APPNP


def test_appnp_propagation_equals_pyg():
    generator = torch.Generator().manual_seed(0)
    edge_index = torch.randint(0, 30, (2, 120), generator=generator)
    edge_index = edge_index[:, edge_index[0] != edge_index[1]]
    edge_index = coalesce(torch.cat([edge_index, edge_index.flip(0)], dim=1))  # simple graph
    h = torch.randn(30, 5, generator=generator)
    ours = appnp_propagate(h, Adjacency(edge_index, num_nodes=30), K=10, alpha=0.1)
    torch.testing.assert_close(ours, APPNP(K=10, alpha=0.1)(h, edge_index), rtol=1e-5, atol=1e-5)


def test_appnp_with_alpha_one_is_the_mlp():
    h = torch.randn(4, 3)
    adj = Adjacency(torch.tensor([[0, 1, 2], [1, 2, 3]]), num_nodes=4)
    torch.testing.assert_close(appnp_propagate(h, adj, K=3, alpha=1.0), h)


# ---------------------------------------------------------------- memory guard


def test_memory_estimate_exact_on_small_inputs():
    params = {"hidden": 16, "num_layers": 2, "layout": "dense"}
    estimate = estimate_memory("gcn", 100, 400, 10, 3, params)
    assert estimate == {"features": 2 * 4 * 100 * 10, "adjacency": 2 * 4 * 100 * 100,
                        "activations": 4 * 4 * 2 * 100 * (16 + 3)}
    sparse = estimate_memory("gcn", 100, 400, 10, 3, {**params, "layout": "sparse"})
    assert sparse["adjacency"] == 0
    # 'auto' follows Adjacency's rule: dense for a small graph of density >= 5 %
    assert estimate_memory("gcn", 100, 600, 10, 3, {**params, "layout": "auto"})["adjacency"] > 0
    assert estimate_memory("gcn", 100, 400, 10, 3, {**params, "layout": "auto"})["adjacency"] == 0


def test_memory_guard_fails_early_with_advice(sbm, monkeypatch):
    monkeypatch.setattr(node_module, "available_memory", lambda: 10_000)
    with pytest.raises(ConfigError, match=r"layout=sparse.*") as error:
        train_node_model(_job(sbm, "gcn", layout="dense"), "gcn")
    assert "MemAvailable" in str(error.value) and "sbm/gcn" in str(error.value)
    check_memory({"features": 10, "adjacency": 0, "activations": 10}, "d", "m", available=20)
    check_memory({"features": 10, "adjacency": 0, "activations": 10}, "d", "m", available=None)


def test_available_memory_reads_meminfo():
    value = node_module.available_memory()
    assert value is None or value > 0


# ---------------------------------------------------------------- runner


def test_runner_runs_node_jobs(tmp_path):
    config = BenchConfig(task="node", datasets=["sbm"], models=["gcn"], seeds=[0, 1],
                         params={"epochs": 15, "hidden": 8}, out=str(tmp_path / "out"))
    records = run(config)
    assert [r["seed"] for r in records] == [0, 1]
    for record in records:
        assert record["metric"] == "accuracy"
        assert set(record["metrics"]["test"]) == {"accuracy", "macro-f1"}
        assert record["epochs_run"] == 15 and len(record["history"]) == 15
        assert record["config"]["params"]["hidden"] == 8
    lines = (tmp_path / "out" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["model"] == "gcn"
    assert run(config) == records  # finished jobs are read back, not rerun


def test_every_model_is_registered():
    from graphkit.bench import model_names

    assert set(model_names("node")) >= {"mlp", "gcn", "sage", "gat", "gin", "appnp", "linear"}
    assert get_model("node", "gat").defaults["heads"] == 8


def test_input_dropout_replaces_dropout_on_the_first_layer_only():
    x = torch.rand(30, 6)
    adj = Adjacency(torch.tensor([[0, 1], [1, 0]]), num_nodes=30)

    def train_equals_eval(input_dropout):
        torch.manual_seed(0)
        model = NodeModel("mlp", 6, 8, 3, 30, num_layers=1, dropout=0.9, input_dropout=input_dropout)
        with torch.no_grad():
            trained = model.train()(x, adj, None)
            return torch.allclose(trained, model.eval()(x, adj, None))

    assert train_equals_eval(0.0)  # one layer: its input is the only place dropout acts
    assert not train_equals_eval(None)  # None: the input gets `dropout` (0.9)


def test_gcn_layer_options_reach_every_layer(sbm):
    model = NodeModel("gcn", 16, 8, 4, 400, layer_options={"self_loops": "add", "init": "uniform"})
    assert [(layer.self_loops, layer.init) for layer in model.layers] == [("add", "uniform")] * 2
    outcome = train_node_model(_job(sbm, "gcn", self_loops="add", init="uniform", epochs=30), "gcn")
    default = train_node_model(_job(sbm, "gcn", epochs=30), "gcn")
    assert outcome.history != default.history  # the options change the model that is trained
    with pytest.raises(ConfigError, match="init"):
        train_node_model(_job(sbm, "gcn", init="he"), "gcn")

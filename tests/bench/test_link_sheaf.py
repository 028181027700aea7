"""Tests of the sheaf link models (``nsd-diag``, ``nsd-orth``, ``nsd-gen`` for ``--task link``):
registration, end to end through :func:`graphkit.bench.run`, learning on planted communities
from learnable embeddings, determinism per seed, the sparse cached encoder, and config errors."""

from __future__ import annotations

import pytest
import torch

from graphkit.bench import BenchConfig, Job, get_model, model_names, run
from graphkit.bench.link_sheaf import SHEAF_LINK_DEFAULTS, SheafLinkModel
from graphkit.data import load
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError

NSD = ["nsd-diag", "nsd-orth", "nsd-gen"]
SMALL = {"hidden": 16, "channels": 4, "d": 2, "batch_size": 256, "epochs": 4, "eval_every": 2,
         "lr": 0.01, "dropout": 0.0}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def planted(planted_link_dataset) -> LoadedDataset:
    """8 communities of 12 nodes (p_in 0.6, p_out 0.01), no features, a random 85/5/10 split."""
    return planted_link_dataset({"seed": 0}, num_communities=8, community_size=12, p_in=0.6,
                                p_out=0.01, seed=0)


def test_registered_for_the_link_task_with_the_ddi_recipe():
    assert set(model_names("link")) >= set(NSD)
    for name in NSD:
        spec = get_model("link", name)
        assert spec.defaults == SHEAF_LINK_DEFAULTS[name]
        recipe = {"hidden": 256, "num_layers": 2, "dropout": 0.5, "lr": 0.005, "batch_size": 65536,
                  "epochs": 200, "eval_every": 5, "predictor": "mlp", "predictor_layers": 2}
        assert {k: spec.defaults[k] for k in recipe} == recipe
    assert get_model("link", "nsd-orth").defaults["edge_weights"] is True


def test_end_to_end_through_run_is_deterministic(tmp_path):
    params = {**SMALL, "epochs": 2, "eval_every": 1, "batch_size": 4096}
    records = {}
    for out in ("a", "b"):
        config = BenchConfig(datasets=["sbm"], models=["nsd-diag"], seeds=[0, 1], params=params,
                             out=str(tmp_path / out), progress=False)
        records[out] = run(config)
    first, second = records["a"], records["b"]
    assert [r["seed"] for r in first] == [0, 1]
    for a, b in zip(first, second, strict=True):
        assert a["metrics"] == b["metrics"] and a["best_epoch"] == b["best_epoch"]
        assert a["config"]["params"] == {**SHEAF_LINK_DEFAULTS["nsd-diag"], **params}
        assert 0.0 <= a["metrics"]["test"]["auc"] <= 1.0 and a["epochs_run"] == 2
    assert first[0]["metrics"] != first[1]["metrics"]  # another seed, another result


@pytest.fixture(scope="module")
def sbm() -> LoadedDataset:
    """1000 nodes in planted blocks with 32 weakly informative features, a random link split."""
    return load("sbm", task="link", seed=0)


@pytest.mark.parametrize("name", NSD)
def test_learns_block_structure_from_features(sbm, name):
    params = {**SHEAF_LINK_DEFAULTS[name], **SMALL, "batch_size": 1024, "epochs": 6, "eval_every": 3}
    torch.manual_seed(0)
    outcome = get_model("link", name).run(Job(sbm, name, params, seed=0, metric="auc"))
    # chance is 0.5 and embeddings without message passing (mf) reach about 0.55 here;
    # the sheaf encoders reach 0.65-0.71 in these 6 epochs (GraphSAGE 0.75)
    assert outcome.valid["auc"] > 0.62 and outcome.test["auc"] > 0.62
    assert [point["epoch"] for point in outcome.history] == [3, 6]
    assert outcome.valid["auc"] == max(point["valid"] for point in outcome.history)


def test_embeddings_without_features_are_deterministic_per_seed(planted):
    params = {**SHEAF_LINK_DEFAULTS["nsd-orth"], **SMALL}
    job = Job(planted, "nsd-orth", params, seed=3, metric="auc")
    outcomes = []
    for _ in range(2):
        torch.manual_seed(3)  # as the runner does before every job
        outcomes.append(get_model("link", "nsd-orth").run(job))
    first, again = outcomes
    assert first.valid == again.valid and first.test == again.test
    assert [{k: v for k, v in p.items() if k != "time_s"} for p in first.history] == \
        [{k: v for k, v in p.items() if k != "time_s"} for p in again.history]
    assert first.epochs_run == 4 and first.num_params > 96 * 16  # the embedding table is trained


def test_encoder_is_sparse_and_cached(planted):
    params = {**SHEAF_LINK_DEFAULTS["nsd-gen"], **SMALL}
    model = SheafLinkModel("nsd-gen", planted.data.num_nodes, None, params).eval()
    assert model.embedding.weight.shape == (96, 16)
    assert model.encoder.cached and all(conv.spmm for conv in model.encoder.convs)
    edge_index = torch.cat([planted.data.edge_index, planted.data.edge_index.flip(0)], dim=1)
    edge_index = torch.unique(edge_index, dim=1)
    h = model.encode(None, edge_index)
    assert h.shape == (96, 16)
    graph = model.encoder._cache[1]
    pattern = graph.patterns[(2, False)]
    # (N + E) d² stored Laplacian entries, nothing of size N²
    assert pattern.col.numel() == (96 + edge_index.size(1)) * 4
    assert torch.equal(model.encode(None, edge_index), h) and model.encoder._cache[1] is graph
    assert model(h, planted.split.valid_pos).shape == (planted.split.valid_pos.size(1),)


@pytest.mark.parametrize(("model", "params", "match"), [
    ("nsd-diag", {"hiden": 4}, "unknown key 'hiden'"),
    ("nsd-orth", {"d": 1}, "d must be >= 1 .>= 2 for orthogonal maps.; got d=1"),
    ("nsd-diag", {"channels": 0}, "channels must be >= 1; got 0"),
    ("nsd-diag", {"hidden": 0}, "hidden must be an integer >= 1; got 0"),
    ("nsd-gen", {"predictor": "cosine"}, "predictor must be one of .*'dot'.*'mlp'.*got 'cosine'"),
    ("nsd-diag", {"predictor_layers": 0}, "predictor_layers must be an integer >= 1"),
    ("nsd-diag", {"dropout": 1.5}, "dropout must be in"),
])
def test_bad_config_names_the_key(tmp_path, model, params, match):
    config = BenchConfig(datasets=["sbm"], models=[model], seeds=[0], params={**SMALL, **params},
                         out=str(tmp_path / "out"), progress=False)
    with pytest.raises(ConfigError, match=match):
        run(config)

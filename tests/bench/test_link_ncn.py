"""Tests of the ``ncn`` / ``ncnc`` bench models: registration with the ogbl-ddi defaults, end to
end training on a small planted-community graph, target-link removal per batch, the encoder."""

from __future__ import annotations

import pytest
import torch

from graphkit.bench import Job, get_model
from graphkit.bench.link import evaluate_link_model, fit_link_model, link_metrics
from graphkit.bench.link_ncn import (
    NCN_DEFAULTS,
    NCNC_DEFAULTS,
    NCNLinkModel,
    PropagationEncoder,
    build_ncn_model,
    train_ncn,
)
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError
from graphkit.layers import NCNPredictor, pair_sets
from graphkit.layers.ncn import NeighborTensors, neighbor_lists


@pytest.fixture(scope="module")
def planted(planted_link_dataset) -> LoadedDataset:
    """8 communities of 12 nodes (p_in 0.6, p_out 0.01), no features, a random 85/5/10 split."""
    return planted_link_dataset({"seed": 0}, num_communities=8, community_size=12, p_in=0.6,
                                p_out=0.01, seed=0)


_SMALL = {"hidden": 16, "batch_size": 64, "epochs": 4, "eval_every": 2, "lr": 0.01,
          "predictor_lr": 0.01, "dropout": 0.0, "encoder_dropout": 0.0}


def test_registered_with_the_official_ddi_settings():
    ncn, ncnc = get_model("link", "ncn"), get_model("link", "ncnc")
    assert ncn.defaults == NCN_DEFAULTS and ncnc.defaults == NCNC_DEFAULTS
    expected = {"hidden": 224, "num_layers": 1, "encoder": "sum", "residual": True,
                "encoder_dropout": 0.4, "dropout": 0.6, "lr": 0.0021, "predictor_lr": 0.0018,
                "batch_size": 24576, "epochs": 100, "out_layers": 2, "node_mlp": True,
                "target_link_removal": True}
    assert {k: ncn.defaults[k] for k in expected} == expected
    calibration = ("prob_scale", "prob_offset", "prior", "alpha", "completion_samples",
                   "eval_completion_samples")
    assert {k: ncnc.defaults[k] for k in calibration} == {
        "prob_scale": 10.0, "prob_offset": 3.0, "prior": 0.1, "alpha": 0.5,
        "completion_samples": 0, "eval_completion_samples": 0}  # ddi: no sampling
    assert "time_limit_s" in ncn.defaults and "time_limit_s" in ncnc.defaults


@pytest.mark.parametrize("name", ["ncn", "ncnc"])
def test_end_to_end_on_planted_communities(planted, name):
    params = {**get_model("link", name).defaults, **_SMALL}
    torch.manual_seed(0)
    outcome = get_model("link", name).run(Job(planted, name, params, seed=0, metric="auc"))
    # common neighbours separate the planted communities: AUC well above chance (0.5)
    assert outcome.valid["auc"] > 0.8 and outcome.test["auc"] > 0.8
    assert [point["epoch"] for point in outcome.history] == [2, 4]
    assert outcome.valid["auc"] == max(point["valid"] for point in outcome.history)
    assert outcome.epochs_run == 4 and outcome.num_params > 96 * 16
    torch.manual_seed(0)
    again = get_model("link", name).run(Job(planted, name, params, seed=0, metric="auc"))
    assert again.valid == outcome.valid and again.test == outcome.test  # a seed fixes the result


def test_edge_dropout_reaches_the_predictor_and_is_checked(planted):
    base = {**NCN_DEFAULTS, **_SMALL, "epochs": 2}

    def run(**extra):
        torch.manual_seed(0)
        return get_model("link", "ncn").run(Job(planted, "ncn", {**base, **extra}, seed=0, metric="auc"))

    plain, thinned = run(), run(edge_dropout=0.4)
    assert plain.history[0]["loss"] != thinned.history[0]["loss"]
    assert thinned.valid["auc"] > 0.7
    with pytest.raises(ConfigError, match="edge_dropout"):
        run(edge_dropout=1.5)


def test_completion_sampling_reaches_the_predictor_and_is_checked(planted):
    # the plain sigmoid calibration: the ddi one gives an untrained NCN's pairs A_hat ~ 1e-13
    base = {**NCNC_DEFAULTS, **_SMALL, "epochs": 2, "prob_scale": 1.0, "prob_offset": 0.0,
            "prior": 1.0, "alpha": 1.0}

    def run(**extra):
        torch.manual_seed(0)
        return get_model("link", "ncnc").run(Job(planted, "ncnc", {**base, **extra}, seed=0, metric="auc"))

    exact, sampled = run(), run(completion_samples=1, eval_completion_samples=2)
    assert exact.history[0]["loss"] != sampled.history[0]["loss"]
    assert sampled.valid["auc"] > 0.7
    with pytest.raises(ConfigError, match="eval_completion_samples"):
        run(eval_completion_samples=-1)


def test_ncnc_fine_tunes_the_best_ncn_state(planted):
    # the official ddi NCNC recipe: keep NCN's best-valid state, load it into NCNC, encoder lr 0
    data = planted.data
    ncn_params = {**NCN_DEFAULTS, **_SMALL, "epochs": 6, "eval_every": 1}
    kept: dict[int, dict] = {}

    def keep(model):
        kept[len(kept)] = {k: v.clone() for k, v in model.state_dict().items()}

    torch.manual_seed(0)
    ncn = train_ncn(Job(planted, "ncn", ncn_params, seed=0, metric="auc"), False, on_best=keep)
    improvements = [p["epoch"] for i, p in enumerate(ncn.history)
                    if p["valid"] > max([q["valid"] for q in ncn.history[:i]], default=-1.0)]
    assert len(kept) == len(improvements) and improvements[-1] == ncn.best_epoch
    best = kept[len(kept) - 1]
    model = build_ncn_model(ncn_params, data.num_nodes, None, completion=False)
    model.load_state_dict(best)
    graph = neighbor_lists(data.edge_index, data.num_nodes)
    again = evaluate_link_model(model, None, graph, planted.split, link_metrics("auc"), 4096)
    assert again["valid"] == ncn.valid  # the kept state is the reported evaluation's

    ncnc_params = {**NCNC_DEFAULTS, **_SMALL, "epochs": 1, "lr": 0.0, "predictor_lr": 0.0025}
    tuned: list[dict] = []
    torch.manual_seed(0)
    ncnc = train_ncn(Job(planted, "ncnc", ncnc_params, seed=0, metric="auc"), True, init_state=best,
                     on_best=lambda m: tuned.append({k: v.clone() for k, v in m.state_dict().items()}))
    assert ncnc.epochs_run == 1 and len(tuned) == 1
    encoder_keys = [k for k in best if k.startswith("encoder.")]
    assert all(torch.equal(tuned[0][k], best[k]) for k in encoder_keys)  # lr 0: encoder kept
    assert any(not torch.equal(tuned[0][k], best[k]) for k in best if k.startswith("predictor."))


@pytest.mark.parametrize("name", ["ncn", "ncnc"])
def test_a_batch_may_not_remove_most_of_the_training_graph(planted, name):
    num_train = planted.split.train_pos.size(1)
    params = {**get_model("link", name).defaults, **_SMALL, "epochs": 1, "batch_size": num_train // 2 + 1}
    with pytest.raises(ConfigError, match=f"batch_size={num_train // 2 + 1} takes 5[0-9] % .*"
                                          f"--set batch_size={num_train // 4}"):
        get_model("link", name).run(Job(planted, name, params, seed=0, metric="auc"))
    # without target-link removal the batch size is free; half the edges is still allowed
    for allowed in ({"target_link_removal": False}, {"batch_size": num_train // 2}):
        outcome = get_model("link", name).run(Job(planted, name, {**params, **allowed}, seed=0, metric="auc"))
        assert outcome.epochs_run == 1


def test_time_limit_stops_after_first_epoch(planted):
    params = {**NCN_DEFAULTS, **_SMALL, "time_limit_s": 1e-9}
    outcome = get_model("link", "ncn").run(Job(planted, "ncn", params, seed=0, metric="auc"))
    assert outcome.epochs_run == 1 and [p["epoch"] for p in outcome.history] == [1]


def test_training_on_neighbor_tensors_matches_the_graph_path(planted):
    # what device='cuda' runs (NeighborTensors, tensor-search sets), here on CPU tensors
    params = {**NCN_DEFAULTS, **_SMALL}
    graph = neighbor_lists(planted.data.edge_index, planted.data.num_nodes)

    def fit(adj):
        torch.manual_seed(0)
        encoder = PropagationEncoder(graph.num_nodes, None, 16, 1, encoder_dropout=0.2)
        model = NCNLinkModel(encoder, NCNPredictor(16, 16, dropout=0.2))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        return fit_link_model(Job(planted, "ncn", params, seed=0, metric="auc"), model, optimizer, None, adj)

    expected, got = fit(graph), fit(NeighborTensors.from_graph(graph, "cpu"))
    assert [p["loss"] for p in got.history] == pytest.approx([p["loss"] for p in expected.history], rel=1e-5)
    assert got.valid["auc"] == pytest.approx(expected.valid["auc"], abs=1e-6)


def test_device_parameter_is_checked(planted):
    for device, message in (("gpu0", "must name a torch device"), ("cuda", "sees no CUDA device")):
        if device == "cuda" and torch.cuda.is_available():
            continue
        params = {**NCN_DEFAULTS, **_SMALL, "device": device}
        with pytest.raises(ConfigError, match=message):
            get_model("link", "ncn").run(Job(planted, "ncn", params, seed=0, metric="auc"))


def test_batch_graph_removes_the_batch_positives(planted):
    graph = neighbor_lists(planted.data.edge_index, planted.data.num_nodes)
    pos = planted.split.train_pos[:, :10]
    encoder = PropagationEncoder(graph.num_nodes, None, 4, 1)
    model = NCNLinkModel(encoder, NCNPredictor(4, 4), target_link_removal=True)
    batch = model.batch_graph(graph, pos)
    edges = set(zip(batch.row_ids().tolist(), batch.indices.tolist(), strict=True))
    for u, v in pos.t().tolist():
        assert (u, v) not in edges and (v, u) not in edges
    assert batch.num_edges == graph.num_edges - 20
    off = NCNLinkModel(encoder, NCNPredictor(4, 4), target_link_removal=False)
    assert off.batch_graph(graph, pos) is graph


def test_target_link_removal_changes_what_the_predictor_sees():
    # path 0-1-2 plus edge 0-2: with the target 0-2 removed, node 1 is still their common
    # neighbour but 0 and 2 are no longer each other's neighbours (so no longer in N(1) ∩ ...)
    edges = torch.tensor([[0, 1, 0, 2], [1, 2, 2, 3]])
    graph = neighbor_lists(edges, 4)
    model = NCNLinkModel(PropagationEncoder(4, None, 4, 1), NCNPredictor(4, 4))
    batch = model.batch_graph(graph, torch.tensor([[0], [2]]))
    assert pair_sets(graph, torch.tensor([[1], [3]])).common[1].tolist() == [2]
    assert pair_sets(batch, torch.tensor([[0], [3]])).common[1].tolist() == []
    assert pair_sets(graph, torch.tensor([[0], [3]])).common[1].tolist() == [2]


@pytest.mark.parametrize("kind", ["sum", "gcn"])
def test_propagation_encoder_matches_dense_reference(kind):
    edges = torch.tensor([[0, 0, 1, 3], [1, 2, 2, 4]])
    graph = neighbor_lists(edges, 6)
    dense = torch.zeros(6, 6)
    dense[edges[0], edges[1]] = dense[edges[1], edges[0]] = 1.0
    torch.manual_seed(0)
    encoder = PropagationEncoder(6, 3, 5, num_layers=2, kind=kind, residual=True).eval()
    x = torch.randn(6, 3)
    h = encoder.lin(x)
    if kind == "sum":
        operator = dense
    else:
        norm = (1.0 + dense.sum(1)).rsqrt()
        operator = norm[:, None] * (dense + torch.eye(6)) * norm[None, :]
    for _ in range(2):
        h = operator @ h + h
    torch.testing.assert_close(encoder(x, graph), h)
    torch.testing.assert_close(encoder(x.to_sparse().coalesce(), graph), h)  # sparse features
    # gradients (the backward pass multiplies by the symmetric operator again)
    weight = torch.randn(6, 5)
    (expected,) = torch.autograd.grad((h * weight).sum(), encoder.lin.weight)
    (got,) = torch.autograd.grad((encoder(x, graph) * weight).sum(), encoder.lin.weight)
    torch.testing.assert_close(got, expected)
    on_tensors = encoder(x, NeighborTensors.from_graph(graph, "cpu"))
    torch.testing.assert_close(on_tensors, h)
    with pytest.raises(ConfigError, match="encoder must be one of"):
        PropagationEncoder(6, 3, 5, 1, kind="max")

"""Tests of the link prediction task: training reaches a clear signal on a graph with planted
communities, heuristics equal their direct computation, negative sampling, per-positive negatives."""

from __future__ import annotations

import pytest
import torch

from graphkit.bench import Job, get_model, model_names
from graphkit.bench import link as link_module
from graphkit.bench.link import (
    GNN_DEFAULTS,
    MF_DEFAULTS,
    BestValidEvaluation,
    LinkModel,
    NegativeSampler,
    _pair_loss_backward,
    evaluate_link_model,
    link_metrics,
    run_heuristic,
    train_link_model,
)
from graphkit.bench.link_ncn import NCN_DEFAULTS
from graphkit.bench.metrics import average_precision, mrr, roc_auc
from graphkit.data.types import LinkSplit, LoadedDataset
from graphkit.errors import ConfigError, DatasetError
from graphkit.layers import adamic_adar, common_neighbors, resource_allocation
from graphkit.layers.propagation import Adjacency


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def planted(planted_link_dataset) -> LoadedDataset:
    """20 communities of 20 nodes (p_in 0.7, p_out 0.002), a random 85/5/10 split."""
    return planted_link_dataset({"seed": 0}, seed=0)


@pytest.fixture(scope="module")
def small(planted_link_dataset) -> LoadedDataset:
    """4 communities of 8 nodes (p_in 0.6, p_out 0.05), a random 70/10/20 split."""
    return planted_link_dataset({"seed": 1, "test_ratio": 0.2, "valid_ratio": 0.1},
                                num_communities=4, community_size=8, p_in=0.6, p_out=0.05, seed=3)


# ---------------------------------------------------------------- training


@pytest.mark.parametrize(
    "model, params",
    [
        ("sage", {**GNN_DEFAULTS, "dropout": 0.0, "predictor": "dot"}),
        ("mf", dict(MF_DEFAULTS)),
    ],
)
def test_training_learns_planted_communities(planted, model, params):
    # Shared-neighbour structure makes AUC > 0.95 reachable; a model that ignores or
    # mis-aligns the pairs stays near 0.5. 10 epochs reach about 0.94 (sage) / 0.95 (mf).
    params = {**params, "epochs": 10, "hidden": 32, "batch_size": 512, "eval_every": 5, "lr": 0.01}
    torch.manual_seed(0)
    outcome = get_model("link", model).run(Job(planted, model, params, seed=0, metric="auc"))
    assert outcome.valid["auc"] > 0.85 and outcome.test["auc"] > 0.85
    assert set(outcome.test) == {"auc", "ap"}
    assert [point["epoch"] for point in outcome.history] == [5, 10]
    best = outcome.history[[p["epoch"] for p in outcome.history].index(outcome.best_epoch)]
    assert best["valid"] == max(p["valid"] for p in outcome.history) == outcome.valid["auc"]
    assert best["test"] == outcome.test["auc"]
    assert outcome.epochs_run == 10 and outcome.num_params > 0


def _small_batch(planted):
    """An untrained sage LinkModel without dropout, its graph, 300 positives, 300 negatives."""
    torch.manual_seed(0)
    model = LinkModel(planted.data.num_nodes, None, 16, "sage", dropout=0.0)
    adj = Adjacency(planted.data.edge_index, num_nodes=planted.data.num_nodes)
    pos = planted.split.train_pos[:, :300]
    neg = torch.randint(0, planted.data.num_nodes, (2, 300), generator=torch.Generator().manual_seed(1))
    return model, adj, pos, neg


def _batch_gradients(planted, chunk: int, precision: str = "fp32"):
    model, adj, pos, neg = _small_batch(planted)
    loss = _pair_loss_backward(model, model.encode(None, adj), adj, pos, neg,
                               {"predictor_chunk": chunk, "precision": precision})
    return loss, {name: t.grad.clone() for name, t in model.named_parameters()}


def test_chunked_pair_loss_equals_the_whole_batch(planted):
    # chunks of 64 pairs (the last one short) against one piece, and against autograd on the
    # textbook loss; dropout is off, so only float rounding may differ
    whole_loss, whole = _batch_gradients(planted, chunk=0)
    chunk_loss, chunked = _batch_gradients(planted, chunk=64)
    model, adj, pos, neg = _small_batch(planted)
    h = model.encode(None, adj)
    pos_logit, neg_logit = model(h, pos), model(h, neg)
    reference = torch.nn.functional.binary_cross_entropy_with_logits(
        pos_logit, torch.ones_like(pos_logit)
    ) + torch.nn.functional.binary_cross_entropy_with_logits(neg_logit, torch.zeros_like(neg_logit))
    reference.backward()
    assert chunk_loss == pytest.approx(whole_loss, rel=1e-5)
    assert whole_loss == pytest.approx(reference.item(), rel=1e-5)
    for name, t in model.named_parameters():
        torch.testing.assert_close(chunked[name], t.grad, rtol=1e-4, atol=1e-6, msg=name)
        torch.testing.assert_close(whole[name], t.grad, rtol=1e-4, atol=1e-6, msg=name)


def test_bfloat16_training_stays_close_and_precision_is_checked(planted):
    fp32_loss, fp32 = _batch_gradients(planted, chunk=128)
    bf16_loss, bf16 = _batch_gradients(planted, chunk=128, precision="bf16")
    assert bf16_loss == pytest.approx(fp32_loss, rel=0.02)
    for name in fp32:  # bfloat16 keeps about 3 significant digits
        cosine = torch.nn.functional.cosine_similarity(fp32[name].flatten(), bf16[name].flatten(), dim=0)
        assert cosine > 0.99, name
    with pytest.raises(ConfigError, match="precision must be one of"):
        _batch_gradients(planted, chunk=128, precision="fp16")


def _with_sparse_features(dataset: LoadedDataset) -> LoadedDataset:
    """``dataset`` with 64 binary features at 5 % density (NCN keeps them sparse, below 10 %)."""
    generator = torch.Generator().manual_seed(0)
    x = (torch.rand(dataset.data.num_nodes, 64, generator=generator) < 0.05).float()
    data = dataset.data.clone()
    data.x = x
    return LoadedDataset(dataset.name, "link", data, dataset.split, dataset.info, seed=0)


@pytest.mark.parametrize(
    "model", [name for name in model_names("link") if "precision" in get_model("link", name).defaults]
)
def test_every_model_trains_in_bfloat16_through_its_sparse_products(small, model):
    """``precision='bf16'`` on the sparse paths: CSR adjacency (``layout='sparse'``), NCN's CSR
    propagation and its sparse input map. The CPU sparse kernels have no bfloat16 version, so
    those products run in float32 inside the autocast region; the first epoch's loss stays
    within 5 % of float32's."""
    dataset = _with_sparse_features(small)
    params = dict(get_model("link", model).defaults)
    params.update(epochs=1, eval_every=1, hidden=16, batch_size=16)
    if "layout" in params:
        params["layout"] = "sparse"

    def first_loss(precision: str) -> float:
        torch.manual_seed(0)
        job = Job(dataset, model, {**params, "precision": precision}, seed=0, metric="auc")
        outcome = get_model("link", model).run(job)
        assert 0.0 <= outcome.valid["auc"] <= 1.0
        return outcome.history[0]["loss"]

    assert first_loss("bf16") == pytest.approx(first_loss("fp32"), rel=0.05)


@pytest.mark.parametrize("key, value, message", [
    ("predictor_chunk", -1, "predictor_chunk must be an integer >= 0"),
    ("predictor_chunk", 0.5, "predictor_chunk must be an integer >= 0"),
    ("precision", "fp16", "precision must be one of"),
])
def test_bad_batch_settings_fail_before_training(planted, key, value, message):
    params = {**GNN_DEFAULTS, "epochs": 1, "hidden": 8, key: value}
    with pytest.raises(ConfigError, match=message):
        get_model("link", "sage").run(Job(planted, "sage", params, seed=0, metric="auc"))


def test_untrained_model_scores_near_chance(planted):
    # the reference point of the threshold above: an untrained model is no better than chance
    torch.manual_seed(0)
    model = LinkModel(planted.data.num_nodes, None, 32, "sage", dropout=0.0)
    adj = Adjacency(planted.data.edge_index, num_nodes=planted.data.num_nodes)
    result = evaluate_link_model(model, None, adj, planted.split, ["auc"], batch_size=1000)
    assert 0.3 < result["test"]["auc"] < 0.75


def test_link_metrics():
    assert link_metrics("hits@20") == ["hits@20", "hits@10", "hits@50", "hits@100"]
    assert link_metrics("auc") == ["auc", "ap"]
    assert link_metrics("ap") == ["ap", "auc"]
    assert link_metrics("mrr") == ["mrr"]


# ---------------------------------------------------------------- heuristics


@pytest.mark.parametrize(
    "name, function", [("cn", common_neighbors), ("aa", adamic_adar), ("ra", resource_allocation)]
)
def test_heuristics_equal_direct_computation(small, name, function):
    dataset = small
    split, train = dataset.split, dataset.data.edge_index
    outcome = get_model("link", name).run(Job(dataset, name, {}, seed=0, metric="auc"))
    assert outcome == run_heuristic(Job(dataset, name, {}, seed=0, metric="auc"), name)
    for part in ("valid", "test"):
        pos = function(train, getattr(split, f"{part}_pos"), num_nodes=32)
        neg = function(train, getattr(split, f"{part}_neg"), num_nodes=32)
        expected = {"auc": roc_auc(pos, neg), "ap": average_precision(pos, neg)}
        assert getattr(outcome, part) == pytest.approx(expected, abs=1e-12)
    assert outcome.best_epoch is None and outcome.num_params == 0


def test_heuristics_score_on_the_training_graph_only(small):
    # held-out positives are not edges of the graph the heuristics see: a leak would make their
    # neighbourhoods (and so the scores) differ from the direct computation on the training graph
    dataset = small
    train = set(map(tuple, dataset.data.edge_index.t().tolist()))
    for part in ("valid_pos", "test_pos"):
        pairs = getattr(dataset.split, part)
        assert not train & set(map(tuple, pairs.t().tolist()))
        assert not train & set(map(tuple, pairs.flip(0).t().tolist()))


# ---------------------------------------------------------------- negative sampling


def test_negative_sampler_avoids_training_edges_and_self_loops():
    # a dense graph, so most random pairs are rejected and the sampler has to retry
    n = 12
    full = torch.combinations(torch.arange(n), 2).t()
    keep = torch.arange(full.size(1)) % 7 != 0  # drop every 7th pair: few non-edges remain
    edges = full[:, keep]
    edge_index = torch.cat([edges, edges.flip(0)], dim=1)
    sampler = NegativeSampler(edge_index, n, torch.Generator().manual_seed(0))
    pairs = sampler(5000)
    assert pairs.shape == (2, 5000) and pairs.dtype == torch.int64
    assert pairs.min() >= 0 and pairs.max() < n
    assert (pairs[0] != pairs[1]).all()
    edge_set = set(map(tuple, edge_index.t().tolist()))
    assert not edge_set & set(map(tuple, pairs.t().tolist()))
    # every non-edge is drawn (uniform over the allowed pairs)
    allowed = {(a, b) for a in range(n) for b in range(n) if a != b} - edge_set
    assert set(map(tuple, pairs.t().tolist())) == allowed
    # seeded: the same generator seed gives the same pairs
    again = NegativeSampler(edge_index, n, torch.Generator().manual_seed(0))(5000)
    assert torch.equal(again, pairs)


def test_negative_sampler_edge_cases():
    empty = torch.empty(2, 0, dtype=torch.long)
    pairs = NegativeSampler(empty, 3, torch.Generator().manual_seed(0))(50)
    assert pairs.shape == (2, 50) and (pairs[0] != pairs[1]).all()
    full = torch.tensor([[0, 1, 0, 2, 1, 2], [1, 0, 2, 0, 2, 1]])
    with pytest.raises(DatasetError, match="complete"):
        NegativeSampler(full, 3, torch.Generator())


# ---------------------------------------------------------------- per-positive negatives


def _per_positive(dataset: LoadedDataset, k: int = 5) -> LoadedDataset:
    split, n = dataset.split, dataset.data.num_nodes
    generator = torch.Generator().manual_seed(0)
    negs = {
        part: torch.randint(0, n, (getattr(split, f"{part}_pos").size(1), k), generator=generator)
        for part in ("valid", "test")
    }
    per_positive = LinkSplit(
        train_pos=split.train_pos, valid_pos=split.valid_pos, valid_neg=negs["valid"],
        test_pos=split.test_pos, test_neg=negs["test"], negatives="per_positive",
    )
    return LoadedDataset("planted", "link", dataset.data, per_positive, dataset.info)


def test_per_positive_heuristic_matches_direct_mrr(small):
    dataset = _per_positive(small)
    split, train = dataset.split, dataset.data.edge_index
    outcome = run_heuristic(Job(dataset, "cn", {}, seed=0, metric="mrr"), "cn")
    for part in ("valid", "test"):
        pos_pairs, neg = getattr(split, f"{part}_pos"), getattr(split, f"{part}_neg")
        pos = common_neighbors(train, pos_pairs, num_nodes=32)
        neg_pairs = torch.stack([pos_pairs[0].repeat_interleave(neg.size(1)), neg.reshape(-1)])
        neg_scores = common_neighbors(train, neg_pairs, num_nodes=32).view(neg.shape)
        assert getattr(outcome, part) == {"mrr": pytest.approx(mrr(pos, neg_scores), abs=1e-12)}


def test_per_positive_model_evaluation_and_training(planted):
    dataset = _per_positive(planted)
    split, n = dataset.split, dataset.data.num_nodes
    torch.manual_seed(0)
    model = LinkModel(n, None, 8, None, predictor="dot")
    adj = Adjacency(dataset.data.edge_index, num_nodes=n)
    result = evaluate_link_model(model, None, adj, split, ["mrr"], batch_size=7)
    h = model.embedding.weight.detach()
    for part in ("valid", "test"):
        pos_pairs, neg = getattr(split, f"{part}_pos"), getattr(split, f"{part}_neg")
        pos = (h[pos_pairs[0]] * h[pos_pairs[1]]).sum(1)
        neg_scores = (h[pos_pairs[0]].unsqueeze(1) * h[neg]).sum(-1)
        assert result[part]["mrr"] == pytest.approx(mrr(pos, neg_scores), abs=1e-6)
    params = {**GNN_DEFAULTS, "epochs": 1, "hidden": 8, "batch_size": 1024, "eval_every": 1}
    outcome = train_link_model(Job(dataset, "gcn", params, seed=0, metric="mrr"), "gcn")
    assert set(outcome.valid) == {"mrr"} and 0 < outcome.test["mrr"] <= 1


def test_best_valid_evaluation_keeps_the_first_best_and_the_curve():
    selection = BestValidEvaluation("hits@20")

    def result(valid, test):
        return {"valid": {"hits@20": valid, "mrr": 0.0}, "test": {"hits@20": test, "mrr": 0.0}}

    for epoch, (valid, test) in enumerate([(0.2, 0.1), (0.5, 0.3), (0.5, 0.9), (0.4, 0.8)], 1):
        assert selection.record(epoch, 1.0 / epoch, result(valid, test), extra_s=epoch) == valid
    outcome = selection.outcome(torch.nn.Linear(2, 1), epochs_run=4)
    assert outcome.best_epoch == 2 and outcome.test["hits@20"] == 0.3  # a tie keeps epoch 2
    assert outcome.epochs_run == 4 and outcome.num_params == 3
    assert [h["test"] for h in outcome.history] == [0.1, 0.3, 0.9, 0.8]
    assert outcome.history[3]["extra_s"] == 4 and outcome.history[0]["loss"] == 1.0
    with pytest.raises(RuntimeError, match="no evaluation"):
        BestValidEvaluation("hits@20").outcome(torch.nn.Linear(2, 1), epochs_run=0)


@pytest.mark.parametrize("model, params", [
    ("sage", {**GNN_DEFAULTS, "hidden": 16, "batch_size": 256, "dropout": 0.3}),
    ("ncn", {**NCN_DEFAULTS, "hidden": 16, "batch_size": 256}),  # dropout 0.4 / 0.6
])
def test_interrupted_training_resumes_from_its_checkpoint_with_the_same_result(
        planted, tmp_path, crash_in_epoch_2, model, params):
    """Every model on :func:`fit_link_model` saves its state after each epoch but the last; a
    rerun after a crash in epoch 2 trains epochs 2-3 only and ends exactly where an
    uninterrupted run ends (batch order, negatives and dropout continue their random streams)."""
    checkpoint = tmp_path / "checkpoints" / "job.pt"
    params = {**params, "epochs": 3, "eval_every": 1}

    def run(with_checkpoint=True):
        torch.manual_seed(0)  # as the runner does before every job
        job = Job(planted, model, params, seed=0, metric="auc")
        job.checkpoint = checkpoint if with_checkpoint else None
        return get_model("link", model).run(job)

    reference = run(with_checkpoint=False)
    assert not checkpoint.exists()
    calls = crash_in_epoch_2(link_module, "evaluate_link_model")
    with pytest.raises(KeyboardInterrupt):
        run()
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 1
    resumed = run()
    assert len(calls) == 4  # epochs 2 and 3 only
    assert resumed.epochs_run == 3 and [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert [h["valid"] for h in resumed.history] == [h["valid"] for h in reference.history]
    assert resumed.test == reference.test and resumed.valid == reference.valid
    assert resumed.prior_time_s > 0
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 2  # none after the last epoch

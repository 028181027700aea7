"""Tests of the ``walkpool`` benchmark model: end to end on a tiny graph, cache, determinism,
target-link removal, the GCN propagation matrix against PyG and parameter errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch_geometric.nn import GCNConv

from graphkit.bench import Job, get_model, link_walkpool
from graphkit.bench.link_walkpool import (
    WALKPOOL_DEFAULTS,
    SubgraphSet,
    WalkPoolLinkModel,
    check_subgraph_memory,
    estimate_subgraph_nodes,
    gcn_operator,
    observed_graph,
    train_walkpool,
)
from graphkit.data import get_info
from graphkit.data.synthetic import barabasi_albert
from graphkit.data.types import LoadedDataset
from graphkit.errors import ConfigError, GraphInputError
from graphkit.graph import as_graph
from graphkit.layers import drnl_labels, k_hop_pair_nodes


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHKIT_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def tiny(planted_link_dataset) -> LoadedDataset:
    """6 communities of 8 nodes (p_in 0.7): about 100 edges, a random 85/5/10 split."""
    return planted_link_dataset({"seed": 0, "valid_ratio": 0.1, "test_ratio": 0.2},
                                num_communities=6, community_size=8, p_in=0.7, p_out=0.01, seed=0)


def _job(dataset, **params):
    torch.manual_seed(0)  # as the runner does before every job
    merged = {**WALKPOOL_DEFAULTS, "hidden": 8, "heads": 1, "walk_length": 4, "batch_size": 16,
              "epochs": 4, "lr": 1e-3,
              "dropout": 0.0, **params}
    return Job(dataset=dataset, model="walkpool", params=merged, seed=0, metric="auc")


def test_registered_with_paper_defaults():
    spec = get_model("link", "walkpool")
    assert spec.defaults["walk_length"] == 7 and spec.defaults["heads"] == 2
    assert spec.defaults["hidden"] == 32 and spec.defaults["num_hops"] == 2
    assert spec.defaults["lr"] == 5e-5 and spec.defaults["batch_size"] == 32
    assert spec.defaults["loss"] == "bce" and spec.defaults["observe_valid"] == "auto"


def test_end_to_end_learns_and_reports_best_valid_epoch(tiny, tmp_path):
    outcome = train_walkpool(_job(tiny))
    assert outcome.epochs_run == 4 and len(outcome.history) == 4
    assert set(outcome.test) == {"auc", "ap"}
    best = max(outcome.history, key=lambda h: h["valid"])
    assert outcome.best_epoch == best["epoch"] and outcome.test["auc"] == best["test"]
    # communities make missing links predictable from the subgraph: a clear signal
    assert outcome.valid["auc"] > 0.7 and outcome.test["auc"] > 0.8
    assert all(h["preprocess_s"] >= 0 for h in outcome.history)
    assert list((tmp_path / "cache" / "walkpool_subgraphs").glob("*.npz"))


def test_seeded_runs_are_identical_and_use_the_cache(tiny, tmp_path):
    first = train_walkpool(_job(tiny, epochs=1))
    files = list((tmp_path / "cache" / "walkpool_subgraphs").glob("*.npz"))
    assert len(files) == 1
    second = train_walkpool(_job(tiny, epochs=1))
    assert first.test == second.test and first.valid == second.valid
    assert list((tmp_path / "cache" / "walkpool_subgraphs").glob("*.npz")) == files
    uncached = train_walkpool(_job(tiny, epochs=1, cache=False))
    assert uncached.test == first.test


def test_training_positive_loses_its_target_link(tiny):
    graph = as_graph(tiny.data.edge_index, num_nodes=tiny.data.num_nodes)
    pos = tiny.split.train_pos[:, :5].numpy()
    nodes, ptr = k_hop_pair_nodes(graph, pos, 2)
    subgraphs = SubgraphSet(graph, nodes, ptr, None, 4, zero_one=True)
    x, edge_index, batch, pair_index, labels = subgraphs.batch(np.arange(5))
    assert labels is None
    assert torch.equal(torch.bincount(batch), torch.from_numpy(np.diff(ptr)))
    first = torch.from_numpy(ptr[:-1] - ptr[0])
    assert torch.equal(pair_index, torch.stack([first, first + 1]))
    edges = set(map(tuple, edge_index.t().tolist()))
    assert edges and all((v, u) in edges for u, v in edges)  # symmetric
    assert torch.equal(batch[edge_index[0]], batch[edge_index[1]])  # block-diagonal
    assert not any((int(u), int(v)) in edges for u, v in pair_index.t())  # no target link
    marks = torch.zeros(len(batch))
    marks[pair_index.flatten()] = 1.0
    assert x.shape == (len(batch), 5) and torch.equal(x[:, -1], marks)


def test_drnl_labels_are_batched_embedded_and_trained(tiny):
    graph = as_graph(tiny.data.edge_index, num_nodes=tiny.data.num_nodes)
    pos = tiny.split.train_pos[:, :6].numpy()
    nodes, ptr = k_hop_pair_nodes(graph, pos, 2)
    expected = drnl_labels(graph, nodes, ptr)
    subgraphs = SubgraphSet(graph, nodes, ptr, None, 4, False, expected)
    selected = np.array([4, 1])
    x, edge_index, batch, pair_index, labels = subgraphs.batch(selected)
    for row, p in enumerate(selected):
        assert labels[batch == row].tolist() == expected[ptr[p] : ptr[p + 1]].tolist()
    assert torch.all(labels[pair_index] == 1)
    model = WalkPoolLinkModel(4, hidden=8, heads=1, walk_length=3,
                              num_labels=subgraphs.num_labels).eval()
    before = model.logits(x, edge_index, batch, pair_index, labels)
    changed = labels.clone()
    changed[2] = 0  # a node of subgraph 0
    after = model.logits(x, edge_index, batch, pair_index, changed)
    assert after[0] != before[0] and after[1] == before[1]  # a label moves only its own pair
    with pytest.raises(ValueError, match="num_labels"):
        model.logits(x, edge_index, batch, pair_index)
    drnl, ones = (train_walkpool(_job(tiny, epochs=2, node_label=label)) for label in ("drnl", "ones"))
    assert drnl.test != ones.test and drnl.test["auc"] > 0.7


def test_gcn_propagation_matches_pyg_gcn():
    """G+ propagation against PyG's GCNConv on the edge list with the target links added; the
    input may hold a target link already, a duplicate edge and a self-loop."""
    torch.manual_seed(0)
    blocks = [(torch.rand(n, n) < 0.4).triu(1) for n in (5, 4, 3)]
    adjacency = torch.block_diag(*blocks)
    edge_index = (adjacency | adjacency.t()).nonzero().t()
    pair_index = torch.tensor([[0, 7, 9], [1, 8, 11]])
    edge_index = torch.cat([edge_index, torch.tensor([[0, 1, 2, 3], [1, 0, 2, 4]])], dim=1)
    plus = adjacency | adjacency.t()
    plus[pair_index[0], pair_index[1]] = plus[pair_index[1], pair_index[0]] = True
    plus[3, 4] = plus[4, 3] = True
    x = torch.randn(12, 4)
    conv = GCNConv(4, 4)
    with torch.no_grad():
        conv.lin.weight.copy_(torch.eye(4))
        conv.bias.zero_()
    expected = conv(x, plus.nonzero().t())
    src, dst, weight = gcn_operator(edge_index, pair_index, 12)
    out = torch.zeros_like(x).index_add_(0, dst, x[src] * weight.unsqueeze(-1))
    torch.testing.assert_close(out, expected)
    with pytest.raises(GraphInputError, match="pair_index"):
        gcn_operator(edge_index, pair_index.t(), 12)
    with pytest.raises(GraphInputError, match="edge_index"):
        gcn_operator(edge_index + 12, pair_index, 12)


@pytest.mark.parametrize(
    "key, value",
    [("node_label", "degree"), ("max_nodes_per_hop", -3), ("batch_size", 65536), ("heads", 0),
     ("observe_valid", "yes"), ("loss", "hinge")],
)
def test_bad_parameters_name_the_key(tiny, key, value):
    with pytest.raises(ConfigError, match=key):
        train_walkpool(_job(tiny, **{key: value}))


def test_progress_bar_and_time_limit(tiny, capsys):
    job = _job(tiny, epochs=50, time_limit_s=1e-9)
    job.progress = True
    outcome = train_walkpool(job)
    assert outcome.epochs_run == 1


def test_observed_graph_adds_validation_links_and_rejects_leaked_test_links():
    train = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # path 0-1-2 (both directions)
    valid = torch.tensor([[2], [3]])
    test = torch.tensor([[0, 1], [3, 3]])  # (0, 3) and (1, 3): not links
    graph = observed_graph(train, 5, valid, test)
    dense = graph.to_scipy().toarray()
    assert dense[2, 3] == dense[3, 2] == 1 and dense.sum() == 6  # 3 links, both directions
    assert observed_graph(train, 5, None, test).to_scipy().toarray()[2, 3] == 0
    with pytest.raises(ConfigError, match=r"test pair \(3, 2\)"):
        observed_graph(train, 5, valid, torch.tensor([[0, 3], [4, 2]]))


def test_observe_valid_adds_validation_links_and_auto_follows_the_dataset(tiny):
    """'auto' observes the validation links on WalkPool/SEAL graphs (the authors' default) only;
    a validation positive then lies in the graph and, like a training positive, is classified
    without its own link, while test positives never are links."""
    valid = tiny.split.valid_pos
    graph = observed_graph(tiny.data.edge_index, tiny.data.num_nodes, valid,
                           torch.cat([tiny.split.test_pos, tiny.split.test_neg], 1))
    rows, cols = np.array(valid.numpy())
    assert (graph.to_scipy()[rows, cols] != 0).all()
    nodes, ptr = k_hop_pair_nodes(graph, valid.numpy(), 2)
    _, edge_index, _, pair_index, _ = SubgraphSet(graph, nodes, ptr, None, 4, False).batch(
        np.arange(valid.size(1)))
    edges = set(map(tuple, edge_index.t().tolist()))
    assert not any((int(u), int(v)) in edges or (int(v), int(u)) in edges for u, v in pair_index.t())
    off, on = (train_walkpool(_job(tiny, epochs=1, observe_valid=flag)) for flag in (False, True))
    auto = train_walkpool(_job(tiny, epochs=1))  # the tiny graph is not a WalkPool graph
    assert auto.test == off.test and on.test != off.test
    seal_like = dataclasses.replace(tiny, info=get_info("usair"))
    assert train_walkpool(_job(seal_like, epochs=1)).test == on.test


def test_cross_entropy_loss_trains_the_logits(tiny):
    graph = as_graph(tiny.data.edge_index, num_nodes=tiny.data.num_nodes)
    nodes, ptr = k_hop_pair_nodes(graph, tiny.split.test_pos.numpy(), 2)
    inputs = SubgraphSet(graph, nodes, ptr, None, 8, False).batch(np.arange(4))
    model = WalkPoolLinkModel(8, hidden=8, heads=1, walk_length=4).eval()
    torch.testing.assert_close(model(*inputs), torch.sigmoid(model.logits(*inputs)))
    mse, bce = (train_walkpool(_job(tiny, loss=loss)) for loss in ("mse", "bce"))
    assert bce.test != mse.test and bce.test["auc"] > 0.8


def test_interrupted_run_resumes_from_its_checkpoint_with_the_same_result(tiny, tmp_path, crash_in_epoch_2):
    checkpoint = tmp_path / "checkpoints" / "job.pt"

    def job(with_checkpoint=True):
        j = _job(tiny, epochs=3, dropout=0.3)
        j.checkpoint = checkpoint if with_checkpoint else None
        return j

    reference = train_walkpool(job(with_checkpoint=False))
    assert not checkpoint.exists()
    calls = crash_in_epoch_2(link_walkpool, "_evaluate")
    with pytest.raises(KeyboardInterrupt):
        train_walkpool(job())
    assert checkpoint.exists()
    resumed = train_walkpool(job())
    assert len(calls) == 4  # epochs 2 and 3 only
    assert resumed.epochs_run == 3 and len(resumed.history) == 3
    assert resumed.test == reference.test and resumed.valid == reference.valid
    assert [h["valid"] for h in resumed.history] == [h["valid"] for h in reference.history]
    assert resumed.prior_time_s > 0
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 2  # none after the last epoch


def _hub_graph_and_pairs(num_pairs: int):
    """A Barabási-Albert graph (300 nodes, 3 edges per new node) and ``num_pairs`` random pairs."""
    graph = as_graph(barabasi_albert(300, 3, seed=0).edge_index, num_nodes=300)
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, 300, size=(2, 3 * num_pairs))
    return graph, pairs[:, pairs[0] != pairs[1]][:, :num_pairs]


def test_subgraph_size_estimate_is_exact_on_few_pairs_and_close_on_many():
    graph, pairs = _hub_graph_and_pairs(3000)
    for cap in (None, 5):
        exact = k_hop_pair_nodes(graph, pairs[:, :800], 2, cap, 0)[0].size
        assert estimate_subgraph_nodes(graph, pairs[:, :800], 2, cap, 0) == exact
        exact = k_hop_pair_nodes(graph, pairs, 2, cap, 0)[0].size
        assert estimate_subgraph_nodes(graph, pairs, 2, cap, 0) == pytest.approx(exact, rel=0.05)


def test_extraction_that_would_not_fit_in_memory_fails_first_and_names_the_cap(tiny, monkeypatch):
    graph, pairs = _hub_graph_and_pairs(2000)
    need = 24 * estimate_subgraph_nodes(graph, pairs, 2, None, 0)
    check_subgraph_memory(graph, pairs, 2, None, 0, "ba", available=int(need) + 1)
    check_subgraph_memory(graph, pairs, 2, None, 0, "ba", available=None)  # unknown: no check
    with pytest.raises(ConfigError, match=r"ba/walkpool: .* 2,000 pairs .*max_nodes_per_hop"):
        check_subgraph_memory(graph, pairs, 2, None, 0, "ba", available=int(need) - 1)
    check_subgraph_memory(graph, pairs, 2, 2, 0, "ba", available=int(need) // 4)  # capped: fits
    # the bench model checks before extracting: nothing is cached when it refuses
    monkeypatch.setattr(link_walkpool, "available_memory", lambda: 1000)
    monkeypatch.setattr(link_walkpool, "extract_cached", lambda *args: pytest.fail("extracted"))
    with pytest.raises(ConfigError, match="max_nodes_per_hop"):
        train_walkpool(_job(tiny))


@pytest.mark.parametrize("pairs, message", [
    (np.array([0, 1, 2]), r"shape \[2, P\]"),
    (np.array([[0, 1], [1, 999]]), "outside"),
    (np.array([[0, 1], [0, 2]]), "self-pair"),
])
def test_subgraph_estimate_rejects_malformed_pairs(pairs, message):
    graph, _ = _hub_graph_and_pairs(1)
    with pytest.raises(GraphInputError, match=message):
        estimate_subgraph_nodes(graph, pairs, 2, None, 0)
    with pytest.raises(GraphInputError, match=message):
        check_subgraph_memory(graph, pairs, 2, None, 0, "ba", available=1)

"""Tests of graphkit.data.synthetic: seeded generators and the catalogue loader."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.metrics import roc_auc_score
from torch_geometric.utils import coalesce, contains_self_loops, is_undirected

from graphkit.data import load, random_link_split, training_graph
from graphkit.data.synthetic import (
    _bernoulli_indices,
    _triangle_pairs,
    barabasi_albert,
    csbm,
    erdos_renyi,
    planted_link_graph,
    random_geometric,
    sbm,
)
from graphkit.errors import DatasetError

SMALL = {
    sbm: {"num_nodes": 200},
    csbm: {"num_nodes": 200},
    barabasi_albert: {"num_nodes": 200},
    erdos_renyi: {"num_nodes": 200, "p": 0.05},
    random_geometric: {"num_nodes": 200, "radius": 0.1},
    planted_link_graph: {"num_communities": 5, "community_size": 10},
}


def _edge_set(edge_index: torch.Tensor) -> set[tuple[int, int]]:
    return {(u, v) for u, v in edge_index.t().tolist() if u < v}


def _adjacency(data) -> sp.csr_matrix:
    ei = data.edge_index.numpy()
    n = data.num_nodes
    return sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=(n, n))


@pytest.mark.parametrize("generator", list(SMALL), ids=lambda f: f.__name__)
def test_deterministic_per_seed_and_different_across_seeds(generator):
    kwargs = SMALL[generator]
    a, b, c = generator(seed=3, **kwargs), generator(seed=3, **kwargs), generator(seed=4, **kwargs)
    assert torch.equal(a.edge_index, b.edge_index)
    assert _edge_set(a.edge_index) != _edge_set(c.edge_index)
    for key in ("x", "y"):
        if key in a:
            assert torch.equal(a[key], b[key])


@pytest.mark.parametrize("generator", list(SMALL), ids=lambda f: f.__name__)
def test_undirected_simple_graphs(generator):
    data = generator(seed=0, **SMALL[generator])
    ei = data.edge_index
    assert ei.dtype == torch.int64 and int(ei.max()) < data.num_nodes
    assert is_undirected(ei, num_nodes=data.num_nodes)
    assert not contains_self_loops(ei)
    assert coalesce(ei, num_nodes=data.num_nodes).shape == ei.shape  # no duplicates


def test_global_random_state_is_untouched():
    np.random.seed(123)
    torch.manual_seed(123)
    before_np, before_torch = np.random.rand(), torch.rand(1)
    np.random.seed(123)
    torch.manual_seed(123)
    sbm(num_nodes=100, seed=0)
    barabasi_albert(num_nodes=100, seed=0)
    assert np.random.rand() == before_np and torch.equal(torch.rand(1), before_torch)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("n", [2, 3, 7, 64])
def test_triangle_pairs_match_triu_indices(n):
    i, j = _triangle_pairs(np.arange(n * (n - 1) // 2), n)
    ri, rj = np.triu_indices(n, k=1)
    np.testing.assert_array_equal(i, ri)
    np.testing.assert_array_equal(j, rj)


def test_triangle_pairs_large_n_exact():
    n = 3_000_000
    index = np.array([0, 12_345_678_901, n * (n - 1) // 2 - 1])
    i, j = _triangle_pairs(index, n)
    assert (i < j).all() and (j < n).all()
    np.testing.assert_array_equal(i * (2 * n - i - 1) // 2 + (j - i - 1), index)


def test_bernoulli_indices_edge_probabilities():
    rng = np.random.default_rng(0)
    assert _bernoulli_indices(rng, 10, 0.0).size == 0
    np.testing.assert_array_equal(_bernoulli_indices(rng, 10, 1.0), np.arange(10))
    kept = _bernoulli_indices(rng, 1_000_000, 0.01)
    assert (np.diff(kept) > 0).all() and kept.max() < 1_000_000
    assert abs(kept.size - 10_000) < 5 * math.sqrt(10_000 * 0.99)
    # uniform over the range: each decile holds about a tenth
    counts = np.bincount(kept // 100_000, minlength=10)
    assert np.all(np.abs(counts - 1000) < 5 * math.sqrt(1000))


# --------------------------------------------------------------------------- statistics


def test_erdos_renyi_exact_extremes_and_edge_count():
    assert erdos_renyi(7, p=1.0).edge_index.shape[1] == 7 * 6
    assert erdos_renyi(7, p=0.0).edge_index.shape[1] == 0
    n, p = 2000, 0.01
    pairs = n * (n - 1) / 2
    mean, std = p * pairs, math.sqrt(pairs * p * (1 - p))
    for seed in range(3):
        edges = erdos_renyi(n, p=p, seed=seed).edge_index.shape[1] // 2
        assert abs(edges - mean) < 4 * std


@pytest.mark.parametrize("n, m", [(10, 1), (200, 3), (500, 5)])
def test_barabasi_albert_exact_edge_count(n, m):
    data = barabasi_albert(n, m=m, seed=1)
    assert data.edge_index.shape[1] // 2 == m * (n - m)
    degree = np.bincount(data.edge_index[0].numpy(), minlength=n)
    assert degree[m + 1:].min() >= m
    assert degree.min() >= 1  # connected by construction: no isolated node


def test_barabasi_albert_is_heavy_tailed():
    n, m = 3000, 3
    ba = np.bincount(barabasi_albert(n, m=m, seed=0).edge_index[0].numpy(), minlength=n)
    er = np.bincount(erdos_renyi(n, p=2 * m / n, seed=0).edge_index[0].numpy(), minlength=n)
    assert ba.max() > 3 * er.max()  # hubs (about sqrt(n) m) against ER's ~log n maximum


@pytest.mark.parametrize("homophily", [0.1, 0.5, 0.9])
def test_csbm_homophily_and_degree(homophily):
    data = csbm(num_nodes=3000, num_classes=3, avg_degree=8, homophily=homophily, seed=2)
    src, dst = data.edge_index
    measured = (data.y[src] == data.y[dst]).float().mean().item()
    assert abs(measured - homophily) < 0.03
    assert abs(data.edge_index.shape[1] / data.num_nodes - 8) < 0.5
    assert np.bincount(data.y.numpy()).tolist() == [1000, 1000, 1000]


def test_csbm_rejects_impossible_probabilities():
    with pytest.raises(DatasetError, match="p_in"):
        csbm(num_nodes=20, num_classes=2, avg_degree=15, homophily=1.0)
    with pytest.raises(DatasetError, match="num_classes"):
        csbm(num_classes=1)


def test_sbm_block_densities():
    data = sbm(num_nodes=800, num_blocks=4, p_in=0.05, p_out=0.005, seed=0)
    y = data.y.numpy()
    assert np.bincount(y).tolist() == [200] * 4
    src, dst = data.edge_index.numpy()
    same = y[src] == y[dst]
    within_pairs = 4 * 200 * 199 / 2
    between_pairs = 800 * 799 / 2 - within_pairs
    d_in = same.sum() / 2 / within_pairs
    d_out = (~same).sum() / 2 / between_pairs
    assert d_in > 5 * d_out
    assert abs(d_in - 0.05) < 0.01 and abs(d_out - 0.005) < 0.001


def test_sbm_exact_extremes():
    cliques = sbm(num_nodes=12, num_blocks=3, p_in=1.0, p_out=0.0, seed=5)
    y = cliques.y.numpy()
    expected = (y[:, None] == y[None, :]) & ~np.eye(12, dtype=bool)
    np.testing.assert_array_equal(_adjacency(cliques).toarray(), expected)
    multipartite = sbm(num_nodes=12, num_blocks=3, p_in=0.0, p_out=1.0, seed=5)
    y = multipartite.y.numpy()
    np.testing.assert_array_equal(_adjacency(multipartite).toarray(), y[:, None] != y[None, :])


def test_features_carry_the_class_signal():
    strong = sbm(num_nodes=600, num_blocks=3, num_features=16, feature_signal=4.0, seed=0)
    x, y = strong.x.numpy(), strong.y.numpy()
    assert strong.x.dtype == torch.float32 and x.shape == (600, 16)
    means = np.stack([x[y == c].mean(0) for c in range(3)])
    predicted = np.argmin(((x[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (predicted == y).mean() > 0.9
    noise = sbm(num_nodes=600, num_blocks=3, num_features=16, feature_signal=0.0, seed=0).x
    assert abs(noise.mean().item()) < 0.05 and abs(noise.std().item() - 1) < 0.05
    assert "x" not in sbm(num_nodes=50, num_features=0)


def test_random_geometric_matches_brute_force():
    data = random_geometric(num_nodes=300, radius=0.1, dim=2, seed=7)
    pos = data.x.double().numpy()
    assert data.x.shape == (300, 2) and (pos >= 0).all() and (pos < 1).all()
    distances = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    expected = (distances <= 0.1) & ~np.eye(300, dtype=bool)
    # positions are compared in float32; only pairs right at the radius could flip
    borderline = np.abs(distances - 0.1) < 1e-6
    np.testing.assert_array_equal(_adjacency(data).toarray()[~borderline], expected[~borderline])


def test_planted_link_graph_common_neighbours_auc():
    data = planted_link_graph(seed=0)
    split = random_link_split(data, valid_ratio=0.05, test_ratio=0.1, seed=0)
    ei = training_graph(split, data.num_nodes).numpy()
    adj = sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=(data.num_nodes,) * 2)
    common = (adj @ adj).tocsr()

    def scores(pairs: torch.Tensor) -> np.ndarray:
        u, v = pairs.numpy()
        return np.asarray(common[u, v]).ravel()

    labels = np.r_[np.ones(split.test_pos.shape[1]), np.zeros(split.test_neg.shape[1])]
    auc = roc_auc_score(labels, np.r_[scores(split.test_pos), scores(split.test_neg)])
    assert auc > 0.95
    random = roc_auc_score(labels, np.random.default_rng(0).random(labels.size))
    assert 0.35 < random < 0.65
    assert data.y.tolist() == np.repeat(np.arange(20), 20).tolist()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: erdos_renyi(10, p=1.5), "p must be a probability"),
        (lambda: sbm(num_nodes=0), "num_nodes"),
        (lambda: sbm(num_nodes=3, num_blocks=4), "num_blocks"),
        (lambda: barabasi_albert(3, m=3), "num_nodes must be an integer >= 4"),
        (lambda: random_geometric(radius=-1.0), "radius"),
        (lambda: sbm(feature_signal=float("nan")), "feature_signal"),
    ],
)
def test_argument_errors(call, match):
    with pytest.raises(DatasetError, match=match):
        call()


# --------------------------------------------------------------------------- catalogue loader


def test_load_sbm_node_task(tmp_path):
    first = load("sbm", tmp_path, task="node", seed=1, num_nodes=300)
    again = load("sbm", tmp_path, task="node", seed=1, num_nodes=300)
    other = load("sbm", tmp_path, task="node", seed=2, num_nodes=300)
    assert first.task == "node" and first.seed == 1 and first.name == "sbm"
    assert first.data.num_nodes == 300 and first.data.x.shape == (300, 32)
    assert torch.equal(first.data.edge_index, again.data.edge_index)
    assert torch.equal(first.split.train_idx, again.split.train_idx)
    assert not torch.equal(first.data.edge_index, other.data.edge_index)
    assert first.split.sizes() == {"train": 180, "valid": 60, "test": 60}
    ratios = load("sbm", tmp_path, task="node", num_nodes=300, train_ratio=0.5, valid_ratio=0.25)
    assert ratios.split.sizes() == {"train": 152, "valid": 76, "test": 72}  # stratified rounding


def test_load_sbm_link_task_holds_out_edges(tmp_path):
    loaded = load("sbm", tmp_path, task="link", seed=0, num_nodes=300, test_ratio=0.2)
    data, split = loaded.data, loaded.split
    assert data.x.shape == (300, 32) and data.num_nodes == 300
    train = _edge_set(data.edge_index)
    assert train == {tuple(p) for p in split.train_pos.t().tolist()}
    held_out = {tuple(p) for p in torch.cat([split.valid_pos, split.test_pos], 1).t().tolist()}
    assert not train & held_out
    sizes = split.sizes()
    total = sizes["train_pos"] + sizes["valid_pos"] + sizes["test_pos"]
    assert sizes["test_pos"] == round(0.2 * total)


@pytest.mark.parametrize("name", ["csbm", "barabasi-albert", "erdos-renyi", "random-geometric"])
def test_load_every_synthetic_entry(tmp_path, name):
    loaded = load(name, tmp_path, seed=0, num_nodes=150)
    assert loaded.data.num_nodes == 150
    assert loaded.info.loader == "synthetic"


def test_load_unknown_option(tmp_path):
    with pytest.raises(DatasetError, match=r"unknown option\(s\) colour.*num_blocks.*train_ratio"):
        load("sbm", tmp_path, task="node", colour="red")
    with pytest.raises(DatasetError, match="test_ratio"):
        load("sbm", tmp_path, task="node", test_ratio=0.3)  # a link-split option

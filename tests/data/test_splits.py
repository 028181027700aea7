"""Tests of graphkit.data.splits: seeded link and node splits."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from graphkit.data.splits import (
    random_link_split,
    random_node_split,
    sample_non_edges,
    training_graph,
    undirected_pairs,
)
from graphkit.data.types import LinkSplit, NodeSplit
from graphkit.errors import DatasetError


def _pairs(tensor: torch.Tensor) -> list[tuple[int, int]]:
    return [tuple(p) for p in tensor.t().tolist()]


def _undirected(tensor: torch.Tensor) -> set[frozenset[int]]:
    return {frozenset(p) for p in _pairs(tensor)}


def _edge_set(graph: nx.Graph) -> set[frozenset[int]]:
    return {frozenset((u, v)) for u, v in graph.edges() if u != v}


# --------------------------------------------------------------------------- link splits


def test_undirected_pairs_lists_each_edge_once_without_loops():
    edge_index = torch.tensor([[0, 1, 2, 2, 3, 1], [1, 0, 1, 2, 0, 2]])
    assert undirected_pairs(edge_index).tolist() == [[0, 0, 1], [1, 3, 2]]


def test_link_split_exact_sizes_on_a_small_graph():
    graph = nx.cycle_graph(20)  # 20 edges
    split = random_link_split(graph, valid_ratio=0.1, test_ratio=0.25, neg_ratio=2.0, seed=3)
    assert isinstance(split, LinkSplit)
    assert split.sizes() == {
        "train_pos": 13, "valid_pos": 2, "valid_neg": 4, "test_pos": 5, "test_neg": 10,
    }
    for part in (split.train_pos, split.valid_pos, split.valid_neg, split.test_pos, split.test_neg):
        assert part.dtype == torch.int64 and part.dim() == 2 and part.shape[0] == 2
        assert bool((part[0] < part[1]).all()), "pairs are stored once, as u < v"
        keys = (part[0] * 20 + part[1]).tolist()
        assert keys == sorted(keys), "pairs are sorted"


def test_link_split_ignores_self_loops_and_direction_duplicates():
    edge_index = torch.tensor([[0, 1, 1, 2, 3, 3, 0, 4], [1, 0, 2, 1, 3, 4, 4, 4]])
    split = random_link_split(edge_index, valid_ratio=0.25, test_ratio=0.25, seed=0)
    positives = _undirected(split.train_pos) | _undirected(split.valid_pos) | _undirected(split.test_pos)
    assert positives == {frozenset(p) for p in [(0, 1), (1, 2), (3, 4), (0, 4)]}
    assert split.sizes()["train_pos"] == 2


def test_zero_valid_ratio_gives_empty_valid_parts():
    split = random_link_split(nx.cycle_graph(10), valid_ratio=0.0, test_ratio=0.2, seed=1)
    assert split.valid_pos.shape == (2, 0) and split.valid_neg.shape == (2, 0)
    assert split.sizes()["test_pos"] == 2 and split.sizes()["train_pos"] == 8


def test_training_graph_is_train_edges_in_both_directions():
    graph = nx.gnm_random_graph(15, 30, seed=4)
    split = random_link_split(graph, valid_ratio=0.2, test_ratio=0.2, seed=2)
    edge_index = training_graph(split, 15)
    directed = set(_pairs(edge_index))
    expected = {(u, v) for u, v in _pairs(split.train_pos)} | {(v, u) for u, v in _pairs(split.train_pos)}
    assert directed == expected
    held_out = _pairs(split.valid_pos) + _pairs(split.test_pos)
    assert not any((u, v) in directed or (v, u) in directed for u, v in held_out)


def test_same_seed_same_split_and_different_seed_different_split():
    graph = nx.gnm_random_graph(200, 800, seed=0)
    a = random_link_split(graph, seed=7)
    b = random_link_split(graph, seed=7)
    c = random_link_split(graph, seed=8)
    for name in ("train_pos", "valid_pos", "valid_neg", "test_pos", "test_neg"):
        assert torch.equal(getattr(a, name), getattr(b, name))
    assert not torch.equal(a.test_pos, c.test_pos)
    assert not torch.equal(a.valid_neg, c.valid_neg)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"valid_ratio": -0.1}, r"valid_ratio must be in \[0, 1\); got -0.1"),
        ({"valid_ratio": 1.0}, r"valid_ratio must be in \[0, 1\); got 1.0"),
        ({"test_ratio": 1.5}, r"test_ratio must be in \[0, 1\); got 1.5"),
        ({"test_ratio": float("nan")}, r"test_ratio must be in \[0, 1\); got nan"),
        ({"valid_ratio": 0.5, "test_ratio": 0.5}, r"valid_ratio \+ test_ratio must be < 1"),
        ({"neg_ratio": 0.0}, "neg_ratio must be > 0; got 0.0"),
        ({"neg_ratio": -1.0}, "neg_ratio must be > 0; got -1.0"),
        ({"neg_ratio": float("nan")}, "neg_ratio must be > 0; got nan"),
    ],
)
def test_link_split_bad_ratios(kwargs, match):
    with pytest.raises(DatasetError, match=match):
        random_link_split(nx.cycle_graph(50), **kwargs)


def test_link_split_graph_too_small():
    with pytest.raises(DatasetError, match="graph has 3 undirected edges: too few"):
        random_link_split(nx.path_graph(4))  # round(0.05 * 3) == 0 valid edges
    with pytest.raises(DatasetError, match="graph has 2 undirected edges: too few"):
        random_link_split(nx.path_graph(3), valid_ratio=0.4, test_ratio=0.4)
    with pytest.raises(DatasetError, match="graph has 0 undirected edges"):
        random_link_split(torch.tensor([[0, 1], [0, 1]]), test_ratio=0.5)


def test_link_split_too_many_negatives_on_a_near_complete_graph():
    graph = nx.complete_graph(10)
    graph.remove_edge(0, 1)  # 44 edges, a single non-edge
    with pytest.raises(DatasetError, match="cannot sample 13 negative pairs: the graph has only 1 non-edges"):
        random_link_split(graph, valid_ratio=0.1, test_ratio=0.2, neg_ratio=1.0)
    # one negative is possible
    split = random_link_split(graph, valid_ratio=0.03, test_ratio=0.0, neg_ratio=1.0)
    assert _pairs(split.valid_neg) == [(0, 1)]


def test_sample_non_edges_can_take_every_non_edge():
    graph = nx.complete_graph(7)
    graph.remove_edges_from([(0, 3), (2, 5), (4, 6)])
    edges = undirected_pairs(graph)
    got = sample_non_edges(7, edges, 3, np.random.default_rng(0))
    assert sorted(map(tuple, got.T.tolist())) == [(0, 3), (2, 5), (4, 6)]
    assert sample_non_edges(7, edges, 0, np.random.default_rng(0)).shape == (2, 0)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(6, 40),
    density=st.floats(0.1, 0.9),
    graph_seed=st.integers(0, 10_000),
    valid_ratio=st.sampled_from([0.0, 0.05, 0.1, 0.2]),
    test_ratio=st.sampled_from([0.05, 0.1, 0.3]),
    neg_ratio=st.sampled_from([0.5, 1.0, 2.0]),
    seed=st.integers(0, 2**31),
)
def test_property_link_split(n, density, graph_seed, valid_ratio, test_ratio, neg_ratio, seed):
    max_edges = n * (n - 1) // 2
    graph = nx.gnm_random_graph(n, int(density * max_edges), seed=graph_seed)
    edges = _edge_set(graph)
    m = len(edges)
    num_valid, num_test = round(valid_ratio * m), round(test_ratio * m)
    num_neg = round(neg_ratio * num_valid) + round(neg_ratio * num_test)
    too_small = m - num_valid - num_test < 1 or (valid_ratio > 0 and num_valid == 0) or num_test == 0
    if too_small or num_neg > max_edges - m:
        with pytest.raises(DatasetError):
            random_link_split(graph, valid_ratio=valid_ratio, test_ratio=test_ratio,
                              neg_ratio=neg_ratio, seed=seed)
        return
    split = random_link_split(
        graph, valid_ratio=valid_ratio, test_ratio=test_ratio, neg_ratio=neg_ratio, seed=seed
    )
    train, valid, test = (_undirected(p) for p in (split.train_pos, split.valid_pos, split.test_pos))
    # ratios respected after rounding, no pair listed twice
    assert (len(valid), len(test), len(train)) == (num_valid, num_test, m - num_valid - num_test)
    assert split.valid_pos.shape[1] == num_valid and split.test_pos.shape[1] == num_test
    assert split.train_pos.shape[1] == len(train)
    # disjoint parts whose union is the edge set
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert train | valid | test == edges
    # negatives: right count, distinct, no self-loops, not edges of the full graph
    valid_neg, test_neg = _pairs(split.valid_neg), _pairs(split.test_neg)
    assert len(valid_neg) == round(neg_ratio * num_valid)
    assert len(test_neg) == round(neg_ratio * num_test)
    negatives = [frozenset(p) for p in valid_neg + test_neg]
    assert all(len(p) == 2 for p in negatives), "no self-loop negatives"
    assert len(set(negatives)) == len(negatives), "negatives are distinct"
    assert not set(negatives) & edges
    # the message-passing graph holds no held-out positive in either direction
    message_passing = set(_pairs(training_graph(split, n)))
    assert {(u, v) for u, v in message_passing} == {
        (u, v) for p in train for u, v in (tuple(p), tuple(p)[::-1])
    }
    for u, v in _pairs(split.valid_pos) + _pairs(split.test_pos):
        assert (u, v) not in message_passing and (v, u) not in message_passing
    # same seed, same split
    again = random_link_split(
        graph, valid_ratio=valid_ratio, test_ratio=test_ratio, neg_ratio=neg_ratio, seed=seed
    )
    assert all(
        torch.equal(getattr(split, k), getattr(again, k))
        for k in ("train_pos", "valid_pos", "valid_neg", "test_pos", "test_neg")
    )


# --------------------------------------------------------------------------- node splits


def _check_partition(split: NodeSplit, n: int) -> None:
    parts = (split.train_idx, split.valid_idx, split.test_idx)
    for part in parts:
        assert part.dtype == torch.int64
        assert part.tolist() == sorted(set(part.tolist())), "sorted, no repeats"
    ids = [i for part in parts for i in part.tolist()]
    assert sorted(ids) == list(range(n)), "disjoint and covering every node"


def test_node_split_exact_sizes():
    y = torch.tensor([0] * 10 + [1] * 5 + [2] * 5)
    split = random_node_split(y, train_ratio=0.6, valid_ratio=0.2, seed=0)
    _check_partition(split, 20)
    for part, sizes in ((split.train_idx, (6, 3, 3)), (split.valid_idx, (2, 1, 1)),
                        (split.test_idx, (2, 1, 1))):
        assert tuple(torch.bincount(y[part], minlength=3).tolist()) == sizes


def test_node_split_deterministic_per_seed():
    y = np.random.default_rng(0).integers(0, 4, 300)
    a, b = random_node_split(y, seed=5), random_node_split(y, seed=5)
    c = random_node_split(y, seed=6)
    assert torch.equal(a.train_idx, b.train_idx) and torch.equal(a.test_idx, b.test_idx)
    assert torch.equal(a.valid_idx, b.valid_idx)
    assert not torch.equal(a.train_idx, c.train_idx)


def test_node_split_multi_label_is_uniform():
    y = torch.from_numpy(np.random.default_rng(1).integers(0, 2, (50, 3)))
    split = random_node_split(y, train_ratio=0.5, valid_ratio=0.3, seed=2)
    _check_partition(split, 50)
    assert split.sizes() == {"train": 25, "valid": 15, "test": 10}


def test_node_split_unstratified_1d():
    y = np.array([0] * 9 + [1])
    split = random_node_split(y, train_ratio=0.5, valid_ratio=0.2, seed=0, stratify=False)
    _check_partition(split, 10)
    assert split.sizes() == {"train": 5, "valid": 2, "test": 3}


@pytest.mark.parametrize(
    ("train_ratio", "valid_ratio"),
    [(0.0, 0.2), (1.0, 0.0), (-0.1, 0.2), (0.6, -0.1), (0.6, 0.4), (0.7, 0.5), (float("nan"), 0.2)],
)
def test_node_split_bad_ratios(train_ratio, valid_ratio):
    with pytest.raises(DatasetError, match=r"need 0 < train_ratio.*train_ratio="):
        random_node_split(torch.zeros(10, dtype=torch.long), train_ratio=train_ratio,
                          valid_ratio=valid_ratio)


def test_node_split_exclude_leaves_nodes_out():
    y = np.random.default_rng(3).integers(0, 3, 60)
    exclude = np.array([0, 7, 8, 59])
    split = random_node_split(y, train_ratio=0.5, valid_ratio=0.25, seed=4, exclude=exclude)
    parts = [split.train_idx, split.valid_idx, split.test_idx]
    ids = sorted(i for part in parts for i in part.tolist())
    assert ids == sorted(set(range(60)) - set(exclude.tolist())), "every other node, once"
    # the kept nodes are split per class as if the excluded ones were not there
    for c in range(3):
        members = np.setdiff1d(np.flatnonzero(y == c), exclude)
        assert (y[split.train_idx.numpy()] == c).sum() == round(0.5 * members.size)


def test_node_split_empty_exclude_is_no_exclude():
    y = np.random.default_rng(5).integers(0, 4, 80)
    a = random_node_split(y, seed=1)
    b = random_node_split(y, seed=1, exclude=torch.empty(0, dtype=torch.long))
    for part in ("train_idx", "valid_idx", "test_idx"):
        assert torch.equal(getattr(a, part), getattr(b, part))


@pytest.mark.parametrize("exclude", [[10], [-1], [[1, 2]], [0.5]])
def test_node_split_bad_exclude(exclude):
    with pytest.raises(DatasetError, match=r"exclude must be a 1-D array of node ids in 0\.\.9"):
        random_node_split(torch.zeros(10, dtype=torch.long), exclude=np.array(exclude))


def test_node_split_too_few_nodes():
    with pytest.raises(DatasetError, match="node split of 1 nodes left an empty train or test part"):
        random_node_split(torch.tensor([0]))


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    train_ratio=st.floats(0.05, 0.9),
    valid_fraction=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**31),
    data=st.data(),
)
def test_property_node_split_stratified(sizes, train_ratio, valid_fraction, seed, data):
    valid_ratio = (1 - train_ratio) * valid_fraction
    assume(train_ratio + valid_ratio < 1)
    y = np.repeat(np.arange(len(sizes)), sizes)
    y = data.draw(st.permutations(y.tolist()))
    y = torch.tensor(y)
    n = int(y.numel())
    expect_train = sum(round(train_ratio * s) for s in sizes)
    expect_valid = sum(round(valid_ratio * s) for s in sizes)
    if expect_train == 0 or n - expect_train - expect_valid == 0:
        with pytest.raises(DatasetError):
            random_node_split(y, train_ratio=train_ratio, valid_ratio=valid_ratio, seed=seed)
        return
    split = random_node_split(y, train_ratio=train_ratio, valid_ratio=valid_ratio, seed=seed)
    _check_partition(split, n)
    counts = torch.bincount(y, minlength=len(sizes))
    for part, ratio in ((split.train_idx, train_ratio), (split.valid_idx, valid_ratio)):
        per_class = torch.bincount(y[part], minlength=len(sizes))
        assert bool(((per_class - ratio * counts).abs() <= 1).all())
    assert split.sizes()["train"] == expect_train and split.sizes()["valid"] == expect_valid
    again = random_node_split(y, train_ratio=train_ratio, valid_ratio=valid_ratio, seed=seed)
    assert torch.equal(split.train_idx, again.train_idx)
    assert torch.equal(split.valid_idx, again.valid_idx)

"""Tests for graphkit.embed.walks: exact walks, transition frequencies, determinism, errors."""

from __future__ import annotations

import networkx as nx
import numba
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from graphkit.embed.walks import iter_walk_rounds, random_walks
from graphkit.errors import ConfigError, GraphInputError

# A small undirected weighted graph with triangles, a pendant node and a self-loop.
EDGES = [(0, 1, 1.0), (0, 2, 2.0), (1, 2, 1.5), (1, 3, 0.5), (2, 4, 3.0), (3, 4, 1.0),
         (3, 5, 2.0), (1, 5, 1.0), (4, 4, 0.5), (5, 6, 1.0)]
P_VALUE_FLOOR = 1e-4  # generous: fixed seeds, so a pass is reproducible


def _weighted_nx(directed: bool = False) -> nx.Graph:
    graph = nx.DiGraph() if directed else nx.Graph()
    graph.add_weighted_edges_from(EDGES)
    return graph


def _unweighted(graph: nx.Graph) -> nx.Graph:
    """The same graph without weights, nodes kept in the order 0..n-1 (as_graph's order)."""
    copy = graph.__class__()
    copy.add_nodes_from(sorted(graph.nodes()))
    copy.add_edges_from(graph.edges())
    return copy


def _dense(graph: nx.Graph, weighted: bool) -> np.ndarray:
    return nx.to_numpy_array(graph, nodelist=range(graph.number_of_nodes()),
                             weight="weight" if weighted else None)


def _node2vec_probabilities(adj: np.ndarray, t: int, v: int, p: float, q: float) -> np.ndarray:
    """Brute-force node2vec transition probabilities from ``v`` having come from ``t``."""
    bias = np.where(adj[t] != 0, 1.0, 1.0 / q)
    bias[t] = 1.0 / p
    unnormalised = adj[v] * bias
    return unnormalised / unnormalised.sum()


def _chisquare_ok(observed: np.ndarray, expected_prob: np.ndarray) -> float:
    support = expected_prob > 0
    assert observed[~support].sum() == 0, "walk took an edge of probability 0"
    expected = expected_prob[support] * observed.sum()
    return chisquare(observed[support], expected).pvalue


# ------------------------------------------------------------------ exact walks


def test_path_of_two_nodes_alternates():
    walks = random_walks(np.array([[0, 1]]), walk_length=5, walks_per_node=2, seed=3)
    expected = np.array([[0, 1, 0, 1, 0], [1, 0, 1, 0, 1]] * 2)
    np.testing.assert_array_equal(walks, expected)
    assert walks.dtype == np.int32


def test_star_walks_alternate_between_centre_and_leaves():
    walks = random_walks(nx.star_graph(6), walk_length=9, walks_per_node=3, p=0.5, q=2.0)
    assert walks.shape == (21, 9)
    for row in walks:
        centre_slots = row[1::2] if row[0] != 0 else row[0::2]
        leaf_slots = row[0::2] if row[0] != 0 else row[1::2]
        assert np.all(centre_slots == 0)
        assert np.all((leaf_slots >= 1) & (leaf_slots <= 6))


def test_directed_path_stops_at_the_dead_end_and_pads():
    path = nx.DiGraph([(0, 1), (1, 2)])
    walks = random_walks(path, walk_length=5, walks_per_node=1, p=0.3, q=3.0)
    expected = np.array([[0, 1, 2, -1, -1], [1, 2, -1, -1, -1], [2, -1, -1, -1, -1]])
    np.testing.assert_array_equal(walks, expected)


def test_directed_cycle_is_deterministic():
    cycle = nx.DiGraph([(0, 1), (1, 2), (2, 0)])
    walks = random_walks(cycle, walk_length=7, walks_per_node=1, p=2.0, q=0.5)
    np.testing.assert_array_equal(walks[1], [1, 2, 0, 1, 2, 0, 1])


def test_row_order_is_round_major_and_start_nodes_are_used():
    walks = random_walks(nx.cycle_graph(5), walk_length=4, walks_per_node=3,
                         start_nodes=[4, 2, 2])
    assert walks.shape == (9, 4)
    np.testing.assert_array_equal(walks[:, 0], [4, 2, 2] * 3)


def test_isolated_nodes_give_padded_walks():
    edge_index = torch.tensor([[0, 1], [1, 0]])
    from torch_geometric.data import Data

    walks = random_walks(Data(edge_index=edge_index, num_nodes=4), walk_length=4,
                         walks_per_node=1, p=0.5, q=2.0)
    np.testing.assert_array_equal(walks[2:], [[2, -1, -1, -1], [3, -1, -1, -1]])
    np.testing.assert_array_equal(walks[:2], [[0, 1, 0, 1], [1, 0, 1, 0]])


def test_zero_weight_edges_are_never_taken_and_all_zero_rows_are_dead_ends():
    edge_index = np.array([[0, 0, 1, 2], [1, 2, 2, 0]])
    weights = np.array([0.0, 1.0, 0.0, 1.0])
    from graphkit.graph import as_graph

    graph = as_graph(edge_index, edge_weight=weights, directed=True)
    walks = random_walks(graph, walk_length=4, walks_per_node=5)
    np.testing.assert_array_equal(walks[0], [0, 2, 0, 2])
    np.testing.assert_array_equal(walks[1], [1, -1, -1, -1])


def test_empty_graph_and_walk_length_one():
    empty = random_walks(np.zeros((2, 0), dtype=np.int64), walk_length=3)
    assert empty.shape == (0, 3)
    single = random_walks(nx.path_graph(3), walk_length=1, walks_per_node=2)
    np.testing.assert_array_equal(single[:, 0], [0, 1, 2, 0, 1, 2])


# ------------------------------------------------------------------ transition frequencies


@pytest.mark.parametrize("weighted", [False, True])
def test_first_order_frequencies_match_weights(weighted):
    graph = _weighted_nx()
    if not weighted:
        graph = _unweighted(graph)
    adj = _dense(graph, weighted)
    for v in (1, 2, 4):
        walks = random_walks(graph, walk_length=2, walks_per_node=1, seed=v,
                             start_nodes=np.full(20_000, v))
        observed = np.bincount(walks[:, 1], minlength=adj.shape[0])
        assert _chisquare_ok(observed, adj[v] / adj[v].sum()) > P_VALUE_FLOOR


@pytest.mark.parametrize("p, q", [(0.25, 4.0), (4.0, 0.25), (0.5, 2.0), (2.0, 2.0), (1.0, 0.3)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("directed", [False, True])
def test_second_order_frequencies_match_brute_force(p, q, weighted, directed):
    graph = _weighted_nx(directed)
    if directed:  # add some reverse edges so that returns and dead ends both occur
        graph.add_weighted_edges_from([(2, 0, 1.0), (4, 2, 2.0), (5, 1, 1.0), (1, 0, 3.0)])
    if not weighted:
        graph = _unweighted(graph)
    adj = _dense(graph, weighted)
    checked = 0
    for t in (0, 1, 2, 3):
        walks = random_walks(graph, walk_length=3, walks_per_node=1, p=p, q=q, seed=10 + t,
                             start_nodes=np.full(30_000, t))
        for v in np.flatnonzero(adj[t]):
            rows = walks[walks[:, 1] == v]
            if rows.shape[0] < 2_000 or adj[v].sum() == 0:
                continue
            observed = np.bincount(rows[:, 2], minlength=adj.shape[0])
            expected = _node2vec_probabilities(adj, t, int(v), p, q)
            assert _chisquare_ok(observed, expected) > P_VALUE_FLOOR, (t, v)
            checked += 1
    assert checked >= 5


def test_second_order_return_probability_on_a_path():
    """From the middle of a path 0-1-2 having come from 0: P(return) = (1/p) / (1/p + 1/q)."""
    p, q = 0.5, 2.0
    walks = random_walks(nx.path_graph(3), walk_length=3, walks_per_node=1, p=p, q=q,
                         start_nodes=np.zeros(40_000, dtype=np.int64))
    share = np.mean(walks[:, 2] == 0)
    expected = (1 / p) / (1 / p + 1 / q)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / 40_000)


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize("p, q", [(1.0, 1.0), (0.25, 4.0)])
@pytest.mark.parametrize("weighted", [False, True])
def test_bit_identical_for_any_thread_count(p, q, weighted):
    graph = nx.barabasi_albert_graph(300, 3, seed=1)
    if weighted:
        for i, (u, v) in enumerate(graph.edges()):
            graph[u][v]["weight"] = 1.0 + (i % 7)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = random_walks(graph, walk_length=20, walks_per_node=3, p=p, q=q, seed=5)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = random_walks(graph, walk_length=20, walks_per_node=3, p=p, q=q, seed=5)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


def test_seed_controls_the_walks():
    graph = nx.barabasi_albert_graph(100, 2, seed=0)
    a = random_walks(graph, walk_length=10, walks_per_node=2, p=0.5, q=2.0, seed=1)
    b = random_walks(graph, walk_length=10, walks_per_node=2, p=0.5, q=2.0, seed=1)
    c = random_walks(graph, walk_length=10, walks_per_node=2, p=0.5, q=2.0, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    gen = random_walks(graph, walk_length=10, walks_per_node=2, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(gen, random_walks(graph, walk_length=10, walks_per_node=2,
                                                    seed=np.random.default_rng(1)))


def test_rounds_concatenate_to_the_full_walks():
    graph = nx.karate_club_graph()
    full = random_walks(graph, walk_length=12, walks_per_node=4, p=0.7, q=1.5, seed=9)
    rounds = list(iter_walk_rounds(graph, walk_length=12, walks_per_node=4, p=0.7, q=1.5,
                                   seed=9))
    assert len(rounds) == 4
    np.testing.assert_array_equal(np.concatenate(rounds), full)


# ------------------------------------------------------------------ properties


@st.composite
def _small_graphs(draw):
    n = draw(st.integers(1, 8))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=16))
    directed = draw(st.booleans())
    weights = draw(st.lists(st.floats(0.0, 5.0), min_size=len(pairs), max_size=len(pairs)))
    edge_index = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
    return edge_index, np.array(weights), n, directed


@settings(max_examples=40, deadline=None)
@given(_small_graphs(), st.sampled_from([(1.0, 1.0), (0.2, 5.0), (3.0, 0.4)]),
       st.integers(1, 6), st.booleans())
def test_walks_follow_edges_and_pad_only_after_dead_ends(case, pq, length, weighted):
    from graphkit.graph import as_graph

    edge_index, weights, n, directed = case
    graph = as_graph(edge_index, edge_weight=weights if weighted else None, num_nodes=n,
                     directed=directed)
    walks = random_walks(graph, walk_length=length, walks_per_node=2, p=pq[0], q=pq[1])
    adj = graph.to_scipy().toarray()
    assert walks.shape == (2 * n, length)
    np.testing.assert_array_equal(walks[:, 0], np.tile(np.arange(n), 2))
    for row in walks:
        for a, b in zip(row[:-1], row[1:], strict=True):
            if a == -1:
                assert b == -1
            elif b == -1:
                assert not np.any(adj[a] > 0)
            else:
                assert adj[a, b] > 0


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("kwargs, match", [
    ({"walk_length": 0}, "walk_length"),
    ({"walk_length": 2.5}, "walk_length"),
    ({"walks_per_node": 0}, "walks_per_node"),
    ({"p": 0.0}, "p must"),
    ({"p": -1.0}, "p must"),
    ({"q": float("nan")}, "q must"),
    ({"q": float("inf")}, "q must"),
    ({"p": "1"}, "p must"),
    ({"q": True}, "q must"),
])
def test_bad_configuration_raises(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        random_walks(nx.path_graph(3), **kwargs)


def test_negative_weights_raise():
    graph = nx.Graph()
    graph.add_weighted_edges_from([(0, 1, 1.0), (1, 2, -0.5)])
    with pytest.raises(GraphInputError, match="weights >= 0"):
        random_walks(graph)


@pytest.mark.parametrize("starts, match", [([0, 3], "out of range"), ([-1], "out of range"),
                                           ([0.5], "integer")])
def test_bad_start_nodes_raise(starts, match):
    with pytest.raises(GraphInputError, match=match):
        random_walks(nx.path_graph(3), start_nodes=starts)


def test_hand_built_graph_with_unsorted_rows_raises():
    from graphkit.graph import Graph

    graph = Graph(np.array([0, 2, 3, 4]), np.array([2, 1, 0, 0]), None, 3, False)
    with pytest.raises(GraphInputError, match="increasing order"):
        random_walks(graph)


def test_iter_walk_rounds_validates_eagerly():
    with pytest.raises(ConfigError, match="p must"):
        iter_walk_rounds(nx.path_graph(3), p=-2)

"""Tests for graphkit.embed.skipgram: node2vec / DeepWalk embeddings and their transforms."""

from __future__ import annotations

import inspect

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Data

from graphkit.embed.skipgram import DeepWalkEmbedding, Node2VecEmbedding, deepwalk, node2vec
from graphkit.errors import ConfigError, GraphInputError

SMALL = {"dim": 8, "walk_length": 10, "walks_per_node": 4, "window": 3}


def _centred_cosine(a: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=0)
    unit = a / np.linalg.norm(a, axis=1, keepdims=True)
    return unit @ unit.T


def test_shape_dtype_and_determinism_with_one_worker():
    graph = nx.karate_club_graph()
    a = node2vec(graph, p=0.5, q=2.0, seed=3, **SMALL)
    b = node2vec(graph, p=0.5, q=2.0, seed=3, **SMALL)
    c = node2vec(graph, p=0.5, q=2.0, seed=4, **SMALL)
    assert a.shape == (34, 8) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_stream_gives_the_same_embedding():
    graph = nx.barabasi_albert_graph(60, 2, seed=0)
    held = node2vec(graph, p=0.25, q=4.0, epochs=2, **SMALL)
    streamed = node2vec(graph, p=0.25, q=4.0, epochs=2, stream=True, **SMALL)
    np.testing.assert_array_equal(held, streamed)


def test_deepwalk_is_node2vec_with_p_q_one():
    graph = nx.cycle_graph(12)
    np.testing.assert_array_equal(deepwalk(graph, seed=1, **SMALL),
                                  node2vec(graph, p=1.0, q=1.0, seed=1, **SMALL))


def test_communities_are_separated():
    sizes = [30, 30]
    graph = nx.stochastic_block_model(sizes, [[0.4, 0.01], [0.01, 0.4]], seed=0)
    emb = node2vec(graph, dim=16, walk_length=20, walks_per_node=10, window=5, epochs=3)
    sim = _centred_cosine(emb)
    same = np.add.outer(np.repeat([0, 1], 30), np.repeat([0, 1], 30)) != 1
    off_diagonal = ~np.eye(60, dtype=bool)
    within = sim[same & off_diagonal].mean()
    between = sim[~same].mean()
    assert within > 0.5 > -0.5 > between


def test_isolated_nodes_get_zero_rows():
    data = Data(edge_index=torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]), num_nodes=5)
    emb = node2vec(data, p=2.0, q=0.5, **SMALL)
    assert np.all(emb[3:] == 0)
    assert np.all(np.abs(emb[:3]).sum(axis=1) > 0)


@pytest.mark.parametrize("graph", [
    np.zeros((2, 0), dtype=np.int64),
    Data(edge_index=torch.zeros((2, 0), dtype=torch.long), num_nodes=3),
])
def test_graphs_without_edges_give_zero_embeddings(graph):
    emb = deepwalk(graph, **SMALL)
    assert emb.shape == (graph.num_nodes if isinstance(graph, Data) else 0, 8)
    assert not emb.any()


def test_walk_length_one_gives_zero_embeddings():
    emb = node2vec(nx.path_graph(4), dim=4, walk_length=1)
    assert emb.shape == (4, 4) and not emb.any()


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 7), st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=10),
       st.booleans())
def test_zero_rows_for_untouched_nodes_and_nonzero_for_walk_starts(n, pairs, directed):
    """Untouched nodes get zero rows; a node with an out-edge starts walks, so it is embedded.

    (A node reached only through in-edges may or may not be visited by the random walks.)
    """
    from graphkit.graph import as_graph

    pairs = [(u, v) for u, v in pairs if u < n and v < n]
    edge_index = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
    graph = as_graph(edge_index, num_nodes=n, directed=directed)
    emb = node2vec(graph, dim=4, walk_length=3, walks_per_node=2, window=2, p=0.5, q=2.0)
    adj = graph.to_scipy().toarray() > 0
    embedded = np.abs(emb).sum(axis=1) > 0
    assert not np.any(embedded & ~(adj.any(axis=0) | adj.any(axis=1)))
    assert np.all(embedded[adj.any(axis=1)])


def test_negative_sampling_table_uses_the_node_counts():
    """Regression: with int tokens gensim built its noise table from the wrong counts."""
    from graphkit.embed.skipgram import _train, _WalkCorpus
    from graphkit.embed.walks import random_walks

    walks = random_walks(nx.barabasi_albert_graph(200, 2, seed=0), walk_length=10,
                         walks_per_node=3)
    model = _train(_WalkCorpus(lambda: iter([walks]), 200), 4, 3, 5, 1, 1, 0)
    counts = np.bincount(walks.ravel(), minlength=200)
    keys = [int(key) for key in model.wv.index_to_key]
    np.testing.assert_array_equal(model.wv.expandos["count"], counts[keys])
    power = counts[keys] ** 0.75
    expected = np.round(np.cumsum(power) / power.sum() * (2**31 - 1))
    np.testing.assert_allclose(model.cum_table, expected, atol=1)


# ------------------------------------------------------------------ transforms


@pytest.mark.parametrize("cls", [Node2VecEmbedding, DeepWalkEmbedding])
def test_repr_lists_every_argument(cls):
    transform = cls(dim=16, walk_length=5, seed=7)
    text = repr(transform)
    assert text.startswith(f"{cls.__name__}(dim=16, walk_length=5, ")
    for name in inspect.signature(cls.__init__).parameters:
        if name != "self":
            assert f"{name}=" in text
    if cls is DeepWalkEmbedding:
        assert "p=" not in text.replace("walks_per_node", "")


def test_transform_writes_x_and_leaves_input_alone():
    edge_index = torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])
    x = torch.ones(4, 2)
    data = Data(edge_index=edge_index, x=x, num_nodes=4)
    out = Node2VecEmbedding(p=0.5, q=2.0, **SMALL)(data)
    assert out is not data
    assert data.x is x and torch.equal(data.x, torch.ones(4, 2))
    assert out.x.shape == (4, 8) and out.x.dtype == torch.float32
    np.testing.assert_array_equal(out.x.numpy(), node2vec(data, p=0.5, q=2.0, **SMALL))
    concatenated = DeepWalkEmbedding(cat=True, **SMALL)(data)
    assert concatenated.x.shape == (4, 10)
    torch.testing.assert_close(concatenated.x[:, :2], x)
    assert torch.equal(data.x, torch.ones(4, 2))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dim": 0}, ConfigError, "dim"),
    ({"window": 0}, ConfigError, "window"),
    ({"negative": 0}, ConfigError, "negative"),
    ({"epochs": 1.5}, ConfigError, "epochs"),
    ({"workers": 0}, ConfigError, "workers"),
    ({"p": -1.0}, ConfigError, "p must"),
    ({"p": -1.0, "stream": True}, ConfigError, "p must"),
    ({"walks_per_node": 0, "stream": True}, ConfigError, "walks_per_node"),
])
def test_bad_arguments_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        node2vec(nx.path_graph(3), **kwargs)


def test_negative_weights_raise():
    graph = nx.Graph()
    graph.add_weighted_edges_from([(0, 1, -1.0)])
    with pytest.raises(GraphInputError, match="weights >= 0"):
        deepwalk(graph, **SMALL)

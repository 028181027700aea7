"""Tests of graphkit.layers.heuristics against networkx, brute force and closed forms."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from graphkit.errors import GraphInputError
from graphkit.layers import (
    adamic_adar,
    common_neighbors,
    katz,
    personalized_pagerank,
    resource_allocation,
)

NEIGHBOURHOOD = [common_neighbors, adamic_adar, resource_allocation]
ALL = [*NEIGHBOURHOOD, katz, personalized_pagerank]

GRAPHS = {
    "karate": nx.karate_club_graph(),
    "barbell": nx.barbell_graph(4, 2),
    "star": nx.star_graph(5),
    "path": nx.path_graph(6),
    "complete": nx.complete_graph(5),
    "petersen": nx.petersen_graph(),
}


def _all_pairs(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.combinations(range(n), 2))).t()


def _brute_force(graph: nx.Graph, u: int, v: int, weight) -> float:
    common = set(graph[u]) & set(graph[v])
    return sum(weight(graph.degree(w)) for w in common)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_neighbourhood_scores_equal_networkx_and_brute_force(name):
    graph = GRAPHS[name]
    pairs = _all_pairs(graph.number_of_nodes())
    ebunch = [tuple(p) for p in pairs.t().tolist()]
    cn = common_neighbors(graph, pairs)
    aa = adamic_adar(graph, pairs)
    ra = resource_allocation(graph, pairs)
    assert cn.dtype == aa.dtype == ra.dtype == torch.float64 and cn.shape == (len(ebunch),)
    nx_cn = [len(list(nx.common_neighbors(graph, u, v))) for u, v in ebunch]
    nx_aa = [p for _, _, p in nx.adamic_adar_index(graph, ebunch)]
    nx_ra = [p for _, _, p in nx.resource_allocation_index(graph, ebunch)]
    assert cn.tolist() == nx_cn
    np.testing.assert_allclose(aa.numpy(), nx_aa, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ra.numpy(), nx_ra, rtol=1e-12, atol=0)
    brute_aa = [_brute_force(graph, u, v, lambda d: 1 / math.log(d)) for u, v in ebunch]
    brute_ra = [_brute_force(graph, u, v, lambda d: 1 / d) for u, v in ebunch]
    np.testing.assert_allclose(aa.numpy(), brute_aa, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ra.numpy(), brute_ra, rtol=1e-12, atol=0)


def test_star_exact_values():
    # star with centre 0 and 4 leaves: two leaves share exactly the centre, of degree 4
    edge_index = torch.tensor([[0, 0, 0, 0], [1, 2, 3, 4]])  # one direction only
    pairs = torch.tensor([[1, 1, 0], [2, 4, 3]])
    assert common_neighbors(edge_index, pairs).tolist() == [1.0, 1.0, 0.0]
    assert adamic_adar(edge_index, pairs).tolist() == [1 / math.log(4), 1 / math.log(4), 0.0]
    assert resource_allocation(edge_index, pairs).tolist() == [0.25, 0.25, 0.0]


def test_self_pairs_self_loops_and_degree_one():
    # edge 0-1 with a self-loop at 0 (ignored) and 2-3; (u, u) counts u's own neighbours
    edge_index = torch.tensor([[0, 0, 2], [0, 1, 3]])
    pairs = torch.tensor([[0, 1, 2], [0, 1, 3]])
    assert common_neighbors(edge_index, pairs).tolist() == [1.0, 1.0, 0.0]
    # the only neighbour of 0 has degree 1: contributes 0 to AA instead of 1/log(1)
    assert adamic_adar(edge_index, pairs).tolist() == [0.0, 0.0, 0.0]
    assert resource_allocation(edge_index, pairs).tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("func", NEIGHBOURHOOD)
def test_batching_and_input_types_agree(func):
    graph = GRAPHS["karate"]
    pairs = torch.randint(0, 34, (2, 200), generator=torch.Generator().manual_seed(0))
    expected = func(graph, pairs)
    assert torch.equal(func(graph, pairs, batch_size=7), expected)
    data = Data(edge_index=torch.tensor(list(graph.edges())).t(), num_nodes=34)
    assert torch.equal(func(data, pairs), expected)
    assert torch.equal(func(nx.to_scipy_sparse_array(graph), pairs.numpy()), expected)
    assert torch.equal(func(graph, pairs.flip(0)), expected)  # symmetric


@pytest.mark.parametrize("func", ALL)
def test_empty_pairs(func):
    out = func(GRAPHS["path"], torch.empty(2, 0, dtype=torch.long))
    assert out.shape == (0,) and out.dtype == torch.float64


def test_isolated_trailing_nodes_need_num_nodes():
    edge_index = torch.tensor([[0, 1], [1, 2]])
    pairs = torch.tensor([[0], [4]])
    with pytest.raises(GraphInputError, match="node id 4.*num_nodes="):
        common_neighbors(edge_index, pairs)
    assert common_neighbors(edge_index, pairs, num_nodes=5).tolist() == [0.0]


def test_katz_equals_closed_form_and_matrix_powers():
    graph = GRAPHS["karate"]
    adj = nx.to_numpy_array(graph, weight=None)
    pairs = _all_pairs(34)
    beta = 0.05  # below 1 / lambda_max = 1 / 6.73, so the series converges
    closed = np.linalg.inv(np.eye(34) - beta * adj) - np.eye(34)
    out = katz(graph, pairs, beta=beta, max_iter=200, batch_size=5)
    np.testing.assert_allclose(out.numpy(), closed[pairs[0], pairs[1]], rtol=1e-10)
    powers = sum(0.005**step * np.linalg.matrix_power(adj, step) for step in (1, 2, 3))
    np.testing.assert_allclose(katz(graph, pairs).numpy(), powers[pairs[0], pairs[1]], rtol=1e-12)


def test_katz_path_exact():
    # path 0-1-2: walks 0->2 of length <= 3: one of length 2; 0->1: one of length 1, two of 3
    pairs = torch.tensor([[0, 0], [2, 1]])
    out = katz(nx.path_graph(3), pairs, beta=0.5, max_iter=3).tolist()
    assert out == [0.25, 0.5 + 2 * 0.125]


@pytest.mark.parametrize("name", ["karate", "barbell", "star"])
def test_ppr_equals_networkx_pagerank(name):
    graph = GRAPHS[name]
    n = graph.number_of_nodes()
    pairs = torch.cartesian_prod(torch.arange(n), torch.arange(n)).t()
    out = personalized_pagerank(graph, pairs, alpha=0.2, tol=1e-13, max_iter=1000, batch_size=4)
    for source in range(n):
        expected = nx.pagerank(graph, alpha=0.8, personalization={source: 1}, tol=1e-14,
                               max_iter=10_000, weight=None)
        got = out[pairs[0] == source].numpy()
        np.testing.assert_allclose(got, [expected[v] for v in range(n)], atol=1e-9)


def test_ppr_isolated_source_and_dangling_mass():
    # node 3 is isolated: its walk always restarts, so PPR(3, 3) = 1; rows sum to 1
    edge_index = torch.tensor([[0, 1], [1, 2]])
    pairs = torch.cartesian_prod(torch.arange(4), torch.arange(4)).t()
    out = personalized_pagerank(edge_index, pairs, num_nodes=4, tol=1e-14, max_iter=1000)
    table = out.view(4, 4)
    np.testing.assert_allclose(table.sum(1).numpy(), np.ones(4), atol=1e-12)
    assert table[3].tolist() == [0.0, 0.0, 0.0, 1.0]
    # path 0-1-2 from 0: pi1 = (1 - a)(pi0 + pi2) and pi0 + pi2 = a + (1 - a) pi1
    a = 0.15
    np.testing.assert_allclose(table[0, 1].item(), a * (1 - a) / (1 - (1 - a) ** 2), rtol=1e-10)


@pytest.mark.parametrize("func", ALL)
@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (torch.tensor([[0, 1], [1, 6]]), r"node id 6, outside \[0, 6\)"),
        (torch.tensor([[0, -1], [1, 2]]), "node id -1"),
        (torch.tensor([[0, 1], [1, 2], [2, 3]]), r"\[M, 2\]: transpose it"),
        (torch.tensor([0, 1]), r"shape \[2, M\]; got \[2\]"),
        (torch.tensor([[0.0, 1.0], [1.0, 2.0]]), "integer node ids"),
        ([[0, 1], [1, 2]], "must be a \\[2, M\\] int64 tensor; got list"),
    ],
)
def test_bad_pairs(func, pairs, message):
    with pytest.raises(GraphInputError, match=message):
        func(GRAPHS["path"], pairs)


@pytest.mark.parametrize(
    ("func", "kwargs", "message"),
    [
        (common_neighbors, {"batch_size": 0}, "batch_size must be a positive integer"),
        (katz, {"beta": 0.0}, "beta must be a positive"),
        (katz, {"max_iter": 0}, "max_iter must be a positive integer"),
        (personalized_pagerank, {"alpha": 1.5}, r"alpha must be a restart probability in \(0, 1\]"),
        (personalized_pagerank, {"tol": -1.0}, "tol must be a number >= 0"),
    ],
)
def test_bad_options(func, kwargs, message):
    with pytest.raises(GraphInputError, match=message):
        func(GRAPHS["path"], torch.tensor([[0], [1]]), **kwargs)


def test_bad_graph_is_reported_by_as_graph():
    with pytest.raises(GraphInputError, match="unsupported type"):
        common_neighbors("not a graph", torch.tensor([[0], [1]]))

"""Fixtures shared by the rewiring tests: small bottleneck graphs and the transform contract."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from torch_geometric.data import Data
from torch_geometric.utils import from_networkx

from graphkit.errors import ConfigError, GraphInputError


def _ric_brute(graph: nx.Graph, i: int, j: int) -> float:
    """Ric(i, j) of Topping et al. (ICLR 2022), Definition 1, written with Python sets."""
    di, dj = graph.degree(i), graph.degree(j)
    if min(di, dj) <= 1:
        return 0.0
    ni, nj = set(graph[i]), set(graph[j])
    triangles = len(ni & nj)
    only_i = ni - nj - {j}  # candidate k: neighbour of i, not j, not adjacent to j
    only_j = nj - ni - {i}  # candidate w: neighbour of j, not i, not adjacent to i
    squares_i = {k for k in only_i if set(graph[k]) & only_j}
    squares_j = {w for w in only_j if set(graph[w]) & only_i}
    gamma = max(
        [len(set(graph[k]) & only_j) for k in squares_i]
        + [len(set(graph[w]) & only_i) for w in squares_j]
        + [0]
    )
    value = 2 / di + 2 / dj - 2 + 2 * triangles / max(di, dj) + triangles / min(di, dj)
    if gamma:
        value += (len(squares_i) + len(squares_j)) / (gamma * max(di, dj))
    return value


@pytest.fixture
def ric_brute():
    return _ric_brute


def _edge_index(graph: nx.Graph) -> torch.Tensor:
    return from_networkx(nx.convert_node_labels_to_integers(graph)).edge_index


@pytest.fixture
def edge_index_of():
    return _edge_index


@pytest.fixture(params=["barbell", "ring"])
def bottleneck(request) -> torch.Tensor:
    """barbell_graph(5, 2) and a ring of four 4-cliques (ring_of_cliques(4, 4))."""
    graph = nx.barbell_graph(5, 2) if request.param == "barbell" else nx.ring_of_cliques(4, 4)
    return _edge_index(graph)


@pytest.fixture
def check_transform_contract():
    """Input untouched, determinism per seed, edge attributes dropped, errors on bad input."""

    def check(make, bad_arguments: dict):
        ei = _edge_index(nx.barbell_graph(5, 2))
        data = Data(
            x=torch.randn(12, 3), edge_index=ei, edge_attr=torch.randn(ei.size(1), 2),
            edge_weight=torch.rand(ei.size(1)), num_nodes=12,
        )
        before = {key: value.clone() for key, value in data.items() if torch.is_tensor(value)}
        out = make(seed=0)(data)
        for key, value in before.items():
            assert torch.equal(data[key], value), f"{key} of the input was modified"
        assert out is not data and torch.equal(out.x, data.x)
        assert "edge_attr" not in out and "edge_weight" not in out
        assert out.edge_index.dtype == torch.long and out.num_nodes == 12
        again = make(seed=0)(data)
        assert torch.equal(out.edge_index, again.edge_index)
        reverse = torch.stack([out.edge_index[1], out.edge_index[0]])
        keys = set(map(tuple, out.edge_index.t().tolist()))
        assert keys == set(map(tuple, reverse.t().tolist()))  # still undirected
        assert all(u != v for u, v in keys)
        for name, value in bad_arguments.items():
            with pytest.raises(ConfigError, match=name):
                make(**{name: value})
        with pytest.raises(GraphInputError, match="both directions"):
            make(seed=0)(Data(edge_index=torch.tensor([[0, 1], [1, 2]]), num_nodes=3))
        with pytest.raises(GraphInputError, match="num_nodes"):
            make(seed=0)(Data(edge_index=torch.tensor([[0, 4], [4, 0]]), num_nodes=3))
        with pytest.raises(GraphInputError, match="num_nodes"):
            make(seed=0)(Data(edge_index=torch.empty(2, 0, dtype=torch.long), num_nodes=0))
        with pytest.raises(GraphInputError, match="edge_index"):
            make(seed=0)(Data(x=torch.zeros(3, 1)))

    return check

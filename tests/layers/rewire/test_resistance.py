"""Effective resistance against the Laplacian pseudo-inverse and hand values."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import torch

from graphkit.errors import GraphInputError
from graphkit.layers.rewire import effective_resistance, total_effective_resistance


def pinv_resistance(graph: nx.Graph) -> np.ndarray:
    laplacian = nx.laplacian_matrix(graph, nodelist=range(len(graph))).toarray().astype(float)
    pinv = np.linalg.pinv(laplacian)
    diag = np.diag(pinv)
    return diag[:, None] + diag[None, :] - 2 * pinv


def all_pairs(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.combinations(range(n), 2))).t()


def test_hand_values(edge_index_of):
    # Path 0-1-2-3: resistors in series, R_uv = |u - v|. Cycle C_4: 1 Ω in parallel with 3 Ω
    # between neighbours (3/4), 2 Ω || 2 Ω between opposite nodes (1).
    path = effective_resistance(edge_index_of(nx.path_graph(4)), torch.tensor([[0, 0, 1], [3, 2, 1]]))
    assert torch.allclose(path, torch.tensor([3.0, 2.0, 0.0], dtype=torch.float64))
    cycle = effective_resistance(edge_index_of(nx.cycle_graph(4)), torch.tensor([[0, 0], [1, 2]]))
    assert torch.allclose(cycle, torch.tensor([0.75, 1.0], dtype=torch.float64))
    # Total: path P_4 sums |u - v| over pairs = 3*1 + 2*2 + 1*3 = 10; C_4: 4 * 3/4 + 2 * 1 = 5.
    assert total_effective_resistance(edge_index_of(nx.path_graph(4))) == pytest.approx(10.0)
    assert total_effective_resistance(edge_index_of(nx.cycle_graph(4))) == pytest.approx(5.0)


@pytest.mark.parametrize("seed", range(4))
def test_matches_pseudo_inverse(seed, edge_index_of):
    graph = nx.connected_watts_strogatz_graph(30, 4, 0.3, seed=seed)
    ei = edge_index_of(graph)
    pairs = all_pairs(30)
    expected = pinv_resistance(graph)[pairs[0].numpy(), pairs[1].numpy()]
    assert np.allclose(effective_resistance(ei, pairs).numpy(), expected, atol=1e-9)
    laplacian = nx.laplacian_matrix(graph, nodelist=range(30)).toarray().astype(float)
    assert total_effective_resistance(ei) == pytest.approx(30 * np.trace(np.linalg.pinv(laplacian)), rel=1e-10)
    assert total_effective_resistance(ei) == pytest.approx(expected.sum(), rel=1e-10)


def test_disconnected_graph(edge_index_of):
    # Two components (a triangle and a path of 3) plus an isolated node 6.
    graph = nx.Graph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5)])
    graph.add_node(6)
    ei = edge_index_of(graph)
    r = effective_resistance(ei, torch.tensor([[0, 3, 0, 6, 6], [1, 5, 3, 6, 2]]), num_nodes=7)
    # Triangle neighbours: 1 Ω || 2 Ω = 2/3; path ends: 2; across components: inf; u == v: 0.
    assert r[0].item() == pytest.approx(2 / 3) and r[1].item() == pytest.approx(2.0)
    assert r[2].item() == np.inf and r[3].item() == 0.0 and r[4].item() == np.inf
    # Total = per-component sums: triangle 3 * 2/3 = 2, path 1 + 1 + 2 = 4, isolated node 0.
    assert total_effective_resistance(ei, num_nodes=7) == pytest.approx(6.0)


def test_bad_inputs(edge_index_of):
    ei = edge_index_of(nx.path_graph(3))
    with pytest.raises(GraphInputError, match=r"pairs must be a torch.Tensor of shape \[2, P\]"):
        effective_resistance(ei, torch.tensor([0, 1]))
    with pytest.raises(GraphInputError, match="pairs holds node ids outside"):
        effective_resistance(ei, torch.tensor([[0], [3]]))
    with pytest.raises(GraphInputError, match="pairs must hold integer"):
        effective_resistance(ei, torch.tensor([[0.0], [1.0]]))
    with pytest.raises(GraphInputError, match="both directions"):
        total_effective_resistance(torch.tensor([[0, 1], [1, 2]]))
    with pytest.raises(GraphInputError, match="num_nodes"):
        total_effective_resistance(torch.empty(2, 0, dtype=torch.long))


def test_empty_pair_list_and_edgeless_graph(edge_index_of):
    ei = edge_index_of(nx.path_graph(3))
    assert effective_resistance(ei, torch.empty(2, 0, dtype=torch.long)).shape == (0,)
    no_edges = torch.empty(2, 0, dtype=torch.long)
    assert total_effective_resistance(no_edges, num_nodes=4) == 0.0
    assert effective_resistance(no_edges, torch.tensor([[0, 1], [0, 2]]), num_nodes=4).tolist() == [0.0, float("inf")]

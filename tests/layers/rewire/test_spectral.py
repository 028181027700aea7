"""Spectral gap against dense eigensolvers and closed forms."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import torch

from graphkit.errors import GraphInputError
from graphkit.layers.rewire import spectral_gap


def test_closed_forms(edge_index_of):
    # Cycle C_n: combinatorial lambda_2 = 2 - 2 cos(2 pi / n); normalised = half of it (d = 2).
    # Complete K_n: combinatorial n, normalised n / (n - 1).
    for n in (5, 8):
        ei = edge_index_of(nx.cycle_graph(n))
        assert spectral_gap(ei, normalized=False) == pytest.approx(2 - 2 * math.cos(2 * math.pi / n))
        assert spectral_gap(ei) == pytest.approx(1 - math.cos(2 * math.pi / n))
        ei = edge_index_of(nx.complete_graph(n))
        assert spectral_gap(ei, normalized=False) == pytest.approx(n)
        assert spectral_gap(ei) == pytest.approx(n / (n - 1))


@pytest.mark.parametrize("normalized", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_dense_and_sparse_paths_match_eigvalsh(seed, normalized, edge_index_of):
    graph = nx.connected_watts_strogatz_graph(60, 4, 0.2, seed=seed)
    if normalized:
        matrix = nx.normalized_laplacian_matrix(graph, nodelist=range(60)).toarray()
    else:
        matrix = nx.laplacian_matrix(graph, nodelist=range(60)).toarray().astype(float)
    expected = np.linalg.eigvalsh(matrix)[1]
    ei = edge_index_of(graph)
    assert spectral_gap(ei, normalized=normalized) == pytest.approx(expected, abs=1e-10)
    assert spectral_gap(ei, normalized=normalized, dense_max_nodes=0) == pytest.approx(expected, abs=1e-8)


def test_barbell_gap_is_small_and_disconnected_is_zero(edge_index_of):
    barbell = spectral_gap(edge_index_of(nx.barbell_graph(5, 2)))
    assert 0 < barbell < 0.05 < spectral_gap(edge_index_of(nx.complete_graph(12)))
    assert spectral_gap(edge_index_of(nx.path_graph(3)), num_nodes=5) == 0.0  # isolated nodes
    two = nx.disjoint_union(nx.cycle_graph(4), nx.cycle_graph(5))
    assert spectral_gap(edge_index_of(two), dense_max_nodes=0) == 0.0


def test_bad_inputs():
    with pytest.raises(GraphInputError, match="at least 2 nodes"):
        spectral_gap(torch.empty(2, 0, dtype=torch.long), num_nodes=1)
    with pytest.raises(GraphInputError, match="both directions"):
        spectral_gap(torch.tensor([[0, 1], [1, 2]]))

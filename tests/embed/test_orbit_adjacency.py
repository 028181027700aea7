"""Tests of graphkit.embed.orbit_adjacency against hand counts and a brute-force enumerator."""

from __future__ import annotations

import importlib.util
import pathlib

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings

from graphkit.embed.orbit_adjacency import PAIR_KEYS, orbit_adjacency
from graphkit.embed.orbits import orbit_counts
from graphkit.errors import GraphInputError

_spec = importlib.util.spec_from_file_location(
    "brute_force_graphlets", pathlib.Path(__file__).with_name("brute_force_graphlets.py")
)
brute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(brute)


def _assert_equal_to_brute(graph: nx.Graph) -> None:
    n = graph.number_of_nodes()
    expected = brute.pair_orbits(graph)
    assert set(expected) <= set(PAIR_KEYS)
    ours = orbit_adjacency(graph)
    for key in PAIR_KEYS:
        np.testing.assert_array_equal(
            ours[key].toarray(), expected.get(key, np.zeros((n, n), dtype=np.int64)),
            err_msg=str(key),
        )


def test_keys_are_the_28_gradco_matrices():
    assert len(PAIR_KEYS) == 28 and len(set(PAIR_KEYS)) == 28
    asymmetric = {k for k in PAIR_KEYS if k[0] != k[1]}
    assert len(asymmetric) == 16
    assert all((v, u, h) in PAIR_KEYS for u, v, h in asymmetric)
    assert set(orbit_adjacency(nx.path_graph(3))) == set(PAIR_KEYS)


def test_path_on_four_nodes_by_hand():
    m = orbit_adjacency(nx.path_graph(4))
    np.testing.assert_array_equal(m[(0, 0, 1)].toarray(), nx.to_numpy_array(nx.path_graph(4)))
    assert m[(4, 4, 3)].nnz == 2 and m[(4, 4, 3)][0, 3] == 1 and m[(4, 4, 3)][3, 0] == 1
    assert m[(4, 5, 1)][0, 1] == 1 and m[(4, 5, 2)][0, 2] == 1 and m[(5, 5, 1)][1, 2] == 1
    assert m[(1, 1, 2)][0, 2] == 1 and m[(1, 1, 2)][1, 3] == 1 and m[(1, 1, 2)].nnz == 4
    assert m[(1, 2, 1)][0, 1] == 1 and m[(1, 2, 1)][2, 1] == 1 and m[(1, 2, 1)][1, 2] == 1
    for key in [(3, 3, 1), (8, 8, 1), (6, 7, 1), (14, 14, 1), (12, 12, 2)]:
        assert m[key].nnz == 0


def test_k4_and_c4_and_star_by_hand():
    off = np.ones((4, 4), dtype=np.int64) - np.eye(4, dtype=np.int64)
    k4 = orbit_adjacency(nx.complete_graph(4))
    np.testing.assert_array_equal(k4[(14, 14, 1)].toarray(), off)
    np.testing.assert_array_equal(k4[(3, 3, 1)].toarray(), 2 * off)  # two triangles per edge
    c4 = orbit_adjacency(nx.cycle_graph(4))
    np.testing.assert_array_equal(c4[(8, 8, 1)].toarray(), nx.to_numpy_array(nx.cycle_graph(4)))
    np.testing.assert_array_equal(c4[(8, 8, 2)].toarray(), off - nx.to_numpy_array(
        nx.cycle_graph(4)).astype(np.int64))
    star = orbit_adjacency(nx.star_graph(3))
    np.testing.assert_array_equal(star[(7, 6, 1)].toarray()[0], [0, 1, 1, 1])
    np.testing.assert_array_equal(star[(6, 6, 2)].toarray()[1:, 1:], off[1:, 1:])


@pytest.mark.parametrize("seed", range(3))
def test_equal_to_brute_force_on_random_graphs(seed):
    _assert_equal_to_brute(nx.gnp_random_graph(13, 0.35, seed=seed))


def test_equal_to_brute_force_on_clustered_graph():
    _assert_equal_to_brute(nx.powerlaw_cluster_graph(14, 3, 0.8, seed=1))


@settings(max_examples=25, deadline=None)
@given(brute.small_graphs(max_nodes=7))
def test_property_equal_to_brute_force(graph):
    _assert_equal_to_brute(graph)


def test_transposes_formats_and_row_sums():
    graph = nx.barabasi_albert_graph(60, 3, seed=0)
    m = orbit_adjacency(graph)
    for (u, v, h), matrix in m.items():
        assert isinstance(matrix, sp.csr_matrix) and matrix.shape == (60, 60)
        assert matrix.has_sorted_indices and np.all(matrix.data > 0)
        assert np.issubdtype(matrix.dtype, np.integer)
        assert (matrix != m[(v, u, h)].T).nnz == 0
    counts = orbit_counts(graph)
    # a node on orbit 7 (star centre) has three leaves; on orbit 8 two cycle neighbours
    np.testing.assert_array_equal(np.asarray(m[(7, 6, 1)].sum(axis=1)).ravel(), 3 * counts[:, 7])
    np.testing.assert_array_equal(np.asarray(m[(8, 8, 1)].sum(axis=1)).ravel(), 2 * counts[:, 8])
    np.testing.assert_array_equal(np.asarray(m[(4, 4, 3)].sum(axis=1)).ravel(), counts[:, 4])


def test_empty_and_isolated():
    m = orbit_adjacency(np.zeros((0, 2), dtype=np.int64))
    assert all(matrix.shape == (0, 0) for matrix in m.values())
    graph = nx.Graph()
    graph.add_nodes_from(range(3))
    assert all(matrix.nnz == 0 for matrix in orbit_adjacency(graph).values())


def test_non_simple_input_warns_or_raises():
    directed = nx.DiGraph([(0, 1), (1, 2), (2, 0), (2, 3)])
    with pytest.warns(UserWarning, match="symmetrised"):
        m = orbit_adjacency(directed)
    assert m[(9, 11, 1)][3, 2] == 1
    with pytest.raises(GraphInputError, match="orbit_adjacency"):
        orbit_adjacency(directed, strict=True)

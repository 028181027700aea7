"""Tests of graphkit.embed.orbit_embedding: PPMI by hand, randomized SVD against LAPACK, and the
orbit-adjacency embedding's shape, determinism and degenerate inputs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from graphkit.embed import orbit_embedding
from graphkit.embed.orbit_embedding import orbit_adjacency_embedding, ppmi, randomized_svd
from graphkit.errors import ConfigError, GraphInputError


def test_ppmi_by_hand():
    # vol = 4, row sums (3, 1), column sums (3, 1):
    # (0,0): log(2*4/9) < 0 -> 0; (0,1) and (1,0): log(1*4/3); (1,1) not stored.
    result = ppmi(sp.csr_matrix(np.array([[2.0, 1.0], [1.0, 0.0]]))).toarray()
    expected = np.array([[0.0, math.log(4 / 3)], [math.log(4 / 3), 0.0]])
    np.testing.assert_allclose(result, expected)


def test_ppmi_of_zero_matrix_is_zero_and_negative_counts_are_rejected():
    assert ppmi(sp.csr_matrix((3, 3))).nnz == 0
    with pytest.raises(GraphInputError, match="non-negative"):
        ppmi(sp.csr_matrix(np.array([[1.0, -1.0], [0.0, 1.0]])))


def test_randomized_svd_matches_lapack_on_a_low_rank_matrix():
    rng = np.random.default_rng(0)
    dense = rng.random((40, 3)) @ rng.random((3, 30))
    left, singular, right = randomized_svd(sp.csr_matrix(dense), 3, np.random.default_rng(1))
    np.testing.assert_allclose(singular, np.linalg.svd(dense, compute_uv=False)[:3], rtol=1e-10)
    np.testing.assert_allclose(left * singular @ right.T, dense, atol=1e-10)


def test_randomized_svd_top_values_of_a_full_rank_matrix():
    matrix = sp.random(60, 50, density=0.2, random_state=2, format="csr")
    _, singular, _ = randomized_svd(matrix, 5, np.random.default_rng(0), power_iterations=8)
    exact = np.linalg.svd(matrix.toarray(), compute_uv=False)[:5]
    np.testing.assert_allclose(singular, exact, rtol=1e-3)


def test_embedding_shape_determinism_and_finite_values():
    graph = nx.Graph(nx.karate_club_graph().edges())  # unweighted
    first = orbit_adjacency_embedding(graph, dim=4, seed=3)
    keys = sorted(orbit_embedding.orbit_adjacency(graph))
    assert first.shape == (34, 4 * len(keys)) and first.dtype == np.float32
    assert np.isfinite(first).all() and np.abs(first).sum() > 0
    np.testing.assert_array_equal(first, orbit_adjacency_embedding(graph, dim=4, seed=3))


def test_embedding_factorises_the_ppmi_of_each_selected_matrix():
    graph = nx.florentine_families_graph()
    key = sorted(orbit_embedding.orbit_adjacency(graph))[0]
    target = ppmi(orbit_embedding.orbit_adjacency(graph)[key]).toarray()
    n = target.shape[0]
    full = orbit_adjacency_embedding(graph, dim=n, keys=[key]).astype(np.float64)
    # the Gram matrix of U Σ^{1/2} equals U Σ Uᵀ, which is the PPMI matrix when it is
    # symmetric positive semi-definite; in general compare singular values instead
    exact = np.linalg.svd(target, compute_uv=False)
    np.testing.assert_allclose(np.sort(np.linalg.norm(full, axis=0) ** 2)[::-1], exact, atol=1e-4)


def test_empty_matrices_give_zero_columns_and_bad_arguments_are_rejected():
    path = nx.path_graph(4)  # no triangles: the matrices of triangle orbits are empty
    embedding = orbit_adjacency_embedding(path, dim=3)
    assert np.isfinite(embedding).all() and (np.abs(embedding).sum(axis=0) == 0).any()
    with pytest.raises(ConfigError, match="dim must be an int >= 1; got 0"):
        orbit_adjacency_embedding(path, dim=0)
    with pytest.raises(ConfigError, match="not orbit adjacencies"):
        orbit_adjacency_embedding(path, keys=[(99, 99, 1)])


def test_orbit_features_are_log_scaled_counts_on_k4():
    # every node of K4: degree 3 (orbit 0), 3 triangles (orbit 3), one K4 (orbit 14), nothing else
    features = orbit_embedding.orbit_features(nx.complete_graph(4))
    expected = np.zeros(15, dtype=np.float32)
    expected[[0, 3, 14]] = np.log1p([3.0, 3.0, 1.0])
    assert features.shape == (4, 15) and features.dtype == np.float32
    np.testing.assert_allclose(features, np.tile(expected, (4, 1)), rtol=1e-6)


@pytest.mark.parametrize("rank", [0, 4, 2.0])
def test_randomized_svd_rejects_a_rank_outside_the_matrix(rank):
    with pytest.raises(ConfigError, match=r"rank must be an int in \[1, min\(shape\)\] = \[1, 3\]"):
        randomized_svd(sp.random(5, 3, density=0.5, random_state=0), rank, np.random.default_rng(0))

"""Tests of graphkit.embed.fastrp: a dense NumPy reference, a hand-worked path, determinism
across numba thread counts, the projection's distribution, the PyG transform and bad input."""

from __future__ import annotations

import math

import networkx as nx
import numba
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_geometric.data import Data

from graphkit.embed.fastrp import FastRP, fastrp, very_sparse_projection
from graphkit.errors import ConfigError, GraphInputError, GraphkitError
from graphkit.graph import as_graph


def dense_reference(adjacency, projection, weights, beta, normalize):
    """The FastRP formula with dense float64 matrices: forms A and loops over its powers."""
    s = np.asarray(adjacency, dtype=np.float64)
    degree = s.sum(axis=1)
    a = np.zeros_like(s)
    a[degree > 0] = s[degree > 0] / degree[degree > 0, None]
    reweight = np.ones_like(degree)
    reweight[degree > 0] = degree[degree > 0] ** beta
    current = a @ (reweight[:, None] * np.asarray(projection, dtype=np.float64))
    total = np.zeros_like(current)
    for i, alpha in enumerate(weights):
        if i > 0:
            current = a @ current
        term = current.copy()
        if normalize:
            norms = np.linalg.norm(term, axis=1)
            term[norms > 0] /= norms[norms > 0, None]
        total += alpha * term
    return total


def _graphs():
    """(name, graph input, dense adjacency S as fastrp reads it)."""
    rng = np.random.default_rng(3)
    # weighted directed graph with a sink (node 4) and an isolated node (5)
    directed = nx.DiGraph()
    directed.add_nodes_from(range(6))
    for u, v, w in [(0, 1, 2.0), (1, 2, 0.5), (2, 0, 1.0), (2, 3, 3.0), (3, 4, 1.5), (0, 4, 0.25)]:
        directed.add_edge(u, v, weight=w)
    # undirected weighted graph with isolated nodes 7 and 8 and a self-loop at 0
    und = sp.random(9, 9, density=0.3, random_state=4, format="csr") * 3
    und = sp.triu(und, k=1) + sp.triu(und, k=1).T
    und = und.tolil()
    und[7, :] = 0
    und[:, 7] = 0
    und[8, :] = 0
    und[:, 8] = 0
    und[0, 0] = 2.0
    und = und.tocsr()
    und.eliminate_zeros()
    barbell = nx.barbell_graph(4, 2)
    er = nx.gnp_random_graph(40, 0.1, seed=int(rng.integers(100)))
    return [
        ("directed weighted", directed, nx.to_numpy_array(directed, nodelist=range(6))),
        ("undirected weighted isolated", und, und.toarray()),
        ("barbell", barbell, nx.to_numpy_array(barbell)),
        ("erdos-renyi", er, nx.to_numpy_array(er)),
    ]


@pytest.mark.parametrize("name,graph,dense", _graphs(), ids=[g[0] for g in _graphs()])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("beta", [-0.64, 0.0, 0.5])
def test_matches_dense_reference(name, graph, dense, normalize, beta):
    n, dim, weights = dense.shape[0], 8, (0.3, -1.0, 1.0, 6.67)
    r = very_sparse_projection(n, dim, density=0.5, seed=11, dtype=np.float64)
    expected = dense_reference(dense, r.toarray(), weights, beta, normalize)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        got = fastrp(graph, dim=dim, weights=weights, beta=beta, normalize=normalize,
                     density=0.5, seed=11, dtype=dtype)
        assert got.dtype == dtype and got.shape == (n, dim)
        scale = max(1.0, np.abs(expected).max())
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale)


def test_explicit_projection_equals_seeded_projection():
    graph = nx.karate_club_graph()
    r = very_sparse_projection(34, 16, density=0.25, seed=5)
    a = fastrp(graph, dim=16, density=0.25, seed=5)
    b = fastrp(graph, dim=16, projection=r)
    c = fastrp(graph, dim=16, projection=r.toarray())
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_hand_worked_path():
    """Path 0 - 1 - 2, R = I_3, beta = -1, weights (1, 2), no normalisation.

    Degrees d = (1, 2, 1), so L = diag(1, 1/2, 1) and
    A = [[0, 1, 0], [1/2, 0, 1/2], [0, 1, 0]].
    N1 = A L = [[0, 1/2, 0], [1/2, 0, 1/2], [0, 1/2, 0]];
    N2 = A N1 = [[1/2, 0, 1/2], [0, 1/2, 0], [1/2, 0, 1/2]];
    E = N1 + 2 N2 = [[1, 1/2, 1], [1/2, 1, 1/2], [1, 1/2, 1]].
    With normalisation every row of N1 and N2 has its non-zeros divided by the row norm:
    N1 rows -> (0, 1, 0), (s, 0, s), (0, 1, 0) and N2 rows -> (s, 0, s), (0, 1, 0), (s, 0, s)
    with s = 1/sqrt(2), so E = (2s, 1, 2s), (s, 2, s), (2s, 1, 2s).
    """
    path = np.array([[0, 1], [1, 2]])
    eye = np.eye(3)
    plain = fastrp(path, dim=3, weights=(1.0, 2.0), beta=-1.0, normalize=False,
                   projection=eye, dtype=np.float64)
    np.testing.assert_allclose(plain, [[1, 0.5, 1], [0.5, 1, 0.5], [1, 0.5, 1]], rtol=1e-15)
    s = 1 / math.sqrt(2)
    normed = fastrp(path, dim=3, weights=(1.0, 2.0), beta=-1.0, normalize=True,
                    projection=eye, dtype=np.float64)
    np.testing.assert_allclose(normed, [[2 * s, 1, 2 * s], [s, 2, s], [2 * s, 1, 2 * s]],
                               rtol=1e-15)


def test_isolated_nodes_get_zero_rows_and_no_nan():
    data = Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=5)
    for normalize in (True, False):
        out = fastrp(data, dim=32, density=1.0, normalize=normalize)
        assert np.all(np.isfinite(out))
        np.testing.assert_array_equal(out[2:], 0)
        assert np.abs(out[:2]).sum() > 0


def test_empty_graph():
    empty = Data(edge_index=torch.zeros((2, 0), dtype=torch.long), num_nodes=0)
    out = fastrp(empty, dim=7, allow_empty=True)
    assert out.shape == (0, 7) and out.dtype == np.float32
    with pytest.raises(GraphInputError):
        fastrp(empty, dim=7)


def test_directed_uses_out_edges_only():
    # 0 -> 1 -> 2: node 2 is a sink (zero row); node 1 sees only node 2.
    g = nx.DiGraph([(0, 1), (1, 2)])
    eye = np.eye(3)
    out = fastrp(g, dim=3, weights=(1.0,), beta=0.0, normalize=False, projection=eye,
                 dtype=np.float64)
    np.testing.assert_array_equal(out, [[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    sym = fastrp(g, dim=3, weights=(1.0,), beta=0.0, normalize=False, projection=eye,
                 dtype=np.float64, directed=False)
    np.testing.assert_array_equal(sym, [[0, 1, 0], [0.5, 0, 0.5], [0, 1, 0]])


def test_same_seed_bit_identical_with_one_and_two_threads():
    graph = nx.barabasi_albert_graph(500, 3, seed=1)
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = fastrp(graph, dim=64, seed=3)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = fastrp(graph, dim=64, seed=3)
    finally:
        numba.set_num_threads(previous)
    assert one.tobytes() == two.tobytes()
    other = fastrp(graph, dim=64, seed=4)
    assert not np.array_equal(one, other)


def test_projection_distribution():
    r = very_sparse_projection(2000, 50, density=0.1, seed=0, dtype=np.float64)
    assert r.shape == (2000, 50)
    values = np.unique(r.data)
    np.testing.assert_allclose(values, [-math.sqrt(10), math.sqrt(10)])
    assert abs(r.nnz / (2000 * 50) - 0.1) < 0.005  # 0.1 +- 5 standard deviations
    assert abs((r.data > 0).mean() - 0.5) < 0.03
    dense = very_sparse_projection(3, 4, density=1.0, seed=0)
    assert dense.nnz == 12
    assert very_sparse_projection(0, 4).shape == (0, 4)
    default = very_sparse_projection(10_000, 100, seed=0)
    assert abs(default.nnz / 1e6 - 0.01) < 0.001  # density 1/sqrt(n) = 0.01
    assert np.array_equal(very_sparse_projection(50, 8, seed=9).toarray(),
                          very_sparse_projection(50, 8, seed=9).toarray())


def test_weights_define_number_of_iterations():
    graph = nx.path_graph(6)
    one = fastrp(graph, dim=8, weights=(1.0,), seed=0)
    two = fastrp(graph, dim=8, weights=(1.0, 0.0), seed=0)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize(
    "kwargs,error",
    [
        ({"dim": 0}, ConfigError),
        ({"dim": -3}, ConfigError),
        ({"dim": 2.5}, ConfigError),
        ({"weights": ()}, ConfigError),
        ({"weights": (1.0, float("nan"))}, ConfigError),
        ({"weights": (1.0, float("inf"))}, ConfigError),
        ({"weights": "abc"}, ConfigError),
        ({"density": 0.0}, ConfigError),
        ({"density": 1.5}, ConfigError),
        ({"density": float("nan")}, ConfigError),
        ({"beta": float("nan")}, ConfigError),
        ({"dtype": np.int64}, ConfigError),
        ({"projection": np.ones((3, 2))}, ConfigError),
        ({"projection": [[1.0]]}, ConfigError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error) as info:
        fastrp(nx.path_graph(4), **kwargs)
    assert isinstance(info.value, GraphkitError)
    name = next(iter(kwargs))
    assert name in str(info.value)


def test_negative_edge_weight_is_rejected():
    data = Data(edge_index=torch.tensor([[0, 1], [1, 2]]), edge_weight=torch.tensor([1.0, -2.0]),
                num_nodes=3)
    with pytest.raises(GraphInputError, match="weights must be >= 0"):
        fastrp(data, dim=4)


@settings(max_examples=25, deadline=None)
@given(
    edges=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11),
                             st.one_of(st.just(0.0), st.floats(0.01, 5.0))), max_size=40),
    directed=st.booleans(),
    beta=st.floats(-2.0, 1.0),
)
def test_property_matches_reference_and_is_finite(edges, directed, beta):
    n = 12
    rows = np.array([e[0] for e in edges], dtype=np.int64)
    cols = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.array([e[2] for e in edges])
    data = Data(edge_index=torch.from_numpy(np.stack([rows, cols])),
                edge_weight=torch.from_numpy(w), num_nodes=n)
    out = fastrp(data, dim=6, weights=(1.0, 0.5, 2.0), beta=beta, density=0.5,
                 directed=directed, dtype=np.float64)
    assert np.all(np.isfinite(out))
    s = as_graph(data, directed=directed).to_scipy().toarray()
    r = very_sparse_projection(n, 6, density=0.5, seed=0, dtype=np.float64).toarray()
    expected = dense_reference(s, r, (1.0, 0.5, 2.0), beta, True)
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9)


def test_transform_writes_x_and_keeps_input():
    data = Data(edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]), num_nodes=4,
                x=torch.ones(4, 2))
    transform = FastRP(dim=8, seed=1)
    out = transform(data)
    assert out is not data
    assert data.x.shape == (4, 2)  # input untouched
    expected = fastrp(data, dim=8, seed=1)
    assert out.x.dtype == torch.float32
    np.testing.assert_array_equal(out.x.numpy(), expected)
    cat = FastRP(dim=8, seed=1, cat=True)(data)
    assert cat.x.shape == (4, 10)
    np.testing.assert_array_equal(cat.x[:, :2].numpy(), np.ones((4, 2)))
    other = FastRP(dim=8, seed=1, attr="emb")(data)
    assert torch.equal(other.x, data.x) and other.emb.shape == (4, 8)


def test_transform_repr_lists_every_argument():
    transform = FastRP(dim=16, weights=(1, 2), beta=-0.5, normalize=False, density=0.25,
                       seed=3, directed=True, attr="emb", cat=True)
    assert repr(transform) == (
        "FastRP(dim=16, weights=(1.0, 2.0), beta=-0.5, normalize=False, density=0.25, "
        "seed=3, directed=True, attr='emb', cat=True)"
    )
    assert repr(FastRP()) == (
        "FastRP(dim=128, weights=(0.0, 0.0, 1.0, 6.67), beta=-0.64, normalize=True, "
        "density=None, seed=0, directed=False, attr='x', cat=False)"
    )
    with pytest.raises(ConfigError):
        FastRP(dim=0)

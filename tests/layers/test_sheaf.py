"""Tests of the sheaf Laplacian, the restriction-map learners and the sheaf diffusion layers.

Exact values on hand-made graphs, the identity sheaf against the graph Laplacian ⊗ I_d, a
brute-force dense construction from the definition, spectral properties (symmetric, PSD,
normalised spectrum in [0, 2]), kernels of consistent sheaves, orthogonality, gradients
(gradcheck, including repeated eigenvalues), the block-sparse layer path against the dense
Laplacian, and errors for malformed input.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graphkit.errors import ConfigError, GraphInputError
from graphkit.layers.sheaf import (
    MAP_KINDS,
    ORTHOGONAL_METHODS,
    SheafConv,
    SheafDiffusion,
    SheafLearner,
    orthogonal_matrices,
    sheaf_laplacian,
)

PATH = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # path 0 - 1 - 2, both directions
# a triangle 0-1-2 with a pendant node 3 attached to 2, columns in a scrambled order
GRAPH = torch.tensor([[2, 0, 1, 3, 1, 2, 0, 2], [3, 1, 0, 2, 2, 0, 2, 1]])


def _maps(kind: str, num_edges: int, d: int, seed: int = 0, dtype=torch.float64) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if kind == "diag":
        return torch.randn(num_edges, d, generator=generator, dtype=dtype)
    if kind == "orth":
        params = torch.randn(num_edges, d * (d - 1) // 2, generator=generator, dtype=dtype)
        return orthogonal_matrices(params, d)
    return torch.randn(num_edges, d, d, generator=generator, dtype=dtype)


def _reference(edge_index: torch.Tensor, maps: torch.Tensor, n: int, normalized: bool,
               augmented: bool = True) -> np.ndarray:
    """The Laplacian from its definition, edge by edge, in numpy (dense)."""
    full, d = maps.numpy(), maps.size(1)
    if full.ndim == 2:
        full = full[:, :, None] * np.eye(d)
    columns = {(int(u), int(v)): k for k, (u, v) in enumerate(edge_index.t().tolist())}
    lap = np.zeros((n * d, n * d))
    for (u, v), k in columns.items():
        f_u, f_v = full[k], full[columns[(v, u)]]
        lap[u * d:(u + 1) * d, u * d:(u + 1) * d] += f_u.T @ f_u
        lap[u * d:(u + 1) * d, v * d:(v + 1) * d] = -f_u.T @ f_v
    if not normalized:
        return lap
    scale = np.zeros_like(lap)
    for v in range(n):
        block = lap[v * d:(v + 1) * d, v * d:(v + 1) * d] + (np.eye(d) if augmented else 0)
        values, vectors = np.linalg.eigh(block)
        inv = np.where(values > 1e-9, 1 / np.sqrt(np.clip(values, 1e-300, None)), 0.0)
        scale[v * d:(v + 1) * d, v * d:(v + 1) * d] = (vectors * inv) @ vectors.T
    return scale @ lap @ scale


# --------------------------------------------------------------------------------- exact values


def test_identity_maps_give_graph_laplacian_kron_identity():
    graph_laplacian = torch.tensor([[1.0, -1, 0], [-1, 2, -1], [0, -1, 1]])
    expected = torch.kron(graph_laplacian, torch.eye(2))
    diagonal = sheaf_laplacian(PATH, torch.ones(4, 2), normalized=False).to_dense()
    full = sheaf_laplacian(PATH, torch.eye(2).repeat(4, 1, 1), normalized=False).to_dense()
    assert torch.equal(diagonal, expected)
    assert torch.equal(full, expected)


def test_single_edge_by_hand():
    # F_0 = diag(2, 1), F_1 = diag(3, -1): L = [[4, 0, -6, 0], [0, 1, 0, 1], [-6, 0, 9, 0], [0, 1, 0, 1]]
    edge_index, maps = torch.tensor([[0, 1], [1, 0]]), torch.tensor([[2.0, 1.0], [3.0, -1.0]])
    lap = sheaf_laplacian(edge_index, maps, normalized=False).to_dense()
    assert torch.equal(lap, torch.tensor(
        [[4.0, 0, -6, 0], [0, 1, 0, 1], [-6, 0, 9, 0], [0, 1, 0, 1]]
    ))
    # (D + I)^{-1/2} with D = diag(4, 1, 9, 1): entry (0, 2) = -6 / sqrt(5 · 10), (1, 3) = 1 / 2
    norm = sheaf_laplacian(edge_index, maps).to_dense()
    assert norm[0, 2].item() == pytest.approx(-6 / np.sqrt(50))
    assert norm[1, 3].item() == pytest.approx(0.5)
    assert norm[0, 0].item() == pytest.approx(4 / 5)
    assert norm[2, 2].item() == pytest.approx(9 / 10)
    # without the +I: D^{-1/2} L D^{-1/2} is the ordinary normalised Laplacian, here [[1, -1], [-1, 1]]
    plain = sheaf_laplacian(edge_index, maps, augmented=False).to_dense()
    assert torch.allclose(plain[[0, 2]][:, [0, 2]], torch.tensor([[1.0, -1], [-1, 1]]))


@pytest.mark.parametrize("kind", MAP_KINDS)
@pytest.mark.parametrize("normalized", [False, True])
def test_equals_bruteforce_definition(kind, normalized):
    maps = _maps(kind, GRAPH.size(1), 3)
    ours = sheaf_laplacian(GRAPH, maps, normalized=normalized).to_dense().numpy()
    np.testing.assert_allclose(ours, _reference(GRAPH, maps, 4, normalized), atol=1e-12)


def test_isolated_node_and_zero_maps_stay_finite():
    # node 3 is isolated; without the +I its (zero) block gets the pseudo-inverse root 0
    maps = _maps("general", PATH.size(1), 2)
    for augmented in (True, False):
        lap = sheaf_laplacian(PATH, maps, num_nodes=4, augmented=augmented).to_dense()
        assert lap.shape == (8, 8) and torch.isfinite(lap).all()
        assert torch.equal(lap[6:], torch.zeros(2, 8))
        np.testing.assert_allclose(lap.numpy(), _reference(PATH, maps, 4, True, augmented), atol=1e-10)


# ------------------------------------------------------------------------------- spectral facts


@pytest.mark.parametrize("kind", MAP_KINDS)
@pytest.mark.parametrize("normalized", [False, True])
def test_symmetric_positive_semidefinite(kind, normalized):
    lap = sheaf_laplacian(GRAPH, _maps(kind, GRAPH.size(1), 3, seed=1), normalized=normalized)
    dense = lap.to_dense()
    assert torch.allclose(dense, dense.t(), atol=1e-12)
    eigenvalues = torch.linalg.eigvalsh(dense)
    assert eigenvalues.min() >= -1e-6
    if normalized:  # x'Lx <= 2 x'Dx <= 2 x'(D + I)x
        assert eigenvalues.max() <= 2 + 1e-6


@pytest.mark.parametrize("kind", ["identity", "orth"])
def test_constant_section_is_in_the_kernel(kind):
    d, n = 3, 4
    q = torch.eye(d, dtype=torch.float64) if kind == "identity" else _maps("orth", 1, d)[0]
    maps = q.expand(GRAPH.size(1), d, d)  # every map equals the same orthogonal Q
    vector = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64)
    section = vector.repeat(n)
    unnormalized = sheaf_laplacian(GRAPH, maps, normalized=False)
    assert torch.allclose(torch.sparse.mm(unnormalized, section.view(-1, 1)),
                          torch.zeros(n * d, 1, dtype=torch.float64), atol=1e-12)
    # the normalised Laplacian's kernel is (D + I)^{1/2} times the kernel of L
    degrees = torch.tensor([2.0, 2.0, 3.0, 1.0], dtype=torch.float64)
    scaled = (vector * (degrees + 1).sqrt().view(-1, 1)).reshape(-1, 1)
    assert torch.allclose(torch.sparse.mm(sheaf_laplacian(GRAPH, maps), scaled),
                          torch.zeros(n * d, 1, dtype=torch.float64), atol=1e-12)


def test_sparse_size_grows_with_edges_not_nodes_squared():
    for kind, per_block in (("diag", 3), ("general", 9)):
        lap = sheaf_laplacian(GRAPH, _maps(kind, GRAPH.size(1), 3), num_nodes=1000)
        assert lap.is_sparse and lap.shape == (3000, 3000)
        assert lap._nnz() == (1000 + GRAPH.size(1)) * per_block


def test_column_order_does_not_matter_and_sparse_adjacency_is_accepted():
    maps = _maps("general", GRAPH.size(1), 2)
    order = torch.randperm(GRAPH.size(1), generator=torch.Generator().manual_seed(3))
    base = sheaf_laplacian(GRAPH, maps).to_dense()
    assert torch.allclose(sheaf_laplacian(GRAPH[:, order], maps[order]).to_dense(), base)
    adjacency = torch.sparse_coo_tensor(
        GRAPH, torch.ones(GRAPH.size(1)), (4, 4), check_invariants=True
    ).coalesce()
    sorted_maps = maps[torch.argsort(GRAPH[0] * 4 + GRAPH[1])]
    assert torch.allclose(sheaf_laplacian(adjacency, sorted_maps).to_dense(), base)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 7), d=st.integers(1, 3), kind=st.sampled_from(["diag", "general"]),
    seed=st.integers(0, 10_000), density=st.floats(0.1, 1.0),
)
def test_random_graphs_match_bruteforce(n, d, kind, seed, density):
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < density, k=1)
    rows, cols = np.nonzero(upper | upper.T)
    edge_index = torch.tensor(np.stack([rows, cols]), dtype=torch.long)
    maps = _maps(kind, edge_index.size(1), d, seed)
    for normalized in (False, True):
        ours = sheaf_laplacian(edge_index, maps, num_nodes=n, normalized=normalized).to_dense()
        np.testing.assert_allclose(ours.numpy(), _reference(edge_index, maps, n, normalized), atol=1e-9)
        assert torch.linalg.eigvalsh(ours).min() >= -1e-6


# ------------------------------------------------------------------------------ orthogonal maps


@pytest.mark.parametrize("method", ORTHOGONAL_METHODS)
@pytest.mark.parametrize("d", [2, 3, 5])
def test_orthogonal_maps_are_orthogonal(method, d):
    params = 3 * torch.randn(50, d * (d - 1) // 2, generator=torch.Generator().manual_seed(d))
    q = orthogonal_matrices(params, d, method)
    assert torch.allclose(q @ q.transpose(1, 2), torch.eye(d).expand(50, d, d), atol=1e-5)
    expected = (-1.0) ** (d - 1) if method == "householder" else 1.0
    assert torch.allclose(torch.linalg.det(q), torch.full((50,), expected), atol=1e-4)


def test_orthogonal_zero_parameters():
    eye = torch.eye(3).expand(4, 3, 3)
    assert torch.allclose(orthogonal_matrices(torch.zeros(4, 3), 3, "cayley"), eye)
    assert torch.allclose(orthogonal_matrices(torch.zeros(4, 3), 3, "matrix_exp"), eye)
    # v_j = e_j: H(e_1) H(e_2) = diag(-1, -1, 1)
    assert torch.allclose(orthogonal_matrices(torch.zeros(4, 3), 3), torch.diag(torch.tensor(
        [-1.0, -1.0, 1.0])).expand(4, 3, 3))


def test_learned_orthogonal_maps_with_edge_weights():
    learner = SheafLearner(5, 3, "orth", edge_weights=True)
    maps = learner(torch.randn(4, 5), GRAPH)
    gram = maps @ maps.transpose(1, 2)
    weights = gram[:, 0, 0]  # w_e² I: scaled orthogonal, the same weight on both sides of an edge
    assert torch.allclose(gram, weights.view(-1, 1, 1) * torch.eye(3), atol=1e-5)
    columns = [tuple(column) for column in GRAPH.t().tolist()]
    reverse = [columns.index((v, u)) for u, v in columns]
    assert torch.allclose(weights, weights[reverse])


# ----------------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("kind", MAP_KINDS)
def test_laplacian_gradcheck(kind):
    maps = _maps(kind, GRAPH.size(1), 2, seed=4).requires_grad_()
    probe = torch.randn(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))

    def value(m):
        return (sheaf_laplacian(GRAPH, m).to_dense() * probe).sum()

    assert torch.autograd.gradcheck(value, (maps,))


def test_gradient_is_finite_at_repeated_eigenvalues():
    # identity maps: every block of D is deg · I (all eigenvalues equal), where eigh's own
    # gradient divides by zero
    maps = torch.eye(3, dtype=torch.float64).repeat(GRAPH.size(1), 1, 1).requires_grad_()
    probe = torch.randn(12, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def value(m):
        return (sheaf_laplacian(GRAPH, m).to_dense() * probe).sum()

    (grad,) = torch.autograd.grad(value(maps), maps)
    assert torch.isfinite(grad).all()
    # central differences along a random direction
    direction = torch.randn_like(maps)
    step = 1e-6
    with torch.no_grad():
        numeric = (value(maps + step * direction) - value(maps - step * direction)) / (2 * step)
    assert float((grad * direction).sum()) == pytest.approx(float(numeric), rel=1e-6)


@pytest.mark.parametrize("kind", MAP_KINDS)
def test_gradients_reach_the_map_learner(kind):
    torch.manual_seed(0)
    conv = SheafConv(4, d=2, maps=kind)
    x = torch.randn(4, 8)
    conv(x, GRAPH).pow(2).sum().backward()
    assert conv.learner.lin.weight.grad is not None
    assert conv.learner.lin.weight.grad.abs().sum() > 0
    if kind == "orth":
        assert conv.learner.weight_lin.weight.grad.abs().sum() > 0


# ------------------------------------------------------------------------------------- layers


def _dense_step(conv: SheafConv, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """One SheafConv step written with the dense Laplacian (eval mode, no dropout)."""
    n, dim, c = x.size(0), conv.stalk_dim, conv.channels
    lap = sheaf_laplacian(edge_index, conv.restriction_maps(x, edge_index), num_nodes=n).to_dense()
    h = x.view(n, dim, c)
    h = torch.einsum("ij,njc->nic", conv.left.weight, h) @ conv.right.weight.t()
    h = torch.nn.functional.elu((lap @ h.reshape(n * dim, c)).view(n, dim, c))
    return ((1 + torch.tanh(conv.epsilon)) * x.view(n, dim, c) - h).reshape(n, -1)


@pytest.mark.parametrize("kind", MAP_KINDS)
@pytest.mark.parametrize("fixed", [False, True])
def test_block_sparse_layer_equals_dense_laplacian(kind, fixed):
    torch.manual_seed(1)
    conv = SheafConv(3, d=2, maps=kind, add_trivial=fixed, add_signed=fixed).double().eval()
    with torch.no_grad():
        conv.epsilon.normal_()
        conv.left.weight.normal_()
    x = torch.randn(4, conv.stalk_dim * 3, dtype=torch.float64)
    assert torch.allclose(conv(x, GRAPH), _dense_step(conv, x, GRAPH), atol=1e-10)


def test_fixed_stalks_are_graph_and_signless_laplacians():
    conv = SheafConv(1, d=1, maps="diag", add_trivial=True, add_signed=True)
    maps = conv.restriction_maps(torch.randn(3, 3), PATH)
    lap = sheaf_laplacian(PATH, maps[:, 1:], normalized=False).to_dense()
    trivial, signed = lap[0::2, 0::2], lap[1::2, 1::2]
    assert torch.equal(trivial, torch.tensor([[1.0, -1, 0], [-1, 2, -1], [0, -1, 1]]))
    assert torch.equal(signed, torch.tensor([[1.0, 1, 0], [1, 2, 1], [0, 1, 1]]))


def test_layer_is_invariant_to_column_order():
    torch.manual_seed(2)
    conv = SheafConv(3, d=3, maps="orth").eval()
    x = torch.randn(4, 9)
    order = torch.randperm(GRAPH.size(1))
    assert torch.allclose(conv(x, GRAPH), conv(x, GRAPH[:, order]), atol=1e-6)


def test_identity_start_of_diffusion_model():
    torch.manual_seed(0)
    model = SheafDiffusion(5, 3, hidden_channels=4, d=2, maps="diag", num_layers=3,
                           add_trivial=True, pool_stalks=True)
    out = model(torch.randn(4, 5), GRAPH)
    assert out.shape == (4, 3)
    assert len(model.sheaf_parameters()) == 3
    assert all(conv.learner.in_channels == 4 for conv in model.convs)
    model.train()
    out.sum().backward()
    assert all(p.grad is not None for p in model.sheaf_parameters())


def test_repr():
    assert repr(SheafConv(16, d=3, maps="orth")) == "SheafConv(16, d=3, maps='orth')"
    assert repr(SheafLearner(8, 2, "diag")) == "SheafLearner(8, d=2, maps='diag')"
    assert repr(SheafDiffusion(10, 4, d=3)) == (
        "SheafDiffusion(10, 4, hidden_channels=20, d=3, maps='orth', num_layers=2)"
    )


def test_reset_parameters_restores_the_initial_state():
    conv = SheafConv(3, d=2, maps="general")
    with torch.no_grad():
        conv.epsilon.fill_(1.0)
        conv.left.weight.fill_(0.5)
    conv.reset_parameters()
    assert torch.equal(conv.epsilon, torch.zeros(2, 1))
    assert torch.equal(conv.left.weight, torch.eye(2))
    right = conv.right.weight
    assert torch.allclose(right @ right.t(), torch.eye(3), atol=1e-5)


# ------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("edge_index", "match"),
    [
        (torch.tensor([[0, 1], [1, 2]]), "both directions"),
        (torch.tensor([[0, 1, 1], [1, 0, 1]]), "self-loops"),
        (torch.tensor([[0, 1, 0], [1, 0, 1]]), "duplicate"),
        (torch.tensor([[0, 5], [5, 0]]), "outside"),
        (torch.tensor([[0.0, 1.0], [1.0, 0.0]]), "integer"),
        (torch.tensor([0, 1, 1, 0]), r"\[2, E\]"),
    ],
)
def test_bad_edge_index(edge_index, match):
    maps = torch.ones(edge_index.size(-1), 2)
    with pytest.raises(GraphInputError, match=match):
        sheaf_laplacian(edge_index, maps, num_nodes=3)


@pytest.mark.parametrize(
    "maps",
    [torch.ones(3, 2), torch.ones(4, 2, 3), torch.ones(4), torch.ones(4, 2, dtype=torch.long),
     torch.full((4, 2), float("nan"))],
)
def test_bad_maps(maps):
    with pytest.raises(GraphInputError, match="maps"):
        sheaf_laplacian(PATH, maps)


def test_bad_configuration():
    with pytest.raises(ConfigError, match="maps"):
        SheafConv(4, d=2, maps="cholesky")
    with pytest.raises(ConfigError, match=r"\(>= 2 for orthogonal maps\)"):
        SheafConv(4, d=1, maps="orth")
    with pytest.raises(ConfigError, match="dropout"):
        SheafConv(4, dropout=1.0)
    with pytest.raises(ConfigError, match="edge_weights"):
        SheafLearner(4, 2, "diag", edge_weights=True)
    with pytest.raises(ConfigError, match="method"):
        orthogonal_matrices(torch.zeros(2, 1), 2, "qr")
    with pytest.raises(ConfigError, match=r"d\(d-1\)/2"):
        orthogonal_matrices(torch.zeros(2, 2), 2)
    with pytest.raises(ConfigError, match="num_layers"):
        SheafDiffusion(4, 2, num_layers=0)


def test_bad_feature_width_names_the_expected_shape():
    with pytest.raises(GraphInputError, match=r"\[N, 2·4 = 8\]"):
        SheafConv(4, d=2)(torch.randn(3, 7), PATH)

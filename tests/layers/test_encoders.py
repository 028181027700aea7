"""Tests of the cached-adjacency encoders against PyG's convolutions and hand-computed operators."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.nn import GCNConv, GINConv, SAGEConv

from graphkit.errors import ConfigError
from graphkit.layers.encoders import GCNLayer, GINLayer, GNNEncoder, SAGELayer
from graphkit.layers.predictors import DotPredictor, HadamardMLPPredictor
from graphkit.layers.propagation import Adjacency

LAYOUTS = ["dense", "sparse"]


def _random_graph(num_nodes: int = 12, num_edges: int = 40, seed: int = 0, loops: bool = False):
    """A random directed graph without duplicate edges; nodes 10 and 11 are isolated."""
    generator = torch.Generator().manual_seed(seed)
    pairs = torch.randint(0, 10, (2, 4 * num_edges), generator=generator)
    if not loops:
        pairs = pairs[:, pairs[0] != pairs[1]]
    pairs = torch.unique(pairs, dim=1)
    pairs = pairs[:, torch.randperm(pairs.size(1), generator=generator)[:num_edges]]
    x = torch.randn(num_nodes, 5, generator=generator)
    return x, pairs


def _ours_and_pyg(kind: str):
    torch.manual_seed(0)
    if kind == "gcn":
        ours, pyg = GCNLayer(5, 7), GCNConv(5, 7)
        with torch.no_grad():
            torch.nn.init.normal_(ours.bias)
            pyg.lin.weight.copy_(ours.lin.weight)
            pyg.bias.copy_(ours.bias)
    elif kind == "sage":
        ours, pyg = SAGELayer(5, 7), SAGEConv(5, 7, aggr="mean")
        with torch.no_grad():
            pyg.lin_l.weight.copy_(ours.lin_neighbors.weight)
            pyg.lin_l.bias.copy_(ours.lin_neighbors.bias)
            pyg.lin_r.weight.copy_(ours.lin_root.weight)
    else:
        ours = GINLayer(5, 7)
        mlp = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 7))
        pyg = GINConv(mlp, eps=0.0)  # (GINConv re-initialises its MLP: copy the weights after)
        pyg.nn.load_state_dict(ours.mlp.state_dict())
    return ours, pyg


@pytest.mark.parametrize("kind", ["gcn", "sage", "gin"])
@pytest.mark.parametrize("layout", [*LAYOUTS, "edge_index"])
@pytest.mark.parametrize("loops", [False, True])
def test_layer_equals_pyg_with_copied_weights(kind, layout, loops):
    x, edge_index = _random_graph(loops=loops)
    if loops:  # make sure there is a self-loop (PyG's GCN must not count it twice)
        edge_index = torch.cat([edge_index, torch.tensor([[3], [3]])], dim=1).unique(dim=1)
    ours, pyg = _ours_and_pyg(kind)
    adj = edge_index if layout == "edge_index" else Adjacency(edge_index, num_nodes=12, layout=layout)
    x_ours = x.clone().requires_grad_()
    x_pyg = x.clone().requires_grad_()
    out_ours, out_pyg = ours(x_ours, adj), pyg(x_pyg, edge_index)
    assert out_ours.shape == (12, 7)
    torch.testing.assert_close(out_ours, out_pyg, atol=1e-5, rtol=1e-5)
    # gradients with respect to the input and to every weight agree
    weights = torch.randn_like(out_ours)
    (out_ours * weights).sum().backward()
    (out_pyg * weights).sum().backward()
    torch.testing.assert_close(x_ours.grad, x_pyg.grad, atol=1e-5, rtol=1e-5)
    ours_grads = sorted(p.grad.flatten().tolist() for p in ours.parameters())
    pyg_grads = sorted(p.grad.flatten().tolist() for p in pyg.parameters())
    assert len(ours_grads) == len(pyg_grads)
    for a, b in zip(ours_grads, pyg_grads, strict=True):
        torch.testing.assert_close(torch.tensor(a), torch.tensor(b), atol=1e-5, rtol=1e-5)


def _path4() -> torch.Tensor:
    """The path 0 - 1 - 2 - 3, both directions."""
    return torch.tensor([[0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2]])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_normalisations_on_a_path_by_hand(layout):
    adj = Adjacency(_path4(), layout=layout)
    assert adj.num_nodes == 4 and adj.layout == layout

    def dense(norm):
        m = adj.matrix(norm)
        return m if layout == "dense" else m.to_dense()

    a = torch.tensor([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=torch.float)
    torch.testing.assert_close(dense("sum"), a)
    mean = torch.tensor(
        [[0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0.5, 0, 0.5], [0, 0, 1, 0]], dtype=torch.float
    )
    torch.testing.assert_close(dense("mean"), mean)
    # with self-loops the degrees are 2, 3, 3, 2; entry (u, v) = 1 / sqrt(d_u d_v)
    s6 = 6**-0.5
    sym = torch.tensor(
        [[1 / 2, s6, 0, 0], [s6, 1 / 3, 1 / 3, 0], [0, 1 / 3, 1 / 3, s6], [0, 0, s6, 1 / 2]]
    )
    torch.testing.assert_close(dense("sym"), sym)
    x = torch.arange(8, dtype=torch.float).view(4, 2)
    for norm, m in (("sum", a), ("mean", mean), ("sym", sym)):
        torch.testing.assert_close(adj.matmul(x, norm), m @ x)
    assert adj.matrix("sym") is adj.matrix("sym")  # cached


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sym_keeps_a_stored_loop_and_sym_add_adds_one_to_it(layout):
    """Edge 0 - 1 and a loop at 0: sym (PyG) uses A_00 = 1, sym_add (A + I) uses A_00 = 2."""
    adj = Adjacency(torch.tensor([[0, 0, 1], [0, 1, 0]]), num_nodes=2, layout=layout)

    def dense(norm):
        m = adj.matrix(norm)
        return m if layout == "dense" else m.to_dense()

    torch.testing.assert_close(dense("sym"), torch.full((2, 2), 0.5))  # degrees 2, 2
    s6 = 6**-0.5  # degrees 3, 2
    torch.testing.assert_close(dense("sym_add"), torch.tensor([[2 / 3, s6], [s6, 1 / 2]]))
    # without stored loops the two agree
    plain = Adjacency(torch.tensor([[0, 1], [1, 0]]), num_nodes=3, layout=layout)
    torch.testing.assert_close(plain.matmul(torch.eye(3), "sym_add"), plain.matmul(torch.eye(3), "sym"))
    with pytest.raises(ConfigError, match="sym_add"):
        adj.matrix("gcn")


def test_gcn_layer_self_loops_option_picks_the_normalisation():
    adj = Adjacency(torch.tensor([[0, 0, 1], [0, 1, 0]]), num_nodes=2)
    x = torch.randn(2, 3)
    for self_loops, norm in (("remaining", "sym"), ("add", "sym_add")):
        layer = GCNLayer(3, 4, self_loops=self_loops)
        torch.testing.assert_close(layer(x, adj), adj.matmul(layer.lin(x), norm) + layer.bias)
    with pytest.raises(ConfigError, match="self_loops"):
        GCNLayer(3, 4, self_loops="double")


def test_gcn_layer_uniform_init_is_pygcn_bound_on_weight_and_bias():
    torch.manual_seed(0)
    layer = GCNLayer(50, 16, init="uniform")
    bound = 16**-0.5
    for tensor in (layer.lin.weight, layer.bias):
        assert tensor.abs().max() <= bound
        assert tensor.abs().max() > 0.8 * bound  # spread over the interval, not near zero
    glorot = GCNLayer(50, 16)
    assert glorot.bias.abs().sum() == 0
    assert glorot.lin.weight.abs().max() > bound  # Glorot's bound sqrt(6 / 66) = 0.30 > 0.25
    with pytest.raises(ConfigError, match="init"):
        GCNLayer(3, 4, init="kaiming")


def test_directed_edges_aggregate_at_the_target():
    adj = Adjacency(torch.tensor([[0], [1]]), num_nodes=2, layout="dense")  # 0 -> 1 only
    out = adj.matmul(torch.tensor([[1.0], [10.0]]), "sum")
    assert out.flatten().tolist() == [0.0, 1.0]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_isolated_nodes_aggregate_zero_without_nan(layout):
    adj = Adjacency(torch.tensor([[0, 1], [1, 0]]), num_nodes=4, layout=layout)
    x = torch.ones(4, 3)
    assert adj.matmul(x, "sum")[2:].abs().sum() == 0
    assert adj.matmul(x, "mean")[2:].abs().sum() == 0
    sym = adj.matmul(x, "sym")
    torch.testing.assert_close(sym[2:], torch.ones(2, 3))  # only the self-loop, degree 1
    for layer in (GCNLayer(3, 4), SAGELayer(3, 4), GINLayer(3, 4)):
        assert torch.isfinite(layer(x, adj)).all()


def test_adjacency_rejects_bad_layout_and_normalization():
    with pytest.raises(ValueError, match="layout"):
        Adjacency(_path4(), layout="csr")
    with pytest.raises(ValueError, match="normalization"):
        Adjacency(_path4()).matrix("row")


def test_dense_product_under_bf16_autocast_uses_one_cached_copy():
    adj = Adjacency(_path4(), layout="dense")
    x = torch.randn(4, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        first = adj.matmul(x, "mean")
        cached = adj._cache["mean:torch.bfloat16"]
        second = adj.matmul(x, "mean")
    assert first.dtype == torch.bfloat16 and adj._cache["mean:torch.bfloat16"] is cached
    torch.testing.assert_close(second, first)
    torch.testing.assert_close(first.float(), adj.matmul(x, "mean"), rtol=2e-2, atol=2e-2)
    assert adj.matmul(x, "mean").dtype == torch.float32  # outside autocast: float32 again


def test_sparse_product_under_bf16_autocast_runs_in_float32():
    """The CPU sparse kernels have no bfloat16 version: a CSR operator multiplies in float32
    inside the autocast region, and the gradient reaches a bfloat16 input as bfloat16."""
    adj = Adjacency(_path4(), layout="sparse")
    x = torch.randn(4, 3, dtype=torch.bfloat16, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = adj.matmul(x, "sym")
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, adj.matrix("sym").to_dense() @ x.float())
    out.sum().backward()
    assert x.grad.dtype == torch.bfloat16
    expected = adj.matrix("sym").to_dense().sum(0, keepdim=True).t().expand(4, 3)
    torch.testing.assert_close(x.grad.float(), expected, rtol=1e-2, atol=1e-2)


def test_auto_layout_picks_dense_for_dense_small_graphs():
    assert Adjacency(_path4()).layout == "dense"  # density 6/16
    ring = torch.arange(1000)
    sparse_ring = torch.stack([ring, (ring + 1) % 1000])
    assert Adjacency(sparse_ring).layout == "sparse"  # density 0.1 %


@pytest.mark.parametrize("kind", ["gcn", "sage", "gin", "gat"])
def test_encoder_shapes_and_eval_determinism(kind):
    torch.manual_seed(0)
    x, edge_index = _random_graph()
    encoder = GNNEncoder(kind, 5, 16, num_layers=3, dropout=0.5)
    assert len(encoder.layers) == 3
    adj = Adjacency(edge_index, num_nodes=12)
    encoder.eval()
    out = encoder(x, adj)
    assert out.shape == (12, 16)
    torch.testing.assert_close(encoder(x, adj), out, atol=0, rtol=0)  # no dropout in eval
    torch.testing.assert_close(encoder(x, edge_index), out, atol=1e-6, rtol=1e-6)
    encoder.train()
    torch.manual_seed(1)
    first = encoder(x, adj)
    torch.manual_seed(2)
    assert not torch.allclose(first, encoder(x, adj))  # dropout is active in training


def test_encoder_without_dropout_is_the_composition_of_its_layers():
    torch.manual_seed(0)
    x, edge_index = _random_graph()
    encoder = GNNEncoder("sage", 5, 8, num_layers=2, dropout=0.0).train()
    adj = Adjacency(edge_index, num_nodes=12)
    expected = encoder.layers[1](torch.relu(encoder.layers[0](x, adj)), adj)
    torch.testing.assert_close(encoder(x, adj), expected)


def test_encoder_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        GNNEncoder("gnn", 4, 8)
    with pytest.raises(ValueError, match="num_layers"):
        GNNEncoder("gcn", 4, 8, num_layers=0)


def test_predictors_shapes_and_values():
    torch.manual_seed(0)
    h = torch.randn(6, 4)
    pairs = torch.tensor([[0, 1, 5], [2, 3, 4]])
    dot = DotPredictor()
    torch.testing.assert_close(dot(h, pairs), (h[[0, 1, 5]] * h[[2, 3, 4]]).sum(1))
    mlp = HadamardMLPPredictor(4, 8, num_layers=3, dropout=0.5).eval()
    scores = mlp(h, pairs)
    assert scores.shape == (3,)
    expected = h[[0, 1, 5]] * h[[2, 3, 4]]
    for lin in mlp.lins[:-1]:
        expected = torch.relu(lin(expected))
    torch.testing.assert_close(scores, mlp.lins[-1](expected).squeeze(-1))
    torch.testing.assert_close(mlp(h, pairs.flip(0)), scores)  # symmetric in the pair
    assert [lin.out_features for lin in mlp.lins] == [8, 8, 1]
    assert HadamardMLPPredictor(4, 8, num_layers=1)(h, pairs).shape == (3,)
    with pytest.raises(ValueError, match="num_layers"):
        HadamardMLPPredictor(4, 8, num_layers=0)


def test_reprs():
    assert repr(GCNLayer(3, 4)) == "GCNLayer(3, 4)"
    assert repr(SAGELayer(3, 4)) == "SAGELayer(3, 4)"
    assert repr(GINLayer(3, 4)) == "GINLayer(3, 4, eps=0.0)"
    assert repr(GNNEncoder("sage", 3, 16, num_layers=2, dropout=0.1)) == (
        "GNNEncoder('sage', 3, 16, num_layers=2, dropout=0.1)"
    )
    assert repr(GNNEncoder("gat", 3, 16)) == "GNNEncoder('gat', 3, 16, num_layers=2, dropout=0.5)"
    assert repr(HadamardMLPPredictor(16, 32)) == (
        "HadamardMLPPredictor(16, 32, num_layers=3, dropout=0.5)"
    )
    assert repr(DotPredictor()) == "DotPredictor()"
    assert repr(Adjacency(_path4(), layout="sparse")) == "Adjacency(num_nodes=4, layout='sparse')"


def test_gcn_with_edge_weight_equals_pyg():
    x, edge_index = _random_graph()
    weight = torch.rand(edge_index.size(1), generator=torch.Generator().manual_seed(1)) + 0.5
    ours, pyg = _ours_and_pyg("gcn")
    torch.testing.assert_close(
        ours(x, edge_index, weight), pyg(x, edge_index, weight), atol=1e-5, rtol=1e-5
    )
    # the weights matter: ignoring them gives a different output
    assert not torch.allclose(ours(x, edge_index, weight), ours(x, edge_index), atol=1e-3)


@pytest.mark.parametrize("kind", ["gcn", "sage", "gin"])
def test_torch_sparse_adjacency_input_equals_edge_index(kind):
    x, edge_index = _random_graph()
    matrix = torch.sparse_coo_tensor(
        edge_index, torch.ones(edge_index.size(1)), (12, 12), check_invariants=True
    )
    ours, _ = _ours_and_pyg(kind)
    torch.testing.assert_close(ours(x, matrix.to_sparse_csr()), ours(x, edge_index))


def test_edge_weight_with_cached_adjacency_is_rejected():
    x, edge_index = _random_graph()
    with pytest.raises(ValueError, match="edge_weight"):
        GCNLayer(5, 7)(x, Adjacency(edge_index, num_nodes=12), torch.ones(edge_index.size(1)))
